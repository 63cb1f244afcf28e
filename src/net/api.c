/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: Amplemarket endpoints over http.c. Turns HTTP outcomes into api_result (with the
 * parsed _errors envelope and a readable message), follows _links.next across pages with loop and
 * page caps, and parses list bodies tolerantly. Never touches the screen. */
#include "config.h"
#include "net/api.h"

#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "core/fold.h"
#include "core/jsonx.h"
#include "core/sanitize.h"
#include "core/util.h"

enum op_kind { OP_POST_CALL, OP_DISPOSITIONS, OP_TASKS, OP_USERS, OP_CALLS };

struct api_op {
    struct api *api;
    enum op_kind kind;
    struct http_req *req; /* in flight, borrowed from the client */
    const char *what;     /* "GET /tasks", for messages */
    union {
        api_call_done_fn call;
        api_dispositions_done_fn dispositions;
        api_tasks_done_fn tasks;
        api_users_done_fn users;
        api_calls_done_fn calls;
    } done;
    void *ud;
    bool is_cancelled;
    struct disposition_list dispositions;
    struct task_list tasks;
    struct user_list users;
    struct call_list calls;
    char **seen; /* hrefs already requested or named by a page's self link: a next link
                    back to one of them ends the load */
    size_t n_seen;
    size_t n_pages; /* requests made */
    size_t n_read;  /* pages that answered with a list */
    size_t max_items;
    bool is_exhaustive; /* a look-up: the whole list or a failure, never a part */
    char *target;       /* owned: what the last request asked for, to ask again after a 429 */
    char *plain_target; /* owned: the first page without page[size], for a server that
                           refuses it; NULL when none was added or it was tried */
    int n_waits;        /* 429s waited out */
    struct api_op *prev, *next;
};

struct api {
    struct http_client *http;
    struct api_op *ops;
    api_progress_fn progress;
    void *progress_ud;
};

/* ---- results -------------------------------------------------------------------------- */

void api_result_init(struct api_result *r)
{
    memset(r, 0, sizeof(*r));
    r->retry_after = -1;
    r->body = xstrdup("");
    api_errors_init(&r->errors);
}

void api_result_done(struct api_result *r)
{
    free(r->body);
    free(r->message);
    api_errors_done(&r->errors);
    memset(r, 0, sizeof(*r));
    r->retry_after = -1;
}

bool api_result_ok(const struct api_result *r)
{
    return r->outcome == HTTP_OUT_OK && !r->is_unknown && !r->message;
}

/* A short, sanitised excerpt of a body that is not an error envelope. */
static char *body_excerpt(const char *body, size_t len)
{
    char *clean = sanitize_display(body, len < 200 ? len : 200, 0);
    char *t = str_trim(clean);
    free(clean);
    return t;
}

/* The first error's text, sanitised, or an excerpt of the body. Owned, maybe "". */
static char *server_detail(const struct api_result *r)
{
    if (r->errors.n > 0) {
        char *m = apierr_message(&r->errors.v[0]);
        char *clean = sanitize_line(m);
        free(m);
        return clean;
    }
    return body_excerpt(r->body, r->body_len);
}

