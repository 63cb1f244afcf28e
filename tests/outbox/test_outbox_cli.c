/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Nothing lost, nothing duplicated: the real `amplecall log`, `outbox` and `history` binaries
 * against the fake API on 127.0.0.1 with the server down, slow, failing, rate limiting and
 * losing responses; two flushes at once; and the crash test, which SIGKILLs `amplecall log`
 * (and some flushes) at random points and then checks every call is on the server exactly
 * once. */
#define _GNU_SOURCE /* ppoll */
#include "config.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cli_env.h"
#include "fakectl.h"
#include "store/store.h"
#include "core/util.h"

#define CRASH_MIN_ITERATIONS 200
#define CRASH_MAX_ITERATIONS 400
#define CRASH_BUDGET_MS 60000

static struct fake *fk;
static char *home;

#define LOG_ARGS(dur, ...)                                                                    \
    (const char *const[])                                                                     \
    {                                                                                         \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", dur,     \
            "--answered", "yes", "--human", "yes", "--task", FAKE_TASK_ID_FIRST, "--user",    \
            FAKE_USER_ID, __VA_ARGS__ NULL                                                    \
    }

/* ---- fixtures and helpers ---- */

static int group_setup(void **state)
{
    fk = fake_start(NULL);
    return fk ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    return 0;
}

static int setup(void **state)
{
    home = cli_tmp_home();
    return home && fake_reset(fk) ? 0 : -1;
}

static int teardown(void **state)
{
    cli_rm_tree(home);
    free(home);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Every run gets a 1 s request timeout unless the test sets one: the settle wait of an
 * unknown call is at least the timeout, and 30 s would make each such test slow. */
static struct cli_run run_at(const char *base, const char *const *env, const char *const *args)
{
    const char *full[16];
    size_t n = 0;
    bool has_timeout = false;
    struct cli_run r;

    for (; env && env[n] && n < 14; n++) {
        full[n] = env[n];
        has_timeout |= !strncmp(env[n], "AMPLECALL_TIMEOUT=", 18);
    }
    if (!has_timeout)
        full[n++] = "AMPLECALL_TIMEOUT=1";
    full[n] = NULL;
    r = cli_run(home, base, FAKE_API_KEY, full, args);
    if (cli_has(r.out, FAKE_API_KEY) || cli_has(r.err, FAKE_API_KEY))
        fail_msg("the API key was printed");
    return r;
}

static struct cli_run run(const char *const *args)
{
    return run_at(fake_base_url(fk), NULL, args);
}

static void expect_status(struct cli_run *r, int want)
{
    if (r->status != want)
        fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static char *db_path(void)
{
    return xasprintf("%s/state/amplecall/amplecall.db", home);
}

static struct store *open_db(void)
{
    char *p = db_path(), *err = NULL;
    struct store *s = store_open(p, &err);
    if (!s)
        fail_msg("store_open: %s", err);
    free(p);
    return s;
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* Server-side count of stored calls per duration; sum in *total. */
static void server_counts(int *counts, int n, int base, int *total)
{
    json_object *a = fake_stored_calls(fk);

    assert_non_null(a);
    memset(counts, 0, (size_t)n * sizeof(*counts));
    *total = (int)json_object_array_length(a);
    for (int i = 0; i < *total; i++) {
        int d = json_object_get_int(member(json_object_array_get_idx(a, (size_t)i), "duration"));
        if (d >= base && d < base + n)
            counts[d - base]++;
    }
    json_object_put(a);
}

static int stored_calls(void)
{
    int total, dummy;
    server_counts(&dummy, 1, -1000000, &total);
    return total;
}

static json_object *flush_json(const char *base, const char *const *env, int want_status)
{
    struct cli_run r = run_at(base, env, (const char *const[]){"outbox", "flush", "--json", NULL});
    json_object *o;

    expect_status(&r, want_status);
    o = json_tokener_parse(r.out);
    if (!o)
        fail_msg("flush --json printed no JSON: %s", r.out);
    cli_run_done(&r);
    return o;
}

/* A loopback port with nothing listening (bound once by the kernel's choice, then freed). */
static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* ---- failure modes ---- */

static void outbox__server_down_keeps_the_call_pending_until_a_flush_sends_it(void **state)
{
    int port = free_port();
    char *base = xasprintf("http://127.0.0.1:%d", port);
    char portarg[16];
    struct cli_run r = run_at(base, NULL, LOG_ARGS("301", ));
    struct fake *up;
    json_object *o, *list;

    expect_status(&r, 75);
    assert_true(cli_has(r.err, "stored as pending"));
    cli_run_done(&r);
    r = run_at(base, NULL, (const char *const[]){"outbox", "--json", NULL});
    expect_status(&r, 0);
    list = json_tokener_parse(r.out);
    assert_int_equal(json_object_array_length(list), 1);
    assert_string_equal(json_object_get_string(member(json_object_array_get_idx(list, 0),
                                                      "state")),
                        "pending");
    json_object_put(list);
    cli_run_done(&r);
    /* still down: flush keeps it and says so, once */
    r = run_at(base, NULL, (const char *const[]){"outbox", "flush", NULL});
    expect_status(&r, 75);
    assert_string_equal(r.out, "1 still pending.\n");
    cli_run_done(&r);
    o = flush_json(base, NULL, 75);
    assert_int_equal(json_object_get_int(member(o, "pending")), 1);
    json_object_put(o);
    /* the server comes up on that port */
    snprintf(portarg, sizeof(portarg), "%d", port);
    up = fake_start((const char *const[]){"--port", portarg, NULL});
    assert_non_null(up);
    r = run_at(base, NULL, (const char *const[]){"outbox", "flush", NULL});
    expect_status(&r, 0);
    assert_string_equal(r.out, "1 call sent from the outbox.\n");
    cli_run_done(&r);
    r = run_at(base, NULL, (const char *const[]){"outbox", "flush", NULL});
    expect_status(&r, 0);
    assert_string_equal(r.out, "Nothing to send: the outbox is empty.\n");
    cli_run_done(&r);
    o = flush_json(base, NULL, 0);
    assert_int_equal(json_object_get_int(member(o, "sent")), 0);
    json_object_put(o);
    {
        json_object *calls = fake_stored_calls(up);
        assert_int_equal(json_object_array_length(calls), 1);
        json_object_put(calls);
    }
    fake_stop(up);
    free(base);
}

static void outbox__slow_server_timeout_is_resolved_by_lookup_not_resent(void **state)
{
    const char *slow[] = {"AMPLECALL_TIMEOUT=1", NULL};
    struct cli_run r;
    json_object *o;

    /* the server stores the call after 1.5 s; the client gave up after 1 s */
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"delay_ms\":1500,"
                                    "\"times\":1}"));
    r = run_at(fake_base_url(fk), slow, LOG_ARGS("302", ));
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "outcome unknown"));
    cli_run_done(&r);
    /* the flush lets the unknown call settle, then finds it */
    o = flush_json(fake_base_url(fk), NULL, 0);
    assert_int_equal(json_object_get_int(member(o, "found")), 1);
    assert_int_equal(json_object_get_int(member(o, "sent")), 0);
    json_object_put(o);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    assert_int_equal(stored_calls(), 1);
}

