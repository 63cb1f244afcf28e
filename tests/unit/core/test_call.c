/* SPDX-License-Identifier: GPL-3.0-or-later */
/* call.c: field table, the POST /calls body and the call object parser. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "core/call.h"
#include "core/util.h"

#define UUID_T "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81"
#define UUID_U "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d"
#define UUID_D "0199f0a2-2d4f-7b21-8c90-3a5b6c7d8e9f"

static void fill_required(struct call *c)
{
    call_set(c, FIELD_FROM, "+1 4155550100");
    call_set(c, FIELD_TO, " +1 2125550199 ");
    call_set(c, FIELD_DURATION, "184");
    call_set(c, FIELD_ANSWERED, "yes");
    call_set(c, FIELD_HUMAN, "no");
    call_set(c, FIELD_TASK, UUID_T);
    call_set(c, FIELD_USER, UUID_U);
}

static void fields__map_json_names_both_ways_in_form_order(void **state)
{
    static const char *labels[] = {"From", "To", "Duration", "Answered", "Human", "Disposition",
                                   "Task", "User", "Transcription", "Recording URL"};
    for (int f = 0; f < FIELD_COUNT; f++) {
        assert_string_equal(field_label(f), labels[f]);
        assert_int_equal(field_from_json_name(field_json_name(f)), f);
    }
    assert_int_equal(field_from_json_name(NULL), FIELD_NONE);
    assert_int_equal(field_from_json_name("notes"), FIELD_NONE);
    assert_string_equal(field_json_name(FIELD_NONE), "");
    assert_true(field_is_required(FIELD_TASK));
    assert_false(field_is_required(FIELD_DISPOSITION));
}

static void call_parse_bool__accepts_common_spellings(void **state)
{
    assert_int_equal(call_parse_bool(NULL), -1);
    assert_int_equal(call_parse_bool(""), -1);
    assert_int_equal(call_parse_bool("YES"), 1);
    assert_int_equal(call_parse_bool(" true "), 1);
    assert_int_equal(call_parse_bool("y"), 1);
    assert_int_equal(call_parse_bool("0"), 0);
    assert_int_equal(call_parse_bool("No"), 0);
    assert_int_equal(call_parse_bool("maybe"), -1);
}

static void call_to_json__types_fields_and_omits_absent_optionals(void **state)
{
    struct call c;
    char *json;
    json_object *o, *v;

    call_init(&c);
    fill_required(&c);
    json = call_to_json(&c);
    assert_non_null(json);
    o = json_tokener_parse(json);
    assert_non_null(o);
    assert_int_equal(json_object_object_length(o), 7);
    assert_true(json_object_object_get_ex(o, "duration", &v));
    assert_true(json_object_is_type(v, json_type_int));
    assert_int_equal(json_object_get_int(v), 184);
    assert_true(json_object_object_get_ex(o, "answered", &v));
    assert_true(json_object_is_type(v, json_type_boolean));
    assert_true(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(o, "human", &v));
    assert_false(json_object_get_boolean(v));
    assert_true(json_object_object_get_ex(o, "to", &v));
    assert_string_equal(json_object_get_string(v), "+1 2125550199");
    assert_false(json_object_object_get_ex(o, "disposition_id", &v));
    assert_false(json_object_object_get_ex(o, "transcription", &v));
    assert_null(strstr(json, "null"));
    json_object_put(o);
    free(json);
    call_done(&c);
}

static void call_to_json__includes_optionals_and_keeps_transcription_verbatim(void **state)
{
    struct call c;
    char *json;
    json_object *o, *v;

    call_init(&c);
    fill_required(&c);
    call_set(&c, FIELD_DISPOSITION, UUID_D);
    call_set(&c, FIELD_TRANSCRIPTION, "  Hi \"there\"\nline 2 ");
    call_set(&c, FIELD_RECORDING_URL, "https://rec.example/a.mp3");
    json = call_to_json(&c);
    o = json_tokener_parse(json);
    assert_int_equal(json_object_object_length(o), 10);
    assert_true(json_object_object_get_ex(o, "transcription", &v));
    assert_string_equal(json_object_get_string(v), "  Hi \"there\"\nline 2 ");
    assert_true(json_object_object_get_ex(o, "recording_url", &v));
    assert_string_equal(json_object_get_string(v), "https://rec.example/a.mp3");
    json_object_put(o);
    free(json);
    call_done(&c);
}

static void call_to_json__refuses_missing_or_unconvertible_fields(void **state)
{
    struct call c;

    call_init(&c);
    assert_null(call_to_json(&c));
    fill_required(&c);
    call_set(&c, FIELD_DURATION, "3 minutes");
    assert_null(call_to_json(&c));
    call_set(&c, FIELD_DURATION, "3");
    call_set(&c, FIELD_HUMAN, "perhaps");
    assert_null(call_to_json(&c));
    call_done(&c);
}

static void call_store_json__round_trips_every_field(void **state)
{
    struct call a, b;
    char *json;

    call_init(&a);
    call_init(&b);
    fill_required(&a);
    call_set(&a, FIELD_TRANSCRIPTION, "王小明 said \"hi\"");
    json = call_to_store_json(&a);
    assert_true(call_from_store_json(&b, json));
    for (int f = 0; f < FIELD_COUNT; f++)
        assert_string_equal(call_get(&a, f), call_get(&b, f));
    assert_false(call_from_store_json(&b, "not json"));
    assert_false(call_from_store_json(&b, NULL));
    assert_true(call_is_empty(&b));
    free(json);
    call_done(&a);
    call_done(&b);
}

static void call_record_parse__reads_the_seed_201_example(void **state)
{
    static const char body[] =
        "{\"id\":\"019e8e96-ed34-75b5-afd3-ede261a1f118\",\"disposition_id\":"
        "\"019e8e96-e9bb-7e4b-8719-6f01feaa5348\",\"duration\":5,\"external\":true,"
        "\"start_date\":\"2026-06-03T17:45:16Z\",\"from\":\"+1 123456789\",\"to\":\"+1 "
        "123456789\",\"notes\":null,\"transcription\":null,\"task_id\":"
        "\"019e8e96-ec80-71c7-90bb-3f5fb617fd84\",\"user_id\":"
        "\"019e8e96-ec19-7718-bfeb-e6fd069126ca\",\"human\":false,\"answered\":true,"
        "\"contact\":null,\"new_field\":[1,2]}";
    struct call_record r;
    char *err = NULL;

    assert_true(call_record_parse(body, strlen(body), &r, &err));
    assert_null(err);
    assert_string_equal(r.id, "019e8e96-ed34-75b5-afd3-ede261a1f118");
    assert_int_equal(r.duration, 5);
    assert_int_equal(r.answered, 1);
    assert_int_equal(r.human, 0);
    assert_int_equal(r.external, 1);
    assert_null(r.transcription);
    assert_null(r.contact_name);
    assert_string_equal(r.start_date, "2026-06-03T17:45:16Z");
    call_record_done(&r);
}

static void call_record_parse__reports_wrong_types_and_garbage(void **state)
{
    static const char *bad[] = {
        "", "<html>oops</html>", "{\"id\":\"x\"", "[]", "{}", "{\"id\":5}",
        "{\"id\":\"a\",\"duration\":\"5\"}", "{\"id\":\"a\",\"answered\":\"yes\"}",
        "{\"id\":\"a\"} trailing",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct call_record r;
        char *err = NULL;
        assert_false(call_record_parse(bad[i], strlen(bad[i]), &r, &err));
        assert_non_null(err);
        assert_null(r.id);
        free(err);
    }
}

static void call_record_parse__reads_contact(void **state)
{
    static const char body[] =
        "{\"id\":\"a\",\"contact\":{\"id\":\"c\",\"name\":\"王小明\",\"email\":null}}";
    struct call_record r;
    assert_true(call_record_parse(body, strlen(body), &r, NULL));
    assert_string_equal(r.contact_name, "王小明");
    assert_null(r.contact_email);
    assert_int_equal(r.duration, -1);
    call_record_done(&r);
}


/* Field table bounds: FIELD_NONE and FIELD_COUNT are no field; every real one has its name,
 * label and kind (the required ones are what the API refuses a call without). */
