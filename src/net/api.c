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

/* ---- lists ---------------------------------------------------------------------------- */

void disposition_list_done(struct disposition_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].name);
        free(l->v[i].action);
        free(l->v[i].json);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

static void task_free(struct task *t)
{
    free(t->id);
    free(t->type);
    free(t->status);
    free(t->due_on);
    free(t->notes);
    free(t->user_id);
    free(t->sequence_name);
    free(t->contact_id);
    free(t->contact_name);
    free(t->contact_email);
    free(t->contact_company);
    free(t->json);
}

void task_list_done(struct task_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        task_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

void user_list_done(struct user_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].name);
        free(l->v[i].email);
        free(l->v[i].status);
        free(l->v[i].role);
        free(l->v[i].json);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

void call_list_done(struct call_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        call_record_done(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

/* An item as JSON text, every member kept (owned). */
static char *item_json(json_object *o)
{
    return xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* "[a,b,...]" from n item texts reached through get (NULL ones are skipped). Owned. */
static char *join_items(size_t n, const char *(*get)(const void *list, size_t i),
                        const void *list)
{
    struct buf b;
    bool is_first = true;

    buf_init(&b, (size_t)-1);
    buf_append(&b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        const char *j = get(list, i);
        if (!j)
            continue;
        if (!is_first)
            buf_append(&b, ",", 1);
        buf_appends(&b, j);
        is_first = false;
    }
    buf_append(&b, "]", 1);
    return buf_steal(&b);
}

static const char *disposition_at(const void *l, size_t i)
{
    return ((const struct disposition_list *)l)->v[i].json;
}
static const char *task_at(const void *l, size_t i)
{
    return ((const struct task_list *)l)->v[i].json;
}
static const char *user_at(const void *l, size_t i)
{
    return ((const struct user_list *)l)->v[i].json;
}
static const char *call_at(const void *l, size_t i)
{
    return ((const struct call_list *)l)->v[i].json;
}

char *disposition_list_json(const struct disposition_list *l)
{
    return join_items(l->n, disposition_at, l);
}

char *task_list_json(const struct task_list *l)
{
    return join_items(l->n, task_at, l);
}

char *user_list_json(const struct user_list *l)
{
    return join_items(l->n, user_at, l);
}

char *call_list_json(const struct call_list *l)
{
    return join_items(l->n, call_at, l);
}

enum users_match users_match_email(const struct user_list *l, const char *email, size_t *index)
{
    char *want = str_trim(email ? email : "");
    size_t n_found = 0, found = 0;

    for (size_t i = 0; *want && l && i < l->n; i++) {
        const struct user *u = &l->v[i];
        char *have;
        bool is_equal;

        if (!u->email || (u->status && strcmp(u->status, "active")))
            continue;
        have = str_trim(u->email);
        is_equal = fold_equal_nocase(have, want);
        free(have);
        if (is_equal) {
            if (n_found == 0)
                found = i;
            n_found++;
        }
    }
    free(want);
    if (n_found == 1 && index)
        *index = found;
    return n_found == 1 ? USERS_MATCH_FOUND : n_found ? USERS_MATCH_SEVERAL : USERS_MATCH_NONE;
}

/* Grow a list by one zeroed element; returns it. */
#define LIST_PUSH(l) \
    ((l)->v = xrealloc((l)->v, ((l)->n + 1) * sizeof(*(l)->v)), \
     memset(&(l)->v[(l)->n], 0, sizeof(*(l)->v)), &(l)->v[(l)->n++])

/* Items of one page are appended by an adder; false means "skip this item". */
typedef bool (*item_adder)(json_object *item, void *list);

static bool add_disposition(json_object *o, void *list)
{
    struct disposition_list *l = list;
    const char *id = jsonx_str(o, "id");
    const char *name;
    struct disposition *d;

    if (!id)
        return false;
    /* the label's key is undocumented: take the first that is present */
    name = jsonx_str(o, "name");
    if (!name)
        name = jsonx_str(o, "label");
    if (!name)
        name = jsonx_str(o, "title");
    if (!name)
        name = jsonx_str(o, "description");
    d = LIST_PUSH(l);
    d->id = xstrdup(id);
    d->name = xstrdup(name);
    d->action = xstrdup(jsonx_str(o, "action"));
    d->json = item_json(o);
    return true;
}

static bool add_task(json_object *o, void *list)
{
    struct task_list *l = list;
    const char *id = jsonx_str(o, "id");
    json_object *contact, *b;
    const char *company;
    struct task *t;

    if (!id)
        return false;
    t = LIST_PUSH(l);
    t->id = xstrdup(id);
    t->type = xstrdup(jsonx_str(o, "type"));
    t->status = xstrdup(jsonx_str(o, "status"));
    t->due_on = xstrdup(jsonx_str(o, "due_on"));
    t->notes = xstrdup(jsonx_str(o, "notes"));
    t->user_id = xstrdup(jsonx_str(o, "user_id"));
    t->sequence_name = xstrdup(jsonx_str(o, "sequence_name"));
    b = jsonx_get(o, "automatic", json_type_boolean);
    t->automatic = b ? json_object_get_boolean(b) : -1;
    contact = jsonx_get(o, "contact", json_type_object);
    if (contact) {
        t->contact_id = xstrdup(jsonx_str(contact, "id"));
        t->contact_name = xstrdup(jsonx_str(contact, "name"));
        t->contact_email = xstrdup(jsonx_str(contact, "email"));
        company = jsonx_str(contact, "company");
        if (!company)
            company = jsonx_str(jsonx_get(contact, "company", json_type_object), "name");
        if (!company)
            company = jsonx_str(contact, "company_name");
        t->contact_company = xstrdup(company);
    }
    t->json = item_json(o);
    return true;
}

static bool add_user(json_object *o, void *list)
{
    struct user_list *l = list;
    const char *id = jsonx_str(o, "id");
    struct user *u;

    if (!id)
        return false;
    u = LIST_PUSH(l);
    u->id = xstrdup(id);
    u->name = xstrdup(jsonx_str(o, "name"));
    u->email = xstrdup(jsonx_str(o, "email"));
    u->status = xstrdup(jsonx_str(o, "status"));
    u->role = xstrdup(jsonx_str(o, "role"));
    u->json = item_json(o);
    return true;
}

static bool add_call(json_object *o, void *list)
{
    struct call_list *l = list;
    struct call_record r;
    char *err = NULL;

    if (!call_record_from_json(o, &r, &err)) {
        free(err);
        return false;
    }
    r.json = item_json(o);
    *LIST_PUSH(l) = r;
    return true;
}

/* Find the array of items: under key, else (the docs are unsure of some wrappers) a bare
 * top-level array, else the only other array of objects in the top-level object. A strict
 * reader (a look-up that must know it saw everything) takes the documented key only. */
static json_object *find_items(json_object *root, const char *key, bool is_strict)
{
    json_object *arr = jsonx_get(root, key, json_type_array);
    json_object *found = NULL;
    int count = 0;

    if (arr || is_strict)
        return arr;
    if (json_object_is_type(root, json_type_array))
        return root;
    if (!json_object_is_type(root, json_type_object))
        return NULL;
    json_object_object_foreach(root, k, v)
    {
        if (k[0] != '_' && json_object_is_type(v, json_type_array)) {
            found = v;
            count++;
        }
    }
    return count == 1 ? found : NULL;
}

/* A strict page refuses an item it cannot read rather than skip it: the skipped one could
 * be the call a look-up is looking for. */
static bool parse_page_ext(const char *json, size_t len, const char *key, item_adder add,
                           void *list, bool is_strict, char **next, char **err)
{
    json_object *root = jsonx_parse(json, len);
    json_object *items, *links, *nx;
    const char *href;
    size_t n;

    *next = NULL;
    *err = NULL;
    if (!root) {
        *err = xstrdup("the response is not valid JSON");
        return false;
    }
    items = find_items(root, key, is_strict);
    if (!items) {
        *err = xasprintf("the response has no \"%s\" list", key);
        json_object_put(root);
        return false;
    }
    n = json_object_array_length(items);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        bool is_added = json_object_is_type(item, json_type_object) && add(item, list);
        if (!is_added && is_strict) {
            *err = xasprintf("item %zu of the \"%s\" list cannot be read", i + 1, key);
            json_object_put(root);
            return false;
        }
    }
    links = jsonx_get(root, "_links", json_type_object);
    nx = jsonx_get(links, "next", json_type_object);
    href = jsonx_str(nx, "href");
    if (href && *href)
        *next = xstrdup(href);
    else if (is_strict && nx) {
        *err = xstrdup("the response's next link has no href");
        json_object_put(root);
        return false;
    }
    json_object_put(root);
    return true;
}

static bool parse_page(const char *json, size_t len, const char *key, item_adder add,
                       void *list, char **next, char **err)
{
    return parse_page_ext(json, len, key, add, list, false, next, err);
}

bool api_parse_dispositions(const char *json, size_t len, struct disposition_list *out,
                            char **next, char **err)
{
    return parse_page(json, len, "dispositions", add_disposition, out, next, err);
}

bool api_parse_tasks(const char *json, size_t len, struct task_list *out, char **next,
                     char **err)
{
    return parse_page(json, len, "tasks", add_task, out, next, err);
}

bool api_parse_users(const char *json, size_t len, struct user_list *out, char **next,
                     char **err)
{
    return parse_page(json, len, "users", add_user, out, next, err);
}

bool api_parse_calls(const char *json, size_t len, struct call_list *out, char **next,
                     char **err)
{
    return parse_page(json, len, "calls", add_call, out, next, err);
}

bool api_parse_calls_strict(const char *json, size_t len, struct call_list *out, char **next,
                            char **err)
{
    return parse_page_ext(json, len, "calls", add_call, out, true, next, err);
}

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
