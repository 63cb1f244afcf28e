/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SQLite store on real files in a temp dir: placement and permissions, migrations,
 * drafts, write-ahead rows, leases across connections and processes, stale-lease reaping,
 * outcomes recorded atomically. */
#undef _XOPEN_SOURCE /* the build sets 600 */
#define _XOPEN_SOURCE 700 /* nftw */
#define _GNU_SOURCE      /* unshare */
#include "config.h"
#include "unit.h"

#include <errno.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store/store.h"
#include "noskip.h"
#include "tmptree.h"
#include "core/util.h"

#define BASE "http://127.0.0.1:9"
#define T0 1700000000000LL

static char *dir;
static char *db_path;

static int setup(void **state)
{
    dir = tmptree_new("store");
    if (!dir)
        return -1;
    db_path = xasprintf("%s/state/amplecall/amplecall.db", dir);
    return 0;
}

static int teardown(void **state)
{
    tmptree_remove(dir);
    free(dir);
    free(db_path);
    return 0;
}

static struct store *open_ok(void)
{
    char *err = NULL;
    struct store *s = store_open(db_path, &err);
    if (!s)
        fail_msg("store_open: %s", err);
    return s;
}

static void make_call(struct call *c, const char *duration)
{
    call_init(c);
    call_set(c, FIELD_FROM, "+1 415 555 0100");
    call_set(c, FIELD_TO, "+1 212 555 0199");
    call_set(c, FIELD_DURATION, duration);
    call_set(c, FIELD_ANSWERED, "yes");
    call_set(c, FIELD_HUMAN, "no");
    call_set(c, FIELD_TASK, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
    call_set(c, FIELD_USER, "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d");
}

static long long enqueue(struct store *s, const char *duration, const char *key)
{
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE, .external_key = key};
    long long id = 0;
    bool is_new;
    char *err = NULL;

    make_call(&c, duration);
    if (!store_enqueue(s, &n, T0, &id, &is_new, &err))
        fail_msg("enqueue: %s", err);
    call_done(&c);
    return id;
}

static enum store_state state_of(struct store *s, long long id)
{
    struct store_row r;
    char *err = NULL;
    enum store_state st;

    store_row_init(&r);
    assert_int_equal(store_get(s, id, &r, &err), 1);
    st = r.state;
    store_row_done(&r);
    return st;
}

static struct store_claim_query any_due(void)
{
    struct store_claim_query q = {.api_base = BASE, .settle_ms = 2000};
    return q;
}

/* ---- NULL and empty cases first ---- */

static void store__close_of_null_is_a_no_op(void **state)
{
    store_close(NULL);
    store_row_done(NULL);
    store_rows_done(NULL);
    store_draft_done(NULL);
}

static void store__empty_store_has_nothing_due_and_an_empty_outbox(void **state)
{
    struct store *s = open_ok();
    struct store_claim_query q = any_due();
    struct store_lease l;
    struct store_row r;
    struct store_rows rows;
    char *err = NULL, *slot = NULL;
    long long when;

    store_lease_init_self(&l, 60000);
    store_row_init(&r);
    assert_int_equal(store_claim(s, &q, &l, T0, &r, &err), 0);
    assert_int_equal(store_next_due(s, &q, &when, &err), 0);
    assert_int_equal(store_count_outbox(s, &err), 0);
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 0);
    assert_int_equal(store_draft_latest(s, &slot, &err), 0);
    assert_null(slot);
    assert_int_equal(store_get(s, 42, &r, &err), 0);
    store_close(s);
}

/* ---- placement, permissions, migrations ---- */

