/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: folding and ranking for type-to-filter lists. Folding is libunistring's:
 * compatibility
 * decomposition with full case folding, then every combining mark dropped, so accents and
 * case never decide a match. No tables of our own, no locale, no curses. */
#include "config.h"
#include "core/fold.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "core/buf.h"
#include "core/util.h"

/* Append the code point to out unless it is a mark or a control; whitespace controls
 * become spaces so they still separate words. */
static void put_folded(struct buf *out, ucs4_t uc)
{
    uint8_t enc[6];
    int n;

    if (uc == '\t' || uc == '\n' || uc == '\r')
        uc = ' ';
    if (uc < 0x20 || (uc >= 0x7F && uc < 0xA0))
        return;
    if (uc_is_general_category(uc, UC_CATEGORY_M))
        return;
    n = u8_uctomb(enc, uc, sizeof(enc));
    if (n > 0)
        buf_append(out, (const char *)enc, (size_t)n);
}

char *fold_text(const char *s)
{
    size_t len = s ? strlen(s) : 0, flen = 0;
    struct buf out;
    uint8_t *f;

    buf_init(&out, 32 * len + 64); /* NFKD expands one character to 18 at most */
    if (len == 0)
        return buf_steal(&out);
    f = u8_check((const uint8_t *)s, len) ? NULL
                                         : u8_casefold((const uint8_t *)s, len, NULL,
                                                       UNINORM_NFKD, NULL, &flen);
    if (!f) {
        /* not UTF-8 (or out of memory in libunistring): ASCII rules, byte by byte */
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 'A' && c <= 'Z')
                c = (unsigned char)(c - 'A' + 'a');
            if (c == '\t' || c == '\n' || c == '\r')
                c = ' ';
            if (c >= 0x20 && c != 0x7F)
                buf_append(&out, (const char *)&c, 1);
        }
        return buf_steal(&out);
    }
    for (size_t i = 0; i < flen;) {
        ucs4_t uc;
        int n = u8_mbtouc(&uc, f + i, flen - i);
        put_folded(&out, uc);
        i += n > 0 ? (size_t)n : 1;
    }
    free(f);
    return buf_steal(&out);
}

bool fold_equal_nocase(const char *a, const char *b)
{
    size_t alen, blen;
    int cmp = 1;

    if (!a || !b)
        return false;
    alen = strlen(a);
    blen = strlen(b);
    if (u8_check((const uint8_t *)a, alen) || u8_check((const uint8_t *)b, blen) ||
        u8_casecmp((const uint8_t *)a, alen, (const uint8_t *)b, blen, NULL, UNINORM_NFC,
                   &cmp) != 0) {
        /* not UTF-8: ASCII rules */
        if (alen != blen)
            return false;
        for (size_t i = 0; i < alen; i++) {
            unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
            if (x >= 'A' && x <= 'Z')
                x = (unsigned char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z')
                y = (unsigned char)(y - 'A' + 'a');
            if (x != y)
                return false;
        }
        return true;
    }
    return cmp == 0;
}

char *fold_hay(const char *const *fields, size_t n)
{
    struct buf out;

    buf_init(&out, 1u << 20);
    for (size_t i = 0; i < n; i++) {
        char *f = fold_text(fields ? fields[i] : NULL);
        if (i > 0)
            buf_append(&out, (const char[]){FOLD_SEP}, 1);
        buf_appends(&out, f);
        free(f);
    }
    return buf_steal(&out);
}

void fold_query_init(struct fold_query *q, const char *filter)
{
    struct buf phrase;

    q->buf = fold_text(filter);
    q->words = xmalloc((strlen(q->buf) / 2 + 1) * sizeof(*q->words));
    q->n = 0;
    buf_init(&phrase, strlen(q->buf) + 1);
    for (char *p = q->buf; *p;) {
        while (*p == ' ')
            *p++ = '\0';
        if (!*p)
            break;
        q->words[q->n++] = p;
        if (phrase.len)
            buf_append(&phrase, " ", 1);
        while (*p && *p != ' ')
            buf_append(&phrase, p++, 1);
    }
    q->phrase = buf_steal(&phrase);
}

void fold_query_done(struct fold_query *q)
{
    free(q->buf);
    free(q->words);
    free(q->phrase);
    memset(q, 0, sizeof(*q));
}

/* A word starts at p: the start of a field, or after a character that is not a letter or
 * a digit ("pat@prospect.example" has the words pat, prospect, example). */
static bool starts_word(const char *hay, const char *p)
{
    const uint8_t *prev;
    ucs4_t uc;

    if (p == hay || p[-1] == FOLD_SEP)
        return true;
    prev = u8_prev(&uc, (const uint8_t *)p, (const uint8_t *)hay);
    if (!prev)
        return true;
    return !uc_is_alnum(uc);
}

enum fold_match fold_match_word(const char *hay, const char *word)
{
    enum fold_match best = FOLD_NO_MATCH;

    if (!word || !*word)
        return FOLD_NAME_PREFIX;
    if (!hay)
        return FOLD_NO_MATCH;
    for (const char *p = strstr(hay, word); p; p = strstr(p + 1, word)) {
        if (p == hay)
            return FOLD_NAME_PREFIX;
        if (starts_word(hay, p))
            best = FOLD_WORD_PREFIX;
        else if (best == FOLD_NO_MATCH)
            best = FOLD_SUBSTRING;
    }
    return best;
}

int fold_rank(const struct fold_query *q, const char *hay)
{
    int worst = 0, sum = 0;

    if (q->n == 0)
        return 0;
    if (hay && !strncmp(hay, q->phrase, strlen(q->phrase)))
        return 0; /* the phrase has no FOLD_SEP, so it lies inside the name */
    for (size_t i = 0; i < q->n; i++) {
        enum fold_match m = fold_match_word(hay, q->words[i]);
        if (m == FOLD_NO_MATCH)
            return -1;
        if ((int)m > worst)
            worst = (int)m;
        sum += (int)m;
    }
    return 1 + worst * 1000 + (sum < 999 ? sum : 999);
}
