/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outbox engine: pure helpers (backoff, matching) and the engine itself against the fake
 * API on 127.0.0.1 (a separate process), with a real store file: write-ahead submit, pending
 * after temporary failures, lookup before resend, rejection, the background tick, the rate
 * limit (with an injected clock) and cancellation. */
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

#include "net/api.h"
#include "fakectl.h"
#include "net/http.h"
#include "store/outbox.h"
#include "store/store.h"
#include "tmptree.h"
#include "core/util.h"

static struct fake *fk;
static char *dir;
static char *db_path;
static struct store *st;
static struct api *api;

/* ---- fixtures ---- */

static struct api *make_api(const char *key)
{
    struct http_options o = {.base_url = fake_base_url(fk), .api_key = key,
                             .connect_timeout_ms = 1000, .timeout_ms = 1000};
    char *err = NULL;
    struct http_client *h = http_client_new(&o, &err);

    if (!h)
        fail_msg("http_client_new: %s", err);
    return api_new(h);
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

static int setup(void **state)
{
    char *err = NULL;

    dir = tmptree_new("outbox");
    if (!dir || !fake_reset(fk))
        return -1;
    db_path = xasprintf("%s/amplecall.db", dir);
    st = store_open(db_path, &err);
    if (!st) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    api = make_api(FAKE_API_KEY);
    return 0;
}

static int teardown(void **state)
{
    api_free(api);
    store_close(st);
    tmptree_remove(dir);
    free(dir);
    free(db_path);
    return 0;
}

static void make_call(struct call *c, const char *duration)
{
    call_init(c);
    call_set(c, FIELD_FROM, "+1 415 555 0100");
    call_set(c, FIELD_TO, "+1 212 555 0199");
    call_set(c, FIELD_DURATION, duration);
    call_set(c, FIELD_ANSWERED, "no");
    call_set(c, FIELD_HUMAN, "no");
    call_set(c, FIELD_TASK, FAKE_TASK_ID_FIRST);
    call_set(c, FIELD_USER, FAKE_USER_ID);
}

/* The shortest settle (one request timeout, 1 s here) and the full machine-wide rate. */
static struct outbox_options quick(void)
{
    struct outbox_options o = {.settle_ms = 1, .rate_per_min = 450};
    return o;
}

static size_t stored_calls(void)
{
    json_object *a = fake_stored_calls(fk);
    size_t n;

    assert_non_null(a);
    n = json_object_array_length(a);
    json_object_put(a);
    return n;
}

static void get_row(long long id, struct store_row *r)
{
    char *err = NULL;
    if (store_get(st, id, r, &err) != 1)
        fail_msg("no row %lld: %s", id, err ? err : "");
}

static void set_faults(const char *json)
{
    assert_true(fake_set_faults(fk, json));
}

/* Submit one call through a fresh outbox; returns its status and id. */
static enum outbox_status submit(const char *duration, long long *id, struct api_result *res,
                                 struct call_record *rec)
{
    struct outbox_options oo = quick();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct call c;
    char *err = NULL;
    enum outbox_status s;

