/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outbox engine's rules on when a call goes, each test named after the one it protects:
 * what retry returns (sent, busy, not due, error), how long a blocking caller waits (max_wait
 * and its floor, both sides of the bound), the background's pause, the machine-wide rate
 * limit (after a look-up, on submit, its message), the idle recheck, an outcome whose lease
 * was lost, and the flush's counts. Against the fake API on 127.0.0.1 with a real store
 * file, mostly on an injected clock. */
#undef _XOPEN_SOURCE /* the build sets 600 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "config.h"
#include "unit.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include <sqlite3.h>

#include "net/api.h"
#include "fakectl.h"
#include "net/http.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tmptree.h"
#include "core/buf.h"
#include "core/util.h"

#include "outbox_fixture.h"

static void outbox_when__retry_sends_a_due_call_and_says_busy_not_due_or_error(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    struct call_record rec;
    struct store_lease other;
    char *err = NULL;
    long long id, busy;

    api_result_init(&res);
    call_record_init(&rec);
    id = pending_row("24", T0);
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    assert_null(err);
    assert_int_equal(res.status, 201);
    assert_non_null(rec.id);
    /* sent already: nothing is due */
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_NOT_DUE);
    assert_null(err);
    /* another live holder is sending it */
    {
        struct call c;
        struct store_new n = {.call = &c, .api_base = fake_base_url(fk)};
        store_lease_init_self(&other, 600000);
        make_call(&c, "25");
        assert_true(store_insert_sending(st, &n, &other, T0, &busy, NULL, &err));
        call_done(&c);
    }
    assert_int_equal(outbox_retry(ob, busy, &res, &rec, &err), OUTBOX_BUSY);
    assert_int_equal(outbox_retry(ob, 4242, &res, &rec, &err), OUTBOX_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "there is no call 4242"));
    free(err);
    err = NULL;
    /* the same through the event loop: 1 started, 0 with why, -1 with err */
    {
        enum outbox_status why = OUTBOX_SENT;
        long long again = pending_row("26", T0);
        n_done = 0;
        assert_int_equal(outbox_retry_async(ob, busy, on_done, NULL, &why, &err), 0);
        assert_int_equal(why, OUTBOX_BUSY);
        assert_int_equal(outbox_retry_async(ob, id, on_done, NULL, &why, &err), 0);
        assert_int_equal(why, OUTBOX_NOT_DUE);
        assert_int_equal(outbox_retry_async(ob, 4242, on_done, NULL, &why, &err), -1);
        assert_non_null(strstr(err, "there is no call 4242"));
        free(err);
        err = NULL;
        assert_int_equal(outbox_retry_async(ob, again, on_done, NULL, &why, &err), 1);
        assert_int_equal(outbox_in_flight(ob), 1);
        RUN_LOOP_UNTIL(ob, n_done == 1);
        assert_int_equal(last_status, OUTBOX_SENT);
        assert_int_equal(outbox_in_flight(ob), 0);
    }
    assert_int_equal(stored_calls(), 2);
    outbox_free(ob);
    call_record_done(&rec);
    api_result_done(&res);
}

/* Rule: a blocking retry waits for a call still settling when that is within max_wait_ms,
 * and gives up at once (not due) on one due later, e.g. after a long Retry-After. */
static void outbox_when__blocking_retry_waits_only_for_a_call_due_within_max_wait(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 450};
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    char *err = NULL;
    long long id, t;

    api_result_init(&res);
    id = unknown_row("27", store_now_ms()); /* settles in 1 s */
    t = store_now_ms();
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_SENT);
    assert_true(store_now_ms() - t >= 900);
    id = pending_row("28", store_now_ms());
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":429,\"retry_after\":30,"
               "\"times\":1}");
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_PENDING);
    t = store_now_ms();
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_NOT_DUE);
    assert_true(store_now_ms() - t < 5000);
    outbox_free(ob);
    api_result_done(&res);
}

