/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_API_H
#define AMPLECALL_API_H
/* Net layer: Amplemarket endpoints on top of http.c: POST /calls, GET /calls/dispositions, GET
 * /tasks, GET /users, GET /calls. List loads follow _links.next.href across all pages.
 * Response parsers are pure and exported for tests. No curses. */
#include <stdbool.h>
#include <stddef.h>
#include "core/apierr.h"
#include "core/call.h"
#include "net/http.h"

struct disposition {
    char *id, *name, *action; /* owned; name/action may be NULL */
    char *json;               /* owned: the object as the API sent it (every member) */
};
struct task {
    char *id, *type, *status, *due_on, *notes, *user_id, *sequence_name;
    char *contact_id, *contact_name, *contact_email; /* contact may be absent: all NULL */
    char *contact_company; /* undocumented: contact.company (a string or {"name"}), or NULL */
    int automatic; /* -1 absent */
    char *json;    /* owned: the object as the API sent it (every member) */
};
struct user {
    char *id, *name, *email, *status, *role;
    char *json; /* owned: the object as the API sent it (every member) */
};

/* is_partial: the load stopped at a next link it could not follow (a loop, another host,
 * the page cap), so items may be missing; api_result.partial_why says which. */
struct disposition_list { struct disposition *v; size_t n; bool is_partial; };
struct task_list { struct task *v; size_t n; bool is_partial; };
struct user_list { struct user *v; size_t n; bool is_partial; };
struct call_list { struct call_record *v; size_t n; bool is_partial; };

void disposition_list_done(struct disposition_list *l);
void task_list_done(struct task_list *l);
void user_list_done(struct user_list *l);
void call_list_done(struct call_list *l);

/* The items as a JSON array of the API's objects, whole (owned): what `--json` prints and
 * what the offline cache keeps (store_lists_save); the api_parse_* functions read it back. */
char *disposition_list_json(const struct disposition_list *l);
char *task_list_json(const struct task_list *l);
char *user_list_json(const struct user_list *l);
char *call_list_json(const struct call_list *l);

/* Which user of l has the email: the whole address compared without regard to case (accents
 * count), blanks around it ignored; users whose status is given and is not "active" do not
 * count. The server's ?email= filter is not trusted: whatever it returned, only an equal
 * email is taken. FOUND sets *index (may be NULL). */
enum users_match { USERS_MATCH_FOUND = 0, USERS_MATCH_NONE, USERS_MATCH_SEVERAL };
enum users_match users_match_email(const struct user_list *l, const char *email, size_t *index);

/* Page parsers: append the page's items to out and set *next (owned, NULL on the last page)
 * from _links.next.href. Items without an "id" string are skipped; wrong-typed optional
 * members are ignored. false with *err (owned) when the body is not the expected object. */
bool api_parse_dispositions(const char *json, size_t len, struct disposition_list *out,
                            char **next, char **err);
bool api_parse_tasks(const char *json, size_t len, struct task_list *out, char **next,
                     char **err);
bool api_parse_users(const char *json, size_t len, struct user_list *out, char **next,
                     char **err);
bool api_parse_calls(const char *json, size_t len, struct call_list *out, char **next,
                     char **err);
/* For a look-up: the list must be under "calls" and every item must be a readable call. */
bool api_parse_calls_strict(const char *json, size_t len, struct call_list *out, char **next,
                            char **err);

/* What became of one API operation. */
struct api_result {
    enum http_outcome outcome;
    long status;
    long retry_after;       /* seconds, -1 absent */
    char *body;             /* owned raw body of the (last) response, never NULL */
    size_t body_len;
    struct api_errors errors; /* parsed _errors (empty if none) */
    char *message;          /* owned one-line explanation for a human; NULL on success */
    bool is_unknown;        /* the server may have acted but we cannot tell (e.g. timeout after
                               the body was sent, or a 2xx with an unreadable body) */
    bool is_body_sent;      /* some of the request went out */
    bool is_incomplete;     /* a list load stopped before the list's end (loop or cap) */
    const char *partial_why; /* static, with is_incomplete when the list is partial: "its next
                                link loops", "its next link leads to another host", "the page
                                cap was reached"; NULL when complete or cut by max_items */
    int n_rate_waits;       /* 429s waited out (list loads) */
    long long server_date_ms, local_date_ms; /* the Date header and our clock (http.h) */
    size_t n_pages;         /* requests made */
};
void api_result_init(struct api_result *r);
void api_result_done(struct api_result *r);
/* true when the operation succeeded (2xx with a well-formed body) */
bool api_result_ok(const struct api_result *r);

struct api;

/* Takes ownership of http. */
struct api *api_new(struct http_client *http);
void api_free(struct api *a);
/* borrowed */
struct http_client *api_http(struct api *a);