static void store__creates_a_private_file_in_a_private_directory_with_wal(void **state)
{
    struct store *s = open_ok();
    struct stat sb;
    char *d = xasprintf("%s/state/amplecall", dir);
    sqlite3 *db;
    sqlite3_stmt *st;

    assert_int_equal(stat(d, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(db_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(d);
}

static void store__tightens_a_directory_and_file_left_world_readable(void **state)
{
    char *d = xasprintf("%s/state/amplecall", dir);
    struct stat sb;
    struct store *s;

    store_close(open_ok());
    assert_int_equal(chmod(d, 0755), 0);
    assert_int_equal(chmod(db_path, 0644), 0);
    s = open_ok();
    assert_int_equal(stat(d, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(stat(db_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    store_close(s);
    free(d);
}

static void store__default_path_follows_xdg_state_home_and_ignores_a_relative_one(void **state)
{
    char *err = NULL, *p;
    char *old_xdg = xstrdup(getenv("XDG_STATE_HOME"));
    char *old_home = xstrdup(getenv("HOME"));

    setenv("XDG_STATE_HOME", "/x/state", 1);
    p = store_default_path(&err);
    assert_string_equal(p, "/x/state/amplecall/amplecall.db");
    free(p);
    setenv("XDG_STATE_HOME", "relative/state", 1);
    setenv("HOME", "/home/rep", 1);
    p = store_default_path(&err);
    assert_string_equal(p, "/home/rep/.local/state/amplecall/amplecall.db");
    free(p);
    unsetenv("XDG_STATE_HOME");
    unsetenv("HOME");
    p = store_default_path(&err);
    assert_null(p);
    assert_non_null(err);
    free(err);
    if (old_xdg)
        setenv("XDG_STATE_HOME", old_xdg, 1);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_xdg);
    free(old_home);
}

static void store__migrates_an_empty_file_and_keeps_data_across_reopen(void **state)
{
    struct store *s;
    long long id;

    /* a zero-length file (user_version 0) is migrated */
    store_close(open_ok());
    unlink(db_path);
    fclose(fopen(db_path, "w"));
    s = open_ok();
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    id = enqueue(s, "10", NULL);
    store_close(s);
    s = open_ok();
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    assert_int_equal(state_of(s, id), STORE_PENDING);
    store_close(s);
}

static void store__refuses_a_database_from_a_newer_version(void **state)
{
    sqlite3 *db;
    char *err = NULL;
    struct store *s;

    store_close(open_ok());
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    s = store_open(db_path, &err);
    assert_null(s);
    assert_non_null(strstr(err, "newer"));
    free(err);
}

/* ---- drafts ---- */

static void store__draft_round_trips_text_and_running_timer(void **state)
{
    struct store *s = open_ok();
    struct store_draft d, back;
    char *err = NULL;

    store_draft_init(&d);
    store_draft_init(&back);
    assert_int_equal(store_draft_load(s, "tty1", &back, &err), 0);
    call_set(&d.call, FIELD_TO, "+81 3 1234 5678");
    call_set(&d.call, FIELD_TRANSCRIPTION, "línea 1\nline \"2\" 漢字");
    d.timer_started_at = T0 - 65000;
    d.is_timer_running = true;
    assert_true(store_draft_save(s, "tty1", &d, T0, &err));
    assert_int_equal(store_draft_load(s, "tty1", &back, &err), 1);
    assert_string_equal(call_get(&back.call, FIELD_TO), "+81 3 1234 5678");
    assert_string_equal(call_get(&back.call, FIELD_TRANSCRIPTION), "línea 1\nline \"2\" 漢字");
    assert_string_equal(call_get(&back.call, FIELD_FROM), "");
    assert_int_equal(back.timer_started_at, T0 - 65000);
    assert_true(back.is_timer_running);
    assert_int_equal(back.updated_at, T0);
    /* saving again replaces it */
    d.is_timer_running = false;
    assert_true(store_draft_save(s, "tty1", &d, T0 + 1, &err));
    assert_int_equal(store_draft_load(s, "tty1", &back, &err), 1);
    assert_false(back.is_timer_running);
    assert_true(store_draft_delete(s, "tty1", &err));
    assert_int_equal(store_draft_load(s, "tty1", &back, &err), 0);
    assert_true(store_draft_delete(s, "tty1", &err));
    store_draft_done(&d);
    store_draft_done(&back);
    store_close(s);
}

static void store__latest_draft_skips_one_whose_call_waits_in_the_outbox(void **state)
{
    struct store *s = open_ok();
    struct store_draft d;
    struct store_lease l;
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE, .draft_slot = "b"};
    char *err = NULL, *slot = NULL;
    long long id;

    store_draft_init(&d);
    store_lease_init_self(&l, 60000);
    make_call(&c, "5");
    assert_true(store_draft_save(s, "a", &d, T0, &err));
    assert_true(store_draft_save(s, "b", &d, T0 + 10, &err));
    assert_int_equal(store_draft_latest(s, &slot, &err), 1);
    assert_string_equal(slot, "b");
    free(slot);
    assert_true(store_insert_sending(s, &n, &l, T0 + 20, &id, NULL, &err));
    assert_int_equal(store_draft_latest(s, &slot, &err), 1);
    assert_string_equal(slot, "a");
    free(slot);
    call_done(&c);
    store_draft_done(&d);
    store_close(s);
}

/* ---- write-ahead rows and outcomes ---- */

static void store__sent_outcome_deletes_the_draft_in_the_same_transaction(void **state)
{
    struct store *s = open_ok();
    struct store_draft d;
    struct store_lease l;
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE, .draft_slot = "form"};
    struct store_outcome o = {.state = STORE_SENT, .status = 201, .remote_id = "r-1",
                              .response = "{\"id\":\"r-1\"}"};
    struct store_row r;
    char *err = NULL;
    long long id;

    store_draft_init(&d);
    store_row_init(&r);
    store_lease_init_self(&l, 60000);
    make_call(&c, "7");
    assert_true(store_draft_save(s, "form", &d, T0, &err));
    assert_true(store_insert_sending(s, &n, &l, T0, &id, NULL, &err));
    assert_int_equal(store_get(s, id, &r, &err), 1);
    assert_int_equal(r.state, STORE_SENDING);
    assert_int_equal(r.attempts, 1);
    assert_int_equal(r.first_attempt_at, T0);
    assert_int_equal(store_count_outbox(s, &err), 1);
    assert_true(store_finish(s, id, &l, &o, T0 + 5, &err));
    assert_int_equal(store_get(s, id, &r, &err), 1);
    assert_int_equal(r.state, STORE_SENT);
    assert_string_equal(r.remote_id, "r-1");
    assert_string_equal(r.resolved_by, "response");
    assert_int_equal(r.done_at, T0 + 5);
    assert_null(r.lease_host);
    assert_int_equal(store_draft_load(s, "form", &d, &err), 0);
    assert_int_equal(store_count_outbox(s, &err), 0);
    assert_int_equal(store_remote_id_is_known(s, "r-1", &err), 1);
    assert_int_equal(store_remote_id_is_known(s, "r-2", &err), 0);
    store_row_done(&r);
    call_done(&c);
    store_draft_done(&d);
    store_close(s);
}

static void store__failed_outcome_rolls_back_the_draft_deletion_too(void **state)
{
    struct store *s = open_ok();
    struct store_draft d;
    struct store_lease l;
    struct call c;
    struct store_new n1 = {.call = &c, .api_base = BASE};
    struct store_new n2 = {.call = &c, .api_base = BASE, .draft_slot = "form"};
    struct store_outcome o = {.state = STORE_SENT, .status = 201, .remote_id = "same"};
    char *err = NULL;
    long long id1, id2;

    store_draft_init(&d);
    store_lease_init_self(&l, 60000);
    make_call(&c, "7");
    assert_true(store_insert_sending(s, &n1, &l, T0, &id1, NULL, &err));
    assert_true(store_finish(s, id1, &l, &o, T0, &err));
    assert_true(store_draft_save(s, "form", &d, T0, &err));
    assert_true(store_insert_sending(s, &n2, &l, T0, &id2, NULL, &err));
    /* one remote call cannot be the outcome of two local calls: the update fails ... */
    assert_false(store_finish(s, id2, &l, &o, T0, &err));
    free(err);
    err = NULL;
    /* ... and the draft deleted before it in the transaction is back */
    assert_int_equal(store_draft_load(s, "form", &d, &err), 1);
    assert_int_equal(state_of(s, id2), STORE_SENDING);
    call_done(&c);
    store_draft_done(&d);
    store_close(s);
}

static void store__outcome_other_than_sent_needs_the_lease(void **state)
{
    struct store *s = open_ok();
    struct store_lease mine, other;
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE};
    struct store_outcome pend = {.state = STORE_PENDING, .status = 503, .error = "HTTP 503",
                                 .next_attempt_at = T0 + 4000};
    struct store_outcome sent = {.state = STORE_SENT, .status = 201, .remote_id = "r-9"};
    char *err = NULL;
    long long id;

    store_lease_init_self(&mine, 60000);
    store_lease_init_self(&other, 60000);
    assert_string_not_equal(mine.token, other.token);
    make_call(&c, "8");
    assert_true(store_insert_sending(s, &n, &mine, T0, &id, NULL, &err));
    assert_false(store_finish(s, id, &other, &pend, T0, &err));
    assert_non_null(strstr(err, "lease"));
    free(err);
    err = NULL;
    assert_int_equal(state_of(s, id), STORE_SENDING);
    /* a 201 is a fact about the server: it is recorded whoever holds the row */
    assert_true(store_finish(s, id, &other, &sent, T0, &err));
    assert_int_equal(state_of(s, id), STORE_SENT);
    /* and once sent, nothing turns it back */
    assert_false(store_finish(s, id, &mine, &pend, T0, &err));
    free(err);
    assert_int_equal(state_of(s, id), STORE_SENT);
    call_done(&c);
    store_close(s);
}

static void store__enqueue_with_an_external_key_is_idempotent(void **state)
{
    struct store *s = open_ok();
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE, .external_key = "import:abc:3"};
    char *err = NULL;
    long long id1, id2;
    bool is_new;

    make_call(&c, "3");
    assert_true(store_enqueue(s, &n, T0, &id1, &is_new, &err));
    assert_true(is_new);
    assert_true(store_enqueue(s, &n, T0 + 1, &id2, &is_new, &err));
    assert_false(is_new);
    assert_int_equal(id1, id2);
    assert_int_equal(store_count_outbox(s, &err), 1);
    call_done(&c);
    store_close(s);
}

/* A rejected call queued again: pending and due now, its errors cleared, why it was refused
 * kept; other states are left alone. */
static void store__requeue_makes_a_rejected_call_pending_and_nothing_else(void **state)
{
    struct store *s = open_ok();
    struct store_lease l;
    struct store_row r;
    struct store_claim_query q = any_due();
    struct store_outcome refused = {.state = STORE_REJECTED, .status = 404,
                                    .error = "POST /calls was rejected (HTTP 404)",
                                    .errors_json = "{\"_errors\":[]}"};
    struct store_outcome sent = {.state = STORE_SENT, .status = 201, .remote_id = "r-1"};
    char *err = NULL;
    long long id, other;

    store_row_init(&r);
    store_lease_init_self(&l, 60000);
    id = enqueue(s, "1", "import:k1");
    other = enqueue(s, "2", "import:k2");
    /* pending: not applicable */
    assert_int_equal(store_requeue(s, id, T0, &err), 0);
    assert_int_equal(store_requeue(s, 999, T0, &err), 0);
    q.only_id = id;
    assert_int_equal(store_claim(s, &q, &l, T0, &r, &err), 1);
    /* leased (sending): not applicable */
    assert_int_equal(store_requeue(s, id, T0, &err), 0);
    assert_true(store_finish(s, id, &l, &refused, T0, &err));
    assert_int_equal(store_requeue(s, id, T0 + 5000, &err), 1);
    assert_int_equal(store_get(s, id, &r, &err), 1);
    assert_int_equal(r.state, STORE_PENDING);
    assert_null(r.errors_json);
    assert_int_equal(r.next_attempt_at, T0 + 5000);
    assert_int_equal(r.done_at, 0);
    assert_int_equal(r.last_status, 404);
    assert_non_null(r.last_error);
    assert_string_equal(r.external_key, "import:k1");
    /* pending again: a second requeue does nothing */
    assert_int_equal(store_requeue(s, id, T0 + 6000, &err), 0);
    /* due now: an unforced claim takes it */
    q.is_forced = false;
    assert_int_equal(store_claim(s, &q, &l, T0 + 5000, &r, &err), 1);
    assert_int_equal(r.attempts, 2);
    /* sent: never */
    q.only_id = other;
    assert_int_equal(store_claim(s, &q, &l, T0 + 5000, &r, &err), 1);
    assert_true(store_finish(s, other, &l, &sent, T0 + 5000, &err));
    assert_int_equal(store_requeue(s, other, T0 + 6000, &err), 0);
    assert_int_equal(state_of(s, other), STORE_SENT);
    store_row_done(&r);
    store_close(s);
}

/* ---- claims and leases ---- */

static void store__claim_respects_schedule_unless_forced_but_honours_retry_after(void **state)
{
    struct store *s = open_ok();
    struct store_lease l;
    struct store_row r;
    struct store_claim_query q = any_due();
    struct store_outcome pend = {.state = STORE_PENDING, .status = 503, .error = "x",
                                 .next_attempt_at = T0 + 60000};
    struct store_outcome limited = {.state = STORE_PENDING, .status = 429, .error = "x",
                                    .next_attempt_at = T0 + 30000};
    char *err = NULL;
    long long id, when;

    store_row_init(&r);
    store_lease_init_self(&l, 60000);
    id = enqueue(s, "1", NULL);
    assert_int_equal(store_claim(s, &q, &l, T0, &r, &err), 1);
    assert_int_equal(r.id, id);
    assert_int_equal(r.state, STORE_PENDING); /* as it was: no lookup needed */
    assert_int_equal(r.attempts, 1);
    assert_true(store_finish(s, id, &l, &pend, T0, &err));
    assert_int_equal(store_claim(s, &q, &l, T0 + 1000, &r, &err), 0);
    assert_int_equal(store_next_due(s, &q, &when, &err), 1);
    assert_int_equal(when, T0 + 60000);
    q.is_forced = true;
    assert_int_equal(store_claim(s, &q, &l, T0 + 1000, &r, &err), 1);
    assert_int_equal(r.attempts, 2);
    assert_true(store_finish(s, id, &l, &limited, T0 + 1000, &err));
    /* forced, yet the server's Retry-After stands */
    assert_int_equal(store_claim(s, &q, &l, T0 + 2000, &r, &err), 0);
    assert_int_equal(store_claim(s, &q, &l, T0 + 30000, &r, &err), 1);
    store_row_done(&r);
    store_close(s);
}

static void store__a_forced_claim_lets_an_unknown_call_settle_first(void **state)
{
    struct store *s = open_ok();
    struct store_lease l;
    struct store_row r;
    struct store_claim_query q = any_due();
    struct store_outcome unk = {.state = STORE_UNKNOWN, .error = "timeout",
                                .next_attempt_at = T0 + 600000};
    char *err = NULL;
    long long id;

    store_row_init(&r);
    store_lease_init_self(&l, 60000);
    id = enqueue(s, "1", NULL);
    assert_int_equal(store_claim(s, &q, &l, T0, &r, &err), 1);
    /* a long attempt (a lookup, then a POST that timed out): its request went out late */
    assert_true(store_finish(s, id, &l, &unk, T0 + 5000, &err));
    q.is_forced = true;
    /* the settle time counts from the end of the attempt, not from its claim */
    assert_int_equal(store_claim(s, &q, &l, T0 + 2000, &r, &err), 0);
    assert_int_equal(store_claim(s, &q, &l, T0 + 6999, &r, &err), 0);
    assert_int_equal(store_claim(s, &q, &l, T0 + 7000, &r, &err), 1);
    assert_int_equal(r.state, STORE_UNKNOWN); /* the caller must look it up first */
    store_row_done(&r);
    store_close(s);
}

static void store__a_call_whose_owner_died_settles_from_when_that_was_found(void **state)
{
    struct store *s = open_ok();
    struct store_lease dead, l;
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE};
    struct store_row r;
    struct store_claim_query q = any_due();
    char *err = NULL;
    long long id;
    int status;
    pid_t kid;

    store_row_init(&r);
    make_call(&c, "5");
    fflush(NULL);
    kid = fork();
    if (kid == 0)
        _exit(0);
    assert_int_equal(waitpid(kid, &status, 0), kid);
    store_lease_init_self(&dead, 600000);
    dead.pid = kid;
    store_lease_init_self(&l, 60000);
    /* claimed at T0; the owner may have sent its POST just before it was killed */
    assert_true(store_insert_sending(s, &n, &dead, T0, &id, NULL, &err));
    /* found gone at T0 + 5000 (this claim reaps it): not due, forced or not, until it settled */
    q.is_forced = true;
    assert_int_equal(store_claim(s, &q, &l, T0 + 5000, &r, &err), 0);
    assert_int_equal(state_of(s, id), STORE_UNKNOWN);
    q.is_forced = false;
    assert_int_equal(store_claim(s, &q, &l, T0 + 6999, &r, &err), 0);
    q.is_forced = true;
    assert_int_equal(store_claim(s, &q, &l, T0 + 6999, &r, &err), 0);
    assert_int_equal(store_claim(s, &q, &l, T0 + 7000, &r, &err), 1);
    assert_int_equal(r.id, id);
    assert_int_equal(r.state, STORE_UNKNOWN);
    store_row_done(&r);
    call_done(&c);
    store_close(s);
}

static void store__two_connections_never_claim_the_same_row(void **state)
{
    struct store *a = open_ok(), *b = open_ok();
    struct store_lease la, lb;
    struct store_row ra, rb;
    struct store_claim_query q = any_due();
    char *err = NULL;
    long long id1 = enqueue(a, "1", NULL), id2 = enqueue(a, "2", NULL);

    store_row_init(&ra);
    store_row_init(&rb);
    store_lease_init_self(&la, 60000);
    store_lease_init_self(&lb, 60000);
    assert_int_equal(store_claim(a, &q, &la, T0, &ra, &err), 1);
    assert_int_equal(store_claim(b, &q, &lb, T0, &rb, &err), 1);
    assert_true(ra.id != rb.id);
    assert_true((ra.id == id1 && rb.id == id2) || (ra.id == id2 && rb.id == id1));
    /* both held by live owners: nothing left for either, even forced */
    q.is_forced = true;
    assert_int_equal(store_claim(a, &q, &la, T0 + 1, &ra, &err), 0);
    assert_int_equal(store_claim(b, &q, &lb, T0 + 1, &rb, &err), 0);
    store_row_done(&ra);
    store_row_done(&rb);
    store_close(a);
    store_close(b);
}

/* Children claim concurrently until nothing is left and report their ids through a pipe. */
static void store__concurrent_processes_claim_each_row_exactly_once(void **state)
{
    enum { ROWS = 60, KIDS = 4 };
    struct store *s = open_ok();
    int seen[ROWS + 1] = {0};
    int fds[2];
    pid_t kids[KIDS];
    long long id;
    FILE *in;

    for (int i = 0; i < ROWS; i++)
        enqueue(s, "1", NULL);
    store_close(s);
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            struct store_lease l;
            struct store_row r;
            struct store_claim_query q = {.api_base = BASE, .is_forced = true};
            char *err = NULL;
            struct store *cs = store_open(db_path, &err);
            int got;

            close(fds[0]);
            if (!cs)
                _exit(2);
            store_lease_init_self(&l, 60000);
            store_row_init(&r);
            while ((got = store_claim(cs, &q, &l, store_now_ms(), &r, &err)) == 1) {
                char line[32];
                int len = snprintf(line, sizeof(line), "%lld\n", r.id);
                if (write(fds[1], line, (size_t)len) != len)
                    _exit(3);
            }
            _exit(got == 0 ? 0 : 4);
        }
    }
    close(fds[1]);
    in = fdopen(fds[0], "r");
    while (fscanf(in, "%lld", &id) == 1) {
        assert_true(id >= 1 && id <= ROWS);
        seen[id]++;
    }
    fclose(in);
    for (int k = 0; k < KIDS; k++) {
        int status;
        assert_int_equal(waitpid(kids[k], &status, 0), kids[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    for (int i = 1; i <= ROWS; i++)
        if (seen[i] != 1)
            fail_msg("row %d claimed %d times", i, seen[i]);
}

static void store__expired_lease_or_dead_owner_makes_a_sending_call_unknown(void **state)
{
    struct store *s = open_ok();
    struct store_lease live, dead, expiring;
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE};
    struct store_row r;
    char *err = NULL;
    long long id_live, id_dead, id_exp;
    int reaped = -1, status;
    pid_t kid;

    store_row_init(&r);
    make_call(&c, "4");
    store_lease_init_self(&live, 600000);
    store_lease_init_self(&expiring, 1000);
    /* a process that existed and is gone */
    fflush(NULL);
    kid = fork();
    if (kid == 0)
        _exit(0);
    assert_int_equal(waitpid(kid, &status, 0), kid);
    store_lease_init_self(&dead, 600000);
    dead.pid = kid;
    assert_true(store_lease_owner_is_dead(dead.host, kid, 0));
    assert_false(store_lease_owner_is_dead(live.host, getpid(), live.start));
    assert_false(store_lease_owner_is_dead("another-host.example", kid, 0));

    assert_true(store_insert_sending(s, &n, &live, T0, &id_live, NULL, &err));
    assert_true(store_insert_sending(s, &n, &dead, T0, &id_dead, NULL, &err));
    assert_true(store_insert_sending(s, &n, &expiring, T0, &id_exp, NULL, &err));
    assert_true(store_reap_stale(s, T0 + 500, &reaped, &err));
    assert_int_equal(reaped, 1);
    assert_int_equal(state_of(s, id_dead), STORE_UNKNOWN);
    assert_int_equal(state_of(s, id_exp), STORE_SENDING);
    assert_true(store_reap_stale(s, T0 + 1000, &reaped, &err));
    assert_int_equal(reaped, 1);
    assert_int_equal(state_of(s, id_exp), STORE_UNKNOWN);
    assert_int_equal(state_of(s, id_live), STORE_SENDING);
    assert_int_equal(store_get(s, id_dead, &r, &err), 1);
    assert_non_null(strstr(r.last_error, "interrupted"));
    assert_null(r.lease_host);
    /* the owner's lease is gone, so it can no longer record a guess about the outcome */
    {
        struct store_outcome pend = {.state = STORE_PENDING, .error = "x"};
        assert_false(store_finish(s, id_exp, &expiring, &pend, T0 + 1000, &err));
        free(err);
        err = NULL;
    }
    store_row_done(&r);
    call_done(&c);
    store_close(s);
}

/* Write LINE as /proc/PID/stat on the private /proc the child mounted. */
static bool write_stat_line(pid_t pid, const char *line)
{
    char path[64];
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%ld", (long)pid);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return false;
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "w");
    if (!f)
        return false;
    fputs(line, f);
    return fclose(f) == 0;
}

