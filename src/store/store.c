/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: the SQLite store: file placement and permissions, schema migrations, drafts and the
 * calls table that is both outbox and history, with leases so two processes never attempt the same
 * call. Values are always bound, never formatted into SQL. It must not do network or UI work,
 * and it never stores the API key. */
#include "config.h"
#include "store/store.h"
#include "store/store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "core/baseurl.h"
#include "core/buf.h"
#include "core/sha256.h"
#include "core/safepath.h"
#include "core/util.h"

#define BUSY_TIMEOUT_MS 10000

/* SQLite opens the file again by its path: it must not follow a link put there since. */
#ifdef SQLITE_OPEN_NOFOLLOW
#define OPEN_NOFOLLOW SQLITE_OPEN_NOFOLLOW
#else
#define OPEN_NOFOLLOW 0
#endif


static const char *const state_names[STORE_STATE_COUNT] = {
    [STORE_PENDING] = "pending", [STORE_SENDING] = "sending", [STORE_SENT] = "sent",
    [STORE_REJECTED] = "rejected", [STORE_UNKNOWN] = "unknown", [STORE_REVIEW] = "review",
};

/* Migration N (1-based) brings user_version N-1 to N. Append only; never edit a shipped one. */
static const char *const migrations[] = {
    "CREATE TABLE drafts ("
    "  slot TEXT PRIMARY KEY,"
    "  call_json TEXT NOT NULL,"
    "  timer_started_at INTEGER NOT NULL DEFAULT 0,"
    "  is_timer_running INTEGER NOT NULL DEFAULT 0,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE calls ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  created_at INTEGER NOT NULL,"
    "  call_json TEXT NOT NULL,"
    "  api_base TEXT NOT NULL,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('pending','sending','sent','rejected','unknown')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  last_status INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  first_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  done_at INTEGER NOT NULL DEFAULT 0,"
    "  remote_id TEXT,"
    "  response TEXT,"
    "  errors_json TEXT,"
    "  resolved_by TEXT,"
    "  external_key TEXT UNIQUE,"
    "  draft_slot TEXT,"
    "  lease_token TEXT,"
    "  lease_host TEXT,"
    "  lease_pid INTEGER NOT NULL DEFAULT 0,"
    "  lease_start INTEGER NOT NULL DEFAULT 0,"
    "  lease_until INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX calls_by_state ON calls (state, next_attempt_at);"
    /* one remote call can be the outcome of one local call only */
    "CREATE UNIQUE INDEX calls_by_remote_id ON calls (remote_id) WHERE remote_id IS NOT NULL;",
    /* When a call last became unknown: its attempt ended, or its owner was found gone. A
     * request of that attempt may still be on its way until then, so it settles from here. */
    "ALTER TABLE calls ADD COLUMN unknown_since INTEGER NOT NULL DEFAULT 0;",
    /* 3: the state 'review' (a CHECK cannot be altered: the table is rebuilt), a row's
     * quarantine reason, its content key (calls alike in every field the client sends share
     * it), the candidates of a review; the machine-wide request log of the rate limit, and
     * the server's clock as last measured. Keys and base URLs are filled in by C
     * (migrate_v3_rows). */
    "CREATE TABLE calls_v3 ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  created_at INTEGER NOT NULL,"
    "  call_json TEXT NOT NULL,"
    "  api_base TEXT NOT NULL,"
    "  state TEXT NOT NULL"
    "    CHECK (state IN ('pending','sending','sent','rejected','unknown','review')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  last_error TEXT,"
    "  last_status INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  first_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  last_attempt_at INTEGER NOT NULL DEFAULT 0,"
    "  done_at INTEGER NOT NULL DEFAULT 0,"
    "  remote_id TEXT,"
    "  response TEXT,"
    "  errors_json TEXT,"
    "  resolved_by TEXT,"
    "  external_key TEXT UNIQUE,"
    "  draft_slot TEXT,"
    "  lease_token TEXT,"
    "  lease_host TEXT,"
    "  lease_pid INTEGER NOT NULL DEFAULT 0,"
    "  lease_start INTEGER NOT NULL DEFAULT 0,"
    "  lease_until INTEGER NOT NULL DEFAULT 0,"
    "  unknown_since INTEGER NOT NULL DEFAULT 0,"
    "  quarantine TEXT,"
    "  content_key TEXT NOT NULL DEFAULT '',"
    "  candidates TEXT"
    ");"
    "INSERT INTO calls_v3 (id, created_at, call_json, api_base, state, attempts, last_error,"
    " last_status, next_attempt_at, first_attempt_at, last_attempt_at, done_at, remote_id,"
    " response, errors_json, resolved_by, external_key, draft_slot, lease_token, lease_host,"
    " lease_pid, lease_start, lease_until, unknown_since)"
    " SELECT id, created_at, call_json, api_base, state, attempts, last_error,"
    " last_status, next_attempt_at, first_attempt_at, last_attempt_at, done_at, remote_id,"
    " response, errors_json, resolved_by, external_key, draft_slot, lease_token, lease_host,"
    " lease_pid, lease_start, lease_until, unknown_since FROM calls;"
    "DROP TABLE calls;"
    "ALTER TABLE calls_v3 RENAME TO calls;"
    "CREATE INDEX calls_by_state ON calls (state, next_attempt_at);"
    "CREATE UNIQUE INDEX calls_by_remote_id ON calls (remote_id) WHERE remote_id IS NOT NULL;"
    "CREATE INDEX calls_by_content ON calls (content_key);"
    "CREATE TABLE rate_log (at INTEGER NOT NULL);"
    "CREATE INDEX rate_log_by_at ON rate_log (at);"
    "CREATE TABLE server_clock ("
    "  api_base TEXT PRIMARY KEY,"
    "  skew_ms INTEGER NOT NULL,"
    "  measured_at INTEGER NOT NULL"
    ");",
    /* 4: the last lists loaded (dispositions, tasks, users) as the API's JSON, per base URL,
     * user ('' for lists that belong to the account) and kind, so the form can start
     * offline. */
    "CREATE TABLE lists ("
    "  api_base TEXT NOT NULL,"
    "  user_id TEXT NOT NULL DEFAULT '',"
    "  kind TEXT NOT NULL CHECK (kind IN ('dispositions','tasks','users')),"
    "  json TEXT NOT NULL,"
    "  loaded_at INTEGER NOT NULL,"
    "  PRIMARY KEY (api_base, user_id, kind)"
    ");",
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- small helpers ---- */

const char *store_state_name(enum store_state st)
{
    return (st >= 0 && st < STORE_STATE_COUNT) ? state_names[st] : "?";
}

enum store_state store_state_from_name(const char *name)
{
    for (int i = 0; name && i < STORE_STATE_COUNT; i++)
        if (!strcmp(name, state_names[i]))
            return (enum store_state)i;
    return STORE_STATE_COUNT;
}

long long store_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool store_fail(struct store *s, char **err, const char *what)
{
    if (err)
        *err = xasprintf("%s: %s", what, s->db ? sqlite3_errmsg(s->db) : "no database");
    return false;
}

bool store_exec(struct store *s, const char *sql, char **err)
{
    char *msg = NULL;

    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err)
            *err = xasprintf("database: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return false;
    }
    return true;
}