/* Rule: a flush or retry waits at least the settle time and a second for a call settling,
 * whatever max_wait_ms says. */
static void outbox_when__max_wait_is_never_under_the_settle_time_and_a_second(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 450, .max_wait_ms = 1};
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    char *err = NULL;
    long long id, t;

    api_result_init(&res);
    id = unknown_row("40", store_now_ms()); /* settles in 1 s, within 1 s + 1 s */
    t = store_now_ms();
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_SENT);
    assert_true(store_now_ms() - t >= 900);
    outbox_free(ob);
    api_result_done(&res);
}

/* Rule: a call due later than max_wait_ms (here settle 1 s + 1 s) is not waited for, by one
 * millisecond already. The clock stands still: waiting would never end. */
static void outbox_when__a_call_due_past_max_wait_is_not_waited_for(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    char *err = NULL;
    long long id;

    oo.max_wait_ms = 1;
    ob = outbox_new(st, api, &oo);
    id = unknown_row("45", T0 + 1001); /* settled at T0 + 2001: 2001 ms from now */
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_NOT_DUE);
    assert_null(err);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    outbox_free(ob);
}

/* A clock that stands still until 1.5 s of real time have passed, then jumps 100 s on. */
static long long jump_start;
static long long jumping_hook(void)
{
    return store_now_ms() - jump_start < 1500 ? T0 : T0 + 100000;
}

/* Rule: a call due exactly max_wait_ms from now is still waited for (the bound is
 * inclusive); one millisecond more is not (outbox_when__a_call_due_past_max_wait_...). */
static void outbox_when__a_call_due_exactly_at_max_wait_is_waited_for(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 450, .max_wait_ms = 1,
                                .now_ms = jumping_hook};
    struct outbox *ob;
    char *err = NULL;
    long long id;

    fake_now = T0;
    id = unknown_row("54", T0 + 1000); /* settled at T0 + 2000: max_wait is 1 s + 1 s */
    jump_start = store_now_ms();
    ob = outbox_new(st, api, &oo);
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    assert_true(store_now_ms() - jump_start >= 1900);
    outbox_free(ob);
}

/* Rule: the background leaves a server be after an answer that may hide a stored call, until
 * that call is due; a foreground attempt's failure does not pause the background. */
static void outbox_when__the_background_pauses_after_unknown_but_not_after_a_foreground_failure(
    void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    struct call c;
    char *err = NULL;
    long long id, other = 0;

    oo.backoff_base_ms = 8000;
    ob = outbox_new(st, api, &oo);
    store_row_init(&r);
    make_call(&c, "43");
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":503,\"times\":1}");
    n_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_done, NULL, &other, &err));
    {
        long long deadline = store_now_ms() + 10000; /* no tick: only this attempt runs */
        while (n_done < 1 && store_now_ms() < deadline) {
            http_client_poll(api_http(api), NULL, 0, 50);
            http_client_perform(api_http(api));
        }
    }
    assert_int_equal(last_status, OUTBOX_UNKNOWN);
    assert_int_equal(outbox_ms_to_next_tick(ob), 0); /* a foreground outcome: look again now */
    outbox_free(ob);
    ob = outbox_new(st, api, &oo);
    id = pending_row("44", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":503,\"times\":1}");
    n_done = 0;
    outbox_set_listener(ob, on_done, NULL);
    /* the unknown call above settles later; this pending one is due now */
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 1);
    RUN_LOOP_UNTIL(ob, n_done == 1);
    assert_int_equal(last_status, OUTBOX_UNKNOWN);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_true(r.next_attempt_at >= T0 + 4000);
    assert_int_equal(outbox_ms_to_next_tick(ob), r.next_attempt_at - T0);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 0);
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
}

/* ---- the rate limit after a look-up, the idle recheck ---- */

