/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_STORE_IMPL_H
#define AMPLECALL_STORE_IMPL_H
/* Store layer, internal: the handle and the SQL helpers the store's files (store.c,
 * drafts.c, lease.c, lookup.c) share. Nothing outside them includes it. */
#include <stdbool.h>
#include <sqlite3.h>

#include "store/store.h"

struct store {
    sqlite3 *db;
    char *path;
};

/* The columns store_row_read() reads, in its order. */
#define ROW_COLUMNS                                                                            \
    "id, created_at, call_json, api_base, state, attempts, last_error, last_status,"           \
    " next_attempt_at, first_attempt_at, last_attempt_at, done_at, remote_id, response,"       \
    " errors_json, resolved_by, external_key, draft_slot, lease_host, lease_pid, lease_until," \
    " quarantine, content_key, candidates"

/* Each returns false (or -1) with *err set ("what: sqlite's message"). */
bool store_fail(struct store *s, char **err, const char *what);
bool store_exec(struct store *s, const char *sql, char **err);
bool store_prepare(struct store *s, const char *sql, sqlite3_stmt **st, char **err);
bool store_begin(struct store *s, char **err);
bool store_commit(struct store *s, char **err);
void store_rollback(struct store *s);
void store_bind_text(sqlite3_stmt *st, int i, const char *v);
char *store_col_text(sqlite3_stmt *st, int i);
bool store_step_done(struct store *s, sqlite3_stmt *st, char **err);
void store_row_read(sqlite3_stmt *st, struct store_row *r);
/* Record outcome o of row id under lease, inside a transaction the caller holds. */
bool store_finish_locked(struct store *s, long long id, const struct store_lease *lease,
                         const struct store_outcome *o, long long now, char **err);
/* Rows whose lease owner is gone go back to be sent or looked up (*count of them). */
bool store_reap_locked(struct store *s, long long now, int *count, char **err);

#endif