bool store_prepare(struct store *s, const char *sql, sqlite3_stmt **st, char **err)
{
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK) {
        *st = NULL;
        return store_fail(s, err, "database");
    }
    return true;
}

/* BEGIN IMMEDIATE takes the write lock up front, so a read-then-write inside the transaction
 * cannot interleave with another connection's (the busy timeout makes it wait). */
bool store_begin(struct store *s, char **err)
{
    return store_exec(s, "BEGIN IMMEDIATE", err);
}

bool store_commit(struct store *s, char **err)
{
    return store_exec(s, "COMMIT", err);
}

void store_rollback(struct store *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

void store_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

char *store_col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? xstrdup((const char *)t) : NULL;
}

/* Run a statement that returns no rows; finalizes it. */
bool store_step_done(struct store *s, sqlite3_stmt *st, char **err)
{
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_DONE || rc == SQLITE_ROW;

    if (!ok)
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    return ok;
}

/* ---- placement and permissions ---- */

char *store_default_path(char **err)
{
    char *dir = safepath_state_dir_path(err);
    char *path = dir ? xasprintf("%s/amplecall.db", dir) : NULL;

    free(dir);
    return path;
}

/* Create the file 0600 ourselves before SQLite does (it would honour the umask); SQLite
 * gives the -wal and -shm files the database file's permissions. The file, and any journal
 * SQLite would read with it, must be the user's alone (safepath.h). */
static bool make_private_file(const char *path, char **err)
{
    static const char *const companions[] = {"-wal", "-shm", "-journal"};
    struct stat sb;
    int fd;

    if (safepath_open(path, O_RDWR | O_CREAT, 0600, true, &fd, &sb, err) != SAFEPATH_OK)
        return false;
    if ((sb.st_mode & 077) && fchmod(fd, 0600) != 0) {
        *err = xasprintf("cannot make %s private: %s", path, strerror(errno));
        close(fd);
        return false;
    }
    close(fd);
    for (size_t i = 0; i < ARRAY_LEN(companions); i++) {
        char *p = xasprintf("%s%s", path, companions[i]);
        enum safepath_status st = safepath_open(p, O_RDONLY, 0, true, &fd, NULL, err);

        free(p);
        if (st == SAFEPATH_MISSING) {
            free(*err);
            *err = NULL;
        } else if (st != SAFEPATH_OK) {
            return false;
        } else {
            close(fd);
        }
    }
    return true;
}

