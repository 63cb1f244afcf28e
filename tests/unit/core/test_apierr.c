/* SPDX-License-Identifier: GPL-3.0-or-later */
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


/* Rule: the envelope's caps: at most 100 errors are kept (99 and 100 whole, 101 cut to 100),
 * and every text member is cut at 4096 bytes (4096 kept whole, 4097 cut). */
static void apierr__caps_at_both_sides(void **state)
{
    for (int count = 99; count <= 101; count++) {
        struct api_errors e;
        size_t cap = 1 << 16, len = 0;
        char *body = malloc(cap);

        len += (size_t)snprintf(body, cap, "{\"_errors\":[");
        for (int i = 0; i < count; i++)
            len += (size_t)snprintf(body + len, cap - len, "%s{\"code\":\"c%d\"}", i ? "," : "",
                                    i);
        snprintf(body + len, cap - len, "]}");
        assert_true(parse(body, &e));
        assert_int_equal(e.n, count > 100 ? 100 : count);
        assert_string_equal(e.v[e.n - 1].code, count > 100 ? "c99" : (count == 99 ? "c98" : "c99"));
        api_errors_done(&e);
        free(body);
    }
    for (size_t n = 4095; n <= 4097; n++) {
        struct api_errors e;
        char *text = malloc(n + 1), *body;

        memset(text, 'd', n);
        text[n] = '\0';
        body = malloc(6 * n + 256);
        snprintf(body, 6 * n + 256,
                 "{\"_errors\":[{\"code\":\"%s\",\"title\":\"%s\",\"detail\":\"%s\","
                 "\"source\":{\"pointer\":\"/%s\",\"parameter\":\"%s\",\"header\":\"%s\"}}]}",
                 text, text, text, text + 1, text, text);
        assert_true(parse(body, &e));
        assert_int_equal(e.n, 1);
        assert_int_equal(strlen(e.v[0].code), n > 4096 ? 4096 : n);
        assert_int_equal(strlen(e.v[0].title), n > 4096 ? 4096 : n);
        assert_int_equal(strlen(e.v[0].detail), n > 4096 ? 4096 : n);
        assert_int_equal(strlen(e.v[0].pointer), n > 4096 ? 4096 : n);
        assert_int_equal(strlen(e.v[0].parameter), n > 4096 ? 4096 : n);
        assert_int_equal(strlen(e.v[0].header), n > 4096 ? 4096 : n);
        api_errors_done(&e);
        free(body);
        free(text);
    }
}

/* init and done leave an empty set: no errors, no array; non-object items are passed over;
 * an envelope without "_errors" is not one; a pointer names its field. */
static void apierr__init_done_and_items(void **state)
{
    struct api_errors e;
    char *m;

    memset(&e, 0x5A, sizeof e);
    api_errors_init(&e);
    assert_int_equal(e.n, 0);
    assert_null(e.v);
    api_errors_done(&e);
    assert_int_equal(e.n, 0);
    assert_null(e.v);
    assert_true(parse("{\"_errors\":[1,\"x\",null,{\"title\":\"T\","
                      "\"source\":{\"pointer\":\"/duration\"}}]}", &e));
    assert_int_equal(e.n, 1);
    assert_int_equal(e.v[0].field, FIELD_DURATION);
    assert_null(e.v[0].detail);
    assert_null(e.v[0].header);
    m = apierr_message(&e.v[0]);
    assert_string_equal(m, "T");
    free(m);
    api_errors_done(&e);
    assert_true(parse("{\"_errors\":[{\"code\":\"c\",\"title\":\"\",\"detail\":\"\"}]}", &e));
    assert_int_equal(e.v[0].field, FIELD_NONE);
    m = apierr_message(&e.v[0]);
    assert_string_equal(m, "c");
    free(m);
    api_errors_done(&e);
    assert_true(parse("{\"_errors\":[{\"code\":\"\"}]}", &e));
    m = apierr_message(&e.v[0]);
    assert_string_equal(m, "unspecified error");
    free(m);
    api_errors_done(&e);
    assert_false(parse("{\"errors\":[{\"code\":\"c\"}]}", &e));
    assert_false(parse("{\"_errors\":{\"code\":\"c\"}}", &e));
    assert_true(parse("{\"_errors\":[]}", &e));
    assert_int_equal(e.n, 0);
    api_errors_done(&e);
}

/* RFC 6901: "~0" is "~", "~1" is "/", a lone or other "~" is invalid; "" is the whole
 * document (no tokens); each "/" starts a token, empty ones too. */
static void json_pointer__tokens_and_escapes(void **state)
{
    char **t;

    assert_int_equal(json_pointer_parse("", &t), 0);
    json_pointer_free(t, 0);
    assert_int_equal(json_pointer_parse("/", &t), 1);
    assert_string_equal(t[0], "");
    json_pointer_free(t, 1);
    assert_int_equal(json_pointer_parse("/a~1b/~0c~01//d", &t), 4);
    assert_string_equal(t[0], "a/b");
    assert_string_equal(t[1], "~c~1");
    assert_string_equal(t[2], "");
    assert_string_equal(t[3], "d");
    json_pointer_free(t, 4);
    assert_int_equal(json_pointer_parse("/a~", &t), -1);
    assert_null(t);
    assert_int_equal(json_pointer_parse("/a~2", &t), -1);
    assert_int_equal(json_pointer_parse("/ok/a~", &t), -1);
    assert_int_equal(json_pointer_parse("a", &t), -1);
    assert_int_equal(json_pointer_parse(NULL, &t), -1);
    assert_int_equal(apierr_pointer_field("/to"), FIELD_TO);
    assert_int_equal(apierr_pointer_field("/"), FIELD_NONE);
    assert_int_equal(apierr_pointer_field("/a~"), FIELD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(apierr__caps_at_both_sides),
        cmocka_unit_test(apierr__init_done_and_items),
        cmocka_unit_test(json_pointer__tokens_and_escapes),
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
