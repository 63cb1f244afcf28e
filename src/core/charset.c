/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: UTF-8 inside, the locale's charset outside. Conversion is glibc iconv; a character
 * the terminal lacks goes through //TRANSLIT one code point at a time (first with the locale's
 * own rules, then with C.UTF-8's, which know Latin letters the C locale's do not), then its
 * canonical decomposition's base letter (libunistring), then "?". Owns its iconv handles;
 * no curses, no output of its own. */
#include "config.h"
#include "core/charset.h"

#include <errno.h>
#include <iconv.h>
#include <langinfo.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "core/buf.h"
#include "core/util.h"

#define NO_CD ((iconv_t)-1)

static struct {
    bool is_ready;
    char codeset[64];
    bool is_utf8;
    bool is_ascii;
    iconv_t strict;   /* UTF-8 -> codeset, failing on what it lacks */
    iconv_t translit; /* UTF-8 -> codeset//TRANSLIT */
    iconv_t from;     /* codeset -> UTF-8 */
    locale_t rules;   /* C.UTF-8's LC_CTYPE, for its transliteration table; 0 if none */
    char ellipsis[8]; /* charset_fit("…") */
} cs = {.strict = NO_CD, .translit = NO_CD, .from = NO_CD};

static void close_cd(iconv_t *cd)
{
    if (*cd != NO_CD)
        iconv_close(*cd);
    *cd = NO_CD;
}

static bool names_utf8(const char *s)
{
    return !strcasecmp(s, "UTF-8") || !strcasecmp(s, "UTF8");
}

void charset_init(void)
{
    const char *name = nl_langinfo(CODESET);
    char *tl;

    close_cd(&cs.strict);
    close_cd(&cs.translit);
    close_cd(&cs.from);
    snprintf(cs.codeset, sizeof(cs.codeset), "%s", name && *name ? name : "ANSI_X3.4-1968");
    cs.is_utf8 = names_utf8(cs.codeset);
    cs.is_ascii = !strcasecmp(cs.codeset, "ANSI_X3.4-1968") ||
                  !strcasecmp(cs.codeset, "ASCII") || !strcasecmp(cs.codeset, "US-ASCII");
    cs.is_ready = true;
    snprintf(cs.ellipsis, sizeof(cs.ellipsis), "\xE2\x80\xA6");
    if (cs.is_utf8)
        return;
    cs.strict = iconv_open(cs.codeset, "UTF-8");
    tl = xasprintf("%s//TRANSLIT", cs.codeset);
    cs.translit = iconv_open(tl, "UTF-8");
    free(tl);
    cs.from = iconv_open("UTF-8", cs.codeset);
    if (cs.strict == NO_CD || cs.translit == NO_CD || cs.from == NO_CD) {
        /* a charset iconv does not know: show ASCII, the one every terminal has */
        close_cd(&cs.strict);
        close_cd(&cs.translit);
        close_cd(&cs.from);
        snprintf(cs.codeset, sizeof(cs.codeset), "ANSI_X3.4-1968");
        cs.is_ascii = true;
        cs.strict = iconv_open("ANSI_X3.4-1968", "UTF-8");
        cs.translit = iconv_open("ANSI_X3.4-1968//TRANSLIT", "UTF-8");
        cs.from = iconv_open("UTF-8", "ANSI_X3.4-1968");
    }
    if (!cs.rules)
        cs.rules = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    {
        char *e = charset_fit("\xE2\x80\xA6");
        snprintf(cs.ellipsis, sizeof(cs.ellipsis), "%s", strlen(e) < sizeof(cs.ellipsis) ? e : "...");
        free(e);
    }
}

static void ready(void)
{
    if (!cs.is_ready)
        charset_init();
}

const char *charset_name(void)
{
    ready();
    return cs.codeset;
}

bool charset_is_utf8(void)
{
    ready();
    return cs.is_utf8;
}

