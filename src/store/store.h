/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_STORE_H
#define AMPLECALL_STORE_H
/* Store layer: the local SQLite database: drafts of the form and every call submitted from this
 * machine (the outbox and the history are the same table, told apart by state). One file under
 * $XDG_STATE_HOME/amplecall/ (0600 in a 0700 directory), WAL, schema versioned by
 * PRAGMA user_version. Every state change is one transaction. It never holds the API key.
 * Times are wall-clock Unix milliseconds and are passed in by the caller (tests inject them).
 * No network, no curses. */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "core/call.h"

/* The schema version store_open migrates to. */
#define STORE_SCHEMA_VERSION 4

enum store_state {
    STORE_PENDING = 0, /* waiting to be sent (never reached the server, or safe to resend) */
    STORE_SENDING,     /* an attempt is in progress under a lease */
    STORE_SENT,        /* accepted by the API (201), or found there by a lookup */
    STORE_REJECTED,    /* the API rejected it as invalid (4xx); never retried */
    STORE_UNKNOWN,     /* an attempt may have reached the server; resolve by lookup */
    STORE_REVIEW,      /* the server holds calls that could be this one and no rule can tell
                          which: a human decides (store_resolve) */
    STORE_STATE_COUNT
};

/* "pending", "sending", ...; borrowed */
const char *store_state_name(enum store_state st);
/* STORE_STATE_COUNT when unknown */
enum store_state store_state_from_name(const char *name);

struct store;

/* Wall clock now, in Unix milliseconds. */
long long store_now_ms(void);

/* $XDG_STATE_HOME/amplecall/amplecall.db, or ~/.local/state/amplecall/amplecall.db when
 * XDG_STATE_HOME is unset or relative. Owned; NULL with *err (owned) when HOME is unset too. */
char *store_default_path(char **err);

/* Open (creating the directory 0700 and the file 0600 when missing) and migrate to
 * STORE_SCHEMA_VERSION. path NULL = store_default_path(). ":memory:" works for tests.
 * NULL with *err (owned) on failure, including a database newer than this program. */
struct store *store_open(const char *path, char **err);
/* NULL is a no-op. */
void store_close(struct store *s);
/* PRAGMA user_version; -1 on error */
int store_schema_version(struct store *s);
/* borrowed: the path given to store_open */
const char *store_path(const struct store *s);

/* ---- Drafts: the form's content, one per slot (e.g. one per form session). ---- */

struct store_draft {
    struct call call;
    long long timer_started_at; /* wall-clock ms when the live timer started, 0 = none */
    bool is_timer_running;
    long long updated_at;       /* set by store_draft_save */
};
void store_draft_init(struct store_draft *d);
void store_draft_done(struct store_draft *d);

/* Insert or replace the draft of slot. false with *err (owned) on failure. */
bool store_draft_save(struct store *s, const char *slot, const struct store_draft *d,
                      long long now, char **err);
/* 1 found (d filled, call it store_draft_done later), 0 none, -1 error with *err (owned).
 * d must be initialised. */
int store_draft_load(struct store *s, const char *slot, struct store_draft *d, char **err);
/* Deleting a missing draft is not an error. */
bool store_draft_delete(struct store *s, const char *slot, char **err);
/* The most recently saved draft that is not waiting in the outbox under its slot (a draft
 * whose call was submitted stays until the call is sent; it is not offered for resuming).
 * 1 found with *slot (owned), 0 none, -1 error. */
int store_draft_latest(struct store *s, char **slot, char **err);
/* Every slot store_draft_latest could return, newest first. true with *slots (owned; free
 * with store_draft_slots_free) and *n; false with *err (owned). */
bool store_draft_slots(struct store *s, char ***slots, size_t *n, char **err);
void store_draft_slots_free(char **slots, size_t n);
/* Rename a draft's slot in one statement, so two processes cannot both take it over.
 * 1 moved, 0 no draft under from (someone else took it), -1 error (e.g. to exists). */
