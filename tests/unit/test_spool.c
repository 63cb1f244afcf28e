/* The spool of write-ahead records, on real files and a real SQLite database in a temp dir:
 * what a record holds, that a held record is never adopted, that a writer killed by SIGKILL
 * leaves a call the outbox treats as of unknown outcome, that adoption happens once, and
 * that torn or broken files never turn into a call that was not written. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "config.h"
#include "unit.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spool.h"
#include "store.h"
#include "tmptree.h"
#include "util.h"

#define BASE "http://127.0.0.1:9"
#define T0 1700000000000LL
#define REMOTE "0199f0a2-aaaa-7bbb-8ccc-000000000042"

static char *dir;       /* the temp root */
static char *db_path;   /* <root>/state/amplecall/amplecall.db */
static char *spool_dir; /* <root>/state/amplecall/spool */

static int setup(void **state)
{
    dir = tmptree_new("spool");
    if (!dir)
        return -1;
    db_path = xasprintf("%s/state/amplecall/amplecall.db", dir);
    spool_dir = spool_dir_for(db_path);
    return 0;
}

static int teardown(void **state)
{
    tmptree_remove(dir);
    free(dir);
    free(db_path);
    free(spool_dir);
    return 0;
}

static void make_call(struct call *c, const char *duration)
{
    call_init(c);
    call_set(c, FIELD_FROM, "+1 415 555 0100");
    call_set(c, FIELD_TO, "+1 212 555 0199");
    call_set(c, FIELD_DURATION, duration);
    call_set(c, FIELD_ANSWERED, "yes");
    call_set(c, FIELD_TASK, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
    call_set(c, FIELD_TRANSCRIPTION, "line one\nline two \"quoted\" / slash");
}

static struct spool_file *begin_ok(const char *duration, const struct store_lease *l)
{
    struct call c;
    char *err = NULL;
    struct spool_file *f;

    make_call(&c, duration);
    f = spool_begin(spool_dir, &c, BASE, l, T0, &err);
    if (!f)
        fail_msg("spool_begin: %s", err);
    call_done(&c);
    return f;
}

static const struct store_outcome sent = {
    .state = STORE_SENT, .status = 201, .remote_id = REMOTE,
    .response = "{\"id\":\"" REMOTE "\"}", .resolved_by = "response"};

/* Names in the spool directory (dot files too), sorted by readdir order; count returned. */
static int list_spool(char names[][256], int max)
{
    DIR *d = opendir(spool_dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d)) && n < max)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(names[n++], 256, "%s", e->d_name);
    closedir(d);
    return n;
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = xmalloc(1 << 16);

    assert_non_null(f);
    *len = fread(buf, 1, (1 << 16) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static char *only_file(void)
{
    char names[4][256];

    assert_int_equal(list_spool(names, 4), 1);
    return xasprintf("%s/%s", spool_dir, names[0]);
}

static struct store *open_ok(void)
{
    char *err = NULL;
    struct store *s = store_open(db_path, &err);

    if (!s)
        fail_msg("store_open: %s", err);
    return s;
}

static void only_row(struct store *s, struct store_row *out)
{
    struct store_rows rows;
    char *err = NULL;

    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 1);
    *out = rows.v[0];
    rows.v[0] = (struct store_row){0};
    store_row_init(&rows.v[0]);
    store_rows_done(&rows);
}

/* ---- the record ---- */

static void spool__dir_is_beside_the_database(void **state)
{
    char *d = spool_dir_for("/a/b/amplecall.db");

    assert_string_equal(d, "/a/b/spool");
    free(d);
    assert_null(spool_dir_for(":memory:"));
    assert_null(spool_dir_for(NULL));
}

