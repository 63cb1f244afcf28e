/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fault matrix: the real `amplecall log` against the fake API with each fault injected, and
 * the list loaders through the API layer. Each case checks the exit code, what the user is
 * told, what reached the server, and that nothing is lost or duplicated: a call that failed
 * is kept in the outbox, and `amplecall outbox flush` then leaves exactly one on the server. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "net/api.h"
#include "cli_env.h"
#include "fakectl.h"
#include "net/http.h"
#include "sec.h"
#include "core/util.h"

static struct fake *fk;
static char *home;

#define LOG_ARGS(...)                                                                          \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "42",     \
            "--answered", "yes", "--human", "yes", "--task", FAKE_TASK_ID_FIRST, "--user",      \
            FAKE_USER_ID, __VA_ARGS__ NULL                                                     \
    }

static int group_setup(void **state)
{
    fk = fake_start(NULL);
    return fk ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    return 0;
}

/* Every case starts with a clean server and a fresh HOME (so an empty outbox). */
static int setup(void **state)
{
    home = cli_tmp_home();
    return home && fake_reset(fk) ? 0 : -1;
}

static int teardown(void **state)
{
    cli_rm_tree(home);
    free(home);
    home = NULL;
    return 0;
}

static void check_output(const struct cli_run *r)
{
    const char *why;

    if (cli_has(r->out, FAKE_API_KEY) || cli_has(r->err, FAKE_API_KEY))
        fail_msg("the API key was printed");
    why = sec_inert_problem(r->out, strlen(r->out));
    if (why)
        fail_msg("stdout holds %s: %s", why, r->out);
    why = sec_inert_problem(r->err, strlen(r->err));
    if (why)
        fail_msg("stderr holds %s: %s", why, r->err);
}

static struct cli_run run_at(const char *base_url, const char *const *env,
                             const char *const *args)
{
    struct cli_run r = cli_run(home, base_url, FAKE_API_KEY, env, args);
    check_output(&r);
    return r;
}

static struct cli_run run_log(const char *const *env)
{
    return run_at(fake_base_url(fk), env, LOG_ARGS());
}

