/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_PHONE_H
#define AMPLECALL_PHONE_H
/* App layer: the softphone's call as a small state machine (idle, ringing, in call, ended),
 * fed by events from the control socket or baresip, turned into actions on the form (fill
 * To/From, start the timer, Answered = yes, stop the timer and fill Duration, ...). Pure: time
 * comes from a now() hook, nothing here touches the form, a terminal or the network, so the
 * unit tests drive it directly. */
#include <stdbool.h>

#include "core/clock.h"

enum phone_state { PHONE_IDLE = 0, PHONE_RINGING, PHONE_IN_CALL, PHONE_ENDED };

enum phone_event_kind {
    PHONE_EV_START,       /* a call starts (dialled or ringing in): .to, .from may be set */
    PHONE_EV_ANSWERED,    /* the other side picked up */
    PHONE_EV_END,         /* the call ended; .duration_s >= 0 overrides the measured time,
                             .answered 1/0 says so when nothing said it before; with no call
                             started, .to makes it a whole call reported at its end */
    PHONE_EV_UNANSWERED,  /* closed without ever being established */
};

/* Longest number kept (a phone number, or a SIP user part). */
#define PHONE_NUMBER_MAX 64

struct phone_event {
    enum phone_event_kind kind;
    const char *to;        /* borrowed, NULL = not given */
    const char *from;      /* borrowed, NULL = not given */
    long long duration_s;  /* -1 = measure it */
    int answered;          /* -1 unknown, 0, 1 (END only) */
};

/* What the form should do, as bits of .what. */
enum {
    PHONE_ACT_ASK = 1 << 0,         /* the form holds unsent work: ask before replacing it */
    PHONE_ACT_FRESH = 1 << 1,       /* start a fresh form (the old one is discarded/sent) */
    PHONE_ACT_FILL = 1 << 2,        /* To = .to (and From = .from when not empty) */
    PHONE_ACT_TIMER_START = 1 << 3, /* the timer runs from .timer_start_ms (now() clock) */
    PHONE_ACT_ANSWERED = 1 << 4,    /* Answered = yes */
    PHONE_ACT_TIMER_STOP = 1 << 5,  /* stop the timer */
    PHONE_ACT_DURATION = 1 << 6,    /* Duration = .duration_s */
    PHONE_ACT_UNANSWERED = 1 << 7,  /* Answered = no, Human = no */
    PHONE_ACT_FOCUS_DISPOSITION = 1 << 8,
};

struct phone_actions {
    unsigned what;
    const char *to;   /* borrowed from the phone, "" = none */
    const char *from; /* borrowed from the phone, "" = none */
    long long timer_start_ms;
    long long duration_s;
};

struct phone {
    enum phone_state state;
    clock_now_fn now; /* borrowed hook */
    void *now_ud;
    long long start_ms;  /* now() at call start */
    long long answer_ms; /* now() when answered, 0 = not answered */
    long long end_s;     /* the ended call's duration */
    int end_answered;    /* the ended call: 1 answered, 0 not, -1 nobody said */
    bool is_asking;      /* a call start waits for the rep: replace the unsent form? */
    bool is_detached;    /* the rep kept the form: this call leaves it alone */
    char to[PHONE_NUMBER_MAX + 1];
    char from[PHONE_NUMBER_MAX + 1];
};

/* now NULL selects clock_monotonic_ms. */
void phone_init(struct phone *p, clock_now_fn now, void *ud);

/* Feed one event. has_unsent: the form holds values a new call would replace (asked
 * first). Fills *out (what = 0: the form stays as it is). Returns false, with *out empty,
 * when the event does not fit the state (an answer with no call ringing) or carries a
 * number that is not one. */
bool phone_feed(struct phone *p, const struct phone_event *ev, bool has_unsent,
                struct phone_actions *out);

/* The rep answered PHONE_ACT_ASK: is_replace fills a fresh form with the call as it stands
 * now (ringing, in call or already ended); otherwise this call leaves the form alone. */
void phone_answer(struct phone *p, bool is_replace, struct phone_actions *out);

/* "idle", "ringing", "in call", "ended"; borrowed. */
const char *phone_state_name(enum phone_state s);
/* Whole seconds of the current call: since the answer in a call, since the start while
 * ringing, the ended call's duration once ended, 0 idle. */
long long phone_elapsed_s(const struct phone *p);
/* Whether s is usable as a number: 1..PHONE_NUMBER_MAX of digits, letters, + * # . _ - */
bool phone_is_number(const char *s);

#endif
