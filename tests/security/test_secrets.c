/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Secrets: run amplecall through its success and failure paths with a known API key, then
 * search for the key everywhere it must never be: stdout and stderr, the request the server
 * saw outside the Authorization header, argv (/proc/PID/cmdline of a run paused on a slow
 * server), the environment of the api_key_command child, every file under HOME (the SQLite
 * outbox/history database, its journal, logs), and check that core dumps are disabled
 * (RLIMIT_CORE 0 in /proc/PID/limits of the paused run). */
#include "config.h"
#include "unit.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_env.h"
#include "fakectl.h"
#include "sec.h"
#include "core/util.h"

#define CANARY "sk-CANARY-7f3a9c2e5b1d4a60"

static struct fake *fk;
static char *home;

#define LOG_ARGS(...)                                                                          \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "42",     \
            "--answered", "yes", "--human", "no", "--task", FAKE_TASK_ID_FIRST, "--user",       \
            FAKE_USER_ID, __VA_ARGS__ NULL                                                     \
    }

static int group_setup(void **state)
{
    static const char *const args[] = {"--key", CANARY, NULL};

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

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

static void set_faults(const char *json)
{
    if (!fake_set_faults(fk, json))
        fail_msg("the fake refused faults %s", json);
}

/* Run amplecall with the canary key (key may be NULL: none in the environment) and check
 * that its output never holds it; returns the exit status. */
static int run_clean(const char *key, const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), key, env, args);
    int status = r.status;

    if (cli_has(r.out, CANARY) || cli_has(r.err, CANARY))
        fail_msg("the key was printed by amplecall %s:\nstdout: %s\nstderr: %s", args[0], r.out,
                 r.err);
    /* nor a long piece of it */
    if (cli_has(r.out, CANARY + 4) || cli_has(r.err, CANARY + 4) ||
        cli_has(r.err, "7f3a9c2e5b1d4a60"))
        fail_msg("part of the key was printed by amplecall %s: %s", args[0], r.err);
    cli_run_done(&r);
    return status;
}

static void expect(int got, int want, const char *what)
{
    if (got != want)
        fail_msg("%s: exit %d, want %d", what, got, want);
}

static void the_server_saw_the_key_only_in_the_authorization_header(void)
{
    json_object *log = fake_requests(fk);
    size_t n = log ? json_object_array_length(log) : 0;

    assert_non_null(log);
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(log, i), *leak;
        if (json_object_object_get_ex(e, "key_leak", &leak) && json_object_get_boolean(leak))
            fail_msg("request %zu carried the key outside Authorization: %s", i,
                     json_object_to_json_string(e));
    }
    json_object_put(log);
}

static void secrets__success_and_failure_paths_never_print_the_key(void **state)
{
    static const char *const timeout_env[] = {"AMPLECALL_TIMEOUT=1", NULL};

    expect(run_clean(CANARY, NULL, LOG_ARGS()), 0, "success");
    expect(run_clean(CANARY, NULL, LOG_ARGS("--json", )), 0, "success --json");
    set_faults("{\"status\":422,\"times\":1}");
    expect(run_clean(CANARY, NULL, LOG_ARGS()), 65, "422");
    set_faults("{\"status\":401,\"times\":1}");
    expect(run_clean(CANARY, NULL, LOG_ARGS()), 77, "401");
    set_faults("{\"status\":500,\"times\":1}");
    expect(run_clean(CANARY, NULL, LOG_ARGS()), 75, "500");
    set_faults("{\"garbage\":true,\"times\":1}");
    expect(run_clean(CANARY, NULL, LOG_ARGS()), 75, "garbage");
    set_faults("{\"delay_ms\":3000,\"times\":1}");
    expect(run_clean(CANARY, timeout_env, LOG_ARGS()), 75, "timeout");
    set_faults("[]");
    expect(run_clean(CANARY, NULL, LOG_ARGS("--duration", "-1", )), 65, "invalid");
    expect(run_clean(CANARY, NULL, (const char *const[]){"log", "--bogus", NULL}), 64, "usage");
    expect(run_clean(CANARY, NULL, (const char *const[]){"outbox", "list", NULL}), 0,
           "outbox list");
    run_clean(CANARY, (const char *const[]){"AMPLECALL_OUTBOX_SETTLE_MS=0", NULL},
              (const char *const[]){"outbox", "flush", "--json", NULL});
    run_clean(CANARY, NULL, (const char *const[]){"history", NULL});
    run_clean(CANARY, NULL, (const char *const[]){"history", "--json", NULL});
    /* a wrong key is not echoed either */
    {
        struct cli_run r = cli_run(home, fake_base_url(fk), "sk-WRONG-0123456789abcdef", NULL,
                                   LOG_ARGS());
        assert_int_equal(r.status, 77);
        assert_false(cli_has(r.err, "0123456789abcdef"));
        cli_run_done(&r);
    }
    the_server_saw_the_key_only_in_the_authorization_header();
}

