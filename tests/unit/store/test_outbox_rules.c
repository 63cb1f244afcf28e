/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outbox engine's rules on what an attempt decides, each test named after the one it
 * protects: the options and their floors, the lease's length, the look-up window (its margin
 * before and after the server's clock is measured, kept by the client whatever the server
 * lists), the backoff's jitter seeded from the lease token, the settle time, Retry-After,
 * and what a found call keeps. Against the fake API on 127.0.0.1 with a real store file;
 * when a call goes (retry, waits, rate limit, tick, flush) is test_outbox_when.c. */
#undef _XOPEN_SOURCE /* the build sets 600 */
#define _XOPEN_SOURCE 700 /* nftw, setenv */
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
#include "core/util.h"

#include "outbox_fixture.h"

/* ---- pure ---- */

static void outbox_rules__every_status_has_its_name_and_others_are_unnamed(void **state)
{
    assert_string_equal(outbox_status_name(OUTBOX_SENT), "sent");
    assert_string_equal(outbox_status_name(OUTBOX_REJECTED), "rejected");
    assert_string_equal(outbox_status_name(OUTBOX_PENDING), "pending");
    assert_string_equal(outbox_status_name(OUTBOX_UNKNOWN), "unknown");
    assert_string_equal(outbox_status_name(OUTBOX_BUSY), "busy");
    assert_string_equal(outbox_status_name(OUTBOX_NOT_DUE), "not due");
    assert_string_equal(outbox_status_name(OUTBOX_ERROR), "error");
    assert_string_equal(outbox_status_name(OUTBOX_REVIEW), "review");
    assert_string_equal(outbox_status_name((enum outbox_status)-1), "?");
    assert_string_equal(outbox_status_name((enum outbox_status)(OUTBOX_REVIEW + 1)), "?");
}

static void outbox_rules__env_options_are_taken_only_within_their_range(void **state)
{
    static const struct {
        const char *rate, *settle;
        int want_rate;
        long long want_settle;
    } rows[] = {
        {"0", "0", 7, 9},           {"1", "1", 1, 1},
        {"450", "3600000", 450, 3600000}, {"451", "3600001", 7, 9},
        {"x", "-1", 7, 9},          {"", "", 7, 9},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct outbox_options o = {.rate_per_min = 7, .settle_ms = 9};
        setenv("AMPLECALL_OUTBOX_RATE", rows[i].rate, 1);
        setenv("AMPLECALL_OUTBOX_SETTLE_MS", rows[i].settle, 1);
        outbox_options_from_env(&o);
        if (o.rate_per_min != rows[i].want_rate || o.settle_ms != rows[i].want_settle)
            fprintf(stderr, "# row %zu: rate %d settle %lld\n", i, o.rate_per_min, o.settle_ms);
        assert_int_equal(o.rate_per_min, rows[i].want_rate);
        assert_int_equal(o.settle_ms, rows[i].want_settle);
    }
    unsetenv("AMPLECALL_OUTBOX_RATE");
    unsetenv("AMPLECALL_OUTBOX_SETTLE_MS");
    {
        struct outbox_options o = {.rate_per_min = 7, .settle_ms = 9};
        outbox_options_from_env(&o);
        assert_int_equal(o.rate_per_min, 7);
        assert_int_equal(o.settle_ms, 9);
    }
}

/* Rule (doc/outbox.md): an unknown call settles two request timeouts by default and never
 * less than one; the base is kept in normal form. */
static void outbox_rules__settle_is_two_timeouts_by_default_and_never_under_one(void **state)
{
    static const struct {
        long long settle, want;
    } rows[] = {{0, 2000}, {-5, 2000}, {1, 1000}, {999, 1000}, {1000, 1000}, {1001, 1001},
                {5000, 5000}};
    char *base;

    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct outbox_options o = {.settle_ms = rows[i].settle};
        struct outbox *ob = outbox_new(st, api, &o);
        assert_int_equal(outbox_settle_ms(ob), rows[i].want);
        outbox_free(ob);
    }
    {
        /* no API: the default timeout of 30 s */
        struct outbox *ob = outbox_new(st, NULL, NULL);
        struct call c;
        struct store_new n = {.call = &c, .api_base = ""};
        long long id;
        bool is_new;
        char *err = NULL;

        make_call(&c, "19");
        assert_true(store_enqueue(st, &n, T0, &id, &is_new, &err)); /* due, for its base */
        call_done(&c);
        assert_int_equal(outbox_settle_ms(ob), 60000);
        assert_string_equal(outbox_base(ob), "");
        assert_int_equal(outbox_ms_to_next_tick(ob), -1);
        outbox_tick(ob); /* nothing to drive */
        assert_int_equal(outbox_in_flight(ob), 0);
        outbox_free(ob);
    }
    {
        struct api *slashed;
        struct outbox *ob;
        base = xasprintf("%s/", fake_base_url(fk));
        slashed = make_api(base);
        ob = outbox_new(st, slashed, NULL);
        assert_string_equal(outbox_base(ob), fake_base_url(fk));
        outbox_free(ob);
        api_free(slashed);
        free(base);
    }
    outbox_free(NULL);
}

