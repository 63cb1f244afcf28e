/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The API as documented, through the real binary against the fake on 127.0.0.1: a user is
 * taken by email only when the email is equal (a server that filters ?email= loosely cannot
 * make us pick another rep); list loads wait out 429s and resume from their page; a next
 * link that cannot be followed gives a partial list; the documented filters and page[size]
 * are sent; --json prints the API's objects whole; a 401 is reported once. */
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

static struct fake *fk;  /* 150 tasks: two pages of page[size]=100 */
static struct fake *fk2; /* "another host" for next links that must not be followed */
static char *home;

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define CALL_ARGS(user, task)                                                                     \
    ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "30",       \
         "--answered", "yes", "--human", "yes", "--task", task, "--user", user)

static int setup(void **state)
{
    static const char *const args[] = {"--tasks", "150", NULL};

    fk = fake_start(args);
    fk2 = fake_start(NULL);
    home = cli_tmp_home();
    return fk && fk2 && home ? 0 : -1;
}

static int teardown(void **state)
{
    fake_stop(fk);
    fake_stop(fk2);
    cli_rm_tree(home);
    free(home);
    return 0;
}

static int reset(void **state)
{
    cli_rm_tree(home);
    free(home);
    home = cli_tmp_home();
    return home && fake_reset(fk) && fake_reset(fk2) ? 0 : -1;
}

static struct cli_run run_key(const char *key, const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), key, env, args);
    /* the key must never be echoed, whatever happened */
    assert_false(cli_has(r.out, FAKE_API_KEY));
    assert_false(cli_has(r.err, FAKE_API_KEY));
    return r;
}

static struct cli_run run(const char *const *args)
{
    return run_key(FAKE_API_KEY, NULL, args);
}

