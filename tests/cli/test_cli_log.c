/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `amplecall log` end to end: the real binary against the fake API on 127.0.0.1. Checks exit
 * codes, output, and what the server actually received. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "cli_env.h"
#include "fakectl.h"
#include "core/util.h"

static struct fake *fk;
static char *home;

#define TO "+1 212 555 0199"
#define BASE_ARGS(...) /* extra args each followed by a comma */ \
    (const char *const[]) { "log", "--from", "+1 415 555 0100", "--to", TO, "--duration", \
                            "184", "--answered", "yes", "--human", "no", "--task", \
                            FAKE_TASK_ID_FIRST, "--user", FAKE_USER_ID, __VA_ARGS__ NULL }

static int setup(void **state)
{
    fk = fake_start(NULL);
    home = cli_tmp_home();
    return fk && home ? 0 : -1;
}

static int teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    return 0;
}

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

static struct cli_run run(const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), FAKE_API_KEY, NULL, args);
    /* the key must never be echoed, whatever happened */
    assert_false(cli_has(r.out, FAKE_API_KEY));
    assert_false(cli_has(r.err, FAKE_API_KEY));
    return r;
}

static void expect_status(struct cli_run *r, int want)
{
    if (r->status != want)
        fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static void log__valid_call_is_posted_once_with_typed_body_and_headers(void **state)
{
    struct cli_run r = run(BASE_ARGS("--disposition", FAKE_DISPO_NEXT_ID,));
    json_object *req, *body, *hdr;

    expect_status(&r, 0);
    assert_true(cli_has(r.out, "Logged call "));
    assert_true(cli_has(r.out, TO));
    assert_int_equal(fake_request_count(fk, NULL, NULL), 1);
    req = fake_last_request(fk, "POST", "/calls");
    assert_non_null(req);
    assert_string_equal(json_object_get_string(member(req, "auth")), "valid");
    hdr = member(req, "headers");
    assert_string_equal(json_object_get_string(member(hdr, "content-type")), "application/json");
    assert_string_equal(json_object_get_string(member(hdr, "accept")), "application/json");
    assert_true(cli_has(json_object_get_string(member(hdr, "user-agent")), "amplecall/"));
    body = member(req, "body");
    assert_true(json_object_is_type(member(body, "duration"), json_type_int));
    assert_int_equal(json_object_get_int(member(body, "duration")), 184);
    assert_true(json_object_is_type(member(body, "answered"), json_type_boolean));
    assert_true(json_object_get_boolean(member(body, "answered")));
    assert_false(json_object_get_boolean(member(body, "human")));
    assert_string_equal(json_object_get_string(member(body, "disposition_id")),
                        FAKE_DISPO_NEXT_ID);
    assert_null(member(body, "transcription"));
    assert_null(member(body, "recording_url"));
    json_object_put(req);
    cli_run_done(&r);
}

static void log__json_prints_exactly_the_response_body(void **state)
{
    struct cli_run r = run(BASE_ARGS("--json",));
    json_object *out, *calls;

    expect_status(&r, 0);
    out = json_tokener_parse(r.out);
    assert_non_null(out);
    calls = fake_stored_calls(fk);
    assert_int_equal(json_object_array_length(calls), 1);
    assert_string_equal(json_object_get_string(member(out, "id")),
                        json_object_get_string(member(json_object_array_get_idx(calls, 0), "id")));
    assert_string_equal(json_object_get_string(member(out, "to")), TO);
    json_object_put(out);
    json_object_put(calls);
    cli_run_done(&r);
}

static void log__each_missing_required_field_is_named_and_nothing_is_sent(void **state)
{
    static const char *flags[] = {"--from", "--to", "--duration", "--answered", "--human",
                                  "--task", "--user"};
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        const char *full[] = {"log", "--from", "+1 415 555 0100", "--to", TO, "--duration",
                              "5", "--answered", "yes", "--human", "yes", "--task",
                              FAKE_TASK_ID_FIRST, "--user", FAKE_USER_ID, NULL};
        const char *args[20];
        int n = 0;
        struct cli_run r;

        for (int j = 0; full[j]; j++) {
            if (!strcmp(full[j], flags[i])) {
                j++; /* drop the flag and its value */
                continue;
            }
            args[n++] = full[j];
        }
        args[n] = NULL;
        r = run(args);
        expect_status(&r, 65);
        if (!cli_has(r.err, flags[i]) || !cli_has(r.err, "is required"))
            fail_msg("stderr does not name %s: %s", flags[i], r.err);
        cli_run_done(&r);
    }
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
}

static void log__invalid_values_are_refused_before_sending(void **state)
{
    struct cli_run r = run((const char *const[]){
        "log", "--from", "call me", "--to", TO, "--duration", "-3", "--answered", "sometimes",
        "--human", "no", "--task", "abc", "--user", "abc", "--recording-url",
        "http://rec.example/x.mp3", NULL});

    expect_status(&r, 65);
    assert_true(cli_has(r.err, "--from"));
    assert_true(cli_has(r.err, "--duration"));
    assert_true(cli_has(r.err, "--answered"));
    /* a task may be given by name ("abc"), resolved after these checks; a user only by
     * UUID or email */
    assert_true(cli_has(r.err, "--user_id"));
    assert_false(cli_has(r.err, "--task_id"));
    assert_true(cli_has(r.err, "--recording_url"));
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
}