/* Convert the len bytes at in with cd into out (at most cap bytes); the length, or -1. */
static long convert(iconv_t cd, const char *in, size_t len, char *out, size_t cap)
{
    char *ip = (char *)(uintptr_t)in, *op = out;
    size_t il = len, ol = cap;

    if (cd == NO_CD)
        return -1;
    iconv(cd, NULL, NULL, NULL, NULL);
    if (iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
        return -1;
    if (iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1) /* a stateful charset's reset */
        return -1;
    return (long)(op - out);
}

/* //TRANSLIT under the LC_CTYPE rules given (0: the current ones); -1 when it could only
 * give "?" (glibc's answer for "no rule"). */
static long translit(const uint8_t *u8, size_t n, locale_t rules, char *out, size_t cap)
{
    locale_t old = rules ? uselocale(rules) : (locale_t)0;
    long len = convert(cs.translit, (const char *)u8, n, out, cap);

    if (old)
        uselocale(old);
    if (len == 1 && out[0] == '?')
        return -1;
    return len > 0 ? len : -1;
}

/* One code point for the terminal: appended to out in the terminal's charset. */
static void put_cp(struct buf *out, ucs4_t uc)
{
    uint8_t u8[6];
    char enc[64];
    int n = u8_uctomb(u8, uc, sizeof(u8));
    long len = -1;

    if (n <= 0) {
        buf_append(out, "?", 1);
        return;
    }
    len = convert(cs.strict, (const char *)u8, (size_t)n, enc, sizeof(enc));
    if (len < 0)
        len = translit(u8, (size_t)n, 0, enc, sizeof(enc));
    if (len < 0 && cs.rules)
        len = translit(u8, (size_t)n, cs.rules, enc, sizeof(enc));
    if (len < 0) {
        /* the base letter of a canonical decomposition: "ǘ" -> "u" */
        ucs4_t dec[UC_DECOMPOSITION_MAX_LENGTH];
        int k = uc_canonical_decomposition(uc, dec);
        if (k > 0 && dec[0] != uc) {
            put_cp(out, dec[0]);
            return;
        }
    }
    if (len < 0) {
        /* a mark or an invisible character the terminal lacks: nothing, not "?" */
        if (uc_is_general_category(uc, UC_CATEGORY_M) ||
            uc_is_general_category(uc, UC_CATEGORY_Cf) ||
            uc_is_property_default_ignorable_code_point(uc))
            return;
        buf_append(out, "?", 1);
        return;
    }
    buf_append(out, enc, (size_t)len);
}

/* s in the terminal's charset (s is UTF-8; bad bytes become "?"). Owned. */
static char *encode(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    uint8_t *nfc = NULL;
    size_t nlen = 0;
    const uint8_t *p;
    struct buf out;

    buf_init(&out, (size_t)-1);
    buf_append(&out, "", 0);
    if (!len)
        return buf_steal(&out);
    /* composed first: "e" + U+0301 is "é", which Latin-1 has */
    if (!u8_check((const uint8_t *)s, len))
        nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &nlen);
    p = nfc ? nfc : (const uint8_t *)s;
    if (!nfc)
        nlen = len;
    for (size_t i = 0; i < nlen;) {
        ucs4_t uc;
        int n = u8_mbtoucr(&uc, p + i, nlen - i);
        if (n < 0) {
            buf_append(&out, "?", 1);
            i++;
            continue;
        }
        put_cp(&out, uc);
        i += (size_t)n;
    }
    free(nfc);
    return buf_steal(&out);
}

/* Bytes in the terminal's charset to UTF-8; undefined bytes become U+FFFD. Owned. */
static char *decode(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    struct buf out;
    char chunk[256];

    buf_init(&out, (size_t)-1);
    buf_append(&out, "", 0);
    if (cs.from == NO_CD) {
        buf_append(&out, s ? s : "", len);
        return buf_steal(&out);
    }
    iconv(cs.from, NULL, NULL, NULL, NULL);
    {
        char *ip = (char *)(uintptr_t)(s ? s : "");
        size_t il = len;
        while (il > 0) {
            char *op = chunk;
            size_t ol = sizeof(chunk);
            size_t r = iconv(cs.from, &ip, &il, &op, &ol);
            buf_append(&out, chunk, (size_t)(op - chunk));
            if (r == (size_t)-1 && errno != E2BIG) {
                buf_appends(&out, "\xEF\xBF\xBD"); /* EILSEQ, or EINVAL at the end */
                ip++;
                il--;
                iconv(cs.from, NULL, NULL, NULL, NULL);
            }
        }
    }
    return buf_steal(&out);
}

char *charset_to_display(const char *s)
{
    ready();
    if (cs.is_utf8)
        return xstrdup(s ? s : "");
    return encode(s);
}

char *charset_fit(const char *s)
{
    char *shown, *back;

    ready();
    if (cs.is_utf8)
        return xstrdup(s ? s : "");
    shown = encode(s);
    back = decode(shown);
    free(shown);
    return back;
}

const char *charset_ellipsis(void)
{
    ready();
    return cs.ellipsis;
}

char *charset_from_input(const char *s)
{
    ready();
    if (cs.is_utf8 || (cs.is_ascii && s && !u8_check((const uint8_t *)s, strlen(s))))
        return xstrdup(s ? s : "");
    return decode(s);
}