static void fields__bounds_required_and_bool(void **state)
{
    static const bool required[FIELD_COUNT] = {
        [FIELD_FROM] = true, [FIELD_TO] = true,   [FIELD_DURATION] = true, [FIELD_ANSWERED] = true,
        [FIELD_HUMAN] = true, [FIELD_TASK] = true, [FIELD_USER] = true};
    struct call c;

    for (int f = 0; f < FIELD_COUNT; f++) {
        assert_int_equal(field_is_required((enum field_id)f), required[f]);
        assert_int_equal(field_is_bool((enum field_id)f), f == FIELD_ANSWERED || f == FIELD_HUMAN);
        assert_true(*field_json_name((enum field_id)f));
        assert_true(*field_label((enum field_id)f));
        assert_int_equal(field_from_json_name(field_json_name((enum field_id)f)), f);
    }
    assert_string_equal(field_label(FIELD_RECORDING_URL), "Recording URL");
    assert_string_equal(field_json_name(FIELD_COUNT), "");
    assert_string_equal(field_json_name(FIELD_NONE), "");
    assert_string_equal(field_label(FIELD_COUNT), "");
    assert_string_equal(field_label(FIELD_NONE), "");
    assert_false(field_is_required(FIELD_COUNT));
    assert_false(field_is_required(FIELD_NONE));
    assert_false(field_is_bool(FIELD_COUNT));
    assert_int_equal(field_from_json_name(NULL), FIELD_NONE);
    assert_int_equal(field_from_json_name("Task_id"), FIELD_NONE);
    assert_int_equal(field_from_json_name(""), FIELD_NONE);
    call_init(&c);
    call_set(&c, FIELD_COUNT, "x");
    call_set(&c, FIELD_NONE, "x");
    assert_true(call_is_empty(&c));
    assert_string_equal(call_get(&c, FIELD_COUNT), "");
    assert_string_equal(call_get(&c, FIELD_NONE), "");
    call_set(&c, FIELD_RECORDING_URL, "   ");
    assert_true(call_is_empty(&c)); /* blank is empty */
    call_set(&c, FIELD_RECORDING_URL, "");
    assert_null(c.text[FIELD_RECORDING_URL]);
    call_set(&c, FIELD_RECORDING_URL, "u");
    assert_false(call_is_empty(&c));
    assert_string_equal(call_get(&c, FIELD_RECORDING_URL), "u");
    call_done(&c);
}