    make_call(&c, duration);
    s = outbox_submit(ob, &c, NULL, res, rec, id, &err);
    if (s == OUTBOX_ERROR)
        fail_msg("submit: %s", err);
    call_done(&c);
    outbox_free(ob);
    return s;
}

static void flush(struct outbox_flush_stats *fs)
{
    struct outbox_options oo = quick();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct timespec settle = {0, 3 * 1000 * 1000};
    char *err = NULL;

    /* An unknown call is due settle_ms (1 ms here) after it became unknown; a flush in the
     * same millisecond would rightly skip it. Let that window pass. */
    nanosleep(&settle, NULL);
    if (!outbox_flush(ob, fs, &err))
        fail_msg("flush: %s", err);
    outbox_free(ob);
}

/* ---- pure helpers ---- */

static void outbox__backoff_doubles_with_jitter_up_to_a_cap(void **state)
{
    struct outbox_options o = {.backoff_base_ms = 2000, .backoff_max_ms = 60000};

    for (unsigned rnd = 0; rnd < 5000; rnd += 97) {
        long long d1 = outbox_backoff_ms(&o, 1, -1, rnd);
        long long d3 = outbox_backoff_ms(&o, 3, -1, rnd);
        long long d30 = outbox_backoff_ms(&o, 30, -1, rnd);
        assert_true(d1 >= 1000 && d1 <= 2000);
        assert_true(d3 >= 4000 && d3 <= 8000);
        assert_true(d30 >= 30000 && d30 <= 60000);
    }
    /* jitter really spreads retries */
    assert_true(outbox_backoff_ms(&o, 3, -1, 1) != outbox_backoff_ms(&o, 3, -1, 2000));
    /* defaults apply with no options */
    assert_true(outbox_backoff_ms(NULL, 1, -1, 0) >= 1000);
}

static void outbox__backoff_honours_retry_after_exactly(void **state)
{
    struct outbox_options o = {.backoff_base_ms = 2000};

    assert_int_equal(outbox_backoff_ms(&o, 5, 7, 12345), 7000);
    assert_int_equal(outbox_backoff_ms(&o, 1, 0, 12345), 0);
}

static void outbox__record_match_compares_every_field_sent(void **state)
{
    struct call c;
    struct call_record r;

    call_record_init(&r);
    make_call(&c, "42");
    assert_int_equal(outbox_record_match(&c, NULL), OUTBOX_MATCH_NONE);
    /* nothing reported: nothing to tell it from ours, nothing to prove it is ours */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    r.id = xstrdup("x");
    r.task_id = xstrdup(FAKE_TASK_ID_FIRST);
    r.to = xstrdup("+12125550199"); /* formatted differently by the server */
    r.duration = 42;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    r.from = xstrdup("14155550100"); /* the "+" dropped */
    r.answered = 0;
    r.human = 0;
    r.user_id = xstrdup(FAKE_USER_ID);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    assert_true(outbox_record_matches(&c, &r));
    r.duration = 43;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.duration = 41;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.duration = 42;
    str_set(&r.to, "+1 212 555 0198");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.to, "+1 212 555 0199");
    str_set(&r.from, "+1 415 555 0101");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.from, "+1 415 555 0100");
    str_set(&r.task_id, "0199f0a2-1c3e-7a10-9b7e-000000000002");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.task_id, FAKE_TASK_ID_FIRST);
    r.answered = 1; /* we said no */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.answered = 0;
    r.human = 1;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.human = 0;
    str_set(&r.user_id, FAKE_USER2_ID);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.user_id, FAKE_USER_ID);
    /* a value ours never had makes it another call */
    str_set(&r.disposition_id, FAKE_DISPO_NEXT_ID);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.disposition_id, NULL);
    str_set(&r.transcription, "Left a message");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    /* ours has one: the same text (line ends aside) matches, another does not, none is partial */
    call_set(&c, FIELD_TRANSCRIPTION, "Left a message\nCall back");
    str_set(&r.transcription, "Left a message\r\nCall back\n");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    str_set(&r.transcription, "Left a message\r\nCall back later");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.transcription, NULL);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    str_set(&r.transcription, "Left a message\nCall back");
    call_set(&c, FIELD_RECORDING_URL, "https://rec.example/1.mp3");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    str_set(&r.recording_url, "https://rec.example/2.mp3");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    str_set(&r.recording_url, "https://rec.example/1.mp3");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    call_record_done(&r);
    call_done(&c);
}

