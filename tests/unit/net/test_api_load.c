/* SPDX-License-Identifier: GPL-3.0-or-later */
/* List loads of net/api.c against the real fake API on 127.0.0.1, driven the way the form
 * drives them (http_client_poll + http_client_perform in a loop): a 429 is waited out without
 * blocking the loop and the load resumes from its page; a wait can be cancelled; partial
 * lists are flagged; the one-user email match; the raw items round-trip through the JSON the
 * offline cache keeps. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fakectl.h"
#include "net/api.h"
#include "net/http.h"
#include "core/util.h"

static struct fake *fk;

static int setup(void **state)
{
    static const char *const args[] = {"--tasks", "150", NULL};
    fk = fake_start(args);
    return fk ? 0 : -1;
}

static int teardown(void **state)
{
    fake_stop(fk);
    return 0;
}

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct api *new_api(void)
{
    struct http_options o = {.base_url = fake_base_url(fk), .api_key = FAKE_API_KEY};
    char *err = NULL;
    struct http_client *h = http_client_new(&o, &err);

    if (!h)
        fail_msg("http_client_new: %s", err);
    return api_new(h);
}

struct seen {
    int n_progress;
    struct api_progress last;
    char message[128];
    bool is_done;
    struct api_result res;
    struct task_list tasks;
};

static void on_progress(const struct api_progress *p, void *ud)
{
    struct seen *s = ud;

    s->n_progress++;
    s->last = *p;
    snprintf(s->message, sizeof(s->message), "%s", p->message);
    s->last.message = s->message;
    s->last.what = NULL;
}

static void on_tasks(struct api_result *res, struct task_list *l, void *ud)
{
    struct seen *s = ud;

    s->res = *res;
    api_result_init(res);
    s->tasks = *l;
    memset(l, 0, sizeof(*l));
    s->is_done = true;
}

/* Run the loop like the form: short polls, counting turns, until done or limit_ms. */
static int drive(struct api *a, struct seen *s, long long limit_ms)
{
    long long end = mono_ms() + limit_ms;
    int turns = 0;

    while (!s->is_done && mono_ms() < end) {
        http_client_poll(api_http(a), NULL, 0, 50);
        http_client_perform(api_http(a));
        turns++;
    }
    return turns;
}

static const struct tasks_query manual_calls = {FAKE_USER_ID, "phone_call", "scheduled"};

static void load__null_and_empty_cases(void **state)
{
    struct user_list empty = {0};
    struct task_list none = {0};
    size_t i = 99;
    char *j;

    assert_int_equal(users_match_email(NULL, "a@b", &i), USERS_MATCH_NONE);
    assert_int_equal(users_match_email(&empty, "a@b", &i), USERS_MATCH_NONE);
    assert_int_equal(users_match_email(&empty, NULL, NULL), USERS_MATCH_NONE);
    assert_int_equal(i, 99);
    j = task_list_json(&none);
    assert_string_equal(j, "[]");
    free(j);
    task_list_done(&none);
    assert_false(none.is_partial);
}

static void load__a_429_on_page_2_waits_without_blocking_the_loop_and_resumes(void **state)
{
    struct api *a = new_api();
    struct seen s = {0};
    long long t0;
    int turns;

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"status\":429,\"retry_after\":1,"
                                    "\"skip\":1,\"times\":1}"));
    api_set_progress(a, on_progress, &s);
    t0 = mono_ms();
    api_tasks_async(a, &manual_calls, on_tasks, &s);
    turns = drive(a, &s, 10000);
    assert_true(s.is_done);
    assert_true(api_result_ok(&s.res));
    assert_int_equal(s.tasks.n, 150);
    assert_false(s.tasks.is_partial);
    assert_null(s.res.partial_why);
    assert_int_equal(s.res.n_rate_waits, 1);
    /* the wait was a timer: the loop kept turning (50 ms polls) through the second */
    assert_true(mono_ms() - t0 >= 950);
    assert_true(turns >= 10);
    assert_int_equal(s.n_progress, 1);
    assert_int_equal(s.last.wait_s, 1);
    assert_int_equal(s.last.n_wait, 1);
    assert_int_equal(s.last.n_pages, 1);
    assert_int_equal(s.last.n_items, 100);
    assert_string_equal(s.message, "rate limited, retrying in 1 s (100 tasks on 1 page so far)");
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 3);
    task_list_done(&s.tasks);
    api_result_done(&s.res);
    api_free(a);
}

static void load__the_blocking_form_waits_too(void **state)
{
    struct api *a = new_api();
    struct api_result res;
    struct user_list l = {0};

    assert_true(fake_set_faults(fk, "{\"path\":\"/users\",\"status\":429,\"retry_after\":1,"
                                    "\"times\":1}"));
    api_result_init(&res);
    assert_true(api_users(a, FAKE_USER_EMAIL, &res, &l));
    assert_int_equal(res.n_rate_waits, 1);
    assert_int_equal(l.n, 1);
    user_list_done(&l);
    api_result_done(&res);
    api_free(a);
}