static void expect_status(const struct cli_run *r, int want)
{
    if (r->status != want)
        fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static void expect_err(const struct cli_run *r, const char *needle)
{
    if (!cli_has(r->err, needle))
        fail_msg("stderr lacks \"%s\": %s", needle, r->err);
}

static size_t stored_calls(void)
{
    json_object *calls = fake_stored_calls(fk);
    size_t n = calls ? json_object_array_length(calls) : (size_t)-1;
    json_object_put(calls);
    return n;
}

static size_t posts(void)
{
    return fake_request_count(fk, "POST", "/calls");
}

static void set_faults(const char *json)
{
    if (!fake_set_faults(fk, json))
        fail_msg("the fake refused faults %s", json);
}

/* Nothing lost, nothing duplicated: with the fault gone, a flush of the outbox leaves
 * exactly one copy of the call on the server, whatever the failed attempt did. */
static struct cli_run flush_at(const char *base_url)
{
    /* the settle wait is at least the request timeout: 1 s here */
    static const char *const env[] = {"AMPLECALL_TIMEOUT=1", "AMPLECALL_OUTBOX_SETTLE_MS=1",
                                      NULL};
    return run_at(base_url, env, (const char *const[]){"outbox", "flush", NULL});
}

static void flush_leaves_exactly_one_call(void)
{
    struct cli_run r;

    set_faults("[]");
    r = flush_at(fake_base_url(fk));
    expect_status(&r, 0);
    cli_run_done(&r);
    assert_int_equal(stored_calls(), 1);
}

/* ---- transport faults ---------------------------------------------------------------- */

static void refused__connection_refused_exits_75_and_keeps_the_call(void **state)
{
    int port = sec_closed_port();
    char *url = xasprintf("http://127.0.0.1:%d", port);
    char port_s[16];
    const char *args[] = {"--port", port_s, NULL};
    struct cli_run r = run_at(url, NULL, LOG_ARGS());
    struct fake *later;
    json_object *calls;

    expect_status(&r, 75);
    expect_err(&r, "cannot reach");
    expect_err(&r, "pending");
    cli_run_done(&r);
    /* the outbox keeps the call for that base URL: once a server listens there, a flush
     * delivers it exactly once */
    snprintf(port_s, sizeof(port_s), "%d", port);
    later = fake_start(args);
    assert_non_null(later);
    r = flush_at(url);
    expect_status(&r, 0);
    cli_run_done(&r);
    calls = fake_stored_calls(later);
    assert_int_equal(json_object_array_length(calls), 1);
    json_object_put(calls);
    fake_stop(later);
    free(url);
}

static void reset__reset_mid_body_is_an_unknown_outcome_and_never_resent(void **state)
{
    struct cli_run r;

    set_faults("{\"reset_mid_body\":true,\"path\":\"/calls\",\"method\":\"POST\"}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "outcome unknown");
    expect_err(&r, "may or may not");
    cli_run_done(&r);
    assert_int_equal(posts(), 1);
    assert_int_equal(stored_calls(), 1); /* the server acted: a resend would duplicate it */
    flush_leaves_exactly_one_call();
}

static void drop__connection_closed_without_answer_is_unknown_then_sent_once(void **state)
{
    struct cli_run r;

    set_faults("{\"drop\":true,\"path\":\"/calls\",\"method\":\"POST\"}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "outcome unknown");
    cli_run_done(&r);
    assert_int_equal(posts(), 1);
    assert_int_equal(stored_calls(), 0);
    flush_leaves_exactly_one_call();
}

static void drop__accepted_then_dropped_is_found_on_the_server_not_resent(void **state)
{
    struct cli_run r;

    set_faults("{\"accept_then_drop\":true,\"path\":\"/calls\",\"method\":\"POST\"}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "outcome unknown");
    cli_run_done(&r);
    assert_int_equal(stored_calls(), 1);
    flush_leaves_exactly_one_call();
}

static bool server_stored_one(void *ud)
{
    return stored_calls() == 1;
}

static void stall__answer_past_the_timeout_exits_75_within_the_timeout(void **state)
{
    static const char *const env[] = {"AMPLECALL_TIMEOUT=1", NULL};
    long long t0 = sec_now_ms(), elapsed;
    struct cli_run r;

    set_faults("{\"delay_ms\":4000,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}");
    r = run_log(env);
    elapsed = sec_now_ms() - t0;
    expect_status(&r, 75);
    expect_err(&r, "no answer");
    expect_err(&r, "outcome unknown");
    cli_run_done(&r);
    if (elapsed > 3500)
        fail_msg("gave up after %lld ms; the timeout is 1 s", elapsed);
    /* the server finishes the stalled request later; only then is the outcome decidable */
    assert_true(sec_wait_for(server_stored_one, NULL, 10000));
    flush_leaves_exactly_one_call();
}

/* ---- HTTP status faults -------------------------------------------------------------- */

static void status__5xx_exits_75_with_the_status_and_keeps_the_call(void **state)
{
    static const int codes[] = {500, 502, 503, 504};

    for (size_t i = 0; i < ARRAY_LEN(codes); i++) {
        char json[96], want[48];
        struct cli_run r;

        assert_true(fake_reset(fk));
        cli_rm_tree(home);
        free(home);
        home = cli_tmp_home();
        snprintf(json, sizeof(json), "{\"status\":%d,\"path\":\"/calls\"}", codes[i]);
        set_faults(json);
        r = run_log(NULL);
        expect_status(&r, 75);
        snprintf(want, sizeof(want), "HTTP %d", codes[i]);
        expect_err(&r, want);
        /* a 5xx may follow a commit: kept, looked up before any resend */
        expect_err(&r, "outcome unknown");
        expect_err(&r, "kept as call");
        cli_run_done(&r);
        assert_int_equal(posts(), 1);
        assert_int_equal(stored_calls(), 0);
        flush_leaves_exactly_one_call();
        assert_int_equal(fake_request_count(fk, "GET", "/calls"), 1);
    }
}

static void status__429_with_short_retry_after_is_waited_out_then_logged_once(void **state)
{
    struct cli_run r;

    set_faults("{\"status\":429,\"retry_after\":1,\"times\":1}");
    r = run_log(NULL);
    expect_status(&r, 0);
    expect_err(&r, "retrying in 1 s");
    cli_run_done(&r);
    assert_int_equal(posts(), 2);
    assert_int_equal(stored_calls(), 1);
}

static void status__429_without_retry_after_exits_75_at_once(void **state)
{
    long long t0 = sec_now_ms();
    struct cli_run r;

    set_faults("{\"status\":429,\"times\":1}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "rate limited");
    cli_run_done(&r);
    assert_true(sec_now_ms() - t0 < 5000);
    assert_int_equal(posts(), 1);
    flush_leaves_exactly_one_call();
}

static void status__429_with_long_retry_after_is_not_waited_for(void **state)
{
    long long t0 = sec_now_ms();
    struct cli_run r;

    set_faults("{\"status\":429,\"retry_after\":3600,\"times\":1}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "3600");
    expect_err(&r, "--max-wait");
    cli_run_done(&r);
    assert_true(sec_now_ms() - t0 < 5000);
    assert_int_equal(posts(), 1);
    /* kept, and the server's hour is respected: a flush now leaves it pending */
    set_faults("[]");
    r = flush_at(fake_base_url(fk));
    expect_status(&r, 75);
    assert_true(cli_has(r.out, "1 still pending"));
    cli_run_done(&r);
    assert_int_equal(stored_calls(), 0);
}

/* ---- bodies -------------------------------------------------------------------------- */

static void body__truncated_json_on_201_is_unknown_never_success(void **state)
{
    struct cli_run r;

    set_faults("{\"truncated\":true,\"path\":\"/calls\",\"method\":\"POST\"}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "outcome unknown");
    assert_false(cli_has(r.out, "Logged"));
    cli_run_done(&r);
    assert_int_equal(posts(), 1);
    flush_leaves_exactly_one_call();
}

static void body__html_garbage_on_201_is_unknown_never_success(void **state)
{
    struct cli_run r;

    set_faults("{\"garbage\":true,\"path\":\"/calls\",\"method\":\"POST\"}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "outcome unknown");
    cli_run_done(&r);
    flush_leaves_exactly_one_call();
}

static void body__10_mib_answer_is_refused_as_too_large(void **state)
{
    struct cli_run r;

    set_faults("{\"oversize_mib\":10,\"path\":\"/calls\",\"method\":\"POST\"}");
    r = run_log(NULL);
    expect_status(&r, 75);
    expect_err(&r, "too large");
    cli_run_done(&r);
    assert_int_equal(posts(), 1);
    flush_leaves_exactly_one_call();
}

static void body__invalid_utf8_and_escapes_in_a_422_detail_reach_stderr_inert(void **state)
{
    struct cli_run r;

    /* raw 0xFF 0xFE and a lone continuation byte, plus OSC title, OSC 52 and CSI */
    set_faults("{\"status\":422,\"path\":\"/calls\",\"body\":"
               "\"{\\\"_errors\\\":[{\\\"code\\\":\\\"unsupported_value\\\",\\\"detail\\\":"
               "\\\"bad \xff\xfe\x80 \\\\u001b]0;pwned\\\\u0007\\\\u001b]52;c;aGk=\\\\u0007"
               "\\\\u001b[2J number\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/to\\\"}}]}\"}");
    r = run_log(NULL); /* check_output asserts stdout and stderr are inert UTF-8 */
    expect_status(&r, 65);
    expect_err(&r, "to: bad \xef\xbf\xbd");
    expect_err(&r, "number");
    assert_false(cli_has(r.err, "pwned"));
    cli_run_done(&r);
    assert_int_equal(stored_calls(), 0);
}

static void body__invalid_utf8_in_a_201_contact_is_shown_inert(void **state)
{
    struct cli_run r;
    char *json = xasprintf(
        "{\"path\":\"/calls\",\"method\":\"POST\",\"body\":\"{\\\"id\\\":\\\"c-1\\\","
        "\\\"from\\\":\\\"+1 415 555 0100\\\",\\\"to\\\":\\\"+1 212\xff 555\\\\u001b[8m\\\","
        "\\\"duration\\\":42,\\\"answered\\\":true,\\\"human\\\":true,\\\"contact\\\":"
        "{\\\"id\\\":\\\"x\\\",\\\"name\\\":\\\"Eve \xc3\x28 \\\\u009b31m\\\"}}\"}");

    set_faults(json);
    free(json);
    r = run_log(NULL);
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "c-1"));
    cli_run_done(&r);
}

static char *nested(int depth, const char *open, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = xmalloc((size_t)depth * (lo + lc) + 1), *p = s;

    for (int i = 0; i < depth; i++, p += lo)
        memcpy(p, open, lo);
    for (int i = 0; i < depth; i++, p += lc)
        memcpy(p, close, lc);
    *p = '\0';
    return s;
}

static void body__deeply_nested_json_is_refused_without_crashing(void **state)
{
    char *deep = nested(100000, "[", "]");
    char *json = xasprintf("[{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,\"body\":\"%s\"},"
                           "{\"path\":\"/calls\",\"status\":422,\"body\":\"{\\\"_errors\\\":%s}\"}]",
                           deep, deep);
    struct cli_run r;

    set_faults(json);
    free(json);
    free(deep);
    r = run_log(NULL);
    expect_status(&r, 75); /* a 201 whose body cannot be read: the outcome is unknown */
    expect_err(&r, "outcome unknown");
    cli_run_done(&r);
    r = run_log(NULL);
    expect_status(&r, 65); /* a 422 that cannot be parsed is still a readable rejection */
    expect_err(&r, "HTTP 422");
    assert_true(strlen(r.err) < 2000);
    cli_run_done(&r);
}

static void body__wrong_type_for_each_call_field_is_never_reported_as_logged(void **state)
{
    static const char *const members[] = {
        "\\\"id\\\":42",
        "\\\"id\\\":null",
        "\\\"id\\\":\\\"c\\\",\\\"from\\\":1",
        "\\\"id\\\":\\\"c\\\",\\\"to\\\":[]",
        "\\\"id\\\":\\\"c\\\",\\\"duration\\\":\\\"5\\\"",
        "\\\"id\\\":\\\"c\\\",\\\"duration\\\":-5",
        "\\\"id\\\":\\\"c\\\",\\\"duration\\\":1.5",
        "\\\"id\\\":\\\"c\\\",\\\"answered\\\":\\\"yes\\\"",
        "\\\"id\\\":\\\"c\\\",\\\"human\\\":1",
        "\\\"id\\\":\\\"c\\\",\\\"external\\\":{}",
        "\\\"id\\\":\\\"c\\\",\\\"start_date\\\":20260603",
        "\\\"id\\\":\\\"c\\\",\\\"disposition_id\\\":true",
        "\\\"id\\\":\\\"c\\\",\\\"task_id\\\":{}",
        "\\\"id\\\":\\\"c\\\",\\\"user_id\\\":7",
        "\\\"id\\\":\\\"c\\\",\\\"transcription\\\":[\\\"x\\\"]",
        "\\\"id\\\":\\\"c\\\",\\\"notes\\\":false",
        "\\\"id\\\":\\\"c\\\",\\\"recording_url\\\":3",
    };

    for (size_t i = 0; i < ARRAY_LEN(members); i++) {
        char *json = xasprintf("{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
                               "\"body\":\"{%s}\"}",
                               members[i]);
        struct cli_run r;

        set_faults(json);
        r = run_log(NULL);
        if (r.status != 75 || !cli_has(r.err, "outcome unknown") || cli_has(r.out, "Logged"))
            fail_msg("201 body {%s}: exit %d\nstdout: %s\nstderr: %s", members[i], r.status,
                     r.out, r.err);
        cli_run_done(&r);
        free(json);
    }
    /* the contact is decoration: a wrong-typed contact does not hide a logged call */
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
               "\"body\":\"{\\\"id\\\":\\\"c\\\",\\\"contact\\\":5}\"}");
    {
        struct cli_run r = run_log(NULL);
        expect_status(&r, 0);
        cli_run_done(&r);
    }
}

/* ---- lists, through the API layer ----------------------------------------------------- */

static struct api *api_for_fake(void)
{
    struct http_options o = {0};
    struct http_client *http;
    char *err = NULL;

    o.base_url = fake_base_url(fk);
    o.api_key = FAKE_API_KEY;
    o.timeout_ms = 10000;
    http = http_client_new(&o, &err);
    if (!http)
        fail_msg("http_client_new: %s", err);
    return api_new(http);
}

static void lists__empty_lists_load_as_empty_without_error(void **state)
{
    struct api *a = api_for_fake();
    struct api_result res;
    struct disposition_list d = {0};
    struct task_list t = {0};
    struct user_list u = {0};
    struct tasks_query q = {FAKE_USER_ID, "phone_call", NULL};

    set_faults("[{\"path\":\"/calls/dispositions\",\"body\":\"{\\\"dispositions\\\":[]}\"},"
               "{\"path\":\"/tasks\",\"body\":\"{\\\"tasks\\\":[],\\\"_links\\\":{}}\"},"
               "{\"path\":\"/users\",\"body\":\"{\\\"users\\\":[],\\\"_links\\\":"
               "{\\\"next\\\":null}}\"}]");
    api_result_init(&res);
    assert_true(api_dispositions(a, &res, &d));
    assert_int_equal(d.n, 0);
    assert_true(api_tasks(a, &q, &res, &t));
    assert_int_equal(t.n, 0);
    assert_true(api_users(a, NULL, &res, &u));
    assert_int_equal(u.n, 0);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 3);
    api_result_done(&res);
    api_free(a);
}

static void lists__next_link_looping_to_itself_stops_without_duplicates(void **state)
{
    struct api *a = api_for_fake();
    struct api_result res;
    struct task_list t = {0};
    struct tasks_query q = {FAKE_USER_ID, NULL, NULL};
    long long t0 = sec_now_ms();

    set_faults("{\"next_loop\":true,\"path\":\"/tasks\"}");
    api_result_init(&res);
    assert_true(api_tasks(a, &q, &res, &t));
    assert_true(sec_now_ms() - t0 < 5000);
    /* the first page's self link differs in text from the first request, yet names it */
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 1);
    assert_true(t.n > 0);
    for (size_t i = 0; i < t.n; i++)
        for (size_t j = i + 1; j < t.n; j++)
            if (!strcmp(t.v[i].id, t.v[j].id))
                fail_msg("task %s listed twice (items %zu and %zu of %zu)", t.v[i].id, i, j,
                         t.n);
    task_list_done(&t);
    api_result_done(&res);
    api_free(a);
}

static void lists__oversized_page_is_refused_as_too_large(void **state)
{
    struct api *a = api_for_fake();
    struct api_result res;
    struct task_list t = {0};
    struct tasks_query q = {FAKE_USER_ID, NULL, NULL};

    set_faults("{\"oversize_mib\":10,\"path\":\"/tasks\"}");
    api_result_init(&res);
    assert_false(api_tasks(a, &q, &res, &t));
    assert_int_equal(res.outcome, HTTP_OUT_TOO_LARGE);
    assert_non_null(strstr(res.message, "too large"));
    assert_int_equal(t.n, 0);
    api_result_done(&res);
    api_free(a);
}

static void lists__wrong_typed_items_are_skipped_and_the_rest_kept(void **state)
{
    struct api *a = api_for_fake();
    struct api_result res;
    struct disposition_list d = {0};

    set_faults("{\"path\":\"/calls/dispositions\",\"body\":\"{\\\"dispositions\\\":[1,null,"
               "\\\"x\\\",{\\\"id\\\":5},{\\\"name\\\":\\\"no id\\\"},{\\\"id\\\":\\\"d1\\\","
               "\\\"name\\\":7,\\\"action\\\":[]},{\\\"id\\\":\\\"d2\\\",\\\"name\\\":"
               "\\\"Interested\\\",\\\"action\\\":\\\"complete\\\"}]}\"}");
    api_result_init(&res);
    assert_true(api_dispositions(a, &res, &d));
    assert_int_equal(d.n, 2);
    assert_string_equal(d.v[0].id, "d1");
    assert_null(d.v[0].name);
    assert_string_equal(d.v[1].name, "Interested");
    disposition_list_done(&d);
    api_result_done(&res);
    api_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(refused__connection_refused_exits_75_and_keeps_the_call),
        T(reset__reset_mid_body_is_an_unknown_outcome_and_never_resent),
        T(drop__connection_closed_without_answer_is_unknown_then_sent_once),
        T(drop__accepted_then_dropped_is_found_on_the_server_not_resent),
        T(stall__answer_past_the_timeout_exits_75_within_the_timeout),
        T(status__5xx_exits_75_with_the_status_and_keeps_the_call),
        T(status__429_with_short_retry_after_is_waited_out_then_logged_once),
        T(status__429_without_retry_after_exits_75_at_once),
        T(status__429_with_long_retry_after_is_not_waited_for),
        T(body__truncated_json_on_201_is_unknown_never_success),
        T(body__html_garbage_on_201_is_unknown_never_success),
        T(body__10_mib_answer_is_refused_as_too_large),
        T(body__invalid_utf8_and_escapes_in_a_422_detail_reach_stderr_inert),
        T(body__invalid_utf8_in_a_201_contact_is_shown_inert),
        T(body__deeply_nested_json_is_refused_without_crashing),
        T(body__wrong_type_for_each_call_field_is_never_reported_as_logged),
        T(lists__empty_lists_load_as_empty_without_error),
        T(lists__next_link_looping_to_itself_stops_without_duplicates),
        T(lists__oversized_page_is_refused_as_too_large),
        T(lists__wrong_typed_items_are_skipped_and_the_rest_kept),
#undef T
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
