/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Terminal safety: the fake API's --hostile mode puts a window-title OSC, colour and cursor
 * CSIs, a screen clear, an OSC 52 clipboard write, a C1 CSI, a bare CR and invalid UTF-8 into
 * a contact name, a disposition name and error details. Every command that shows them, and
 * the call form on a real pty, must write them inert: the raw bytes reaching the terminal
 * hold none of the hostile sequences, the title is never set, and the readable text stays.
 * The same holds for what the user typed: arguments, file names, config lines, CSV cells. */
#include "config.h"
#include "unit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../e2e/pty.h"
#include "cli_env.h"
#include "fakectl.h"
#include "sec.h"
#include "core/util.h"

#define WAIT_MS 8000

static struct fake *fk;
static char *home;

static int group_setup(void **state)
{
    static const char *const args[] = {"--hostile", NULL};

    fk = fake_start(args);
    home = cli_tmp_home();
    return fk && home ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    return 0;
}

/* The payloads of the hostile string, none of which may reach a terminal. */
static void expect_no_payload(const char *bytes, size_t len, const char *what)
{
    static const char *const payloads[] = {"pwned", "aGVsbG8", "\033]", "\xc2\x9b", "1;1H",
                                           "\r", "\xff", "\033[2J\033[H\033]"};

    for (size_t i = 0; i < ARRAY_LEN(payloads); i++)
        if (sec_memmem(bytes, len, payloads[i]))
            fail_msg("%s holds hostile bytes (payload %zu)", what, i);
}

static struct cli_run run(const char *const *args)
{
    static const char *const env[] = {"AMPLECALL_USER=" FAKE_USER_ID, NULL};
    struct cli_run r = cli_run(home, fake_base_url(fk), FAKE_API_KEY, env, args);
    const char *why;

    why = sec_inert_problem(r.out, strlen(r.out));
    if (why)
        fail_msg("amplecall %s: stdout holds %s", args[0], why);
    why = sec_inert_problem(r.err, strlen(r.err));
    if (why)
        fail_msg("amplecall %s: stderr holds %s", args[0], why);
    expect_no_payload(r.out, strlen(r.out), "stdout");
    expect_no_payload(r.err, strlen(r.err), "stderr");
    return r;
}

static void expect_shown(const struct cli_run *r, const char *text)
{
    if (!cli_has(r->out, text) && !cli_has(r->err, text))
        fail_msg("\"%s\" is not shown\nstdout: %s\nstderr: %s", text, r->out, r->err);
}

static void cli__hostile_contact_and_disposition_names_print_inert(void **state)
{
    struct cli_run r;

    r = run((const char *const[]){"tasks", NULL});
    assert_int_equal(r.status, 0);
    expect_shown(&r, "Evil over");
    expect_shown(&r, "Eve");
    cli_run_done(&r);
    r = run((const char *const[]){"dispositions", NULL});
    assert_int_equal(r.status, 0);
    expect_shown(&r, "Left voicemail over");
    cli_run_done(&r);
    /* names are resolved, echoed in the summary, stored and listed again */
    r = run((const char *const[]){"log", "--from", "+1 415 555 0100", "--to",
                                  "+1 212 555 0199", "--duration", "7", "--answered", "no",
                                  "--human", "no", "--task", "Evil", "--disposition", "Left",
                                  NULL});
    if (r.status != 0)
        fail_msg("exit %d\nstderr: %s", r.status, r.err);
    expect_shown(&r, "Evil over");
    cli_run_done(&r);
    r = run((const char *const[]){"history", NULL});
    expect_shown(&r, "Evil over");
    cli_run_done(&r);
    r = run((const char *const[]){"calls", NULL});
    assert_int_equal(r.status, 0);
    cli_run_done(&r);
}

static void cli__hostile_error_detail_prints_inert(void **state)
{
    char other[FAKE_ID_LEN];
    struct cli_run r;

    fake_task_id(9999, other); /* unknown to the server: a 4xx whose detail is hostile */
    r = run((const char *const[]){"log", "--from", "+1 415 555 0100", "--to",
                                  "+1 212 555 0199", "--duration", "7", "--answered", "no",
                                  "--human", "no", "--task", other, NULL});
    assert_int_equal(r.status, 65);
    expect_shown(&r, "task_id: ");
    expect_shown(&r, "over");
    cli_run_done(&r);
}

/* ---- the user's own input ------------------------------------------------------------- */