/* A stat line: "PID (NAME) S" then fields 4..LAST, each 1000 + its number except field 22,
 * the start time; so fields 21 and 23 differ from it. */
static bool write_stat(pid_t pid, const char *name, int last, long long start)
{
    char line[1024];
    int n = snprintf(line, sizeof(line), "%ld (%s) S", (long)pid, name);

    for (int field = 4; field <= last && n < (int)sizeof(line); field++)
        n += snprintf(line + n, sizeof(line) - (size_t)n, " %lld",
                      field == 22 ? start : 1000LL + field);
    return n < (int)sizeof(line) - 1 && (strcat(line, "\n"), write_stat_line(pid, line));
}

/* In a child with its own mount namespace and an empty tmpfs on /proc: each case is a bit of
 * the exit status, so the parent can name what failed; 0x80 is a setup failure. */
static int proc_cases(void)
{
    char host[256] = "", line[256];
    pid_t self = getpid();
    int failed = 0;

    if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("tmpfs", "/proc", "tmpfs", 0, "size=1m,mode=755") != 0 ||
        gethostname(host, sizeof(host) - 1) != 0)
        return 0x80;
    /* no /proc at all: nothing is known, so a live owner is never declared dead */
    if (store_lease_owner_is_dead(host, self, 777))
        failed |= 0x01;
    /* a line without the ")" that closes the name: unknown, not another process */
    snprintf(line, sizeof(line), "%ld x S 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 999 23\n",
             (long)self);
    if (!write_stat_line(self, line))
        return 0x80;
    if (store_lease_owner_is_dead(host, self, 777))
        failed |= 0x02;
    /* a line cut short before field 22: unknown, not another process */
    if (!write_stat(self, "x", 21, 0))
        return 0x80;
    if (store_lease_owner_is_dead(host, self, 777))
        failed |= 0x04;
    /* field 22 as recorded, the name holding ") (" and spaces: the same process, alive */
    if (!write_stat(self, "a) (b c", 52, 777))
        return 0x80;
    if (store_lease_owner_is_dead(host, self, 777))
        failed |= 0x08;
    /* another start time under the same pid: the pid was reused, the owner is dead */
    if (!write_stat(self, "a) (b c", 52, 778))
        return 0x80;
    if (!store_lease_owner_is_dead(host, self, 777))
        failed |= 0x10;
    return failed;
}

