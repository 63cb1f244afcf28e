/* SPDX-License-Identifier: GPL-3.0-or-later */
/* phone.c: the softphone's call state machine, driven by events and a fake clock; no form,
 * no terminal, no network. */
#include "config.h"
#include "unit.h"

#include <string.h>

#include "app/phone.h"

static long long fake_ms;

static long long fake_now(void *ud)
{
    (void)ud;
    return fake_ms;
}

static struct phone make(void)
{
    struct phone p;

    fake_ms = 100000;
    phone_init(&p, fake_now, NULL);
    return p;
}

static struct phone_event ev(enum phone_event_kind k)
{
    return (struct phone_event){.kind = k, .duration_s = -1, .answered = -1};
}

static void phone__answered_call_fills_times_and_focuses(void **state)
{
    struct phone p = make();
    struct phone_event e = ev(PHONE_EV_START);
    struct phone_actions a;

    (void)state;
    e.to = "+15550100";
    e.from = "+15550199";
    assert_true(phone_feed(&p, &e, false, &a));
    assert_int_equal(p.state, PHONE_RINGING);
    assert_int_equal(a.what, PHONE_ACT_FRESH | PHONE_ACT_FILL | PHONE_ACT_TIMER_START);
    assert_string_equal(a.to, "+15550100");
    assert_string_equal(a.from, "+15550199");
    assert_int_equal(a.timer_start_ms, 100000);

    fake_ms += 3000; /* rings 3 s */
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_ANSWERED}, false, &a));
    assert_int_equal(p.state, PHONE_IN_CALL);
    assert_int_equal(a.what, PHONE_ACT_ANSWERED | PHONE_ACT_TIMER_START);
    assert_int_equal(a.timer_start_ms, 103000);

    fake_ms += 42700; /* talks 42.7 s: Duration is the talk time */
    assert_int_equal(phone_elapsed_s(&p), 42);
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_END, .duration_s = -1,
                                                    .answered = -1},
                           false, &a));
    assert_int_equal(p.state, PHONE_ENDED);
    assert_int_equal(a.what,
                     PHONE_ACT_TIMER_STOP | PHONE_ACT_DURATION | PHONE_ACT_FOCUS_DISPOSITION);
    assert_int_equal(a.duration_s, 42);
    assert_string_equal(phone_state_name(p.state), "ended");
}

static void phone__closed_unestablished_is_unanswered(void **state)
{
    struct phone p = make();
    struct phone_event e = ev(PHONE_EV_START);
    struct phone_actions a;

    (void)state;
    e.to = "+15550100";
    assert_true(phone_feed(&p, &e, false, &a));
    fake_ms += 9000;
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_UNANSWERED}, false, &a));
    assert_int_equal(a.what, PHONE_ACT_TIMER_STOP | PHONE_ACT_DURATION | PHONE_ACT_UNANSWERED |
                                 PHONE_ACT_FOCUS_DISPOSITION);
    assert_int_equal(a.duration_s, 0);
    assert_int_equal(p.state, PHONE_ENDED);
}

static void phone__duration_given_wins_and_end_answers(void **state)
{
    struct phone p = make();
    struct phone_event e = ev(PHONE_EV_START), end = ev(PHONE_EV_END);
    struct phone_actions a;

    (void)state;
    e.to = "5550100";
    assert_true(phone_feed(&p, &e, false, &a));
    fake_ms += 5000;
    end.duration_s = 77;
    end.answered = 1; /* a dialer that only reports at the end */
    assert_true(phone_feed(&p, &end, false, &a));
    assert_int_equal(a.duration_s, 77);
    assert_true(a.what & PHONE_ACT_ANSWERED);
    assert_false(a.what & PHONE_ACT_UNANSWERED);

    /* ringing then ended with answered = no: unanswered, Duration 0 */
    assert_true(phone_feed(&p, &e, false, &a));
    end = ev(PHONE_EV_END);
    end.answered = 0;
    fake_ms += 8000;
    assert_true(phone_feed(&p, &end, false, &a));
    assert_true(a.what & PHONE_ACT_UNANSWERED);
    assert_int_equal(a.duration_s, 0);
}