static void set_failure_message(struct api_result *r, const struct api_op *op,
                                const struct http_response *resp, const char *host)
{
    char *detail = server_detail(r);
    const char *sep = *detail ? ": " : "";

    switch (r->outcome) {
    case HTTP_OUT_AUTH:
        r->message = xasprintf("the API key was rejected (HTTP %ld)%s%s", r->status, sep, detail);
        break;
    case HTTP_OUT_RATE_LIMITED:
        if (r->retry_after >= 0)
            r->message = xasprintf("rate limited by the API (HTTP 429); retry after %ld s",
                                   r->retry_after);
        else
            r->message = xstrdup("rate limited by the API (HTTP 429)");
        break;
    case HTTP_OUT_SERVER_ERROR:
        r->message = xasprintf("the API failed (HTTP %ld)%s%s", r->status, sep, detail);
        break;
    case HTTP_OUT_CLIENT_ERROR:
        r->message = xasprintf("%s was rejected (HTTP %ld)%s%s", op->what, r->status, sep, detail);
        break;
    case HTTP_OUT_OTHER_STATUS:
        r->message = xasprintf("unexpected answer to %s (HTTP %ld)", op->what, r->status);
        break;
    case HTTP_OUT_TIMEOUT:
        r->message = xasprintf("no answer from %s in time (%s)", host, resp->error ? resp->error : "timeout");
        break;
    case HTTP_OUT_CONNECT:
        /* after the request went out it is no longer "cannot reach": the server may have it */
        if (resp->is_body_sent)
            r->message = xasprintf("the connection to %s broke after the request was sent (%s)",
                                   host, resp->error ? resp->error : "connection closed");
        else
            r->message = xasprintf("cannot reach %s (%s)", host,
                                   resp->error ? resp->error : "connection failed");
        break;
    case HTTP_OUT_TOO_LARGE:
        r->message = xasprintf("the answer to %s is too large (%s)", op->what,
                               resp->error ? resp->error : "over the size cap");
        break;
    case HTTP_OUT_TRANSPORT:
        r->message = xasprintf("%s failed (%s)", op->what, resp->error ? resp->error : "transport error");
        break;
    case HTTP_OUT_CANCELLED:
        r->message = xstrdup("cancelled");
        break;
    case HTTP_OUT_OK:
        break;
    }
    free(detail);
}

/* Fill res from a finished response (takes its body). */
static void result_from_response(struct api_result *res, const struct api_op *op,
                                 struct http_response *resp)
{
    free(res->body);
    res->outcome = resp->outcome;
    res->status = resp->status;
    res->retry_after = resp->retry_after;
    res->is_body_sent = resp->is_body_sent;
    res->server_date_ms = resp->server_date_ms;
    res->local_date_ms = resp->local_date_ms;
    res->n_pages = op->n_pages;
    res->n_rate_waits = op->n_waits;
    res->body = resp->body;
    res->body_len = resp->body_len;
    resp->body = NULL;
    api_errors_done(&res->errors);
    if (res->outcome != HTTP_OUT_OK && res->body_len > 0)
        apierr_parse(res->body, res->body_len, &res->errors);
    if (res->outcome != HTTP_OUT_OK)
        set_failure_message(res, op, resp, http_client_host(op->api->http));
}

/* ---- operations ----------------------------------------------------------------------- */

struct api *api_new(struct http_client *http)
{
    struct api *a = xcalloc(1, sizeof(*a));
    a->http = http;
    return a;
}

struct http_client *api_http(struct api *a)
{
    return a->http;
}

void api_set_progress(struct api *a, api_progress_fn fn, void *ud)
{
    a->progress = fn;
    a->progress_ud = ud;
}

static void op_unlink(struct api_op *op)
{
    struct api *a = op->api;
    if (op->prev)
        op->prev->next = op->next;
    else
        a->ops = op->next;
    if (op->next)
        op->next->prev = op->prev;
}

static void op_free(struct api_op *op)
{
    op_unlink(op);
    disposition_list_done(&op->dispositions);
    task_list_done(&op->tasks);
    user_list_done(&op->users);
    call_list_done(&op->calls);
    for (size_t i = 0; i < op->n_seen; i++)
        free(op->seen[i]);
    free(op->seen);
    free(op->target);
    free(op->plain_target);
    free(op);
}

static struct api_op *op_new(struct api *a, enum op_kind kind, const char *what, void *ud)
{
    struct api_op *op = xcalloc(1, sizeof(*op));
    op->api = a;
    op->kind = kind;
    op->what = what;
    op->ud = ud;
    op->next = a->ops;
    if (a->ops)
        a->ops->prev = op;
    a->ops = op;
    return op;
}

static void on_http_done(struct http_response *resp, void *ud);

static void add_seen(struct api_op *op, const char *href)
{
    op->seen = xrealloc(op->seen, (op->n_seen + 1) * sizeof(*op->seen));
    op->seen[op->n_seen++] = xstrdup(href);
}

static void op_request_after(struct api_op *op, long delay_ms, const char *method,
                             const char *target, const char *body)
{
    char *t = xstrdup(target); /* target may be op->target itself */

    add_seen(op, t);
    op->n_pages++;
    free(op->target);
    op->target = t;
    op->req = http_start_after(op->api->http, delay_ms, method, t, body, on_http_done, op);
}

