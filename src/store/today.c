/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: the day's work as the form's status bar counts it: calls sent since a given
 * time (the local midnight), and the newest number this machine called a contact on. */
#include "config.h"
#include "store/today.h"
#include "store/store_impl.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

long store_count_sent_since(struct store *s, long long since_ms, char **err)
{
    sqlite3_stmt *st;
    long n = -1;

    if (!store_prepare(s,
                       "SELECT COUNT(*) FROM calls WHERE state = 'sent' AND done_at >= ? AND "
                       "quarantine IS NULL",
                       &st, err))
        return -1;
    sqlite3_bind_int64(st, 1, since_ms);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    else
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    return n;
}

int store_lists_newest(struct store *s, const char *kind, char **json, char **err)
{
    sqlite3_stmt *st;
    int rc, found = 0;

    *json = NULL;
    if (!store_prepare(s, "SELECT json FROM lists WHERE kind = ? ORDER BY loaded_at DESC LIMIT 1",
                       &st, err))
        return -1;
    store_bind_text(st, 1, kind);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *j = (const char *)sqlite3_column_text(st, 0);
        *json = xstrdup(j ? j : "[]");
        found = 1;
    } else if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

int store_next_retry(struct store *s, int *attempts, long long *at, char **err)
{
    sqlite3_stmt *st;
    int rc, found = 0;

    *attempts = 0;
    *at = 0;
    if (!store_prepare(s,
                       "SELECT attempts, next_attempt_at FROM calls WHERE state IN "
                       "('pending', 'unknown') AND quarantine IS NULL AND attempts > 0 "
                       "ORDER BY next_attempt_at LIMIT 1",
                       &st, err))
        return -1;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *attempts = sqlite3_column_int(st, 0);
        *at = sqlite3_column_int64(st, 1);
        found = 1;
    } else if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}