static void phone__events_out_of_order_are_refused(void **state)
{
    struct phone p = make();
    struct phone_actions a;
    struct phone_event e = ev(PHONE_EV_START);

    (void)state;
    assert_false(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_ANSWERED}, false, &a));
    assert_int_equal(a.what, 0);
    assert_false(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_END, .duration_s = -1},
                            false, &a));
    assert_false(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_UNANSWERED}, false, &a));
    assert_int_equal(p.state, PHONE_IDLE);
    e.to = "+1 555";                             /* not a number: spaces */
    assert_false(phone_feed(&p, &e, false, &a));
    e.to = "0123456789012345678901234567890123456789012345678901234567890123456789";
    assert_false(phone_feed(&p, &e, false, &a));
    assert_int_equal(p.state, PHONE_IDLE);
}

static void phone__unsent_form_is_asked_first(void **state)
{
    struct phone p = make();
    struct phone_event e = ev(PHONE_EV_START);
    struct phone_actions a;

    (void)state;
    e.to = "+15550100";
    assert_true(phone_feed(&p, &e, true, &a));
    assert_int_equal(a.what, PHONE_ACT_ASK);
    /* the call goes on while the question waits: nothing touches the form */
    fake_ms += 2000;
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_ANSWERED}, true, &a));
    assert_int_equal(a.what, 0);
    fake_ms += 4000;
    /* yes: the fresh form gets the call as it stands, the timer from the answer */
    phone_answer(&p, true, &a);
    assert_int_equal(a.what,
                     PHONE_ACT_FRESH | PHONE_ACT_FILL | PHONE_ACT_ANSWERED | PHONE_ACT_TIMER_START);
    assert_int_equal(a.timer_start_ms, 102000);
    assert_string_equal(a.to, "+15550100");
    fake_ms += 1000;
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_END, .duration_s = -1},
                           true, &a));
    assert_int_equal(a.duration_s, 5);

    /* no: the call leaves the form alone to its end */
    assert_true(phone_feed(&p, &e, true, &a));
    assert_int_equal(a.what, PHONE_ACT_ASK);
    phone_answer(&p, false, &a);
    assert_int_equal(a.what, 0);
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_ANSWERED}, false, &a));
    assert_int_equal(a.what, 0);
    assert_true(phone_feed(&p, &(struct phone_event){.kind = PHONE_EV_END, .duration_s = -1},
                           false, &a));
    assert_int_equal(a.what, 0);
    assert_int_equal(p.state, PHONE_ENDED);
}

static void phone__whole_call_at_its_end(void **state)
{
    struct phone p = make();
    struct phone_event e = ev(PHONE_EV_END);
    struct phone_actions a;

    (void)state;
    e.to = "+15550100";
    e.duration_s = 31;
    e.answered = 1;
    assert_true(phone_feed(&p, &e, false, &a));
    assert_int_equal(a.what, PHONE_ACT_FRESH | PHONE_ACT_FILL | PHONE_ACT_DURATION |
                                 PHONE_ACT_FOCUS_DISPOSITION | PHONE_ACT_ANSWERED);
    assert_int_equal(a.duration_s, 31);
    assert_int_equal(phone_elapsed_s(&p), 31);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(phone__answered_call_fills_times_and_focuses),
        cmocka_unit_test(phone__closed_unestablished_is_unanswered),
        cmocka_unit_test(phone__duration_given_wins_and_end_answers),
        cmocka_unit_test(phone__events_out_of_order_are_refused),
        cmocka_unit_test(phone__unsent_form_is_asked_first),
        cmocka_unit_test(phone__whole_call_at_its_end),
    };
    return RUN_TAP(tests);
}
