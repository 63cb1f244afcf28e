/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keystroke benchmark for `make bench` (issue 16): a rep's typical calls driven through the
 * real form on a pty (tests/e2e/pty.h) against the fake API, counting the keys pressed (the
 * digits of a new number apart), the bytes the form wrote to the terminal and the time from
 * the first key to "Call logged". Prints "metric<TAB>subject<TAB>value" lines like
 * bench_tty. Never prints the API key.
 *
 * One session per run: a first call logs a task by hand (not measured: it chooses the
 * dispositions a day starts with), then from the "Call logged" panel
 *   answered:   t (next task), the number, F2 F2 (timer), y y, Enter Enter (disposition), F10
 *   unanswered: t, the number, F2 F2, n (Human = no, skipped), Enter Down Down Enter the
 *               first time of the day ("No answer"), Enter Enter after that, F10 */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/e2e/pty.h"
#include "core/util.h"

#define WAIT_MS 8000

static int failures;

struct tally {
    int keys;   /* keys pressed, digits of the number excluded */
    int digits; /* characters of the new number */
    size_t bytes0;
    double t0;
};

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

static bool fail(struct term *t, const char *what)
{
    fprintf(stderr, "bench_call: %s\n", what);
    if (t)
        term_dump(t, stderr);
    failures++;
    return false;
}

static bool see(struct term *t, const char *text)
{
    return term_wait_text(t, text, WAIT_MS) || fail(t, text);
}

static bool gone(struct term *t, const char *text)
{
    return term_wait_gone(t, text, WAIT_MS) || fail(t, text);
}

/* Press the space-separated keys, counting each. */
static bool press(struct term *t, struct tally *y, const char *names)
{
    char *copy = xstrdup(names), *save = NULL;

    for (char *k = strtok_r(copy, " ", &save); k; k = strtok_r(NULL, " ", &save)) {
        if (!term_key(t, k)) {
            free(copy);
            return fail(t, "key");
        }
        y->keys++;
    }
    free(copy);
    return true;
}

static bool number(struct term *t, struct tally *y, const char *digits)
{
    y->digits += (int)strlen(digits);
    return term_send(t, digits) || fail(t, "number");
}

static void begin(struct term *t, struct tally *y)
{
    term_pump(t, 0);
    memset(y, 0, sizeof(*y));
    y->bytes0 = term_bytes(t);
    y->t0 = now_ms();
}

static void end(struct term *t, struct tally *y, const char *subject)
{
    sample("call_keys", subject, y->keys);
    sample("call_digits", subject, y->digits);
    sample("call_ms", subject, now_ms() - y->t0);
    term_wait_quiet(t, 100, 2000);
    sample("call_bytes", subject, (double)(term_bytes(t) - y->bytes0));
}

/* The call the day starts with: chosen by hand from the task list. Not measured. */
static bool first_call(struct term *t)
{
    struct tally y;

    begin(t, &y);
    return number(t, &y, "+1 415 555 0100") && press(t, &y, "Tab") &&
           number(t, &y, "+1 212 555 0199") && press(t, &y, "Tab") && number(t, &y, "42") &&
           press(t, &y, "Tab y y Enter") && see(t, "Choose a disposition") &&
           press(t, &y, "Enter") && gone(t, "Choose a disposition") && press(t, &y, "Tab Enter") &&
           see(t, "Choose a task") && press(t, &y, "Enter") && gone(t, "Choose a task") &&
           press(t, &y, "F10") && see(t, "Call logged");
}

/* Timer started as the rep dials and stopped as the call ends (Duration, then Answered). */
static bool timed(struct term *t, struct tally *y)
{
    return press(t, y, "F2") && see(t, "Timer started") && press(t, y, "F2") &&
           see(t, "Timer stopped");
}

static bool answered_call(struct term *t, const char *to)
{
    struct tally y;
    const char *subject = "answered call (next task)";

    begin(t, &y);
    if (!(press(t, &y, "t") && see(t, "Next task:") && number(t, &y, to) && timed(t, &y) &&
          press(t, &y, "y y Enter") && see(t, "Choose a disposition") && press(t, &y, "Enter") &&
          gone(t, "Choose a disposition") && press(t, &y, "F10") && see(t, "Call logged")))
        return false;
    end(t, &y, subject);
    return true;
}

static bool unanswered_call(struct term *t, const char *to, bool is_first)
{
    struct tally y;
    const char *subject =
        is_first ? "unanswered call (first of the day)" : "unanswered call (next task)";

    begin(t, &y);
    if (!(press(t, &y, "t") && see(t, "Next task:") && number(t, &y, to) && timed(t, &y) &&
          press(t, &y, "n Enter") && see(t, "Choose a disposition") &&
          (!is_first || press(t, &y, "Down Down")) && press(t, &y, "Enter") &&
          gone(t, "Choose a disposition") && see(t, "No answer") && press(t, &y, "F10") &&
          see(t, "Call logged")))
        return false;
    end(t, &y, subject);
    return true;
}

static char **child_env(void)
{
    static const char *const pass[] = {"AMPLEMARKET_API_KEY", "AMPLECALL_BASE_URL",
                                       "AMPLECALL_USER"};
    const char *extra[8];
    char *own[3];
    size_t n = 0;
    char **env;

    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(pass[i]);
        own[i] = v ? xasprintf("%s=%s", pass[i], v) : NULL;
        if (own[i])
            extra[n++] = own[i];
    }
    extra[n++] = "XDG_STATE_HOME"; /* the fresh HOME's own store: each run starts the day */
    extra[n++] = "NO_COLOR";
    extra[n] = NULL;
    env = term_env(extra);
    for (size_t i = 0; i < 3; i++)
        free(own[i]);
    return env;
}

static void run_once(void)
{
    const char *bin = getenv("BENCH_AMPLECALL");
    char **env = child_env();
    struct term *t;

    if (!bin || !*bin)
        die("bench_call: set BENCH_AMPLECALL to the amplecall binary");
    t = term_spawn((const char *const[]){bin, NULL}, (const char *const *)env, 24, 80);
    if (!t) {
        fail(NULL, "cannot start amplecall");
        term_env_free(env);
        return;
    }
    if (see(t, "tasks)") && first_call(t) && answered_call(t, "+1 303 555 0111") &&
        unanswered_call(t, "+1 303 555 0112", true) &&
        unanswered_call(t, "+1 303 555 0113", false) && answered_call(t, "+1 303 555 0114")) {
        term_key(t, "C-q");
        if (term_wait_exit(t, WAIT_MS) != 0)
            fail(t, "quit from the Call logged panel");
    }
    term_free(t);
    term_env_free(env);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;

    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < runs; i++)
        run_once();
    return failures ? 1 : 0;
}