static bool prepare_location(const char *path, char **err)
{
    const char *slash = strrchr(path, '/');
    bool ok = true;

    if (slash && slash != path) {
        char *dir = xstrndup(path, (size_t)(slash - path));
        ok = safepath_dir(dir, true, err) == SAFEPATH_OK;
        free(dir);
    }
    return ok && make_private_file(path, err);
}

/* ---- open and migrate ---- */

int store_schema_version(struct store *s)
{
    sqlite3_stmt *st;
    int v = -1;

    if (!store_prepare(s, "PRAGMA user_version", &st, NULL))
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Migration 3's part in C: each row's content key and its base URL in normal form. */
static bool migrate_v3_rows(struct store *s, char **err)
{
    sqlite3_stmt *st, *up;
    int rc;

    if (!store_prepare(s, "SELECT id, call_json, api_base FROM calls", &st, err))
        return false;
    if (!store_prepare(s, "UPDATE calls SET content_key = ?2, api_base = ?3 WHERE id = ?1", &up, err)) {
        sqlite3_finalize(st);
        return false;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct call c;
        char *base = baseurl_normalise((const char *)sqlite3_column_text(st, 2));
        char *key = NULL;

        call_init(&c);
        /* a damaged row keeps an empty key: it is quarantined when it is next claimed */
        if (call_from_store_json(&c, (const char *)sqlite3_column_text(st, 1)))
            key = store_content_key(&c, base);
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, sqlite3_column_int64(st, 0));
        store_bind_text(up, 2, key ? key : "");
        store_bind_text(up, 3, base);
        rc = sqlite3_step(up);
        free(key);
        free(base);
        call_done(&c);
        if (rc != SQLITE_DONE)
            break;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    if (rc != SQLITE_DONE)
        return store_fail(s, err, "database");
    return true;
}

static bool migrate(struct store *s, char **err)
{
    int v;

    /* The common case, a current schema, needs no write lock on every start. */
    if (store_schema_version(s) == STORE_SCHEMA_VERSION)
        return true;
    /* Inside the write transaction, so two first runs cannot both apply a migration. */
    if (!store_begin(s, err))
        return false;
    v = store_schema_version(s);
    if (v < 0) {
        store_rollback(s);
        return store_fail(s, err, "cannot read the schema version");
    }
    if (v > STORE_SCHEMA_VERSION) {
        store_rollback(s);
        *err = xasprintf("%s was written by a newer amplecall (schema %d, this one knows %d)",
                         s->path, v, STORE_SCHEMA_VERSION);
        return false;
    }
    for (; v < STORE_SCHEMA_VERSION; v++) {
        char pragma[64];
        if (!store_exec(s, migrations[v], err) || (v == 2 && !migrate_v3_rows(s, err))) {
            store_rollback(s);
            return false;
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", v + 1);
        if (!store_exec(s, pragma, err)) {
            store_rollback(s);
            return false;
        }
    }
    if (!store_commit(s, err)) {
        store_rollback(s);
        return false;
    }
    return true;
}

/* Our database is a few hundred KB and each command touches a handful of pages, yet every
 * connection starts with a bulk page-cache allocation of 20 pages (~90 KB) and 120 KB of
 * lookaside slots. Without them the form's heap peak drops by about 300 KB; the pages are
 * then allocated one by one as read, which our queries never notice. Must run before
 * SQLite initialises; later calls are refused by SQLite and harmless. */
static void limit_sqlite_memory(void)
{
    static bool is_done;

    if (is_done)
        return;
    is_done = true;
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, (void *)NULL, 0, 0);
    sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
}

struct store *store_open(const char *path, char **err)
{
    struct store *s;
    char *def = NULL;
    bool is_memory;

    *err = NULL;
    if (!path) {
        def = store_default_path(err);
        if (!def)
            return NULL;
        path = def;
    }
    is_memory = !strcmp(path, ":memory:");
    if (!is_memory && !prepare_location(path, err)) {
        free(def);
        return NULL;
    }
    s = xcalloc(1, sizeof(*s));
    s->path = xstrdup(path);
    free(def);
    limit_sqlite_memory();
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        store_fail(s, err, s->path);
        store_close(s);
        return NULL;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    {
        /* keep the -wal file between runs instead of creating and deleting it each time */
        int one = 1;
        sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
    }
    /* WAL lets readers (outbox list, history) run while another process writes; FULL sync
     * makes each committed transaction survive a power cut, since a write-ahead row must
     * exist before its request goes out. */
    if (!store_exec(s, "PRAGMA journal_mode = WAL", err) ||
        !store_exec(s, "PRAGMA synchronous = FULL", err) || !migrate(s, err)) {
        char *e = xasprintf("%s: %s", s->path, *err);
        free(*err);
        *err = e;
        store_close(s);
        return NULL;
    }
    return s;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->db)
        sqlite3_close(s->db); /* every statement is finalized on its own path */
    free(s->path);
    free(s);
}

