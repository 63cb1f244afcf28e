/* SPDX-License-Identifier: GPL-3.0-or-later */
/* api_key_command is bounded, seen from the real program: `amplecall log` with the key only
 * from the command. A command past api_key_command_timeout, or past the default 10 s, stops
 * amplecall with exit 78 in about that time; one that floods stdout is cut at 4 KiB; one
 * whose background child keeps stdout open does not hold amplecall (the call is logged at
 * once); a failing or empty one gives exit 78 with its stderr, sanitised. None of the failures
 * makes a request. (The commands that fail hold no key: amplecall quotes a failing command.) */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_env.h"
#include "fakectl.h"
#include "../e2e/pty.h"
#include "sec.h"
#include "core/util.h"

#define CANARY "sk-KEYCMD-7f3a9c2e5b1d4a60"

static struct fake *fk;
static char *home;

#define LOG_ARGS                                                                               \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "42",     \
            "--answered", "yes", "--human", "no", "--task", FAKE_TASK_ID_FIRST, "--user",       \
            FAKE_USER_ID, NULL                                                                 \
    }

static int group_setup(void **state)
{
    static const char *const args[] = {"--key", CANARY, NULL};
    char *d;

    fk = fake_start(args);
    home = cli_tmp_home();
    if (!fk || !home)
        return -1;
    d = xasprintf("%s/config", home);
    mkdir(d, 0700);
    free(d);
    d = xasprintf("%s/config/amplecall", home);
    mkdir(d, 0700);
    free(d);
    return 0;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    return 0;
}

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

static void config(const char *text)
{
    char *p = xasprintf("%s/config/amplecall/config", home);
    FILE *f = fopen(p, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, 0600);
    free(p);
}

struct timed {
    struct cli_run r;
    long long ms;
};

/* `amplecall log` with no key in the environment; checked to print no key, inertly. */
static struct timed run_log(void)
{
    struct timed t;
    long long t0 = sec_now_ms();
    const char *why;

    t.r = cli_run(home, fake_base_url(fk), NULL, NULL, LOG_ARGS);
    t.ms = sec_now_ms() - t0;
    if (cli_has(t.r.out, CANARY) || cli_has(t.r.err, CANARY))
        fail_msg("the key was printed");
    why = sec_inert_problem(t.r.err, strlen(t.r.err));
    if (why)
        fail_msg("stderr holds %s", why);
    return t;
}

static void expect_refused(struct timed *t, const char *needle, long long max_ms)
{
    if (t->r.status != 78 || !cli_has(t->r.err, needle))
        fail_msg("exit %d, want 78 with '%s':\n%s", t->r.status, needle, t->r.err);
    if (t->ms > max_ms)
        fail_msg("took %lld ms, want at most %lld", t->ms, max_ms);
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
    cli_run_done(&t->r);
}

static void keycmd__a_command_past_its_timeout_stops_amplecall_with_78(void **state)
{
    struct timed t;

    config("api_key_command = sleep 30\napi_key_command_timeout = 1\n");
    t = run_log();
    expect_refused(&t, "did not finish within 1 s (api_key_command_timeout)", 3000);
    print_message("refused after %lld ms with a 1 s timeout\n", t.ms);
}

static void keycmd__the_default_timeout_is_10_s(void **state)
{
    struct timed t;

    config("api_key_command = sleep 30\n");
    t = run_log();
    if (t.ms < 9500)
        fail_msg("gave up after %lld ms, before 10 s", t.ms);
    expect_refused(&t, "did not finish within 10 s", 13000);
    print_message("refused after %lld ms by default\n", t.ms);
}

static void keycmd__a_background_child_holding_stdout_does_not_hold_amplecall(void **state)
{
    static const char *const cmds[] = {
        "api_key_command = echo " CANARY "; sleep 5 &\n",
        "api_key_command = (sleep 5; echo late >&2) & echo " CANARY "\n",
    };

    for (size_t i = 0; i < ARRAY_LEN(cmds); i++) {
        struct timed t;
        json_object *req;

        config(cmds[i]);
        t = run_log();
        if (t.r.status != 0)
            fail_msg("command %zu: exit %d\n%s", i, t.r.status, t.r.err);
        if (t.ms > 2000)
            fail_msg("command %zu: held for %lld ms by a pipe its child keeps open", i, t.ms);
        req = fake_last_request(fk, "POST", "/calls");
        assert_non_null(req);
        {
            json_object *auth;
            assert_true(json_object_object_get_ex(req, "auth", &auth));
            assert_string_equal(json_object_get_string(auth), "valid");
        }
        json_object_put(req);
        cli_run_done(&t.r);
        print_message("command %zu: logged after %lld ms\n", i, t.ms);
    }
}

