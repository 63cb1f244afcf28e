/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The outbox engine's rules, each test named after the one it protects: the options and
 * their floors, the lease's length, the look-up window (its margin before and after the
 * server's clock is measured), the backoff's jitter seeded from the lease token, what retry
 * returns, the rate limit on the POST after a look-up, the idle recheck, the found call's
 * JSON and the flush's counts. Against the fake API on 127.0.0.1 with a real store file. */
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

/* a whole second, far from today, so ISO times are exact */
#define T0 1700000000000LL

static struct fake *fk;
static char *dir;
static char *db_path;
static struct store *st;
static struct api *api;
static long long fake_now;

static long long clock_hook(void)
{
    return fake_now;
}

static struct api *make_api(const char *base)
{
    struct http_options o = {.base_url = base, .api_key = FAKE_API_KEY,
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

    dir = tmptree_new("outbox-rules");
    if (!dir || !fake_reset(fk))
        return -1;
    db_path = xasprintf("%s/amplecall.db", dir);
    st = store_open(db_path, &err);
    if (!st) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    api = make_api(fake_base_url(fk));
    fake_now = T0;
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

/* The fake clock, settle 1 ms (so one request timeout, 1 s), the full rate. */
static struct outbox_options hooked(void)
{
    struct outbox_options o = {.settle_ms = 1, .rate_per_min = 450, .now_ms = clock_hook};
    return o;
}

static void get_row(long long id, struct store_row *r)
{
    char *err = NULL;

    store_row_done(r);
    store_row_init(r);
    if (store_get(st, id, r, &err) != 1)
        fail_msg("no row %lld: %s", id, err ? err : "");
}

static void set_faults(const char *json)
{
    assert_true(fake_set_faults(fk, json));
}

/* A row for the fake API whose attempt at `at` ended unknown (as if the program had died
 * after sending it): attempts 1, first attempt at `at`, settled from `at`. */
static long long unknown_row(const char *duration, long long at)
{
    struct store_lease l;
    struct call c;
    struct store_new n = {.call = &c, .api_base = fake_base_url(fk)};
    struct store_outcome o = {.state = STORE_UNKNOWN, .error = "interrupted",
                              .next_attempt_at = at};
    long long id = 0;
    char *err = NULL;

    store_lease_init_self(&l, 600000);
    make_call(&c, duration);
    if (!store_insert_sending(st, &n, &l, at, &id, NULL, &err) ||
        !store_finish(st, id, &l, &o, at, &err))
        fail_msg("unknown row: %s", err);
    call_done(&c);
    return id;
}

static long long pending_row(const char *duration, long long at)
{
    struct call c;
    struct store_new n = {.call = &c, .api_base = fake_base_url(fk)};
    long long id = 0;
    bool is_new;
    char *err = NULL;

    make_call(&c, duration);
    if (!store_enqueue(st, &n, at, &id, &is_new, &err))
        fail_msg("enqueue: %s", err);
    call_done(&c);
    return id;
}

static void iso(long long ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The start_date_from the last look-up asked for, unescaped (owned; NULL if none). */
static char *last_lookup_from(void)
{
    json_object *req = fake_last_request(fk, "GET", "/calls"), *q = NULL;
    const char *text, *p;
    char *out, *o;

    if (!req)
        return NULL;
    json_object_object_get_ex(req, "query", &q);
    text = json_object_get_string(q);
    p = text ? strstr(text, "start_date_from=") : NULL;
    if (!p) {
        json_object_put(req);
        return NULL;
    }
    p += strlen("start_date_from=");
    out = o = xcalloc(1, strlen(p) + 1);
    while (*p && *p != '&') {
        if (*p == '%' && p[1] && p[2]) {
            char hex[3] = {p[1], p[2], 0};
            *o++ = (char)strtol(hex, NULL, 16);
            p += 3;
        } else {
            *o++ = *p++;
        }
    }
    json_object_put(req);
    return out;
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
        outbox_free(ob);
        call_record_done(&rec);
        api_result_done(&res);
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

static int n_done;
static enum outbox_status last_status;
static void on_done(long long id, enum outbox_status s, struct api_result *res,
                    struct call_record *rec, void *ud)
{
    (void)id;
    (void)res;
    (void)rec;
    (void)ud;
    n_done++;
    last_status = s;
}

#define RUN_LOOP_UNTIL(ob, cond)                                                              \
    do {                                                                                      \
        long long deadline_ = store_now_ms() + 10000;                                         \
        while (!(cond) && store_now_ms() < deadline_) {                                       \
            http_client_poll(api_http(api), NULL, 0, 50);                                     \
            http_client_perform(api_http(api));                                               \
            outbox_tick(ob);                                                                  \
        }                                                                                     \
        assert_true(cond);                                                                    \
    } while (0)

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

/* ---- retry ---- */

static void outbox_rules__retry_sends_a_due_call_and_says_busy_not_due_or_error(void **state)
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
static void outbox_rules__blocking_retry_waits_only_for_a_call_due_within_max_wait(void **state)
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
static void outbox_rules__max_wait_is_never_under_the_settle_time_and_a_second(void **state)
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
static void outbox_rules__a_call_due_past_max_wait_is_not_waited_for(void **state)
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
 * inclusive); one millisecond more is not (outbox_rules__a_call_due_past_max_wait_...). */
static void outbox_rules__a_call_due_exactly_at_max_wait_is_waited_for(void **state)
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

/* Rule: the background leaves a server be after an answer that may hide a stored call, until
 * that call is due; a foreground attempt's failure does not pause the background. */
static void outbox_rules__the_background_pauses_after_unknown_but_not_after_a_foreground_failure(
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
static void outbox_rules__not_found_but_no_rate_slot_is_pending_until_one_frees(void **state)
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

/* Rule: a call submitted over the machine's rate limit is kept pending and the answer says
 * in how many seconds (rounded up) it goes. */
static void outbox_rules__a_submit_over_the_rate_limit_says_when_it_goes(void **state)
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

static void outbox_rules__the_rate_limit_message_rounds_the_wait_up(void **state)
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

/* Rule: an idle loop looks again in 30 s for rows other processes add, sooner when a row is
 * due sooner. */
static void outbox_rules__an_idle_tick_rechecks_in_30_s_or_when_the_next_call_is_due(void **state)
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
    char *body = xasprintf("{\"calls\":[%s],\"_links\":{\"self\":\"/calls\"}}", call);
    json_object *f = json_object_new_object();

    json_object_object_add(f, "path", json_object_new_string("/calls"));
    json_object_object_add(f, "method", json_object_new_string("GET"));
    json_object_object_add(f, "times", json_object_new_int(1));
    json_object_object_add(f, "body", json_object_new_string(body));
    json_object_object_add(f, "content_type", json_object_new_string("application/json"));
    set_faults(json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN));
    json_object_put(f);
    free(body);
    free(call);
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

/* Rule: a blocking caller whose look-up found nothing waits for a rate slot for the POST
 * (a short wait here: the older slot frees 200 ms on) rather than leave the call pending. */
static void outbox_rules__a_blocking_retry_waits_for_a_rate_slot_after_the_lookup(void **state)
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
static void outbox_rules__an_outcome_the_lease_lost_is_reported_not_dropped(void **state)
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
static void outbox_rules__a_blocking_submit_over_the_rate_limit_waits_for_its_slot(void **state)
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
static void outbox_rules__a_flush_counts_its_outcomes_and_what_is_left_for_its_base(void **state)
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outbox_rules__every_status_has_its_name_and_others_are_unnamed),
        cmocka_unit_test(outbox_rules__env_options_are_taken_only_within_their_range),
        T(outbox_rules__settle_is_two_timeouts_by_default_and_never_under_one),
        T(outbox_rules__an_attempt_is_leased_for_lease_ms_default_ten_minutes),
        T(outbox_rules__an_unmeasured_clock_widens_the_lookup_by_lookup_margin_ms),
        T(outbox_rules__a_measured_clock_narrows_the_lookup_to_two_minutes),
        T(outbox_rules__a_twin_stamped_after_the_window_is_another_call),
        T(outbox_rules__backoff_jitter_is_drawn_from_the_lease_token),
        T(outbox_rules__an_unknown_call_waits_at_least_the_settle_time),
        T(outbox_rules__a_rate_limited_request_waits_exactly_its_retry_after),
        T(outbox_rules__retry_sends_a_due_call_and_says_busy_not_due_or_error),
        T(outbox_rules__blocking_retry_waits_only_for_a_call_due_within_max_wait),
        T(outbox_rules__max_wait_is_never_under_the_settle_time_and_a_second),
        T(outbox_rules__a_call_due_past_max_wait_is_not_waited_for),
        T(outbox_rules__a_call_due_exactly_at_max_wait_is_waited_for),
        T(outbox_rules__no_answer_measures_no_clock),
        T(outbox_rules__the_background_pauses_after_unknown_but_not_after_a_foreground_failure),
        T(outbox_rules__not_found_but_no_rate_slot_is_pending_until_one_frees),
        T(outbox_rules__a_submit_over_the_rate_limit_says_when_it_goes),
        T(outbox_rules__the_rate_limit_message_rounds_the_wait_up),
        T(outbox_rules__an_idle_tick_rechecks_in_30_s_or_when_the_next_call_is_due),
        T(outbox_rules__a_found_call_keeps_the_servers_call_as_json),
        T(outbox_rules__a_call_alike_in_flight_defers_the_lookup_by_the_settle_time),
        T(outbox_rules__a_found_call_is_reported_as_200_with_the_servers_call),
        T(outbox_rules__a_twin_listed_from_before_the_window_is_another_call),
        T(outbox_rules__a_twin_without_a_time_is_this_call_and_keeps_its_contact),
        T(outbox_rules__a_blocking_retry_waits_for_a_rate_slot_after_the_lookup),
        T(outbox_rules__an_outcome_the_lease_lost_is_reported_not_dropped),
        T(outbox_rules__a_blocking_submit_over_the_rate_limit_waits_for_its_slot),
        T(outbox_rules__a_flush_counts_its_outcomes_and_what_is_left_for_its_base),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