static void op_request(struct api_op *op, const char *method, const char *target,
                       const char *body)
{
    op_request_after(op, 0, method, target, body);
}

static bool already_seen(const struct api_op *op, const char *href)
{
    for (size_t i = 0; i < op->n_seen; i++)
        if (!strcmp(op->seen[i], href))
            return true;
    return false;
}

/* The page's _links.self names the page just loaded, often in other words than the request
 * (the first request carries no page parameters): a next link back to it is a loop too,
 * and following it would list the same items twice. */
static void note_self_link(struct api_op *op, const struct api_result *res)
{
    json_object *root = jsonx_parse(res->body, res->body_len);
    json_object *self = jsonx_get(jsonx_get(root, "_links", json_type_object), "self",
                                  json_type_object);
    const char *href = jsonx_str(self, "href");

    if (href && *href && !already_seen(op, href))
        add_seen(op, href);
    json_object_put(root);
}

static size_t op_list_len(const struct api_op *op)
{
    switch (op->kind) {
    case OP_DISPOSITIONS:
        return op->dispositions.n;
    case OP_TASKS:
        return op->tasks.n;
    case OP_USERS:
        return op->users.n;
    case OP_CALLS:
        return op->calls.n;
    case OP_POST_CALL:
        break;
    }
    return 0;
}

static void op_report(struct api_op *op, struct api_result *res, struct call_record *rec)
{
    switch (op->kind) {
    case OP_POST_CALL:
        op->done.call(res, rec, op->ud);
        break;
    case OP_DISPOSITIONS:
        op->done.dispositions(res, &op->dispositions, op->ud);
        break;
    case OP_TASKS:
        op->done.tasks(res, &op->tasks, op->ud);
        break;
    case OP_USERS:
        op->done.users(res, &op->users, op->ud);
        break;
    case OP_CALLS:
        op->done.calls(res, &op->calls, op->ud);
        break;
    }
}

/* What the answer means for the call is the outbox's verdict (outbox_verdict); here only
 * the facts: a readable call, or a message saying why not. */
static void finish_post_call(struct api_op *op, struct api_result *res)
{
    struct call_record rec;
    char *err = NULL;

    call_record_init(&rec);
    if (res->outcome == HTTP_OUT_OK) {
        if (call_record_parse(res->body, res->body_len, &rec, &err)) {
            op_report(op, res, &rec);
            call_record_done(&rec);
            return;
        }
        res->message = xasprintf("the API answered HTTP %ld but the body is not a call (%s)",
                                 res->status, err);
        free(err);
    }
    op_report(op, res, NULL);
}

static bool parse_list_page(struct api_op *op, const struct api_result *res, char **next,
                            char **err)
{
    switch (op->kind) {
    case OP_DISPOSITIONS:
        return api_parse_dispositions(res->body, res->body_len, &op->dispositions, next, err);
    case OP_TASKS:
        return api_parse_tasks(res->body, res->body_len, &op->tasks, next, err);
    case OP_USERS:
        return api_parse_users(res->body, res->body_len, &op->users, next, err);
    case OP_CALLS:
        if (op->is_exhaustive)
            return api_parse_calls_strict(res->body, res->body_len, &op->calls, next, err);
        return api_parse_calls(res->body, res->body_len, &op->calls, next, err);
    case OP_POST_CALL:
        break;
    }
    return false;
}

static const char *op_noun(const struct api_op *op)
{
    switch (op->kind) {
    case OP_DISPOSITIONS:
        return "dispositions";
    case OP_TASKS:
        return "tasks";
    case OP_USERS:
        return "users";
    case OP_CALLS:
        return "calls";
    case OP_POST_CALL:
        break;
    }
    return "items";
}

/* A 429 on a list load: wait it out and ask for the same page again, keeping what was read
 * (see API_RATE_MAX_WAITS). true when the request is on its way again. */
