/* SPDX-License-Identifier: GPL-3.0-or-later */
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


/* Rule: a UUID is 8-4-4-4-12 hex digits, either case; any other letter, a missing or extra
 * digit in any group, or a wrong separator is refused. */
static void validate_uuid__hex_letters_and_every_group_length(void **state)
{
    static const char *const bad[] = {
        "019e8e9g-ed34-75b5-afd3-ede261a1f118", /* g: the first letter past f */
        "019e8e96-ed34-75b5-afd3-ede261a1f11G",
        "019e8e9-ed34-75b5-afd3-ede261a1f118f", "019e8e96-ed3-475b5-afd3-ede261a1f118",
        "019e8e96-ed34-75b-5afd3-ede261a1f118", "019e8e96-ed34-75b5-afd-3ede261a1f118",
        "019e8e96-ed34-75b5-afd3-ede261a1f11",  "019e8e96_ed34-75b5-afd3-ede261a1f118",
        "019e8e96-ed34-75b5-afd3-ede261a1f118 ", "019e8e96-ed34-75b5-afd3:ede261a1f118",
    };

    assert_true(validate_uuid("abcdefAB-CDEF-0123-4567-89abcdefABCD"));
    assert_true(validate_uuid("00000000-0000-0000-0000-000000000000"));
    assert_true(validate_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (validate_uuid(bad[i]))
            fail_msg("accepted %s", bad[i]);
}

/* Rule: a phone number has 3 to 15 digits (E.164), balanced parentheses, and only spaces,
 * dashes and dots besides; leading spaces and one leading + are allowed. */
static void validate_phone__digit_count_and_parentheses_boundaries(void **state)
{
    assert_true(validate_phone("123"));
    assert_false(validate_phone("12"));
    assert_true(validate_phone("+123456789012345"));   /* 15 */
    assert_false(validate_phone("+1234567890123456")); /* 16 */
    assert_true(validate_phone("  +1 (212) 555-0199"));
    assert_false(validate_phone("++1 212 555 0199"));
    assert_false(validate_phone("1 212) 555 (0199"));
    assert_false(validate_phone("1 (212 555 0199"));
    assert_true(validate_phone("((1)) 212 555 0199"));
    assert_false(validate_phone("1 212 555 0199 x12"));
    assert_false(validate_phone("1/212/555/0199"));
    assert_false(validate_phone("1 212 555 0199+"));
}

/* Rule: a recording URL is https:// (scheme in any case) with a host, and no space or
 * control character anywhere. */
static void validate_https_url__scheme_case_host_and_controls(void **state)
{
    assert_true(validate_https_url("https://rec.example/a.mp3"));
    assert_true(validate_https_url("HTTPS://rec.example/a.mp3"));
    assert_true(validate_https_url("HtTpS://x"));
    assert_true(validate_https_url("https://x/!~"));  /* 0x21 and 0x7E are fine */
    assert_false(validate_https_url("http://rec.example/a.mp3"));
    assert_false(validate_https_url("https:/x.example/a.mp3"));
    assert_false(validate_https_url("https:x.example"));
    assert_false(validate_https_url("https://"));
    assert_false(validate_https_url("https:///a.mp3"));
    assert_false(validate_https_url("https://:443/a.mp3"));
    assert_false(validate_https_url("https://x/a b"));
    assert_false(validate_https_url("https://x/a\x1f"));
    assert_false(validate_https_url("https://x/a\x7f"));
    assert_false(validate_https_url(" https://x/a"));
    assert_false(validate_https_url(NULL));
}

/* Rule: a duration is whole seconds from 0 up to ten years; one second more is refused. */
static void validate_field__duration_cap_both_sides(void **state)
{
    char *m;

    assert_null(validate_field(FIELD_DURATION, "0"));
    assert_null(validate_field(FIELD_DURATION, "315360000"));
    assert_null(validate_field(FIELD_DURATION, " 42 "));
    m = validate_field(FIELD_DURATION, "315360001");
    assert_non_null(m);
    assert_string_equal(m, "must be a whole number of seconds (0 or more)");
    free(m);
    m = validate_field(FIELD_DURATION, "-1");
    assert_non_null(m);
    free(m);
    m = validate_field(FIELD_DURATION, "1.5");
    assert_non_null(m);
    free(m);
    m = validate_field(FIELD_DURATION, "");
    assert_string_equal(m, "is required");
    free(m);
    /* optional fields may be empty; required ones may not */
    assert_null(validate_field(FIELD_RECORDING_URL, "  "));
    assert_null(validate_field(FIELD_TRANSCRIPTION, "anything \x01 goes"));
    m = validate_field(FIELD_RECORDING_URL, "http://x");
    assert_string_equal(m, "must be an https:// URL");
    free(m);
    m = validate_field(FIELD_ANSWERED, "maybe");
    assert_string_equal(m, "must be yes or no");
    free(m);
    m = validate_field(FIELD_USER, "nope");
    assert_non_null(m);
    free(m);
    m = validate_field(FIELD_FROM, "call me");
    assert_non_null(m);
    free(m);
}

/* validate_call counts only the errors it added; field_errors grow one at a time. */
static void validate_call__returns_the_number_it_added(void **state)
{
    struct call c;
    struct field_errors e;

    call_init(&c);
    fill_valid(&c);
    field_errors_init(&e);
    assert_int_equal(e.n, 0);
    assert_null(e.v);
    field_errors_add(&e, FIELD_TO, "pre-existing %d", 1);
    assert_int_equal(validate_call(&c, &e), 0);
    assert_int_equal(e.n, 1);
    call_set(&c, FIELD_DURATION, "-1");
    call_set(&c, FIELD_TASK, "x");
    assert_int_equal(validate_call(&c, &e), 2);
    assert_int_equal(e.n, 3);
    assert_string_equal(e.v[0].message, "pre-existing 1");
    assert_int_equal(e.v[1].field, FIELD_DURATION);
    assert_int_equal(e.v[2].field, FIELD_TASK);
    assert_true(validate_call_is_utf8(&c));
    call_set(&c, FIELD_TRANSCRIPTION, "bad \xff");
    assert_false(validate_call_is_utf8(&c));
    field_errors_done(&e);
    assert_int_equal(e.n, 0);
    assert_null(e.v);
    call_done(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validate_uuid__hex_letters_and_every_group_length),
        cmocka_unit_test(validate_phone__digit_count_and_parentheses_boundaries),
        cmocka_unit_test(validate_https_url__scheme_case_host_and_controls),
        cmocka_unit_test(validate_field__duration_cap_both_sides),
        cmocka_unit_test(validate_call__returns_the_number_it_added),
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