static void store__lease_owner_liveness_reads_field_22_and_never_guesses(void **state)
{
    int status;
    pid_t kid;

    if (geteuid() != 0)
        noskip_skip("needs root for a private mount namespace with its own /proc");
    fflush(NULL);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0)
        _exit(proc_cases());
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0x80)
        fail_msg("could not mount a private /proc (unshare/mount failed)");
    if (WEXITSTATUS(status) & 0x01)
        fail_msg("without /proc a live owner was declared dead");
    if (WEXITSTATUS(status) & 0x02)
        fail_msg("a stat line without ')' was read as another process");
    if (WEXITSTATUS(status) & 0x04)
        fail_msg("a stat line cut before field 22 was read as another process");
    if (WEXITSTATUS(status) & 0x08)
        fail_msg("the owner, with the start time recorded, was declared dead");
    if (WEXITSTATUS(status) & 0x10)
        fail_msg("a reused pid (another start time) was taken for the owner");
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void store__drop_discards_pending_but_refuses_sent_and_in_progress(void **state)
{
    struct store *s = open_ok();
    struct store_lease l;
    struct call c;
    struct store_new n = {.call = &c, .api_base = BASE, .draft_slot = "d"};
    struct store_draft d;
    struct store_outcome sent = {.state = STORE_SENT, .status = 201, .remote_id = "r-5"};
    char *err = NULL;
    long long pending, busy, done;

    store_draft_init(&d);
    store_lease_init_self(&l, 600000);
    make_call(&c, "2");
    pending = enqueue(s, "2", NULL);
    assert_true(store_draft_save(s, "d", &d, T0, &err));
    assert_true(store_insert_sending(s, &n, &l, T0, &busy, NULL, &err));
    assert_true(store_insert_sending(s, &(struct store_new){.call = &c, .api_base = BASE}, &l,
                                     T0, &done, NULL, &err));
    assert_true(store_finish(s, done, &l, &sent, T0, &err));

    assert_int_equal(store_drop(s, 999, T0, &err), 0);
    assert_int_equal(store_drop(s, pending, T0, &err), 1);
    assert_int_equal(store_get(s, pending, &(struct store_row){0}, &err), 0);
    assert_int_equal(store_drop(s, busy, T0, &err), -1);
    assert_non_null(strstr(err, "being sent"));
    free(err);
    err = NULL;
    assert_int_equal(store_drop(s, done, T0, &err), -1);
    assert_non_null(strstr(err, "was sent"));
    free(err);
    err = NULL;
    assert_int_equal(store_draft_load(s, "d", &d, &err), 1);
    call_done(&c);
    store_draft_done(&d);
    store_close(s);
}