static bool wait_out_rate_limit(struct api_op *op, const struct api_result *res)
{
    long wait_s;
    char *msg;

    if (res->outcome != HTTP_OUT_RATE_LIMITED || op->kind == OP_POST_CALL ||
        op->is_exhaustive || op->n_waits >= API_RATE_MAX_WAITS)
        return false;
    wait_s = res->retry_after >= 0 ? res->retry_after : 2L << op->n_waits;
    if (wait_s > API_RATE_MAX_WAIT_S)
        return false; /* longer than anyone should watch a list load: the 429 is the answer */
    op->n_waits++;
    if (op->api->progress) {
        size_t n_read = op->n_read;
        struct api_progress p = {.what = op->what, .wait_s = wait_s, .n_wait = op->n_waits,
                                 .n_pages = n_read, .n_items = op_list_len(op)};
        msg = n_read ? xasprintf("rate limited, retrying in %ld s (%zu %s on %zu page%s so far)",
                                 wait_s, p.n_items, op_noun(op), n_read, n_read == 1 ? "" : "s")
                     : xasprintf("rate limited, retrying in %ld s", wait_s);
        p.message = msg;
        op->api->progress(&p, op->api->progress_ud);
        free(msg);
    }
    op_request_after(op, wait_s * 1000, "GET", op->target, NULL);
    return true;
}

/* A server that refuses page[size] on the first page is asked again without it. */
static bool retry_without_page_size(struct api_op *op, const struct api_result *res)
{
    bool is_about_it = false;
    char *plain;

    if (!op->plain_target || op->n_read > 0 || res->outcome != HTTP_OUT_CLIENT_ERROR)
        return false;
    for (size_t i = 0; i < res->errors.n; i++) {
        const struct api_error *e = &res->errors.v[i];
        if ((e->parameter && strstr(e->parameter, "page")) ||
            (e->detail && strstr(e->detail, "page[size]")))
            is_about_it = true;
    }
    if (!is_about_it)
        return false;
    plain = op->plain_target;
    op->plain_target = NULL;
    op_request(op, "GET", plain, NULL);
    free(plain);
    return true;
}

static void mark_partial(struct api_op *op, struct api_result *res, const char *why)
{
    res->is_incomplete = true;
    res->partial_why = why;
    switch (op->kind) {
    case OP_DISPOSITIONS:
        op->dispositions.is_partial = true;
        break;
    case OP_TASKS:
        op->tasks.is_partial = true;
        break;
    case OP_USERS:
        op->users.is_partial = true;
        break;
    case OP_CALLS:
        op->calls.is_partial = true;
        break;
    case OP_POST_CALL:
        break;
    }
}

static void on_http_done(struct http_response *resp, void *ud)
{
    struct api_op *op = ud;
    struct api_result res;
    char *next = NULL, *err = NULL;
    const char *why = NULL;

    op->req = NULL;
    if (op->is_cancelled) {
        op_free(op);
        return;
    }
    api_result_init(&res);
    result_from_response(&res, op, resp);
    if (op->kind == OP_POST_CALL) {
        finish_post_call(op, &res);
        goto out;
    }
    if (wait_out_rate_limit(op, &res) || retry_without_page_size(op, &res)) {
        api_result_done(&res);
        return;
    }
    if (res.outcome != HTTP_OUT_OK) {
        op_report(op, &res, NULL);
        goto out;
    }
    if (!parse_list_page(op, &res, &next, &err)) {
        res.message = xasprintf("unexpected answer to %s: %s", op->what, err);
        free(err);
        op_report(op, &res, NULL);
        goto out;
    }
    op->n_read++;
    if (next) {
        note_self_link(op, &res);
        if (already_seen(op, next))
            why = "its next link loops";
        else if (!http_target_is_allowed(op->api->http, next))
            why = "its next link leads to another host";
        else if (op->n_pages >= (op->is_exhaustive ? API_LOOKUP_MAX_PAGES : API_MAX_PAGES))
            why = "the page cap was reached";
    }
    if (next && !why &&
        (op->max_items == 0 ? op->kind != OP_CALLS : op_list_len(op) < op->max_items)) {
        op_request(op, "GET", next, NULL);
        free(next);
        api_result_done(&res);
        return;
    }
    if (next) {
        /* a next link we cannot follow ends the load with what it has: a partial list
         * (a look-up must see all, so there it is a failure); the item cap only stops it */
        res.is_incomplete = true;
        if (why && op->is_exhaustive)
            res.message = xasprintf("%s did not end: %s after %zu pages", op->what, why,
                                    op->n_pages);
        else if (why)
            mark_partial(op, &res, why);
        else if (op->is_exhaustive)
            res.message = xasprintf("%s did not end: the item cap was reached after %zu pages",
                                    op->what, op->n_pages);
    }
    free(next);
    op_report(op, &res, NULL);
out:
    api_result_done(&res);
    op_free(op);
}

