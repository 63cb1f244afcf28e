/* The outbox engine: write-ahead submit, outcome recording, lookup-before-resend for calls
 * whose earlier attempt may have reached the server, backoff, a client-side rate limit, and
 * blocking and event-loop drivers over the same attempt machinery. The store owns the rows;
 * this file owns only attempts in flight. No curses, no printing. */
#include "config.h"
#include "outbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "http.h"
#include "spool.h"
#include "util.h"

#define DEFAULT_LEASE_MS (10LL * 60 * 1000)
#define DEFAULT_RATE_PER_MIN 240
/* A backlog of up to 50 calls goes out at once (a rep back online after a dead spell);
 * with the refill no minute carries more than 50 + 240 requests, under the API's 500. */
#define DEFAULT_BURST 50
/* rate + burst stays under this, so a minute never reaches the API's 500 */
#define MAX_PER_MINUTE 480
#define DEFAULT_BACKOFF_BASE_MS 2000LL
#define DEFAULT_BACKOFF_MAX_MS (15LL * 60 * 1000)
#define DEFAULT_SETTLE_MS 2000LL
#define DEFAULT_LOOKUP_MARGIN_MS (10LL * 60 * 1000)
#define DEFAULT_MAX_WAIT_MS 10000LL
/* how often an idle loop looks for rows other processes may have added */
#define IDLE_RECHECK_MS 30000LL
/* calls fetched at most by one lookup */
#define LOOKUP_MAX_ITEMS 1000

/* One attempt of ours: a claimed row, its lookup and/or POST. */
struct job {
    struct outbox *ob;
    struct job *next;
    struct store_row row;    /* as claimed; row.state STORE_UNKNOWN means look up first */
    struct api_op *op;       /* in flight, NULL between phases */
    bool is_background;
    bool is_blocking;        /* a blocking caller collects and frees it */
    bool is_found;           /* sent: found by a lookup rather than posted */
    outbox_done_fn done;
    void *ud;
    bool is_finished;
    enum outbox_status status;
    struct api_result res;   /* the deciding result */
    struct call_record rec;  /* the created call when sent by a POST */
    bool has_rec;
    struct spool_file *spool; /* a submit written ahead to the spool instead of the store */
};

struct outbox {
    struct store *store;     /* NULL until first needed in a deferred outbox */
    bool owns_store;
    char *store_path;        /* deferred: what to open; NULL = the default */
    char *spool_dir;         /* deferred: where a submit writes ahead first */
    struct api *api;
    struct outbox_options opt;
    struct store_lease lease;
    char *api_base;
    struct job *jobs;
    int n_background;
    double tokens;           /* rate limiter bucket; may go below zero, then we wait longer */
    long long tokens_at;
    long long next_check_at; /* background: when to look for due rows again */
    long long paused_until;  /* background: after a temporary failure, leave the server be */
    unsigned long long rnd;
    outbox_done_fn listener;
    void *listener_ud;
};

static const char *const status_names[] = {
    [OUTBOX_SENT] = "sent",       [OUTBOX_REJECTED] = "rejected", [OUTBOX_PENDING] = "pending",
    [OUTBOX_UNKNOWN] = "unknown", [OUTBOX_BUSY] = "busy",         [OUTBOX_NOT_DUE] = "not due",
    [OUTBOX_ERROR] = "error",
};

const char *outbox_status_name(enum outbox_status st)
{
    return (st >= 0 && (size_t)st < ARRAY_LEN(status_names)) ? status_names[st] : "?";
}

static long long now_ms(const struct outbox *ob)
{
    return ob->opt.now_ms ? ob->opt.now_ms() : store_now_ms();
}

static unsigned next_random(struct outbox *ob)
{
    ob->rnd ^= ob->rnd << 13;
    ob->rnd ^= ob->rnd >> 7;
    ob->rnd ^= ob->rnd << 17;
    return (unsigned)(ob->rnd >> 11);
}

