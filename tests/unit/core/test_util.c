/* SPDX-License-Identifier: GPL-3.0-or-later */
/* util.c and buf.c: string helpers and the capped buffer. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

static void str_to_nonneg__rejects_null_empty_and_signs(void **state)
{
    long long v = 7;
    assert_false(str_to_nonneg(NULL, 100, &v));
    assert_false(str_to_nonneg("", 100, &v));
    assert_false(str_to_nonneg("  ", 100, &v));
    assert_false(str_to_nonneg("-1", 100, &v));
    assert_false(str_to_nonneg("+1", 100, &v));
    assert_false(str_to_nonneg("1.5", 100, &v));
    assert_false(str_to_nonneg("12abc", 100, &v));
    assert_int_equal(v, 7);
}

static void str_to_nonneg__accepts_trimmed_digits_up_to_max(void **state)
{
    long long v;
    assert_true(str_to_nonneg(" 42 ", 100, &v));
    assert_int_equal(v, 42);
    assert_true(str_to_nonneg("0", 100, &v));
    assert_int_equal(v, 0);
    assert_true(str_to_nonneg("100", 100, &v));
    assert_false(str_to_nonneg("101", 100, &v));
    assert_false(str_to_nonneg("99999999999999999999999", 1000000000000LL, &v));
}

static void str_trim_and_blank__handle_null_and_spaces(void **state)
{
    char *t = str_trim(NULL);
    assert_string_equal(t, "");
    free(t);
    t = str_trim("  a b \t\n");
    assert_string_equal(t, "a b");
    free(t);
    assert_true(str_blank(NULL));
    assert_true(str_blank(" \t"));
    assert_false(str_blank(" x"));
}

static void buf__refuses_appends_past_its_cap(void **state)
{
    struct buf b;
    buf_init(&b, 5);
    assert_string_equal(buf_str(&b), "");
    assert_int_equal(buf_append(&b, "abc", 3), 0);
    assert_int_equal(buf_append(&b, "def", 3), -1);
    assert_true(b.is_truncated);
    assert_string_equal(buf_str(&b), "abc");
    assert_int_equal(buf_append(&b, "de", 2), 0);
    assert_int_equal(b.len, 5);
    assert_int_equal(buf_append(&b, "", 0), 0);
    assert_int_equal(buf_append(&b, "x", 1), -1);
    buf_done(&b);
}

static void buf__grows_and_hands_over_its_contents(void **state)
{
    struct buf b;
    char *s;
    buf_init(&b, 1 << 20);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_printf(&b, "%d,", i % 10), 0);
    assert_int_equal(b.len, 2000);
    s = buf_steal(&b);
    assert_int_equal(strlen(s), 2000);
    assert_int_equal(b.len, 0);
    free(s);
    s = buf_steal(&b);
    assert_string_equal(s, "");
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(str_to_nonneg__rejects_null_empty_and_signs),
        cmocka_unit_test(str_to_nonneg__accepts_trimmed_digits_up_to_max),
        cmocka_unit_test(str_trim_and_blank__handle_null_and_spaces),
        cmocka_unit_test(buf__refuses_appends_past_its_cap),
        cmocka_unit_test(buf__grows_and_hands_over_its_contents),
    };
    return RUN_TAP(tests);
}