static void outbox__unknown_call_settles_from_the_end_of_its_attempt_not_the_start(void **state)
{
    const char *settle[] = {"AMPLECALL_OUTBOX_SETTLE_MS=1500", NULL};
    const char *slow[] = {"AMPLECALL_OUTBOX_SETTLE_MS=1500", "AMPLECALL_TIMEOUT=1", NULL};
    struct cli_run r;
    json_object *o;

    /* the first attempt is lost on the way: nothing stored, outcome unknown */
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"drop\":true,"
                                    "\"times\":1}"));
    r = run_at(fake_base_url(fk), settle, LOG_ARGS("309", ));
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "outcome unknown"));
    cli_run_done(&r);
    /* A flush finds nothing and posts again; the server stores that POST 2 s later, 1 s after
     * the client gave up: well within the 1.5 s settle time counted from then. */
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"delay_ms\":2000,"
                                    "\"times\":1}"));
    o = flush_json(fake_base_url(fk), slow, 75);
    assert_int_equal(json_object_get_int(member(o, "sent")), 0);
    assert_int_equal(json_object_get_int(member(o, "pending")), 1);
    json_object_put(o);
    /* The next flush comes at once. Counted from the start of that attempt, the settle time
     * would be over before the server stored the call, and the lookup would miss it. */
    o = flush_json(fake_base_url(fk), settle, 0);
    assert_int_equal(json_object_get_int(member(o, "found")), 1);
    assert_int_equal(json_object_get_int(member(o, "sent")), 0);
    json_object_put(o);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    assert_int_equal(stored_calls(), 1);
}

