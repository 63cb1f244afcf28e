/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Terminal benchmarks for `make bench`: runs amplecall's form, `dialog --form` and a bare
 * `echo` on a real pty read through libvterm (tests/e2e/pty.h) and prints one sample per line,
 * "metric<TAB>subject<TAB>value", for bench/run.sh to reduce to min/median/max. Measures first
 * paint, bytes written to the terminal per key / paint / resize / timer tick, Esc latency,
 * peak RSS (through GNU time) and the form's task picker at scale. Never prints the API key. */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../tests/e2e/pty.h"
#include "core/util.h"

#define ROWS 24
#define COLS 80
/* Generous bounds: a missed bound is reported as a failure, never waited out silently. */
#define PAINT_TIMEOUT_MS 5000
#define QUIET_MS 150
#define RESIZE_QUIET_MS 600
#define SCALE_TIMEOUT_MS 90000

enum subject { SUBJ_AMPLECALL, SUBJ_DIALOG, SUBJ_ECHO };

static const char *const labels[] = {"From", "To", "Duration", "Answered", "Human",
                                     "Disposition", "Task", "User", "Transcription",
                                     "Recording URL"};

static int failures;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sample(const char *metric, const char *subject, double value)
{
    printf("%s\t%s\t%.3f\n", metric, subject, value);
    fflush(stdout);
}

static void fail(struct term *t, const char *what)
{
    fprintf(stderr, "bench_tty: %s\n", what);
    if (t)
        term_dump(t, stderr);
    failures++;
}

static const char *subject_name(enum subject s)
{
    return s == SUBJ_AMPLECALL ? "amplecall" : s == SUBJ_DIALOG ? "dialog" : "echo";
}

static const char *amplecall_bin(void)
{
    const char *b = getenv("BENCH_AMPLECALL");

    if (!b || !*b)
        die("bench_tty: set BENCH_AMPLECALL to the amplecall binary");
    return b;
}

/* argv for the subject, optionally wrapped in GNU time writing peak RSS (KiB) to rss_file.
 * The array and its strings are static or borrowed; only the array is owned. */