int store_draft_move(struct store *s, const char *from, const char *to, char **err);

/* ---- Calls: outbox and history. ---- */

/* Who holds a claimed row. A lease ends when it expires or when its owner process is gone
 * (same host, pid dead or reused); the row then becomes STORE_UNKNOWN. */
struct store_lease {
    char token[33];     /* random per holder; outcomes are recorded only by the holder */
    char host[256];
    pid_t pid;
    long long start;    /* the owner's process start time (/proc), 0 if unknown */
    long long duration_ms;
};
/* A lease for this process with a fresh random token. */
void store_lease_init_self(struct store_lease *l, long long duration_ms);
/* true when the lease's owner is certainly gone: same host and the pid is not running
 * (or runs a process that started at another time). */
bool store_lease_owner_is_dead(const char *host, pid_t pid, long long start);

struct store_row {
    long long id;
    long long created_at;
    struct call call;
    char *api_base;          /* owned: base URL the call is meant for */
    enum store_state state;
    int attempts;
    char *last_error;        /* owned, NULL none */
    long last_status;        /* HTTP status of the last response, 0 none */
    long long next_attempt_at;
    long long first_attempt_at; /* 0 = never attempted */
    long long last_attempt_at;
    long long done_at;       /* when it became sent or rejected, 0 otherwise */
    char *remote_id;         /* owned, the API's call id once sent */
    char *response;          /* owned raw body of the deciding response (or the found call) */
    char *errors_json;       /* owned {"_errors":[...]} of a rejection, NULL none */
    char *resolved_by;       /* owned: "response" or "lookup" for sent rows */
    char *external_key;      /* owned unique key for idempotent imports, NULL none */
    char *draft_slot;        /* owned draft deleted when the call is sent, NULL none */
    char *lease_host;        /* owned, NULL when not leased */
    pid_t lease_pid;
    long long lease_until;
    char *damage;            /* owned: why the row cannot be used (it is quarantined, never
                                claimed; its call is empty), NULL for a sound row */
    char *content_key;       /* owned: store_content_key of the call */
    char *candidates;        /* owned JSON array of the server calls a review is between */
};
void store_row_init(struct store_row *r);
void store_row_done(struct store_row *r);

struct store_rows {
    struct store_row *v; /* owned */
    size_t n;
};
void store_rows_done(struct store_rows *rows);

/* A new call. The optional keys may be NULL. */
struct store_new {
    const struct call *call;
    const char *api_base;
    const char *external_key; /* e.g. "import:<file-hash>:<row>"; unique */
    const char *draft_slot;
    int rate_limit;           /* store_insert_sending: requests per STORE_RATE_WINDOW_MS for
                                 the whole machine; 0 = none */
};

/* The window of the machine-wide rate limit (doc/outbox.md). */
#define STORE_RATE_WINDOW_MS 60000LL

/* Hex SHA-256 over what a look-up compares (numbers as digits, duration, answered, human,
 * ids case-folded, transcription, recording URL) and the base URL: calls alike in every
 * field the client sends share it. Owned. */
char *store_content_key(const struct call *c, const char *api_base);

/* Write-ahead insert for an immediate attempt, in one transaction with a slot of the
 * machine-wide rate limit (n->rate_limit): the row is created STORE_SENDING under lease,
 * attempts 1, first attempt now. When no slot is free the row is stored STORE_PENDING, due
 * when one frees, and *rate_wait_ms (may be NULL) says in how long; else it is 0. *id set.
 * false with *err on failure: then nothing is stored and the call must not be sent. */
bool store_insert_sending(struct store *s, const struct store_new *n,
                          const struct store_lease *lease, long long now, long long *id,
                          long long *rate_wait_ms, char **err);
/* Insert a STORE_PENDING row due now. With an external_key already present nothing is
 * inserted and *id is the existing row (*is_new false). */
bool store_enqueue(struct store *s, const struct store_new *n, long long now, long long *id,
                   bool *is_new, char **err);