/* Every spelling, either case, trimmed; nothing else. */
static void call_parse_bool__every_spelling_and_no_other(void **state)
{
    static const char *const yes[] = {"yes", "Y", "TRUE", "1", "On", " yes "};
    static const char *const no[] = {"no", "N", "False", "0", "OFF", "\tno"};
    static const char *const neither[] = {"", "yess", "2", "nope", "ye", "o", NULL};

    for (size_t i = 0; i < ARRAY_LEN(yes); i++)
        assert_int_equal(call_parse_bool(yes[i]), 1);
    for (size_t i = 0; i < ARRAY_LEN(no); i++)
        assert_int_equal(call_parse_bool(no[i]), 0);
    for (size_t i = 0; i < ARRAY_LEN(neither); i++)
        assert_int_equal(call_parse_bool(neither[i]), -1);
}

/* Rule: the POST body's duration is capped at ten years, both sides; a copy is deep. */
static void call_to_json__duration_cap_and_copy(void **state)
{
    struct call c, d;
    char *j;

    call_init(&c);
    call_init(&d);
    fill_required(&c);
    call_set(&c, FIELD_DURATION, "315360000");
    j = call_to_json(&c);
    assert_non_null(j);
    assert_non_null(strstr(j, "\"duration\":315360000"));
    free(j);
    call_set(&c, FIELD_DURATION, "315360001");
    assert_null(call_to_json(&c));
    call_set(&c, FIELD_DURATION, "7");
    call_set(&d, FIELD_TO, "old");
    call_copy(&d, &c);
    call_set(&c, FIELD_DURATION, "8");
    assert_string_equal(call_get(&d, FIELD_DURATION), "7");
    for (int f = 0; f < FIELD_COUNT; f++)
        if (f != FIELD_DURATION)
            assert_string_equal(call_get(&d, (enum field_id)f), call_get(&c, (enum field_id)f));
    call_done(&d);
    assert_true(call_is_empty(&d));
    call_done(&c);
}

/* The store's text form: strings only, any other member type is passed over, and a text that
 * is no object is refused (the call left empty). */
static void call_from_store_json__types_and_garbage(void **state)
{
    struct call c;

    call_init(&c);
    call_set(&c, FIELD_TO, "stale");
    assert_false(call_from_store_json(&c, "[1]"));
    assert_true(call_is_empty(&c));
    assert_false(call_from_store_json(&c, "not json"));
    assert_false(call_from_store_json(&c, NULL));
    assert_true(call_from_store_json(&c, "{\"to\":\"+1 212\",\"duration\":5,\"from\":null,"
                                         "\"recording_url\":\"https://x\"}"));
    assert_string_equal(call_get(&c, FIELD_TO), "+1 212");
    assert_string_equal(call_get(&c, FIELD_DURATION), "");
    assert_string_equal(call_get(&c, FIELD_FROM), "");
    assert_string_equal(call_get(&c, FIELD_RECORDING_URL), "https://x");
    call_done(&c);
}

/* The API's call object: a negative or non-integer duration, a wrong-typed member or no id
 * refuses it (the record left empty, the error kept); null means absent. */