/* Rule: a look-up that finds nothing needs a rate slot of its own for the POST; in the
 * background, without one, the call is pending (it is not on the server) until it frees. */
static void outbox_when__not_found_but_no_rate_slot_is_pending_until_one_frees(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    long long id;

    oo.rate_per_min = 1;
    store_row_init(&r);
    id = unknown_row("29", T0);
    fake_now = T0 + 2000;
    ob = outbox_new(st, api, &oo);
    n_done = 0;
    outbox_set_listener(ob, on_done, NULL);
    assert_int_equal(outbox_ms_to_next_tick(ob), 0);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 1);
    assert_int_equal(outbox_ms_to_next_tick(ob), -1); /* one background job at a time */
    RUN_LOOP_UNTIL(ob, n_done == 1);
    assert_int_equal(last_status, OUTBOX_PENDING);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_PENDING);
    assert_int_equal(r.next_attempt_at, T0 + 2000 + 60000);
    assert_string_equal(r.last_error, "not on the server; sent when the rate limit allows");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    assert_int_equal(outbox_ms_to_next_tick(ob), 60000);
    fake_now = T0 + 2000 + 60000;
    assert_int_equal(outbox_ms_to_next_tick(ob), 0);
    RUN_LOOP_UNTIL(ob, n_done == 2);
    assert_int_equal(last_status, OUTBOX_SENT);
    assert_int_equal(stored_calls(), 1);
    outbox_free(ob);
    store_row_done(&r);
}

/* Rule: a call the event loop retried that is not on the server but finds no rate slot for
 * its POST holds the background back until the slot frees, not for one more tick. */
static void outbox_when__a_retried_call_without_a_slot_holds_the_loop_until_one_frees(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    enum outbox_status why;
    char *err = NULL;
    long long id;

    oo.rate_per_min = 1;
    id = unknown_row("65", T0);
    fake_now = T0 + 2000;
    ob = outbox_new(st, api, &oo);
    n_done = 0;
    assert_int_equal(outbox_retry_async(ob, id, on_done, NULL, &why, &err), 1);
    {
        long long deadline = store_now_ms() + 10000; /* no tick: only this attempt runs */
        while (n_done < 1 && store_now_ms() < deadline) {
            http_client_poll(api_http(api), NULL, 0, 50);
            http_client_perform(api_http(api));
        }
    }
    assert_int_equal(last_status, OUTBOX_PENDING);
    assert_int_equal(outbox_ms_to_next_tick(ob), 60000);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    outbox_free(ob);
}

/* Rule: a call submitted over the machine's rate limit is kept pending and the answer says
 * in how many seconds (rounded up) it goes. */
static void outbox_when__a_submit_over_the_rate_limit_says_when_it_goes(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    struct call c;
    char *err = NULL;
    long long id = 0;

    oo.rate_per_min = 1;
    ob = outbox_new(st, api, &oo);
    store_row_init(&r);
    make_call(&c, "30");
    n_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_done, NULL, &id, &err));
    RUN_LOOP_UNTIL(ob, n_done == 1);
    assert_int_equal(last_status, OUTBOX_SENT);
    fake_now = T0 + 1;
    assert_true(outbox_submit_async(ob, &c, NULL, on_done, NULL, &id, &err));
    assert_int_equal(n_done, 2);
    assert_int_equal(last_status, OUTBOX_PENDING);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_PENDING);
    assert_int_equal(outbox_ms_to_next_tick(ob), 59999);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 0);
    fake_now = T0 + 60000;
    assert_int_equal(outbox_ms_to_next_tick(ob), 0);
    outbox_set_listener(ob, on_done, NULL); /* the background attempt reports here */
    RUN_LOOP_UNTIL(ob, n_done == 3);
    assert_int_equal(last_status, OUTBOX_SENT);
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
}