const char *store_path(const struct store *s)
{
    return s->path;
}

/* ---- calls ---- */

void store_row_init(struct store_row *r)
{
    memset(r, 0, sizeof(*r));
    call_init(&r->call);
}

void store_row_done(struct store_row *r)
{
    if (!r)
        return;
    call_done(&r->call);
    free(r->api_base);
    free(r->last_error);
    free(r->remote_id);
    free(r->response);
    free(r->errors_json);
    free(r->resolved_by);
    free(r->external_key);
    free(r->draft_slot);
    free(r->lease_host);
    free(r->damage);
    free(r->content_key);
    free(r->candidates);
    store_row_init(r);
}

void store_rows_done(struct store_rows *rows)
{
    if (!rows)
        return;
    for (size_t i = 0; i < rows->n; i++)
        store_row_done(&rows->v[i]);
    free(rows->v);
    rows->v = NULL;
    rows->n = 0;
}

/* Fill r from a statement selecting ROW_COLUMNS. A row that cannot be read back is still
 * returned, with r->damage saying why (its call left empty), so one bad row never hides
 * the others. */
void store_row_read(sqlite3_stmt *st, struct store_row *r)
{
    const char *state = (const char *)sqlite3_column_text(st, 4);

    store_row_done(r);
    r->id = sqlite3_column_int64(st, 0);
    r->created_at = sqlite3_column_int64(st, 1);
    r->api_base = store_col_text(st, 3);
    if (!r->api_base)
        r->api_base = xstrdup("");
    r->state = store_state_from_name(state);
    r->attempts = sqlite3_column_int(st, 5);
    r->last_error = store_col_text(st, 6);
    r->last_status = (long)sqlite3_column_int64(st, 7);
    r->next_attempt_at = sqlite3_column_int64(st, 8);
    r->first_attempt_at = sqlite3_column_int64(st, 9);
    r->last_attempt_at = sqlite3_column_int64(st, 10);
    r->done_at = sqlite3_column_int64(st, 11);
    r->remote_id = store_col_text(st, 12);
    r->response = store_col_text(st, 13);
    r->errors_json = store_col_text(st, 14);
    r->resolved_by = store_col_text(st, 15);
    r->external_key = store_col_text(st, 16);
    r->draft_slot = store_col_text(st, 17);
    r->lease_host = store_col_text(st, 18);
    r->lease_pid = (pid_t)sqlite3_column_int64(st, 19);
    r->lease_until = sqlite3_column_int64(st, 20);
    r->damage = store_col_text(st, 21);
    r->content_key = store_col_text(st, 22);
    r->candidates = store_col_text(st, 23);
    if (!r->damage && r->state == STORE_STATE_COUNT)
        r->damage = xasprintf("its state '%s' is not one this program knows",
                              state ? state : "(none)");
    if (!r->damage && !call_from_store_json(&r->call, (const char *)sqlite3_column_text(st, 2)))
        r->damage = xstrdup("its call cannot be read back");
    if (r->damage) {
        call_done(&r->call);
        call_init(&r->call);
    }
}

/* Put a damaged row aside: it is never claimed again; `outbox drop` removes it. */
static bool quarantine_locked(struct store *s, long long id, const char *why, char **err)
{
    sqlite3_stmt *st;

    if (!store_prepare(s, "UPDATE calls SET quarantine = ?2, lease_token = NULL, lease_host = NULL,"
                    " lease_pid = 0, lease_start = 0, lease_until = 0 WHERE id = ?1",
                 &st, err))
        return false;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, why);
    return store_step_done(s, st, err);
}

/* ---- the machine-wide rate limit ---- */

/* Within a transaction: take a request slot if fewer than limit requests were made in the
 * last window_ms by any process using this store. true with *wait_ms 0 when taken, or
 * with *wait_ms > 0 (when the oldest slot frees) when not. limit <= 0: no limit. */
static bool rate_take_locked(struct store *s, int limit, long long window_ms, long long now,
                             long long *wait_ms, char **err)
{
    sqlite3_stmt *st;
    long long n = 0, oldest = 0;

    *wait_ms = 0;
    if (limit <= 0)
        return true;
    if (!store_prepare(s, "DELETE FROM rate_log WHERE at <= ?1 OR at > ?2", &st, err))
        return false;
    sqlite3_bind_int64(st, 1, now - window_ms);
    sqlite3_bind_int64(st, 2, now + window_ms); /* a clock set back must not block forever */
    if (!store_step_done(s, st, err))
        return false;
    if (!store_prepare(s, "SELECT COUNT(*), MIN(at) FROM rate_log", &st, err))
        return false;
    if (sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
        oldest = sqlite3_column_int64(st, 1);
    }
    sqlite3_finalize(st);
    if (n >= limit) {
        *wait_ms = oldest + window_ms - now;
        if (*wait_ms < 1)
            *wait_ms = 1;
        return true;
    }
    if (!store_prepare(s, "INSERT INTO rate_log (at) VALUES (?1)", &st, err))
        return false;
    sqlite3_bind_int64(st, 1, now);
    return store_step_done(s, st, err);
}

