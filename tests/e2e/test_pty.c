/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Self-test of the e2e terminal driver: real children on a real pty (sh, stty, dd, od), read
 * back through libvterm. Every wait is bounded; a failing check dumps the screen. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pty.h"

#define WAIT_MS 3000

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run `sh -c script` on a rows x cols terminal with the pinned environment. */
static struct term *spawn_sh(const char *script, int rows, int cols)
{
    const char *const argv[] = {"sh", "-c", script, NULL};
    struct term *t = term_spawn(argv, NULL, rows, cols);

    assert_non_null(t);
    return t;
}

/* Assert a wait succeeded, showing the screen when it did not. */
static void expect(struct term *t, bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "# expected: %s\n", what);
        term_dump(t, stderr);
    }
    assert_true(ok);
}

static void expect_text(struct term *t, const char *text)
{
    expect(t, term_wait_text(t, text, WAIT_MS), text);
}

static void expect_row(struct term *t, int row, const char *want)
{
    char *got = term_row(t, row);

    if (strcmp(got, want) != 0)
        term_dump(t, stderr);
    assert_string_equal(got, want);
    free(got);
}

static void term__reports_null_and_empty_cases(void **state)
{
    const char *const empty_argv[] = {NULL};
    const char *const missing[] = {"/nonexistent/amplecall-e2e-no-such-program", NULL};
    const char *const missing_on_path[] = {"amplecall-e2e-no-such-program", NULL};

    term_free(NULL);
    term_env_free(NULL);
    assert_null(term_spawn(NULL, NULL, 24, 80));
    assert_null(term_spawn(empty_argv, NULL, 24, 80));
    assert_null(term_spawn((const char *const[]){"/bin/true", NULL}, NULL, 0, 80));
    assert_null(term_spawn(missing, NULL, 24, 80));
    assert_null(term_spawn(missing_on_path, NULL, 24, 80));
}

static void term__shows_text_with_bold_colours_and_cursor_moves(void **state)
{
    struct term *t = spawn_sh("printf '\\033[1mBold\\033[0m \\033[31;44mRed\\033[0m "
                              "\\033[4;7mUR\\033[0m \\033[38;5;208mX\\033[38;2;1;2;3mY\\033[0m"
                              "\\033[3;5Hxy\\033[3mi\\033[0m'; exec cat",
                              24, 80);
    struct term_cell_attrs a;
    int row = -1, col = -1;

    expect_text(t, "xyi");
    expect_row(t, 0, "Bold Red UR XY");
    assert_true(term_find(t, "xy", &row, &col));
    assert_int_equal(row, 2);
    assert_int_equal(col, 4);
    expect(t, term_wait_cursor(t, 2, 7, WAIT_MS), "cursor after xyi");

    assert_true(term_attrs_at(t, 0, 0, &a));
    assert_true(a.bold);
    assert_false(a.underline);
    assert_int_equal(a.fg, TERM_COLOR_DEFAULT);
    assert_int_equal(a.bg, TERM_COLOR_DEFAULT);
    assert_true(term_attrs_at(t, 0, 4, &a)); /* the space after Bold */
    assert_false(a.bold);
    assert_true(term_attrs_at(t, 0, 5, &a));
    assert_int_equal(a.fg, 1);
    assert_int_equal(a.bg, 4);
    assert_false(a.bold);
    assert_true(term_attrs_at(t, 0, 9, &a));
    assert_true(a.underline);
    assert_true(a.reverse);
    assert_true(term_attrs_at(t, 0, 12, &a));
    assert_int_equal(a.fg, 208);
    assert_true(term_attrs_at(t, 0, 13, &a));
    assert_int_equal(a.fg, TERM_COLOR_RGB | 0x010203);
    assert_true(term_attrs_at(t, 2, 6, &a));
    assert_true(a.italic);
    assert_false(term_attrs_at(t, 24, 0, &a));
    assert_false(term_attrs_at(t, 0, 80, &a));
    term_free(t);
}