static void sleep_ms(long long ms)
{
    struct timespec ts;

    if (ms <= 0)
        return;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* ---- pure helpers ---- */

long long outbox_backoff_ms(const struct outbox_options *opt, int attempts, long retry_after,
                            unsigned rnd)
{
    long long base = opt && opt->backoff_base_ms > 0 ? opt->backoff_base_ms
                                                     : DEFAULT_BACKOFF_BASE_MS;
    long long max = opt && opt->backoff_max_ms > 0 ? opt->backoff_max_ms : DEFAULT_BACKOFF_MAX_MS;
    long long delay = base;

    if (retry_after >= 0)
        return (long long)retry_after * 1000;
    for (int i = 1; i < attempts && delay < max; i++)
        delay *= 2;
    if (delay > max)
        delay = max;
    /* "equal jitter": never sooner than half the delay, so a down server is not hammered,
     * yet processes that failed together spread out */
    return delay / 2 + (long long)(rnd % (unsigned long long)(delay / 2 + 1));
}

/* Digits only (and a leading +), so "+1 415-555 0100" equals "+14155550100". */
static void phone_key(const char *s, char *out, size_t cap)
{
    size_t n = 0;

    for (; s && *s && n + 1 < cap; s++)
        if ((*s >= '0' && *s <= '9') || (*s == '+' && n == 0))
            out[n++] = *s;
    out[n] = '\0';
}

static bool same_phone(const char *a, const char *b)
{
    char ka[64], kb[64];

    phone_key(a, ka, sizeof(ka));
    phone_key(b, kb, sizeof(kb));
    /* a server may drop or add the "+"; compare the digits then */
    return !strcmp(ka[0] == '+' ? ka + 1 : ka, kb[0] == '+' ? kb + 1 : kb);
}

static bool same_text(const char *ours, const char *theirs)
{
    /* a field the server does not report cannot tell calls apart */
    return !theirs || !strcasecmp(ours, theirs);
}

bool outbox_record_matches(const struct call *c, const struct call_record *r)
{
    long long duration;
    int answered = call_parse_bool(call_get(c, FIELD_ANSWERED));
    int human = call_parse_bool(call_get(c, FIELD_HUMAN));

    if (!c || !r || !r->task_id || !r->to)
        return false;
    if (strcasecmp(r->task_id, call_get(c, FIELD_TASK)) != 0)
        return false;
    if (!same_phone(call_get(c, FIELD_TO), r->to))
        return false;
    if (!str_to_nonneg(call_get(c, FIELD_DURATION), 1LL << 40, &duration) ||
        r->duration != duration)
        return false;
    if (r->from && !same_phone(call_get(c, FIELD_FROM), r->from))
        return false;
    if ((r->answered >= 0 && answered >= 0 && r->answered != answered) ||
        (r->human >= 0 && human >= 0 && r->human != human))
        return false;
    if (!same_text(call_get(c, FIELD_USER), r->user_id))
        return false;
    if (*call_get(c, FIELD_DISPOSITION) && !same_text(call_get(c, FIELD_DISPOSITION),
                                                      r->disposition_id))
        return false;
    return true;
}

/* ---- rate limiter: a token bucket ---- */

static void refill(struct outbox *ob, long long now)
{
    double per_ms = ob->opt.rate_per_min / 60000.0;

    if (now > ob->tokens_at) {
        ob->tokens += (double)(now - ob->tokens_at) * per_ms;
        if (ob->tokens > ob->opt.burst)
            ob->tokens = ob->opt.burst;
    }
    ob->tokens_at = now;
}

/* ms until a token is available (0 = now) */
static long long ms_to_token(struct outbox *ob, long long now)
{
    refill(ob, now);
    if (ob->tokens >= 1)
        return 0;
    return (long long)((1 - ob->tokens) * 60000.0 / ob->opt.rate_per_min) + 1;
}

static void take_token(struct outbox *ob)
{
    refill(ob, now_ms(ob));
    ob->tokens -= 1;
}

/* ---- construction ---- */

void outbox_options_from_env(struct outbox_options *opt)
{
    const char *v = getenv("AMPLECALL_OUTBOX_RATE");
    long long n;

    if (v && str_to_nonneg(v, 450, &n) && n > 0) {
        opt->rate_per_min = (int)n;
        opt->burst = (int)(n + DEFAULT_BURST <= MAX_PER_MINUTE ? DEFAULT_BURST
                                                                : MAX_PER_MINUTE - n);
    }
    v = getenv("AMPLECALL_OUTBOX_SETTLE_MS");
    if (v && str_to_nonneg(v, 600000, &n) && n > 0)
        opt->settle_ms = n;
}

struct outbox *outbox_new(struct store *store, struct api *api, const struct outbox_options *opt)
{
    struct outbox *ob = xcalloc(1, sizeof(*ob));

    ob->store = store;
    ob->api = api;
    if (opt)
        ob->opt = *opt;
    if (ob->opt.lease_ms <= 0)
        ob->opt.lease_ms = DEFAULT_LEASE_MS;
    if (ob->opt.rate_per_min <= 0)
        ob->opt.rate_per_min = DEFAULT_RATE_PER_MIN;
    if (ob->opt.burst <= 0)
        ob->opt.burst = DEFAULT_BURST;
    if (ob->opt.backoff_base_ms <= 0)
        ob->opt.backoff_base_ms = DEFAULT_BACKOFF_BASE_MS;
    if (ob->opt.backoff_max_ms <= 0)
        ob->opt.backoff_max_ms = DEFAULT_BACKOFF_MAX_MS;
    if (ob->opt.settle_ms <= 0)
        ob->opt.settle_ms = DEFAULT_SETTLE_MS;
    if (ob->opt.lookup_margin_ms <= 0)
        ob->opt.lookup_margin_ms = DEFAULT_LOOKUP_MARGIN_MS;
    if (ob->opt.max_wait_ms <= 0)
        ob->opt.max_wait_ms = DEFAULT_MAX_WAIT_MS;
    store_lease_init_self(&ob->lease, ob->opt.lease_ms);
    ob->api_base = xstrdup(api ? http_client_base_url(api_http(api)) : "");
    ob->tokens = ob->opt.burst;
    ob->tokens_at = now_ms(ob);
    ob->rnd = (unsigned long long)strtoull(ob->lease.token + 16, NULL, 16) | 1;
    return ob;
}

struct outbox *outbox_new_deferred(const char *store_path, struct api *api,
                                   const struct outbox_options *opt, char **err)
{
    char *path = store_path ? xstrdup(store_path) : store_default_path(err);
    struct outbox *ob;

    if (!path)
        return NULL;
    ob = outbox_new(NULL, api, opt);
    ob->store_path = path;
    ob->spool_dir = spool_dir_for(path);
    return ob;
}

/* The store, opened on first use in a deferred outbox (adopting the spool). */
static struct store *need_store(struct outbox *ob, char **err)
{
    if (!ob->store && ob->store_path) {
        ob->store = store_open(ob->store_path, err);
        ob->owns_store = ob->store != NULL;
    } else if (!ob->store) {
        *err = xstrdup("internal: an outbox without a store");
    }
    return ob->store;
}

static struct job *job_new(struct outbox *ob, bool is_background, bool is_blocking)
{
    struct job *j = xcalloc(1, sizeof(*j));

    j->ob = ob;
    j->is_background = is_background;
    j->is_blocking = is_blocking;
    store_row_init(&j->row);
    api_result_init(&j->res);
    call_record_init(&j->rec);
    j->next = ob->jobs;
    ob->jobs = j;
    if (is_background)
        ob->n_background++;
    return j;
}

static void job_free(struct job *j)
{
    struct outbox *ob = j->ob;

    for (struct job **p = &ob->jobs; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            break;
        }
    }
    if (j->is_background)
        ob->n_background--;
    spool_close(j->spool);
    store_row_done(&j->row);
    api_result_done(&j->res);
    call_record_done(&j->rec);
    free(j);
}

