/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: neutralise untrusted text before it reaches a terminal. Escape sequences are removed
 * whole (so no stray "[31m" is left behind), other controls dropped, bad UTF-8 replaced. Pure,
 * except sanitize_fprintf, which writes the result. */
#include "config.h"
#include "core/sanitize.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core/buf.h"
#include "core/util.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */

/* Decode one UTF-8 sequence at s (n bytes left). Returns its length and sets *cp, or 0 if
 * invalid (overlong, surrogate, out of range, truncated). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t len;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        c = s[0] & 0x1F;
        len = 2;
    } else if ((s[0] & 0xF0) == 0xE0) {
        c = s[0] & 0x0F;
        len = 3;
    } else if ((s[0] & 0xF8) == 0xF0) {
        c = s[0] & 0x07;
        len = 4;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
        c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Skip an escape sequence starting after ESC (or after a C1 introducer given as kind).
 * kind: '[' CSI, ']' OSC, 'P' DCS, 'X' SOS, '^' PM, '_' APC, or another final byte.
 * Returns the number of bytes consumed from s. */
static size_t skip_sequence(const unsigned char *s, size_t n, unsigned char kind)
{
    size_t i = 0;

    if (kind == '[') {
        /* parameters (0x30-0x3F) and intermediates (0x20-0x2F), then one final byte
         * 0x40-0x7E. Taken in any order, as a terminal's parser swallows a malformed
         * sequence whole (xterm's "CSI ignore" state) rather than showing its tail. */
        while (i < n && s[i] >= 0x20 && s[i] <= 0x3F)
            i++;
        if (i < n && s[i] >= 0x40 && s[i] <= 0x7E)
            i++;
        return i;
    }
    if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
        /* string until BEL, ST (ESC \) or C1 ST 0x9C, which also ends its UTF-8 form C2 9C
         * (the C2 is taken as payload) */
        while (i < n) {
            if (s[i] == 0x07)
                return i + 1;
            if (s[i] == 0x1B && i + 1 < n && s[i + 1] == '\\')
                return i + 2;
            if (s[i] == 0x9C)
                return i + 1;
            i++;
        }
        return i;
    }
    /* ESC followed by intermediates then a final byte (e.g. ESC ( B, ESC c) */
    while (i < n && s[i] >= 0x20 && s[i] <= 0x2F)
        i++;
    if (i < n && s[i] >= 0x30 && s[i] <= 0x7E)
        i++;
    return i;
}

char *sanitize_display(const char *text, size_t len, int keep_newlines)
{
    const unsigned char *s = (const unsigned char *)text;
    struct buf out;
    size_t i = 0;

    buf_init(&out, len * 3 + 16);
    if (!text)
        return buf_steal(&out);
    while (i < len) {
        unsigned char c = s[i];
        uint32_t cp;
        size_t n;

        if (c == 0x1B) {
            if (i + 1 >= len) {
                i++;
                continue;
            }
            i += 2 + skip_sequence(s + i + 2, len - i - 2, s[i + 1]);
            continue;
        }
        if (c == '\n' || c == '\t') {
            buf_append(&out, keep_newlines ? (const char *)&c : " ", 1);
            i++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            i++; /* CR, BEL, BS and friends: could rewrite what is on screen */
            continue;
        }
        n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            buf_appends(&out, REPLACEMENT);
            i++;
            continue;
        }
        if (cp >= 0x80 && cp <= 0x9F) {
            /* C1 controls: 0x9B is CSI, 0x9D OSC, 0x90 DCS... on terminals that honour them */
            static const char c1_kind[32] = {[0x1B] = '[', [0x1D] = ']', [0x10] = 'P',
                                             [0x18] = 'X', [0x1E] = '^', [0x1F] = '_'};
            unsigned char kind = (unsigned char)c1_kind[cp - 0x80];
            i += n;
            if (kind)
                i += skip_sequence(s + i, len - i, kind);
            continue;
        }
        if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
            (cp >= 0x2066 && cp <= 0x2069)) {
            i += n; /* line separators and bidi overrides can disguise text */
            continue;
        }
        buf_append(&out, s + i, n);
        i += n;
    }
    return buf_steal(&out);
}

char *sanitize_line(const char *s)
{
    return sanitize_display(s, s ? strlen(s) : 0, 0);
}

int sanitize_fprintf(FILE *out, const char *fmt, ...)
{
    va_list ap;
    char *raw, *clean;
    int rc;

    va_start(ap, fmt);
    raw = xvasprintf(fmt, ap);
    va_end(ap);
    clean = sanitize_display(raw, strlen(raw), 1);
    rc = fputs(clean, out) < 0 ? -1 : (int)strlen(clean);
    free(raw);
    free(clean);
    return rc;
}
