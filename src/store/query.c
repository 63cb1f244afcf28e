/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: reading the calls table: one call, the list the history and outbox show,
 * the outbox count, whether a remote id is taken, and dropping a call never sent. */
#include "config.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

int store_get(struct store *s, long long id, struct store_row *out, char **err)
{
    sqlite3_stmt *st;
    int rc, found = 0;

    if (!store_prepare(s, "SELECT " ROW_COLUMNS " FROM calls WHERE id = ?", &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_row_read(st, out);
        found = 1;
    }
    else if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

bool store_list(struct store *s, bool is_outbox_only, size_t limit, struct store_rows *out,
                char **err)
{
    sqlite3_stmt *st;
    size_t cap = 0;
    int rc;

    out->v = NULL;
    out->n = 0;
    if (!store_prepare(s,
                 "SELECT " ROW_COLUMNS " FROM calls WHERE (?1 = 0 OR state IN"
                 " ('pending','sending','unknown','review') OR quarantine IS NOT NULL)"
                 " ORDER BY created_at DESC, id DESC LIMIT ?2",
                 &st, err))
        return false;
    sqlite3_bind_int(st, 1, is_outbox_only);
    sqlite3_bind_int64(st, 2, limit ? (long long)limit : -1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (out->n == cap) {
            cap = cap ? cap * 2 : 16;
            out->v = xrealloc(out->v, cap * sizeof(*out->v));
        }
        store_row_init(&out->v[out->n]);
        store_row_read(st, &out->v[out->n]);
        out->n++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        store_rows_done(out);
        return store_fail(s, err, "database");
    }
    return true;
}

long store_count_outbox(struct store *s, char **err)
{
    sqlite3_stmt *st;
    long n = -1;

    if (!store_prepare(s, "SELECT COUNT(*) FROM calls WHERE state IN ('pending','sending','unknown')"
                    " AND quarantine IS NULL",
                 &st, err))
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    else
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    return n;
}

int store_remote_id_is_known(struct store *s, const char *remote_id, char **err)
{
    sqlite3_stmt *st;
    int rc, known;

    if (!store_prepare(s, "SELECT 1 FROM calls WHERE remote_id = ?", &st, err))
        return -1;
    store_bind_text(st, 1, remote_id);
    rc = sqlite3_step(st);
    known = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
    if (known < 0)
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    return known;
}

int store_drop(struct store *s, long long id, long long now, char **err)
{
    struct store_row r;
    sqlite3_stmt *st;
    int found;

    store_row_init(&r);
    if (!store_begin(s, err))
        return -1;
    if (!store_reap_locked(s, now, NULL, err))
        goto fail;
    found = store_get(s, id, &r, err);
    if (found < 0)
        goto fail;
    if (found == 0) {
        store_rollback(s); /* only a reap could have changed anything; it is redone on next use */
        store_row_done(&r);
        return 0;
    }
    if (r.state == STORE_SENT && !r.damage) {
        *err = xasprintf("call %lld was sent (remote id %s); it cannot be dropped", id,
                         r.remote_id ? r.remote_id : "?");
        goto fail;
    }
    if (r.state == STORE_SENDING) {
        *err = xasprintf("call %lld is being sent by process %ld right now", id,
                         (long)r.lease_pid);
        goto fail;
    }
    if (r.draft_slot) {
        if (!store_prepare(s, "DELETE FROM drafts WHERE slot = ?", &st, err))
            goto fail;
        store_bind_text(st, 1, r.draft_slot);
        if (!store_step_done(s, st, err))
            goto fail;
    }
    if (!store_prepare(s, "DELETE FROM calls WHERE id = ?", &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, id);
    if (!store_step_done(s, st, err) || !store_commit(s, err))
        goto fail;
    store_row_done(&r);
    return 1;
fail:
    store_rollback(s);
    store_row_done(&r);
    return -1;
}