static void outbox__server_error_is_unknown_looked_up_and_flushed_once(void **state)
{
    struct cli_run r;
    json_object *o;

    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"status\":502,"
                                    "\"times\":1}"));
    r = run(LOG_ARGS("303", ));
    expect_status(&r, 75);
    /* a 502 may come from a proxy after the backend stored the call */
    assert_true(cli_has(r.err, "outcome unknown"));
    assert_true(cli_has(r.err, "kept as call"));
    cli_run_done(&r);
    assert_int_equal(stored_calls(), 0);
    o = flush_json(fake_base_url(fk), NULL, 0);
    assert_int_equal(json_object_get_int(member(o, "sent")), 1);
    json_object_put(o);
    assert_int_equal(stored_calls(), 1);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    assert_int_equal(fake_request_count(fk, "GET", "/calls"), 1); /* looked up first */
}

static void outbox__rate_limit_with_retry_after_is_waited_out_or_stored(void **state)
{
    struct cli_run r;
    json_object *o;
    long long t0;

    /* within --max-wait: log waits and retries the same stored call */
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"status\":429,"
                                    "\"retry_after\":1,\"times\":1}"));
    r = run(LOG_ARGS("304", ));
    expect_status(&r, 0);
    cli_run_done(&r);
    assert_int_equal(stored_calls(), 1);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    /* beyond it: stored pending; a flush honours the Retry-After, then sends */
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"status\":429,"
                                    "\"retry_after\":2,\"times\":1}"));
    r = run(LOG_ARGS("305", "--max-wait", "0", ));
    t0 = now_ms();
    expect_status(&r, 75);
    cli_run_done(&r);
    o = flush_json(fake_base_url(fk), NULL, 0);
    assert_true(now_ms() - t0 >= 1000);
    assert_int_equal(json_object_get_int(member(o, "sent")), 1);
    json_object_put(o);
    assert_int_equal(stored_calls(), 2);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 4);
}

static void outbox__accepted_but_response_lost_is_found_not_duplicated(void **state)
{
    const char *quick[] = {"AMPLECALL_OUTBOX_SETTLE_MS=10", NULL};
    struct cli_run r;
    json_object *o, *h;

    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\","
                                    "\"accept_then_drop\":true,\"times\":1}"));
    r = run(LOG_ARGS("306", ));
    expect_status(&r, 75);
    assert_true(cli_has(r.err, "outcome unknown"));
    assert_true(cli_has(r.err, "outbox flush"));
    cli_run_done(&r);
    o = flush_json(fake_base_url(fk), quick, 0);
    assert_int_equal(json_object_get_int(member(o, "found")), 1);
    json_object_put(o);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    assert_int_equal(stored_calls(), 1);
    /* the history says where the answer came from */
    r = run((const char *const[]){"history", "--json", NULL});
    expect_status(&r, 0);
    o = json_tokener_parse(r.out);
    h = json_object_array_get_idx(o, 0);
    assert_string_equal(json_object_get_string(member(h, "state")), "sent");
    assert_string_equal(json_object_get_string(member(h, "resolved_by")), "lookup");
    assert_non_null(member(h, "remote_id"));
    json_object_put(o);
    cli_run_done(&r);
}

/* ---- two processes ---- */

static pid_t spawn(const char *const *args, const char *const *extra_env, int *done_fd);

