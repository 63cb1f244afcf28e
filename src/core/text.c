/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: terminal widths of UTF-8 text (text.h). libunistring's uc_width() with the
 * "UTF-8" encoding gives the same answer in every locale, which wcwidth() does not (under
 * LANG=C it calls every accented letter unprintable). */
#include "config.h"
#include "core/text.h"

#include <stdint.h>
#include <string.h>
#include <unistr.h>
#include <uniwidth.h>

#include "core/charset.h"
#include "core/util.h"

int text_char_cols(const char *s, size_t n, size_t *len)
{
    const uint8_t *u = (const uint8_t *)s;
    ucs4_t uc;
    int k, w;

    if (n == 0) {
        *len = 0;
        return 0;
    }
    if (u[0] < 0x80) {
        *len = 1;
        return 1;
    }
    k = u8_mbtoucr(&uc, u, n);
    if (k <= 0) { /* invalid or truncated: one byte, one column */
        *len = 1;
        return 1;
    }
    *len = (size_t)k;
    w = uc_width(uc, "UTF-8");
    return w < 0 ? 1 : w;
}

int text_cols(const char *s)
{
    size_t n = s ? strlen(s) : 0, i = 0;
    int cols = 0;

    while (i < n) {
        size_t len;
        cols += text_char_cols(s + i, n - i, &len);
        i += len;
    }
    return cols;
}

size_t text_fit(const char *text, int cols, int *used)
{
    size_t n = text ? strlen(text) : 0, i = 0;
    int total = 0;

    while (i < n) {
        size_t len;
        int w = text_char_cols(text + i, n - i, &len);
        if (total + w > cols)
            break;
        total += w;
        i += len;
    }
    if (used)
        *used = total;
    return i;
}

char *text_cut(const char *s, int max_cols)
{
    const char *ellipsis = charset_ellipsis(); /* "..." where the charset has no "…" */
    int e_cols = text_cols(ellipsis);
    size_t keep, e_len = strlen(ellipsis);
    char *out;

    if (text_cols(s) <= max_cols)
        return xstrdup(s);
    if (max_cols < e_cols)
        return xstrdup("");
    keep = text_fit(s, max_cols - e_cols, NULL);
    out = xmalloc(keep + e_len + 1);
    memcpy(out, s, keep);
    memcpy(out + keep, ellipsis, e_len + 1);
    return out;
}

static void push_line(char ***lines, size_t *n, const char *s, size_t len)
{
    *lines = xrealloc(*lines, (*n + 1) * sizeof(**lines));
    (*lines)[(*n)++] = xstrndup(s, len);
}

size_t text_wrap(const char *text, int cols, char ***lines)
{
    size_t n = 0;
    const char *p = text ? text : "";

    *lines = NULL;
    if (cols < 1)
        cols = 1;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t para_len = nl ? (size_t)(nl - p) : strlen(p);
        char *para = xstrndup(p, para_len);
        const char *q = para;

        do {
            size_t rest = strlen(q), i = 0, brk = 0;
            int w = 0;

            while (i < rest) {
                size_t len;
                int cw = text_char_cols(q + i, rest - i, &len);
                if (q[i] == ' ')
                    brk = i; /* a space just past the edge is a break too */
                if (w + cw > cols)
                    break;
                w += cw;
                i += len;
            }
            if (i < rest && brk > 0) {
                push_line(lines, &n, q, brk);
                q += brk + 1;
            } else {
                if (i == 0 && rest > 0) /* one character wider than the line */
                    text_char_cols(q, rest, &i);
                push_line(lines, &n, q, i);
                q += i;
            }
            while (*q == ' ' && q != para)
                q++;
        } while (*q);
        free(para);
        if (!nl)
            break;
        p = nl + 1;
    }
    return n;
}

void text_lines_free(char **lines, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}