static void store__list_is_newest_first_and_outbox_only_hides_finished_calls(void **state)
{
    struct store *s = open_ok();
    struct store_lease l;
    struct store_row r;
    struct store_rows rows;
    struct store_claim_query q = any_due();
    struct store_outcome rej = {.state = STORE_REJECTED, .status = 400, .error = "bad",
                                .errors_json = "{\"_errors\":[]}", .response = "{}"};
    char *err = NULL;
    long long a = enqueue(s, "1", NULL), b = enqueue(s, "2", NULL);

    store_row_init(&r);
    store_lease_init_self(&l, 60000);
    assert_int_equal(store_claim(s, &q, &l, T0, &r, &err), 1);
    assert_int_equal(r.id, a); /* oldest first */
    assert_true(store_finish(s, a, &l, &rej, T0, &err));
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 2);
    assert_int_equal(rows.v[0].id, b);
    assert_int_equal(rows.v[1].id, a);
    assert_int_equal(rows.v[1].state, STORE_REJECTED);
    assert_string_equal(rows.v[1].errors_json, "{\"_errors\":[]}");
    assert_string_equal(call_get(&rows.v[1].call, FIELD_DURATION), "1");
    store_rows_done(&rows);
    assert_true(store_list(s, true, 0, &rows, &err));
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.v[0].id, b);
    store_rows_done(&rows);
    assert_true(store_list(s, false, 1, &rows, &err));
    assert_int_equal(rows.n, 1);
    store_rows_done(&rows);
    /* a rejected call is never claimed again, even forced */
    q.is_forced = true;
    assert_int_equal(store_claim(s, &q, &l, T0 + 1, &r, &err), 1);
    assert_int_equal(r.id, b);
    assert_int_equal(store_claim(s, &q, &l, T0 + 2, &r, &err), 0);
    store_row_done(&r);
    store_close(s);
}

