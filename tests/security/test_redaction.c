/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The key is redacted from everything the server sends. The fake's echo_key fault sends the
 * bearer key back in every _errors item's title and detail, in an "_echo" member (plain,
 * percent-encoded, base64 of "Bearer KEY" and of KEY) and in four response headers, on 401,
 * 500, 422 and 201 answers and on list pages. Every stdout and stderr of `log` (plain and
 * --json), the listings, `outbox` and `history` (plain, --json, one call), every file under
 * HOME and every text cell of the SQLite database are then searched for the key and its
 * encodings. The search is shown to reach what the server sent: its redacted text is stored. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cli_env.h"
#include "fakectl.h"
#include "sec.h"
#include "core/util.h"

/* '/', '+' and '=' make the percent-encoding differ; "Bearer " shifts base64 by one byte */
#define CANARY "sk/ECHO+7f3a9c2e=5b1d4a60"

static struct fake *fk;
static char *home;
static char *needles[16];
static size_t n_needles;

#define LOG_ARGS(...)                                                                          \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "42",     \
            "--answered", "yes", "--human", "no", "--user", FAKE_USER_ID, __VA_ARGS__ NULL     \
    }

static char *b64(const char *s)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(s);
    char *out = xmalloc(len * 2 + 8), *w = out;

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)s[i + 2];
        *w++ = al[v >> 18 & 63];
        *w++ = al[v >> 12 & 63];
        *w++ = i + 1 < len ? al[v >> 6 & 63] : '=';
        *w++ = i + 2 < len ? al[v & 63] : '=';
    }
    *w = '\0';
    return out;
}

static void add_needle(char *owned)
{
    needles[n_needles++] = owned;
}

static int group_setup(void **state)
{
    static const char *const args[] = {"--key", CANARY, NULL};
    char *a = b64("Bearer " CANARY), *k = b64(CANARY);

    add_needle(xstrdup(CANARY));
    add_needle(xstrdup("7f3a9c2e=5b1d4a60"));             /* its tail */
    add_needle(xstrdup("sk%2FECHO%2B7f3a9c2e%3D5b1d4a60")); /* percent-encoded */
    add_needle(xstrdup("sk%2fECHO%2b7f3a9c2e%3d5b1d4a60"));
    add_needle(xstrdup("7f3a9c2e%3D5b1d4a60"));
    add_needle(xstrdup("sk\\/ECHO+7f3a9c2e=5b1d4a60")); /* JSON with escaped slashes */
    add_needle(xstrdup(a));                             /* base64 of "Bearer KEY" */
    add_needle(xstrdup(k));                             /* base64 of KEY */
    add_needle(xstrndup(a + 12, 16));                   /* and pieces from their middles */
    add_needle(xstrndup(k + 8, 16));
    free(a);
    free(k);
    fk = fake_start(args);
    home = cli_tmp_home();
    return fk && home ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    for (size_t i = 0; i < n_needles; i++)
        free(needles[i]);
    return 0;
}

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

/* The index of the first needle in s[0..len), or -1. */
static int leak_in(const char *s, size_t len)
{
    for (size_t i = 0; i < n_needles; i++)
        if (sec_memmem(s, len, needles[i]))
            return (int)i;
    return -1;
}

static size_t n_outputs;

static struct cli_run run(const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), CANARY, env, args);
    int k;

    /* never print what leaked: it is the key */
    if ((k = leak_in(r.out, strlen(r.out))) >= 0)
        fail_msg("amplecall %s %s: stdout holds the key (needle %d)", args[0],
                 args[1] ? args[1] : "", k);
    if ((k = leak_in(r.err, strlen(r.err))) >= 0)
        fail_msg("amplecall %s %s: stderr holds the key (needle %d)", args[0],
                 args[1] ? args[1] : "", k);
    n_outputs += 2;
    return r;
}

static int run_status(const char *const *env, const char *const *args)
{
    struct cli_run r = run(env, args);
    int status = r.status;

    cli_run_done(&r);
    return status;
}

static void set_faults(const char *json)
{
    if (!fake_set_faults(fk, json))
        fail_msg("the fake refused faults %s", json);
}