static void load__a_wait_can_be_cancelled(void **state)
{
    struct api *a = new_api();
    struct seen s = {0};
    struct api_op *op;
    long long t0;

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"status\":429,\"retry_after\":30}"));
    api_set_progress(a, on_progress, &s);
    op = api_tasks_async(a, &manual_calls, on_tasks, &s);
    t0 = mono_ms();
    while (s.n_progress == 0 && mono_ms() - t0 < 5000) {
        http_client_poll(api_http(a), NULL, 0, 50);
        http_client_perform(api_http(a));
    }
    assert_int_equal(s.n_progress, 1);
    assert_int_equal(http_client_pending(api_http(a)), 1); /* the timer */
    api_op_cancel(a, op);
    assert_int_equal(http_client_pending(api_http(a)), 0);
    assert_false(s.is_done); /* a cancelled load reports nothing */
    assert_int_equal(fake_request_count(fk, "GET", "/tasks"), 1);
    api_free(a);
}

static void load__an_unfollowable_next_link_flags_the_list_partial(void **state)
{
    struct api *a = new_api();
    struct seen s = {0};

    assert_true(fake_set_faults(fk, "{\"path\":\"/tasks\",\"next_loop\":true}"));
    api_tasks_async(a, &manual_calls, on_tasks, &s);
    drive(a, &s, 10000);
    assert_true(api_result_ok(&s.res));
    assert_true(s.tasks.is_partial);
    assert_true(s.res.is_incomplete);
    assert_string_equal(s.res.partial_why, "its next link loops");
    assert_int_equal(s.tasks.n, 100);
    task_list_done(&s.tasks);
    assert_false(s.tasks.is_partial);
    api_result_done(&s.res);
    api_free(a);
}

static void load__items_round_trip_through_the_cached_json(void **state)
{
    struct api *a = new_api();
    struct api_result res;
    struct task_list l = {0}, back = {0};
    char *json, *next = NULL, *err = NULL, *again;

    assert_true(fake_set_faults(fk, "{\"extra_fields\":true}"));
    api_result_init(&res);
    assert_true(api_tasks(a, &manual_calls, &res, &l));
    json = task_list_json(&l);
    assert_non_null(strstr(json, "\"x_extra\""));
    assert_non_null(strstr(json, "\"user_email\""));
    assert_true(api_parse_tasks(json, strlen(json), &back, &next, &err));
    assert_null(next);
    assert_int_equal(back.n, l.n);
    for (size_t i = 0; i < l.n; i++) {
        assert_string_equal(back.v[i].id, l.v[i].id);
        assert_string_equal(back.v[i].json, l.v[i].json);
    }
    again = task_list_json(&back);
    assert_string_equal(again, json);
    free(again);
    free(json);
    task_list_done(&back);
    task_list_done(&l);
    api_result_done(&res);
    api_free(a);
}

static void users_match_email__takes_only_the_one_active_user_with_that_address(void **state)
{
    struct user v[] = {
        {.id = (char[]){"1"}, .email = (char[]){"dana@acme.example"}, .status = (char[]){"active"}},
        {.id = (char[]){"2"}, .email = (char[]){"Lukasz@Acme.Example"}},
        {.id = (char[]){"3"}, .email = (char[]){"former@acme.example"},
         .status = (char[]){"inactive"}},
        {.id = (char[]){"4"}, .email = (char[]){"josé@acme.example"}},
        {.id = (char[]){"5"}, .email = NULL},
    };
    struct user_list l = {v, ARRAY_LEN(v), false};
    size_t i = 99;

    assert_int_equal(users_match_email(&l, "dana@acme.example", &i), USERS_MATCH_FOUND);
    assert_int_equal(i, 0);
    assert_int_equal(users_match_email(&l, "  LUKASZ@acme.EXAMPLE ", &i), USERS_MATCH_FOUND);
    assert_int_equal(i, 1);
    assert_int_equal(users_match_email(&l, "JOSÉ@acme.example", &i), USERS_MATCH_FOUND);
    assert_int_equal(i, 3);
    assert_int_equal(users_match_email(&l, "jose@acme.example", &i), USERS_MATCH_NONE);
    assert_int_equal(users_match_email(&l, "dana@acme", &i), USERS_MATCH_NONE);
    assert_int_equal(users_match_email(&l, "ana@acme.example", &i), USERS_MATCH_NONE);
    assert_int_equal(users_match_email(&l, "former@acme.example", &i), USERS_MATCH_NONE);
    assert_int_equal(users_match_email(&l, "", &i), USERS_MATCH_NONE);
    v[2].status = (char[]){"active"};
    v[2].email = (char[]){"DANA@acme.example"};
    assert_int_equal(users_match_email(&l, "dana@acme.example", &i), USERS_MATCH_SEVERAL);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(load__null_and_empty_cases),
        T(load__a_429_on_page_2_waits_without_blocking_the_loop_and_resumes),
        T(load__the_blocking_form_waits_too),
        T(load__a_wait_can_be_cancelled),
        T(load__an_unfollowable_next_link_flags_the_list_partial),
        T(load__items_round_trip_through_the_cached_json),
        T(users_match_email__takes_only_the_one_active_user_with_that_address),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