static void expect_status(struct cli_run *r, int want)
{
    if (r->status != want)
        fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static void expect_has(const char *s, const char *needle)
{
    if (!cli_has(s, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, s ? s : "(null)");
}

static size_t count_of(const char *s, const char *needle)
{
    size_t n = 0;

    for (const char *p = s ? strstr(s, needle) : NULL; p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v = member(o, key);
    return v ? json_object_get_string(v) : NULL;
}

/* The logged request i (0-based) with this method and path; owned, or NULL. */
static json_object *nth_request(const char *method, const char *path, size_t i)
{
    json_object *all = fake_requests(fk), *hit = NULL;
    size_t k = 0;

    for (size_t j = 0; all && j < json_object_array_length(all); j++) {
        json_object *r = json_object_array_get_idx(all, j);
        if (strcmp(member_str(r, "method"), method) || strcmp(member_str(r, "path"), path))
            continue;
        if (k++ == i) {
            hit = json_object_get(r);
            break;
        }
    }
    json_object_put(all);
    return hit;
}

static json_object *json_array(const char *text)
{
    json_object *v = json_tokener_parse(text);

    if (!v || !json_object_is_type(v, json_type_array))
        fail_msg("not a JSON array: %s", text ? text : "(null)");
    return v;
}

/* ---- a user by email ---- */

static void log_user__a_server_that_ignores_the_email_filter_still_gets_the_right_user(void **state)
{
    struct cli_run r;
    json_object *req;

    /* every user comes back, the one asked for second, in another case */
    assert_true(fake_set_faults(fk, "{\"path\":\"/users\",\"loose_email\":\"all\"}"));
    r = run(CALL_ARGS("LUKASZ@Acme.Example", FAKE_TASK_USER2_ID));
    expect_status(&r, 0);
    req = fake_last_request(fk, "POST", "/calls");
    assert_non_null(req);
    assert_string_equal(member_str(member(req, "body"), "user_id"), FAKE_USER2_ID);
    json_object_put(req);
    req = fake_last_request(fk, "GET", "/users");
    expect_has(member_str(req, "query"), "email=LUKASZ%40Acme.Example");
    expect_has(member_str(req, "query"), "status=active");
    json_object_put(req);
    cli_run_done(&r);
}

static void log_user__one_user_of_another_email_is_refused_and_nothing_is_posted(void **state)
{
    struct cli_run r;

    /* a server that answers with its "nearest" user: Dana, for Łukasz's address */
    assert_true(fake_set_faults(fk, "{\"path\":\"/users\",\"loose_email\":\"other\"}"));
    r = run(CALL_ARGS(FAKE_USER2_EMAIL, FAKE_TASK_USER2_ID));
    expect_status(&r, 65);
    expect_has(r.err, "no active Amplemarket user has the email " FAKE_USER2_EMAIL);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    cli_run_done(&r);
    /* an address nobody has, from a server that returns everyone */
    assert_true(fake_set_faults(fk, "{\"path\":\"/users\",\"loose_email\":\"all\"}"));
    r = run(CALL_ARGS("nobody@acme.example", FAKE_TASK_USER2_ID));
    expect_status(&r, 65);
    expect_has(r.err, "no active Amplemarket user has the email nobody@acme.example");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    cli_run_done(&r);
    /* a prefix of an address is not the address */
    r = run(CALL_ARGS("dana@acme", FAKE_TASK_ID_FIRST));
    expect_status(&r, 65);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    cli_run_done(&r);
}

static void log_user__several_users_with_the_email_are_refused(void **state)
{
    static const char fault[] =
        "{\"path\":\"/users\",\"body\":\"{\\\"users\\\":["
        "{\\\"id\\\":\\\"" FAKE_USER_ID "\\\",\\\"email\\\":\\\"dana@acme.example\\\","
        "\\\"status\\\":\\\"active\\\"},"
        "{\\\"id\\\":\\\"" FAKE_USER2_ID "\\\",\\\"email\\\":\\\"DANA@acme.example\\\","
        "\\\"status\\\":\\\"active\\\"}]}\"}";
    struct cli_run r;

    assert_true(fake_set_faults(fk, fault));
    r = run(CALL_ARGS(FAKE_USER_EMAIL, FAKE_TASK_ID_FIRST));
    expect_status(&r, 65);
    expect_has(r.err, "several Amplemarket users have the email " FAKE_USER_EMAIL);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    cli_run_done(&r);
}

static void every_command_taking_a_user_by_email_refuses_a_loose_match(void **state)
{
    const char *const env[] = {"AMPLECALL_USER=" FAKE_USER2_EMAIL, NULL};
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"path\":\"/users\",\"loose_email\":\"other\"}"));
    r = run(ARGS("tasks", "--user", FAKE_USER2_EMAIL));
    expect_status(&r, 65);
    expect_has(r.err, "no active Amplemarket user has the email");
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 0);
    cli_run_done(&r);
    r = run(ARGS("calls", "--user", FAKE_USER2_EMAIL));
    expect_status(&r, 65);
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 0);
    cli_run_done(&r);
    r = run_key(FAKE_API_KEY, env, ARGS("whoami"));
    expect_status(&r, 65);
    expect_has(r.out, "no active user of this account is " FAKE_USER2_EMAIL);
    assert_false(cli_has(r.out, FAKE_USER_EMAIL)); /* never shown as "you" */
    cli_run_done(&r);
    r = run_key(FAKE_API_KEY, env, ARGS("users", "--email", FAKE_USER2_EMAIL, "--json"));
    expect_status(&r, 0);
    assert_string_equal(r.out, "[\n]\n");
    cli_run_done(&r);
}

/* ---- 429 and pages ---- */