static void outbox__two_processes_flushing_together_send_each_call_once(void **state)
{
    enum { N = 24 };
    struct store *s = open_db();
    struct store_new n;
    struct call c;
    char dur[16];
    int counts[N], total, fd[2], status;
    pid_t pid[2];
    long long id;
    bool is_new;
    char *err = NULL;

    for (int i = 0; i < N; i++) {
        call_init(&c);
        call_set(&c, FIELD_FROM, "+1 415 555 0100");
        call_set(&c, FIELD_TO, "+1 212 555 0199");
        snprintf(dur, sizeof(dur), "%d", 500 + i);
        call_set(&c, FIELD_DURATION, dur);
        call_set(&c, FIELD_ANSWERED, "yes");
        call_set(&c, FIELD_HUMAN, "yes");
        call_set(&c, FIELD_TASK, FAKE_TASK_ID_FIRST);
        call_set(&c, FIELD_USER, FAKE_USER_ID);
        n = (struct store_new){.call = &c, .api_base = fake_base_url(fk)};
        assert_true(store_enqueue(s, &n, store_now_ms(), &id, &is_new, &err));
        call_done(&c);
    }
    store_close(s);
    /* slow each POST a little so the two flushes overlap */
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"delay_ms\":25}"));
    for (int k = 0; k < 2; k++)
        pid[k] = spawn((const char *const[]){"outbox", "flush", NULL},
                       (const char *const[]){"AMPLECALL_OUTBOX_RATE=450", NULL}, &fd[k]);
    for (int k = 0; k < 2; k++) {
        struct pollfd p = {fd[k], POLLIN, 0};
        char buf[256];
        /* wait for exit (the pipe closes), bounded */
        while (poll(&p, 1, 20000) == 1 && read(fd[k], buf, sizeof(buf)) > 0)
            ;
        close(fd[k]);
        kill(pid[k], SIGKILL);
        assert_int_equal(waitpid(pid[k], &status, 0), pid[k]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    server_counts(counts, N, 500, &total);
    assert_int_equal(total, N);
    for (int i = 0; i < N; i++)
        if (counts[i] != 1)
            fail_msg("call %d is on the server %d times", i, counts[i]);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), N);
}

/* ---- the crash test ---- */

/* Start the binary with the test environment; *done_fd becomes readable-at-EOF when it exits. */
static pid_t spawn(const char *const *args, const char *const *extra_env, int *done_fd)
{
    const char *argv[64];
    char *envp[16];
    int n = 0, e = 0, fds[2];
    pid_t pid;

    argv[n++] = cli_binary();
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    envp[e++] = xasprintf("HOME=%s", home);
    envp[e++] = xasprintf("XDG_STATE_HOME=%s/state", home);
    envp[e++] = xasprintf("XDG_CONFIG_HOME=%s/config", home);
    envp[e++] = xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk));
    envp[e++] = xstrdup("AMPLEMARKET_API_KEY=" FAKE_API_KEY);
    envp[e++] = xstrdup("LANG=C.UTF-8");
    for (int i = 0; extra_env && extra_env[i] && e < 15; i++)
        envp[e++] = xstrdup(extra_env[i]);
    envp[e] = NULL;
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        close(fds[0]);
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        /* fds[1] stays open (no CLOEXEC) until the program exits */
        execve(argv[0], (char *const *)argv, envp);
        _exit(127);
    }
    close(fds[1]);
    for (int i = 0; i < e; i++)
        free(envp[i]);
    *done_fd = fds[0];
    return pid;
}

/* Run, and SIGKILL it after kill_us microseconds unless it exited first.
 * Returns true when it was killed. */
static bool run_and_kill(const char *const *args, const char *const *env, long kill_us,
                         long long *elapsed_us)
{
    struct timespec t0, t1;
    struct timespec limit = {kill_us / 1000000, (kill_us % 1000000) * 1000};
    struct pollfd p;
    int fd, status, rc;
    pid_t pid;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid = spawn(args, env, &fd);
    p = (struct pollfd){fd, POLLIN, 0};
    do
        rc = ppoll(&p, 1, &limit, NULL);
    while (rc < 0 && errno == EINTR);
    kill(pid, SIGKILL); /* harmless if it already exited: it is a zombie until reaped */
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(fd);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (elapsed_us)
        *elapsed_us = (t1.tv_sec - t0.tv_sec) * 1000000LL + (t1.tv_nsec - t0.tv_nsec) / 1000;
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        if (code != 0 && code != 75)
            fail_msg("%s %s exited %d", args[0], args[1] ? args[1] : "", code);
        return false;
    }
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    return true;
}