void outbox_free(struct outbox *ob)
{
    if (!ob)
        return;
    while (ob->jobs) {
        struct job *j = ob->jobs;
        struct store_outcome o = {
            .state = STORE_UNKNOWN,
            .error = "the program ended during an attempt; outcome unknown",
            .next_attempt_at = now_ms(ob),
        };
        char *err = NULL;

        if (j->op && !j->is_finished) {
            api_op_cancel(ob->api, j->op); /* no callback runs for a cancelled op */
            /* the request may have gone out: resolve by lookup, never by resending */
            if (j->spool ? !spool_finish(j->spool, &o, now_ms(ob), &err)
                         : !store_finish(ob->store, j->row.id, &ob->lease, &o, now_ms(ob), &err))
                free(err);
        }
        job_free(j);
    }
    if (ob->owns_store)
        store_close(ob->store);
    free(ob->store_path);
    free(ob->spool_dir);
    free(ob->api_base);
    free(ob);
}

int outbox_in_flight(const struct outbox *ob)
{
    int n = 0;

    for (const struct job *j = ob->jobs; j; j = j->next)
        n += !j->is_finished;
    return n;
}

void outbox_set_listener(struct outbox *ob, outbox_done_fn fn, void *ud)
{
    ob->listener = fn;
    ob->listener_ud = ud;
}