static void term__places_utf8_and_wide_characters_by_column(void **state)
{
    struct term *t = spawn_sh("printf 'é漢字x|\\n\\033[2;3Hab漢'; exec cat", 24, 80);
    struct term_cell_attrs a;
    int row = -1, col = -1;
    char *s;

    expect_text(t, "ab漢");
    expect_row(t, 0, "é漢字x|");
    assert_true(term_find(t, "字", &row, &col));
    assert_int_equal(row, 0);
    assert_int_equal(col, 3);
    assert_true(term_find(t, "x|", &row, &col));
    assert_int_equal(col, 5);
    assert_true(term_attrs_at(t, 0, 1, &a));
    assert_true(a.is_wide);
    assert_true(term_attrs_at(t, 0, 2, &a)); /* continuation cell */
    assert_true(a.is_wide);
    assert_true(term_attrs_at(t, 0, 0, &a));
    assert_false(a.is_wide);
    s = term_text_at(t, 0, 1, 4);
    assert_string_equal(s, "漢字");
    free(s);
    s = term_text_at(t, 1, 0, 8);
    assert_string_equal(s, "  ab漢  ");
    free(s);
    expect(t, term_wait_cursor(t, 1, 6, WAIT_MS), "cursor after the wide character");
    term_free(t);
}

static void term__screen_joins_rows_for_regex(void **state)
{
    struct term *t = spawn_sh("printf 'first line\\r\\nsecond   \\r\\nthird'; exec cat", 5, 20);
    char *s;

    expect_text(t, "third");
    s = term_screen(t);
    assert_string_equal(s, "first line\nsecond\nthird\n\n");
    free(s);
    assert_true(term_wait_regex(t, "^second$", WAIT_MS));
    assert_true(term_wait_regex(t, "line\nsec", WAIT_MS));
    assert_false(term_wait_regex(t, "line sec", 50));
    assert_false(term_wait_regex(t, "([unclosed", 50));
    term_free(t);
}

static void term__child_sees_the_spawn_size_and_sigwinch_on_resize(void **state)
{
    struct term *t =
        spawn_sh("trap 'echo \"winch $(stty size)\"' WINCH; echo \"start $(stty size)\";"
                 " while :; do sleep 0.05; done",
                 24, 80);
    int rows, cols;

    expect_text(t, "start 24 80");
    assert_true(term_resize(t, 30, 100));
    term_size(t, &rows, &cols);
    assert_int_equal(rows, 30);
    assert_int_equal(cols, 100);
    expect_text(t, "winch 30 100");
    assert_true(term_resize(t, 10, 40));
    expect_text(t, "winch 10 40");
    assert_false(term_resize(t, 0, 40));
    term_free(t);
}

static void term__returns_exit_status_and_signal_as_128_plus(void **state)
{
    struct term *t = spawn_sh("echo bye; exit 3", 24, 80);

    assert_int_equal(term_wait_exit(t, WAIT_MS), 3);
    assert_int_equal(term_wait_exit(t, WAIT_MS), 3); /* again after the child is reaped */
    assert_true(term_find(t, "bye", NULL, NULL));    /* output before exit is on screen */
    assert_false(term_kill(t, SIGTERM));
    assert_false(term_send(t, "late"));
    term_free(t);

    t = spawn_sh("echo ready; exec cat", 24, 80);
    expect_text(t, "ready");
    assert_true(term_pid(t) > 0);
    assert_true(term_kill(t, SIGTERM));
    assert_int_equal(term_wait_exit(t, WAIT_MS), 128 + SIGTERM);
    term_free(t);
}

static void term__wait_exit_times_out_and_kills_the_child(void **state)
{
    struct term *t = spawn_sh("exec sleep 30", 24, 80);
    long long start = now_ms();

    assert_int_equal(term_wait_exit(t, 200), -1);
    assert_true(now_ms() - start < 1500);
    assert_false(term_kill(t, 0)); /* killed and reaped */
    term_free(t);
}

static void term__waits_return_false_promptly_at_timeout(void **state)
{
    struct term *t = spawn_sh("echo present; exec cat", 24, 80);
    long long start;

    expect_text(t, "present");
    start = now_ms();
    assert_false(term_wait_text(t, "absent", 200));
    assert_false(term_wait_gone(t, "present", 200));
    assert_false(term_wait_regex(t, "abs.nt", 200));
    assert_false(term_wait_cursor(t, 20, 20, 200));
    assert_false(term_pump(t, 100));
    assert_true(now_ms() - start >= 900);
    assert_true(now_ms() - start < 2500);
    assert_true(term_wait_gone(t, "absent", 0));
    assert_true(term_wait_quiet(t, 100, 1000));
    term_free(t);
}