static void log__api_rejection_names_the_pointed_field_and_exits_65(void **state)
{
    struct cli_run r;
    char other_task[FAKE_ID_LEN];

    fake_task_id(9999, other_task); /* well formed, unknown to the server */
    r = run((const char *const[]){"log", "--from", "+1 415 555 0100", "--to", TO,
                                  "--duration", "5", "--answered", "yes", "--human", "yes",
                                  "--task", other_task, "--user", FAKE_USER_ID, NULL});
    expect_status(&r, 65);
    assert_true(cli_has(r.err, "task_id: "));
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    cli_run_done(&r);
}

static void log__server_missing_field_400_is_reported_with_its_detail(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"status\":400,\"times\":1}"));
    r = run(BASE_ARGS());
    expect_status(&r, 65);
    assert_true(cli_has(r.err, "rejected"));
    cli_run_done(&r);
}

static void log__wrong_key_exits_77_without_echoing_it(void **state)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), "wrong-secret-Zq9", NULL, BASE_ARGS());
    expect_status(&r, 77);
    assert_true(cli_has(r.err, "API key was rejected"));
    assert_false(cli_has(r.err, "wrong-secret-Zq9"));
    assert_false(cli_has(r.out, "wrong-secret-Zq9"));
    cli_run_done(&r);
}

static void log__missing_key_is_a_configuration_error(void **state)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), NULL, NULL, BASE_ARGS());
    expect_status(&r, 78);
    assert_true(cli_has(r.err, "AMPLEMARKET_API_KEY"));
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
}

static void log__short_retry_after_is_waited_out_then_logged(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"status\":429,\"retry_after\":1,\"times\":1}"));
    r = run(BASE_ARGS());
    expect_status(&r, 0);
    assert_true(cli_has(r.err, "retrying in 1 s"));
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    cli_run_done(&r);
}

static void log__long_retry_after_exits_75_without_waiting(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"status\":429,\"retry_after\":600}"));
    r = run(BASE_ARGS("--max-wait", "2",));
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "retry after 600 s"));
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    cli_run_done(&r);
}

static void log__server_error_exits_75(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"status\":500}"));
    r = run(BASE_ARGS());
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "HTTP 500"));
    cli_run_done(&r);
}

/* The fake logs a delayed request once it answers: wait (bounded) for the log to settle. */
static size_t settled_count(const char *method, const char *path, size_t want)
{
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        struct timespec ts = {0, 50 * 1000 * 1000};
        n = fake_request_count(fk, method, path);
        if (n >= want)
            break;
        nanosleep(&ts, NULL);
    }
    return n;
}

static void log__timeout_after_sending_is_an_unknown_outcome(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"delay_ms\":2500,\"times\":1}"));
    r = run(BASE_ARGS("--timeout", "1",));
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "outcome unknown"));
    assert_int_equal(settled_count("POST", "/calls", 1), 1);
    cli_run_done(&r);
}

static void log__garbage_2xx_body_is_unknown_and_never_resent(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"garbage\":true,\"times\":1}"));
    r = run(BASE_ARGS());
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "outcome unknown"));
    assert_false(cli_has(r.out, "Logged call"));
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    cli_run_done(&r);
}

static void log__response_lost_after_acceptance_is_unknown(void **state)
{
    struct cli_run r;
    json_object *calls;

    assert_true(fake_set_faults(fk, "{\"accept_then_drop\":true,\"times\":1}"));
    r = run(BASE_ARGS());
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "may or may not have been logged"));
    calls = fake_stored_calls(fk);
    assert_int_equal(json_object_array_length(calls), 1);
    json_object_put(calls);
    cli_run_done(&r);
}

static void log__unreachable_server_exits_75(void **state)
{
    struct cli_run r;
    struct fake *gone = fake_start(NULL);
    char url[64];

    snprintf(url, sizeof(url), "%s", fake_base_url(gone));
    fake_stop(gone);
    r = cli_run(home, url, FAKE_API_KEY, NULL, BASE_ARGS());
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "cannot reach 127.0.0.1"));
    cli_run_done(&r);
}

static void log__plain_http_to_a_remote_host_is_refused(void **state)
{
    struct cli_run r = cli_run(home, "http://api.amplemarket.com", FAKE_API_KEY, NULL,
                               BASE_ARGS());
    expect_status(&r, 78);
    assert_true(cli_has(r.err, "refusing to send the API key over plain http"));
    cli_run_done(&r);
}