static void spool__record_holds_call_lease_and_then_the_outcome(void **state)
{
    struct store_lease l;
    struct spool_file *f;
    struct spool_record r;
    struct stat sb;
    char *path, *text, *err = NULL;
    size_t len;

    store_lease_init_self(&l, 90000);
    f = begin_ok("61", &l);
    path = only_file();
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(spool_dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_non_null(strstr(spool_key(f), "spool:"));

    /* written ahead: complete, and no outcome yet */
    text = read_text(path, &len);
    assert_non_null(memchr(text, '\n', len));
    assert_null(strchr(strchr(text, '\n') + 1, '\n'));
    spool_record_init(&r);
    assert_true(spool_parse(text, len, &r, &err));
    assert_false(r.has_outcome);
    assert_string_equal(call_get(&r.call, FIELD_DURATION), "61");
    assert_string_equal(call_get(&r.call, FIELD_TRANSCRIPTION), "line one\nline two \"quoted\" / slash");
    assert_string_equal(r.api_base, BASE);
    assert_int_equal(r.at, T0);
    assert_string_equal(r.lease.token, l.token);
    assert_string_equal(r.lease.host, l.host);
    assert_int_equal(r.lease.pid, getpid());
    assert_int_equal(r.lease.duration_ms, 90000);
    spool_record_done(&r);
    free(text);

    assert_true(spool_finish(f, &sent, T0 + 5, &err));
    text = read_text(path, &len);
    spool_record_init(&r);
    assert_true(spool_parse(text, len, &r, &err));
    assert_true(r.has_outcome);
    assert_int_equal(r.outcome.state, STORE_SENT);
    assert_int_equal(r.outcome.status, 201);
    assert_string_equal(r.outcome.remote_id, REMOTE);
    assert_int_equal(r.outcome_at, T0 + 5);
    spool_record_done(&r);
    free(text);
    spool_close(f);
    free(path);
}

static void spool__torn_or_invalid_outcome_reads_as_unknown(void **state)
{
    static const char rec[] =
        "{\"v\":1,\"at\":1700000000000,\"api_base\":\"" BASE "\",\"call\":\"{\\\"to\\\":"
        "\\\"+1 212 555 0199\\\"}\",\"lease\":{\"token\":\"ab\",\"host\":\"h\",\"pid\":7,"
        "\"start\":1,\"duration_ms\":1000}}\n";
    static const char *const tails[] = {
        "",
        "{\"state\":\"sent\",\"at\":1,\"status\":201,\"next_attempt_at\":0,\"remote_id\":\"x\"}",
        "{\"state\":\"sent\",\"at\":1,\"status\":201,\"next_attempt_at\":0}\n", /* no id */
        "{\"state\":\"sending\",\"at\":1,\"status\":0,\"next_attempt_at\":0}\n",
        "{\"state\":\"bogus\",\"at\":1,\"status\":0,\"next_attempt_at\":0}\n",
        "[1,2]\n",
        "{\"state\":\"sent\",\"at\":1,\"status\":201,\"next_attempt_at\":0,\"remote_id\":\"x\"}"
        " trailing\n",
    };
    char *err = NULL;

    for (size_t i = 0; i < ARRAY_LEN(tails); i++) {
        struct spool_record r;
        char *text = xasprintf("%s%s", rec, tails[i]);

        spool_record_init(&r);
        assert_true(spool_parse(text, strlen(text), &r, &err));
        if (r.has_outcome)
            fail_msg("tail %zu was taken as an outcome", i);
        assert_string_equal(call_get(&r.call, FIELD_TO), "+1 212 555 0199");
        spool_record_done(&r);
        free(text);
    }
    {
        /* the same outcome, whole, counts */
        struct spool_record r;
        char *text = xasprintf("%s%s\n", rec, tails[1]);

        spool_record_init(&r);
        assert_true(spool_parse(text, strlen(text), &r, &err));
        assert_true(r.has_outcome);
        spool_record_done(&r);
        free(text);
    }
}

static void spool__incomplete_or_malformed_record_is_refused(void **state)
{
    static const char *const bad[] = {
        "",
        "{\"v\":1,\"at\":1700000000000,\"api_base\":\"b\",\"call\":\"{}\",\"lease\":{\"token\":"
        "\"ab\",\"host\":\"h\",\"pid\":7,\"start\":1,\"duration_ms\":1000}}", /* no newline */
        "{\"v\":2,\"at\":1700000000000,\"api_base\":\"b\",\"call\":\"{}\",\"lease\":{\"token\":"
        "\"ab\",\"host\":\"h\",\"pid\":7,\"start\":1,\"duration_ms\":1000}}\n",
        "{\"v\":1,\"at\":1700000000000,\"api_base\":\"b\",\"call\":\"not json\",\"lease\":{"
        "\"token\":\"ab\",\"host\":\"h\",\"pid\":7,\"start\":1,\"duration_ms\":1000}}\n",
        "{\"v\":1,\"at\":1700000000000,\"api_base\":\"b\",\"call\":\"{}\"}\n",
        "{\"v\":1,\"at\":\"soon\",\"api_base\":\"b\",\"call\":\"{}\",\"lease\":{\"token\":\"ab\","
        "\"host\":\"h\",\"pid\":7,\"start\":1,\"duration_ms\":1000}}\n",
        "\x01\x02\x03\n",
    };
    char *err = NULL;

    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        struct spool_record r;

        spool_record_init(&r);
        if (spool_parse(bad[i], strlen(bad[i]), &r, &err))
            fail_msg("record %zu was accepted", i);
        assert_non_null(err);
        free(err);
        err = NULL;
        assert_null(r.api_base);
        spool_record_done(&r);
    }
}

/* ---- adoption ---- */