static void term__wait_quiet_fails_while_output_keeps_coming(void **state)
{
    struct term *t = spawn_sh("while :; do echo tick; sleep 0.02; done", 24, 80);
    long long start = now_ms();

    expect_text(t, "tick");
    assert_false(term_wait_quiet(t, 300, 600));
    assert_true(now_ms() - start < 2000);
    term_free(t);
}

static void term__wait_gone_sees_text_disappear(void **state)
{
    struct term *t = spawn_sh("echo going; read x; printf '\\033[2J'; exec cat", 24, 80);

    expect_text(t, "going");
    assert_true(term_send(t, "\r"));
    expect(t, term_wait_gone(t, "going", WAIT_MS), "screen cleared");
    term_free(t);
}

static void term__captures_raw_bytes_title_and_bell(void **state)
{
    struct term *t =
        spawn_sh("printf 'A\\033]0;my title\\007\\033[31mB\\007\\033[?25l'; exec cat", 24, 80);
    size_t len = 0;
    const char *raw;
    size_t total;

    expect_text(t, "AB");
    expect(t, term_wait_quiet(t, 100, WAIT_MS), "quiet");
    raw = term_raw(t, &len);
    assert_string_equal(raw, "A\033]0;my title\007\033[31mB\007\033[?25l");
    assert_int_equal(len, strlen(raw));
    assert_true(term_bytes(t) >= len);
    assert_true(term_raw_contains(t, "\033]0;my title\007"));
    assert_false(term_raw_contains(t, "\033]52"));
    assert_false(term_raw_contains(t, ""));
    assert_string_equal(term_title(t), "my title");
    assert_int_equal(term_bells(t), 1);
    assert_false(term_cursor_visible(t));
    assert_false(term_altscreen(t));

    total = term_bytes(t);
    term_raw_reset(t);
    raw = term_raw(t, &len);
    assert_int_equal(len, 0);
    assert_string_equal(raw, "");
    assert_int_equal(term_bytes(t), total);
    term_free(t);
}

static void term__tracks_the_alternate_screen(void **state)
{
    struct term *t = spawn_sh("echo main; read x; printf '\\033[?1049h\\033[Halt'; read x;"
                              " printf '\\033[?1049l'; exec cat",
                              24, 80);

    expect_text(t, "main");
    assert_true(term_send(t, "\r"));
    expect_text(t, "alt");
    assert_true(term_altscreen(t));
    assert_false(term_find(t, "main", NULL, NULL));
    assert_true(term_send(t, "\r"));
    expect(t, term_wait_gone(t, "alt", WAIT_MS), "back on the main screen");
    assert_false(term_altscreen(t));
    assert_true(term_find(t, "main", NULL, NULL));
    term_free(t);
}

static void term__answers_cursor_position_and_device_attribute_queries(void **state)
{
    /* The answers come back on stdin without a newline: read them raw, show them escaped. */
    struct term *t = spawn_sh("stty -icanon -echo min 1; printf '\\033[3;5H\\033[6n';"
                              " r=$(dd bs=1 count=6 2>/dev/null); printf '\\033[c';"
                              " d=$(dd bs=1 count=7 2>/dev/null);"
                              " printf '\\r\\ncpr %s da %s\\r\\n' \"$r\" \"$d\" | tr '\\033' E;"
                              " exec cat",
                              24, 80);

    expect_text(t, "cpr E[3;5R da E[?1;2c");
    term_free(t);
}

