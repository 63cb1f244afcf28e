/* SPDX-License-Identifier: GPL-3.0-or-later */
/* clock.c: the live call timer, driven by an injected clock (no sleeps). */
#include "config.h"
#include "unit.h"

#include <string.h>

#include "core/clock.h"

static long long fake_now;

static long long now_hook(void *ud)
{
    (void)ud;
    return fake_now;
}

static void clock__stopped_timer_reports_nothing(void **state)
{
    struct clock c;

    fake_now = 5000;
    clock_init(&c, now_hook, NULL);
    assert_false(c.is_running);
    assert_int_equal(clock_elapsed_s(&c), 0);
    assert_int_equal(clock_ms_to_next_tick(&c), -1);
    assert_false(clock_tick(&c));
    assert_int_equal(clock_stop(&c), 0);
}

static void clock__default_hook_is_monotonic(void **state)
{
    struct clock c;
    long long a, b;

    clock_init(&c, NULL, NULL);
    a = clock_now(&c);
    b = clock_now(&c);
    assert_true(a > 0);
    assert_true(b >= a);
}

static void clock__elapsed_counts_whole_seconds_from_the_start(void **state)
{
    struct clock c;

    fake_now = 1000;
    clock_init(&c, now_hook, NULL);
    clock_start(&c);
    fake_now = 1999;
    assert_int_equal(clock_elapsed_s(&c), 0);
    fake_now = 2000;
    assert_int_equal(clock_elapsed_s(&c), 1);
    fake_now = 1000 + 3600 * 1000 + 500;
    assert_int_equal(clock_elapsed_s(&c), 3600);
}

static void clock__stop_returns_elapsed_seconds_and_stops(void **state)
{
    struct clock c;

    fake_now = 0;
    clock_init(&c, now_hook, NULL);
    clock_start(&c);
    fake_now = 42900;
    assert_int_equal(clock_stop(&c), 42);
    assert_false(c.is_running);
    fake_now = 99000;
    assert_int_equal(clock_elapsed_s(&c), 0);
}

static void clock__tick_fires_once_per_displayed_second(void **state)
{
    struct clock c;

    fake_now = 100;
    clock_init(&c, now_hook, NULL);
    clock_start(&c);
    assert_false(clock_tick(&c)); /* 00:00 is already shown */
    fake_now = 900;
    assert_false(clock_tick(&c));
    fake_now = 1100;
    assert_true(clock_tick(&c));
    assert_false(clock_tick(&c));
    fake_now = 5100; /* skipped ticks never make it drift: elapsed comes from the start */
    assert_true(clock_tick(&c));
    assert_int_equal(clock_elapsed_s(&c), 5);
}

static void clock__next_tick_is_at_the_next_second_boundary(void **state)
{
    struct clock c;

    fake_now = 10000;
    clock_init(&c, now_hook, NULL);
    clock_start(&c);
    assert_int_equal(clock_ms_to_next_tick(&c), 1000);
    fake_now = 10250;
    assert_int_equal(clock_ms_to_next_tick(&c), 750);
    fake_now = 11999;
    assert_int_equal(clock_ms_to_next_tick(&c), 1);
    fake_now = 9000; /* a clock that went backwards still gives a sane wait */
    assert_true(clock_ms_to_next_tick(&c) > 0 && clock_ms_to_next_tick(&c) <= 1000);
    assert_int_equal(clock_elapsed_s(&c), 0);
}

static void clock__format_uses_mm_ss_then_h_mm_ss(void **state)
{
    char b[16];

    assert_string_equal(clock_format(0, b, sizeof(b)), "00:00");
    assert_string_equal(clock_format(-5, b, sizeof(b)), "00:00");
    assert_string_equal(clock_format(59, b, sizeof(b)), "00:59");
    assert_string_equal(clock_format(61, b, sizeof(b)), "01:01");
    assert_string_equal(clock_format(3599, b, sizeof(b)), "59:59");
    assert_string_equal(clock_format(3600, b, sizeof(b)), "1:00:00");
    assert_string_equal(clock_format(36061, b, sizeof(b)), "10:01:01");
    assert_string_equal(clock_format(3600, b, 4), "1:0"); /* truncated, still terminated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clock__stopped_timer_reports_nothing),
        cmocka_unit_test(clock__default_hook_is_monotonic),
        cmocka_unit_test(clock__elapsed_counts_whole_seconds_from_the_start),
        cmocka_unit_test(clock__stop_returns_elapsed_seconds_and_stops),
        cmocka_unit_test(clock__tick_fires_once_per_displayed_second),
        cmocka_unit_test(clock__next_tick_is_at_the_next_second_boundary),
        cmocka_unit_test(clock__format_uses_mm_ss_then_h_mm_ss),
    };
    return RUN_TAP(tests);
}