static void tasks__a_429_on_page_2_is_waited_out_and_the_load_resumes_there(void **state)
{
    struct cli_run r;
    json_object *a, *p2, *p3;
    struct timespec t0, t1;
    double secs;

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"status\":429,\"retry_after\":1,"
                                    "\"skip\":1,\"times\":1}"));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = run(ARGS("tasks", "--user", FAKE_USER_ID, "--json"));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    expect_status(&r, 0);
    a = json_array(r.out);
    assert_int_equal(json_object_array_length(a), 150); /* nothing lost, nothing twice */
    json_object_put(a);
    expect_has(r.err, "GET /tasks: rate limited, retrying in 1 s (100 tasks on 1 page so far)");
    assert_true(secs >= 0.9);
    /* page 1 once, page 2 twice: the same request again, not the list from the start */
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 3);
    p2 = nth_request("GET", "/tasks", 1);
    p3 = nth_request("GET", "/tasks", 2);
    assert_int_equal(json_object_get_int(member(p2, "status")), 429);
    assert_int_equal(json_object_get_int(member(p3, "status")), 200);
    expect_has(member_str(p3, "query"), "page[after]=");
    assert_string_equal(member_str(p2, "query"), member_str(p3, "query"));
    json_object_put(p2);
    json_object_put(p3);
    cli_run_done(&r);
}

static void tasks__429s_are_waited_out_a_few_times_only(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"status\":429,\"retry_after\":0}"));
    r = run(ARGS("tasks", "--user", FAKE_USER_ID));
    expect_status(&r, 75);
    assert_int_equal(count_of(r.err, "rate limited, retrying in 0 s"), 4);
    expect_has(r.err, "cannot list tasks: rate limited by the API (HTTP 429)");
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 5);
    cli_run_done(&r);
}

static void tasks__a_retry_after_longer_than_a_minute_is_the_answer(void **state)
{
    struct cli_run r;
    struct timespec t0, t1;

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"status\":429,\"retry_after\":120,"
                                    "\"times\":1}"));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = run(ARGS("tasks", "--user", FAKE_USER_ID));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    expect_status(&r, 75);
    expect_has(r.err, "retry after 120 s");
    assert_false(cli_has(r.err, "retrying in"));
    assert_true(t1.tv_sec - t0.tv_sec < 10);
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 1);
    cli_run_done(&r);
}

static void users__a_429_is_waited_out_for_a_resolver_too(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"path\":\"/users\",\"status\":429,\"retry_after\":1,"
                                    "\"times\":1}"));
    r = run(CALL_ARGS(FAKE_USER_EMAIL, FAKE_TASK_ID_FIRST));
    expect_status(&r, 0);
    expect_has(r.err, "amplecall log: GET /users: rate limited, retrying in 1 s");
    assert_int_equal(fake_request_count(fk, "GET", "/users"), 2);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    cli_run_done(&r);
}

/* Page 2 of the tasks is this body: one task and a next link to href. */
static char *page2_fault(const char *href)
{
    return xasprintf("{\"path\":\"/tasks\",\"skip\":1,\"times\":1,\"body\":\"{\\\"tasks\\\":[{"
                     "\\\"id\\\":\\\"0199f0a2-1c3e-7a10-9b7e-000000000999\\\"}],\\\"_links\\\":"
                     "{\\\"next\\\":{\\\"href\\\":\\\"%s\\\"}}}\"}",
                     href);
}

static void tasks__a_next_link_to_another_host_keeps_the_pages_read_and_says_partial(void **state)
{
    char *href = xasprintf("%s/tasks?page[after]=x&user_id=" FAKE_USER_ID, fake_base_url(fk2));
    char *fault = page2_fault(href);
    struct cli_run r;
    json_object *a;

    assert_true(fake_set_faults(fk, fault));
    r = run(ARGS("tasks", "--user", FAKE_USER_ID, "--json"));
    expect_status(&r, 0);
    a = json_array(r.out);
    assert_int_equal(json_object_array_length(a), 101); /* page 1 and page 2 */
    json_object_put(a);
    expect_has(r.err, "the list may be incomplete: its next link leads to another host");
    expect_has(r.err, "these are the 101 tasks read from 2 pages");
    assert_int_equal(fake_request_count(fk2, NULL, NULL), 0); /* the key never went there */
    cli_run_done(&r);
    free(fault);
    free(href);
}