static void term__named_keys_send_xterm_sequences(void **state)
{
    /* 3+5+5+1+2+1+2+3+1+3+1+1+1+4+6+2 + 1 = 42 bytes, printed as hex once all have arrived. */
    struct term *t = spawn_sh("stty raw -echo; echo ready;"
                              " dd bs=1 count=42 2>/dev/null | od -An -tx1 -v | tr -d ' \\n';"
                              " echo; echo done; exec cat",
                              24, 200); /* raw mode: no CR, but the hex fits on one row */

    expect_text(t, "ready");
    assert_true(term_keys(t, "F1 F10 F5 C-a M-x C-i C-M-b Up Tab BTab Backspace Enter"));
    assert_true(term_key(t, "Esc"));
    assert_true(term_key(t, "Delete"));
    assert_true(term_key(t, "C-Left"));
    assert_true(term_key(t, "é"));
    assert_false(term_key(t, "NoSuchKey"));
    assert_false(term_key(t, "F13"));
    assert_false(term_keys(t, "Tab Bogus"));
    expect_text(t, "done");
    /* "Tab Bogus" sent its Tab before failing: that is the 42nd byte. */
    expect_text(t, "1b4f50"
                   "1b5b32317e"
                   "1b5b31357e"
                   "01"
                   "1b78"
                   "09"
                   "1b02"
                   "1b5b41"
                   "09"
                   "1b5b5a"
                   "7f"
                   "0d"
                   "1b"
                   "1b5b337e"
                   "1b5b313b3544"
                   "c3a9"
                   "09");
    term_free(t);
}

static void term__cursor_keys_follow_application_mode(void **state)
{
    struct term *t = spawn_sh("stty raw -echo; printf '\\033[?1h'; echo ready;"
                              " dd bs=1 count=6 2>/dev/null | od -An -tx1 -v | tr -d ' \\n';"
                              " echo; echo done; exec cat",
                              24, 80);

    expect_text(t, "ready");
    assert_true(term_keys(t, "Up Home"));
    expect_text(t, "done");
    expect_text(t, "1b4f411b4f48");
    term_free(t);
}

static void term__env_is_pinned_and_extra_entries_override(void **state)
{
    const char *const extra[] = {"TERM=vt100", "NO_COLOR=1", "INPUTRC", NULL};
    char **env = term_env(extra);
    const char *home = term_env_get(env, "HOME");
    char *home_copy;
    struct stat st;
    struct term *t;

    setenv("AMPLECALL_E2E_LEAK", "leaked", 1);
    assert_non_null(home);
    home_copy = strdup(home);
    assert_int_equal(stat(home_copy, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_string_equal(term_env_get(env, "TERM"), "vt100");
    assert_string_equal(term_env_get(env, "LANG"), "C.UTF-8");
    assert_null(term_env_get(env, "INPUTRC"));
    assert_string_equal(term_env_get(env, "NO_COLOR"), "1");
    assert_non_null(term_env_get(env, "PATH"));

    t = term_spawn(
        (const char *const[]){"sh", "-c",
                              "touch \"$HOME/file\"; echo \"[$TERM|$LANG|"
                              "${INPUTRC-unset}|$NO_COLOR|${AMPLECALL_E2E_LEAK-clean}]\";"
                              " echo \"home=$HOME\"",
                              NULL},
        (const char *const *)env, 24, 200);
    assert_non_null(t);
    assert_int_equal(term_wait_exit(t, WAIT_MS), 0);
    expect_text(t, "[vt100|C.UTF-8|unset|1|clean]");
    assert_true(term_find(t, home_copy, NULL, NULL));
    term_free(t);
    unsetenv("AMPLECALL_E2E_LEAK");

    term_env_free(env);
    assert_int_equal(stat(home_copy, &st), -1);
    assert_int_equal(errno, ENOENT);
    free(home_copy);

    env = term_env(NULL);
    assert_string_equal(term_env_get(env, "TERM"), "xterm-256color");
    assert_string_equal(term_env_get(env, "INPUTRC"), "/dev/null");
    term_env_free(env);
}

static void term__child_inherits_no_test_fds_and_default_signals(void **state)
{
    int fds[2];
    char script[256];
    struct term *t;
    void (*old)(int) = signal(SIGINT, SIG_IGN);

    assert_int_equal(pipe(fds), 0); /* not CLOEXEC: term_spawn must close it anyway */
    snprintf(script, sizeof(script),
             "for n in %d %d; do [ -e /proc/$$/fd/$n ] && echo \"leak $n\"; done;"
             " echo checked; grep SigIgn /proc/$$/status",
             fds[0], fds[1]);
    t = spawn_sh(script, 24, 80);
    assert_int_equal(term_wait_exit(t, WAIT_MS), 0);
    expect_text(t, "checked");
    assert_false(term_find(t, "leak", NULL, NULL));
    /* Signals 1..31 (the low 31 bits) are not ignored; 32 and 33 are glibc's own, which
     * signal() cannot reset, and make may leave them ignored. */
    expect(t, term_wait_regex(t, "^SigIgn:[[:space:]]+[0-9a-f]{8}[08]0000000$", WAIT_MS),
           "no ignored signals");
    term_free(t);
    close(fds[0]);
    close(fds[1]);
    signal(SIGINT, old);
}

/* Whether pid (not our child) exits within timeout_ms. */
static bool pid_gone(pid_t pid, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
#ifdef SYS_pidfd_open
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

    if (pidfd >= 0) {
        struct pollfd pfd = {pidfd, POLLIN, 0};
        int rc = poll(&pfd, 1, timeout_ms); /* readable once it has exited */

        close(pidfd);
        return rc == 1;
    }
    if (errno == ESRCH)
        return true;
#endif
    /* No pidfd (old kernel, valgrind): init reaps it soon after it dies. */
    while (kill(pid, 0) == 0 && now_ms() < deadline)
        poll(NULL, 0, 10);
    return kill(pid, 0) != 0;
}

static void term__child_dies_with_the_test_process(void **state)
{
    int fds[2];
    pid_t mid, grandchild = 0;
    int st;
    char **env = term_env(NULL); /* ours, so its HOME is removed though mid dies */

    assert_int_equal(pipe(fds), 0);
    mid = fork();
    assert_true(mid >= 0);
    if (mid == 0) {
        /* Immune to the hangup that closing the pty sends, so only the death signal can
         * end it early. */
        struct term *t = term_spawn(
            (const char *const[]){"sh", "-c", "trap '' HUP; echo ready; exec sleep 30", NULL},
            (const char *const *)env, 24, 80);
        pid_t pid = t && term_wait_text(t, "ready", WAIT_MS) ? term_pid(t) : 0;

        if (write(fds[1], &pid, sizeof(pid)) < 0)
            _exit(1);
        _exit(0); /* dies without term_free(): PR_SET_PDEATHSIG must take the child along */
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], &grandchild, sizeof(grandchild)), (int)sizeof(grandchild));
    close(fds[0]);
    assert_int_equal(waitpid(mid, &st, 0), mid);
    assert_true(grandchild > 0);
    assert_true(pid_gone(grandchild, WAIT_MS));
    term_env_free(env);
}

