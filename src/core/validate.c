/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: client-side checks of a call, shared by `amplecall log`, the form and the import.
 * Pure: messages only, no I/O. The server stays the authority; these catch typos early. */
#include "config.h"
#include "core/validate.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unistr.h>

#include "core/util.h"

#define MAX_DURATION (10LL * 365 * 24 * 3600)

void field_errors_init(struct field_errors *e)
{
    e->v = NULL;
    e->n = 0;
}

void field_errors_done(struct field_errors *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].message);
    free(e->v);
    field_errors_init(e);
}

void field_errors_add(struct field_errors *e, enum field_id f, const char *fmt, ...)
{
    va_list ap;

    e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
    e->v[e->n].field = f;
    va_start(ap, fmt);
    e->v[e->n].message = xvasprintf(fmt, ap);
    va_end(ap);
    e->n++;
}

bool validate_uuid(const char *s)
{
    /* 8-4-4-4-12 hex digits; any version (the API's ids are UUIDv7) */
    static const int groups[] = {8, 4, 4, 4, 12};

    if (!s)
        return false;
    for (size_t g = 0; g < ARRAY_LEN(groups); g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!isxdigit((unsigned char)*s))
                return false;
        if (g + 1 < ARRAY_LEN(groups) && *s++ != '-')
            return false;
    }
    return *s == '\0';
}

bool validate_phone(const char *s)
{
    int digits = 0;
    int depth = 0;

    if (!s)
        return false;
    while (*s == ' ')
        s++;
    if (*s == '+')
        s++;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s))
            digits++;
        else if (*s == '(')
            depth++;
        else if (*s == ')') {
            if (--depth < 0)
                return false;
        } else if (*s != ' ' && *s != '-' && *s != '.')
            return false;
    }
    /* E.164 allows at most 15 digits; 3 covers short service numbers */
    return depth == 0 && digits >= 3 && digits <= 15;
}

bool validate_https_url(const char *s)
{
    const char *host;

    if (!s || strncasecmp(s, "https://", 8) != 0)
        return false;
    host = s + 8;
    if (!*host || *host == '/' || *host == ':')
        return false;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7F)
            return false;
    return true;
}

bool validate_utf8(const char *s, size_t len, size_t *bad_offset)
{
    /* u8_check is strict: it refuses overlong forms, surrogates, code points above
     * U+10FFFF, truncated sequences and stray continuation bytes */
    const uint8_t *bad;

    if (!s)
        return true;
    bad = u8_check((const uint8_t *)s, len);
    if (bad && bad_offset)
        *bad_offset = (size_t)(bad - (const uint8_t *)s);
    return bad == NULL;
}

char *validate_field(enum field_id f, const char *value)
{
    char *v;
    char *msg = NULL;
    long long n;
    size_t bad;

    /* before anything else: the JSON body must be UTF-8, and the offset is into the text as
     * given, not as trimmed */
    if (value && !validate_utf8(value, strlen(value), &bad))
        return xasprintf("is not valid UTF-8 (byte 0x%02X at offset %zu)",
                         (unsigned char)value[bad], bad);
    v = str_trim(value);
    if (!*v) {
        if (field_is_required(f))
            msg = xstrdup("is required");
        goto out;
    }
    switch (f) {
    case FIELD_FROM:
    case FIELD_TO:
        if (!validate_phone(v))
            msg = xstrdup("is not a phone number (digits, optional leading +, spaces, dashes, "
                          "parentheses)");
        break;
    case FIELD_DURATION:
        if (!str_to_nonneg(v, MAX_DURATION, &n))
            msg = xstrdup("must be a whole number of seconds (0 or more)");
        break;
    case FIELD_ANSWERED:
    case FIELD_HUMAN:
        if (call_parse_bool(v) < 0)
            msg = xstrdup("must be yes or no");
        break;
    case FIELD_DISPOSITION:
    case FIELD_TASK:
    case FIELD_USER:
        if (!validate_uuid(v))
            msg = xstrdup("must be a UUID like 0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
        break;
    case FIELD_RECORDING_URL:
        if (!validate_https_url(v))
            msg = xstrdup("must be an https:// URL");
        break;
    case FIELD_TRANSCRIPTION:
    case FIELD_COUNT:
    case FIELD_NONE:
        break;
    }
out:
    free(v);
    return msg;
}

size_t validate_call(const struct call *c, struct field_errors *out)
{
    size_t before = out->n;

    for (int f = 0; f < FIELD_COUNT; f++) {
        char *msg = validate_field((enum field_id)f, c->text[f]);
        if (msg) {
            field_errors_add(out, (enum field_id)f, "%s", msg);
            free(msg);
        }
    }
    return out->n - before;
}

bool validate_call_is_utf8(const struct call *c)
{
    for (int f = 0; f < FIELD_COUNT; f++)
        if (c->text[f] && !validate_utf8(c->text[f], strlen(c->text[f]), NULL))
            return false;
    return true;
}
