/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pure helpers of the command-line commands: CSV reader, SHA-256, name resolution matching,
 * the table printer and --since parsing. */
#include "config.h"
#include "unit.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/api.h"
#include "cli/cmdutil.h"
#include "core/csv.h"
#include "cli/resolve.h"
#include "core/sanitize.h"
#include "core/sha256.h"
#include "cli/table.h"
#include "core/text.h"
#include "core/util.h"

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

/* ---- csv ---- */

static void csv__parses_empty_and_blank_input_to_no_records(void **state)
{
    struct csv_table t;
    char *err;

    assert_true(csv_parse(NULL, 0, &t, &err));
    assert_int_equal(t.n, 0);
    csv_table_done(&t);
    assert_true(csv_parse("\n\r\n\n", 4, &t, &err));
    assert_int_equal(t.n, 0);
    csv_table_done(&t);
    csv_table_done(NULL);
}

static void csv__reads_quotes_doubled_quotes_crlf_bom_and_multiline_fields(void **state)
{
    const char *text = "\xef\xbb\xbf"
                       "a,b,c\r\n"
                       "1,\"x, \"\"y\"\"\",\"two\nlines\"\n"
                       "\n"
                       ",,\n"
                       "last,row,no newline";
    struct csv_table t;
    char *err;

    assert_true(csv_parse(text, strlen(text), &t, &err));
    assert_int_equal(t.n, 4);
    assert_string_equal(t.v[0].fields[0], "a");
    assert_int_equal(t.v[0].line, 1);
    assert_int_equal(t.v[1].n, 3);
    assert_string_equal(t.v[1].fields[1], "x, \"y\"");
    assert_string_equal(t.v[1].fields[2], "two\nlines");
    assert_int_equal(t.v[1].line, 2);
    assert_int_equal(t.v[2].n, 3); /* ",," is three empty fields, not a blank line */
    assert_int_equal(t.v[2].line, 5);
    assert_string_equal(t.v[3].fields[2], "no newline");
    assert_int_equal(t.v[3].line, 6);
    csv_table_done(&t);
}

static void csv__reports_broken_quoting_with_the_line(void **state)
{
    struct csv_table t;
    char *err;

    assert_false(csv_parse("a,b\n1,\"open\n2,3\n", 16, &t, &err));
    assert_contains(err, "line 2: a quoted field is never closed");
    assert_int_equal(t.n, 0);
    free(err);
    assert_false(csv_parse("a\nx\"y\n", 6, &t, &err));
    assert_contains(err, "line 2: a quote inside an unquoted field");
    free(err);
    assert_false(csv_parse("a\n\"x\"y\n", 7, &t, &err));
    assert_contains(err, "line 2: text after a closing quote");
    free(err);
    assert_false(csv_parse("a\nb\0c\n", 6, &t, &err));
    assert_contains(err, "line 2: NUL byte");
    free(err);
}

/* ---- sha256 ---- */

static void sha256__matches_the_fips_test_vectors(void **state)
{
    char hex[65];
    struct sha256 s;
    unsigned char d[32];
    char million[1000];

    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, hex);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    memset(million, 'a', sizeof(million));
    sha256_init(&s);
    for (int i = 0; i < 1000; i++)
        sha256_update(&s, million, sizeof(million));
    sha256_final(&s, d);
    assert_int_equal(d[0], 0xcd);
    assert_int_equal(d[1], 0xc7);
    assert_int_equal(d[31], 0xd0);
}

/* ---- resolve ---- */

static const struct resolve_candidate dispos[] = {
    {"0199f0a2-2d4f-7b21-8c90-3a5b6c7d8e9f", {"Interested"}, NULL},
    {"0199f0a2-2d50-7c11-9a22-4b5c6d7e8f90", {"No answer"}, NULL},
    {"0199f0a2-2d51-7c11-9a22-4b5c6d7e8f91", {"Not interested"}, NULL},
    {"0199f0a2-2d52-7c11-9a22-4b5c6d7e8f92", {"Left \x1b]0;pwned\x07voicemail"}, NULL},
};

static void resolve_pick__handles_empty_list_and_blank_query(void **state)
{
    size_t idx = 99;
    char *err;

    assert_int_equal(resolve_pick("disposition", "x", NULL, 0, &idx, &err), RESOLVE_UNKNOWN);
    assert_contains(err, "no disposition matches \"x\"");
    free(err);
    assert_int_equal(resolve_pick("disposition", "  ", dispos, 4, &idx, &err), RESOLVE_UNKNOWN);
    free(err);
    assert_int_equal(idx, 99);
}

