/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fixtures of the outbox engine's rule tests (test_outbox_rules.c, test_outbox_when.c): the
 * fake API on 127.0.0.1, a real store file, a clock hook, rows in a given state, and the
 * request log read back. Included once per test program, after its includes. */
#ifndef AMPLECALL_TEST_OUTBOX_FIXTURE_H
#define AMPLECALL_TEST_OUTBOX_FIXTURE_H

/* a whole second, far from today, so ISO times are exact */
#define T0 1700000000000LL

static struct fake *fk;
static char *dir;
static char *db_path;
static struct store *st;
static struct api *api;
static long long fake_now;

static inline long long clock_hook(void)
{
    return fake_now;
}

static inline struct api *make_api(const char *base)
{
    struct http_options o = {.base_url = base, .api_key = FAKE_API_KEY,
                             .connect_timeout_ms = 1000, .timeout_ms = 1000};
    char *err = NULL;
    struct http_client *h = http_client_new(&o, &err);

    if (!h)
        fail_msg("http_client_new: %s", err);
    return api_new(h);
}

static inline int group_setup(void **state)
{
    fk = fake_start(NULL);
    return fk ? 0 : -1;
}

static inline int group_teardown(void **state)
{
    fake_stop(fk);
    return 0;
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
    api_free(api);
    store_close(st);
    tmptree_remove(dir);
    free(dir);
    free(db_path);
    return 0;
}

static inline void make_call(struct call *c, const char *duration)
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
static inline struct outbox_options hooked(void)
{
    struct outbox_options o = {.settle_ms = 1, .rate_per_min = 450, .now_ms = clock_hook};
    return o;
}

static inline void get_row(long long id, struct store_row *r)
{
    char *err = NULL;

    store_row_done(r);
    store_row_init(r);
    if (store_get(st, id, r, &err) != 1)
        fail_msg("no row %lld: %s", id, err ? err : "");
}

static inline void set_faults(const char *json)
{
    assert_true(fake_set_faults(fk, json));
}

/* A row for the fake API whose attempt at `at` ended unknown (as if the program had died
 * after sending it): attempts 1, first attempt at `at`, settled from `at`. */
static inline long long unknown_row(const char *duration, long long at)
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

static inline long long pending_row(const char *duration, long long at)
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

static inline void iso(long long ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A parameter of the last look-up's query, unescaped (owned; NULL if none). */
static inline char *last_lookup_param(const char *name)
{
    json_object *req = fake_last_request(fk, "GET", "/calls"), *q = NULL;
    const char *text, *p;
    char *key = xasprintf("%s=", name), *out, *o;

    if (!req) {
        free(key);
        return NULL;
    }
    json_object_object_get_ex(req, "query", &q);
    text = json_object_get_string(q);
    for (p = text; p && (p = strstr(p, key)); p++)
        if (p == text || p[-1] == '&' || p[-1] == '?')
            break;
    if (!p) {
        json_object_put(req);
        free(key);
        return NULL;
    }
    p += strlen(key);
    free(key);
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

static inline char *last_lookup_from(void)
{
    return last_lookup_param("start_date_from");
}

static inline size_t stored_calls(void)
{
    json_object *a = fake_stored_calls(fk);
    size_t n;

    assert_non_null(a);
    n = json_object_array_length(a);
    json_object_put(a);
    return n;
}

static int n_done;
static enum outbox_status last_status;
static inline void on_done(long long id, enum outbox_status s, struct api_result *res,
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

#endif
