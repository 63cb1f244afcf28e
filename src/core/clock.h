/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CLOCK_H
#define AMPLECALL_CLOCK_H
/* Core layer: the live call timer: elapsed time from a CLOCK_MONOTONIC start, never counted ticks.
 * Pure: time comes from an injectable now() hook, so tests need no sleeps. No curses. */
#include <stdbool.h>
#include <stddef.h>

/* Milliseconds on a monotonic clock. */
typedef long long (*clock_now_fn)(void *ud);

struct clock {
    clock_now_fn now; /* borrowed hook */
    void *now_ud;     /* borrowed */
    bool is_running;
    long long start_ms;     /* now() when started */
    long long last_shown_s; /* whole seconds last reported by clock_tick, -1 = none */
};

/* CLOCK_MONOTONIC in milliseconds (the default hook). */
long long clock_monotonic_ms(void *ud);

/* now NULL selects clock_monotonic_ms. */
void clock_init(struct clock *c, clock_now_fn now, void *ud);
long long clock_now(const struct clock *c);
void clock_start(struct clock *c);
/* Stop and return the whole seconds elapsed (0 if it was not running). */
long long clock_stop(struct clock *c);
/* Whole seconds elapsed while running, 0 when stopped. */
long long clock_elapsed_s(const struct clock *c);
/* Milliseconds until the displayed second changes; -1 when stopped (no tick needed). */
int clock_ms_to_next_tick(const struct clock *c);
/* true when the displayed second changed since the last call (the timer needs a redraw). */
bool clock_tick(struct clock *c);
/* "mm:ss" below an hour, "h:mm:ss" from an hour on; negative counts as 0. Writes at most
 * size bytes (NUL included) and returns out. */
char *clock_format(long long secs, char *out, size_t size);

#endif