static void resolve_pick__folds_case_and_accents_in_names(void **state)
{
    static const struct resolve_candidate people[] = {
        {"0199f0a2-1c3e-7a10-9b7e-000000000002", {"José Álvarez"}, NULL},
        {"0199f0a2-1c3e-7a10-9b7e-000000000005", {"Zoë Brontë"}, NULL},
        {"0199f0a2-1c3e-7a10-9b7e-000000000015", {"María-José O'Neil"}, NULL},
    };
    size_t idx = 99;
    char *err = NULL;

    /* what a terminal without accents shows can be typed back */
    assert_int_equal(resolve_pick("task", "Jose Alvarez", people, 3, &idx, &err), RESOLVE_FOUND);
    assert_int_equal(idx, 0);
    assert_int_equal(resolve_pick("task", "ZOE", people, 3, &idx, &err), RESOLVE_FOUND);
    assert_int_equal(idx, 1);
    assert_int_equal(resolve_pick("task", "maria-jose", people, 3, &idx, &err), RESOLVE_FOUND);
    assert_int_equal(idx, 2);
    assert_int_equal(resolve_pick("task", "josé álvarez", people, 3, &idx, &err), RESOLVE_FOUND);
    assert_int_equal(idx, 0);
    assert_int_equal(resolve_pick("task", "Joseph", people, 3, &idx, &err), RESOLVE_UNKNOWN);
    free(err);
}

static void resolve_pick__prefers_exact_name_over_prefix_ignoring_case(void **state)
{
    size_t idx = 99;
    char *err;

    assert_int_equal(resolve_pick("disposition", " interested ", dispos, 4, &idx, &err),
                     RESOLVE_FOUND);
    assert_int_equal(idx, 0);
    assert_null(err);
    assert_int_equal(resolve_pick("disposition", "No a", dispos, 4, &idx, &err), RESOLVE_FOUND);
    assert_int_equal(idx, 1);
    assert_int_equal(resolve_pick("disposition", "0199f0a2-2d51", dispos, 4, &idx, &err),
                     RESOLVE_FOUND);
    assert_int_equal(idx, 2);
}

static void resolve_pick__reports_ambiguous_prefix_listing_matches(void **state)
{
    size_t idx = 99;
    char *err;

    assert_int_equal(resolve_pick("disposition", "No", dispos, 4, &idx, &err), RESOLVE_AMBIGUOUS);
    assert_contains(err, "disposition \"No\" is ambiguous");
    assert_contains(err, "\"No answer\"");
    assert_contains(err, "\"Not interested\"");
    assert_int_equal(idx, 99);
    free(err);
    /* a short id prefix is not enough (every id here starts the same) */
    assert_int_equal(resolve_pick("disposition", "019", dispos, 4, &idx, &err), RESOLVE_UNKNOWN);
    free(err);
    assert_int_equal(resolve_pick("disposition", "0199", dispos, 4, &idx, &err), RESOLVE_AMBIGUOUS);
    free(err);
}

static void resolve_pick__sanitises_server_names_in_messages(void **state)
{
    size_t idx;
    char *err;

    assert_int_equal(resolve_pick("disposition", "L", dispos + 1, 3, &idx, &err), RESOLVE_FOUND);
    assert_int_equal(resolve_pick("disposition", "\x1b[2J", dispos, 4, &idx, &err),
                     RESOLVE_UNKNOWN);
    assert_null(strchr(err, '\x1b'));
    free(err);
    {
        static const struct resolve_candidate two[] = {
            {"a1",
             {"Le\x1b]0;x\x07"
              "ft"},
             NULL},
            {"a2", {"Left"}, NULL},
        };
        assert_int_equal(resolve_pick("disposition", "le", two, 2, &idx, &err), RESOLVE_AMBIGUOUS);
        assert_null(strchr(err, '\x1b'));
        assert_null(strchr(err, '\x07'));
        free(err);
    }
}

static void resolve_task_in__matches_contact_name_or_email(void **state)
{
    struct task tasks[3] = {0};
    struct task_list l = {.v = tasks, .n = 3};
    char *uuid, *err;

    static char id1[] = "t1-0000", id2[] = "t2-0000", id3[] = "t3-0000", name[] = "Pat Lee",
                email1[] = "pat@prospect.example", email2[] = "pat.lee@other.example",
                due[] = "2026-06-04T09:00:00Z";

    tasks[0].id = id1;
    tasks[0].contact_name = name;
    tasks[0].contact_email = email1;
    tasks[1].id = id2;
    tasks[1].contact_name = name;
    tasks[1].contact_email = email2;
    tasks[1].due_on = due;
    tasks[2].id = id3;
    assert_int_equal(resolve_task_in(&l, "pat@prospect.example", &uuid, &err), RESOLVE_FOUND);
    assert_string_equal(uuid, "t1-0000");
    free(uuid);
    assert_int_equal(resolve_task_in(&l, "pat.lee", &uuid, &err), RESOLVE_FOUND);
    assert_string_equal(uuid, "t2-0000");
    free(uuid);
    assert_int_equal(resolve_task_in(&l, "Pat Lee", &uuid, &err), RESOLVE_AMBIGUOUS);
    assert_null(uuid);
    assert_contains(err, "due 2026-06-04");
    free(err);
}