static const char **subject_argv(enum subject s, const char *rss_file)
{
    const char **v = xcalloc(128, sizeof(*v));
    size_t n = 0;

    if (rss_file) {
        v[n++] = "/usr/bin/time";
        v[n++] = "-f";
        v[n++] = "%M";
        v[n++] = "-o";
        v[n++] = rss_file;
    }
    switch (s) {
    case SUBJ_AMPLECALL:
        v[n++] = amplecall_bin();
        break;
    case SUBJ_DIALOG: {
        /* The same ten labels, one input field each, as amplecall's form. */
        static const char *const ys[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"};
        v[n++] = "dialog";
        v[n++] = "--form";
        v[n++] = "Log a call";
        v[n++] = "20"; /* height, width, form height: all ten rows fit in 80x24 */
        v[n++] = "76";
        v[n++] = "10";
        for (size_t i = 0; i < ARRAY_LEN(labels); i++) {
            v[n++] = labels[i];
            v[n++] = ys[i];
            v[n++] = "1";
            v[n++] = "";
            v[n++] = ys[i];
            v[n++] = "16";
            v[n++] = "50";
            v[n++] = "0";
        }
        break;
    }
    case SUBJ_ECHO:
        v[n++] = "/bin/echo";
        v[n++] = "-e";
        v[n++] = "From\\nTo\\nDuration\\nAnswered\\nHuman\\nDisposition\\nTask\\nUser\\n"
                 "Transcription\\nRecording URL";
        break;
    }
    v[n] = NULL;
    return v;
}

/* Environment for the child: the pinned e2e one plus what amplecall needs to reach the fake
 * server (taken from our own environment; the key never goes on a command line). */
static char **subject_env(void)
{
    static const char *const pass[] = {"AMPLEMARKET_API_KEY", "AMPLECALL_BASE_URL",
                                       "AMPLECALL_USER"};
    const char *extra[ARRAY_LEN(pass) + 3];
    char *own[ARRAY_LEN(pass)];
    size_t n = 0;
    char **env;

    for (size_t i = 0; i < ARRAY_LEN(pass); i++) {
        const char *v = getenv(pass[i]);
        own[i] = v ? xasprintf("%s=%s", pass[i], v) : NULL;
        if (own[i])
            extra[n++] = own[i];
    }
    extra[n++] = "NO_COLOR"; /* removed: colours on, as a rep would have them */
    extra[n] = NULL;
    env = term_env(extra);
    for (size_t i = 0; i < ARRAY_LEN(pass); i++)
        free(own[i]);
    return env;
}

static bool has_exited(struct term *t)
{
    return !term_kill(t, 0);
}

/* Strings that are all on screen once the subject's first paint is complete. */
static bool painted(struct term *t, enum subject s)
{
    switch (s) {
    case SUBJ_ECHO:
        break;
    case SUBJ_DIALOG:
        if (!term_find(t, "Cancel", NULL, NULL))
            return false;
        break;
    case SUBJ_AMPLECALL:
        if (!term_find(t, "Quit", NULL, NULL)) /* the help line, last row */
            return false;
        break;
    }
    for (size_t i = 0; i < ARRAY_LEN(labels); i++)
        if (!term_find(t, labels[i], NULL, NULL))
            return false;
    return true;
}

static bool wait_painted(struct term *t, enum subject s, double deadline)
{
    while (!painted(t, s)) {
        double left = deadline - now_ms();
        if (left <= 0)
            return false;
        /* a subject that exited (echo) can paint no more */
        if (!term_pump(t, (int)left + 1) && has_exited(t)) {
            term_pump(t, 0);
            return painted(t, s);
        }
    }
    return true;
}

/* Read until no byte arrived for quiet_ms (bounded by max_ms). Returns the time of the last
 * byte read (ms, CLOCK_MONOTONIC), or 0 if nothing arrived. */
static double settle(struct term *t, int quiet_ms, int max_ms)
{
    double deadline = now_ms() + max_ms, last = 0;

    for (;;) {
        double left = deadline - now_ms();
        int slice = left < quiet_ms ? (int)left : quiet_ms;
        if (slice <= 0 || !term_pump(t, slice))
            return last;
        last = now_ms();
    }
}

static struct term *spawn(enum subject s, const char *rss_file, char **env, double *t0)
{
    const char **argv = subject_argv(s, rss_file);
    struct term *t;

    *t0 = now_ms();
    t = term_spawn(argv, (const char *const *)env, ROWS, COLS);
    free(argv);
    if (!t)
        fail(NULL, "cannot spawn the subject");
    return t;
}

/* ---- first paint ---------------------------------------------------------------------- */

static void bench_paint(enum subject s, int runs)
{
    for (int i = 0; i < runs; i++) {
        char **env = subject_env();
        double t0, t1;
        struct term *t = spawn(s, NULL, env, &t0);

        if (!t) {
            term_env_free(env);
            continue;
        }
        if (!wait_painted(t, s, t0 + PAINT_TIMEOUT_MS)) {
            fail(t, "first paint incomplete");
        } else {
            t1 = now_ms();
            sample("paint_ms", subject_name(s), t1 - t0);
            sample("paint_bytes", subject_name(s), (double)term_bytes(t));
            settle(t, QUIET_MS, 3000);
            sample("paint_settled_bytes", subject_name(s), (double)term_bytes(t));
        }
        term_free(t);
        term_env_free(env);
    }
}

/* ---- keystrokes, resize -------------------------------------------------------------- */

static struct term *spawn_painted(enum subject s, char **env)
{
    double t0;
    struct term *t = spawn(s, NULL, env, &t0);

    if (!t)
        return NULL;
    if (!wait_painted(t, s, t0 + PAINT_TIMEOUT_MS)) {
        fail(t, "first paint incomplete");
        term_free(t);
        return NULL;
    }
    /* background loads (amplecall) repaint the status bar once; let them finish */
    settle(t, 300, 3000);
    return t;
}

static void bench_keys(enum subject s, int runs)
{
    static const char digits[] = "4155550100987654321012345";
    char **env = subject_env();
    struct term *t = spawn_painted(s, env);

    if (t) {
        char typed[sizeof(digits)] = "";
        for (int i = 0; i < runs && i < (int)sizeof(digits) - 1; i++) {
            char k[2] = {digits[i], '\0'};
            double t0, last;
            size_t len;
            term_raw_reset(t);
            t0 = now_ms();
            term_send(t, k);
            last = settle(t, 80, 2000);
            typed[i] = digits[i];
            if (!term_find(t, typed, NULL, NULL) || last == 0) {
                fail(t, "typed character not shown");
                break;
            }
            term_raw(t, &len);
            sample("key_bytes", subject_name(s), (double)len);
            sample("key_echo_ms", subject_name(s), last - t0);
        }
        term_free(t);
    }
    term_env_free(env);
}

static void bench_resize(enum subject s, int runs)
{
    char **env = subject_env();
    struct term *t = spawn_painted(s, env);

    if (t) {
        for (int i = 0; i < runs; i++) {
            bool is_big = i % 2 == 0;
            size_t len;
            term_raw_reset(t);
            term_resize(t, is_big ? 30 : ROWS, is_big ? 100 : COLS);
            /* dialog coalesces resize events for a few hundred ms before redrawing */
            settle(t, RESIZE_QUIET_MS, 4000);
            term_raw(t, &len);
            if (!painted(t, s)) {
                fail(t, "form not redrawn after resize");
                break;
            }
            sample("resize_bytes", subject_name(s), (double)len);
        }
        term_free(t);
    }
    term_env_free(env);
}

/* ---- live timer: bytes per tick while it runs ----------------------------------------- */

static void bench_timer(int ticks)
{
    char **env = subject_env();
    struct term *t = spawn_painted(SUBJ_AMPLECALL, env);
    double first = 0, last = 0;
    size_t total = 0;

    if (!t) {
        term_env_free(env);
        return;
    }
    term_key(t, "F2");
    if (!term_wait_regex(t, "0:0[0-9]", 3000)) {
        fail(t, "timer not shown after F2");
        goto out;
    }
    settle(t, 100, 2000); /* the start repaint, not a tick */
    for (int i = 0; i < ticks; i++) {
        size_t len;
        double t1;
        term_raw_reset(t);
        if (!term_pump(t, 1600)) {
            fail(t, "timer did not tick within 1.6 s");
            goto out;
        }
        t1 = now_ms();
        settle(t, 100, 900);
        term_raw(t, &len);
        sample("timer_tick_bytes", "amplecall", (double)len);
        if (i == 0)
            first = t1;
        else
            total += len; /* bytes of ticks 2..n over the time from tick 1 to tick n */
        last = t1;
    }
    if (ticks > 1 && last > first)
        sample("timer_bytes_per_s", "amplecall", (double)total / ((last - first) / 1000.0));
out:
    term_free(t);
    term_env_free(env);
}

/* ---- Esc closing a picker --------------------------------------------------------------- */

static void bench_esc_amplecall(int runs)
{
    char **env = subject_env();
    struct term *t = spawn_painted(SUBJ_AMPLECALL, env);

    if (!t) {
        term_env_free(env);
        return;
    }
    /* From To Duration Answered Human -> Disposition */
    term_keys(t, "Tab Tab Tab Tab Tab");
    settle(t, 100, 2000);
    for (int i = 0; i < runs; i++) {
        double t0, t1;
        term_key(t, "Enter");
        if (!term_wait_text(t, "Choose a disposition", 3000)) {
            fail(t, "disposition picker did not open");
            break;
        }
        settle(t, 100, 2000);
        t0 = now_ms();
        term_key(t, "Esc");
        if (!term_wait_gone(t, "Choose a disposition", 3000)) {
            fail(t, "Esc did not close the picker");
            break;
        }
        t1 = now_ms();
        sample("esc_ms", "amplecall", t1 - t0);
        settle(t, 100, 2000);
    }
    term_free(t);
    term_env_free(env);
}

static void bench_esc_dialog(int runs)
{
    static const char *const argv[] = {"dialog", "--menu", "Choose a disposition", "15", "50",
                                       "5", "1", "Interested", "2", "No answer", "3",
                                       "Not interested", "4", "Left voicemail", "5",
                                       "Call back later", NULL};

    for (int i = 0; i < runs; i++) {
        char **env = subject_env();
        struct term *t = term_spawn(argv, (const char *const *)env, ROWS, COLS);
        double t0;

        if (!t || !term_wait_text(t, "Cancel", PAINT_TIMEOUT_MS)) {
            fail(t, "dialog --menu did not paint");
        } else {
            settle(t, 100, 2000);
            t0 = now_ms();
            term_key(t, "Esc");
            if (term_wait_exit(t, 5000) < 0)
                fail(t, "dialog did not exit on Esc");
            else
                sample("esc_ms", "dialog", now_ms() - t0);
        }
        term_free(t);
        term_env_free(env);
    }
}

/* ---- peak RSS of a form session: paint, type a number, quit ----------------------------- */

/* Quit amplecall with ^Q, answering y when it asks "(y/n)" (unsent data). */
static bool quit_amplecall(struct term *t)
{
    double deadline = now_ms() + 5000;
    bool is_confirmed = false;

    term_key(t, "C-q");
    while (now_ms() < deadline) {
        if (has_exited(t))
            return term_wait_exit(t, 1000) >= 0;
        term_pump(t, 50);
        if (!is_confirmed && term_find(t, "(y/n)", NULL, NULL) && !has_exited(t)) {
            term_key(t, "y");
            is_confirmed = true;
        }
        if (!is_confirmed && term_find(t, "Enter keeps", NULL, NULL) && !has_exited(t)) {
            term_key(t, "d"); /* discard: the next run starts clean */
            is_confirmed = true;
        }
    }
    return false;
}

static long read_rss(const char *path)
{
    FILE *f = fopen(path, "r");
    long kib = -1;
    char line[256];

    if (!f)
        return -1;
    /* GNU time may prefix "Command exited with non-zero status N" */
    while (fgets(line, sizeof(line), f))
        if (line[0] >= '0' && line[0] <= '9')
            kib = strtol(line, NULL, 10);
    fclose(f);
    return kib;
}

static void bench_rss(enum subject s, int runs)
{
    for (int i = 0; i < runs; i++) {
        char **env = subject_env();
        char *rss = xasprintf("%s/rss.txt", term_env_get(env, "HOME"));
        double t0;
        struct term *t = spawn(s, rss, env, &t0);
        bool ok = false;

        if (t && wait_painted(t, s, t0 + PAINT_TIMEOUT_MS)) {
            settle(t, 100, 2000);
            term_send(t, "+1 415 555 0100");
            if (!term_wait_text(t, "+1 415 555 0100", 3000)) {
                fail(t, "typed number not shown");
            } else if (s == SUBJ_AMPLECALL) {
                ok = quit_amplecall(t);
            } else {
                term_key(t, "Enter"); /* dialog: OK */
                ok = term_wait_exit(t, 5000) >= 0;
            }
            if (!ok)
                fail(t, "the session did not end");
        } else if (t) {
            fail(t, "first paint incomplete");
        }
        term_free(t);
        if (ok) {
            long kib = read_rss(rss);
            if (kib > 0)
                sample("rss_kib", s == SUBJ_AMPLECALL ? "amplecall form" : "dialog --form",
                       (double)kib);
            else
                fail(NULL, "no RSS figure from /usr/bin/time");
        }
        free(rss);
        term_env_free(env);
    }
}

/* ---- scale: the task picker with N tasks ------------------------------------------------ */

/* The task picker's title reads "(X of X)" with X >= n: every task loaded and listed (the
 * fake server adds a few tasks of its own to the --tasks N it was given). */
static bool listed_all(struct term *t, long n, double deadline)
{
    for (;;) {
        char *screen = term_screen(t);
        const char *p = strstr(screen, "Choose a task (");
        long shown = -1, total = -2;

        if (p)
            sscanf(p, "Choose a task (%ld of %ld)", &shown, &total);
        free(screen);
        if (shown == total && total >= n)
            return true;
        if (now_ms() >= deadline)
            return false;
        term_pump(t, (int)(deadline - now_ms()) + 1);
    }
}

/* Per run: time from exec until the task picker lists all n tasks; time per filter keystroke
 * (to the last byte of the repaint); peak RSS of the whole session. */
static void bench_scale(long n, int runs)
{
    char subj[32];
    static const char *const keys[] = {"c", "o", "n", "t", "a", "c", "t", "1"};

    snprintf(subj, sizeof(subj), "%ld tasks", n);
    for (int i = 0; i < runs; i++) {
        char **env = subject_env();
        char *rss = xasprintf("%s/rss.txt", term_env_get(env, "HOME"));
        double t0;
        struct term *t = spawn(SUBJ_AMPLECALL, rss, env, &t0);
        bool ok = false;

        if (!t || !wait_painted(t, SUBJ_AMPLECALL, t0 + PAINT_TIMEOUT_MS)) {
            fail(t, "first paint incomplete");
            goto next;
        }
        /* From To Duration Answered Human Disposition -> Task */
        term_keys(t, "Tab Tab Tab Tab Tab Tab Enter");
        if (!listed_all(t, n, t0 + SCALE_TIMEOUT_MS)) {
            fail(t, "task picker did not list every task");
            goto next;
        }
        sample("load_ms", subj, now_ms() - t0);
        settle(t, 100, 5000);
        for (size_t k = 0; k < ARRAY_LEN(keys); k++) {
            double k0 = now_ms(), last;
            term_send(t, keys[k]);
            last = settle(t, 100, 10000);
            if (last == 0) {
                fail(t, "no repaint after a filter keystroke");
                goto next;
            }
            sample("filter_key_ms", subj, last - k0);
        }
        term_key(t, "Esc");
        settle(t, 100, 2000);
        ok = quit_amplecall(t);
        if (!ok)
            fail(t, "the session did not end");
    next:
        term_free(t);
        if (ok) {
            long kib = read_rss(rss);
            if (kib > 0)
                sample("scale_rss_kib", subj, (double)kib);
        }
        free(rss);
        term_env_free(env);
    }
}

static enum subject parse_subject(const char *s)
{
    if (!strcmp(s, "amplecall"))
        return SUBJ_AMPLECALL;
    if (!strcmp(s, "dialog"))
        return SUBJ_DIALOG;
    if (!strcmp(s, "echo"))
        return SUBJ_ECHO;
    die("bench_tty: unknown subject %s", s);
}

int main(int argc, char **argv)
{
    int runs;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_tty paint|keys|resize|rss|esc SUBJECT RUNS\n"
                        "       bench_tty timer TICKS\n"
                        "       bench_tty scale NTASKS RUNS\n"
                        "SUBJECT: amplecall (BENCH_AMPLECALL) | dialog | echo\n");
        return 64;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!strcmp(argv[1], "timer")) {
        bench_timer(atoi(argv[2]));
        return failures ? 1 : 0;
    }
    if (argc < 4)
        return 64;
    runs = atoi(argv[3]);
    if (!strcmp(argv[1], "scale")) {
        bench_scale(atol(argv[2]), runs);
    } else if (!strcmp(argv[1], "paint")) {
        bench_paint(parse_subject(argv[2]), runs);
    } else if (!strcmp(argv[1], "keys")) {
        bench_keys(parse_subject(argv[2]), runs);
    } else if (!strcmp(argv[1], "resize")) {
        bench_resize(parse_subject(argv[2]), runs);
    } else if (!strcmp(argv[1], "rss")) {
        bench_rss(parse_subject(argv[2]), runs);
    } else if (!strcmp(argv[1], "esc")) {
        if (parse_subject(argv[2]) == SUBJ_DIALOG)
            bench_esc_dialog(runs);
        else
            bench_esc_amplecall(runs);
    } else {
        fprintf(stderr, "bench_tty: unknown benchmark %s\n", argv[1]);
        return 64;
    }
    return failures ? 1 : 0;
}
