/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FAKE_H
#define AMPLECALL_FAKE_H
/* Internal interfaces between the modules of the fake Amplemarket server (fakeapi):
 * fake_data.c (seeded data + endpoints), fake_faults.c (fault queue), fake_log.c (request log).
 * Every function here is thread-safe: the server runs one thread per connection. */
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* Decoded query arguments of one request, in arrival order. */
struct fake_args {
    size_t n;
    char **keys; /* owned */
    char **vals; /* owned; "" for a key without value */
};

/* borrowed; NULL when absent (the last occurrence wins) */
const char *fake_args_get(const struct fake_args *args, const char *key);
void fake_args_done(struct fake_args *args);

/* What an endpoint answers. */
struct fake_reply {
    int status;
    char *body;               /* owned, NUL-terminated JSON (or any text after a fault) */
    const char *content_type; /* static */
    int retry_after;          /* seconds; < 0: no Retry-After header */
    bool is_call_stored;      /* a POST /calls stored a call */
    bool has_date;            /* send this Date header instead of libmicrohttpd's */
    long date_skew_s;         /* with has_date: the server clock's offset from the real one */
    char *echo_auth;          /* owned, fault echo_key: the Authorization value to echo in
                                 headers; NULL: none */
};

void fake_reply_done(struct fake_reply *r);
/* Sets r to a JSON error reply {"_errors":[{code,title,detail}],"object":"error"}. */
void fake_reply_error(struct fake_reply *r, int status, const char *code, const char *title,
                      const char *detail);

/* Serialize without slash escaping; owned. */
char *fake_json_text(json_object *o);

/* --- fake_data.c ------------------------------------------------------------------------- */

/* Seed users, dispositions and ntasks phone-call tasks; hostile adds terminal escapes. */
void fake_data_init(int ntasks, bool is_hostile, bool is_all_errors);
/* Forget stored calls and restore every task to its seeded state. */
void fake_data_reset(void);
void fake_data_done(void);
struct fake_fault;

/* The server's clock as the fault queue sets it (fake_faults_clock). */
struct fake_clock {
    long skew_s;                /* the server's clock is this far off the real one */
    bool is_start_at_call_start; /* a stored call's start_date is its commit time - duration */
};

/* Answer one authenticated API request. f (NULL: none) shapes list replies (next_loop,
 * endless_pages, list_key) and POST /calls (commit_delay_ms); clock stamps stored calls. */
void fake_data_handle(const char *method, const char *path, const struct fake_args *args,
                      const char *body, size_t body_len, const struct fake_fault *f,
                      const struct fake_clock *clock, struct fake_reply *out);
/* owned: JSON array of stored calls, oldest first */
json_object *fake_data_calls(void);
/* Plant calls as if another client had logged them: body is a call object or an array of
 * them (see README.md). owned: the stored calls as an array; NULL with *err (owned). */
json_object *fake_data_seed(const char *body, const struct fake_clock *clock, char **err);

/* --- fake_faults.c ----------------------------------------------------------------------- */

struct fake_fault {
    int status;       /* 0: answer normally */
    int retry_after;  /* < 0: none */
    int delay_ms;     /* 0: none */
    int oversize_mib; /* 0: none */
    bool is_drop;
    bool is_accept_then_drop;
    bool is_truncated;
    bool is_reset_mid_body;
    bool is_garbage;
    bool is_next_loop;
    bool is_endless_pages;   /* list replies always have a new "next" link */
    char *list_key;          /* list replies put their items under this key, or NULL */
    char *loose_email;       /* GET /users answers ?email= loosely: "all" ignores it, "other"
                                returns one user with another email; NULL: exact */
    bool is_extra_fields;    /* list items carry members the docs do not name */
    long skip;               /* matching requests let through before the fault applies */
    int store_then_status;   /* 0: none; else handle the request, then answer this status */
    int commit_delay_ms;     /* 0: none; POST /calls stores the call this long after receipt */
    bool has_date_skew;      /* clock setting: Date header and stamps off by date_skew_s */
    long date_skew_s;
    bool is_start_at_call_start; /* clock setting: start_date = commit time - duration */
    bool is_echo_key;   /* echo the request's bearer key in the reply, plain and encoded */
    char *body;         /* verbatim reply body, or NULL */
    char *content_type; /* with body, or NULL */
    char *path;         /* prefix the request path must start with, or NULL for all */
    char *method;       /* method the request must have, or NULL for all */
    long times;         /* requests left; < 0: unlimited */
    char *label;        /* short description for the request log */
};

/* Replace the queue from a JSON object or array of objects; on error returns false and sets
 * *err (owned) and keeps the old queue. */
bool fake_faults_set(const char *json, char **err);
/* Append one fault (takes it). */
void fake_faults_add(struct fake_fault *f);
void fake_faults_clear(void);
/* owned or NULL: a copy of the first queued fault matching the request; counts one use.
 * Faults that only set the clock (date_skew_s, start_date_at_call_start) are never taken. */
struct fake_fault *fake_faults_take(const char *method, const char *path);
/* The clock a request sees: the first matching queued fault with date_skew_s gives the skew,
 * the first with start_date_at_call_start the stamping rule. Uses up nothing. */
void fake_faults_clock(const char *method, const char *path, struct fake_clock *out);
/* f only sets the clock, so no request takes it. */
bool fake_fault_is_clock_only(const struct fake_fault *f);
struct fake_fault *fake_fault_new(void);
void fake_fault_free(struct fake_fault *f);
/* Recompute f->label from its fields. */
void fake_fault_relabel(struct fake_fault *f);

/* --- fake_log.c -------------------------------------------------------------------------- */

/* Open (truncate) the JSON-lines log file; NULL keeps the log in memory only. */
bool fake_log_open(const char *path);
/* Assign "seq", append to memory and file (flushed), with every occurrence of key redacted
 * (and "key_leak":true added if there was one). Takes entry. */
void fake_log_record(json_object *entry, const char *key);
/* owned: the log as a JSON array text */
char *fake_log_snapshot(void);
void fake_log_reset(void);
void fake_log_close(void);

#endif