static void tasks__a_looping_next_link_keeps_what_was_read(void **state)
{
    struct cli_run r;

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"next_loop\":true}"));
    r = run(ARGS("tasks", "--user", FAKE_USER_ID));
    expect_status(&r, 0);
    expect_has(r.out, FAKE_TASK_ID_FIRST);
    expect_has(r.err, "the list may be incomplete: its next link loops");
    expect_has(r.err, "these are the 100 tasks read from 1 page");
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 1);
    cli_run_done(&r);
}

static void tasks__a_server_that_refuses_page_size_is_asked_without_it(void **state)
{
    static const char fault[] =
        "{\"path\":\"/tasks\",\"status\":400,\"times\":1,\"body\":\"{\\\"_errors\\\":[{"
        "\\\"code\\\":\\\"unsupported_value\\\",\\\"detail\\\":\\\"too big\\\","
        "\\\"source\\\":{\\\"parameter\\\":\\\"page[size]\\\"}}]}\"}";
    struct cli_run r;
    json_object *first, *second;

    assert_true(fake_set_faults(fk, fault));
    r = run(ARGS("tasks", "--user", FAKE_USER_ID, "--json"));
    expect_status(&r, 0);
    first = nth_request("GET", "/tasks", 0);
    second = nth_request("GET", "/tasks", 1);
    expect_has(member_str(first, "query"), "page[size]=100");
    assert_false(cli_has(member_str(second, "query"), "page[size]"));
    expect_has(member_str(second, "query"), "automatic=false");
    json_object_put(first);
    json_object_put(second);
    cli_run_done(&r);
}

static void lists__ask_for_manual_tasks_active_users_and_pages_of_100(void **state)
{
    struct cli_run r = run(ARGS("tasks", "--user", FAKE_USER_EMAIL, "--any-status",
                                "--any-type", "--json"));
    json_object *req, *a;

    expect_status(&r, 0);
    a = json_array(r.out);
    assert_false(cli_has(r.out, FAKE_TASK_AUTOMATIC_ID)); /* the seeded automatic task */
    expect_has(r.out, FAKE_TASK_COMPLETED_ID);           /* every status */
    expect_has(r.out, FAKE_TASK_EMAIL_ID);               /* every type */
    for (size_t i = 0; i < json_object_array_length(a); i++)
        assert_false(json_object_get_boolean(member(json_object_array_get_idx(a, i), "automatic")));
    json_object_put(a);
    req = nth_request("GET", "/tasks", 0);
    expect_has(member_str(req, "query"), "automatic=false");
    expect_has(member_str(req, "query"), "page[size]=100");
    assert_false(cli_has(member_str(req, "query"), "status="));
    json_object_put(req);
    req = nth_request("GET", "/users", 0);
    expect_has(member_str(req, "query"), "status=active");
    expect_has(member_str(req, "query"), "page[size]=100");
    json_object_put(req);
    cli_run_done(&r);
    r = run(ARGS("calls", "--user", FAKE_USER_ID, "--limit", "5"));
    expect_status(&r, 0);
    req = fake_last_request(fk, "GET", "/calls");
    expect_has(member_str(req, "query"), "page[size]=5");
    json_object_put(req);
    cli_run_done(&r);
}

/* ---- --json and errors ---- */