/* ---- one attempt ---- */

static void start_post(struct job *j);

/* The API's call object as JSON text, for a call found by lookup (there is no POST body
 * to keep then). Owned. */
static char *record_to_json(const struct call_record *r)
{
    json_object *o = json_object_new_object();
    const struct { const char *key; const char *val; } strs[] = {
        {"id", r->id},
        {"from", r->from},
        {"to", r->to},
        {"start_date", r->start_date},
        {"disposition_id", r->disposition_id},
        {"task_id", r->task_id},
        {"user_id", r->user_id},
        {"transcription", r->transcription},
        {"notes", r->notes},
        {"recording_url", r->recording_url},
    };
    char *text;

    for (size_t i = 0; i < ARRAY_LEN(strs); i++)
        if (strs[i].val)
            json_object_object_add(o, strs[i].key, json_object_new_string(strs[i].val));
    if (r->duration >= 0)
        json_object_object_add(o, "duration", json_object_new_int64(r->duration));
    if (r->answered >= 0)
        json_object_object_add(o, "answered", json_object_new_boolean(r->answered));
    if (r->human >= 0)
        json_object_object_add(o, "human", json_object_new_boolean(r->human));
    if (r->external >= 0)
        json_object_object_add(o, "external", json_object_new_boolean(r->external));
    if (r->contact_id || r->contact_name || r->contact_email) {
        json_object *c = json_object_new_object();
        if (r->contact_id)
            json_object_object_add(c, "id", json_object_new_string(r->contact_id));
        if (r->contact_name)
            json_object_object_add(c, "name", json_object_new_string(r->contact_name));
        if (r->contact_email)
            json_object_object_add(c, "email", json_object_new_string(r->contact_email));
        json_object_object_add(o, "contact", c);
    }
    text = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return text;
}

/* ISO 8601 UTC for a Unix ms time; out must hold 21 bytes. */
static void iso_utc(long long ms, char *out, size_t cap)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Record the outcome of a spooled submit in its file. A call that stays in the outbox
 * (anything but sent) lives in the store from then on: open it, which adopts the record,
 * and take the row's id, so a retry and `outbox flush` find it there. */
static void finish_spooled(struct job *j, enum outbox_status st, const struct store_outcome *o,
                           long long now)
{
    struct outbox *ob = j->ob;
    char *err = NULL, *key = xstrdup(spool_key(j->spool));
    bool is_recorded = spool_finish(j->spool, o, now, &err);

    if (!is_recorded && !j->res.message)
        j->res.message = xstrdup(err);
    free(err);
    err = NULL;
    spool_close(j->spool); /* unlocked: now it can be adopted */
    j->spool = NULL;
    if ((st != OUTBOX_SENT || !is_recorded) &&
        (!need_store(ob, &err) || store_id_for_key(ob->store, key, &j->row.id, &err) != 1)) {
        /* the record stays in the spool; the next run that opens the store adopts it */
        if (!j->res.message)
            j->res.message = xasprintf("cannot move the call to the outbox: %s",
                                       err ? err : "its record was not adopted");
    }
    else if (st == OUTBOX_SENT && spool_count(ob->spool_dir, SPOOL_ADOPT_AT) >= SPOOL_ADOPT_AT &&
             !need_store(ob, &err)) {
        /* only scripts log here and nothing else opens the store: adopt now and then */
        free(err);
        err = NULL;
    }
    free(err);
    free(key);
}