/* ---- leases and the look-up window ---- */

static void outbox_rules__an_attempt_is_leased_for_lease_ms_default_ten_minutes(void **state)
{
    static const long long lease[] = {0, -1, 1, 90000};
    static const long long want[] = {600000, 600000, 1, 90000};

    for (size_t i = 0; i < 4; i++) {
        struct outbox_options oo = hooked();
        struct outbox *ob;
        struct store_row r;
        struct call c;
        char *err = NULL;
        long long id = 0;

        oo.lease_ms = lease[i];
        ob = outbox_new(st, api, &oo);
        store_row_init(&r);
        make_call(&c, "20");
        set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"delay_ms\":3000,\"times\":1}");
        assert_true(outbox_submit_async(ob, &c, NULL, NULL, NULL, &id, &err));
        get_row(id, &r);
        assert_int_equal(r.state, STORE_SENDING);
        assert_int_equal(r.lease_until, T0 + want[i]);
        /* freed during the attempt: unknown, due now, to be looked up */
        fake_now = T0 + 5;
        outbox_free(ob);
        get_row(id, &r);
        assert_int_equal(r.state, STORE_UNKNOWN);
        assert_int_equal(r.next_attempt_at, T0 + 5);
        assert_non_null(strstr(r.last_error, "the program ended during an attempt"));
        store_row_done(&r);
        call_done(&c);
        fake_now = T0;
        assert_true(fake_reset(fk));
    }
}

/* Rule: while the server's clock is unmeasured the look-up reaches lookup_margin_ms (10 min
 * by default, 1 ms honoured) before the first attempt less the call's duration. */
static void outbox_rules__an_unmeasured_clock_widens_the_lookup_by_lookup_margin_ms(void **state)
{
    static const long long margin[] = {0, -3, 1, 45000};
    static const long long want_from[] = {T0 - 10000 - 600000, T0 - 10000 - 600000,
                                          T0 - 10000 - 1000, T0 - 10000 - 45000};

    for (size_t i = 0; i < 4; i++) {
        struct outbox_options oo = hooked();
        struct outbox *ob;
        struct api_result res;
        struct call_record rec;
        char *err = NULL, *from;
        char want[32];
        long long id;

        store_close(st);
        remove(db_path); /* no measured clock */
        st = store_open(db_path, &err);
        assert_non_null(st);
        oo.lookup_margin_ms = margin[i];
        fake_now = T0;
        id = unknown_row("10", T0);
        fake_now = T0 + 2000; /* settled */
        ob = outbox_new(st, api, &oo);
        api_result_init(&res);
        call_record_init(&rec);
        assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
        from = last_lookup_from();
        iso(want_from[i], want);
        if (!from || strcmp(from, want))
            fprintf(stderr, "# margin %lld: from %s, want %s\n", margin[i], from, want);
        assert_non_null(from);
        assert_string_equal(from, want);
        free(from);
        /* the look-up asks for this user's calls to this number */
        from = last_lookup_param("user_id");
        assert_non_null(from);
        assert_string_equal(from, FAKE_USER_ID);
        free(from);
        from = last_lookup_param("to");
        assert_non_null(from);
        assert_string_equal(from, "+1 212 555 0199");
        free(from);
        outbox_free(ob);
        call_record_done(&rec);
        api_result_done(&res);
    }
}

/* Rule: the window reaches back by the call's duration, read up to 2^40 s; a duration past
 * that is no duration (0) rather than a window reaching back before any calendar. */
