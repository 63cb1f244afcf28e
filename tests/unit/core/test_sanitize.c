/* SPDX-License-Identifier: GPL-3.0-or-later */
/* sanitize.c: hostile text reaches the terminal inert. */
#include "config.h"
#include "unit.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sanitize.h"
#include "core/text.h"

static void check(const char *in, const char *want)
{
    char *out = sanitize_line(in);
    assert_string_equal(out, want);
    free(out);
}

static void sanitize__null_and_empty_give_empty(void **state)
{
    check(NULL, "");
    check("", "");
}

static void sanitize__keeps_plain_and_utf8_text(void **state)
{
    check("Pat Lee", "Pat Lee");
    check("Zoë Ñúñez 王小明 😀", "Zoë Ñúñez 王小明 😀");
}

static void sanitize__removes_whole_csi_sequences(void **state)
{
    check("\033[31mred\033[0m", "red");
    check("a\033[2J\033[Hb", "ab");
    check("x\033[?1049hy", "xy");
}

static void sanitize__removes_osc_title_and_clipboard_writes(void **state)
{
    check("\033]0;pwned\007name", "name");
    check("\033]52;c;aGVsbG8=\007ok", "ok");
    check("\033]8;;http://x\033\\link\033]8;;\033\\", "link");
    check("\033Pdcs stuff\033\\after", "after");
}

static void sanitize__removes_c1_controls_including_utf8_csi(void **state)
{
    check("a\xC2\x9B" "31mb", "ab");     /* U+009B CSI */
    check("a\xC2\x9D" "0;t\x07" "b", "ab"); /* U+009D OSC ... BEL */
    check("a\xC2\x85" "b", "ab");        /* NEL */
}

static void sanitize__drops_c0_controls_and_flattens_newlines(void **state)
{
    check("a\rb\bc\x07" "d\x7f" "e", "abcde");
    check("line1\nline2\tx", "line1 line2 x");
    check("trailing esc\033", "trailing esc");
}

static void sanitize__keeps_newlines_when_asked(void **state)
{
    char *out = sanitize_display("a\nb\r\n\033[1mc", 10, 1);
    assert_string_equal(out, "a\nb\nc");
    free(out);
}