int store_rate_take(struct store *s, int limit, long long window_ms, long long now,
                    long long *wait_ms, char **err)
{
    if (!store_begin(s, err))
        return -1;
    if (!rate_take_locked(s, limit, window_ms, now, wait_ms, err) || !store_commit(s, err)) {
        store_rollback(s);
        return -1;
    }
    return *wait_ms == 0;
}

/* ---- content keys ---- */

static void key_phone(struct sha256 *h, const char *p)
{
    for (; p && *p; p++)
        if (*p >= '0' && *p <= '9')
            sha256_update(h, p, 1);
    sha256_update(h, "", 1);
}

static void key_text(struct sha256 *h, const char *t, bool is_folded)
{
    for (; t && *t; t++) {
        char c = is_folded && *t >= 'A' && *t <= 'Z' ? (char)(*t - 'A' + 'a') : *t;
        sha256_update(h, &c, 1);
    }
    sha256_update(h, "", 1);
}

char *store_content_key(const struct call *c, const char *api_base)
{
    struct sha256 h;
    unsigned char d[32];
    char hex[65], num[32];
    long long duration = -1;
    static const enum field_id ids[] = {FIELD_TASK, FIELD_USER, FIELD_DISPOSITION};

    sha256_init(&h);
    key_text(&h, api_base, false);
    key_phone(&h, call_get(c, FIELD_FROM));
    key_phone(&h, call_get(c, FIELD_TO));
    if (!str_to_nonneg(call_get(c, FIELD_DURATION), 1LL << 40, &duration))
        duration = -1;
    snprintf(num, sizeof(num), "%lld/%d/%d", duration,
             call_parse_bool(call_get(c, FIELD_ANSWERED)),
             call_parse_bool(call_get(c, FIELD_HUMAN)));
    key_text(&h, num, false);
    for (size_t i = 0; i < ARRAY_LEN(ids); i++)
        key_text(&h, call_get(c, ids[i]), true);
    key_text(&h, call_get(c, FIELD_TRANSCRIPTION), false);
    key_text(&h, call_get(c, FIELD_RECORDING_URL), false);
    sha256_final(&h, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return xstrdup(hex);
}

/* The row filed under key: 1 with *id, 0 none, -1 error. */
static int id_for_key(struct store *s, const char *key, long long *id, char **err)
{
    sqlite3_stmt *st;
    int rc;

    if (!store_prepare(s, "SELECT id FROM calls WHERE external_key = ?", &st, err))
        return -1;
    store_bind_text(st, 1, key);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else if (rc != SQLITE_DONE)
        store_fail(s, err, "database");
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static bool insert_row(struct store *s, const struct store_new *n, const struct store_lease *l,
                       long long now, long long *id, char **err)
{
    sqlite3_stmt *st;
    char *json = call_to_store_json(n->call);
    char *base = baseurl_normalise(n->api_base ? n->api_base : "");
    char *key = store_content_key(n->call, base);
    bool ok;

    if (!store_prepare(s,
                 "INSERT INTO calls (created_at, call_json, api_base, state, attempts,"
                 " next_attempt_at, first_attempt_at, last_attempt_at, external_key, draft_slot,"
                 " lease_token, lease_host, lease_pid, lease_start, lease_until, content_key)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?1, ?6, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                 &st, err)) {
        free(json);
        free(base);
        free(key);
        return false;
    }
    sqlite3_bind_int64(st, 1, now);
    store_bind_text(st, 2, json);
    store_bind_text(st, 3, base);
    store_bind_text(st, 14, key);
    free(base);
    free(key);
    store_bind_text(st, 4, l ? "sending" : "pending");
    sqlite3_bind_int(st, 5, l ? 1 : 0);
    sqlite3_bind_int64(st, 6, l ? now : 0);
    store_bind_text(st, 7, n->external_key);
    store_bind_text(st, 8, n->draft_slot);
    store_bind_text(st, 9, l ? l->token : NULL);
    store_bind_text(st, 10, l ? l->host : NULL);
    sqlite3_bind_int64(st, 11, l ? l->pid : 0);
    sqlite3_bind_int64(st, 12, l ? l->start : 0);
    sqlite3_bind_int64(st, 13, l ? now + l->duration_ms : 0);
    ok = store_step_done(s, st, err);
    if (ok)
        *id = sqlite3_last_insert_rowid(s->db);
    free(json);
    return ok;
}

/* A pending row's next attempt, within a transaction. */
static bool schedule_locked(struct store *s, long long id, long long at, char **err)
{
    sqlite3_stmt *st;

    if (!store_prepare(s, "UPDATE calls SET next_attempt_at = ?2 WHERE id = ?1", &st, err))
        return false;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    return store_step_done(s, st, err);
}

bool store_insert_sending(struct store *s, const struct store_new *n,
                          const struct store_lease *lease, long long now, long long *id,
                          long long *rate_wait_ms, char **err)
{
    long long wait = 0;

    /* the request slot and the write-ahead row in one transaction: one sync for both */
    if (!store_begin(s, err))
        return false;
    if (!rate_take_locked(s, n->rate_limit, STORE_RATE_WINDOW_MS, now, &wait, err))
        goto fail;
    /* no slot: the call is stored all the same, pending until the slot frees */
    if (!insert_row(s, n, wait ? NULL : lease, now, id, err))
        goto fail;
    if (wait && !schedule_locked(s, *id, now + wait, err))
        goto fail;
    if (!store_commit(s, err))
        goto fail;
    if (rate_wait_ms)
        *rate_wait_ms = wait;
    return true;
fail:
    store_rollback(s);
    return false;
}

bool store_enqueue(struct store *s, const struct store_new *n, long long now, long long *id,
                   bool *is_new, char **err)
{
    int rc;

    *is_new = false;
    if (!store_begin(s, err))
        return false;
    if (n->external_key) {
        rc = id_for_key(s, n->external_key, id, err);
        if (rc < 0)
            goto fail;
        if (rc == 1) {
            if (!store_commit(s, err))
                goto fail;
            return true;
        }
    }
    if (!insert_row(s, n, NULL, now, id, err))
        goto fail;
    if (!store_commit(s, err))
        goto fail;
    *is_new = true;
    return true;
fail:
    store_rollback(s);
    return false;
}

/* Within a transaction: sending rows whose lease ended become unknown. */
bool store_reap_locked(struct store *s, long long now, int *count, char **err)
{
    sqlite3_stmt *st, *up;
    int rc, n = 0;

    if (!store_prepare(s,
                 "SELECT id, lease_host, lease_pid, lease_start, lease_until FROM calls"
                 " WHERE state = 'sending'",
                 &st, err))
        return false;
    if (!store_prepare(s,
                 "UPDATE calls SET state = 'unknown', last_error = ?2, lease_token = NULL,"
                 " lease_host = NULL, lease_pid = 0, lease_start = 0, lease_until = 0,"
                 " next_attempt_at = ?3, unknown_since = ?3 WHERE id = ?1 AND state = 'sending'",
                 &up, err)) {
        sqlite3_finalize(st);
        return false;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long long id = sqlite3_column_int64(st, 0);
        const char *host = (const char *)sqlite3_column_text(st, 1);
        pid_t pid = (pid_t)sqlite3_column_int64(st, 2);
        long long start = sqlite3_column_int64(st, 3);
        long long until = sqlite3_column_int64(st, 4);
        bool is_expired = until <= now;

        if (!is_expired && !store_lease_owner_is_dead(host, pid, start))
            continue;
        sqlite3_reset(up);
        sqlite3_bind_int64(up, 1, id);
        store_bind_text(up, 2, is_expired ? "the attempt's lease expired; outcome unknown"
                                    : "interrupted during an attempt; outcome unknown");
        sqlite3_bind_int64(up, 3, now);
        if (sqlite3_step(up) != SQLITE_DONE) {
            rc = SQLITE_ERROR;
            break;
        }
        n++;
    }
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    if (rc != SQLITE_DONE)
        return store_fail(s, err, "database");
    if (count)
        *count = n;
    return true;
}

bool store_reap_stale(struct store *s, long long now, int *n, char **err)
{
    if (!store_begin(s, err))
        return false;
    if (!store_reap_locked(s, now, n, err) || !store_commit(s, err)) {
        store_rollback(s);
        return false;
    }
    return true;
}

/* WHERE clause shared by claim and next_due; binds ?1 api_base, ?2 only_id, ?3 forced,
 * ?4 settle_ms, ?5 attempted_before, ?6 now. */
#define DUE_FILTER                                                                             \
    " state IN ('pending','unknown') AND quarantine IS NULL"                                   \
    " AND (?1 IS NULL OR api_base = ?1) AND (?2 = 0 OR id = ?2)"                               \
    " AND (?5 = 0 OR last_attempt_at < ?5)"

static void bind_query(sqlite3_stmt *st, const struct store_claim_query *q, long long now)
{
    store_bind_text(st, 1, q->api_base);
    sqlite3_bind_int64(st, 2, q->only_id);
    sqlite3_bind_int(st, 3, q->is_forced);
    sqlite3_bind_int64(st, 4, q->settle_ms);
    sqlite3_bind_int64(st, 5, q->attempted_before);
    sqlite3_bind_int64(st, 6, now);
}

/* When a row is due: its schedule; when forced, at once, except that a 429's Retry-After is
 * still honoured. An unknown row also waits to settle, counted from when its attempt ended
 * (or its owner was found gone), not from when it began: the request may have gone out
 * long after the claim, behind a lookup, and still be on its way. */
#define DUE_TIME                                                                               \
    "(CASE WHEN state = 'unknown' THEN MAX(CASE WHEN ?3 THEN 0 ELSE next_attempt_at END,"      \
    " MAX(last_attempt_at, unknown_since) + ?4)"                                                \
    " WHEN ?3 THEN (CASE WHEN last_status = 429 THEN next_attempt_at ELSE 0 END)"               \
    " ELSE next_attempt_at END)"

int store_claim(struct store *s, struct store_claim_query *q, const struct store_lease *lease,
                long long now, struct store_row *out, char **err)
{
    sqlite3_stmt *st;
    long long wait = 0;
    int rc;

    q->rate_wait_ms = 0;
    if (!store_begin(s, err))
        return -1;
    if (!store_reap_locked(s, now, NULL, err))
        goto fail;
    for (;;) {
        if (!store_prepare(s,
                     "SELECT " ROW_COLUMNS " FROM calls WHERE" DUE_FILTER " AND " DUE_TIME
                     " <= ?6 ORDER BY created_at, id LIMIT 1",
                     &st, err))
            goto fail;
        bind_query(st, q, now);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            sqlite3_finalize(st);
            if (!store_commit(s, err))
                goto fail;
            return 0;
        }
        if (rc != SQLITE_ROW) {
            store_fail(s, err, "database");
            sqlite3_finalize(st);
            goto fail;
        }
        store_row_read(st, out);
        sqlite3_finalize(st);
        if (!out->damage)
            break;
        /* a damaged row is put aside, and the next one is tried */
        if (!quarantine_locked(s, out->id, out->damage, err))
            goto fail;
    }
    /* the request this claim is for needs a slot of the machine-wide limit */
    if (!rate_take_locked(s, q->rate_limit, STORE_RATE_WINDOW_MS, now, &wait, err))
        goto fail;
    if (wait) {
        q->rate_wait_ms = wait;
        store_row_done(out);
        if (!store_commit(s, err))
            goto fail;
        return 0;
    }
    if (!store_prepare(s,
                 "UPDATE calls SET state = 'sending', attempts = attempts + 1,"
                 " first_attempt_at = CASE WHEN first_attempt_at = 0 THEN ?2"
                 " ELSE first_attempt_at END, last_attempt_at = ?2,"
                 " lease_token = ?3, lease_host = ?4, lease_pid = ?5, lease_start = ?6,"
                 " lease_until = ?7 WHERE id = ?1",
                 &st, err))
        goto fail;
    sqlite3_bind_int64(st, 1, out->id);
    sqlite3_bind_int64(st, 2, now);
    store_bind_text(st, 3, lease->token);
    store_bind_text(st, 4, lease->host);
    sqlite3_bind_int64(st, 5, lease->pid);
    sqlite3_bind_int64(st, 6, lease->start);
    sqlite3_bind_int64(st, 7, now + lease->duration_ms);
    if (!store_step_done(s, st, err) || !store_commit(s, err))
        goto fail;
    out->attempts++;
    if (!out->first_attempt_at)
        out->first_attempt_at = now;
    out->last_attempt_at = now;
    return 1;
fail:
    store_rollback(s);
    return -1;
}

int store_next_due(struct store *s, const struct store_claim_query *q, long long *when,
                   char **err)
{
    sqlite3_stmt *st;
    long long now = store_now_ms();
    int rc, found = 0;

    if (!store_prepare(s, "SELECT MIN(" DUE_TIME ") FROM calls WHERE" DUE_FILTER, &st, err))
        return -1;
    bind_query(st, q, now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *when = sqlite3_column_int64(st, 0);
        found = 1;
    } else if (rc != SQLITE_ROW) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    if (found < 0)
        return -1;
    /* A sending row whose lease ended is due now (a claim reaps it); one held by a live
     * owner is not ours to wait for. */
    if (!store_prepare(s,
                 "SELECT lease_host, lease_pid, lease_start, lease_until FROM calls"
                 " WHERE state = 'sending' AND (?1 IS NULL OR api_base = ?1)"
                 " AND (?2 = 0 OR id = ?2)",
                 &st, err))
        return -1;
    store_bind_text(st, 1, q->api_base);
    sqlite3_bind_int64(st, 2, q->only_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 3) <= now ||
            store_lease_owner_is_dead((const char *)sqlite3_column_text(st, 0),
                                      (pid_t)sqlite3_column_int64(st, 1),
                                      sqlite3_column_int64(st, 2))) {
            *when = now;
            found = 1;
        }
    }
    if (rc != SQLITE_DONE) {
        store_fail(s, err, "database");
        found = -1;
    }
    sqlite3_finalize(st);
    return found;
}