static void outbox_rules__the_window_reaches_back_by_a_duration_of_at_most_2_40_s(void **state)
{
    static const char *const dur[] = {"1099511627777", "1099511627776"};
    static const long long back[] = {0, 1099511627776LL * 1000};

    for (size_t i = 0; i < 2; i++) {
        struct outbox_options oo = hooked();
        struct outbox *ob;
        char *err = NULL, *from;
        char want[32];
        long long id;

        oo.lookup_margin_ms = 1;
        id = unknown_row(dur[i], T0);
        fake_now = T0 + 2000;
        ob = outbox_new(st, api, &oo);
        outbox_retry(ob, id, NULL, NULL, &err); /* the outcome does not matter here */
        free(err);
        from = last_lookup_from();
        iso(T0 - back[i] - 1, want);
        assert_non_null(from);
        assert_string_equal(from, want);
        free(from);
        outbox_free(ob);
        store_close(st);
        remove(db_path); /* no measured clock for the next */
        st = store_open(db_path, &err);
        assert_non_null(st);
    }
}

/* Rule: once the Date header measured the server's clock, the window's margin is 2 min and
 * 1 s (the header's whole seconds) around the skew, whatever lookup_margin_ms says. */
static void outbox_rules__a_measured_clock_narrows_the_lookup_to_two_minutes(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct api_result res;
    struct call_record rec;
    char *err = NULL, *from;
    char want_a[32], want_b[32];
    long long skew = 0, id;

    oo.lookup_margin_ms = 3600000;
    api_result_init(&res);
    call_record_init(&rec);
    /* the skew is the real server clock against the hook's: far in the past, so the window
     * is computed on it; measure it first with any request */
    ob = outbox_new(st, api, &oo);
    id = pending_row("11", T0);
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    assert_int_equal(store_clock_skew(st, fake_base_url(fk), &skew, &err), 1);
    id = unknown_row("10", T0);
    fake_now = T0 + 2000;
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    from = last_lookup_from();
    assert_non_null(from);
    /* the skew was measured again by the look-up's own answer: within a second of before */
    iso(T0 + skew - 10000 - 121000, want_a);
    iso(T0 + skew - 10000 - 121000 - 1000, want_b);
    if (strcmp(from, want_a) && strcmp(from, want_b))
        fail_msg("from %s, want %s or %s", from, want_a, want_b);
    free(from);
    outbox_free(ob);
    call_record_done(&rec);
    api_result_done(&res);
}

/* Rule: a server call stamped after the last moment this call can carry (now, skew and
 * margin) is another call; one inside the window is this one. */
static void outbox_rules__a_twin_stamped_after_the_window_is_another_call(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct api_result res;
    struct call_record rec;
    struct store_row r;
    char *err = NULL, *seed;
    char late[32], inside[32];
    long long now = store_now_ms() / 1000 * 1000, id;
    json_object *planted;

    fake_now = now;
    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&r);
    ob = outbox_new(st, api, &oo);
    /* measure the clock (skew within a second of 0: the hook is the real time here) */
    id = pending_row("13", now);
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    id = unknown_row("12", now - 5000);
    iso(now + 126000, late);
    seed = xasprintf("{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 0199\",\"duration\":12,"
                     "\"answered\":false,\"human\":false,\"task_id\":\"%s\",\"user_id\":\"%s\","
                     "\"start_date\":\"%s\"}",
                     FAKE_TASK_ID_FIRST, FAKE_USER_ID, late);
    planted = fake_seed_calls(fk, seed);
    assert_non_null(planted);
    json_object_put(planted);
    free(seed);
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "response"); /* posted: the twin was not this call */
    assert_int_equal(stored_calls(), 3);
    /* the same twin inside the window is found, not posted again */
    id = unknown_row("14", now - 5000);
    iso(now + 110000, inside);
    seed = xasprintf("{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 0199\",\"duration\":14,"
                     "\"answered\":false,\"human\":false,\"task_id\":\"%s\",\"user_id\":\"%s\","
                     "\"start_date\":\"%s\"}",
                     FAKE_TASK_ID_FIRST, FAKE_USER_ID, inside);
    planted = fake_seed_calls(fk, seed);
    assert_non_null(planted);
    free(seed);
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "lookup");
    assert_int_equal(stored_calls(), 4);
    /* kept as the server listed it: a call planted with no contact has none */
    {
        json_object *kept = json_tokener_parse(r.response), *v = NULL, *pv = NULL;
        json_object *p0 = json_object_array_get_idx(planted, 0);
        bool has_contact = json_object_object_get_ex(p0, "contact", &pv) &&
                           json_object_get_type(pv) == json_type_object;
        assert_non_null(kept);
        assert_int_equal(json_object_object_get_ex(kept, "contact", &v), has_contact);
        assert_true(json_object_object_get_ex(kept, "duration", &v));
        assert_int_equal(json_object_get_int64(v), 14);
        assert_string_equal(json_object_get_string(json_object_object_get(kept, "id")),
                            json_object_get_string(json_object_object_get(p0, "id")));
        json_object_put(kept);
        json_object_put(planted);
    }
    outbox_free(ob);
    store_row_done(&r);
    call_record_done(&rec);
    api_result_done(&res);
}