static void outbox__crash_test_every_call_is_on_the_server_exactly_once(void **state)
{
    enum { BASE_DURATION = 10000 };
    const char *env[] = {"AMPLECALL_OUTBOX_SETTLE_MS=20", "AMPLECALL_OUTBOX_RATE=450", NULL};
    int counts[CRASH_MAX_ITERATIONS], total, iterations = 0, killed = 0, flush_killed = 0;
    long long t_start = now_ms(), typical_us, e, sample[5];
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    struct store_rows rows;
    struct store *s;
    char *err = NULL;
    int local = 0, by_lookup = 0, final_flushes = 0;
    char dur[16];

    /* How long a whole run takes here (the median of five), so kill points cover all of it. */
    for (int i = 0; i < 5; i++) {
        snprintf(dur, sizeof(dur), "%d", BASE_DURATION + iterations);
        assert_false(run_and_kill(LOG_ARGS(dur, ), env, 10000000, &sample[i]));
        iterations++;
    }
    for (int i = 1; i < 5; i++)
        for (int j = i; j > 0 && sample[j - 1] > sample[j]; j--) {
            long long t = sample[j];
            sample[j] = sample[j - 1];
            sample[j - 1] = t;
        }
    typical_us = sample[2];
    printf("# crash test: one uninterrupted run takes about %lld ms; seed %u\n",
           typical_us / 1000, seed);

    while (iterations < CRASH_MAX_ITERATIONS && now_ms() - t_start < CRASH_BUDGET_MS) {
        long kill_us = (long)(rand_r(&seed) % (unsigned)(typical_us * 3 / 2 + 1));

        /* now and then the server loses the answer after storing the call */
        if (iterations % 9 == 4)
            assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\","
                                            "\"accept_then_drop\":true,\"times\":1}"));
        snprintf(dur, sizeof(dur), "%d", BASE_DURATION + iterations);
        killed += run_and_kill(LOG_ARGS(dur, ), env, kill_us, NULL);
        iterations++;
        if (iterations % 20 == 0) {
            /* a flush killed mid-way must not lose or duplicate anything either */
            flush_killed += run_and_kill((const char *const[]){"outbox", "flush", NULL}, env,
                                         (long)(rand_r(&seed) % (unsigned)(typical_us * 3 + 1)),
                                         &e);
        }
    }
    assert_true(fake_set_faults(fk, "[]"));
    /* Everything left is flushed without interruption. */
    for (;;) {
        struct cli_run r = run_at(fake_base_url(fk), env,
                                  (const char *const[]){"outbox", "flush", NULL});
        final_flushes++;
        if (r.status == 0) {
            cli_run_done(&r);
            break;
        }
        if (final_flushes >= 5)
            fail_msg("outbox flush keeps failing: %d\n%s%s", r.status, r.out, r.err);
        cli_run_done(&r);
    }

    server_counts(counts, CRASH_MAX_ITERATIONS, BASE_DURATION, &total);
    s = open_db();
    assert_true(store_list(s, false, 0, &rows, &err));
    {
        int has_local[CRASH_MAX_ITERATIONS] = {0};
        for (size_t i = 0; i < rows.n; i++) {
            const struct store_row *r = &rows.v[i];
            long long d = atoll(call_get(&r->call, FIELD_DURATION)) - BASE_DURATION;
            assert_true(d >= 0 && d < iterations);
            if (has_local[d]++)
                fail_msg("call %lld is stored twice", d);
            if (r->state != STORE_SENT)
                fail_msg("call %lld is still %s after the flush", d, store_state_name(r->state));
            by_lookup += r->resolved_by && !strcmp(r->resolved_by, "lookup");
            local++;
        }
        for (int i = 0; i < iterations; i++) {
            /* stored locally <=> accepted by the server, and never twice */
            if (counts[i] != has_local[i])
                fail_msg("call %d: %d on the server, %d stored locally", i, counts[i],
                         has_local[i]);
        }
    }
    assert_int_equal(total, local);
    store_rows_done(&rows);
    store_close(s);
    printf("# crash test: %d iterations in %.1f s, %d runs of log and %d of flush killed "
           "by SIGKILL; %d calls stored and each on the server exactly once (%d confirmed by "
           "lookup), %d never stored and not on the server; %d final flush run%s\n",
           iterations, (now_ms() - t_start) / 1000.0, killed, flush_killed, local, by_lookup,
           iterations - local, final_flushes, final_flushes == 1 ? "" : "s");
    if (iterations < CRASH_MIN_ITERATIONS)
        fail_msg("only %d iterations fit in %d s", iterations, CRASH_BUDGET_MS / 1000);
    /* the kill points must really have hit runs in progress, and spared some */
    assert_true(killed > iterations / 5);
    assert_true(local > iterations / 10);
}