/* Every row of the verdict table in doc/outbox.md, both sides of each boundary. */
static void outbox__verdict_table(void **state)
{
    static const struct {
        enum http_outcome outcome;
        long status;
        bool is_body_sent, has_call;
        enum store_state want;
    } rows[] = {
        {HTTP_OUT_OK, 201, true, true, STORE_SENT},
        {HTTP_OUT_OK, 200, true, true, STORE_SENT},
        {HTTP_OUT_OK, 201, true, false, STORE_UNKNOWN},
        {HTTP_OUT_OK, 204, true, false, STORE_UNKNOWN},
        {HTTP_OUT_OK, 299, true, false, STORE_UNKNOWN},
        {HTTP_OUT_CLIENT_ERROR, 400, true, false, STORE_REJECTED},
        {HTTP_OUT_CLIENT_ERROR, 422, true, false, STORE_REJECTED},
        {HTTP_OUT_CLIENT_ERROR, 409, true, false, STORE_REJECTED},
        {HTTP_OUT_CLIENT_ERROR, 404, true, false, STORE_PENDING},
        {HTTP_OUT_CLIENT_ERROR, 405, true, false, STORE_PENDING},
        {HTTP_OUT_CLIENT_ERROR, 407, true, false, STORE_REJECTED},
        {HTTP_OUT_CLIENT_ERROR, 408, true, false, STORE_PENDING},
        {HTTP_OUT_CLIENT_ERROR, 421, true, false, STORE_PENDING},
        {HTTP_OUT_CLIENT_ERROR, 425, true, false, STORE_PENDING},
        {HTTP_OUT_CLIENT_ERROR, 426, true, false, STORE_REJECTED},
        {HTTP_OUT_AUTH, 401, true, false, STORE_PENDING},
        {HTTP_OUT_AUTH, 403, true, false, STORE_PENDING},
        {HTTP_OUT_RATE_LIMITED, 429, true, false, STORE_PENDING},
        {HTTP_OUT_SERVER_ERROR, 500, true, false, STORE_UNKNOWN},
        {HTTP_OUT_SERVER_ERROR, 502, true, false, STORE_UNKNOWN},
        {HTTP_OUT_SERVER_ERROR, 503, true, false, STORE_UNKNOWN},
        {HTTP_OUT_SERVER_ERROR, 504, true, false, STORE_UNKNOWN},
        {HTTP_OUT_SERVER_ERROR, 599, true, false, STORE_UNKNOWN},
        {HTTP_OUT_OTHER_STATUS, 302, true, false, STORE_UNKNOWN},
        {HTTP_OUT_OTHER_STATUS, 303, true, false, STORE_UNKNOWN},
        {HTTP_OUT_OTHER_STATUS, 100, true, false, STORE_UNKNOWN},
        {HTTP_OUT_OTHER_STATUS, 600, true, false, STORE_UNKNOWN},
        {HTTP_OUT_TIMEOUT, 0, false, false, STORE_PENDING},
        {HTTP_OUT_TIMEOUT, 0, true, false, STORE_UNKNOWN},
        {HTTP_OUT_CONNECT, 0, false, false, STORE_PENDING},
        {HTTP_OUT_CONNECT, 0, true, false, STORE_UNKNOWN},
        {HTTP_OUT_TRANSPORT, 0, false, false, STORE_PENDING},
        {HTTP_OUT_TRANSPORT, 0, true, false, STORE_UNKNOWN},
        {HTTP_OUT_TOO_LARGE, 0, true, false, STORE_UNKNOWN},
        {HTTP_OUT_CANCELLED, 0, true, false, STORE_UNKNOWN},
        {HTTP_OUT_CANCELLED, 0, false, false, STORE_PENDING},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct api_result res;
        api_result_init(&res);
        res.outcome = rows[i].outcome;
        res.status = rows[i].status;
        res.is_body_sent = rows[i].is_body_sent;
        if (outbox_verdict(&res, rows[i].has_call) != rows[i].want)
            fail_msg("row %zu (HTTP %ld, outcome %d, sent %d): %s, want %s", i, rows[i].status,
                     rows[i].outcome, rows[i].is_body_sent,
                     store_state_name(outbox_verdict(&res, rows[i].has_call)),
                     store_state_name(rows[i].want));
        api_result_done(&res);
    }
    {
        /* a 404 that names a field is the API's word on the call */
        struct api_result res;
        const char *body = "{\"_errors\":[{\"code\":\"not_found\",\"detail\":\"no such task\","
                           "\"source\":{\"pointer\":\"/task_id\"}}]}";
        api_result_init(&res);
        res.outcome = HTTP_OUT_CLIENT_ERROR;
        res.status = 404;
        res.is_body_sent = true;
        apierr_parse(body, strlen(body), &res.errors);
        assert_int_equal(outbox_verdict(&res, false), STORE_REJECTED);
        api_result_done(&res);
    }
}

static void outbox__iso_times_parse_with_fraction_and_offset(void **state)
{
    assert_int_equal(outbox_parse_iso_ms("2026-06-03T17:45:16Z"), 1780508716000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-06-03T17:45:16.250Z"), 1780508716000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-06-03T19:45:16+02:00"), 1780508716000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-06-03T12:45:16-05:00"), 1780508716000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-06-03 17:45:16"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-13-03T17:45:16Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-06-03T17:45:16"), -1);
    assert_int_equal(outbox_parse_iso_ms(NULL), -1);
}