void api_op_cancel(struct api *a, struct api_op *op)
{
    if (!op)
        return;
    op->is_cancelled = true;
    if (op->req)
        http_cancel(a->http, op->req); /* frees op through on_http_done */
    else
        op_free(op);
}

void api_free(struct api *a)
{
    if (!a)
        return;
    while (a->ops)
        api_op_cancel(a, a->ops);
    http_client_free(a->http);
    free(a);
}

struct api_op *api_post_call_async(struct api *a, const struct call *c, api_call_done_fn done,
                                   void *ud)
{
    struct api_op *op = op_new(a, OP_POST_CALL, "POST /calls", ud);
    char *body = call_to_json(c);

    op->done.call = done;
    /* an unconvertible call still goes through the loop; the server's answer is the truth */
    op_request(op, "POST", "/calls", body ? body : "{}");
    free(body);
    return op;
}

struct api_op *api_dispositions_async(struct api *a, api_dispositions_done_fn done, void *ud)
{
    struct api_op *op = op_new(a, OP_DISPOSITIONS, "GET /calls/dispositions", ud);
    op->done.dispositions = done;
    op_request(op, "GET", "/calls/dispositions", NULL);
    return op;
}

/* Append "&key=escaped(value)" when value is set. */
static void add_query(struct buf *q, const char *key, const char *value)
{
    char *e;

    if (!value || !*value)
        return;
    e = http_escape(value);
    buf_printf(q, "%c%s=%s", q->len ? '&' : '?', key, e);
    free(e);
}

static char *query_target(const char *path, struct buf *q)
{
    char *t = xasprintf("%s%s", path, buf_str(q));
    buf_done(q);
    return t;
}

/* Start the first page of a list: the filters in qs (taken) plus page[size] of size items
 * (0: none), remembering the target without it in case the server refuses it. */
static void start_list(struct api_op *op, const char *path, struct buf *qs, size_t size)
{
    char *plain = xasprintf("%s%s", path, buf_str(qs));
    char *target;

    if (size > 0) {
        /* brackets as in the docs' own links; the fake and the docs accept both forms */
        buf_printf(qs, "%cpage[size]=%zu", qs->len ? '&' : '?', size);
        target = query_target(path, qs);
        op->plain_target = plain;
    } else {
        buf_done(qs);
        target = plain;
    }
    op_request(op, "GET", target, NULL);
    free(target);
}

struct api_op *api_tasks_async(struct api *a, const struct tasks_query *q,
                               api_tasks_done_fn done, void *ud)
{
    struct api_op *op = op_new(a, OP_TASKS, "GET /tasks", ud);
    struct buf qs;

    buf_init(&qs, 4096);
    add_query(&qs, "user_id", q->user_id);
    add_query(&qs, "type", q->type);
    add_query(&qs, "status", q->status);
    /* only manual tasks can be completed through the API (docs: tasks guide) */
    add_query(&qs, "automatic", "false");
    op->done.tasks = done;
    start_list(op, "/tasks", &qs, API_PAGE_SIZE);
    return op;
}

struct api_op *api_users_query_async(struct api *a, const struct users_query *q,
                                     api_users_done_fn done, void *ud)
{
    struct api_op *op = op_new(a, OP_USERS, "GET /users", ud);
    struct buf qs;

    buf_init(&qs, 4096);
    add_query(&qs, "email", q->email);
    if (!q->is_any_status)
        add_query(&qs, "status", "active");
    op->done.users = done;
    start_list(op, "/users", &qs, API_PAGE_SIZE);
    return op;
}