static void json__list_commands_print_the_api_objects_whole(void **state)
{
    struct cli_run r;
    json_object *a, *o, *x;

    assert_true(fake_set_faults(fk, "{\"extra_fields\":true}"));
    r = run(ARGS("tasks", "--user", FAKE_USER_ID, "--json"));
    expect_status(&r, 0);
    a = json_array(r.out);
    o = json_object_array_get_idx(a, 0);
    /* documented members the table leaves out, and ones the docs do not name */
    assert_string_equal(member_str(o, "user_email"), FAKE_USER_EMAIL);
    assert_true(json_object_object_get_ex(o, "finished_on", NULL));
    assert_true(json_object_object_get_ex(o, "sequence_key", NULL));
    x = member(member(o, "x_extra"), "nested");
    assert_int_equal(json_object_array_length(x), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(x, 1)), "zwei");
    assert_true(json_object_get_boolean(member(member(o, "x_extra"), "flag")));
    assert_non_null(member(o, "x_score"));
    json_object_put(a);
    cli_run_done(&r);

    r = run(ARGS("users", "--json"));
    expect_status(&r, 0);
    a = json_array(r.out);
    o = json_object_array_get_idx(a, 0);
    assert_string_equal(member_str(json_object_array_get_idx(member(o, "mailboxes"), 0), "email"),
                        FAKE_USER_EMAIL);
    assert_non_null(member(o, "x_extra"));
    json_object_put(a);
    cli_run_done(&r);

    r = run(ARGS("dispositions", "--json"));
    expect_status(&r, 0);
    a = json_array(r.out);
    assert_string_equal(member_str(json_object_array_get_idx(a, 0), "x_colour"), "#00ff00");
    json_object_put(a);
    cli_run_done(&r);

    r = run(CALL_ARGS(FAKE_USER_ID, FAKE_TASK_ID_FIRST));
    expect_status(&r, 0);
    cli_run_done(&r);
    r = run(ARGS("calls", "--user", FAKE_USER_ID, "--json"));
    expect_status(&r, 0);
    a = json_array(r.out);
    o = json_object_array_get_idx(a, 0);
    assert_true(json_object_object_get_ex(o, "external", NULL));
    assert_non_null(member(o, "x_extra"));
    json_object_put(a);
    cli_run_done(&r);
}

static void a_401_is_reported_once(void **state)
{
    struct cli_run r = run_key("wrong-key", NULL, ARGS("users"));

    expect_status(&r, 77);
    assert_int_equal(count_of(r.err, "Invalid API key"), 1);
    assert_int_equal(count_of(r.err, "\n"), 1);
    cli_run_done(&r);
    r = run_key("wrong-key", NULL, ARGS("tasks", "--user", FAKE_USER_EMAIL));
    expect_status(&r, 77);
    assert_int_equal(count_of(r.err, "Invalid API key"), 1);
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 0);
    cli_run_done(&r);
    r = run_key("wrong-key", NULL, CALL_ARGS(FAKE_USER_EMAIL, "Pat Lee"));
    expect_status(&r, 77);
    assert_int_equal(count_of(r.err, "Invalid API key"), 1);
    assert_int_equal(fake_request_count(fk, "GET", "/users"), 3);
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 0);
    cli_run_done(&r);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(log_user__a_server_that_ignores_the_email_filter_still_gets_the_right_user),
        T(log_user__one_user_of_another_email_is_refused_and_nothing_is_posted),
        T(log_user__several_users_with_the_email_are_refused),
        T(every_command_taking_a_user_by_email_refuses_a_loose_match),
        T(tasks__a_429_on_page_2_is_waited_out_and_the_load_resumes_there),
        T(tasks__429s_are_waited_out_a_few_times_only),
        T(tasks__a_retry_after_longer_than_a_minute_is_the_answer),
        T(users__a_429_is_waited_out_for_a_resolver_too),
        T(tasks__a_next_link_to_another_host_keeps_the_pages_read_and_says_partial),
        T(tasks__a_looping_next_link_keeps_what_was_read),
        T(tasks__a_server_that_refuses_page_size_is_asked_without_it),
        T(lists__ask_for_manual_tasks_active_users_and_pages_of_100),
        T(json__list_commands_print_the_api_objects_whole),
        T(a_401_is_reported_once),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