static char *config_path(void)
{
    char *d1 = xasprintf("%s/config", home), *d2 = xasprintf("%s/amplecall", d1);
    char *path = xasprintf("%s/config", d2);

    mkdir(d1, 0700);
    mkdir(d2, 0700);
    free(d1);
    free(d2);
    return path;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void secrets__key_from_the_config_file_is_used_and_never_printed(void **state)
{
    char *path = config_path();

    write_file(path, "api_key = " CANARY "\n", 0600);
    expect(run_clean(NULL, NULL, LOG_ARGS()), 0, "api_key from a private file");
    /* a file others can read is refused, without quoting the key */
    write_file(path, "api_key = " CANARY "\n", 0644);
    expect(run_clean(NULL, NULL, LOG_ARGS()), 78, "api_key in a readable file");
    /* a malformed line holding the key is reported without it */
    write_file(path, CANARY "\n", 0600);
    expect(run_clean(NULL, NULL, LOG_ARGS()), 78, "bare key line");
    write_file(path, "api-key = " CANARY "\n", 0600);
    expect(run_clean(NULL, NULL, LOG_ARGS()), 78, "misspelt key name");
    unlink(path);
    free(path);
}

static void secrets__api_key_command_child_gets_no_key_in_its_environment(void **state)
{
    char *path = config_path(), *dump = xasprintf("%s/cmd-env.txt", home);
    char *text = xasprintf("api_key_command = env > '%s'; printf '%%s' '%s'\n", dump, CANARY);
    size_t len = 0;
    char *env;

    write_file(path, text, 0600);
    /* a stale key in the environment takes precedence, so leave it out to run the command;
     * the program's other secrets-bearing variables must not leak to the child either */
    expect(run_clean(NULL, (const char *const[]){"AMPLECALL_CA_FILE=", NULL}, LOG_ARGS()), 0,
           "api_key_command");
    env = sec_read_file(dump, &len);
    assert_non_null(env);
    assert_false(sec_memmem(env, len, "AMPLEMARKET_API_KEY"));
    assert_false(sec_memmem(env, len, CANARY));
    free(env);
    unlink(dump);
    unlink(path);
    free(dump);
    free(path);
    free(text);
}

static void secrets__no_file_under_home_holds_the_key(void **state)
{
    size_t n_files = 0;
    char *found;

    /* the outbox, history and any log were written by the runs above */
    found = sec_find_in_tree(home, CANARY, &n_files);
    if (found)
        fail_msg("%s holds the API key", found);
    /* and not a prefix long enough to matter either */
    found = sec_find_in_tree(home, "7f3a9c2e5b1d", &n_files);
    if (found)
        fail_msg("%s holds part of the API key", found);
    print_message("searched %zu files under HOME\n", n_files / 2);
    /* the search does reach the stored calls: their numbers are found in plain text */
    found = sec_find_in_tree(home, "+1 212 555 0199", &n_files);
    assert_non_null(found);
    free(found);
}

/* Start amplecall log (stdout/stderr to files in HOME) and return its pid. */
static pid_t spawn_log(char **envp)
{
    const char *const *args = LOG_ARGS();
    const char *argv[40];
    int n = 0;
    pid_t pid;

    argv[n++] = cli_binary();
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    pid = fork();
    if (pid == 0) {
        char *out = xasprintf("%s/paused.out", home);
        struct rlimit rl;

        /* A soft core limit of 0 in the environment (ulimit -c 0 is common) would show 0
         * before main() ran; raised to the hard limit, a 0 seen later is main()'s own. */
        if (getrlimit(RLIMIT_CORE, &rl) == 0 && rl.rlim_max != 0) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_CORE, &rl);
        }
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execve(argv[0], (char *const *)argv, envp);
        _exit(127);
    }
    return pid;
}

