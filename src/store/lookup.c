/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: what a look-up concludes (found, absent, wait, review) counted in one
 * transaction, resolving a call in review, the server's clock skew, the requeue of a call,
 * and the lists kept for working offline. */
#include "config.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/baseurl.h"
#include "core/buf.h"
#include "core/util.h"

enum store_lookup_verdict store_lookup_decide(size_t k, size_t u, size_t n_partial,
                                              size_t n_sending)
{
    if (n_sending > 0)
        return STORE_LOOKUP_WAIT; /* its answer may still land and name one of these */
    if (k == 0)
        return n_partial == 0 ? STORE_LOOKUP_ABSENT : STORE_LOOKUP_REVIEW;
    return k <= u ? STORE_LOOKUP_FOUND : STORE_LOOKUP_REVIEW;
}

/* Rows other than id with the same content and base: how many may be on the server
 * (unknown, review) and how many are being sent right now. */
static bool count_alike(struct store *s, long long id, size_t *unresolved, size_t *sending,
                        char **err)
{
    sqlite3_stmt *st;
    int rc;

    if (!store_prepare(s,
                 "SELECT SUM(o.state IN ('unknown','review')), SUM(o.state = 'sending')"
                 " FROM calls me JOIN calls o ON o.content_key = me.content_key"
                 " AND o.api_base = me.api_base AND o.id <> me.id"
                 " WHERE me.id = ?1 AND me.content_key <> '' AND o.quarantine IS NULL",
                 &st, err))
        return false;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *unresolved = (size_t)sqlite3_column_int64(st, 0);
        *sending = (size_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return store_fail(s, err, "database");
    return true;
}

static int remote_id_is_known_locked(struct store *s, const char *remote_id, char **err)
{
    return store_remote_id_is_known(s, remote_id, err);
}

int store_conclude_lookup(struct store *s, long long id, const struct store_lease *lease,
                          const struct store_lookup *l, long long now, long long retry_at,
                          enum store_lookup_verdict *verdict, const char **taken, char **err)
{
    size_t k = 0, u = 0, n_sending = 0, first = 0;
    struct store_outcome o = {0};
    struct buf cands;
    bool ok = false;

    *taken = NULL;
    buf_init(&cands, 4u << 20);
    buf_printf(&cands, "[");
    if (!store_begin(s, err)) {
        buf_done(&cands);
        return -1;
    }
    /* reaped first, so a dead sender's row counts as unresolved, not as sending */
    if (!store_reap_locked(s, now, NULL, err) || !count_alike(s, id, &u, &n_sending, err))
        goto out;
    u++; /* this row */
    for (size_t i = 0; i < l->n_full; i++) {
        int known = remote_id_is_known_locked(s, l->full_ids[i], err);
        if (known < 0)
            goto out;
        if (known)
            continue; /* another record owns it */
        if (k++ == 0)
            first = i;
        buf_printf(&cands, "%s%s", cands.len > 1 ? "," : "", l->full_json[i]);
    }
    for (size_t i = 0; i < l->n_partial; i++)
        buf_printf(&cands, "%s%s", cands.len > 1 ? "," : "", l->partial_json[i]);
    buf_printf(&cands, "]");
    *verdict = store_lookup_decide(k, u, l->n_partial, n_sending);
    switch (*verdict) {
    case STORE_LOOKUP_ABSENT:
        ok = true; /* the row stays ours, sending: the caller posts it now */
        break;
    case STORE_LOOKUP_FOUND:
        o.state = STORE_SENT;
        o.status = 200;
        o.remote_id = l->full_ids[first];
        o.response = l->full_json[first];
        o.resolved_by = "lookup";
        ok = store_finish_locked(s, id, lease, &o, now, err);
        *taken = l->full_ids[first];
        break;
    case STORE_LOOKUP_WAIT:
        o.state = STORE_UNKNOWN;
        o.error = "a call alike in every field is being sent right now; checking again later";
        o.next_attempt_at = retry_at;
        ok = store_finish_locked(s, id, lease, &o, now, err);
        break;
    case STORE_LOOKUP_REVIEW:
        o.state = STORE_REVIEW;
        o.error = k > u ? "the server holds more calls like this one than this machine sent"
                        : "the server holds calls like this one that cannot be told apart from it";
        o.candidates = cands.data;
        ok = store_finish_locked(s, id, lease, &o, now, err);
        break;
    }
out:
    if (!ok || !store_commit(s, err)) {
        store_rollback(s);
        buf_done(&cands);
        return -1;
    }
    buf_done(&cands);
    return 0;
}

int store_resolve(struct store *s, long long id, const char *remote_id, long long now,
                  char **err)
{
    struct store_row r;
    sqlite3_stmt *st;
    int found;

    store_row_init(&r);
    if (!store_begin(s, err))
        return -1;
    if (!store_reap_locked(s, now, NULL, err) || (found = store_get(s, id, &r, err)) < 0)
        goto fail;
    if (found == 0) {
        *err = xasprintf("there is no call %lld in the outbox", id);
        goto fail;
    }
    if (r.damage || (r.state != STORE_REVIEW && r.state != STORE_UNKNOWN &&
                     r.state != STORE_PENDING)) {
        *err = xasprintf("call %lld is %s; only a call in review, unknown or pending can be "
                         "resolved", id, r.damage ? "damaged" : store_state_name(r.state));
        goto fail;
    }
    {
        /* a call alike being sent right now may be the very server call named here */
        size_t unresolved = 0, sending = 0;
        if (!count_alike(s, id, &unresolved, &sending, err))
            goto fail;
        if (sending) {
            *err = xasprintf("a call alike in every field is being sent right now; resolve "
                             "call %lld once it is done", id);
            goto fail;
        }
    }
    if (remote_id) {
        int known = store_remote_id_is_known(s, remote_id, err);
        if (known < 0)
            goto fail;
        if (known) {
            *err = xasprintf("the server call %s is already recorded for another call", remote_id);
            goto fail;
        }
    }
    if (!store_prepare(s,
                 remote_id
                     ? "UPDATE calls SET state = 'sent', remote_id = ?2, resolved_by = 'human',"
                       " done_at = ?3, last_error = NULL, candidates = NULL WHERE id = ?1"
                     : "UPDATE calls SET state = 'pending', next_attempt_at = ?3,"
                       " last_error = 'to be sent again, as decided by hand', candidates = NULL"
                       " WHERE id = ?1",
                 &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, remote_id);
    sqlite3_bind_int64(st, 3, now);
    if (!store_step_done(s, st, err))
        goto fail;
    if (remote_id && r.draft_slot) {
        if (!store_prepare(s, "DELETE FROM drafts WHERE slot = ?", &st, err))
            goto fail;
        store_bind_text(st, 1, r.draft_slot);
        if (!store_step_done(s, st, err))
            goto fail;
    }
    if (!store_commit(s, err))
        goto fail;
    store_row_done(&r);
    return 1;
fail:
    store_rollback(s);
    store_row_done(&r);
    return -1;
}

long store_count_state(struct store *s, enum store_state state, char **err)
{
    sqlite3_stmt *st;
    long n = -1;

    if (!store_prepare(s, "SELECT COUNT(*) FROM calls WHERE state = ? AND quarantine IS NULL", &st,
                 err))
        return -1;
    store_bind_text(st, 1, store_state_name(state));
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    else
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    return n;
}

bool store_clock_note(struct store *s, const char *api_base, long long skew_ms, long long now,
                      char **err)
{
    sqlite3_stmt *st;
    char *base = baseurl_normalise(api_base);
    bool ok;

    if (!store_prepare(s,
                 "INSERT OR REPLACE INTO server_clock (api_base, skew_ms, measured_at)"
                 " VALUES (?1, ?2, ?3)",
                 &st, err)) {
        free(base);
        return false;
    }
    store_bind_text(st, 1, base);
    sqlite3_bind_int64(st, 2, skew_ms);
    sqlite3_bind_int64(st, 3, now);
    ok = store_step_done(s, st, err);
    free(base);
    return ok;
}

int store_clock_skew(struct store *s, const char *api_base, long long *skew_ms, char **err)
{
    sqlite3_stmt *st;
    char *base = baseurl_normalise(api_base);
    int rc, found;

    if (!store_prepare(s, "SELECT skew_ms FROM server_clock WHERE api_base = ?", &st, err)) {
        free(base);
        return -1;
    }
    store_bind_text(st, 1, base);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (found > 0)
        *skew_ms = sqlite3_column_int64(st, 0);
    else if (found < 0)
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    free(base);
    return found;
}

int store_requeue(struct store *s, long long id, long long now, char **err)
{
    sqlite3_stmt *st;

    /* last_error and last_status stay: they say why the call was refused before */
    if (!store_prepare(s,
                 "UPDATE calls SET state = 'pending', errors_json = NULL, next_attempt_at = ?2,"
                 " done_at = 0, unknown_since = 0"
                 " WHERE id = ?1 AND state = 'rejected' AND lease_token IS NULL",
                 &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    if (!store_step_done(s, st, err))
        return -1;
    return sqlite3_changes(s->db) == 1 ? 1 : 0;
}

/* ---- cached lists ---- */

static bool list_kind_ok(const char *kind, char **err)
{
    if (kind && (!strcmp(kind, "dispositions") || !strcmp(kind, "tasks") ||
                 !strcmp(kind, "users")))
        return true;
    if (err)
        *err = xasprintf("unknown list kind '%s'", kind ? kind : "(none)");
    return false;
}

bool store_lists_save(struct store *s, const char *api_base, const char *user,
                      const char *kind, const char *json, long long now, char **err)
{
    sqlite3_stmt *st;
    char *base;
    bool ok;

    if (!list_kind_ok(kind, err))
        return false;
    if (!json) {
        if (err)
            *err = xstrdup("no list to keep");
        return false;
    }
    base = baseurl_normalise(api_base);
    if (!store_prepare(s,
                 "INSERT OR REPLACE INTO lists (api_base, user_id, kind, json, loaded_at)"
                 " VALUES (?1, ?2, ?3, ?4, ?5)",
                 &st, err)) {
        free(base);
        return false;
    }
    store_bind_text(st, 1, base);
    store_bind_text(st, 2, user ? user : "");
    store_bind_text(st, 3, kind);
    store_bind_text(st, 4, json);
    sqlite3_bind_int64(st, 5, now);
    ok = store_step_done(s, st, err);
    free(base);
    return ok;
}

int store_lists_load(struct store *s, const char *api_base, const char *user, const char *kind,
                     char **json, long long *loaded_at, char **err)
{
    sqlite3_stmt *st;
    char *base;
    int rc, found;

    *json = NULL;
    if (!list_kind_ok(kind, err))
        return -1;
    base = baseurl_normalise(api_base);
    if (!store_prepare(s,
                 "SELECT json, loaded_at FROM lists"
                 " WHERE api_base = ?1 AND user_id = ?2 AND kind = ?3",
                 &st, err)) {
        free(base);
        return -1;
    }
    store_bind_text(st, 1, base);
    store_bind_text(st, 2, user ? user : "");
    store_bind_text(st, 3, kind);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (found > 0) {
        *json = store_col_text(st, 0);
        if (loaded_at)
            *loaded_at = sqlite3_column_int64(st, 1);
    } else if (found < 0) {
        store_fail(s, err, "database");
    }
    sqlite3_finalize(st);
    free(base);
    return found;
}