static void expect(int got, int want, const char *what)
{
    if (got != want)
        fail_msg("%s: exit %d, want %d", what, got, want);
}

static void redaction__a_401_that_echoes_the_key_in_body_and_headers_shows_none_of_it(void **state)
{
    struct cli_run r;

    set_faults("{\"status\":401,\"echo_key\":true}");
    r = run(NULL, LOG_ARGS("--task", FAKE_TASK_ID_FIRST, ));
    expect(r.status, 77, "log on 401");
    /* what the server said is still shown, with the key blanked */
    if (!cli_has(r.err, "Unauthorized for [REDACTED]") && !cli_has(r.err, "you sent Authorization: Bearer [REDACTED]"))
        fail_msg("the 401's detail is not shown redacted:\n%s", r.err);
    cli_run_done(&r);
    expect(run_status(NULL, LOG_ARGS("--task", FAKE_TASK_ID_FIRST, "--json", )), 77, "--json");
    expect(run_status(NULL, (const char *const[]){"tasks", "--user", FAKE_USER_ID, NULL}), 77,
           "tasks");
    expect(run_status(NULL, (const char *const[]){"whoami", NULL}), 77, "whoami");
    expect(run_status(NULL, (const char *const[]){"dispositions", "--json", NULL}), 77,
           "dispositions --json");
}

static void redaction__a_500_that_echoes_the_key_is_kept_and_listed_without_it(void **state)
{
    static const char *const settle[] = {"AMPLECALL_OUTBOX_SETTLE_MS=0", NULL};
    struct cli_run r;

    set_faults("{\"status\":500,\"echo_key\":true,\"method\":\"POST\",\"times\":1}");
    r = run(NULL, LOG_ARGS("--task", FAKE_TASK_ID_FIRST, ));
    expect(r.status, 75, "log on 500");
    assert_true(cli_has(r.err, "[REDACTED]"));
    cli_run_done(&r);
    /* the stored outcome, in every listing */
    expect(run_status(NULL, (const char *const[]){"outbox", "list", NULL}), 0, "outbox list");
    expect(run_status(NULL, (const char *const[]){"outbox", "list", "--json", NULL}), 0,
           "outbox list --json");
    expect(run_status(NULL, (const char *const[]){"history", NULL}), 0, "history");
    expect(run_status(NULL, (const char *const[]){"history", "--json", NULL}), 0,
           "history --json");
    expect(run_status(NULL, (const char *const[]){"history", "1", NULL}), 0, "history 1");
    /* the flush's look-up and resend are echoed at too (a 500 on the POST, then a 201) */
    set_faults("[{\"echo_key\":true,\"method\":\"GET\"},"
               "{\"store_then_status\":500,\"echo_key\":true,\"method\":\"POST\",\"times\":1}]");
    run_status(settle, (const char *const[]){"outbox", "flush", NULL});
    set_faults("{\"echo_key\":true}");
    run_status(settle, (const char *const[]){"outbox", "flush", "--json", NULL});
    run_status(NULL, (const char *const[]){"history", "--json", NULL});
}

static void redaction__201_422_and_list_pages_that_echo_the_key_print_none_of_it(void **state)
{
    char other[FAKE_ID_LEN];
    struct cli_run r;

    /* a success with the key in an extra member: --json prints the body as stored */
    set_faults("{\"echo_key\":true}");
    r = run(NULL, LOG_ARGS("--task", FAKE_TASK_ID_FIRST, "--json", ));
    if (r.status != 0 && r.status != 75)
        fail_msg("201 with _echo: exit %d", r.status);
    assert_true(cli_has(r.out, "[REDACTED]") || r.status == 75);
    cli_run_done(&r);
    run_status(NULL, LOG_ARGS("--task", FAKE_TASK_ID_FIRST, ));
    /* a rejection: the 422's details and the body printed by --json */
    fake_task_id(9999, other);
    expect(run_status(NULL, LOG_ARGS("--task", other, )), 65, "422");
    expect(run_status(NULL, LOG_ARGS("--task", other, "--json", )), 65, "422 --json");
    /* list pages and look-ups by name */
    expect(run_status(NULL, (const char *const[]){"tasks", "--user", FAKE_USER_ID, "--json", NULL}),
           0, "tasks --json");
    expect(run_status(NULL, (const char *const[]){"tasks", "--user", FAKE_USER_ID, NULL}), 0,
           "tasks");
    expect(run_status(NULL, (const char *const[]){"dispositions", NULL}), 0, "dispositions");
    expect(run_status(NULL, (const char *const[]){"users", "--json", NULL}), 0, "users --json");
    expect(run_status(NULL, (const char *const[]){"calls", "--json", NULL}), 0, "calls --json");
    expect(run_status(NULL, (const char *const[]){"whoami", NULL}), 0, "whoami");
    run_status(NULL, LOG_ARGS("--task", "Ana", "--disposition", "Interested", ));
    run_status(NULL, (const char *const[]){"history", "--json", NULL});
    print_message("%zu outputs searched\n", n_outputs);
}