static char *rate_message;
static void on_rate(long long id, enum outbox_status s, struct api_result *res,
                    struct call_record *rec, void *ud)
{
    (void)id;
    (void)rec;
    (void)ud;
    if (s == OUTBOX_PENDING && res->outcome == HTTP_OUT_RATE_LIMITED && res->message) {
        free(rate_message);
        rate_message = xstrdup(res->message);
    }
    n_done++;
}

static void outbox_when__the_rate_limit_message_rounds_the_wait_up(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct call c;
    char *err = NULL;
    long long id = 0;

    oo.rate_per_min = 1;
    ob = outbox_new(st, api, &oo);
    make_call(&c, "31");
    n_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_rate, NULL, &id, &err));
    RUN_LOOP_UNTIL(ob, n_done == 1);
    fake_now = T0 + 59000; /* 1000 ms left: 1 s */
    assert_true(outbox_submit_async(ob, &c, NULL, on_rate, NULL, &id, &err));
    assert_non_null(rate_message);
    assert_string_equal(rate_message, "the rate limit of 1 requests a minute is reached; the "
                                      "call is kept and sent in 1 s");
    fake_now = T0 + 58999; /* 1001 ms left: 2 s */
    assert_true(outbox_submit_async(ob, &c, NULL, on_rate, NULL, &id, &err));
    assert_string_equal(rate_message, "the rate limit of 1 requests a minute is reached; the "
                                      "call is kept and sent in 2 s");
    free(rate_message);
    rate_message = NULL;
    outbox_free(ob);
    call_done(&c);
}

/* Rule: the machine-wide limit is 450 requests a minute (the API allows 500) when unset, and
 * a higher setting is cut to it: with 450 requests in the last minute a call waits. */
static void outbox_when__the_rate_limit_is_450_a_minute_unset_or_set_higher(void **state)
{
    static const int rates[] = {0, 451, 100000};
    long long wait = 0;
    char *err = NULL;

    for (int i = 0; i < 450; i++)
        assert_int_equal(store_rate_take(st, 450, STORE_RATE_WINDOW_MS, T0 - 1000, &wait, &err),
                         1);
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
        struct outbox_options oo = hooked();
        struct outbox *ob;
        struct call c;
        long long id = 0;

        oo.rate_per_min = rates[i];
        ob = outbox_new(st, api, &oo);
        make_call(&c, "62");
        n_done = 0;
        assert_true(outbox_submit_async(ob, &c, NULL, on_rate, NULL, &id, &err));
        assert_int_equal(n_done, 1);
        assert_non_null(rate_message);
        assert_string_equal(rate_message, "the rate limit of 450 requests a minute is reached; "
                                          "the call is kept and sent in 59 s");
        free(rate_message);
        rate_message = NULL;
        outbox_free(ob);
        call_done(&c);
    }
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
}

/* Plant n calls like make_call's but of another duration (listed by a look-up, never ours). */
static void plant_others(int n)
{
    struct buf b;
    json_object *planted;

    buf_init(&b, 1u << 20);
    buf_printf(&b, "[");
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 0199\","
                        "\"duration\":999,\"answered\":false,\"human\":false,\"task_id\":\"%s\","
                        "\"user_id\":\"%s\"}",
                   i ? "," : "", FAKE_TASK_ID_FIRST, FAKE_USER_ID);
    buf_printf(&b, "]");
    planted = fake_seed_calls(fk, b.data);
    assert_non_null(planted);
    assert_int_equal(json_object_array_length(planted), n);
    json_object_put(planted);
    buf_done(&b);
}

/* Rule: every page of a look-up past the first is a request of the machine-wide limit too:
 * a two-page look-up after its claim leaves the POST no slot at 2 a minute, one at 3. */