/* Every payload expect_no_payload() looks for, between visible markers. */
#define MINE "Mine\033]0;pwned\007\033]52;c;aGVsbG8=\007\033[2J\033[H\033]\xc2\x9b" "1;1H\r\xff" "End"

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
}

/* Run and check it is inert (run() does), and that the visible part of MINE is still there. */
static int run_mine_key(const char *key, const char *const *args, const char *const *env,
                        bool is_quoted)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), key, env, args);
    int status = r.status;
    const char *why = sec_inert_problem(r.out, strlen(r.out));

    if (!why)
        why = sec_inert_problem(r.err, strlen(r.err));
    if (why)
        fail_msg("amplecall %s echoed the user's input with %s", args[0], why);
    expect_no_payload(r.out, strlen(r.out), "stdout");
    expect_no_payload(r.err, strlen(r.err), "stderr");
    /* (config keys are read in lower case) */
    if (is_quoted && !cli_has(r.out, "ine") && !cli_has(r.err, "ine"))
        fail_msg("amplecall %s did not quote the input at all:\n%s%s", args[0], r.out, r.err);
    cli_run_done(&r);
    return status;
}

static int run_mine(const char *const *args, const char *const *env)
{
    return run_mine_key(FAKE_API_KEY, args, env, true);
}

static void cli__the_users_own_input_is_echoed_inert(void **state)
{
    char *cfg_dir = xasprintf("%s/config/amplecall", home), *cfg = xasprintf("%s/config", cfg_dir);
    char *missing = xasprintf("%s/" MINE ".csv", home), *csv = xasprintf("%s/calls.csv", home);
    char *env_cfg = xasprintf("AMPLECALL_CONFIG=%s", missing);
    char *mkdirs = xasprintf("mkdir -p '%s'", cfg_dir);

    assert_int_equal(system(mkdirs), 0);
    /* arguments */
    assert_int_equal(run_mine((const char *const[]){"log", "--" MINE, NULL}, NULL), 64);
    assert_int_equal(run_mine((const char *const[]){"outbox", "drop", MINE, NULL}, NULL), 64);
    assert_int_equal(run_mine((const char *const[]){"history", MINE, NULL}, NULL), 64);
    assert_int_equal(run_mine((const char *const[]){MINE, NULL}, NULL), 64);
    assert_int_equal(run_mine((const char *const[]){"tasks", "--user", MINE, NULL}, NULL), 78);
    /* the environment */
    assert_int_equal(
        run_mine((const char *const[]){"tasks", NULL}, (const char *const[]){"AMPLECALL_USER=" MINE, NULL}),
        78);
    /* file names */
    assert_int_equal(run_mine((const char *const[]){"import", missing, NULL}, NULL), 64);
    assert_int_equal(run_mine((const char *const[]){"config", "path", NULL},
                              (const char *const[]){env_cfg, NULL}),
                     0);
    assert_int_equal(run_mine((const char *const[]){"config", "show", NULL},
                              (const char *const[]){env_cfg, NULL}),
                     78);
    /* config lines: a bad key, a bad value, a bad profile, api_key_command's stderr */
    write_text(cfg, MINE " = 1\n");
    assert_int_equal(run_mine((const char *const[]){"tasks", NULL}, NULL), 78);
    write_text(cfg, "user = " MINE "\n");
    assert_int_equal(run_mine((const char *const[]){"tasks", NULL}, NULL), 78);
    write_text(cfg, "[profile " MINE "]\n");
    assert_int_equal(run_mine((const char *const[]){"tasks", NULL}, NULL), 78);
    write_text(cfg, "api_key_command = printf '" MINE "' >&2; exit 1\n");
    assert_int_equal(run_mine_key(NULL, (const char *const[]){"whoami", NULL}, NULL, true), 78);
    unlink(cfg);
    /* CSV cells: a header cell and a value */
    write_text(csv, "from,to," MINE "\n1,2,3\n");
    assert_int_equal(run_mine((const char *const[]){"import", "--dry-run", csv, NULL}, NULL), 65);
    write_text(csv, "from,to,duration,answered,human,task,user\n"
                    "+1 415 555 0100," MINE ",7,no,no," FAKE_TASK_ID_FIRST "," FAKE_USER_ID "\n");
    /* (a bad value is named by its field, not quoted; what is shown must still be inert) */
    run_mine_key(FAKE_API_KEY, (const char *const[]){"import", "--dry-run", csv, NULL}, NULL,
                 false);
    run_mine_key(FAKE_API_KEY, (const char *const[]){"import", csv, NULL}, NULL, false);
    free(cfg_dir);
    free(cfg);
    free(missing);
    free(csv);
    free(env_cfg);
    free(mkdirs);
}