struct api_op *api_users_async(struct api *a, const char *email, api_users_done_fn done,
                               void *ud)
{
    struct users_query q = {.email = email};
    return api_users_query_async(a, &q, done, ud);
}

struct api_op *api_calls_async(struct api *a, const struct calls_query *q, size_t max_items,
                               api_calls_done_fn done, void *ud)
{
    struct api_op *op = op_new(a, OP_CALLS, "GET /calls", ud);
    struct buf qs;

    buf_init(&qs, 4096);
    add_query(&qs, "user_id", q->user_id);
    add_query(&qs, "from", q->from);
    add_query(&qs, "to", q->to);
    add_query(&qs, "start_date_from", q->start_date_from);
    add_query(&qs, "start_date_to", q->start_date_to);
    op->done.calls = done;
    op->max_items = max_items;
    op->is_exhaustive = q->is_exhaustive;
    start_list(op, "/calls", &qs,
               max_items > 0 && max_items < API_PAGE_SIZE ? max_items : API_PAGE_SIZE);
    return op;
}

/* ---- blocking forms ------------------------------------------------------------------- */

struct sync_state {
    struct api_result *res;
    void *out;
    bool is_done;
};

static void take_result(struct sync_state *s, struct api_result *res)
{
    api_result_done(s->res);
    *s->res = *res;
    api_result_init(res); /* the op frees its (now empty) copy */
    s->is_done = true;
}

static void sync_call_done(struct api_result *res, struct call_record *rec, void *ud)
{
    struct sync_state *s = ud;
    if (rec && s->out) {
        *(struct call_record *)s->out = *rec;
        memset(rec, 0, sizeof(*rec));
        call_record_done(rec);
    }
    take_result(s, res);
}

#define SYNC_LIST_DONE(name, type, done_fn) \
    static void name(struct api_result *res, type *l, void *ud) \
    { \
        struct sync_state *s = ud; \
        done_fn((type *)s->out); \
        *(type *)s->out = *l; \
        l->v = NULL; \
        l->n = 0; \
        take_result(s, res); \
    }
SYNC_LIST_DONE(sync_dispositions_done, struct disposition_list, disposition_list_done)
SYNC_LIST_DONE(sync_tasks_done, struct task_list, task_list_done)
SYNC_LIST_DONE(sync_users_done, struct user_list, user_list_done)
SYNC_LIST_DONE(sync_calls_done, struct call_list, call_list_done)

static bool sync_wait(struct api *a, struct sync_state *s)
{
    while (!s->is_done)
        http_client_wait(a->http);
    return api_result_ok(s->res);
}

bool api_post_call(struct api *a, const struct call *c, struct api_result *res,
                   struct call_record *rec)
{
    struct sync_state s = {res, rec, false};
    api_post_call_async(a, c, sync_call_done, &s);
    return sync_wait(a, &s);
}

bool api_dispositions(struct api *a, struct api_result *res, struct disposition_list *out)
{
    struct sync_state s = {res, out, false};
    api_dispositions_async(a, sync_dispositions_done, &s);
    return sync_wait(a, &s);
}

bool api_tasks(struct api *a, const struct tasks_query *q, struct api_result *res,
               struct task_list *out)
{
    struct sync_state s = {res, out, false};
    api_tasks_async(a, q, sync_tasks_done, &s);
    return sync_wait(a, &s);
}

bool api_users(struct api *a, const char *email, struct api_result *res, struct user_list *out)
{
    struct users_query q = {.email = email};
    return api_users_query(a, &q, res, out);
}

bool api_users_query(struct api *a, const struct users_query *q, struct api_result *res,
                     struct user_list *out)
{
    struct sync_state s = {res, out, false};
    api_users_query_async(a, q, sync_users_done, &s);
    return sync_wait(a, &s);
}

bool api_calls(struct api *a, const struct calls_query *q, size_t max_items,
               struct api_result *res, struct call_list *out)
{
    struct sync_state s = {res, out, false};
    api_calls_async(a, q, max_items, sync_calls_done, &s);
    return sync_wait(a, &s);
}
