/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the display sanitiser with arbitrary bytes. Properties: the output is valid UTF-8 with
 * no ESC, no C0 control (but '\n' and '\t' when asked to keep them), no DEL, no C1 control
 * (U+0080..U+009F) and no bidi override; sanitising twice changes nothing; text_cols is
 * sane. The first input byte chooses keep_newlines. */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "core/sanitize.h"
#include "core/text.h"

/* Strict UTF-8 decoder: length of the sequence at s, 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t len;
    uint32_t c;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2, c = s[0] & 0x1F;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3, c = s[0] & 0x0F;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4, c = s[0] & 0x07;
    else
        return 0;
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) || c > 0x10FFFF ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

static void check_inert(const char *out, int keep_newlines)
{
    const unsigned char *s = (const unsigned char *)out;
    size_t n = strlen(out), i = 0, chars = 0;
    int cols;

    while (i < n) {
        uint32_t cp;
        size_t len = utf8_len(s + i, n - i, &cp);

        FUZZ_CHECK(len > 0);
        if (cp == '\n' || cp == '\t')
            FUZZ_CHECK(keep_newlines);
        else
            FUZZ_CHECK(cp >= 0x20);
        FUZZ_CHECK(cp != 0x7F);
        FUZZ_CHECK(cp < 0x80 || cp > 0x9F);
        FUZZ_CHECK(!(cp >= 0x202A && cp <= 0x202E) && !(cp >= 0x2066 && cp <= 0x2069));
        FUZZ_CHECK(cp != 0x2028 && cp != 0x2029);
        i += len;
        chars++;
    }
    cols = text_cols(out);
    FUZZ_CHECK(cols >= 0 && (size_t)cols <= 2 * chars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int keep = size > 0 && (data[0] & 1);
    const char *text = size > 0 ? (const char *)data + 1 : "";
    size_t len = size > 0 ? size - 1 : 0;
    char *out = sanitize_display(text, len, keep);
    char *again;

    FUZZ_CHECK(out != NULL);
    FUZZ_CHECK(strlen(out) <= 3 * len); /* at worst every byte becomes U+FFFD */
    check_inert(out, keep);
    again = sanitize_display(out, strlen(out), keep);
    FUZZ_CHECK(strcmp(again, out) == 0);
    free(again);
    free(out);

    /* the NUL-terminated convenience form, and text_cols on raw (maybe invalid) bytes */
    {
        char *raw = strndup(text, len);
        char *line = sanitize_line(raw);
        FUZZ_CHECK(line != NULL);
        check_inert(line, 0);
        FUZZ_CHECK(text_cols(raw) >= 0);
        free(line);
        free(raw);
    }
    return 0;
}