static void spool__a_held_record_is_not_adopted_until_its_writer_lets_go(void **state)
{
    struct store_lease l;
    struct spool_file *f;
    struct store *s;
    struct store_row r;
    char *err = NULL, *path;

    store_lease_init_self(&l, 60000);
    f = begin_ok("62", &l);
    path = only_file();
    s = open_ok(); /* adopts what it can: not this one */
    {
        struct store_rows rows;
        assert_true(store_list(s, false, 0, &rows, &err));
        assert_int_equal(rows.n, 0);
        store_rows_done(&rows);
    }
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(spool_adopt_all(s, spool_dir, T0, &err), 0);
    store_close(s);

    assert_true(spool_finish(f, &sent, T0 + 7, &err));
    spool_close(f);
    s = open_ok();
    only_row(s, &r);
    assert_int_equal(r.state, STORE_SENT);
    assert_string_equal(r.remote_id, REMOTE);
    assert_string_equal(r.resolved_by, "response");
    assert_int_equal(r.created_at, T0);
    assert_int_equal(r.first_attempt_at, T0);
    assert_int_equal(r.done_at, T0 + 7);
    assert_int_equal(r.attempts, 1);
    assert_null(r.lease_host);
    assert_string_equal(call_get(&r.call, FIELD_DURATION), "62");
    assert_non_null(strstr(r.external_key, "spool:"));
    assert_int_equal(access(path, F_OK), -1); /* the row is the record now */
    store_row_done(&r);
    store_close(s);
    free(path);
}

static void spool__a_writer_killed_mid_request_leaves_a_call_of_unknown_outcome(void **state)
{
    struct store *s;
    struct store_row r;
    struct store_lease me;
    struct store_claim_query q = {.api_base = BASE, .settle_ms = 1};
    char *err = NULL;
    int status;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct store_lease l;
        struct call c;
        char *e = NULL;

        store_lease_init_self(&l, 60000);
        make_call(&c, "63");
        if (!spool_begin(spool_dir, &c, BASE, &l, T0, &e))
            _exit(1);
        kill(getpid(), SIGKILL); /* "the request is out": the writer dies holding the lock */
        _exit(2);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    s = open_ok();
    only_row(s, &r);
    /* adopted as it was: in flight under its (dead) writer's lease */
    assert_int_equal(r.state, STORE_SENDING);
    assert_int_equal(r.lease_pid, pid);
    store_row_done(&r);

    /* the outbox sees a dead owner: the call becomes unknown, resolved by lookup */
    store_lease_init_self(&me, 60000);
    store_row_init(&r);
    assert_int_equal(store_claim(s, &q, &me, store_now_ms() + 10, &r, &err), 0); /* settling */
    assert_int_equal(store_claim(s, &q, &me, store_now_ms() + 60000, &r, &err), 1);
    assert_int_equal(r.state, STORE_UNKNOWN);
    assert_string_equal(call_get(&r.call, FIELD_DURATION), "63");
    store_row_done(&r);
    store_close(s);
}

static void spool__a_record_is_adopted_once_even_if_its_file_comes_back(void **state)
{
    struct store_lease l;
    struct spool_file *f;
    struct store *s;
    struct store_rows rows;
    char *path, *text, *err = NULL;
    size_t len;
    FILE *out;

    store_lease_init_self(&l, 60000);
    f = begin_ok("64", &l);
    assert_true(spool_finish(f, &sent, T0 + 1, &err));
    spool_close(f);
    path = only_file();
    text = read_text(path, &len);

    s = open_ok();
    store_close(s);
    assert_int_equal(access(path, F_OK), -1);
    /* as if the adopter died between its commit and the unlink */
    out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(text, 1, len, out), len);
    fclose(out);
    s = open_ok();
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 1);
    store_rows_done(&rows);
    assert_int_equal(access(path, F_OK), -1);
    store_close(s);
    free(text);
    free(path);
}

static void spool__a_rejected_or_pending_outcome_is_adopted_with_its_details(void **state)
{
    const struct store_outcome pending = {.state = STORE_PENDING, .status = 503,
                                          .error = "HTTP 503", .next_attempt_at = T0 + 4000};
    const struct store_outcome rejected = {
        .state = STORE_REJECTED, .status = 422, .error = "invalid",
        .errors_json = "{\"_errors\":[{\"source\":{\"pointer\":\"/to\"}}]}"};
    struct store_lease l;
    struct spool_file *f;
    struct store *s;
    struct store_rows rows;
    char *err = NULL;

    store_lease_init_self(&l, 60000);
    f = begin_ok("65", &l);
    assert_true(spool_finish(f, &pending, T0 + 2, &err));
    spool_close(f);
    l.token[0] = l.token[0] == 'a' ? 'b' : 'a'; /* another name */
    f = begin_ok("66", &l);
    assert_true(spool_finish(f, &rejected, T0 + 3, &err));
    spool_close(f);

    s = open_ok();
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 2);
    for (size_t i = 0; i < rows.n; i++) {
        const struct store_row *r = &rows.v[i];
        if (!strcmp(call_get(&r->call, FIELD_DURATION), "65")) {
            assert_int_equal(r->state, STORE_PENDING);
            assert_int_equal(r->last_status, 503);
            assert_int_equal(r->next_attempt_at, T0 + 4000);
            assert_string_equal(r->last_error, "HTTP 503");
        } else {
            assert_int_equal(r->state, STORE_REJECTED);
            assert_int_equal(r->last_status, 422);
            assert_non_null(strstr(r->errors_json, "/to"));
        }
        assert_null(r->lease_host);
    }
    store_rows_done(&rows);
    store_close(s);
}

