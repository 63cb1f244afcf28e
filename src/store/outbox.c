/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: the outbox engine: write-ahead submit, outcome recording, lookup-before-resend for
 * calls whose earlier attempt may have reached the server, backoff, a client-side rate limit, and
 * blocking and event-loop drivers over the same attempt machinery. The store owns the rows;
 * this file owns only attempts in flight. No curses, no printing. */
#include "config.h"
#include "store/outbox.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "net/http.h"
#include "core/baseurl.h"
#include "core/util.h"

#define DEFAULT_LEASE_MS (10LL * 60 * 1000)
/* Requests a minute for every process on the machine together (kept in the store); the
 * API allows 500. */
#define DEFAULT_RATE_PER_MIN 450
#define DEFAULT_LOOKUP_MARGIN_MS (10LL * 60 * 1000)
/* the look-up window's slack around the attempts once the server's clock is measured */
#define MEASURED_MARGIN_MS (2LL * 60 * 1000)
#define DEFAULT_MAX_WAIT_MS 10000LL
/* how often an idle loop looks for rows other processes may have added */
#define IDLE_RECHECK_MS 30000LL
/* calls fetched at most by one lookup; past it the look-up is inconclusive */
#define LOOKUP_MAX_ITEMS 5000

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
};

struct outbox {
    struct store *store;
    struct api *api;
    struct outbox_options opt;
    struct store_lease lease;
    char *api_base;          /* in normal form (baseurl.h): the rows this outbox sends */
    struct job *jobs;
    int n_background;
    long long rate_until;    /* background: the machine-wide limit had no slot until then */
    long long next_check_at; /* background: when to look for due rows again */
    long long paused_until;  /* background: after a temporary failure, leave the server be */
    unsigned long long rnd;
    outbox_done_fn listener;
    void *listener_ud;
};

static const char *const status_names[] = {
    [OUTBOX_SENT] = "sent",       [OUTBOX_REJECTED] = "rejected", [OUTBOX_PENDING] = "pending",
    [OUTBOX_UNKNOWN] = "unknown", [OUTBOX_BUSY] = "busy",         [OUTBOX_NOT_DUE] = "not due",
    [OUTBOX_ERROR] = "error",     [OUTBOX_REVIEW] = "review",
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

/* ---- construction ---- */

void outbox_options_from_env(struct outbox_options *opt)
{
    const char *v = getenv("AMPLECALL_OUTBOX_RATE");
    long long n;

    if (v && str_to_nonneg(v, DEFAULT_RATE_PER_MIN, &n) && n > 0)
        opt->rate_per_min = (int)n;
    v = getenv("AMPLECALL_OUTBOX_SETTLE_MS");
    if (v && str_to_nonneg(v, 3600000, &n) && n > 0)
        opt->settle_ms = n;
}

struct outbox *outbox_new(struct store *store, struct api *api, const struct outbox_options *opt)
{
    struct outbox *ob = xcalloc(1, sizeof(*ob));
    long timeout = api ? http_client_timeout_ms(api_http(api)) : 30000;

    ob->store = store;
    ob->api = api;
    if (opt)
        ob->opt = *opt;
    if (ob->opt.lease_ms <= 0)
        ob->opt.lease_ms = DEFAULT_LEASE_MS;
    if (ob->opt.rate_per_min <= 0 || ob->opt.rate_per_min > DEFAULT_RATE_PER_MIN)
        ob->opt.rate_per_min = DEFAULT_RATE_PER_MIN;
    if (ob->opt.backoff_base_ms <= 0)
        ob->opt.backoff_base_ms = OUTBOX_BACKOFF_BASE_MS;
    if (ob->opt.backoff_max_ms <= 0)
        ob->opt.backoff_max_ms = OUTBOX_BACKOFF_MAX_MS;
    /* A request still on its way lands within its timeout or is dropped; a backend behind a
     * proxy that gave up may commit later still, so the default waits two timeouts. Never
     * less than one (doc/outbox.md). */
    if (ob->opt.settle_ms <= 0)
        ob->opt.settle_ms = 2LL * timeout;
    if (ob->opt.settle_ms < timeout)
        ob->opt.settle_ms = timeout;
    if (ob->opt.lookup_margin_ms <= 0)
        ob->opt.lookup_margin_ms = DEFAULT_LOOKUP_MARGIN_MS;
    if (ob->opt.max_wait_ms <= 0)
        ob->opt.max_wait_ms = DEFAULT_MAX_WAIT_MS;
    if (ob->opt.max_wait_ms < ob->opt.settle_ms + 1000)
        ob->opt.max_wait_ms = ob->opt.settle_ms + 1000;
    store_lease_init_self(&ob->lease, ob->opt.lease_ms);
    ob->api_base = baseurl_normalise(api ? http_client_base_url(api_http(api)) : "");
    ob->rnd = (unsigned long long)strtoull(ob->lease.token + 16, NULL, 16) | 1;
    return ob;
}

const char *outbox_base(const struct outbox *ob)
{
    return ob->api_base;
}

long long outbox_settle_ms(const struct outbox *ob)
{
    return ob->opt.settle_ms;
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
            if (!store_finish(ob->store, j->row.id, &ob->lease, &o, now_ms(ob), &err))
                free(err);
        }
        job_free(j);
    }
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

