/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: redaction of the API key from text a server sent: every place a response enters
 * (http.c)
 * passes it through here, so what is shown, logged or stored never holds the key, plain or in
 * the encodings a server might echo it in. Pure. */
#include "config.h"
#include "core/redact.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

#define MAX_NEEDLES 16
#define MIN_ENCODED_LEN 8

struct redact {
    char *needle[MAX_NEEDLES]; /* owned; [0] is the secret */
    size_t len[MAX_NEEDLES];
    size_t n;
};

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void add(struct redact *r, char *owned, bool is_short_ok)
{
    size_t len = strlen(owned);

    for (size_t i = 0; i < r->n; i++) {
        if (r->len[i] == len && !memcmp(r->needle[i], owned, len)) {
            free(owned);
            return;
        }
    }
    if (r->n == MAX_NEEDLES || len == 0 || (!is_short_ok && len < MIN_ENCODED_LEN)) {
        free(owned);
        return;
    }
    r->needle[r->n] = owned;
    r->len[r->n] = len;
    r->n++;
}

static char *percent_encoded(const char *s, const char *hex)
{
    const unsigned char *p = (const unsigned char *)s;
    char *out = xmalloc(strlen(s) * 3 + 1), *w = out;

    for (; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            *w++ = (char)*p;
        } else {
            *w++ = '%';
            *w++ = hex[*p >> 4];
            *w++ = hex[*p & 15];
        }
    }
    *w = '\0';
    return out;
}

static char *json_escaped(const char *s)
{
    char *out = xmalloc(strlen(s) * 2 + 1), *w = out;

    for (; *s; s++) {
        if (*s == '"' || *s == '\\' || *s == '/')
            *w++ = '\\';
        *w++ = *s;
    }
    *w = '\0';
    return out;
}

/* The base64 characters of (offset filler bytes + s + anything) that depend on s alone: the
 * 6-bit groups that start at or after bit 8*offset and end by bit 8*(offset+len). */
static char *base64_core(const char *s, size_t offset, const char *alphabet)
{
    size_t len = strlen(s), nbits = 8 * (offset + len);
    size_t first = (8 * offset + 5) / 6, last = nbits / 6; /* groups [first, last) */
    unsigned char *bytes = xcalloc(offset + len + 1, 1);
    char *out = xmalloc(last > first ? last - first + 1 : 1), *w = out;

    memcpy(bytes + offset, s, len);
    for (size_t g = first; g < last; g++) {
        size_t bit = 6 * g, byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)bytes[byte] << 8 | bytes[byte + 1]) >> (10 - shift);
        *w++ = alphabet[v & 63];
    }
    *w = '\0';
    free(bytes);
    return out;
}

struct redact *redact_new(const char *secret)
{
    struct redact *r = xcalloc(1, sizeof(*r));

    if (!secret || !*secret)
        return r;
    add(r, xstrdup(secret), true);
    add(r, percent_encoded(secret, "0123456789ABCDEF"), false);
    add(r, percent_encoded(secret, "0123456789abcdef"), false);
    add(r, json_escaped(secret), false);
    for (size_t off = 0; off < 3; off++) {
        add(r, base64_core(secret, off, b64_std), false);
        add(r, base64_core(secret, off, b64_url), false);
    }
    return r;
}

void redact_free(struct redact *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        volatile char *p = r->needle[i];
        for (size_t k = 0; k < r->len[i]; k++)
            p[k] = '\0';
        free(r->needle[i]);
    }
    free(r);
}

size_t redact_needle_count(const struct redact *r)
{
    return r ? r->n : 0;
}

/* The first needle[0..nlen) in hay[0..len), or NULL. */
static const char *find(const char *hay, size_t len, const char *needle, size_t nlen)
{
    const char *p = hay, *end = hay + len;

    while (nlen && (size_t)(end - p) >= nlen) {
        p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
        if (!p)
            return NULL;
        if (!memcmp(p, needle, nlen))
            return p;
        p++;
    }
    return NULL;
}

/* One needle out of src, into a new buffer; NULL when it does not occur (src stays). */
static char *replace_all(const char *src, size_t len, const char *needle, size_t nlen,
                         size_t *out_len)
{
    const char *hit = find(src, len, needle, nlen), *p = src;
    struct buf b;

    if (!hit)
        return NULL;
    buf_init(&b, (size_t)-1);
    while (hit) {
        buf_append(&b, p, (size_t)(hit - p));
        buf_appends(&b, REDACT_MARK);
        p = hit + nlen;
        hit = find(p, len - (size_t)(p - src), needle, nlen);
    }
    buf_append(&b, p, len - (size_t)(p - src));
    *out_len = b.len;
    return buf_steal(&b);
}

char *redact_text(const struct redact *r, const char *text, size_t len, size_t *out_len)
{
    char *cur = xmalloc(len + 1);
    size_t cur_len = len;

    memcpy(cur, text ? text : "", text ? len : 0);
    if (!text)
        cur_len = 0;
    cur[cur_len] = '\0';
    for (size_t i = 0; r && i < r->n; i++) {
        size_t nl;
        char *next = replace_all(cur, cur_len, r->needle[i], r->len[i], &nl);
        if (next) {
            free(cur);
            cur = next;
            cur_len = nl;
        }
    }
    if (out_len)
        *out_len = cur_len;
    return cur;
}