/* Two calls alike in every field: a lookup for one stored call took the server call that a
 * spooled record names. The record is still adopted (as sent, without the id), not refused
 * on the unique index at every open. */
static void spool__a_record_whose_server_id_is_taken_is_adopted_without_it(void **state)
{
    struct store_lease l, me;
    struct spool_file *f;
    struct store *s = open_ok();
    struct store_new n;
    struct store_row r;
    struct store_rows rows;
    struct store_claim_query q = {.api_base = BASE, .settle_ms = 1};
    struct call c;
    long long id;
    bool is_new;
    char *err = NULL;

    make_call(&c, "67");
    n = (struct store_new){.call = &c, .api_base = BASE};
    assert_true(store_enqueue(s, &n, T0, &id, &is_new, &err));
    store_lease_init_self(&me, 60000);
    store_row_init(&r);
    assert_int_equal(store_claim(s, &q, &me, T0 + 1, &r, &err), 1);
    store_row_done(&r);
    {
        struct store_outcome found = sent;
        found.resolved_by = "lookup";
        assert_true(store_finish(s, id, &me, &found, T0 + 2, &err));
    }
    call_done(&c);

    store_lease_init_self(&l, 60000);
    f = begin_ok("67", &l);
    assert_true(spool_finish(f, &sent, T0 + 3, &err));
    spool_close(f);
    assert_int_equal(spool_adopt_all(s, spool_dir, T0 + 4, &err), 1);
    assert_int_equal(spool_count(spool_dir, 10), 0);
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 2);
    for (size_t i = 0; i < rows.n; i++) {
        assert_int_equal(rows.v[i].state, STORE_SENT);
        if (rows.v[i].id == id)
            assert_string_equal(rows.v[i].remote_id, REMOTE);
        else
            assert_null(rows.v[i].remote_id);
    }
    store_rows_done(&rows);
    store_close(s);
}

static void spool__broken_files_are_kept_aside_and_stale_dot_files_dropped(void **state)
{
    struct store *s;
    struct store_rows rows;
    char names[8][256], *p, *err = NULL;
    struct timespec old[2] = {{.tv_sec = 1000000000}, {.tv_sec = 1000000000}};
    int n, fd;
    bool has_bad = false, has_fresh = false;

    p = xasprintf("%s/state", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);
    p = xasprintf("%s/state/amplecall", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);
    assert_int_equal(mkdir(spool_dir, 0700), 0);
    p = xasprintf("%s/1-2-abc.call", spool_dir);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    assert_true(write(fd, "garbage\n", 8) == 8);
    close(fd);
    free(p);
    /* a writer that died before its record was complete, long ago, and one just now */
    p = xasprintf("%s/.1-3-abc.call.tmp", spool_dir);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    close(fd);
    assert_int_equal(utimensat(AT_FDCWD, p, old, 0), 0);
    free(p);
    p = xasprintf("%s/.1-4-abc.call.tmp", spool_dir);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    close(fd);
    free(p);

    s = open_ok();
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 0);
    store_rows_done(&rows);
    store_close(s);
    n = list_spool(names, 8);
    assert_int_equal(n, 2);
    for (int i = 0; i < n; i++) {
        has_bad |= !strcmp(names[i], "1-2-abc.call.bad");
        has_fresh |= !strcmp(names[i], ".1-4-abc.call.tmp");
    }
    assert_true(has_bad);
    assert_true(has_fresh);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(spool__dir_is_beside_the_database),
        T(spool__record_holds_call_lease_and_then_the_outcome),
        T(spool__torn_or_invalid_outcome_reads_as_unknown),
        T(spool__incomplete_or_malformed_record_is_refused),
        T(spool__a_held_record_is_not_adopted_until_its_writer_lets_go),
        T(spool__a_writer_killed_mid_request_leaves_a_call_of_unknown_outcome),
        T(spool__a_record_is_adopted_once_even_if_its_file_comes_back),
        T(spool__a_rejected_or_pending_outcome_is_adopted_with_its_details),
        T(spool__a_record_whose_server_id_is_taken_is_adopted_without_it),
        T(spool__broken_files_are_kept_aside_and_stale_dot_files_dropped),
    };
    return RUN_TAP(tests);
}