/* The accounting rule of a conclusive look-up (doc/outbox.md), every branch. */
static void outbox__lookup_accounting_rule(void **state)
{
    assert_int_equal(store_lookup_decide(0, 1, 0, 0), STORE_LOOKUP_ABSENT);
    assert_int_equal(store_lookup_decide(0, 1, 1, 0), STORE_LOOKUP_REVIEW);
    assert_int_equal(store_lookup_decide(1, 1, 0, 0), STORE_LOOKUP_FOUND);
    assert_int_equal(store_lookup_decide(1, 1, 3, 0), STORE_LOOKUP_FOUND);
    assert_int_equal(store_lookup_decide(2, 1, 0, 0), STORE_LOOKUP_REVIEW);
    assert_int_equal(store_lookup_decide(2, 2, 0, 0), STORE_LOOKUP_FOUND);
    assert_int_equal(store_lookup_decide(1, 2, 0, 0), STORE_LOOKUP_FOUND);
    assert_int_equal(store_lookup_decide(3, 2, 0, 0), STORE_LOOKUP_REVIEW);
    assert_int_equal(store_lookup_decide(0, 1, 0, 1), STORE_LOOKUP_WAIT);
    assert_int_equal(store_lookup_decide(1, 1, 0, 1), STORE_LOOKUP_WAIT);
}

/* ---- the engine against the fake server ---- */

static void outbox__submit_records_the_created_call_and_deletes_its_draft(void **state)
{
    struct outbox_options oo = quick();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct api_result res;
    struct call_record rec;
    struct store_row r;
    struct store_draft d;
    struct call c;
    char *err = NULL;
    long long id = 0;

    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&r);
    store_draft_init(&d);
    make_call(&c, "61");
    call_copy(&d.call, &c);
    assert_true(store_draft_save(st, "form-1", &d, store_now_ms(), &err));
    assert_int_equal(outbox_submit(ob, &c, "form-1", &res, &rec, &id, &err), OUTBOX_SENT);
    assert_int_equal(res.status, 201);
    assert_non_null(rec.id);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_string_equal(r.remote_id, rec.id);
    assert_non_null(strstr(r.response, rec.id));
    assert_int_equal(r.attempts, 1);
    assert_int_equal(store_draft_load(st, "form-1", &d, &err), 0);
    assert_int_equal(stored_calls(), 1);
    outbox_free(ob);
    store_row_done(&r);
    store_draft_done(&d);
    call_done(&c);
    call_record_done(&rec);
    api_result_done(&res);
}

static void outbox__server_error_leaves_the_call_unknown_then_flush_looks_up_and_sends_it_once(void **state)
{
    struct api_result res;
    struct call_record rec;
    struct store_row r;
    struct outbox_flush_stats fs;
    long long id;
    long long before = store_now_ms();

    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&r);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":503,\"times\":1}");
    /* a 503 may come from a proxy after the backend stored the call: unknown, not pending */
    assert_int_equal(submit("62", &id, &res, &rec), OUTBOX_UNKNOWN);
    assert_int_equal(res.status, 503);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_int_equal(r.last_status, 503);
    assert_non_null(r.last_error);
    assert_true(r.next_attempt_at >= before + 1000); /* settles first */
    assert_int_equal(stored_calls(), 0);
    flush(&fs);
    assert_int_equal(fs.sent, 1);
    assert_int_equal(fs.pending, 0);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_int_equal(r.attempts, 2);
    assert_int_equal(stored_calls(), 1);
    /* looked up first (not there), then posted once */
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 1);
    outbox_flush_stats_done(&fs);
    store_row_done(&r);
    call_record_done(&rec);
    api_result_done(&res);
}