static void outbox_when__every_extra_page_of_a_lookup_counts_against_the_rate_limit(void **state)
{
    static const int rates[] = {2, 3};
    static const enum outbox_status want[] = {OUTBOX_PENDING, OUTBOX_SENT};

    plant_others(101); /* two pages of 100 */
    for (size_t i = 0; i < 2; i++) {
        struct outbox_options oo = hooked();
        struct outbox *ob;
        char *err = NULL;

        store_close(st);
        remove(db_path); /* a fresh rate log */
        st = store_open(db_path, &err);
        assert_non_null(st);
        unknown_row("63", T0);
        fake_now = T0 + 2000;
        oo.rate_per_min = rates[i];
        ob = outbox_new(st, api, &oo);
        n_done = 0;
        outbox_set_listener(ob, on_done, NULL);
        outbox_tick(ob);
        RUN_LOOP_UNTIL(ob, n_done == 1);
        if (last_status != want[i])
            fprintf(stderr, "# rate %d: %s\n", rates[i], outbox_status_name(last_status));
        assert_int_equal(last_status, want[i]);
        outbox_free(ob);
    }
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 4);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
}

/* Rule: an idle loop looks again in 30 s for rows other processes add, sooner when a row is
 * due sooner. */
static void outbox_when__an_idle_tick_rechecks_in_30_s_or_when_the_next_call_is_due(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    long long id;

    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 0);
    assert_int_equal(outbox_ms_to_next_tick(ob), 30000);
    fake_now = T0 + 29999;
    outbox_tick(ob); /* not yet: no claim */
    assert_int_equal(outbox_ms_to_next_tick(ob), 1);
    fake_now = T0 + 30000;
    id = unknown_row("32", T0 + 30000); /* due once settled: 1 s from now */
    (void)id;
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 0);
    assert_int_equal(outbox_ms_to_next_tick(ob), 1000);
    fake_now = T0 + 31000;
    pending_row("47", T0); /* two due: one background attempt at a time */
    n_done = 0;
    outbox_set_listener(ob, on_done, NULL);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 1);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 1);
    RUN_LOOP_UNTIL(ob, n_done == 2);
    assert_int_equal(last_status, OUTBOX_SENT);
    outbox_free(ob);
}

/* Rule: a blocking caller whose look-up found nothing waits for a rate slot for the POST
 * (a short wait here: the older slot frees 200 ms on) rather than leave the call pending. */
static void outbox_when__a_blocking_retry_waits_for_a_rate_slot_after_the_lookup(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 2};
    struct outbox *ob = outbox_new(st, api, &oo);
    long long now = store_now_ms(), wait = 0, id, t;
    char *err = NULL;

    assert_int_equal(store_rate_take(st, 2, STORE_RATE_WINDOW_MS, now - 59800, &wait, &err), 1);
    id = unknown_row("53", now - 5000);
    t = store_now_ms();
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    assert_true(store_now_ms() - t >= 100);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    outbox_free(ob);
}

static char *done_message;
static void on_done_message(long long id, enum outbox_status s, struct api_result *res,
                            struct call_record *rec, void *ud)
{
    (void)id;
    (void)rec;
    (void)ud;
    free(done_message);
    done_message = res && res->message ? xstrdup(res->message) : NULL;
    last_status = s;
    n_done++;
}

/* Rule: an outcome the holder can no longer record (its lease expired and the row was
 * reaped meanwhile) is said in the result, never silently dropped; the row stays unknown for
 * a look-up. */
static void outbox_when__an_outcome_the_lease_lost_is_reported_not_dropped(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    struct call c;
    char *err = NULL;
    long long id = 0;
    int reaped = 0;

    oo.lease_ms = 1;
    ob = outbox_new(st, api, &oo);
    store_row_init(&r);
    make_call(&c, "55");
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":503,\"delay_ms\":300,"
               "\"times\":1}");
    n_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_done_message, NULL, &id, &err));
    fake_now = T0 + 10;
    assert_true(store_reap_stale(st, fake_now, &reaped, &err));
    assert_int_equal(reaped, 1);
    RUN_LOOP_UNTIL(ob, n_done == 1);
    assert_int_equal(last_status, OUTBOX_UNKNOWN);
    assert_non_null(done_message);
    assert_non_null(strstr(done_message, "may or may not have been logged"));
    assert_non_null(strstr(done_message, "; cannot record the outcome: "));
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.last_status, 0); /* the reaper's word, not the lost outcome's */
    free(done_message);
    done_message = NULL;
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
}

