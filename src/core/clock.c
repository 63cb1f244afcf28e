/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: the live call timer. Elapsed time is always derived from the monotonic start so that
 * a slow or skipped tick can never make the timer drift; ticks only say when to repaint.
 * Must not include curses or curl. */
#include "config.h"
#include "core/clock.h"

#include <stdio.h>
#include <time.h>

long long clock_monotonic_ms(void *ud)
{
    struct timespec ts;

    (void)ud;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_init(struct clock *c, clock_now_fn now, void *ud)
{
    c->now = now ? now : clock_monotonic_ms;
    c->now_ud = ud;
    c->is_running = false;
    c->start_ms = 0;
    c->last_shown_s = -1;
}

long long clock_now(const struct clock *c)
{
    return c->now(c->now_ud);
}

void clock_start(struct clock *c)
{
    c->start_ms = clock_now(c);
    c->is_running = true;
    c->last_shown_s = 0;
}

long long clock_elapsed_s(const struct clock *c)
{
    long long ms;

    if (!c->is_running)
        return 0;
    ms = clock_now(c) - c->start_ms;
    return ms > 0 ? ms / 1000 : 0;
}

long long clock_stop(struct clock *c)
{
    long long s = clock_elapsed_s(c);

    c->is_running = false;
    c->last_shown_s = -1;
    return s;
}

int clock_ms_to_next_tick(const struct clock *c)
{
    long long ms;

    if (!c->is_running)
        return -1;
    ms = clock_now(c) - c->start_ms;
    if (ms < 0)
        return (int)(-ms > 1000 ? 1000 : -ms);
    return (int)(1000 - ms % 1000);
}

bool clock_tick(struct clock *c)
{
    long long s;

    if (!c->is_running)
        return false;
    s = clock_elapsed_s(c);
    if (s == c->last_shown_s)
        return false;
    c->last_shown_s = s;
    return true;
}

char *clock_format(long long secs, char *out, size_t size)
{
    if (secs < 0)
        secs = 0;
    if (secs < 3600)
        snprintf(out, size, "%02lld:%02lld", secs / 60, secs % 60);
    else
        snprintf(out, size, "%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
    return out;
}