static void outbox__accepted_but_lost_response_is_found_by_lookup_not_resent(void **state)
{
    struct api_result res;
    struct call_record rec;
    struct store_row r;
    struct outbox_flush_stats fs;
    json_object *calls;
    long long id;

    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&r);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"accept_then_drop\":true,\"times\":1}");
    assert_int_equal(submit("63", &id, &res, &rec), OUTBOX_UNKNOWN);
    assert_true(res.is_unknown);
    assert_int_equal(stored_calls(), 1);
    flush(&fs);
    assert_int_equal(fs.found, 1);
    assert_int_equal(fs.sent, 0);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 1);
    assert_int_equal(stored_calls(), 1);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_string_equal(r.resolved_by, "lookup");
    calls = fake_stored_calls(fk);
    {
        json_object *id0 = NULL;
        json_object_object_get_ex(json_object_array_get_idx(calls, 0), "id", &id0);
        assert_string_equal(r.remote_id, json_object_get_string(id0));
    }
    json_object_put(calls);
    outbox_flush_stats_done(&fs);
    store_row_done(&r);
    call_record_done(&rec);
    api_result_done(&res);
}

static void outbox__connection_dropped_before_storing_is_looked_up_then_posted(void **state)
{
    struct api_result res;
    struct call_record rec;
    struct outbox_flush_stats fs;
    long long id;

    api_result_init(&res);
    call_record_init(&rec);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"drop\":true,\"times\":1}");
    assert_int_equal(submit("64", &id, &res, &rec), OUTBOX_UNKNOWN);
    assert_int_equal(stored_calls(), 0);
    flush(&fs);
    assert_int_equal(fs.sent, 1);
    assert_int_equal(fs.found, 0);
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 1);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    assert_int_equal(stored_calls(), 1);
    outbox_flush_stats_done(&fs);
    call_record_done(&rec);
    api_result_done(&res);
}

static void outbox__two_identical_lost_calls_each_claim_their_own_server_call(void **state)
{
    struct api_result res;
    struct call_record rec;
    struct store_row a, b;
    struct outbox_flush_stats fs;
    long long id1, id2;

    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&a);
    store_row_init(&b);
    /* two unanswered calls of 0 s to one task: indistinguishable on the server */
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"accept_then_drop\":true,\"times\":2}");
    assert_int_equal(submit("0", &id1, &res, &rec), OUTBOX_UNKNOWN);
    assert_int_equal(submit("0", &id2, &res, &rec), OUTBOX_UNKNOWN);
    flush(&fs);
    assert_int_equal(fs.found, 2);
    get_row(id1, &a);
    get_row(id2, &b);
    assert_int_equal(a.state, STORE_SENT);
    assert_int_equal(b.state, STORE_SENT);
    assert_string_not_equal(a.remote_id, b.remote_id);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    assert_int_equal(stored_calls(), 2);
    outbox_flush_stats_done(&fs);
    store_row_done(&a);
    store_row_done(&b);
    call_record_done(&rec);
    api_result_done(&res);
}

static void outbox__rejected_call_keeps_its_errors_and_is_never_retried(void **state)
{
    struct api_result res;
    struct call_record rec;
    struct store_row r;
    struct outbox_flush_stats fs;
    long long id;

    api_result_init(&res);
    call_record_init(&rec);
    store_row_init(&r);
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":400,\"times\":1,"
               "\"body\":\"{\\\"_errors\\\":[{\\\"code\\\":\\\"missing_field\\\","
               "\\\"title\\\":\\\"Missing Field\\\",\\\"detail\\\":\\\"Missing field from "
               "request: task_id\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/task_id\\\"}}],"
               "\\\"object\\\":\\\"error\\\"}\"}");
    assert_int_equal(submit("65", &id, &res, &rec), OUTBOX_REJECTED);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_REJECTED);
    assert_int_equal(r.last_status, 400);
    assert_non_null(r.errors_json);
    assert_non_null(strstr(r.errors_json, "/task_id"));
    assert_int_equal(store_count_outbox(st, NULL), 0);
    flush(&fs);
    assert_int_equal(fs.sent + fs.found + fs.rejected + fs.pending, 0);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    outbox_flush_stats_done(&fs);
    store_row_done(&r);
    call_record_done(&rec);
    api_result_done(&res);
}