static void keycmd__a_flood_on_stdout_is_cut_at_4_KiB(void **state)
{
    struct timed t;

    config("api_key_command = yes sk-flood-0123456789\n");
    t = run_log();
    expect_refused(&t, "printed more than 4096 bytes", 3000);
}

static void keycmd__failure_and_empty_answer_give_78_with_the_stderr_sanitised(void **state)
{
    struct timed t;

    config("api_key_command = printf 'vault \\033]0;pwned\\007\\033[31msealed\\033[0m\\r\\n' >&2; "
           "exit 2\n");
    t = run_log();
    /* (the command's own text, quoted first, spells the escapes out; what it said has none) */
    if (!cli_has(t.r.err, "it said: ") || cli_has(strstr(t.r.err, "it said: "), "pwned"))
        fail_msg("the command's stderr reached the terminal with its escapes");
    expect_refused(&t, "failed with exit status 2; it said: vault sealed", 3000);
    config("api_key_command = echo 'session expired, run: vault login' >&2\n");
    t = run_log();
    expect_refused(&t, "printed no key on its first line; it said: session expired, run: vault login",
                   3000);
}

/* Rule: a key command that asks on the terminal (a passphrase prompt, pinentry-tty) gets the
 * terminal while it runs, and amplecall takes it back after. The command reads from /dev/tty,
 * which stops it with SIGTTIN unless its group is in the foreground; it also sets tostop, so
 * amplecall, printing the call it logged, stops with SIGTTOU unless it took the terminal back,
 * and taking it back from the background stops amplecall unless it blocks SIGTTOU. */
static void keycmd__a_command_that_asks_on_the_terminal_gets_it_and_gives_it_back(void **state)
{
    static const char *const pass[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
    char *extra[8] = {xasprintf("HOME=%s", home), xasprintf("XDG_CONFIG_HOME=%s/config", home),
                      xasprintf("XDG_STATE_HOME=%s/state", home),
                      xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk))};
    /* under a job-control shell, as a rep runs it: amplecall is then a foreground job whose
     * group is not orphaned, so the kernel stops it (rather than failing the call with EIO)
     * where the rules are broken */
    const char *argv[40] = {"/bin/sh", "-mc", "\"$0\" \"$@\"; echo \"amplecall-exit=$?\"",
                            cli_binary()};
    const char *const *la = LOG_ARGS;
    size_t ne = 4;
    char **env;
    struct term *t;
    int rc;

    /* term_env starts from a fixed environment: a sanitizer build's options are passed on */
    for (size_t i = 0; i < ARRAY_LEN(pass); i++)
        if (getenv(pass[i]))
            extra[ne++] = xasprintf("%s=%s", pass[i], getenv(pass[i]));
    config("api_key_command = stty tostop </dev/tty; printf 'Passphrase: ' >/dev/tty; "
           "read p </dev/tty; [ \"$p\" = open ] && echo " CANARY "\n"
           "api_key_command_timeout = 5\n");
    for (int i = 0; la[i]; i++)
        argv[i + 4] = la[i];
    env = term_env((const char *const *)extra);
    t = term_spawn(argv, (const char *const *)env, 24, 80);
    assert_non_null(t);
    if (!term_wait_text(t, "Passphrase:", 5000)) {
        term_dump(t, stderr);
        fail_msg("the key command's prompt did not reach the terminal");
    }
    assert_true(term_send(t, "open\r"));
    rc = term_wait_exit(t, 8000);
    if (rc != 0 || !term_find(t, "amplecall-exit=0", NULL, NULL)) {
        term_dump(t, stderr);
        fail_msg("the shell ended with %d; amplecall did not exit 0 (148: stopped by SIGTTOU)",
                 rc);
    }
    if (term_find(t, CANARY, NULL, NULL))
        fail_msg("the key reached the screen");
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    term_free(t);
    term_env_free(env);
    for (size_t i = 0; i < ne; i++)
        free(extra[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(keycmd__a_command_past_its_timeout_stops_amplecall_with_78, reset),
        cmocka_unit_test_setup(keycmd__the_default_timeout_is_10_s, reset),
        cmocka_unit_test_setup(keycmd__a_background_child_holding_stdout_does_not_hold_amplecall,
                               reset),
        cmocka_unit_test_setup(keycmd__a_flood_on_stdout_is_cut_at_4_KiB, reset),
        cmocka_unit_test_setup(keycmd__failure_and_empty_answer_give_78_with_the_stderr_sanitised,
                               reset),
        cmocka_unit_test_setup(keycmd__a_command_that_asks_on_the_terminal_gets_it_and_gives_it_back,
                               reset),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
