/* SPDX-License-Identifier: GPL-3.0-or-later */
/* keycmd.c: api_key_command bounded. The first line is the key; a command past its timeout
 * is killed with everything it started; a background child holding stdout open does not
 * hold us; stdout past 4 KiB is refused; a failure quotes the command's stderr sanitised, cut
 * and without the key. Real /bin/sh children; the longest wait is 1 s. */
#include "config.h"
#include "unit.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/keycmd.h"
#include "core/util.h"

#define KEY "sk-CANARY-7f3a9c2e5b1d4a60"

static char tmpdir[256];

static int setup(void **state)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/amplecall-keycmd-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!hay || !strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay ? hay : "(null)");
}

/* Run cmd; returns the milliseconds it took. */
static long long run(const char *cmd, long timeout_s, char **key, char **why)
{
    long long t0 = now_ms();
    bool ok = keycmd_run(cmd, timeout_s, key, why);

    assert_true(ok == (*key != NULL));
    assert_true(ok == (*why == NULL));
    return now_ms() - t0;
}

/* The pid written to file by the command, or 0. */
static pid_t pid_in(const char *file)
{
    FILE *f = fopen(file, "r");
    long pid = 0;

    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

static bool is_gone(pid_t pid)
{
    /* killed and reparented: gone, or a zombie waiting for init */
    char path[64], buf[512];
    FILE *f;
    bool gone = true;

    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f) {
        if (fgets(buf, sizeof(buf), f)) {
            char *p = strrchr(buf, ')');
            gone = p && p[1] == ' ' && p[2] == 'Z';
        }
        fclose(f);
    }
    return gone;
}

static void keycmd__takes_the_trimmed_first_line(void **state)
{
    char *key, *why;

    run("printf '  " KEY "  \\nsecond line\\n'", 5, &key, &why);
    assert_string_equal(key, KEY);
    free(key);
    /* no newline at all is fine too */
    run("printf %s " KEY, 5, &key, &why);
    assert_string_equal(key, KEY);
    free(key);
}

static void keycmd__environment_has_no_key_variable(void **state)
{
    char *key, *why;

    setenv("AMPLEMARKET_API_KEY", "in-the-parent", 1);
    run("echo \"x${AMPLEMARKET_API_KEY}y\"", 5, &key, &why);
    unsetenv("AMPLEMARKET_API_KEY");
    assert_string_equal(key, "xy");
    free(key);
}

static void keycmd__times_out_and_kills_its_whole_process_group(void **state)
{
    char *file = xasprintf("%s/pid", tmpdir);
    char *cmd = xasprintf("sleep 30 & echo $! > '%s'; sleep 30", file);
    char *key, *why;
    long long ms = run(cmd, 1, &key, &why);
    pid_t bg;

    if (ms < 900 || ms > 2500)
        fail_msg("took %lld ms with a 1 s timeout", ms);
    assert_null(key);
    assert_contains(why, "did not finish within 1 s (api_key_command_timeout)");
    bg = pid_in(file);
    assert_true(bg > 0);
    /* the background sleep went with the shell (SIGKILL lands within moments) */
    for (int i = 0; i < 100 && !is_gone(bg); i++)
        usleep(10000);
    if (!is_gone(bg))
        fail_msg("pid %d of the command's group survived the timeout", (int)bg);
    free(why);
    free(cmd);
    free(file);
}

static void keycmd__background_child_holding_stdout_does_not_hold_us(void **state)
{
    char *key, *why;
    long long ms;

    /* the shell exits at once; sleep keeps the write ends of stdout and stderr */
    ms = run("echo " KEY "; sleep 5 &", 3, &key, &why);
    if (ms > 900)
        fail_msg("waited %lld ms for a pipe a background child holds", ms);
    assert_string_equal(key, KEY);
    free(key);
    /* and when that child writes later, nothing of it is taken */
    ms = run("echo " KEY "; (sleep 1; echo late; echo late >&2) &", 3, &key, &why);
    assert_true(ms < 900);
    assert_string_equal(key, KEY);
    free(key);
}

static void keycmd__stdout_past_4_KiB_is_refused(void **state)
{
    char *key, *why;
    long long ms;

    /* 4096 bytes are a (long) key */
    run("head -c 4096 /dev/zero | tr '\\0' k", 5, &key, &why);
    assert_int_equal(strlen(key), 4096);
    free(key);
    /* an endless writer is cut off at once, not after the timeout */
    ms = run("yes " KEY, 5, &key, &why);
    assert_true(ms < 2000);
    assert_null(key);
    assert_contains(why, "printed more than 4096 bytes");
    assert_null(strstr(why, KEY));
    free(why);
}

static void keycmd__nonzero_exit_quotes_stderr_sanitised_and_cut(void **state)
{
    char *key, *why;

    run("printf 'vault: \\033]0;pwned\\007\\033[31msealed\\033[0m\\r\\n\\233try again\\n' >&2; "
        "exit 3",
        5, &key, &why);
    assert_contains(why, "failed with exit status 3; it said: vault: sealed");
    assert_contains(why, "try again");
    assert_null(strchr(why, '\033'));
    assert_null(strchr(why, '\n'));
    assert_null(strchr(why, '\r'));
    assert_null(strstr(why, "pwned"));
    assert_null(strstr(why, "\xc2\x9b"));
    free(why);
    /* a long stderr is cut */
    run("head -c 100000 /dev/zero | tr '\\0' e >&2; exit 1", 5, &key, &why);
    assert_true(strlen(why) < KEYCMD_MAX_ERROR_SHOWN + 200);
    assert_contains(why, "[…]");
    free(why);
    /* what it printed as a key is not repeated from its stderr */
    run("echo " KEY "; echo \"bad: " KEY "\" >&2; exit 1", 5, &key, &why);
    assert_null(strstr(why, KEY));
    assert_contains(why, "bad: [REDACTED]");
    free(why);
    run("exit 127", 5, &key, &why);
    assert_contains(why, "(command not found)");
    free(why);
}

static void keycmd__empty_or_bad_answer_is_refused_with_stderr(void **state)
{
    char *key, *why;

    run("echo 'not logged in' >&2", 5, &key, &why);
    assert_contains(why, "printed no key on its first line; it said: not logged in");
    free(why);
    run("echo; echo " KEY, 5, &key, &why);
    assert_contains(why, "printed no key on its first line");
    free(why);
    run("echo 'sk-half sk-other'", 5, &key, &why);
    assert_contains(why, "spaces or control characters");
    assert_null(strstr(why, "sk-half"));
    free(why);
    run("kill -TERM $$", 5, &key, &why);
    assert_contains(why, "was killed by signal 15");
    free(why);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(keycmd__takes_the_trimmed_first_line),
        T(keycmd__environment_has_no_key_variable),
        T(keycmd__times_out_and_kills_its_whole_process_group),
        T(keycmd__background_child_holding_stdout_does_not_hold_us),
        T(keycmd__stdout_past_4_KiB_is_refused),
        T(keycmd__nonzero_exit_quotes_stderr_sanitised_and_cut),
        T(keycmd__empty_or_bad_answer_is_refused_with_stderr),
    };
    return RUN_TAP(tests);
}