static void store__claim_only_takes_calls_for_its_own_api(void **state)
{
    struct store *s = open_ok();
    struct store_lease l;
    struct store_row r;
    struct store_claim_query q = any_due();
    char *err = NULL;

    store_row_init(&r);
    store_lease_init_self(&l, 60000);
    enqueue(s, "1", NULL);
    q.api_base = "https://api.amplemarket.com";
    assert_int_equal(store_claim(s, &q, &l, T0, &r, &err), 0);
    store_row_done(&r);
    store_close(s);
}

/* ---- cached lists ---- */

static void store__lists_load_finds_nothing_in_a_new_store(void **state)
{
    struct store *s = open_ok();
    char stale[] = "stale", *json = stale, *err = NULL;
    long long at = 7;

    assert_int_equal(store_lists_load(s, BASE, NULL, "tasks", &json, &at, &err), 0);
    assert_null(json);
    assert_int_equal(at, 7); /* untouched when nothing is kept */
    assert_int_equal(store_lists_load(s, BASE, "", "dispositions", &json, NULL, &err), 0);
    assert_null(json);
    store_close(s);
}

static void store__lists_refuse_an_unknown_kind_and_a_missing_list(void **state)
{
    struct store *s = open_ok();
    char *json = NULL, *err = NULL;

    assert_false(store_lists_save(s, BASE, "", "calls", "[]", T0, &err));
    assert_non_null(strstr(err, "calls"));
    free(err);
    err = NULL;
    assert_false(store_lists_save(s, BASE, "", NULL, "[]", T0, &err));
    free(err);
    err = NULL;
    assert_false(store_lists_save(s, BASE, "", "tasks", NULL, T0, &err));
    free(err);
    err = NULL;
    assert_int_equal(store_lists_load(s, BASE, "", "Tasks", &json, NULL, &err), -1);
    assert_null(json);
    free(err);
    store_close(s);
}