/* ---- import killed part way ---- */

/* `amplecall import` SIGKILLed while its rows go out one by one (each POST is slowed down):
 * running the same import again resumes, and in the end every row is on the server exactly
 * once, including the one whose request was in flight when the process died. */
static void outbox__an_import_killed_part_way_resumes_and_sends_each_row_once(void **state)
{
    enum { ROWS = 8, BASE = 101 };
    static const char *const env[] = {"AMPLECALL_USER=" FAKE_USER_ID,
                                      "AMPLECALL_OUTBOX_SETTLE_MS=100", NULL};
    char *path = xasprintf("%s/calls.csv", home);
    FILE *f = fopen(path, "w");
    int counts[ROWS], total, runs = 0;
    size_t posts;
    struct cli_run r;

    assert_non_null(f);
    fputs("from,to,duration,answered,human,task\n", f);
    for (int i = 0; i < ROWS; i++)
        fprintf(f, "+1 415 555 0100,+1 212 555 0300,%d,yes,yes,%s\n", BASE + i,
                FAKE_TASK_ID_FIRST);
    assert_int_equal(fclose(f), 0);

    assert_true(fake_set_faults(fk, "{\"method\":\"POST\",\"path\":\"/calls\",\"delay_ms\":150}"));
    assert_true(run_and_kill((const char *const[]){"import", path, NULL}, env, 600000, NULL));
    server_counts(counts, ROWS, BASE, &total);
    assert_true(total < ROWS);

    assert_true(fake_set_faults(fk, "[]"));
    do {
        struct timespec pause = {0, 300 * 1000000L};
        nanosleep(&pause, NULL); /* past the settle time of a call left in flight */
        r = run_at(fake_base_url(fk), env, (const char *const[]){"import", path, NULL});
        if (r.status != 0 && r.status != 75)
            fail_msg("import exited %d\nstdout: %s\nstderr: %s", r.status, r.out, r.err);
        cli_run_done(&r);
    } while (r.status != 0 && ++runs < 10);
    assert_int_equal(r.status, 0);
    server_counts(counts, ROWS, BASE, &total);
    assert_int_equal(total, ROWS);
    for (int i = 0; i < ROWS; i++)
        if (counts[i] != 1)
            fail_msg("row %d is on the server %d times", i + 1, counts[i]);

    /* and once more: nothing left to send */
    posts = fake_request_count(fk, "POST", "/calls");
    r = run_at(fake_base_url(fk), env, (const char *const[]){"import", path, NULL});
    expect_status(&r, 0);
    cli_run_done(&r);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), posts);
    free(path);
}

/* One record per call: a log that goes through is in the store, sent, as soon as it exits. */
static void outbox__a_sent_log_is_in_the_store_at_once(void **state)
{
    struct cli_run r;
    struct store *s;
    struct store_rows rows;
    char *err = NULL;

    for (int i = 0; i < 3; i++) {
        char dur[8];
        snprintf(dur, sizeof(dur), "%d", 401 + i);
        r = run(LOG_ARGS(dur, ));
        expect_status(&r, 0);
        cli_run_done(&r);
    }
    assert_int_equal(stored_calls(), 3);
    s = open_db();
    assert_true(store_list(s, false, 0, &rows, &err));
    assert_int_equal(rows.n, 3);
    for (size_t i = 0; i < rows.n; i++) {
        assert_int_equal(rows.v[i].state, STORE_SENT);
        assert_non_null(rows.v[i].remote_id);
    }
    store_rows_done(&rows);
    store_close(s);
}