static void sanitize__replaces_invalid_utf8(void **state)
{
    check("a\xff" "b", "a\xEF\xBF\xBD" "b");
    check("\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD"); /* overlong '/' */
    check("\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); /* surrogate */
    check("\xE4\xB8", "\xEF\xBF\xBD\xEF\xBF\xBD");                /* truncated */
}

static void sanitize__removes_bidi_overrides(void **state)
{
    check("abc\xE2\x80\xAE" "fed", "abcfed");
}


#define R "\xEF\xBF\xBD" /* U+FFFD */

/* Every C1 control U+0080-U+009F is dropped, its neighbours U+007E and U+00A0 kept; the
 * string introducers among them (DCS, SOS, OSC, PM, APC) take their payload with them. */
static void sanitize__c1_range_dropped_at_both_boundaries(void **state)
{
    static const unsigned strings[] = {0x90, 0x98, 0x9B, 0x9D, 0x9E, 0x9F};

    for (unsigned cp = 0x80; cp <= 0x9F; cp++) {
        char in[16];
        bool is_string = false;

        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
            is_string = is_string || strings[k] == cp;
        if (is_string)
            continue;
        snprintf(in, sizeof in, "a%c%cb", 0xC2, (char)(0x80 | (cp & 0x3F)));
        check(in, "ab");
    }
    check("a~b", "a~b");
    check("a\xC2\xA0" "b", "a\xC2\xA0" "b"); /* U+00A0 is text */
    check("a\x7F" "b", "ab");               /* DEL */
    check("a\x1F" "b", "ab");               /* the last C0 control */
    check("a b", "a b");                    /* 0x20, the first printable */
    check("a\xC2\x9B" "1;2Hb", "ab");       /* U+009B CSI takes its parameters */
}

/* Every string sequence kind (OSC, DCS, SOS, PM, APC), as ESC + letter and as its C1 code
 * point, ends at each of its terminators: BEL, ESC \, 8-bit ST 0x9C and U+009C. */
static void sanitize__every_string_sequence_kind_with_every_terminator(void **state)
{
    static const char *const intro[] = {"\033]", "\033P", "\033X", "\033^", "\033_",
                                        "\xC2\x9D", "\xC2\x90", "\xC2\x98", "\xC2\x9E",
                                        "\xC2\x9F"};
    static const char *const term[] = {"\x07", "\033\\", "\x9C", "\xC2\x9C"};

    for (size_t i = 0; i < sizeof intro / sizeof intro[0]; i++)
        for (size_t t = 0; t < sizeof term / sizeof term[0]; t++) {
            char in[64];

            snprintf(in, sizeof in, "a%s0;pay\033load%sb", intro[i], term[t]);
            check(in, "ab");
            /* unterminated: the rest of the text is the payload */
            snprintf(in, sizeof in, "a%s0;payload", intro[i]);
            check(in, "a");
        }
    /* ESC alone before the end of a string sequence is payload, not a terminator */
    check("a\033]x\033", "a");
}

/* CSI: parameters, intermediates and the final byte at both ends of its range (0x40-0x7E);
 * a byte outside the ranges ends the sequence and is treated as text. */
static void sanitize__csi_final_byte_range(void **state)
{
    check("a\033[1;2@b", "ab");   /* final 0x40 */
    check("a\033[1;2~b", "ab");   /* final 0x7E */
    check("a\033[ ?@b", "ab");    /* 0x20 and 0x3F in the parameters, final 0x40 */
    check("a\033[1 qb", "ab");    /* DECSCUSR: intermediate 0x20 then final q */
    check("a\033[1\x1F" "b", "ab");   /* 0x1F ends it, is dropped as C0, b is text */
    check("a\033[1\x7F" "b", "ab");   /* 0x7F ends it (dropped), b is text */
    check("a\033[\xC3\xA9", "a\xC3\xA9"); /* a non-ASCII byte ends it: text */
}

/* Two-byte and nF escapes (ESC ( B, ESC # 8, ESC ~): the final byte 0x30-0x7E is removed with
 * the escape, at both ends of its range; what follows is text. */
static void sanitize__esc_nf_sequences_at_both_ends_of_the_final_range(void **state)
{
    check("a\033(Bb", "ab");
    check("a\033(0b", "ab");  /* final 0x30 */
    check("a\033(~b", "ab");  /* final 0x7E */
    check("a\033( \x7F" "b", "ab"); /* 0x7F is no final: dropped as a control */
    check("a\033(/Bb", "ab"); /* intermediate 0x2F then final B */
    check("a\033(\x1F" "b", "ab");
    check("a\033(\xC3\xA9", "a\xC3\xA9");
}

/* UTF-8: overlong forms of each length, surrogates, beyond U+10FFFF are replaced byte by
 * byte; the first valid code point of each length and the neighbours of the surrogates pass. */
static void sanitize__utf8_overlong_and_surrogate_boundaries(void **state)
{
    check("\xC1\xBF", R R);                 /* overlong 2-byte (U+007F) */
    check("\xC2\x80" "x", "x");             /* U+0080: the first 2-byte, a C1 control */
    check("\xC2\xA1", "\xC2\xA1");          /* U+00A1 */
    check("\xE0\x9F\xBF", R R R);           /* overlong 3-byte (U+07FF) */
    check("\xE0\xA0\x80", "\xE0\xA0\x80");  /* U+0800 */
    check("\xF0\x8F\xBF\xBF", R R R R);     /* overlong 4-byte (U+FFFF) */
    check("\xF0\x90\x80\x80", "\xF0\x90\x80\x80"); /* U+10000 */
    check("\xED\x9F\xBF", "\xED\x9F\xBF");  /* U+D7FF */
    check("\xED\xA0\x80", R R R);           /* U+D800 */
    check("\xED\xBF\xBF", R R R);           /* U+DFFF */
    check("\xEE\x80\x80", "\xEE\x80\x80");  /* U+E000 */
    check("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
    check("\xF4\x90\x80\x80", R R R R);     /* U+110000 */
    check("\xF8\x88\x80\x80\x80", R R R R R); /* no 5-byte forms */
    check("\xC3" "A", R "A");               /* a non-continuation byte */
    check("\xF0\x90\x80", R R R);           /* truncated 4-byte */
    check("\x7F\x80", R);
}

/* Bidi embeddings/overrides U+202A-U+202E and isolates U+2066-U+2069 are dropped, with the
 * line and paragraph separators; the code points next to each range are text. */
static void sanitize__bidi_ranges_dropped_at_both_boundaries(void **state)
{
    check("a\xE2\x80\xA7" "b", "a\xE2\x80\xA7" "b"); /* U+2027 */
    check("a\xE2\x80\xA8" "b", "ab");               /* U+2028 */
    check("a\xE2\x80\xA9" "b", "ab");               /* U+2029 */
    check("a\xE2\x80\xAA" "b", "ab");               /* U+202A */
    check("a\xE2\x80\xAC" "b", "ab");
    check("a\xE2\x80\xAE" "b", "ab");               /* U+202E */
    check("a\xE2\x80\xAF" "b", "a\xE2\x80\xAF" "b"); /* U+202F */
    check("a\xE2\x81\xA5" "b", "a\xE2\x81\xA5" "b"); /* U+2065 */
    check("a\xE2\x81\xA6" "b", "ab");               /* U+2066 */
    check("a\xE2\x81\xA7" "b", "ab");
    check("a\xE2\x81\xA9" "b", "ab");               /* U+2069 */
    check("a\xE2\x81\xAA" "b", "a\xE2\x81\xAA" "b"); /* U+206A */
}

/* sanitize_display honours len (bytes past it are never read into the result) and
 * keep_newlines; sanitize_fprintf returns the length written and writes sanitised text. */
static void sanitize__display_len_and_fprintf(void **state)
{
    char *out = sanitize_display("ab\033[31mcd", 4, 0);
    FILE *f = tmpfile();
    char buf[64] = {0};

    assert_string_equal(out, "ab");
    free(out);
    out = sanitize_display("a\tb\nc", 5, 0);
    assert_string_equal(out, "a b c");
    free(out);
    out = sanitize_display("a\tb\nc", 5, 1);
    assert_string_equal(out, "a\tb\nc");
    free(out);
    out = sanitize_display("\033", 1, 0);
    assert_string_equal(out, "");
    free(out);
    out = sanitize_display(NULL, 3, 0);
    assert_string_equal(out, "");
    free(out);
    assert_non_null(f);
    assert_int_equal(sanitize_fprintf(f, "x%s\n", "\033]0;t\007y\tz"), 5);
    rewind(f);
    assert_int_equal(fread(buf, 1, sizeof buf - 1, f), 5);
    assert_string_equal(buf, "xy\tz\n");
    fclose(f);
}

/* Rule: a sequence cut off by the end of the text is read no further than the length given,
 * whatever follows in memory. Each text is copied into a heap block of exactly its length
 * (no NUL after it), so a read past it is an error under AddressSanitizer; the byte that
 * would follow in a longer text is one that would continue the sequence. */
static void sanitize__reads_no_byte_past_the_length_given(void **state)
{
    static const char *const cut[] = {
        "ab\033",       /* a lone ESC */
        "ab\033(",      /* ESC and an intermediate */
        "ab\033( ",     /* ... two */
        "ab\033[1;2",   /* CSI without its final byte */
        "ab\033]0;t",   /* OSC without its terminator */
        "ab\033]0;t\033", /* OSC ending in the first half of ESC \ */
        "ab\033Px\xC2", /* DCS ending in the first half of UTF-8 ST */
        "ab\xC2\x9B" "1", /* 8-bit CSI, cut */
        "ab\xE2\x80",   /* a truncated UTF-8 sequence */
        "ab\xF0\x9F\x98",
    };

    for (size_t k = 0; k < sizeof(cut) / sizeof(cut[0]); k++) {
        size_t len = strlen(cut[k]);
        char *exact = malloc(len);
        char *out;

        memcpy(exact, cut[k], len);
        out = sanitize_display(exact, len, 0);
        /* "ab", then at most replacement characters for a cut UTF-8 sequence */
        assert_memory_equal(out, "ab", 2);
        assert_true(strlen(out) == 2 || !strncmp(out + 2, R, 3));
        free(out);
        free(exact);
    }
}

/* Rule: parameters and intermediates may come in any order before the final byte, and the
 * whole malformed sequence goes, as a terminal would swallow it. */
static void sanitize__csi_parameters_and_intermediates_in_any_order(void **state)
{
    check("a\033[ 1qb", "ab");    /* intermediate 0x20 before a parameter */
    check("a\033[1/0@b", "ab");   /* 0x2F between parameters */
    check("a\033[0?>=<;:9b", "a");   /* each end of 0x30-0x3F, then final b */
    check("a\033[0?>=<;:9bc", "ac");
    check("a\033[!\"#$%&'()*+,-./Ac", "ac"); /* every intermediate 0x20-0x2F */
}

static void text_cols__counts_wide_characters_twice(void **state)
{
    assert_int_equal(text_cols(NULL), 0);
    assert_int_equal(text_cols(""), 0);
    assert_int_equal(text_cols("abc"), 3);
    assert_int_equal(text_cols("王小明"), 6);
    assert_int_equal(text_cols("Zoë"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sanitize__null_and_empty_give_empty),
        cmocka_unit_test(sanitize__keeps_plain_and_utf8_text),
        cmocka_unit_test(sanitize__removes_whole_csi_sequences),
        cmocka_unit_test(sanitize__removes_osc_title_and_clipboard_writes),
        cmocka_unit_test(sanitize__removes_c1_controls_including_utf8_csi),
        cmocka_unit_test(sanitize__drops_c0_controls_and_flattens_newlines),
        cmocka_unit_test(sanitize__keeps_newlines_when_asked),
        cmocka_unit_test(sanitize__replaces_invalid_utf8),
        cmocka_unit_test(sanitize__removes_bidi_overrides),
        cmocka_unit_test(sanitize__c1_range_dropped_at_both_boundaries),
        cmocka_unit_test(sanitize__every_string_sequence_kind_with_every_terminator),
        cmocka_unit_test(sanitize__csi_final_byte_range),
        cmocka_unit_test(sanitize__esc_nf_sequences_at_both_ends_of_the_final_range),
        cmocka_unit_test(sanitize__utf8_overlong_and_surrogate_boundaries),
        cmocka_unit_test(sanitize__bidi_ranges_dropped_at_both_boundaries),
        cmocka_unit_test(sanitize__display_len_and_fprintf),
        cmocka_unit_test(sanitize__reads_no_byte_past_the_length_given),
        cmocka_unit_test(sanitize__csi_parameters_and_intermediates_in_any_order),
        cmocka_unit_test(text_cols__counts_wide_characters_twice),
    };
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    return RUN_TAP(tests);
}