/* Store the outcome, tell whoever waits, and forget the job if nobody reads it later. */
static void job_finish(struct job *j, enum outbox_status st, const struct store_outcome *o)
{
    struct outbox *ob = j->ob;
    long long now = now_ms(ob);
    char *err = NULL;

    j->op = NULL;
    j->status = st;
    if (j->spool) {
        finish_spooled(j, st, o, now);
    } else if (!store_finish(ob->store, j->row.id, &ob->lease, o, now, &err)) {
        /* The row keeps its lease until it expires; the next run then resolves it by
         * lookup. Nothing is lost; say so through the result. */
        if (!j->res.message)
            j->res.message = xasprintf("cannot record the outcome: %s", err);
        free(err);
    }
    j->is_finished = true;
    if (j->is_background && (st == OUTBOX_PENDING || st == OUTBOX_UNKNOWN))
        ob->paused_until = o->next_attempt_at;
    /* any outcome may leave a row due later (a submit that failed): let outbox_tick look
     * again rather than sleep until its idle recheck */
    ob->next_check_at = now;
    if (j->done)
        j->done(j->row.id, st, &j->res, j->has_rec ? &j->rec : NULL, j->ud);
    if (ob->listener)
        ob->listener(j->row.id, st, &j->res, j->has_rec ? &j->rec : NULL, ob->listener_ud);
    if (!j->is_blocking)
        job_free(j);
}

static void take_result(struct job *j, struct api_result *res)
{
    api_result_done(&j->res);
    j->res = *res;
    api_result_init(res); /* the caller's copy stays valid for api.c to free */
}

static void on_post_done(struct api_result *res, struct call_record *rec, void *ud)
{
    struct job *j = ud;
    struct outbox *ob = j->ob;
    struct store_outcome o = {.status = res->status};
    long long now = now_ms(ob);
    enum outbox_status st;

    j->op = NULL;
    take_result(j, res);
    res = &j->res;
    if (api_result_ok(res) && rec && rec->id) {
        j->rec = *rec;
        memset(rec, 0, sizeof(*rec));
        j->has_rec = true;
        o.state = STORE_SENT;
        o.remote_id = j->rec.id;
        o.response = res->body;
        o.resolved_by = "response";
        st = OUTBOX_SENT;
    } else if (res->is_unknown) {
        long long d = outbox_backoff_ms(&ob->opt, j->row.attempts, -1, next_random(ob));
        o.state = STORE_UNKNOWN;
        o.error = res->message;
        o.response = res->body_len ? res->body : NULL;
        o.next_attempt_at = now + (d > ob->opt.settle_ms ? d : ob->opt.settle_ms);
        st = OUTBOX_UNKNOWN;
    } else if (res->outcome == HTTP_OUT_CLIENT_ERROR) {
        o.state = STORE_REJECTED;
        o.error = res->message;
        o.response = res->body;
        o.errors_json = res->errors.n > 0 ? res->body : NULL;
        st = OUTBOX_REJECTED;
    } else {
        /* network before the body went out, 5xx, 429, auth, anything unexpected: the
         * server did not take the call, so sending it again later is safe */
        o.state = STORE_PENDING;
        o.error = res->message ? res->message : "the request failed";
        o.response = res->body_len ? res->body : NULL;
        o.next_attempt_at =
            now + outbox_backoff_ms(&ob->opt, j->row.attempts,
                                    res->outcome == HTTP_OUT_RATE_LIMITED ? res->retry_after : -1,
                                    next_random(ob));
        st = OUTBOX_PENDING;
    }
    job_finish(j, st, &o);
}

