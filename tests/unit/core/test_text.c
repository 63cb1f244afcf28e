/* SPDX-License-Identifier: GPL-3.0-or-later */
/* core/text.c: widths, cuts and wraps, the same in every locale. */
#include "config.h"
#include "unit.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "core/charset.h"
#include "core/text.h"

static void text__widths_do_not_depend_on_the_locale(void **state)
{
    static const char *const locales[] = {"C", "C.UTF-8"};

    for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]); i++) {
        setlocale(LC_ALL, locales[i]);
        assert_int_equal(text_cols("Zoë"), 3);
        assert_int_equal(text_cols("漢字"), 4);
        assert_int_equal(text_cols("e\xCC\x81"), 1); /* e + combining acute */
        assert_int_equal(text_cols("\xFF" "a"), 2);  /* an invalid byte takes one column */
        assert_int_equal(text_cols(""), 0);
        assert_int_equal(text_cols(NULL), 0);
    }
    setlocale(LC_ALL, "C");
}

static void text__fit_and_cut_never_split_a_character(void **state)
{
    int used = -1;

    setlocale(LC_ALL, "C.UTF-8");
    charset_init(); /* the ellipsis is the terminal charset's */
    assert_int_equal(text_fit("漢字x", 3, &used), 3); /* 漢 fits, 字 would need 2 more */
    assert_int_equal(used, 2);
    assert_int_equal(text_fit("abc", 0, &used), 0);
    assert_int_equal(used, 0);
    {
        char *c = text_cut("Rückruf vereinbart", 8);
        assert_string_equal(c, "Rückruf…");
        assert_int_equal(text_cols(c), 8);
        free(c);
        c = text_cut("漢字漢字", 4);
        assert_string_equal(c, "漢…");
        free(c);
        c = text_cut("short", 5);
        assert_string_equal(c, "short");
        free(c);
        c = text_cut("abc", 0);
        assert_string_equal(c, "");
        free(c);
        setlocale(LC_ALL, "C"); /* no "…" in ASCII: three dots, still within the width */
        charset_init();
        c = text_cut("Rückruf vereinbart", 8);
        assert_string_equal(c, "Rückr...");
        free(c);
    }
}

static void text__wrap_breaks_at_spaces_and_newlines(void **state)
{
    char **lines;
    size_t n = text_wrap("one two three\nfour", 7, &lines);

    assert_int_equal(n, 3);
    assert_string_equal(lines[0], "one two");
    assert_string_equal(lines[1], "three");
    assert_string_equal(lines[2], "four");
    text_lines_free(lines, n);
    n = text_wrap("abcdefghij", 4, &lines); /* a word longer than the line is broken */
    assert_int_equal(n, 3);
    assert_string_equal(lines[2], "ij");
    text_lines_free(lines, n);
    n = text_wrap("漢字漢", 3, &lines);
    assert_int_equal(n, 3); /* a wide character never straddles the edge */
    assert_string_equal(lines[0], "漢");
    text_lines_free(lines, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text__widths_do_not_depend_on_the_locale),
        cmocka_unit_test(text__fit_and_cut_never_split_a_character),
        cmocka_unit_test(text__wrap_breaks_at_spaces_and_newlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