/* ---- the form on a pty -------------------------------------------------------------- */

static void see(struct term *t, const char *text)
{
    if (!term_wait_text(t, text, WAIT_MS)) {
        fprintf(stderr, "# expected: %s\n", text);
        term_dump(t, stderr);
        fail();
    }
}

static void form__hostile_names_and_details_reach_the_pty_inert(void **state)
{
    /* ncurses itself writes CSIs and CRs, so only the payloads it never sends are sought */
    static const char *const payloads[] = {"pwned", "aGVsbG8", "\033]", "\xc2\x9b", "\xff",
                                           "\xfe"};
    char *url = xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk));
    char *bin = xasprintf("%s/src/amplecall", getenv("AMPLECALL_TEST_BUILDDIR")
                                                 ? getenv("AMPLECALL_TEST_BUILDDIR")
                                                 : ".");
    const char *extra[] = {url, "AMPLEMARKET_API_KEY=" FAKE_API_KEY,
                           "AMPLECALL_USER=" FAKE_USER_ID, "XDG_STATE_HOME", "XDG_CONFIG_HOME",
                           "XDG_DATA_HOME", "NO_COLOR", "AMPLECALL_TIMEOUT", NULL};
    char **env = term_env(extra);
    struct term *t;
    size_t len = 0;
    const char *raw;

    assert_true(fake_reset(fk));
    t = term_spawn((const char *const[]){bin, NULL}, (const char *const *)env, 24, 80);
    assert_non_null(t);
    see(t, "Recording URL");
    see(t, "tasks)");
    assert_true(term_send(t, "+1 415 555 0100"));
    assert_true(term_key(t, "Tab"));
    assert_true(term_send(t, "+1 212 555 0199"));
    assert_true(term_key(t, "Tab"));
    assert_true(term_send(t, "42"));
    /* the disposition picker lists the hostile disposition; choose it */
    assert_true(term_keys(t, "Tab y n Enter"));
    see(t, "Choose a disposition");
    see(t, "Left voicemail over");
    assert_true(term_send(t, "Left"));
    see(t, "(1 of");
    assert_true(term_key(t, "Enter"));
    see(t, "Left voicemail over");
    /* the task picker lists the hostile contact; choose it */
    assert_true(term_keys(t, "Tab Enter"));
    see(t, "Choose a task");
    see(t, "Evil over");
    assert_true(term_send(t, "Evil"));
    see(t, "(1 of");
    assert_true(term_key(t, "Enter"));
    see(t, "Evil over");
    /* the server rejects the call with a hostile detail, which the form shows */
    assert_true(fake_set_faults(
        fk, "{\"status\":422,\"path\":\"/calls\",\"times\":1,\"body\":\"{\\\"_errors\\\":[{"
            "\\\"code\\\":\\\"unsupported_value\\\",\\\"detail\\\":\\\"Task refused "
            "\\\\u001b]0;pwned\\\\u0007\\\\u001b]52;c;aGVsbG8=\\\\u0007\\\\u009b2J\\\\r"
            "overwritten\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/task_id\\\"}}]}\"}"));
    assert_true(term_key(t, "F10"));
    see(t, "Task refused");
    see(t, "overwritten");
    term_wait_quiet(t, 200, WAIT_MS);
    raw = term_raw(t, &len);
    assert_true(sec_memmem(raw, len, "Task refused")); /* the capture holds the session */
    for (size_t i = 0; i < ARRAY_LEN(payloads); i++)
        if (sec_memmem(raw, len, payloads[i]))
            fail_msg("the pty output holds hostile bytes (payload %zu)", i);
    if (*term_title(t))
        fail_msg("the window title was set to \"%s\"", term_title(t));
    term_free(t);
    term_env_free(env);
    free(url);
    free(bin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cli__hostile_contact_and_disposition_names_print_inert),
        cmocka_unit_test(cli__hostile_error_detail_prints_inert),
        cmocka_unit_test(cli__the_users_own_input_is_echoed_inert),
        cmocka_unit_test(form__hostile_names_and_details_reach_the_pty_inert),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