static void on_lookup_done(struct api_result *res, struct call_list *l, void *ud)
{
    struct job *j = ud;
    struct outbox *ob = j->ob;
    struct store_outcome o = {.status = res->status};
    long long now = now_ms(ob);

    j->op = NULL;
    if (!api_result_ok(res)) {
        char *msg = xasprintf("cannot check whether an earlier attempt arrived: %s",
                              res->message ? res->message : "lookup failed");
        take_result(j, res);
        free(j->res.message);
        j->res.message = msg;
        o.state = STORE_UNKNOWN;
        o.error = msg;
        o.next_attempt_at =
            now + outbox_backoff_ms(&ob->opt, j->row.attempts,
                                    j->res.outcome == HTTP_OUT_RATE_LIMITED ? j->res.retry_after
                                                                            : -1,
                                    next_random(ob));
        job_finish(j, OUTBOX_UNKNOWN, &o);
        return;
    }
    for (size_t i = 0; l && i < l->n; i++) {
        char *err = NULL;
        int known;

        if (!outbox_record_matches(&j->row.call, &l->v[i]))
            continue;
        /* two identical calls (say two unanswered calls to one task) each claim their own
         * server call, never the same one twice */
        known = store_remote_id_is_known(ob->store, l->v[i].id, &err);
        if (known < 0) {
            /* a match we cannot check is no proof the call is missing: never post on it */
            char *msg = xasprintf("cannot check a call found on the server: %s", err);
            free(err);
            take_result(j, res);
            free(j->res.message);
            j->res.message = msg;
            o.state = STORE_UNKNOWN;
            o.error = msg;
            o.next_attempt_at =
                now + outbox_backoff_ms(&ob->opt, j->row.attempts, -1, next_random(ob));
            job_finish(j, OUTBOX_UNKNOWN, &o);
            return;
        }
        free(err);
        if (known)
            continue;
        take_result(j, res);
        free(j->res.body);
        j->res.body = record_to_json(&l->v[i]);
        j->res.body_len = strlen(j->res.body);
        j->res.status = 200;
        o.state = STORE_SENT;
        o.remote_id = l->v[i].id;
        o.response = j->res.body;
        o.resolved_by = "lookup";
        j->is_found = true;
        job_finish(j, OUTBOX_SENT, &o);
        return;
    }
    /* Not on the server: the earlier attempt never arrived, so posting now is safe. */
    take_token(ob);
    start_post(j);
}

static void start_post(struct job *j)
{
    j->op = api_post_call_async(j->ob->api, &j->row.call, on_post_done, j);
}

static void start_lookup(struct job *j)
{
    struct outbox *ob = j->ob;
    char since[32];
    struct calls_query q = {0};

    iso_utc(j->row.first_attempt_at - ob->opt.lookup_margin_ms, since, sizeof(since));
    q.user_id = call_get(&j->row.call, FIELD_USER);
    q.to = call_get(&j->row.call, FIELD_TO);
    q.start_date_from = since;
    j->op = api_calls_async(ob->api, &q, LOOKUP_MAX_ITEMS, on_lookup_done, j);
}

/* The claimed row decides the first request: a lookup when it may already be on the server. */
static void start_job(struct job *j)
{
    take_token(j->ob);
    if (j->row.state == STORE_UNKNOWN)
        start_lookup(j);
    else
        start_post(j);
}

/* Drive the api until j is finished. */
static void run_blocking(struct job *j)
{
    struct http_client *http = api_http(j->ob->api);

    while (!j->is_finished && http_client_pending(http) > 0)
        http_client_wait(http);
}

/* Hand a blocking job's results to the caller and free it. */
static enum outbox_status job_collect(struct job *j, struct api_result *res,
                                      struct call_record *rec, bool *is_found)
{
    enum outbox_status st = j->is_finished ? j->status : OUTBOX_UNKNOWN;

    if (is_found)
        *is_found = j->is_found;
    if (res) {
        api_result_done(res);
        *res = j->res;
        api_result_init(&j->res);
    }
    if (rec && j->has_rec) {
        call_record_done(rec);
        *rec = j->rec;
        memset(&j->rec, 0, sizeof(j->rec));
        j->has_rec = false;
    }
    job_free(j);
    return st;
}

/* ---- blocking ---- */

/* The job's row for a call written ahead just now: its first attempt, a POST, no lookup. */
static void fresh_row(struct job *j, const struct call *c, long long now)
{
    call_copy(&j->row.call, c);
    j->row.state = STORE_PENDING;
    j->row.attempts = 1;
    j->row.first_attempt_at = now;
    j->row.last_attempt_at = now;
}

static bool insert_job(struct outbox *ob, struct job *j, const struct call *c,
                       const char *draft_slot, char **err)
{
    struct store_new n = {.call = c, .api_base = ob->api_base, .draft_slot = draft_slot};
    long long now = now_ms(ob);

    if (!store_insert_sending(ob->store, &n, &ob->lease, now, &j->row.id, err))
        return false;
    fresh_row(j, c, now);
    return true;
}