/* Which rows store_claim may take. */
struct store_claim_query {
    const char *api_base;       /* only rows for this base URL; NULL = any */
    long long only_id;          /* 0 = any row */
    bool is_forced;             /* ignore next_attempt_at (an explicit flush or retry), except
                                   a 429's Retry-After, and ... */
    long long settle_ms;        /* ... an unknown row waits this long after its last attempt
                                   ended (its outcome recorded, or its owner found gone), so
                                   a request still in flight can land first; forced or not */
    long long attempted_before; /* skip rows attempted at or after this time; 0 = no limit */
    int rate_limit;             /* store_claim takes a slot of the machine-wide limit; 0 none */
    long long rate_wait_ms;     /* set by store_claim: > 0 when a row was due but no slot */
};

/* Turn STORE_SENDING rows whose lease expired or whose owner is dead into STORE_UNKNOWN.
 * *n (may be NULL) gets the count. */
bool store_reap_stale(struct store *s, long long now, int *n, char **err);
/* In one BEGIN IMMEDIATE transaction: reap stale rows, then take the oldest due pending or
 * unknown row matching q, set it STORE_SENDING under lease, count the attempt.
 * 1 claimed (out filled with the row as it was before the claim, so out->state says whether
 * a lookup is needed), 0 nothing due, -1 error. Two connections never claim the same row. */
int store_claim(struct store *s, struct store_claim_query *q, const struct store_lease *lease,
                long long now, struct store_row *out, char **err);
/* Take a slot of the machine-wide rate limit (for a request outside a claim, e.g. another
 * page of a look-up): 1 taken, 0 not (*wait_ms until one frees), -1 error. */
int store_rate_take(struct store *s, int limit, long long window_ms, long long now,
                    long long *wait_ms, char **err);
/* When the next row matching q becomes due: 1 with *when, 0 none, -1 error. Rows leased
 * by a live owner do not count. */
int store_next_due(struct store *s, const struct store_claim_query *q, long long *when,
                   char **err);

/* The outcome of an attempt. Strings are borrowed. */
struct store_outcome {
    enum store_state state;    /* STORE_SENT, STORE_REJECTED, STORE_PENDING, STORE_UNKNOWN or
                                  STORE_REVIEW */
    long status;               /* HTTP status, 0 none */
    const char *error;         /* human line for pending/unknown/rejected */
    const char *remote_id;     /* sent */
    const char *response;      /* raw body kept for the history */
    const char *errors_json;   /* rejected */
    const char *resolved_by;   /* sent: "response" or "lookup" */
    long long next_attempt_at; /* pending/unknown */
    const char *candidates;    /* review: JSON array of the server calls in question */
};
/* Record the outcome of the holder's attempt and release the lease; a sent call's draft is
 * deleted in the same transaction. A sent outcome is recorded even if the lease was lost
 * (the fact wins); other outcomes need the lease: false with *err "lease lost" otherwise. */
bool store_finish(struct store *s, long long id, const struct store_lease *lease,
                  const struct store_outcome *o, long long now, char **err);

/* The row filed under an external key: 1 with *id, 0 none, -1 error with *err (owned). */
int store_id_for_key(struct store *s, const char *key, long long *id, char **err);

/* 1 found (a damaged row too: out->damage set), 0 no such row, -1 error. out must be
 * initialised. */
int store_get(struct store *s, long long id, struct store_row *out, char **err);
/* Rows newest first, damaged ones included (damage set). is_outbox_only: pending, sending,
 * unknown, review and quarantined rows only. limit 0 = all */
bool store_list(struct store *s, bool is_outbox_only, size_t limit, struct store_rows *out,
                char **err);
/* Number of pending, sending and unknown rows (for a status bar); -1 on error. */
long store_count_outbox(struct store *s, char **err);
/* 1 when a row already carries this remote id (a lookup must not match it twice), 0 not,
 * -1 error. */
