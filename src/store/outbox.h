/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_OUTBOX_H
#define AMPLECALL_OUTBOX_H
/* Store layer: the outbox engine: every call is written to the store before its first request
 * (write-ahead) and gets its outcome recorded after it, so no call is lost and none is sent
 * twice. doc/outbox.md is the protocol; this header its interface.
 *
 * - What an attempt's outcome means is decided once, by outbox_verdict: sent, rejected,
 *   pending (the server did not take it: safe to send again) or unknown (it may have).
 * - An unknown call is looked up (GET /calls, read to its end) after a settle wait of at
 *   least the request timeout; only a conclusive look-up changes its state: found (sent),
 *   not there (posted again), or ambiguous (STORE_REVIEW, for a human).
 * - Every request takes a slot of a machine-wide rate limit kept in the store.
 * - Each attempt holds a lease on its row (store_claim), so two processes never send the
 *   same call.
 *
 * Two ways to drive it: blocking (outbox_submit, outbox_retry, outbox_flush: for the CLI) and
 * non-blocking from an event loop (outbox_submit_async + outbox_tick, with the api's libcurl
 * multi driven by the loop's http_client_poll/http_client_perform). No curses. */
#include <stdbool.h>
#include "net/api.h"
#include "store/store.h"

/* What became of a call after an attempt (or after a flush of it). */
enum outbox_status {
    OUTBOX_SENT = 0,    /* accepted (201) or found on the server by a lookup */
    OUTBOX_REJECTED,    /* the API rejected it (4xx validation); kept in history with errors */
    OUTBOX_PENDING,     /* temporary failure (network, 5xx, 429, auth); stored, retried later */
    OUTBOX_UNKNOWN,     /* may have reached the server; resolved by lookup later */
    OUTBOX_BUSY,        /* another process holds the call right now (outbox_retry only) */
    OUTBOX_NOT_DUE,     /* outbox_retry only: the row cannot be attempted now (sent, rejected,
                           settling, or Retry-After not over) */
    OUTBOX_ERROR,       /* the store failed; nothing was sent */
    OUTBOX_REVIEW,      /* the server holds calls that could be this one; a human decides */
};

/* "sent", "rejected", ...; borrowed */
const char *outbox_status_name(enum outbox_status st);

struct outbox_options {
    long long lease_ms;         /* 0 = 10 min; must exceed two request timeouts */
    int rate_per_min;           /* 0 = 450 requests a minute for the whole machine (the API
                                   allows 500); larger values are cut to 450 */
    long long backoff_base_ms;  /* 0 = 2 s: first retry delay */
    long long backoff_max_ms;   /* 0 = 15 min */
    long long settle_ms;        /* 0 = two request timeouts; never less than one: an unknown
                                   call waits this long before its lookup, so a request still
                                   in flight can land first */
    long long lookup_margin_ms; /* 0 = 10 min: the look-up window's slack while the server's
                                   clock is not measured (2 min once it is) */
    long long max_wait_ms;      /* outbox_flush waits at most this for a due row; 0 = 10 s;
                                   never less than the settle wait */
    long long (*now_ms)(void);  /* wall clock hook; NULL = store_now_ms */
};

/* Overrides from the environment, for tuning and tests: AMPLECALL_OUTBOX_RATE (requests a
 * minute, 1-450) and AMPLECALL_OUTBOX_SETTLE_MS (raised to the request timeout if below).
 * Malformed values are ignored. */
void outbox_options_from_env(struct outbox_options *opt);

struct outbox;

/* store and api are borrowed and must outlive the outbox; api may be NULL for an outbox that
 * only lists and drops. opt NULL = defaults. Only rows for api's base URL (in normal form,
 * baseurl.h) are sent. */
struct outbox *outbox_new(struct store *store, struct api *api, const struct outbox_options *opt);
/* Cancels attempts in flight (their rows become unknown, resolved by lookup by a later run).
 * NULL is a no-op. */
void outbox_free(struct outbox *ob);
/* The base URL in normal form; borrowed. */
const char *outbox_base(const struct outbox *ob);
/* The settle wait in force, in ms. */
long long outbox_settle_ms(const struct outbox *ob);

/* ---- blocking ---- */

/* Write-ahead insert of c (draft_slot may be NULL: the draft deleted once the call is sent),
 * then POST /calls, then the outcome recorded. res (initialised by the caller) gets the API
 * result and rec (zeroed by the caller) the created call when OUTBOX_SENT. *id = the local
 * id. When the machine-wide rate limit is used up it waits for a slot. OUTBOX_ERROR with
 * *err (owned) when the store failed: then nothing was stored and nothing sent. */
enum outbox_status outbox_submit(struct outbox *ob, const struct call *c, const char *draft_slot,
                                 struct api_result *res, struct call_record *rec, long long *id,
                                 char **err);