struct paused {
    pid_t pid;
    char *limits;
};

/* True once the child has finished execve(): its argv[0] is the program's, not ours. While
 * the kernel builds the new image /proc/PID/cmdline reads empty, so this comes first. */
static bool is_exec_done(pid_t pid)
{
    char *path = xasprintf("/proc/%d/cmdline", (int)pid);
    size_t len = 0;
    char *cmdline = sec_read_file(path, &len);
    bool is_done = cmdline && len > 0 && strcmp(cmdline, cli_binary()) == 0;

    free(cmdline);
    free(path);
    return is_done;
}

static bool core_limit_read(void *ud)
{
    struct paused *p = ud;
    char *path;

    if (!is_exec_done(p->pid))
        return false;
    path = xasprintf("/proc/%d/limits", (int)p->pid);
    free(p->limits);
    p->limits = sec_read_file(path, NULL);
    free(path);
    /* main() lowers the limit first thing; once it shows, the run is past that point */
    return p->limits && strstr(p->limits, "Max core file size        0 ");
}

/* Deterministic under any load: the fake holds its reply for ten minutes and the program's
 * own timeout is as long, so the run cannot end while it is inspected, however long the
 * machine takes to start it; the wait for it has no race, only a bound for a real fault.
 * The run then ends when the fake goes away (the call kept in the outbox: 75), and a new
 * fake takes its place for the tests after. */
static void secrets__paused_run_has_no_key_in_argv_and_core_dumps_off(void **state)
{
    static const char *const args[] = {"--key", CANARY, NULL};
    char *envp[] = {xasprintf("HOME=%s", home), xasprintf("XDG_STATE_HOME=%s/state", home),
                    xasprintf("XDG_CONFIG_HOME=%s/config", home),
                    xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk)),
                    xstrdup("AMPLEMARKET_API_KEY=" CANARY), xstrdup("LANG=C.UTF-8"),
                    xstrdup("AMPLECALL_TIMEOUT=600"), xstrdup("PATH=/usr/bin:/bin"),
                    /* ASan zeroes the core limit itself before main(); in the sanitizer
                     * build that would pass the check below without the program's help */
                    xstrdup("ASAN_OPTIONS=disable_coredump=0"), NULL};
    struct paused p = {0};
    char *path, *cmdline;
    size_t len = 0;
    int status;

    set_faults("{\"delay_ms\":600000,\"times\":1}");
    p.pid = spawn_log(envp);
    assert_true(p.pid > 0);
    if (!sec_wait_for(core_limit_read, &p, 60000))
        fail_msg("RLIMIT_CORE is not 0 in the running program:\n%s", p.limits);
    assert_int_equal(waitpid(p.pid, &status, WNOHANG), 0); /* held by the server */
    path = xasprintf("/proc/%d/cmdline", (int)p.pid);
    cmdline = sec_read_file(path, &len);
    assert_non_null(cmdline);
    assert_true(len > 0);
    assert_false(sec_memmem(cmdline, len, CANARY));
    free(cmdline);
    free(path);
    fake_stop(fk); /* wakes the held reply: the connection closes */
    fk = fake_start(args);
    assert_non_null(fk);
    assert_int_equal(waitpid(p.pid, &status, 0), p.pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 75); /* kept in the outbox for a later flush */
    free(p.limits);
    for (int i = 0; envp[i]; i++)
        free(envp[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(secrets__success_and_failure_paths_never_print_the_key, reset),
        cmocka_unit_test_setup(secrets__key_from_the_config_file_is_used_and_never_printed,
                               reset),
        cmocka_unit_test_setup(secrets__api_key_command_child_gets_no_key_in_its_environment,
                               reset),
        cmocka_unit_test_setup(secrets__paused_run_has_no_key_in_argv_and_core_dumps_off,
                               reset),
        /* last: searches what every run above left behind */
        cmocka_unit_test(secrets__no_file_under_home_holds_the_key),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