/* Deferred outbox, store not open yet: write the call ahead to the spool instead. false
 * when that failed (then the store is the way). */
static bool spool_job(struct outbox *ob, struct job *j, const struct call *c)
{
    long long now = now_ms(ob);
    char *err = NULL;

    j->spool = spool_begin(ob->spool_dir, c, ob->api_base, &ob->lease, now, &err);
    free(err);
    if (!j->spool)
        return false;
    fresh_row(j, c, now);
    return true;
}

enum outbox_status outbox_submit(struct outbox *ob, const struct call *c, const char *draft_slot,
                                 struct api_result *res, struct call_record *rec, long long *id,
                                 char **err)
{
    struct job *j = job_new(ob, false, true);
    enum outbox_status st;

    *err = NULL;
    if (!(!ob->store && ob->spool_dir && !draft_slot && spool_job(ob, j, c)) &&
        (!need_store(ob, err) || !insert_job(ob, j, c, draft_slot, err))) {
        job_free(j);
        return OUTBOX_ERROR;
    }
    /* a rep's own submit never waits for the limiter; it only uses up a token */
    start_job(j);
    run_blocking(j);
    if (id)
        *id = j->row.id; /* a spooled call that was sent has none: it is not in the store yet */
    st = job_collect(j, res, rec, NULL);
    return st;
}

/* Claim stored call id for job j, looking it up first if its state is unknown, ignoring
 * its backoff but not a Retry-After. 1 claimed; 0 not, with *why OUTBOX_BUSY (being sent
 * right now) or OUTBOX_NOT_DUE; -1 with *err when the store failed or there is no such
 * call. The caller frees j unless it was claimed. */
static int claim_call(struct outbox *ob, struct job *j, long long id, enum outbox_status *why,
                      char **err)
{
    struct store_claim_query q = {
        .api_base = ob->api_base, .only_id = id, .is_forced = true,
        .settle_ms = ob->opt.settle_ms};
    struct store_row cur;
    int got;

    *why = OUTBOX_NOT_DUE;
    if (!need_store(ob, err))
        return -1;
    got = store_claim(ob->store, &q, &ob->lease, now_ms(ob), &j->row, err);
    if (got != 0)
        return got > 0 ? 1 : -1;
    store_row_init(&cur);
    got = store_get(ob->store, id, &cur, err);
    if (got == 0)
        *err = xasprintf("there is no call %lld in the outbox", id);
    else if (got > 0 && cur.state == STORE_SENDING)
        *why = OUTBOX_BUSY;
    store_row_done(&cur);
    return got > 0 ? 0 : -1;
}

enum outbox_status outbox_retry(struct outbox *ob, long long id, struct api_result *res,
                                struct call_record *rec, char **err)
{
    struct job *j = job_new(ob, false, true);
    enum outbox_status why;
    int got;

    *err = NULL;
    got = claim_call(ob, j, id, &why, err);
    if (got <= 0) {
        job_free(j);
        return got < 0 ? OUTBOX_ERROR : why;
    }
    start_job(j);
    run_blocking(j);
    return job_collect(j, res, rec, NULL);
}

void outbox_flush_stats_done(struct outbox_flush_stats *st)
{
    if (!st)
        return;
    free(st->last_error);
    memset(st, 0, sizeof(*st));
}

/* Count what is left for this base URL. */
static bool count_left(struct outbox *ob, struct outbox_flush_stats *st, char **err)
{
    struct store_rows rows;

    if (!store_list(ob->store, true, 0, &rows, err))
        return false;
    st->pending = st->leased = 0;
    for (size_t i = 0; i < rows.n; i++) {
        if (strcmp(rows.v[i].api_base, ob->api_base) != 0)
            continue;
        if (rows.v[i].state == STORE_SENDING)
            st->leased++;
        else
            st->pending++;
    }
    store_rows_done(&rows);
    return true;
}