static void outbox__rejected_key_keeps_the_call_pending_and_stops_the_flush(void **state)
{
    struct api_result res;
    struct call_record rec;
    struct outbox_flush_stats fs;
    struct api *good = api;
    long long id;

    api_result_init(&res);
    call_record_init(&rec);
    api = make_api("wrong-key");
    assert_int_equal(submit("66", &id, &res, &rec), OUTBOX_PENDING);
    assert_int_equal(res.outcome, HTTP_OUT_AUTH);
    submit("67", &id, &res, &rec);
    flush(&fs);
    assert_true(fs.is_auth_failed);
    assert_int_equal(fs.pending, 2);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 3); /* stopped after one */
    outbox_flush_stats_done(&fs);
    api_free(api);
    api = good;
    flush(&fs);
    assert_int_equal(fs.sent, 2);
    assert_int_equal(stored_calls(), 2);
    outbox_flush_stats_done(&fs);
    call_record_done(&rec);
    api_result_done(&res);
}

static int n_notified;
static enum outbox_status last_notified;

static void on_outcome(long long id, enum outbox_status s, struct api_result *res,
                       struct call_record *rec, void *ud)
{
    (void)id;
    (void)res;
    (void)rec;
    (void)ud;
    n_notified++;
    last_notified = s;
}

/* Drive the loop like the form does, until cond or 10 s. */
#define RUN_LOOP_UNTIL(ob, cond)                                                              \
    do {                                                                                      \
        long long deadline_ = store_now_ms() + 10000;                                         \
        while (!(cond) && store_now_ms() < deadline_) {                                       \
            long t_ = outbox_ms_to_next_tick(ob);                                             \
            http_client_poll(api_http(api), NULL, 0, t_ < 0 || t_ > 100 ? 100 : (int)t_);      \
            http_client_perform(api_http(api));                                               \
            outbox_tick(ob);                                                                  \
        }                                                                                     \
        assert_true(cond);                                                                    \
    } while (0)

static void outbox__background_tick_sends_due_calls_and_tells_the_listener(void **state)
{
    struct outbox_options oo = quick();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct store_new n;
    struct call c;
    long long id;
    bool is_new;
    char *err = NULL;

    make_call(&c, "70");
    n = (struct store_new){.call = &c, .api_base = fake_base_url(fk)};
    for (int i = 0; i < 3; i++)
        assert_true(store_enqueue(st, &n, store_now_ms(), &id, &is_new, &err));
    /* a call meant for another API is left alone */
    n.api_base = "https://api.amplemarket.com";
    assert_true(store_enqueue(st, &n, store_now_ms(), &id, &is_new, &err));
    n_notified = 0;
    outbox_set_listener(ob, on_outcome, NULL);
    assert_int_equal(outbox_ms_to_next_tick(ob), 0);
    RUN_LOOP_UNTIL(ob, n_notified == 3 && outbox_in_flight(ob) == 0);
    assert_int_equal(last_notified, OUTBOX_SENT);
    assert_int_equal(stored_calls(), 3);
    assert_int_equal(store_count_outbox(st, &err), 1);
    outbox_free(ob);
    call_done(&c);
}

static int async_done;
static enum outbox_status async_status;

static void on_async(long long id, enum outbox_status s, struct api_result *res,
                     struct call_record *rec, void *ud)
{
    (void)id;
    (void)res;
    (void)ud;
    async_done++;
    async_status = s;
    assert_true(s != OUTBOX_SENT || (rec && rec->id));
}

static void outbox__async_submit_reports_through_its_callback(void **state)
{
    struct outbox_options oo = quick();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct call c;
    struct store_row r;
    char *err = NULL;
    long long id = 0;

    store_row_init(&r);
    make_call(&c, "71");
    async_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_async, NULL, &id, &err));
    /* written ahead: the row exists before any answer */
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENDING);
    RUN_LOOP_UNTIL(ob, async_done == 1);
    assert_int_equal(async_status, OUTBOX_SENT);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_SENT);
    outbox_free(ob);
    store_row_done(&r);
    call_done(&c);
}

static void outbox__freeing_during_an_attempt_leaves_the_call_unknown(void **state)
{
    struct outbox_options oo = quick();
    struct outbox *ob = outbox_new(st, api, &oo);
    struct call c;
    struct store_row r;
    char *err = NULL;
    long long id = 0;

    store_row_init(&r);
    make_call(&c, "72");
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"delay_ms\":2000,\"times\":1}");
    async_done = 0;
    assert_true(outbox_submit_async(ob, &c, NULL, on_async, NULL, &id, &err));
    outbox_free(ob);
    assert_int_equal(async_done, 0);
    get_row(id, &r);
    assert_int_equal(r.state, STORE_UNKNOWN);
    store_row_done(&r);
    call_done(&c);
}

