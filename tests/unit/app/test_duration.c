/* SPDX-License-Identifier: GPL-3.0-or-later */
/* duration.c: call lengths as a rep types them (95, 1:35, 1:02:03) and the forms refused. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "app/duration.h"

static long long parsed(const char *s)
{
    long long v = -1;
    char *why = NULL;

    assert_true(duration_parse(s, &v, &why));
    assert_null(why);
    return v;
}

/* Refused, with a reason that contains want. */
static void refused(const char *s, const char *want)
{
    long long v = 7;
    char *why = NULL;

    assert_false(duration_parse(s, &v, &why));
    assert_non_null(why);
    if (!strstr(why, want))
        fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", s, why, want);
    free(why);
}

static void duration__seconds_minutes_and_hours(void **state)
{
    (void)state;
    assert_int_equal(parsed("95"), 95);
    assert_int_equal(parsed("0"), 0);
    assert_int_equal(parsed("1:35"), 95);
    assert_int_equal(parsed("0:05"), 5);
    assert_int_equal(parsed("1:5"), 65);
    assert_int_equal(parsed("90:00"), 5400); /* minutes before the first colon are free */
    assert_int_equal(parsed("1:02:03"), 3723);
    assert_int_equal(parsed(" 2:00 "), 120);
    assert_int_equal(parsed("315360000"), 315360000);
}

static void duration__bad_forms_say_what_is_wrong(void **state)
{
    (void)state;
    refused("1:60", "seconds must be under 60");
    refused("1:60:00", "minutes must be under 60");
    refused("1:02:60", "seconds must be under 60");
    refused("1:002", "at most two digits");
    refused("1:2:3:4", "too many parts");
    refused(":35", "not a length");
    refused("1:", "not a length");
    refused("1::2", "not a length");
    refused("1m35", "not a length");
    refused("-5", "not a length");
    refused("", "empty");
    refused("   ", "empty");
    refused("315360001", "longest call");
    refused("99999999999999999999999", "longest call");
    refused("87600:00:01", "longest call");
}

static void duration__colons_are_noticed(void **state)
{
    (void)state;
    assert_true(duration_has_colon("1:35"));
    assert_false(duration_has_colon("95"));
    assert_false(duration_has_colon(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(duration__seconds_minutes_and_hours),
        cmocka_unit_test(duration__bad_forms_say_what_is_wrong),
        cmocka_unit_test(duration__colons_are_noticed),
    };
    return RUN_TAP(tests);
}