static void resolve_exit_code__maps_each_status(void **state)
{
    assert_int_equal(resolve_exit_code(RESOLVE_FOUND), 0);
    assert_int_equal(resolve_exit_code(RESOLVE_UNKNOWN), 65);
    assert_int_equal(resolve_exit_code(RESOLVE_AMBIGUOUS), 65);
    assert_int_equal(resolve_exit_code(RESOLVE_AUTH_FAILED), 77);
    assert_int_equal(resolve_exit_code(RESOLVE_TEMP_FAILED), 75);
    assert_int_equal(resolve_exit_code(RESOLVE_FAILED), 70);
}

/* ---- table ---- */

static void text_cut__cuts_by_display_columns(void **state)
{
    char *s = text_cut("", 3);
    assert_string_equal(s, "");
    free(s);
    s = text_cut("abc", 3);
    assert_string_equal(s, "abc");
    free(s);
    s = text_cut("abcdef", 4);
    assert_string_equal(s, "abc…");
    free(s);
    s = text_cut("王小明你好", 5); /* two wide chars (4 cols) + "…" */
    assert_string_equal(s, "王小…");
    assert_int_equal(text_cols(s), 5);
    free(s);
    s = text_cut("abc", 0);
    assert_string_equal(s, "");
    free(s);
}

static char *print_to_string(const struct table *t, int width)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    table_print(t, f, width);
    fclose(f);
    return out;
}

static void table__aligns_wide_characters_and_neutralises_escapes(void **state)
{
    static const char *const head[] = {"NAME", "EMAIL"};
    struct table *t = table_new(2, head);
    const char *r1[] = {"王小明", "a@x"};
    const char *r2[] = {"Pat\x1b[31m Lee", NULL};
    char *out;

    table_add(t, r1);
    table_add(t, r2);
    assert_int_equal(table_rows(t), 2);
    out = print_to_string(t, 0);
    assert_string_equal(out, "NAME     EMAIL\n"
                             "王小明   a@x\n"
                             "Pat Lee\n");
    free(out);
    table_free(t);
    table_free(NULL);
}

static void table__cuts_the_widest_column_to_fit(void **state)
{
    static const char *const head[] = {"ID", "NOTES"};
    struct table *t = table_new(2, head);
    const char *r1[] = {"1", "a very long note that does not fit"};
    char *out;

    table_add(t, r1);
    out = print_to_string(t, 20);
    assert_string_equal(out, "ID  NOTES\n"
                             "1   a very long not…\n");
    free(out);
    table_free(t);
}

/* ---- --since ---- */

static void parse_time__accepts_dates_instants_and_ages(void **state)
{
    char *iso;
    long long now = 1780000000; /* 2026-05-28T20:26:40Z */

    assert_false(cmd_parse_time(NULL, now, &iso));
    assert_false(cmd_parse_time("", now, &iso));
    assert_false(cmd_parse_time("yesterday", now, &iso));
    assert_false(cmd_parse_time("5x", now, &iso));
    assert_false(cmd_parse_time("-5m", now, &iso));
    assert_false(cmd_parse_time("2026-06-03X", now, &iso));
    assert_true(cmd_parse_time("2026-06-03", now, &iso));
    assert_string_equal(iso, "2026-06-03T00:00:00Z");
    free(iso);
    assert_true(cmd_parse_time("2026-06-03 17:45:16Z", now, &iso));
    assert_string_equal(iso, "2026-06-03T17:45:16Z");
    free(iso);
    assert_true(cmd_parse_time("2h", now, &iso));
    assert_string_equal(iso, "2026-05-28T18:26:40Z");
    free(iso);
    assert_true(cmd_parse_time("1w", now, &iso));
    assert_string_equal(iso, "2026-05-21T20:26:40Z");
    free(iso);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv__parses_empty_and_blank_input_to_no_records),
        cmocka_unit_test(csv__reads_quotes_doubled_quotes_crlf_bom_and_multiline_fields),
        cmocka_unit_test(csv__reports_broken_quoting_with_the_line),
        cmocka_unit_test(sha256__matches_the_fips_test_vectors),
        cmocka_unit_test(resolve_pick__handles_empty_list_and_blank_query),
        cmocka_unit_test(resolve_pick__prefers_exact_name_over_prefix_ignoring_case),
        cmocka_unit_test(resolve_pick__folds_case_and_accents_in_names),
        cmocka_unit_test(resolve_pick__reports_ambiguous_prefix_listing_matches),
        cmocka_unit_test(resolve_pick__sanitises_server_names_in_messages),
        cmocka_unit_test(resolve_task_in__matches_contact_name_or_email),
        cmocka_unit_test(resolve_exit_code__maps_each_status),
        cmocka_unit_test(text_cut__cuts_by_display_columns),
        cmocka_unit_test(table__aligns_wide_characters_and_neutralises_escapes),
        cmocka_unit_test(table__cuts_the_widest_column_to_fit),
        cmocka_unit_test(parse_time__accepts_dates_instants_and_ages),
    };
    /* wcwidth needs a UTF-8 locale to measure CJK as two columns */
    if (!setlocale(LC_ALL, "C.UTF-8"))
        setlocale(LC_ALL, "");
    return RUN_TAP(tests);
}
