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