/* ---- the backoff's jitter ---- */

static unsigned xorshift(unsigned long long *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return (unsigned)(*x >> 11);
}

static char *lease_token_of(long long id)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    char *tok = NULL;

    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT lease_token FROM calls WHERE id = ?", -1, &q,
                                        NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(q, 1, id);
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        tok = xstrdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return tok;
}

/* Rule: processes that failed together spread out: the jitter comes from a generator seeded
 * with the low half of the lease token (made odd, never the stuck state 0), one draw per
 * delay, in order. */
static void outbox_rules__backoff_jitter_is_drawn_from_the_lease_token(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    struct call c;
    char *err = NULL, *tok;
    unsigned long long x;
    long long id = 0, d;
    unsigned rnd;

    oo.backoff_base_ms = 4000;
    oo.backoff_max_ms = 6000;
    store_row_init(&r);
    make_call(&c, "21");
    /* a token whose low half is even, so "made odd" is seen at work: an attempt is started
     * and dropped before any request goes out until one has such a token */
    for (int tries = 0;; tries++) {
        assert_true(tries < 200);
        set_faults("[{\"path\":\"/calls\",\"method\":\"POST\",\"status\":503,"
                   "\"delay_ms\":300,\"times\":1},"
                   "{\"path\":\"/calls\",\"method\":\"POST\",\"status\":408,\"times\":1}]");
        ob = outbox_new(st, api, &oo);
        n_done = 0;
        assert_true(outbox_submit_async(ob, &c, NULL, on_done, NULL, &id, &err));
        tok = lease_token_of(id);
        assert_non_null(tok);
        assert_int_equal(strlen(tok), 32);
        x = strtoull(tok + 16, NULL, 16);
        if ((x & 1) == 0)
            break;
        free(tok);
        outbox_free(ob);
        assert_true(store_drop(st, id, fake_now, &err) == 1);
    }
    x |= 1;
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    RUN_LOOP_UNTIL(ob, n_done == 1);
    assert_int_equal(last_status, OUTBOX_UNKNOWN);
    get_row(id, &r);
    rnd = xorshift(&x);
    d = 2000 + (long long)(rnd % 2001ULL); /* attempt 1: 4 s, half to whole */
    assert_int_equal(r.next_attempt_at, T0 + d); /* over the 1 s settle */
    assert_non_null(strstr(r.last_error, "may or may not have been logged"));
    /* the next delay is the next draw: a 408 on attempt 2 (after the look-up) is pending */
    fake_now = T0 + d;
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_PENDING);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_PENDING);
    rnd = xorshift(&x);
    d = 3000 + (long long)(rnd % 3001ULL); /* attempt 2: 8 s, capped at 6 s */
    assert_int_equal(r.next_attempt_at, fake_now + d);
    free(tok);
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
}

/* Rule: an answer that may hide a stored call is looked up no sooner than the settle time,
 * however short the backoff. */
static void outbox_rules__an_unknown_call_waits_at_least_the_settle_time(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    char *err = NULL;
    long long id;

    oo.settle_ms = 5000;
    oo.backoff_base_ms = 2000; /* at most 2 s */
    ob = outbox_new(st, api, &oo);
    store_row_init(&r);
    id = pending_row("46", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":502,\"times\":1}");
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_UNKNOWN);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.next_attempt_at, T0 + 5000);
    assert_int_equal(r.last_status, 502);
    outbox_free(ob);
    store_row_done(&r);
}

/* Rule: a look-up that fails (here a 500) settles nothing: the call stays unknown and is
 * looked up again after the backoff, never at once. */
static void outbox_rules__a_failed_lookup_is_retried_after_the_backoff(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct store_row r;
    char *err = NULL;
    long long id;

    store_row_init(&r);
    id = unknown_row("64", T0);
    fake_now = T0 + 2000;
    set_faults("{\"path\":\"/calls\",\"method\":\"GET\",\"status\":500,\"times\":1}");
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_UNKNOWN);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.last_status, 500);
    /* attempt 2 of a 2 s base: 4 s, half to whole */
    assert_true(r.next_attempt_at >= T0 + 2000 + 2000);
    assert_true(r.next_attempt_at <= T0 + 2000 + 4000);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    outbox_free(ob);
    store_row_done(&r);
}