bool outbox_flush(struct outbox *ob, struct outbox_flush_stats *st, char **err)
{
    long long pass_start = now_ms(ob);
    struct store_claim_query q = {
        .api_base = ob->api_base, .is_forced = true, .settle_ms = ob->opt.settle_ms,
        .attempted_before = pass_start};

    memset(st, 0, sizeof(*st));
    *err = NULL;
    if (!need_store(ob, err))
        return false;
    for (;;) {
        struct job *j;
        struct api_result res;
        enum outbox_status s;
        long long now = now_ms(ob), when;
        bool is_found = false;
        int got;

        sleep_ms(ms_to_token(ob, now));
        j = job_new(ob, false, true);
        got = store_claim(ob->store, &q, &ob->lease, now_ms(ob), &j->row, err);
        if (got < 0) {
            job_free(j);
            return false;
        }
        if (got == 0) {
            job_free(j);
            /* an unknown call still settling, or a short Retry-After: wait for it */
            got = store_next_due(ob->store, &q, &when, err);
            if (got < 0)
                return false;
            now = now_ms(ob);
            if (got == 0 || when - now > ob->opt.max_wait_ms)
                break;
            sleep_ms(when - now);
            continue;
        }
        start_job(j);
        run_blocking(j);
        api_result_init(&res);
        s = job_collect(j, &res, NULL, &is_found);
        switch (s) {
        case OUTBOX_SENT:
            if (is_found)
                st->found++;
            else
                st->sent++;
            break;
        case OUTBOX_REJECTED:
            st->rejected++;
            break;
        default:
            str_set(&st->last_error, res.message ? res.message : outbox_status_name(s));
            if (res.outcome == HTTP_OUT_AUTH)
                st->is_auth_failed = true;
            else
                st->is_server_down = true;
            break;
        }
        api_result_done(&res);
        if (st->is_auth_failed || st->is_server_down)
            break;
    }
    return count_left(ob, st, err);
}

/* ---- non-blocking ---- */

bool outbox_submit_async(struct outbox *ob, const struct call *c, const char *draft_slot,
                         outbox_done_fn done, void *ud, long long *id, char **err)
{
    struct job *j = job_new(ob, false, false);

    *err = NULL;
    j->done = done;
    j->ud = ud;
    if (!need_store(ob, err) || !insert_job(ob, j, c, draft_slot, err)) {
        job_free(j);
        return false;
    }
    if (id)
        *id = j->row.id;
    start_job(j);
    return true;
}

int outbox_retry_async(struct outbox *ob, long long id, outbox_done_fn done, void *ud,
                       enum outbox_status *why, char **err)
{
    struct job *j = job_new(ob, false, false);
    int got;

    *err = NULL;
    got = claim_call(ob, j, id, why, err);
    if (got <= 0) {
        job_free(j);
        return got;
    }
    j->done = done;
    j->ud = ud;
    start_job(j);
    return 1;
}

void outbox_tick(struct outbox *ob)
{
    struct store_claim_query q = {.api_base = ob->api_base, .settle_ms = ob->opt.settle_ms};
    long long now = now_ms(ob), when;
    struct job *j;
    char *err = NULL;
    int got;

    if (!ob->api || !ob->store || ob->n_background > 0 || now < ob->next_check_at ||
        now < ob->paused_until || ms_to_token(ob, now) > 0)
        return;
    j = job_new(ob, true, false);
    got = store_claim(ob->store, &q, &ob->lease, now, &j->row, &err);
    if (got <= 0) {
        job_free(j);
        free(err);
        err = NULL;
        ob->next_check_at = now + IDLE_RECHECK_MS;
        if (got == 0 && store_next_due(ob->store, &q, &when, &err) == 1 &&
            when < ob->next_check_at)
            ob->next_check_at = when > now ? when : now + 1;
        free(err);
        return;
    }
    start_job(j);
}

long outbox_ms_to_next_tick(struct outbox *ob)
{
    long long now = now_ms(ob), at;

    if (!ob->api || !ob->store || ob->n_background > 0)
        return -1;
    at = ob->next_check_at > ob->paused_until ? ob->next_check_at : ob->paused_until;
    if (at < now + ms_to_token(ob, now))
        at = now + ms_to_token(ob, now);
    return at <= now ? 0 : (long)(at - now);
}
