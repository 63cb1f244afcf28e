/* validate.c: every field's rule, named by field. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "validate.h"

static void fill_valid(struct call *c)
{
    call_set(c, FIELD_FROM, "+1 (415) 555-0100");
    call_set(c, FIELD_TO, "2125550199");
    call_set(c, FIELD_DURATION, "0");
    call_set(c, FIELD_ANSWERED, "no");
    call_set(c, FIELD_HUMAN, "no");
    call_set(c, FIELD_TASK, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
    call_set(c, FIELD_USER, "0199F0A2-0B11-7C22-8D33-4E5F6A7B8C9D");
}

static bool has_error(const struct field_errors *e, enum field_id f)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i].field == f)
            return true;
    return false;
}

static void validate__empty_call_names_every_required_field(void **state)
{
    struct call c;
    struct field_errors e;

    call_init(&c);
    field_errors_init(&e);
    assert_int_equal(validate_call(&c, &e), 7);
    for (int f = 0; f < FIELD_COUNT; f++)
        assert_int_equal(has_error(&e, f), field_is_required(f));
    assert_string_equal(e.v[0].message, "is required");
    field_errors_done(&e);
    call_done(&c);
}

static void validate__accepts_a_complete_valid_call(void **state)
{
    struct call c;
    struct field_errors e;

    call_init(&c);
    field_errors_init(&e);
    fill_valid(&c);
    call_set(&c, FIELD_RECORDING_URL, "https://rec.example/x.mp3");
    assert_int_equal(validate_call(&c, &e), 0);
    field_errors_done(&e);
    call_done(&c);
}

static void validate__rejects_missing_task_id(void **state)
{
    struct call c;
    struct field_errors e;

    call_init(&c);
    field_errors_init(&e);
    fill_valid(&c);
    call_set(&c, FIELD_TASK, "  ");
    assert_int_equal(validate_call(&c, &e), 1);
    assert_int_equal(e.v[0].field, FIELD_TASK);
    field_errors_done(&e);
    call_done(&c);
}

static void validate__rejects_bad_values_per_field(void **state)
{
    static const struct {
        enum field_id f;
        const char *value;
    } bad[] = {
        {FIELD_DURATION, "-5"},       {FIELD_DURATION, "1.5"},
        {FIELD_DURATION, "abc"},      {FIELD_ANSWERED, "maybe"},
        {FIELD_HUMAN, "2"},           {FIELD_TASK, "not-a-uuid"},
        {FIELD_USER, "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9"},
        {FIELD_DISPOSITION, "0199f0a2x0b11-7c22-8d33-4e5f6a7b8c9d"},
        {FIELD_RECORDING_URL, "http://rec.example/x.mp3"},
        {FIELD_RECORDING_URL, "https://"}, {FIELD_RECORDING_URL, "https://a b"},
        {FIELD_FROM, "call me"},      {FIELD_FROM, "12"},
        {FIELD_TO, "++1 212"},        {FIELD_TO, "1234567890123456"},
        {FIELD_TO, "(212 555 0199"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *msg = validate_field(bad[i].f, bad[i].value);
        if (!msg)
            fail_msg("%s = '%s' was accepted", field_label(bad[i].f), bad[i].value);
        free(msg);
    }
}

static void validate__accepts_plausible_phone_numbers(void **state)
{
    assert_true(validate_phone("+1 123456789"));
    assert_true(validate_phone("+44 (20) 7946-0958"));
    assert_true(validate_phone("911"));
    assert_true(validate_phone("555.0100.22"));
    assert_false(validate_phone(NULL));
    assert_false(validate_phone(""));
    assert_false(validate_phone("+"));
}

static void validate_uuid__checks_shape_only(void **state)
{
    assert_true(validate_uuid("019e8e96-ed34-75b5-afd3-ede261a1f118"));
    assert_false(validate_uuid(NULL));
    assert_false(validate_uuid(""));
    assert_false(validate_uuid("019e8e96-ed34-75b5-afd3-ede261a1f1180"));
    assert_false(validate_uuid("019e8e96ed3475b5afd3ede261a1f118"));
    assert_false(validate_uuid("{019e8e96-ed34-75b5-afd3-ede261a1f118}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validate__empty_call_names_every_required_field),
        cmocka_unit_test(validate__accepts_a_complete_valid_call),
        cmocka_unit_test(validate__rejects_missing_task_id),
        cmocka_unit_test(validate__rejects_bad_values_per_field),
        cmocka_unit_test(validate__accepts_plausible_phone_numbers),
        cmocka_unit_test(validate_uuid__checks_shape_only),
    };
    return RUN_TAP(tests);
}