/* The server's clock against ours, from a response's Date header; kept for look-ups. */
static void note_clock(struct outbox *ob, const struct api_result *res)
{
    char *err = NULL;

    if (res->server_date_ms <= 0 || res->local_date_ms <= 0)
        return;
    if (!store_clock_note(ob->store, ob->api_base, res->server_date_ms - res->local_date_ms,
                          now_ms(ob), &err))
        free(err); /* a look-up then uses the wide margin: slower, never wrong */
}

/* Store the outcome, tell whoever waits, and forget the job if nobody reads it later. */
static void job_finish(struct job *j, enum outbox_status st, const struct store_outcome *o)
{
    struct outbox *ob = j->ob;
    long long now = now_ms(ob);
    char *err = NULL;

    j->op = NULL;
    j->status = st;
    if (o && !store_finish(ob->store, j->row.id, &ob->lease, o, now, &err)) {
        /* The row keeps its lease until this process ends; the next run then resolves it
         * by lookup. Nothing is lost; say so through the result. */
        char *m = xasprintf("%s%scannot record the outcome: %s", j->res.message ? j->res.message : "",
                            j->res.message ? "; " : "", err);
        free(j->res.message);
        j->res.message = m;
        free(err);
    }
    j->is_finished = true;
    if (j->is_background && (st == OUTBOX_PENDING || st == OUTBOX_UNKNOWN) && o)
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

static long long retry_delay(struct job *j, long retry_after)
{
    return outbox_backoff_ms(&j->ob->opt, j->row.attempts, retry_after, next_random(j->ob));
}

static void on_post_done(struct api_result *res, struct call_record *rec, void *ud)
{
    struct job *j = ud;
    struct outbox *ob = j->ob;
    struct store_outcome o = {.status = res->status};
    long long now = now_ms(ob);
    bool has_call = api_result_ok(res) && rec && rec->id;
    enum store_state verdict = outbox_verdict(res, has_call);
    enum outbox_status st;

    j->op = NULL;
    take_result(j, res);
    res = &j->res;
    note_clock(ob, res);
    res->is_unknown = verdict == STORE_UNKNOWN;
    o.state = verdict;
    o.response = res->body_len ? res->body : NULL;
    switch (verdict) {
    case STORE_SENT:
        j->rec = *rec;
        memset(rec, 0, sizeof(*rec));
        j->has_rec = true;
        o.remote_id = j->rec.id;
        o.resolved_by = "response";
        st = OUTBOX_SENT;
        break;
    case STORE_REJECTED:
        o.error = res->message;
        o.errors_json = res->errors.n > 0 ? res->body : NULL;
        st = OUTBOX_REJECTED;
        break;
    case STORE_UNKNOWN: {
        long long d = retry_delay(j, -1);
        char *m = xasprintf("%s; the call may or may not have been logged: it is kept and "
                            "looked up before any resend",
                            res->message ? res->message : "the answer cannot be read");
        free(res->message);
        res->message = m;
        o.error = m;
        o.next_attempt_at = now + (d > ob->opt.settle_ms ? d : ob->opt.settle_ms);
        st = OUTBOX_UNKNOWN;
        break;
    }
    default:
        /* nothing of the call reached the server, or it refused to look at it (auth, 429,
         * 408...): sending it again later is safe */
        o.state = STORE_PENDING;
        o.error = res->message ? res->message : "the request failed";
        o.next_attempt_at =
            now + retry_delay(j, res->outcome == HTTP_OUT_RATE_LIMITED ? res->retry_after : -1);
        st = OUTBOX_PENDING;
        break;
    }
    job_finish(j, st, &o);
}

/* A look-up that settles nothing: the row stays unknown, looked up again later. */
static void lookup_inconclusive(struct job *j, struct api_result *res, const char *why)
{
    struct store_outcome o = {.state = STORE_UNKNOWN, .status = res ? res->status : 0};
    char *msg = xasprintf("cannot tell whether an earlier attempt arrived (%s); the call is "
                          "kept and checked again later",
                          why);

    if (res)
        take_result(j, res);
    free(j->res.message);
    j->res.message = msg;
    j->res.is_unknown = true;
    o.error = msg;
    o.next_attempt_at =
        now_ms(j->ob) + retry_delay(j, j->res.outcome == HTTP_OUT_RATE_LIMITED ? j->res.retry_after
                                                                               : -1);
    job_finish(j, OUTBOX_UNKNOWN, &o);
}

/* The earliest and latest server start_date this call can carry, in the server's clock:
 * from its first attempt less its duration (a server may stamp a call's start) to now, each
 * widened by the measured skew and a margin (wide when the skew was never measured). */
static void lookup_window(struct job *j, long long *from, long long *to)
{
    struct outbox *ob = j->ob;
    long long skew = 0, duration = 0, margin = ob->opt.lookup_margin_ms;
    char *err = NULL;
    int known = store_clock_skew(ob->store, ob->api_base, &skew, &err);

    free(err);
    if (known == 1)
        margin = MEASURED_MARGIN_MS + 1000; /* the Date header has whole seconds */
    else
        skew = 0;
    if (!str_to_nonneg(call_get(&j->row.call, FIELD_DURATION), 1LL << 40, &duration))
        duration = 0;
    *from = j->row.first_attempt_at + skew - duration * 1000 - margin;
    *to = now_ms(ob) + skew + margin;
}

/* The POST after a conclusive "not there" needs a rate slot of its own: a blocking caller
 * waits for it; in the background the call becomes pending (it is not on the server) and
 * goes when the limit allows. */
static void post_after_lookup(struct job *j)
{
    struct outbox *ob = j->ob;
    long long wait = 0;
    char *err = NULL;

    for (;;) {
        if (store_rate_take(ob->store, ob->opt.rate_per_min, STORE_RATE_WINDOW_MS, now_ms(ob),
                            &wait, &err) < 0) {
            free(err); /* the limit is a courtesy to the API; a broken table must not stop us */
            break;
        }
        if (!wait)
            break;
        if (!j->is_blocking) {
            struct store_outcome o = {
                .state = STORE_PENDING, .next_attempt_at = now_ms(ob) + wait,
                .error = "not on the server; sent when the rate limit allows"};
            ob->rate_until = o.next_attempt_at;
            job_finish(j, OUTBOX_PENDING, &o);
            return;
        }
        sleep_ms(wait);
    }
    start_post(j);
}

static void on_lookup_done(struct api_result *res, struct call_list *l, void *ud)
{
    struct job *j = ud;
    struct outbox *ob = j->ob;
    const char **full_ids = NULL, **full_json = NULL, **partial_json = NULL;
    char **owned_json = NULL;
    size_t n_full = 0, n_partial = 0, n_owned = 0;
    long long from, to, wait = 0;
    enum store_lookup_verdict v;
    const char *taken = NULL;
    char *err = NULL;
    int rc;

    j->op = NULL;
    note_clock(ob, res);
    /* extra pages were requests too: the machine-wide limit counts them afterwards */
    for (size_t i = 1; i < res->n_pages; i++)
        if (store_rate_take(ob->store, ob->opt.rate_per_min, STORE_RATE_WINDOW_MS, now_ms(ob),
                            &wait, &err) < 0) {
            free(err);
            err = NULL;
        }
    if (!api_result_ok(res) || res->is_incomplete) {
        lookup_inconclusive(j, res, res->message ? res->message : "the look-up failed");
        return;
    }
    lookup_window(j, &from, &to);
    for (size_t i = 0; l && i < l->n; i++) {
        enum outbox_match m = outbox_record_match(&j->row.call, &l->v[i]);
        long long at = outbox_parse_iso_ms(l->v[i].start_date);
        char *json;

        if (m == OUTBOX_MATCH_NONE)
            continue;
        /* outside every moment this call can have been stamped with: another call */
        if (at >= 0 && (at < from || at > to))
            continue;
        json = record_to_json(&l->v[i]);
        owned_json = xrealloc(owned_json, (n_owned + 1) * sizeof(*owned_json));
        owned_json[n_owned++] = json;
        if (m == OUTBOX_MATCH_FULL) {
            full_ids = xrealloc(full_ids, (n_full + 1) * sizeof(*full_ids));
            full_json = xrealloc(full_json, (n_full + 1) * sizeof(*full_json));
            full_ids[n_full] = l->v[i].id;
            full_json[n_full++] = json;
        } else {
            partial_json = xrealloc(partial_json, (n_partial + 1) * sizeof(*partial_json));
            partial_json[n_partial++] = json;
        }
    }
    /* the API lists newest first; the oldest unowned match is taken first */
    for (size_t a = 0, b = n_full ? n_full - 1 : 0; a < b; a++, b--) {
        const char *t = full_ids[a];
        full_ids[a] = full_ids[b];
        full_ids[b] = t;
        t = full_json[a];
        full_json[a] = full_json[b];
        full_json[b] = t;
    }
    {
        struct store_lookup sl = {.full_ids = full_ids, .full_json = full_json, .n_full = n_full,
                                  .partial_json = partial_json, .n_partial = n_partial};
        rc = store_conclude_lookup(ob->store, j->row.id, &ob->lease, &sl, now_ms(ob),
                                   now_ms(ob) + ob->opt.settle_ms, &v, &taken, &err);
    }
    if (rc < 0) {
        char *why = xasprintf("the store failed: %s", err);
        free(err);
        lookup_inconclusive(j, res, why);
        free(why);
    } else {
        take_result(j, res);
        free(j->res.message);
        j->res.message = NULL;
        switch (v) {
        case STORE_LOOKUP_ABSENT:
            /* not on the server, and the whole list says so: posting now is safe */
            j->row.state = STORE_PENDING;
            post_after_lookup(j);
            break;
        case STORE_LOOKUP_FOUND:
            for (size_t i = 0; i < n_full; i++)
                if (full_ids[i] == taken) {
                    free(j->res.body);
                    j->res.body = xstrdup(full_json[i]);
                    j->res.body_len = strlen(j->res.body);
                }
            j->res.status = 200;
            j->is_found = true;
            job_finish(j, OUTBOX_SENT, NULL);
            break;
        case STORE_LOOKUP_WAIT:
            j->res.is_unknown = true;
            j->res.message = xstrdup("a call alike in every field is being sent right now; "
                                     "this one is checked again later");
            job_finish(j, OUTBOX_UNKNOWN, NULL);
            break;
        case STORE_LOOKUP_REVIEW:
            j->res.message = xstrdup("the server holds calls like this one that cannot be told "
                                     "apart from it: 'amplecall outbox' shows them, 'amplecall "
                                     "outbox resolve' settles it");
            job_finish(j, OUTBOX_REVIEW, NULL);
            break;
        }
    }
    for (size_t i = 0; i < n_owned; i++)
        free(owned_json[i]);
    free(owned_json);
    free(full_ids);
    free(full_json);
    free(partial_json);
}

static void start_post(struct job *j)
{
    j->op = api_post_call_async(j->ob->api, &j->row.call, on_post_done, j);
}

static void start_lookup(struct job *j)
{
    struct outbox *ob = j->ob;
    char since[32];
    struct calls_query q = {.is_exhaustive = true};
    long long from, to;

    lookup_window(j, &from, &to);
    iso_utc(from, since, sizeof(since));
    q.user_id = call_get(&j->row.call, FIELD_USER);
    q.to = call_get(&j->row.call, FIELD_TO);
    q.start_date_from = since;
    j->op = api_calls_async(ob->api, &q, LOOKUP_MAX_ITEMS, on_lookup_done, j);
}

/* The claimed row decides the first request: a lookup when it may already be on the server.
 * Its rate slot was taken with the claim (or the write-ahead insert). */
static void start_job(struct job *j)
{
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

/* Write-ahead insert. *wait_ms > 0: stored pending, no rate slot yet (nothing to send now). */
static bool insert_job(struct outbox *ob, struct job *j, const struct call *c,
                       const char *draft_slot, long long *wait_ms, char **err)
{
    struct store_new n = {.call = c, .api_base = ob->api_base, .draft_slot = draft_slot,
                          .rate_limit = ob->opt.rate_per_min};
    long long now = now_ms(ob);

    if (!store_insert_sending(ob->store, &n, &ob->lease, now, &j->row.id, wait_ms, err))
        return false;
    fresh_row(j, c, now);
    return true;
}

/* Claim stored call id for job j (forced: its backoff ignored, not a Retry-After), waiting
 * for a rate slot when blocking. 1 claimed; 0 not, with *why OUTBOX_BUSY or OUTBOX_NOT_DUE;
 * -1 with *err. The caller frees j unless it was claimed. */
static int claim_call(struct outbox *ob, struct job *j, long long id, bool is_blocking,
                      enum outbox_status *why, char **err)
{
    struct store_claim_query q = {
        .api_base = ob->api_base, .only_id = id, .is_forced = true,
        .settle_ms = ob->opt.settle_ms, .rate_limit = ob->opt.rate_per_min};
    struct store_row cur;
    int got;

    *why = OUTBOX_NOT_DUE;
    for (;;) {
        long long when, now;

        got = store_claim(ob->store, &q, &ob->lease, now_ms(ob), &j->row, err);
        if (got != 0)
            return got > 0 ? 1 : -1;
        if (!is_blocking)
            break;
        if (q.rate_wait_ms) {
            sleep_ms(q.rate_wait_ms);
            continue;
        }
        /* a call settling (or a short Retry-After) is waited for, as a flush does */
        got = store_next_due(ob->store, &q, &when, err);
        if (got < 0)
            return -1;
        now = now_ms(ob);
        if (got == 0 || when - now > ob->opt.max_wait_ms)
            break;
        sleep_ms(when > now ? when - now : 1);
    }
    store_row_init(&cur);
    got = store_get(ob->store, id, &cur, err);
    if (got == 0)
        *err = xasprintf("there is no call %lld in the outbox", id);
    else if (got > 0 && cur.state == STORE_SENDING)
        *why = OUTBOX_BUSY;
    store_row_done(&cur);
    return got > 0 ? 0 : -1;
}

enum outbox_status outbox_submit(struct outbox *ob, const struct call *c, const char *draft_slot,
                                 struct api_result *res, struct call_record *rec, long long *id,
                                 char **err)
{
    struct job *j = job_new(ob, false, true);
    long long wait = 0;

    *err = NULL;
    if (!insert_job(ob, j, c, draft_slot, &wait, err)) {
        job_free(j);
        return OUTBOX_ERROR;
    }
    if (id)
        *id = j->row.id;
    if (wait) {
        /* the machine's rate limit is used up: the call is stored; wait for its slot */
        enum outbox_status why;
        long long rid = j->row.id;
        int got;

        store_row_done(&j->row);
        store_row_init(&j->row);
        sleep_ms(wait);
        got = claim_call(ob, j, rid, true, &why, err);
        if (got <= 0) {
            job_free(j);
            return got < 0 ? OUTBOX_ERROR : why;
        }
    }
    start_job(j);
    run_blocking(j);
    return job_collect(j, res, rec, NULL);
}

enum outbox_status outbox_retry(struct outbox *ob, long long id, struct api_result *res,
                                struct call_record *rec, char **err)
{
    struct job *j = job_new(ob, false, true);
    enum outbox_status why;
    int got;

    *err = NULL;
    got = claim_call(ob, j, id, true, &why, err);
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
    st->pending = st->leased = st->review = st->damaged = 0;
    for (size_t i = 0; i < rows.n; i++) {
        if (strcmp(rows.v[i].api_base, ob->api_base) != 0)
            continue;
        if (rows.v[i].damage)
            st->damaged++;
        else if (rows.v[i].state == STORE_REVIEW)
            st->review++;
        else if (rows.v[i].state == STORE_SENDING)
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
        .attempted_before = pass_start, .rate_limit = ob->opt.rate_per_min};

    memset(st, 0, sizeof(*st));
    *err = NULL;
    for (;;) {
        struct job *j;
        struct api_result res;
        enum outbox_status s;
        long long now, when;
        bool is_found = false;
        int got;

        j = job_new(ob, false, true);
        got = store_claim(ob->store, &q, &ob->lease, now_ms(ob), &j->row, err);
        if (got < 0) {
            job_free(j);
            return false;
        }
        if (got == 0) {
            job_free(j);
            if (q.rate_wait_ms) {
                sleep_ms(q.rate_wait_ms); /* the machine-wide limit: wait for a slot */
                continue;
            }
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
        case OUTBOX_REVIEW:
            break; /* counted below; the others still flow */
        case OUTBOX_UNKNOWN:
            /* a look-up that could not conclude, or an answer that may hide a stored call:
             * the server is not necessarily down, but leave it be for this pass */
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
    long long wait = 0;

    *err = NULL;
    j->done = done;
    j->ud = ud;
    if (!insert_job(ob, j, c, draft_slot, &wait, err)) {
        job_free(j);
        return false;
    }
    if (id)
        *id = j->row.id;
    if (wait) {
        /* stored, pending until the machine's rate limit has a slot; the tick sends it */
        j->res.message = xasprintf("the rate limit of %d requests a minute is reached; the "
                                   "call is kept and sent in %lld s",
                                   ob->opt.rate_per_min, (wait + 999) / 1000);
        j->res.outcome = HTTP_OUT_RATE_LIMITED;
        ob->rate_until = now_ms(ob) + wait;
        job_finish(j, OUTBOX_PENDING, NULL);
        return true;
    }
    start_job(j);
    return true;
}

int outbox_retry_async(struct outbox *ob, long long id, outbox_done_fn done, void *ud,
                       enum outbox_status *why, char **err)
{
    struct job *j = job_new(ob, false, false);
    int got;

    *err = NULL;
    got = claim_call(ob, j, id, false, why, err);
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
    struct store_claim_query q = {.api_base = ob->api_base, .settle_ms = ob->opt.settle_ms,
                                  .rate_limit = ob->opt.rate_per_min};
    long long now = now_ms(ob), when;
    struct job *j;
    char *err = NULL;
    int got;

    if (!ob->api || !ob->store || ob->n_background > 0 || now < ob->next_check_at ||
        now < ob->paused_until || now < ob->rate_until)
        return;
    j = job_new(ob, true, false);
    got = store_claim(ob->store, &q, &ob->lease, now, &j->row, &err);
    if (got <= 0) {
        job_free(j);
        free(err);
        err = NULL;
        if (q.rate_wait_ms) {
            ob->rate_until = now + q.rate_wait_ms;
            return;
        }
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
    if (at < ob->rate_until)
        at = ob->rate_until;
    return at <= now ? 0 : (long)(at - now);
}