static void call_record_parse__duration_bounds_and_nulls(void **state)
{
    struct call_record r;
    char *err = NULL;
    const char *ok0 = "{\"id\":\"x\",\"duration\":0,\"answered\":null,\"to\":null}";

    assert_true(call_record_parse(ok0, strlen(ok0), &r, &err));
    assert_null(err);
    assert_int_equal(r.duration, 0);
    assert_int_equal(r.answered, -1);
    assert_int_equal(r.human, -1);
    assert_int_equal(r.external, -1);
    assert_null(r.to);
    call_record_done(&r);
    assert_false(call_record_parse("{\"id\":\"x\",\"duration\":-1}", strlen("{\"id\":\"x\",\"duration\":-1}"), &r, &err));
    assert_string_equal(err, "\"duration\" should be a non-negative integer");
    assert_int_equal(r.duration, -1);
    free(err);
    assert_false(call_record_parse("{\"id\":\"x\",\"duration\":1.5}", strlen("{\"id\":\"x\",\"duration\":1.5}"), &r, &err));
    free(err);
    assert_false(call_record_parse("{\"id\":\"x\",\"human\":1}", strlen("{\"id\":\"x\",\"human\":1}"), &r, &err));
    assert_string_equal(err, "\"human\" should be true or false");
    assert_null(r.id);
    free(err);
    assert_false(call_record_parse("{\"id\":\"x\",\"notes\":1}", strlen("{\"id\":\"x\",\"notes\":1}"), &r, NULL));
    assert_false(call_record_parse("{\"duration\":1}", strlen("{\"duration\":1}"), &r, &err));
    assert_string_equal(err, "the call has no \"id\"");
    free(err);
    assert_true(call_record_parse("{\"id\":\"x\",\"external\":true,\"human\":false,"
                                  "\"contact\":{\"id\":7,\"name\":\"N\"}}", strlen("{\"id\":\"x\",\"external\":true,\"human\":false,"
                                  "\"contact\":{\"id\":7,\"name\":\"N\"}}"), &r, &err));
    assert_int_equal(r.external, 1);
    assert_int_equal(r.human, 0);
    assert_null(r.contact_id);
    call_record_done(&r);
}

/* Rule: the error out-parameter is optional: every refusal works without one (a caller that
 * only wants yes or no), and done() takes NULL. */
static void call_record_parse__refuses_without_an_error_pointer(void **state)
{
    static const char *bad[] = {
        "", "[]", "{}", "{\"id\":5}", "{\"from\":7}", "{\"id\":\"a\",\"answered\":\"yes\"}",
        "{\"id\":\"a\",\"human\":1}", "{\"id\":\"a\",\"external\":\"no\"}",
        "{\"id\":\"a\",\"duration\":\"5\"}", "{\"id\":\"a\",\"duration\":-1}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct call_record r;
        assert_false(call_record_parse(bad[i], strlen(bad[i]), &r, NULL));
        assert_null(r.id);
    }
    call_record_done(NULL);
}

/* Rule: a call is empty only when every field is blank, the first (From) included. */
static void call_is_empty__every_field_counts(void **state)
{
    for (int f = 0; f < FIELD_COUNT; f++) {
        struct call c;
        call_init(&c);
        assert_true(call_is_empty(&c));
        call_set(&c, (enum field_id)f, " ");
        assert_true(call_is_empty(&c));
        call_set(&c, (enum field_id)f, "x");
        assert_false(call_is_empty(&c));
        call_done(&c);
    }
}

/* Rule: a list item that is not an object is refused with a reason, not taken as an empty
 * call. */
static void call_record_from_json__a_non_object_is_refused_with_a_reason(void **state)
{
    json_object *items[] = {json_object_new_array(), json_object_new_string("c"),
                            json_object_new_int(5)};
    for (size_t i = 0; i < 3; i++) {
        struct call_record r;
        char *err = NULL;
        assert_false(call_record_from_json(items[i], &r, &err));
        assert_non_null(err);
        assert_non_null(strstr(err, "not a JSON object"));
        assert_null(r.id);
        free(err);
        json_object_put(items[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(call_record_from_json__a_non_object_is_refused_with_a_reason),
        cmocka_unit_test(call_record_parse__refuses_without_an_error_pointer),
        cmocka_unit_test(call_is_empty__every_field_counts),
        cmocka_unit_test(fields__bounds_required_and_bool),
        cmocka_unit_test(call_parse_bool__every_spelling_and_no_other),
        cmocka_unit_test(call_to_json__duration_cap_and_copy),
        cmocka_unit_test(call_from_store_json__types_and_garbage),
        cmocka_unit_test(call_record_parse__duration_bounds_and_nulls),
        cmocka_unit_test(fields__map_json_names_both_ways_in_form_order),
        cmocka_unit_test(call_parse_bool__accepts_common_spellings),
        cmocka_unit_test(call_to_json__types_fields_and_omits_absent_optionals),
        cmocka_unit_test(call_to_json__includes_optionals_and_keeps_transcription_verbatim),
        cmocka_unit_test(call_to_json__refuses_missing_or_unconvertible_fields),
        cmocka_unit_test(call_store_json__round_trips_every_field),
        cmocka_unit_test(call_record_parse__reads_the_seed_201_example),
        cmocka_unit_test(call_record_parse__reports_wrong_types_and_garbage),
        cmocka_unit_test(call_record_parse__reads_contact),
    };
    return RUN_TAP(tests);
}