/* store_finish inside the caller's transaction; the caller rolls back on false. */
bool store_finish_locked(struct store *s, long long id, const struct store_lease *lease,
                          const struct store_outcome *o, long long now, char **err)
{
    sqlite3_stmt *st;
    const char *slot_sql = "DELETE FROM drafts WHERE slot = (SELECT draft_slot FROM calls"
                           " WHERE id = ?1 AND draft_slot IS NOT NULL)";
    bool is_sent = o->state == STORE_SENT;
    bool is_done = is_sent || o->state == STORE_REJECTED;

    if (o->state == STORE_SENDING || o->state >= STORE_STATE_COUNT) {
        *err = xstrdup("internal: not an outcome");
        return false;
    }
    if (is_sent) {
        if (!store_prepare(s, slot_sql, &st, err))
            return false;
        sqlite3_bind_int64(st, 1, id);
        if (!store_step_done(s, st, err))
            return false;
    }
    if (is_sent && o->remote_id && (!o->resolved_by || strcmp(o->resolved_by, "lookup") != 0)) {
        /* The server's answer is a fact; a look-up that took this server call for another
         * row was an inference, and that row goes back to be checked again. */
        if (!store_prepare(s,
                     "UPDATE calls SET state = 'unknown', remote_id = NULL, resolved_by = NULL,"
                     " done_at = 0, unknown_since = ?3, next_attempt_at = ?3,"
                     " last_error = 'its look-up had taken the server call of another; "
                     "checking again' WHERE remote_id = ?1 AND id <> ?2"
                     " AND resolved_by = 'lookup'",
                     &st, err))
            return false;
        store_bind_text(st, 1, o->remote_id);
        sqlite3_bind_int64(st, 2, id);
        sqlite3_bind_int64(st, 3, now);
        if (!store_step_done(s, st, err))
            return false;
    }
    /* A sent outcome is a fact about the server and wins even over a lost lease; anything
     * else is only the holder's to record. */
    if (!store_prepare(s,
                 "UPDATE calls SET state = ?2, last_status = ?3, last_error = ?4,"
                 " remote_id = COALESCE(?5, remote_id), response = COALESCE(?6, response),"
                 " errors_json = ?7, resolved_by = ?8, next_attempt_at = ?9, done_at = ?10,"
                 " lease_token = NULL, lease_host = NULL, lease_pid = 0, lease_start = 0,"
                 " lease_until = 0, unknown_since = ?13, candidates = ?14"
                 " WHERE id = ?1 AND ((?11 AND state <> 'sent')"
                 " OR (state = 'sending' AND lease_token = ?12))",
                 &st, err))
        return false;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, store_state_name(o->state));
    sqlite3_bind_int64(st, 3, o->status);
    store_bind_text(st, 4, is_sent ? NULL : o->error);
    store_bind_text(st, 5, o->remote_id);
    store_bind_text(st, 6, o->response);
    store_bind_text(st, 7, o->errors_json);
    store_bind_text(st, 8, is_sent ? (o->resolved_by ? o->resolved_by : "response") : NULL);
    sqlite3_bind_int64(st, 9, is_done ? 0 : o->next_attempt_at);
    sqlite3_bind_int64(st, 10, is_done ? now : 0);
    sqlite3_bind_int(st, 11, is_sent);
    store_bind_text(st, 12, lease ? lease->token : "");
    sqlite3_bind_int64(st, 13, o->state == STORE_UNKNOWN ? now : 0);
    store_bind_text(st, 14, o->state == STORE_REVIEW ? o->candidates : NULL);
    if (!store_step_done(s, st, err))
        return false;
    if (sqlite3_changes(s->db) != 1) {
        *err = xasprintf("call %lld: the lease on it was lost; another run resolves it", id);
        return false;
    }
    return true;
}

bool store_finish(struct store *s, long long id, const struct store_lease *lease,
                  const struct store_outcome *o, long long now, char **err)
{
    if (!store_begin(s, err))
        return false;
    if (!store_finish_locked(s, id, lease, o, now, err) || !store_commit(s, err)) {
        store_rollback(s);
        return false;
    }
    return true;
}

int store_id_for_key(struct store *s, const char *key, long long *id, char **err)
{
    return id_for_key(s, key, id, err);
}