/* Every text or blob cell of every table of the database at path. Returns cells searched;
 * *n_marks counts the cells holding a "[REDACTED]" mark. */
static size_t search_database(const char *path, size_t *n_marks)
{
    sqlite3 *db;
    sqlite3_stmt *tables, *rows;
    size_t cells = 0;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        fail_msg("cannot open %s", path);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'",
                                        -1, &tables, NULL),
                     SQLITE_OK);
    while (sqlite3_step(tables) == SQLITE_ROW) {
        char *sql = xasprintf("SELECT * FROM \"%s\"", (const char *)sqlite3_column_text(tables, 0));
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
        while (sqlite3_step(rows) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(rows); i++) {
                const char *v = (const char *)sqlite3_column_blob(rows, i);
                size_t len = (size_t)sqlite3_column_bytes(rows, i);
                int k;
                if (!v)
                    continue;
                cells++;
                if ((k = leak_in(v, len)) >= 0)
                    fail_msg("table %s column %s holds the key (needle %d)",
                             sqlite3_column_text(tables, 0), sqlite3_column_name(rows, i), k);
                if (sec_memmem(v, len, "[REDACTED]"))
                    (*n_marks)++;
            }
        }
        sqlite3_finalize(rows);
        free(sql);
    }
    sqlite3_finalize(tables);
    sqlite3_close(db);
    return cells;
}

static void redaction__no_file_and_no_database_cell_under_home_holds_the_key(void **state)
{
    char *db = xasprintf("%s/state/amplecall/amplecall.db", home), *found;
    size_t n_files = 0, n_marks = 0, cells;

    for (size_t i = 0; i < n_needles; i++) {
        n_files = 0;
        found = sec_find_in_tree(home, needles[i], &n_files);
        if (found)
            fail_msg("%s holds the key (needle %zu)", found, i);
    }
    cells = search_database(db, &n_marks);
    print_message("searched %zu files under HOME and %zu database cells for %zu forms of the key\n",
                  n_files, cells, n_needles);
    /* the search reaches what the server sent: its echo is stored, redacted */
    if (n_marks == 0)
        fail_msg("no stored response holds the redaction mark: the search missed them");
    found = sec_find_in_tree(home, "[REDACTED]", &n_files);
    assert_non_null(found);
    free(found);
    free(db);
}

static void redaction__the_server_saw_the_key_only_in_the_authorization_header(void **state)
{
    json_object *log = fake_requests(fk);

    assert_non_null(log);
    for (size_t i = 0; i < json_object_array_length(log); i++) {
        json_object *e = json_object_array_get_idx(log, i), *leak;
        if (json_object_object_get_ex(e, "key_leak", &leak) && json_object_get_boolean(leak))
            fail_msg("request %zu carried the key outside Authorization", i);
    }
    json_object_put(log);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(
            redaction__a_401_that_echoes_the_key_in_body_and_headers_shows_none_of_it, reset),
        cmocka_unit_test_setup(redaction__a_500_that_echoes_the_key_is_kept_and_listed_without_it,
                               reset),
        cmocka_unit_test(redaction__201_422_and_list_pages_that_echo_the_key_print_none_of_it),
        cmocka_unit_test(redaction__the_server_saw_the_key_only_in_the_authorization_header),
        /* last: searches what every run above left behind */
        cmocka_unit_test(redaction__no_file_and_no_database_cell_under_home_holds_the_key),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
