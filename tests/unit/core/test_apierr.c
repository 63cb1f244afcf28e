/* apierr.c: the _errors envelope and RFC 6901 pointers. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apierr.h"

static bool parse(const char *body, struct api_errors *e)
{
    api_errors_init(e);
    return apierr_parse(body, body ? strlen(body) : 0, e);
}

static void apierr__null_empty_and_non_json_are_not_envelopes(void **state)
{
    struct api_errors e;
    assert_false(parse(NULL, &e));
    assert_false(parse("", &e));
    assert_false(parse("<html>502 Bad Gateway</html>", &e));
    assert_false(parse("{\"error\":\"nope\"}", &e));
    assert_false(parse("{\"_errors\":{}}", &e));
    assert_int_equal(e.n, 0);
}

static void apierr__parses_the_seed_missing_field_example(void **state)
{
    struct api_errors e;
    assert_true(parse("{\"_errors\":[{\"code\":\"missing_field\",\"title\":\"Missing Field\","
                      "\"detail\":\"Missing field from request: user_id\",\"source\":"
                      "{\"pointer\":\"/user_id\"}}],\"object\":\"error\"}",
                      &e));
    assert_int_equal(e.n, 1);
    assert_string_equal(e.v[0].code, "missing_field");
    assert_string_equal(e.v[0].title, "Missing Field");
    assert_string_equal(e.v[0].detail, "Missing field from request: user_id");
    assert_string_equal(e.v[0].pointer, "/user_id");
    assert_int_equal(e.v[0].field, FIELD_USER);
    api_errors_done(&e);
}

static void apierr__reads_several_errors_and_other_sources(void **state)
{
    struct api_errors e;
    char *m;
    assert_true(parse("{\"_errors\":[{\"code\":\"missing_field\",\"source\":{\"pointer\":"
                      "\"/answered\"}},\"junk\",{\"title\":\"Bad param\",\"source\":"
                      "{\"parameter\":\"user_id\"}},{\"detail\":7,\"source\":{\"header\":"
                      "\"Authorization\"}},{\"source\":{\"pointer\":\"/notes\"}}]}",
                      &e));
    assert_int_equal(e.n, 4);
    assert_int_equal(e.v[0].field, FIELD_ANSWERED);
    m = apierr_message(&e.v[0]);
    assert_string_equal(m, "missing_field");
    free(m);
    assert_string_equal(e.v[1].parameter, "user_id");
    assert_int_equal(e.v[1].field, FIELD_NONE);
    assert_null(e.v[2].detail);
    assert_string_equal(e.v[2].header, "Authorization");
    assert_int_equal(e.v[3].field, FIELD_NONE);
    m = apierr_message(&e.v[3]);
    assert_string_equal(m, "unspecified error");
    free(m);
    api_errors_done(&e);
}

static void apierr__caps_the_number_of_errors(void **state)
{
    struct api_errors e;
    size_t cap = 1 << 16;
    char *body = malloc(cap);
    size_t len = 0;
    len += (size_t)snprintf(body, cap, "{\"_errors\":[");
    for (int i = 0; i < 500; i++)
        len += (size_t)snprintf(body + len, cap - len, "%s{\"code\":\"c%d\"}", i ? "," : "", i);
    snprintf(body + len, cap - len, "]}");
    assert_true(parse(body, &e));
    assert_int_equal(e.n, 100);
    api_errors_done(&e);
    free(body);
}

static void json_pointer__unescapes_tilde_sequences_in_order(void **state)
{
    char **t;
    assert_int_equal(json_pointer_parse("", &t), 0);
    json_pointer_free(t, 0);
    assert_int_equal(json_pointer_parse("/a~1b/c~0d/~01", &t), 3);
    assert_string_equal(t[0], "a/b");
    assert_string_equal(t[1], "c~d");
    assert_string_equal(t[2], "~1"); /* ~01 is "~" then "1", not "/" */
    json_pointer_free(t, 3);
    assert_int_equal(json_pointer_parse("/", &t), 1);
    assert_string_equal(t[0], "");
    json_pointer_free(t, 1);
    assert_int_equal(json_pointer_parse("//x", &t), 2);
    json_pointer_free(t, 2);
}

static void json_pointer__rejects_invalid_pointers(void **state)
{
    char **t;
    assert_int_equal(json_pointer_parse(NULL, &t), -1);
    assert_int_equal(json_pointer_parse("user_id", &t), -1);
    assert_int_equal(json_pointer_parse("/a~2", &t), -1);
    assert_int_equal(json_pointer_parse("/a~", &t), -1);
}

static void apierr_pointer_field__maps_fields_and_nested_paths(void **state)
{
    assert_int_equal(apierr_pointer_field("/task_id"), FIELD_TASK);
    assert_int_equal(apierr_pointer_field("/recording_url"), FIELD_RECORDING_URL);
    assert_int_equal(apierr_pointer_field("/duration/0"), FIELD_DURATION);
    assert_int_equal(apierr_pointer_field("/task~1id"), FIELD_NONE);
    assert_int_equal(apierr_pointer_field(""), FIELD_NONE);
    assert_int_equal(apierr_pointer_field("task_id"), FIELD_NONE);
    assert_int_equal(apierr_pointer_field(NULL), FIELD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apierr__null_empty_and_non_json_are_not_envelopes),
        cmocka_unit_test(apierr__parses_the_seed_missing_field_example),
        cmocka_unit_test(apierr__reads_several_errors_and_other_sources),
        cmocka_unit_test(apierr__caps_the_number_of_errors),
        cmocka_unit_test(json_pointer__unescapes_tilde_sequences_in_order),
        cmocka_unit_test(json_pointer__rejects_invalid_pointers),
        cmocka_unit_test(apierr_pointer_field__maps_fields_and_nested_paths),
    };
    return RUN_TAP(tests);
}
