/* validate.c: every field's rule, named by field. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/validate.h"

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

static void validate_utf8__null_and_empty_are_valid(void **state)
{
    size_t off = 99;

    assert_true(validate_utf8(NULL, 0, &off));
    assert_true(validate_utf8("", 0, &off));
    assert_int_equal(off, 99);
}

static void validate_utf8__accepts_multibyte_text(void **state)
{
    static const char *const good[] = {
        "Caf\xC3\xA9",                 /* é, 2 bytes */
        "\xE9\x9B\xBB\xE8\xA9\xB1",        /* 電話, 3 bytes each */
        "\xF0\x9F\x93\x9E call",         /* U+1F4DE, 4 bytes */
        "\xED\x9F\xBF \xEE\x80\x80",       /* U+D7FF and U+E000, next to the surrogates */
        "\xF4\x8F\xBF\xBF",              /* U+10FFFF, the last code point */
        "\xC2\x80 \xE0\xA0\x80 \xF0\x90\x80\x80", /* the shortest form of each length */
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        if (!validate_utf8(good[i], strlen(good[i]), NULL))
            fail_msg("good[%zu] was refused", i);
}

static void validate_utf8__rejects_each_invalid_class_at_its_offset(void **state)
{
    static const struct {
        const char *what;
        const char *s;
        size_t offset;
    } bad[] = {
        {"Latin-1 byte", "Caf\xE9", 3},
        {"Latin-1 byte before ASCII", "Caf\xE9 au lait", 3},
        {"overlong 2-byte '/'", "a\xC0\xAF", 1},
        {"overlong 2-byte NUL", "\xC1\x80", 0},
        {"overlong 3-byte", "ab\xE0\x80\xAF", 2},
        {"overlong 4-byte", "\xF0\x80\x80\xAF", 0},
        {"surrogate U+D800", "x\xED\xA0\x80", 1},
        {"surrogate U+DFFF", "\xED\xBF\xBF", 0},
        {"above U+10FFFF", "\xF4\x90\x80\x80", 0},
        {"5-byte lead", "\xF8\x88\x80\x80\x80", 0},
        {"0xFF", "ok\xFF", 2},
        {"truncated 2-byte at end", "Caf\xC3", 3},
        {"truncated 3-byte", "\xE9\x9B", 0},
        {"truncated 4-byte before ASCII", "\xF0\x9F\x93 x", 0},
        {"stray continuation", "a\x80" "b", 1},
        {"continuation after a whole character", "\xC3\xA9\xA9", 2},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t off = 999;
        if (validate_utf8(bad[i].s, strlen(bad[i].s), &off))
            fail_msg("%s was accepted", bad[i].what);
        if (off != bad[i].offset)
            fail_msg("%s: offset %zu, expected %zu", bad[i].what, off, bad[i].offset);
    }
}

static void validate__names_the_field_with_bad_utf8(void **state)
{
    static const enum field_id text_fields[] = {
        FIELD_FROM, FIELD_TO, FIELD_DISPOSITION, FIELD_TASK,
        FIELD_USER, FIELD_TRANSCRIPTION, FIELD_RECORDING_URL,
    };
    for (size_t i = 0; i < sizeof(text_fields) / sizeof(text_fields[0]); i++) {
        struct call c;
        struct field_errors e;

        call_init(&c);
        field_errors_init(&e);
        fill_valid(&c);
        call_set(&c, text_fields[i], "Caf\xE9");
        assert_int_equal(validate_call(&c, &e), 1);
        assert_int_equal(e.v[0].field, text_fields[i]);
        assert_string_equal(e.v[0].message, "is not valid UTF-8 (byte 0xE9 at offset 3)");
        assert_false(validate_call_is_utf8(&c));
        field_errors_done(&e);
        call_done(&c);
    }
}

static void validate__offset_counts_from_the_text_as_given(void **state)
{
    char *msg = validate_field(FIELD_TRANSCRIPTION, "  ok \xC3\xA9 \xED\xA0\x80");

    assert_non_null(msg);
    assert_string_equal(msg, "is not valid UTF-8 (byte 0xED at offset 8)");
    free(msg);
}

static void validate__accepts_utf8_transcription(void **state)
{
    struct call c;
    struct field_errors e;

    call_init(&c);
    field_errors_init(&e);
    fill_valid(&c);
    call_set(&c, FIELD_TRANSCRIPTION,
             "Caf\xC3\xA9 \xE9\x9B\xBB\xE8\xA9\xB1 \xF0\x9F\x93\x9E\nsecond line");
    assert_int_equal(validate_call(&c, &e), 0);
    assert_true(validate_call_is_utf8(&c));
    field_errors_done(&e);
    call_done(&c);
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
        cmocka_unit_test(validate_utf8__null_and_empty_are_valid),
        cmocka_unit_test(validate_utf8__accepts_multibyte_text),
        cmocka_unit_test(validate_utf8__rejects_each_invalid_class_at_its_offset),
        cmocka_unit_test(validate__names_the_field_with_bad_utf8),
        cmocka_unit_test(validate__offset_counts_from_the_text_as_given),
        cmocka_unit_test(validate__accepts_utf8_transcription),
    };
    return RUN_TAP(tests);
}