/* Rule: a 429 answers when to come back: the call waits exactly its Retry-After, for a POST
 * (pending) and for a look-up (still unknown). */
static void outbox_rules__a_rate_limited_request_waits_exactly_its_retry_after(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    struct store_row r;
    char *err = NULL;
    long long id;

    api_result_init(&res);
    store_row_init(&r);
    id = pending_row("22", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":429,\"retry_after\":7,"
               "\"times\":1}");
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_PENDING);
    get_row(id, &r);
    assert_int_equal(r.next_attempt_at, T0 + 7000);
    assert_int_equal(r.last_status, 429);
    id = unknown_row("23", T0);
    fake_now = T0 + 2000;
    set_faults("{\"path\":\"/calls\",\"method\":\"GET\",\"status\":429,\"retry_after\":9,"
               "\"times\":1}");
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_UNKNOWN);
    assert_true(res.is_unknown);
    assert_non_null(strstr(res.message, "cannot tell whether an earlier attempt arrived"));
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.next_attempt_at, T0 + 2000 + 9000);
    assert_int_equal(r.last_status, 429);
    assert_non_null(strstr(r.last_error, "checked again later"));
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    outbox_free(ob);
    store_row_done(&r);
    api_result_done(&res);
}

/* Rule: a rejected call keeps the API's reason and, when the answer lists errors, those
 * errors; an answer without an error list keeps none. */
static void outbox_rules__a_rejected_call_keeps_the_reason_and_the_errors_listed(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    struct store_row r;
    char *err = NULL;
    long long id;

    api_result_init(&res);
    store_row_init(&r);
    id = pending_row("57", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":422,\"times\":1,"
               "\"body\":\"{\\\"_errors\\\":[{\\\"code\\\":\\\"unsupported_value\\\","
               "\\\"detail\\\":\\\"no such disposition\\\",\\\"source\\\":{\\\"pointer\\\":"
               "\\\"/disposition_id\\\"}}]}\"}");
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_REJECTED);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REJECTED);
    assert_int_equal(r.last_status, 422);
    assert_non_null(r.last_error);
    assert_string_equal(r.last_error, res.message);
    assert_non_null(strstr(r.errors_json, "/disposition_id"));
    assert_int_equal(r.next_attempt_at, 0);
    assert_int_equal(r.done_at, T0);
    id = pending_row("58", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":400,\"times\":1,"
               "\"body\":\"not json\"}");
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_REJECTED);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REJECTED);
    assert_non_null(r.last_error);
    assert_null(r.errors_json);
    outbox_free(ob);
    store_row_done(&r);
    api_result_done(&res);
}

/* Rule: a caller may ask for nothing back: no id, no result, no record. */
static void outbox_rules__a_submit_needs_no_id_result_or_record(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct call c;
    char *err = NULL;

    make_call(&c, "59");
    assert_int_equal(outbox_submit(ob, &c, NULL, NULL, NULL, NULL, &err), OUTBOX_SENT);
    n_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_done, NULL, NULL, &err));
    RUN_LOOP_UNTIL(ob, n_done == 1);
    assert_int_equal(last_status, OUTBOX_SENT);
    assert_int_equal(stored_calls(), 2);
    outbox_free(ob);
    call_done(&c);
}

/* Rule: only an answer with a Date header measures the server's clock; a dropped one leaves
 * the look-up on the wide margin. */
static void outbox_rules__no_answer_measures_no_clock(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    long long skew = 5, id;
    char *err = NULL;

    id = pending_row("41", T0);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"drop\":true,\"times\":1}");
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_UNKNOWN);
    assert_int_equal(store_clock_skew(st, fake_base_url(fk), &skew, &err), 0);
    assert_int_equal(skew, 5);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":408,\"times\":1}");
    id = pending_row("42", T0);
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_PENDING);
    assert_int_equal(store_clock_skew(st, fake_base_url(fk), &skew, &err), 1);
    outbox_free(ob);
}

/* ---- what a found call keeps, and the flush ---- */