/* Rule: a blocking submit over the machine's rate limit keeps the call, waits for its slot
 * and then sends it (the older slot frees 200 ms on here). */
static void outbox_when__a_blocking_submit_over_the_rate_limit_waits_for_its_slot(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 1};
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    struct call_record rec;
    struct store_row r;
    struct call c;
    long long now = store_now_ms(), wait = 0, id = 0, t;
    char *err = NULL;

    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&r);
    make_call(&c, "56");
    assert_int_equal(store_rate_take(st, 1, STORE_RATE_WINDOW_MS, now - 59800, &wait, &err), 1);
    t = store_now_ms();
    assert_int_equal(outbox_submit(ob, &c, NULL, &res, &rec, &id, &err), OUTBOX_SENT);
    assert_true(store_now_ms() - t >= 100);
    assert_true(id > 0);
    assert_non_null(rec.id);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_string_equal(r.remote_id, rec.id);
    assert_int_equal(stored_calls(), 1);
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
    call_record_done(&rec);
    api_result_done(&res);
}

/* Rule: a flush counts what it sent, found and saw rejected, and what is left for its own
 * base only: pending, leased, in review, damaged. */
static void outbox_when__a_flush_counts_its_outcomes_and_what_is_left_for_its_base(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct outbox_flush_stats fs;
    struct store_lease other;
    struct call c;
    char *err = NULL, *q;
    long long id, review, damaged;

    store_lease_init_self(&other, 600000);
    make_call(&c, "34");
    {
        struct store_new n = {.call = &c, .api_base = fake_base_url(fk)};
        struct store_new elsewhere = {.call = &c, .api_base = "http://127.0.0.1:9"};
        struct store_outcome o = {.state = STORE_REVIEW, .error = "x", .candidates = "[]"};
        bool is_new;
        assert_true(store_insert_sending(st, &n, &other, T0, &id, NULL, &err)); /* leased */
        assert_true(store_insert_sending(st, &n, &other, T0, &review, NULL, &err));
        assert_true(store_finish(st, review, &other, &o, T0, &err));
        assert_true(store_enqueue(st, &elsewhere, T0, &id, &is_new, &err)); /* not ours */
        assert_true(store_enqueue(st, &n, T0, &damaged, &is_new, &err));
    }
    {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
        q = xasprintf("UPDATE calls SET quarantine = 'test' WHERE id = %lld", damaged);
        assert_int_equal(sqlite3_exec(db, q, NULL, NULL, NULL), SQLITE_OK);
        free(q);
        sqlite3_close(db);
    }
    pending_row("35", T0);
    pending_row("36", T0);
    unknown_row("37", T0 - 5000); /* settled; not on the server: looked up, posted */
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":422,\"times\":1,"
               "\"body\":\"{\\\"_errors\\\":[{\\\"code\\\":\\\"unsupported_value\\\","
               "\\\"detail\\\":\\\"bad\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/task_id\\\"}}]}\"}");
    ob = outbox_new(st, api, &oo);
    assert_true(outbox_flush(ob, &fs, &err));
    assert_int_equal(fs.rejected, 1);
    assert_int_equal(fs.sent, 2);
    assert_int_equal(fs.found, 0);
    assert_int_equal(fs.pending, 0);
    assert_int_equal(fs.leased, 1);
    assert_int_equal(fs.review, 1);
    assert_int_equal(fs.damaged, 1);
    assert_false(fs.is_server_down);
    assert_false(fs.is_auth_failed);
    outbox_flush_stats_done(&fs);
    /* a server error stops the pass, says why and leaves the rest pending */
    pending_row("38", T0);
    pending_row("39", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":408,\"times\":5}");
    assert_true(outbox_flush(ob, &fs, &err));
    assert_true(fs.is_server_down);
    assert_false(fs.is_auth_failed);
    assert_non_null(fs.last_error);
    assert_int_equal(fs.pending, 2);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 4);
    outbox_flush_stats_done(&fs);
    outbox_flush_stats_done(NULL);
    outbox_free(ob);
    call_done(&c);
}