/* Attempt one stored call now (claiming it; looking it up first when its state is unknown),
 * ignoring its backoff but not a Retry-After. Same out-params as outbox_submit. */
enum outbox_status outbox_retry(struct outbox *ob, long long id, struct api_result *res,
                                struct call_record *rec, char **err);

struct outbox_flush_stats {
    int sent;          /* accepted by a POST */
    int found;         /* found by a lookup: an earlier attempt had reached the server */
    int rejected;
    int pending;       /* still pending or unknown after this flush */
    int leased;        /* held by another process */
    int review;        /* waiting for a human (outbox resolve) */
    int damaged;       /* quarantined: cannot be read back */
    bool is_auth_failed;    /* 401/403: the key was rejected; the flush stopped */
    bool is_server_down;    /* a temporary failure stopped the flush */
    char *last_error;  /* owned message of the failure that stopped it, NULL none */
};
void outbox_flush_stats_done(struct outbox_flush_stats *st);

/* Attempt every pending and unknown call for this base URL once, oldest first, ignoring
 * backoff (not Retry-After; waiting at most max_wait_ms for one), stopping at the first
 * temporary or auth failure. false with *err (owned) only when the store failed. */
bool outbox_flush(struct outbox *ob, struct outbox_flush_stats *st, char **err);

/* ---- non-blocking, for an event loop ---- */

/* Called after an attempt of ours finished and its outcome is stored. res/rec are borrowed
 * for the call (rec NULL unless sent by a POST). */
typedef void (*outbox_done_fn)(long long id, enum outbox_status st, struct api_result *res,
                               struct call_record *rec, void *ud);

/* Write-ahead insert and start the POST; done runs later from http_client_perform.
 * false with *err (owned) when the store failed (nothing was sent, done never runs). */
bool outbox_submit_async(struct outbox *ob, const struct call *c, const char *draft_slot,
                         outbox_done_fn done, void *ud, long long *id, char **err);
/* Attempt one stored call now without blocking, as outbox_retry does (claimed; looked up
 * first when unknown; a Retry-After still holds). 1 started (done runs later), 0 not started
 * with *why OUTBOX_BUSY (being sent right now) or OUTBOX_NOT_DUE, -1 with *err (owned) when
 * the store failed or there is no such call. */
int outbox_retry_async(struct outbox *ob, long long id, outbox_done_fn done, void *ud,
                       enum outbox_status *why, char **err);
/* Start one background attempt when a stored call is due and nothing of ours is in flight;
 * never blocks on the network. Call it from the loop each turn (cheap when idle). */
void outbox_tick(struct outbox *ob);
/* Milliseconds until outbox_tick may have work, for the loop's poll timeout; -1 = none. */
long outbox_ms_to_next_tick(struct outbox *ob);
/* Called after every background outcome (e.g. to refresh an outbox count); NULL clears. */
void outbox_set_listener(struct outbox *ob, outbox_done_fn fn, void *ud);
/* Number of attempts of this outbox in flight. */
int outbox_in_flight(const struct outbox *ob);

/* ---- pure helpers, exported for tests ---- */

/* The backoff when the options leave it at 0. */
#define OUTBOX_BACKOFF_BASE_MS 2000LL
#define OUTBOX_BACKOFF_MAX_MS (15LL * 60 * 1000)
/* Retry delay after `attempts` failed attempts: exponential from base, capped, with jitter in
 * [delay/2, delay] from rnd; a Retry-After (seconds, -1 none) is honoured exactly. */
long long outbox_backoff_ms(const struct outbox_options *opt, int attempts, long retry_after,
                            unsigned rnd);

/* The verdict table (doc/outbox.md): what one POST's outcome means for the call. has_call:
 * a readable call object with an id came back. STORE_SENT, STORE_REJECTED, STORE_PENDING
 * (the server did not take it) or STORE_UNKNOWN (it may have). */
enum store_state outbox_verdict(const struct api_result *res, bool has_call);

enum outbox_match {
    OUTBOX_MATCH_NONE,    /* a field the server reports differs: another call */
    OUTBOX_MATCH_PARTIAL, /* agrees on all it reports, but leaves out a field we sent */
    OUTBOX_MATCH_FULL,    /* every field we sent, reported and equal */
};
/* Compare a call found on the server with a stored call, field by field: task, to and from
 * (digits), duration, answered, human, user, disposition, transcription, recording URL. */
enum outbox_match outbox_record_match(const struct call *c, const struct call_record *r);
/* outbox_record_match(c, r) == OUTBOX_MATCH_FULL */
bool outbox_record_matches(const struct call *c, const struct call_record *r);
/* ISO 8601 ("2026-06-03T17:45:16Z", fraction and offset allowed) as Unix ms, -1 if not. */
long long outbox_parse_iso_ms(const char *s);

#endif