static const char *member_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* Rule: a call found by a look-up keeps the server's call as its response, field by field. */
static void outbox_rules__a_found_call_keeps_the_servers_call_as_json(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_row r;
    struct call c;
    char *err = NULL;
    long long id = 0;
    json_object *calls, *srv, *mine;
    static const char *const keys[] = {"id", "from", "to", "start_date", "task_id", "user_id",
                                       "duration", "answered", "human", "disposition_id",
                                       "transcription", "recording_url", "notes", "external"};

    fake_now = store_now_ms(); /* the server stamps the call on its (real) clock */
    ob = outbox_new(st, api, &oo);
    store_row_init(&r);
    make_call(&c, "33");
    call_set(&c, FIELD_DISPOSITION, FAKE_DISPO_NEXT_ID);
    call_set(&c, FIELD_TRANSCRIPTION, "Left a message");
    call_set(&c, FIELD_RECORDING_URL, "https://rec.example/33.mp3");
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"accept_then_drop\":true,\"times\":1}");
    assert_int_equal(outbox_submit(ob, &c, NULL, NULL, NULL, &id, &err), OUTBOX_UNKNOWN);
    fake_now += 2000;
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "lookup");
    calls = fake_stored_calls(fk);
    assert_int_equal(json_object_array_length(calls), 1);
    srv = json_object_array_get_idx(calls, 0);
    mine = json_tokener_parse(r.response);
    assert_non_null(mine);
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *a = member_str(srv, keys[i]), *b = member_str(mine, keys[i]);
        if ((a || b) && (!a || !b || strcmp(a, b)))
            fail_msg("%s: server %s, kept %s", keys[i], a ? a : "-", b ? b : "-");
        if (i < 12 && !a)
            fail_msg("%s: the server did not list it", keys[i]);
    }
    {
        json_object *sc = NULL, *mc = NULL;
        if (json_object_object_get_ex(srv, "contact", &sc) && sc &&
            json_object_get_type(sc) == json_type_object) {
            assert_true(json_object_object_get_ex(mine, "contact", &mc));
            assert_string_equal(member_str(sc, "id"), member_str(mc, "id"));
            if (member_str(sc, "name"))
                assert_string_equal(member_str(sc, "name"), member_str(mc, "name"));
            if (member_str(sc, "email"))
                assert_string_equal(member_str(sc, "email"), member_str(mc, "email"));
        }
    }
    json_object_put(mine);
    json_object_put(calls);
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
}

/* Rule: while a call alike is being sent, a look-up concludes nothing: the call stays
 * unknown and is looked up again one settle time later, nothing posted. */
static void outbox_rules__a_call_alike_in_flight_defers_the_lookup_by_the_settle_time(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct store_lease other;
    struct api_result res;
    struct store_row r;
    struct call c;
    struct store_new n = {.call = &c, .api_base = NULL};
    char *err = NULL;
    long long id, busy;

    store_row_init(&r);
    api_result_init(&res);
    id = unknown_row("48", T0);
    store_lease_init_self(&other, 600000);
    make_call(&c, "48");
    n.api_base = fake_base_url(fk);
    assert_true(store_insert_sending(st, &n, &other, T0, &busy, NULL, &err));
    call_done(&c);
    fake_now = T0 + 2000;
    ob = outbox_new(st, api, &oo);
    assert_int_equal(outbox_retry(ob, id, &res, NULL, &err), OUTBOX_UNKNOWN);
    assert_true(res.is_unknown);
    assert_non_null(strstr(res.message, "being sent right now"));
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.next_attempt_at, T0 + 2000 + 1000);
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 1);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    outbox_free(ob);
    api_result_done(&res);
    store_row_done(&r);
}

/* Rule: a call found by a look-up is reported as a 200 with the server's call as the body
 * and no call record of a POST. */
static void outbox_rules__a_found_call_is_reported_as_200_with_the_servers_call(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob;
    struct api_result res;
    struct call_record rec;
    struct call c;
    char *err = NULL;
    long long id = 0;
    json_object *calls, *got, *v = NULL;

    fake_now = store_now_ms();
    api_result_init(&res);
    call_record_init(&rec);
    ob = outbox_new(st, api, &oo);
    make_call(&c, "49");
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"accept_then_drop\":true,\"times\":1}");
    assert_int_equal(outbox_submit(ob, &c, NULL, &res, &rec, &id, &err), OUTBOX_UNKNOWN);
    assert_null(rec.id);
    fake_now += 2000;
    assert_int_equal(outbox_retry(ob, id, &res, &rec, &err), OUTBOX_SENT);
    assert_int_equal(res.status, 200);
    assert_null(res.message);
    assert_false(res.is_unknown);
    assert_null(rec.id);
    assert_non_null(res.body);
    assert_int_equal(res.body_len, strlen(res.body));
    got = json_tokener_parse(res.body);
    assert_non_null(got);
    calls = fake_stored_calls(fk);
    json_object_object_get_ex(json_object_array_get_idx(calls, 0), "id", &v);
    assert_string_equal(member_str(got, "id"), json_object_get_string(v));
    json_object_put(got);
    json_object_put(calls);
    outbox_free(ob);
    call_done(&c);
    call_record_done(&rec);
    api_result_done(&res);
}