/* Rule: a call going to review during a flush does not stop it: the others still flow, the
 * review is counted, and no server trouble is reported. */
static void outbox_when__a_review_during_a_flush_lets_the_others_flow(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct outbox_flush_stats fs;
    struct store_row r;
    char *err = NULL, *seed, at[32];
    json_object *planted;
    long long id;

    store_row_init(&r);
    id = unknown_row("60", T0 - 5000);
    pending_row("61", T0);
    iso(T0, at);
    /* two server calls alike in every field, one local row: which is ours cannot be told */
    seed = xasprintf("[{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 0199\",\"duration\":60,"
                     "\"answered\":false,\"human\":false,\"task_id\":\"%s\",\"user_id\":\"%s\","
                     "\"start_date\":\"%s\"},{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 "
                     "0199\",\"duration\":60,\"answered\":false,\"human\":false,\"task_id\":\"%s\","
                     "\"user_id\":\"%s\",\"start_date\":\"%s\"}]",
                     FAKE_TASK_ID_FIRST, FAKE_USER_ID, at, FAKE_TASK_ID_FIRST, FAKE_USER_ID, at);
    planted = fake_seed_calls(fk, seed);
    assert_non_null(planted);
    json_object_put(planted);
    free(seed);
    ob = outbox_new(st, api, &oo);
    assert_true(outbox_flush(ob, &fs, &err));
    assert_int_equal(fs.review, 1);
    assert_int_equal(fs.sent, 1);
    assert_int_equal(fs.found, 0);
    assert_int_equal(fs.pending, 0);
    assert_false(fs.is_server_down);
    assert_null(fs.last_error);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REVIEW);
    outbox_flush_stats_done(&fs);
    outbox_free(ob);
    store_row_done(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(outbox_when__retry_sends_a_due_call_and_says_busy_not_due_or_error),
        T(outbox_when__blocking_retry_waits_only_for_a_call_due_within_max_wait),
        T(outbox_when__max_wait_is_never_under_the_settle_time_and_a_second),
        T(outbox_when__a_call_due_past_max_wait_is_not_waited_for),
        T(outbox_when__a_call_due_exactly_at_max_wait_is_waited_for),
        T(outbox_when__the_background_pauses_after_unknown_but_not_after_a_foreground_failure),
        T(outbox_when__not_found_but_no_rate_slot_is_pending_until_one_frees),
        T(outbox_when__a_retried_call_without_a_slot_holds_the_loop_until_one_frees),
        T(outbox_when__a_submit_over_the_rate_limit_says_when_it_goes),
        T(outbox_when__the_rate_limit_message_rounds_the_wait_up),
        T(outbox_when__the_rate_limit_is_450_a_minute_unset_or_set_higher),
        T(outbox_when__every_extra_page_of_a_lookup_counts_against_the_rate_limit),
        T(outbox_when__an_idle_tick_rechecks_in_30_s_or_when_the_next_call_is_due),
        T(outbox_when__a_blocking_retry_waits_for_a_rate_slot_after_the_lookup),
        T(outbox_when__an_outcome_the_lease_lost_is_reported_not_dropped),
        T(outbox_when__a_blocking_submit_over_the_rate_limit_waits_for_its_slot),
        T(outbox_when__a_flush_counts_its_outcomes_and_what_is_left_for_its_base),
        T(outbox_when__a_review_during_a_flush_lets_the_others_flow),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}