int store_remote_id_is_known(struct store *s, const char *remote_id, char **err);
/* Delete a row that is not sent (a damaged one may be) and not leased by a live process
 * (its draft goes too).
 * 1 dropped, 0 no such row, -1 refused or error with *err. */
int store_drop(struct store *s, long long id, long long now, char **err);
/* Queue a rejected call again (pending, due now, errors_json cleared; last_error and
 * last_status kept), e.g. one an import finds refused for a reason that was not a verdict on
 * the call (a 404 from a wrong base path). Only a rejected row that no one holds a lease on.
 * 1 requeued, 0 not applicable (no such row, or not rejected), -1 error with *err (owned). */
int store_requeue(struct store *s, long long id, long long now, char **err);

/* ---- Look-ups, review and the server's clock (doc/outbox.md) ---- */

/* What a conclusive look-up decided. */
enum store_lookup_verdict {
    STORE_LOOKUP_ABSENT, /* not on the server: post it (the row stays sending, ours) */
    STORE_LOOKUP_FOUND,  /* one of the matches is this call: recorded sent */
    STORE_LOOKUP_REVIEW, /* more matches than local calls account for, or only partial ones */
    STORE_LOOKUP_WAIT,   /* a call alike is being sent right now: unknown, look again later */
};
/* The accounting rule: k full matches no local row owns, u local rows alike that may be on
 * the server (this one included), n_partial partial matches, n_sending rows alike in flight. */
enum store_lookup_verdict store_lookup_decide(size_t k, size_t u, size_t n_partial,
                                              size_t n_sending);

/* The server calls a complete look-up found in the call's window. Strings borrowed. */
struct store_lookup {
    const char *const *full_ids;     /* matching every field we sent, oldest first */
    const char *const *full_json;    /* each one as JSON */
    size_t n_full;
    const char *const *partial_json; /* agreeing on what they report, missing some of ours */
    size_t n_partial;
};
/* In one transaction: leave out matches another row owns, count the rows alike, decide
 * (store_lookup_decide) and record it for the holder's row id (unknown due retry_at for
 * WAIT). *taken: the remote id recorded for FOUND (borrowed from l). 0 or -1 with *err. */
int store_conclude_lookup(struct store *s, long long id, const struct store_lease *lease,
                          const struct store_lookup *l, long long now, long long retry_at,
                          enum store_lookup_verdict *verdict, const char **taken, char **err);
/* A human's decision on a call in review (or unknown, or pending): remote_id given = it is
 * that server call (refused if another row owns it), NULL = send it again. 1 or -1. */
int store_resolve(struct store *s, long long id, const char *remote_id, long long now,
                  char **err);
/* Number of sound rows in a state (e.g. STORE_REVIEW for a status bar); -1 on error. */
long store_count_state(struct store *s, enum store_state state, char **err);
/* The server's clock minus ours, as last measured from a Date header, per base URL. */
bool store_clock_note(struct store *s, const char *api_base, long long skew_ms, long long now,
                      char **err);
/* 1 with *skew_ms, 0 never measured, -1 error. */
int store_clock_skew(struct store *s, const char *api_base, long long *skew_ms, char **err);

/* ---- Cached lists: the last dispositions, tasks and users loaded, so the form can start
 * offline. One per (base URL in normal form, user, kind); user NULL or "" for the lists that
 * belong to the account (dispositions, users). kind is "dispositions", "tasks" or "users". */

/* Keep json (the API's list as loaded, copied) with the time it was loaded, replacing the
 * one kept before. false with *err (owned) on an unknown kind or a database error. */
bool store_lists_save(struct store *s, const char *api_base, const char *user,
                      const char *kind, const char *json, long long now, char **err);
/* 1 with *json (owned) and *loaded_at (may be NULL), 0 when none is kept (*json NULL),
 * -1 with *err (owned). */
int store_lists_load(struct store *s, const char *api_base, const char *user, const char *kind,
                     char **json, long long *loaded_at, char **err);

#endif