static void fake_list(const char *calls);

/* A look-up answered by a list of our own making (a "body" fault on GET /calls): one call
 * twin to make_call(duration), stamped at start_date (NULL: no stamp), with extra members. */
static void fake_listing(const char *duration, const char *start_date, const char *extra)
{
    char *call = xasprintf("{\"id\":\"0199f0a2-aaaa-7bbb-8ccc-00000000%s%s\",\"from\":\"+1 415 555 "
                           "0100\",\"to\":\"+1 212 555 0199\",\"duration\":%s,\"answered\":false,"
                           "\"human\":false,\"task_id\":\"%s\",\"user_id\":\"%s\"%s%s%s%s%s}",
                           duration, "00", duration, FAKE_TASK_ID_FIRST, FAKE_USER_ID,
                           start_date ? ",\"start_date\":\"" : "", start_date ? start_date : "",
                           start_date ? "\"" : "", extra ? "," : "", extra ? extra : "");

    fake_list(call);
    free(call);
}

/* A look-up answered by a list holding the calls given (a JSON array's members). */
static void fake_list(const char *calls)
{
    char *body = xasprintf("{\"calls\":[%s],\"_links\":{\"self\":\"/calls\"}}", calls);
    json_object *f = json_object_new_object();

    json_object_object_add(f, "path", json_object_new_string("/calls"));
    json_object_object_add(f, "method", json_object_new_string("GET"));
    json_object_object_add(f, "times", json_object_new_int(1));
    json_object_object_add(f, "body", json_object_new_string(body));
    json_object_object_add(f, "content_type", json_object_new_string("application/json"));
    set_faults(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
    json_object_put(f);
    free(body);
}

/* Rule: the client keeps to the window itself, whatever the server lists: a twin stamped
 * before the first moment this call can carry is another call. */
static void outbox_rules__a_twin_listed_from_before_the_window_is_another_call(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct store_row r;
    char *err = NULL;
    char early[32];
    long long id;

    store_row_init(&r);
    id = unknown_row("50", T0);
    fake_now = T0 + 2000;
    /* the window opens 50 s (the duration) and 2 min 1 s (the margin) before T0 */
    iso(T0 - 50000 - 125000, early);
    fake_listing("50", early, NULL);
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "response");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    /* inside it, the same twin is this call */
    id = unknown_row("51", T0);
    iso(T0 - 51000 - 115000, early);
    fake_listing("51", early, NULL);
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "lookup");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    {
        /* not reported: not kept */
        json_object *kept = json_tokener_parse(r.response), *v = NULL;
        assert_non_null(kept);
        assert_false(json_object_object_get_ex(kept, "external", &v));
        assert_false(json_object_object_get_ex(kept, "contact", &v));
        json_object_put(kept);
    }
    /* a twin stamped at the epoch is a time too, long before the window */
    id = unknown_row("52", T0);
    fake_listing("52", "1970-01-01T00:00:00Z", "\"external\":false");
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "response");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    /* a reported "external": false is kept as false */
    id = unknown_row("53", T0);
    iso(T0, early);
    fake_listing("53", early, "\"external\":false");
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "lookup");
    {
        json_object *kept = json_tokener_parse(r.response), *v = NULL;
        assert_non_null(kept);
        assert_true(json_object_object_get_ex(kept, "external", &v));
        assert_false(json_object_get_boolean(v));
        json_object_put(kept);
    }
    outbox_free(ob);
    store_row_done(&r);
}

/* Rule: a twin the server lists with no readable time can be this call (no window rules it
 * out); its contact is kept with the members it has. */