/* Completion callbacks: res and the list/record are borrowed for the call's duration; the
 * callee may move data out (e.g. swap the list into its own and zero the original). */
typedef void (*api_call_done_fn)(struct api_result *res, struct call_record *rec, void *ud);
typedef void (*api_dispositions_done_fn)(struct api_result *res, struct disposition_list *l,
                                         void *ud);
typedef void (*api_tasks_done_fn)(struct api_result *res, struct task_list *l, void *ud);
typedef void (*api_users_done_fn)(struct api_result *res, struct user_list *l, void *ud);
typedef void (*api_calls_done_fn)(struct api_result *res, struct call_list *l, void *ud);

struct tasks_query {
    const char *user_id; /* required by the API */
    const char *type;    /* e.g. "phone_call", NULL = any */
    const char *status;  /* e.g. "scheduled", NULL = any */
};
/* Tasks are always asked for with automatic=false: only manual tasks can be completed
 * through the API (the docs' tasks guide), so a call is logged against those only. */
struct users_query {
    const char *email;  /* NULL = every user */
    bool is_any_status; /* false (the default): status=active */
};
struct calls_query {
    const char *user_id, *from, *to, *start_date_from, *start_date_to; /* NULL = no filter */
    bool is_exhaustive; /* a look-up: strict parse; a loop or cap is a failure (message set) */
};

/* Asynchronous forms; the callback runs from http_client_perform. An operation handle is
 * returned so it can be cancelled; it is freed after the callback. */
struct api_op;
struct api_op *api_post_call_async(struct api *a, const struct call *c, api_call_done_fn done,
                                   void *ud);
struct api_op *api_dispositions_async(struct api *a, api_dispositions_done_fn done, void *ud);
struct api_op *api_tasks_async(struct api *a, const struct tasks_query *q,
                               api_tasks_done_fn done, void *ud);
/* email NULL = all users; active users only (status=active) */
struct api_op *api_users_async(struct api *a, const char *email, api_users_done_fn done,
                               void *ud);
struct api_op *api_users_query_async(struct api *a, const struct users_query *q,
                                     api_users_done_fn done, void *ud);
/* max_items caps how many calls are fetched (0 = one page) */
struct api_op *api_calls_async(struct api *a, const struct calls_query *q, size_t max_items,
                               api_calls_done_fn done, void *ud);
void api_op_cancel(struct api *a, struct api_op *op);

/* Blocking forms: fill res (and rec/list on success). Return api_result_ok(res). */
bool api_post_call(struct api *a, const struct call *c, struct api_result *res,
                   struct call_record *rec);
bool api_dispositions(struct api *a, struct api_result *res, struct disposition_list *out);
bool api_tasks(struct api *a, const struct tasks_query *q, struct api_result *res,
               struct task_list *out);
bool api_users(struct api *a, const char *email, struct api_result *res, struct user_list *out);
bool api_users_query(struct api *a, const struct users_query *q, struct api_result *res,
                     struct user_list *out);

/* A list load that met a 429 waits (without blocking an event loop) and asks for the same
 * page again, keeping the pages read: at most API_RATE_MAX_WAITS times per load, each wait
 * Retry-After seconds (2, 4, 8... without one) if that is at most API_RATE_MAX_WAIT_S;
 * otherwise the 429 is the answer. POST /calls and the outbox's look-ups never wait here
 * (the outbox schedules its own retries). */
#define API_RATE_MAX_WAITS 4
#define API_RATE_MAX_WAIT_S 60
/* Items asked for per page (page[size]) on the lists whose docs allow it: tasks, users,
 * calls. A server that refuses the parameter is asked again without it. */
#define API_PAGE_SIZE 100

/* What a load reports while it waits. Strings borrowed for the call. */
struct api_progress {
    const char *what;    /* "GET /tasks" */
    const char *message; /* "rate limited, retrying in 3 s" */
    long wait_s;         /* seconds until the page is asked for again */
    int n_wait;          /* 1 for the first wait of this load */
    size_t n_pages;      /* pages read so far */
    size_t n_items;      /* items read so far */
};
typedef void (*api_progress_fn)(const struct api_progress *p, void *ud);
/* Called whenever a load starts to wait (from http_client_perform); NULL fn: silent. */
void api_set_progress(struct api *a, api_progress_fn fn, void *ud);
bool api_calls(struct api *a, const struct calls_query *q, size_t max_items,
               struct api_result *res, struct call_list *out);

/* Pages followed at most per list load; a next link seen before also stops the load. */
#define API_MAX_PAGES 2000
/* Pages a look-up reads at most (a filtered list of one user's calls to one number): past
 * it the look-up is inconclusive, and the call stays unknown. */
#define API_LOOKUP_MAX_PAGES 100

#endif