static void term__dump_frames_the_screen(void **state)
{
    struct term *t = spawn_sh("printf 'hello\\r\\n漢'; exec cat", 3, 10);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    assert_non_null(out);
    expect_text(t, "漢");
    term_dump(t, out);
    fclose(out);
    assert_non_null(strstr(buf, " 0 |hello     |\n"));
    assert_non_null(strstr(buf, " 1 |漢        |\n"));
    assert_non_null(strstr(buf, " 2 |          |\n"));
    assert_non_null(strstr(buf, "10x3"));
    free(buf);
    term_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(term__reports_null_and_empty_cases),
        cmocka_unit_test(term__shows_text_with_bold_colours_and_cursor_moves),
        cmocka_unit_test(term__places_utf8_and_wide_characters_by_column),
        cmocka_unit_test(term__screen_joins_rows_for_regex),
        cmocka_unit_test(term__child_sees_the_spawn_size_and_sigwinch_on_resize),
        cmocka_unit_test(term__returns_exit_status_and_signal_as_128_plus),
        cmocka_unit_test(term__wait_exit_times_out_and_kills_the_child),
        cmocka_unit_test(term__waits_return_false_promptly_at_timeout),
        cmocka_unit_test(term__wait_quiet_fails_while_output_keeps_coming),
        cmocka_unit_test(term__wait_gone_sees_text_disappear),
        cmocka_unit_test(term__captures_raw_bytes_title_and_bell),
        cmocka_unit_test(term__tracks_the_alternate_screen),
        cmocka_unit_test(term__answers_cursor_position_and_device_attribute_queries),
        cmocka_unit_test(term__named_keys_send_xterm_sequences),
        cmocka_unit_test(term__cursor_keys_follow_application_mode),
        cmocka_unit_test(term__env_is_pinned_and_extra_entries_override),
        cmocka_unit_test(term__child_inherits_no_test_fds_and_default_signals),
        cmocka_unit_test(term__child_dies_with_the_test_process),
        cmocka_unit_test(term__dump_frames_the_screen),
    };

    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