static void outbox_rules__a_twin_without_a_time_is_this_call_and_keeps_its_contact(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct store_row r;
    json_object *kept, *contact = NULL, *v = NULL;
    char *err = NULL;
    long long id;

    store_row_init(&r);
    id = unknown_row("52", T0);
    fake_now = T0 + 2000;
    fake_listing("52", NULL, "\"contact\":{\"name\":\"Ann\"},\"external\":true");
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_SENT);
    get_row(id, &r);
    assert_string_equal(r.resolved_by, "lookup");
    kept = json_tokener_parse(r.response);
    assert_non_null(kept);
    assert_true(json_object_object_get_ex(kept, "contact", &contact));
    assert_string_equal(member_str(contact, "name"), "Ann");
    assert_false(json_object_object_get_ex(contact, "id", &v));
    assert_false(json_object_object_get_ex(contact, "email", &v));
    assert_true(json_object_object_get_ex(kept, "external", &v));
    assert_true(json_object_get_boolean(v));
    assert_false(json_object_object_get_ex(kept, "start_date", &v));
    json_object_put(kept);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    outbox_free(ob);
    store_row_done(&r);
}

/* Rule: a call the server lists without some of the fields this one has (no duration, no
 * answered) may be this call: it cannot be told apart, so it goes to review with the server's
 * calls as candidates, and is never sent again on a hope. */
static void outbox_rules__a_twin_listed_without_some_fields_goes_to_review_unsent(void **state)
{
    struct outbox_options oo = hooked();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct store_row r;
    char *err = NULL, at[32], *calls;
    long long id;

    store_row_init(&r);
    id = unknown_row("54", T0);
    fake_now = T0 + 2000;
    iso(T0, at);
    calls = xasprintf("{\"id\":\"0199f0a2-aaaa-7bbb-8ccc-000000005401\",\"from\":\"+1 415 555 "
                      "0100\",\"to\":\"+1 212 555 0199\",\"human\":false,\"task_id\":\"%s\","
                      "\"user_id\":\"%s\",\"start_date\":\"%s\"},"
                      "{\"id\":\"0199f0a2-aaaa-7bbb-8ccc-000000005402\",\"from\":\"+1 415 555 "
                      "0100\",\"duration\":54,\"answered\":false,\"human\":false,"
                      "\"task_id\":\"%s\",\"user_id\":\"%s\",\"start_date\":\"%s\"}",
                      FAKE_TASK_ID_FIRST, FAKE_USER_ID, at, FAKE_TASK_ID_FIRST, FAKE_USER_ID, at);
    fake_list(calls);
    free(calls);
    assert_int_equal(outbox_retry(ob, id, NULL, NULL, &err), OUTBOX_REVIEW);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REVIEW);
    assert_null(r.remote_id);
    assert_non_null(r.candidates);
    assert_non_null(strstr(r.candidates, "000000005401"));
    assert_non_null(strstr(r.candidates, "000000005402"));
    assert_non_null(strstr(r.last_error, "cannot be told apart"));
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    outbox_free(ob);
    store_row_done(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outbox_rules__every_status_has_its_name_and_others_are_unnamed),
        cmocka_unit_test(outbox_rules__env_options_are_taken_only_within_their_range),
        T(outbox_rules__settle_is_two_timeouts_by_default_and_never_under_one),
        T(outbox_rules__an_attempt_is_leased_for_lease_ms_default_ten_minutes),
        T(outbox_rules__an_unmeasured_clock_widens_the_lookup_by_lookup_margin_ms),
        T(outbox_rules__the_window_reaches_back_by_a_duration_of_at_most_2_40_s),
        T(outbox_rules__a_measured_clock_narrows_the_lookup_to_two_minutes),
        T(outbox_rules__a_twin_stamped_after_the_window_is_another_call),
        T(outbox_rules__backoff_jitter_is_drawn_from_the_lease_token),
        T(outbox_rules__an_unknown_call_waits_at_least_the_settle_time),
        T(outbox_rules__a_failed_lookup_is_retried_after_the_backoff),
        T(outbox_rules__a_rate_limited_request_waits_exactly_its_retry_after),
        T(outbox_rules__a_rejected_call_keeps_the_reason_and_the_errors_listed),
        T(outbox_rules__a_submit_needs_no_id_result_or_record),
        T(outbox_rules__no_answer_measures_no_clock),
        T(outbox_rules__a_found_call_keeps_the_servers_call_as_json),
        T(outbox_rules__a_call_alike_in_flight_defers_the_lookup_by_the_settle_time),
        T(outbox_rules__a_found_call_is_reported_as_200_with_the_servers_call),
        T(outbox_rules__a_twin_listed_from_before_the_window_is_another_call),
        T(outbox_rules__a_twin_without_a_time_is_this_call_and_keeps_its_contact),
        T(outbox_rules__a_twin_listed_without_some_fields_goes_to_review_unsent),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}