/* ---- commands ---- */

static void outbox__history_and_drop_commands_show_and_discard_calls(void **state)
{
    struct cli_run r;
    json_object *list, *first;
    char *p;
    struct stat sb;

    r = run(LOG_ARGS("307", ));
    expect_status(&r, 0);
    cli_run_done(&r);
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"status\":408,"
                                    "\"times\":1}"));
    r = run(LOG_ARGS("308", ));
    expect_status(&r, 75);
    cli_run_done(&r);

    /* the store is private */
    p = db_path();
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    free(p);

    r = run((const char *const[]){"history", NULL});
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "CALL ID"));
    assert_true(cli_has(r.out, "+1 212 555 0199"));
    assert_true(cli_has(r.out, "sent"));
    assert_true(cli_has(r.out, "pending"));
    cli_run_done(&r);

    r = run((const char *const[]){"history", "--json", NULL});
    expect_status(&r, 0);
    list = json_tokener_parse(r.out);
    assert_int_equal(json_object_array_length(list), 2);
    first = json_object_array_get_idx(list, 0); /* newest first: the pending one */
    assert_string_equal(json_object_get_string(member(first, "state")), "pending");
    assert_int_equal(json_object_get_int(member(first, "last_status")), 408);
    assert_string_equal(
        json_object_get_string(member(member(json_object_array_get_idx(list, 1), "call"),
                                      "duration")),
        "307");
    json_object_put(list);
    cli_run_done(&r);

    r = run((const char *const[]){"history", "1", NULL});
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "Call 1: sent"));
    assert_true(cli_has(r.out, "API response:"));
    assert_true(cli_has(r.out, "\"duration\": 307"));
    cli_run_done(&r);

    r = run((const char *const[]){"outbox", NULL});
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "LAST ERROR"));
    assert_true(cli_has(r.out, "HTTP 408"));
    cli_run_done(&r);

    /* no terminal and no --yes: nothing is dropped */
    r = run((const char *const[]){"outbox", "drop", "2", NULL});
    expect_status(&r, 64);
    assert_true(cli_has(r.err, "--yes"));
    cli_run_done(&r);
    r = run((const char *const[]){"outbox", "drop", "1", "--yes", NULL});
    expect_status(&r, 65);
    assert_true(cli_has(r.err, "sent already"));
    cli_run_done(&r);
    r = run((const char *const[]){"outbox", "drop", "2", "--yes", NULL});
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "Dropped call 2"));
    cli_run_done(&r);
    r = run((const char *const[]){"outbox", NULL});
    expect_status(&r, 0);
    assert_true(cli_has(r.out, "empty"));
    cli_run_done(&r);
    r = run((const char *const[]){"history", "2", NULL});
    expect_status(&r, 65);
    cli_run_done(&r);
    r = run((const char *const[]){"outbox", "drop", NULL});
    expect_status(&r, 64);
    cli_run_done(&r);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(outbox__server_down_keeps_the_call_pending_until_a_flush_sends_it),
        T(outbox__slow_server_timeout_is_resolved_by_lookup_not_resent),
        T(outbox__unknown_call_settles_from_the_end_of_its_attempt_not_the_start),
        T(outbox__server_error_is_unknown_looked_up_and_flushed_once),
        T(outbox__rate_limit_with_retry_after_is_waited_out_or_stored),
        T(outbox__accepted_but_response_lost_is_found_not_duplicated),
        T(outbox__two_processes_flushing_together_send_each_call_once),
        T(outbox__a_sent_log_is_in_the_store_at_once),
        T(outbox__history_and_drop_commands_show_and_discard_calls),
        T(outbox__an_import_killed_part_way_resumes_and_sends_each_row_once),
        T(outbox__crash_test_every_call_is_on_the_server_exactly_once),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
