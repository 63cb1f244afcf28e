/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: the form's drafts in the store: one row per slot, saved, loaded, moved
 * atomically to another slot (taking over an abandoned draft) and deleted. */
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

#include "core/util.h"

void store_draft_init(struct store_draft *d)
{
    memset(d, 0, sizeof(*d));
    call_init(&d->call);
}

void store_draft_done(struct store_draft *d)
{
    if (!d)
        return;
    call_done(&d->call);
    store_draft_init(d);
}

bool store_draft_save(struct store *s, const char *slot, const struct store_draft *d,
                      long long now, char **err)
{
    sqlite3_stmt *st;
    char *json = call_to_store_json(&d->call);
    bool ok;

    if (!store_prepare(s,
                 "INSERT OR REPLACE INTO drafts (slot, call_json, timer_started_at,"
                 " is_timer_running, updated_at) VALUES (?, ?, ?, ?, ?)",
                 &st, err)) {
        free(json);
        return false;
    }
    store_bind_text(st, 1, slot);
    store_bind_text(st, 2, json);
    sqlite3_bind_int64(st, 3, d->timer_started_at);
    sqlite3_bind_int(st, 4, d->is_timer_running);
    sqlite3_bind_int64(st, 5, now);
    ok = store_step_done(s, st, err);
    free(json);
    return ok;
}

int store_draft_load(struct store *s, const char *slot, struct store_draft *d, char **err)
{
    sqlite3_stmt *st;
    int rc, found = 0;

    if (!store_prepare(s,
                 "SELECT call_json, timer_started_at, is_timer_running, updated_at"
                 " FROM drafts WHERE slot = ?",
                 &st, err))
        return -1;
    store_bind_text(st, 1, slot);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_draft_done(d);
        if (!call_from_store_json(&d->call, (const char *)sqlite3_column_text(st, 0))) {
            *err = xasprintf("the draft '%s' is damaged", slot);
            found = -1;
        } else {
            d->timer_started_at = sqlite3_column_int64(st, 1);
            d->is_timer_running = sqlite3_column_int(st, 2) != 0;
            d->updated_at = sqlite3_column_int64(st, 3);
            found = 1;
        }
    } else if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

bool store_draft_delete(struct store *s, const char *slot, char **err)
{
    sqlite3_stmt *st;

    if (!store_prepare(s, "DELETE FROM drafts WHERE slot = ?", &st, err))
        return false;
    store_bind_text(st, 1, slot);
    return store_step_done(s, st, err);
}

int store_draft_latest(struct store *s, char **slot, char **err)
{
    sqlite3_stmt *st;
    int rc, found = 0;

    *slot = NULL;
    if (!store_prepare(s,
                 "SELECT slot FROM drafts d WHERE NOT EXISTS (SELECT 1 FROM calls c"
                 " WHERE c.draft_slot = d.slot AND c.state IN ('pending','sending','unknown','review'))"
                 " ORDER BY updated_at DESC LIMIT 1",
                 &st, err))
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *slot = store_col_text(st, 0);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

bool store_draft_slots(struct store *s, char ***slots, size_t *n, char **err)
{
    sqlite3_stmt *st;
    int rc;

    *slots = NULL;
    *n = 0;
    if (!store_prepare(s,
                 "SELECT slot FROM drafts d WHERE NOT EXISTS (SELECT 1 FROM calls c"
                 " WHERE c.draft_slot = d.slot AND c.state IN ('pending','sending','unknown','review'))"
                 " ORDER BY updated_at DESC",
                 &st, err))
        return false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *slots = xrealloc(*slots, (*n + 1) * sizeof(**slots));
        (*slots)[(*n)++] = store_col_text(st, 0);
    }
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        sqlite3_finalize(st);
        store_draft_slots_free(*slots, *n);
        *slots = NULL;
        *n = 0;
        return false;
    }
    sqlite3_finalize(st);
    return true;
}

void store_draft_slots_free(char **slots, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(slots[i]);
    free(slots);
}

int store_draft_move(struct store *s, const char *from, const char *to, char **err)
{
    sqlite3_stmt *st;
    int rc, changed;

    if (!store_prepare(s, "UPDATE drafts SET slot = ? WHERE slot = ?", &st, err))
        return -1;
    store_bind_text(st, 1, to);
    store_bind_text(st, 2, from);
    rc = sqlite3_step(st);
    changed = sqlite3_changes(s->db);
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return changed > 0 ? 1 : 0;
}