static void store__lists_round_trip_per_base_user_and_kind(void **state)
{
    static const char tasks_u1[] = "{\"tasks\":[{\"id\":\"t1\",\"x_new\":{\"a\":[1,2]}}],"
                                   "\"_links\":{}}";
    static const char tasks_u2[] = "{\"tasks\":[{\"id\":\"t2\",\"name\":\"Zoë 王\"}]}";
    static const char dispos[] = "[{\"id\":\"d1\",\"name\":\"No answer\"}]";
    struct store *s = open_ok();
    char *json = NULL, *err = NULL;
    long long at = 0;

    assert_true(store_lists_save(s, BASE, "u1", "tasks", tasks_u1, T0, &err));
    assert_true(store_lists_save(s, BASE, "u2", "tasks", tasks_u2, T0 + 1, &err));
    assert_true(store_lists_save(s, BASE, NULL, "dispositions", dispos, T0 + 2, &err));
    store_close(s);
    s = open_ok(); /* kept across processes, not only in memory */
    assert_int_equal(store_lists_load(s, BASE, "u1", "tasks", &json, &at, &err), 1);
    assert_string_equal(json, tasks_u1); /* byte for byte, unknown members too */
    assert_int_equal(at, T0);
    free(json);
    assert_int_equal(store_lists_load(s, BASE, "u2", "tasks", &json, &at, &err), 1);
    assert_string_equal(json, tasks_u2);
    assert_int_equal(at, T0 + 1);
    free(json);
    /* NULL and "" are the same account-wide slot */
    assert_int_equal(store_lists_load(s, BASE, "", "dispositions", &json, &at, &err), 1);
    assert_string_equal(json, dispos);
    assert_int_equal(at, T0 + 2);
    free(json);
    /* another kind, user or API has nothing */
    assert_int_equal(store_lists_load(s, BASE, "u1", "users", &json, &at, &err), 0);
    assert_int_equal(store_lists_load(s, BASE, "u3", "tasks", &json, &at, &err), 0);
    assert_int_equal(store_lists_load(s, "https://api.amplemarket.com", "u1", "tasks", &json, &at,
                                      &err),
                     0);
    /* the base URL is compared in normal form */
    assert_int_equal(store_lists_load(s, BASE "/", "u1", "tasks", &json, &at, &err), 1);
    free(json);
    store_close(s);
}

