/* call.c: field table, the POST /calls body and the call object parser. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "core/call.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
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
