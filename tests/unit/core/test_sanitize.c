/* sanitize.c: hostile text reaches the terminal inert. */
#include "config.h"
#include "unit.h"

#include <locale.h>
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
        cmocka_unit_test(text_cols__counts_wide_characters_twice),
    };
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    return RUN_TAP(tests);
}