static void log__usage_errors_exit_64_and_help_exits_0(void **state)
{
    struct cli_run r = run((const char *const[]){"log", "--bogus", NULL});
    expect_status(&r, 64);
    assert_true(cli_has(r.err, "--bogus"));
    cli_run_done(&r);
    r = run((const char *const[]){"log", "--duration", NULL});
    expect_status(&r, 64);
    cli_run_done(&r);
    r = run((const char *const[]){"log", "--help", NULL});
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "--recording-url"));
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
}

static void log__user_email_is_resolved_through_get_users(void **state)
{
    struct cli_run r = run((const char *const[]){
        "log", "--from", "+1 415 555 0100", "--to", TO, "--duration", "5", "--answered", "no",
        "--human", "no", "--task", FAKE_TASK_ID_FIRST, "--user", FAKE_USER_EMAIL, NULL});
    json_object *req;

    expect_status(&r, 0);
    assert_int_equal(fake_request_count(fk, "GET", "/users"), 1);
    req = fake_last_request(fk, "POST", "/calls");
    assert_string_equal(json_object_get_string(member(member(req, "body"), "user_id")),
                        FAKE_USER_ID);
    json_object_put(req);
    cli_run_done(&r);
}

static void log__transcription_file_is_sent_verbatim(void **state)
{
    char path[4200];
    FILE *f;
    struct cli_run r;
    json_object *req;

    snprintf(path, sizeof(path), "%s/t.txt", home);
    f = fopen(path, "w");
    fputs("Hi, this is Dana.\n王小明: \"hello\"\n", f);
    fclose(f);
    r = run(BASE_ARGS("--transcription-file", path,));
    expect_status(&r, 0);
    req = fake_last_request(fk, "POST", "/calls");
    assert_string_equal(json_object_get_string(member(member(req, "body"), "transcription")),
                        "Hi, this is Dana.\n王小明: \"hello\"\n");
    json_object_put(req);
    cli_run_done(&r);
}

static char *write_home_file(const char *name, const char *data, size_t len)
{
    char *path = xasprintf("%s/%s", home, name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void log__latin1_transcription_exits_65_naming_the_field_and_posts_nothing(void **state)
{
    char *path = write_home_file("latin1.txt", "Caf\xE9 au lait\n", 13);
    struct cli_run r = run(BASE_ARGS("--transcription-file", path,));

    expect_status(&r, 65);
    if (!cli_has(r.err, "(--transcription): is not valid UTF-8 (byte 0xE9 at offset 3)"))
        fail_msg("stderr: %s", r.err);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);

    r = run(BASE_ARGS("--transcription", "Caf\xE9",));
    expect_status(&r, 65);
    assert_true(cli_has(r.err, "(--transcription): is not valid UTF-8 (byte 0xE9 at offset 3)"));
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
    free(path);
}

static void log__name_in_bad_utf8_is_refused_not_looked_up(void **state)
{
    struct cli_run r = run(BASE_ARGS("--disposition", "Int\xE9ress\xE9",));

    expect_status(&r, 65);
    if (!cli_has(r.err, "(--disposition_id): is not valid UTF-8 (byte 0xE9 at offset 3)"))
        fail_msg("stderr: %s", r.err);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
}

static void log__transcription_file_with_a_nul_is_refused_naming_file_and_offset(void **state)
{
    /* the name carries an escape sequence: it must reach the terminal sanitised */
    char *path = write_home_file("nul\033[31m.txt", "Hi Dana\0 and the rest", 22);
    struct cli_run r = run(BASE_ARGS("--transcription-file", path,));

    expect_status(&r, 65);
    if (!cli_has(r.err, "nul.txt: a NUL byte at offset 7"))
        fail_msg("stderr: %s", r.err);
    assert_false(cli_has(r.err, "\033"));
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&r);
    free(path);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, reset)
    const struct CMUnitTest tests[] = {
        T(log__valid_call_is_posted_once_with_typed_body_and_headers),
        T(log__json_prints_exactly_the_response_body),
        T(log__each_missing_required_field_is_named_and_nothing_is_sent),
        T(log__invalid_values_are_refused_before_sending),
        T(log__api_rejection_names_the_pointed_field_and_exits_65),
        T(log__server_missing_field_400_is_reported_with_its_detail),
        T(log__wrong_key_exits_77_without_echoing_it),
        T(log__missing_key_is_a_configuration_error),
        T(log__short_retry_after_is_waited_out_then_logged),
        T(log__long_retry_after_exits_75_without_waiting),
        T(log__server_error_exits_75),
        T(log__timeout_after_sending_is_an_unknown_outcome),
        T(log__garbage_2xx_body_is_unknown_and_never_resent),
        T(log__response_lost_after_acceptance_is_unknown),
        T(log__unreachable_server_exits_75),
        T(log__plain_http_to_a_remote_host_is_refused),
        T(log__usage_errors_exit_64_and_help_exits_0),
        T(log__user_email_is_resolved_through_get_users),
        T(log__transcription_file_is_sent_verbatim),
        T(log__latin1_transcription_exits_65_naming_the_field_and_posts_nothing),
        T(log__name_in_bad_utf8_is_refused_not_looked_up),
        T(log__transcription_file_with_a_nul_is_refused_naming_file_and_offset),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