static void store__lists_save_replaces_the_list_and_its_time(void **state)
{
    struct store *s = open_ok();
    char *json = NULL, *err = NULL;
    long long at = 0;
    sqlite3 *db;
    sqlite3_stmt *st;

    assert_true(store_lists_save(s, BASE, "u1", "users", "{\"users\":[]}", T0, &err));
    assert_true(store_lists_save(s, BASE, "u1", "users", "{\"users\":[{\"id\":\"a\"}]}",
                                 T0 + 60000, &err));
    assert_int_equal(store_lists_load(s, BASE, "u1", "users", &json, &at, &err), 1);
    assert_string_equal(json, "{\"users\":[{\"id\":\"a\"}]}");
    assert_int_equal(at, T0 + 60000);
    free(json);
    store_close(s);
    /* one row, not two */
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM lists", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void store__migration_4_adds_lists_to_a_version_3_store_and_keeps_its_calls(void **state)
{
    struct store *s = open_ok();
    long long id = enqueue(s, "12", NULL);
    char *json = NULL, *err = NULL;
    sqlite3 *db;

    store_close(s);
    /* take the file back to what version 3 wrote */
    assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "DROP TABLE lists; PRAGMA user_version = 3", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = open_ok();
    assert_int_equal(store_schema_version(s), 4);
    assert_int_equal(state_of(s, id), STORE_PENDING);
    assert_int_equal(store_lists_load(s, BASE, "", "tasks", &json, NULL, &err), 0);
    assert_true(store_lists_save(s, BASE, "", "tasks", "[]", T0, &err));
    store_close(s);
}

/* Each test gets a fresh directory. */
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(store__close_of_null_is_a_no_op),
        T(store__empty_store_has_nothing_due_and_an_empty_outbox),
        T(store__creates_a_private_file_in_a_private_directory_with_wal),
        T(store__tightens_a_directory_and_file_left_world_readable),
        T(store__default_path_follows_xdg_state_home_and_ignores_a_relative_one),
        T(store__migrates_an_empty_file_and_keeps_data_across_reopen),
        T(store__refuses_a_database_from_a_newer_version),
        T(store__draft_round_trips_text_and_running_timer),
        T(store__latest_draft_skips_one_whose_call_waits_in_the_outbox),
        T(store__sent_outcome_deletes_the_draft_in_the_same_transaction),
        T(store__failed_outcome_rolls_back_the_draft_deletion_too),
        T(store__outcome_other_than_sent_needs_the_lease),
        T(store__enqueue_with_an_external_key_is_idempotent),
        T(store__requeue_makes_a_rejected_call_pending_and_nothing_else),
        T(store__claim_respects_schedule_unless_forced_but_honours_retry_after),
        T(store__a_forced_claim_lets_an_unknown_call_settle_first),
        T(store__a_call_whose_owner_died_settles_from_when_that_was_found),
        T(store__two_connections_never_claim_the_same_row),
        T(store__concurrent_processes_claim_each_row_exactly_once),
        T(store__expired_lease_or_dead_owner_makes_a_sending_call_unknown),
        T(store__lease_owner_liveness_reads_field_22_and_never_guesses),
        T(store__drop_discards_pending_but_refuses_sent_and_in_progress),
        T(store__list_is_newest_first_and_outbox_only_hides_finished_calls),
        T(store__claim_only_takes_calls_for_its_own_api),
        T(store__lists_load_finds_nothing_in_a_new_store),
        T(store__lists_refuse_an_unknown_kind_and_a_missing_list),
        T(store__lists_round_trip_per_base_user_and_kind),
        T(store__lists_save_replaces_the_list_and_its_time),
        T(store__migration_4_adds_lists_to_a_version_3_store_and_keeps_its_calls),
    };
    return RUN_TAP(tests);
}