static long long fake_now;
static long long clock_hook(void)
{
    return fake_now;
}

static void outbox__rate_limit_spaces_background_attempts(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 1, .now_ms = clock_hook};
    struct outbox *ob;
    struct store_new n;
    struct call c;
    long long id;
    bool is_new;
    char *err = NULL;

    fake_now = store_now_ms();
    ob = outbox_new(st, api, &oo);
    make_call(&c, "73");
    n = (struct store_new){.call = &c, .api_base = fake_base_url(fk)};
    assert_true(store_enqueue(st, &n, fake_now, &id, &is_new, &err));
    assert_true(store_enqueue(st, &n, fake_now, &id, &is_new, &err));
    n_notified = 0;
    outbox_set_listener(ob, on_outcome, NULL);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 1);
    RUN_LOOP_UNTIL(ob, n_notified == 1);
    /* one request a minute for the machine: nothing starts until the slot frees */
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 0);
    assert_true(outbox_ms_to_next_tick(ob) > 59000);
    fake_now += 60001;
    assert_int_equal(outbox_ms_to_next_tick(ob), 0);
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 1);
    RUN_LOOP_UNTIL(ob, n_notified == 2);
    assert_int_equal(stored_calls(), 2);
    outbox_free(ob);
    call_done(&c);
}

static void outbox__background_pauses_after_a_temporary_failure(void **state)
{
    struct outbox_options oo = {.settle_ms = 1, .rate_per_min = 450,
                                .backoff_base_ms = 4000, .now_ms = clock_hook};
    struct outbox *ob;
    struct store_new n;
    struct call c;
    long long id;
    bool is_new;
    char *err = NULL;

    fake_now = store_now_ms();
    ob = outbox_new(st, api, &oo);
    make_call(&c, "74");
    n = (struct store_new){.call = &c, .api_base = fake_base_url(fk)};
    assert_true(store_enqueue(st, &n, fake_now, &id, &is_new, &err));
    assert_true(store_enqueue(st, &n, fake_now, &id, &is_new, &err));
    set_faults("{\"path\":\"/calls\",\"method\":\"POST\",\"status\":408,\"times\":1}");
    n_notified = 0;
    outbox_set_listener(ob, on_outcome, NULL);
    outbox_tick(ob);
    RUN_LOOP_UNTIL(ob, n_notified == 1);
    assert_int_equal(last_notified, OUTBOX_PENDING);
    /* the other call is due, but a failing server is left alone for the backoff */
    outbox_tick(ob);
    assert_int_equal(outbox_in_flight(ob), 0);
    assert_true(outbox_ms_to_next_tick(ob) >= 2000);
    fake_now += 4001;
    RUN_LOOP_UNTIL(ob, n_notified == 3);
    assert_int_equal(stored_calls(), 2);
    outbox_free(ob);
    call_done(&c);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outbox__backoff_doubles_with_jitter_up_to_a_cap),
        cmocka_unit_test(outbox__backoff_honours_retry_after_exactly),
        cmocka_unit_test(outbox__record_match_compares_every_field_sent),
        cmocka_unit_test(outbox__verdict_table),
        cmocka_unit_test(outbox__iso_times_parse_with_fraction_and_offset),
        cmocka_unit_test(outbox__lookup_accounting_rule),
        T(outbox__submit_records_the_created_call_and_deletes_its_draft),
        T(outbox__server_error_leaves_the_call_unknown_then_flush_looks_up_and_sends_it_once),
        T(outbox__accepted_but_lost_response_is_found_by_lookup_not_resent),
        T(outbox__connection_dropped_before_storing_is_looked_up_then_posted),
        T(outbox__two_identical_lost_calls_each_claim_their_own_server_call),
        T(outbox__rejected_call_keeps_its_errors_and_is_never_retried),
        T(outbox__rejected_key_keeps_the_call_pending_and_stops_the_flush),
        T(outbox__background_tick_sends_due_calls_and_tells_the_listener),
        T(outbox__async_submit_reports_through_its_callback),
        T(outbox__freeing_during_an_attempt_leaves_the_call_unknown),
        T(outbox__rate_limit_spaces_background_attempts),
        T(outbox__background_pauses_after_a_temporary_failure),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
