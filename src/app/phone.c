/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the softphone's call state machine (see phone.h). Why these rules: the timer
 * shows the ringing time until the answer, then the talk time, because Duration is the length
 * of the conversation; a call closed before it was established was not answered by anyone,
 * so Answered and Human are both no and Duration is 0. */
#include "config.h"
#include "app/phone.h"

#include <string.h>

static long long now_ms(const struct phone *p)
{
    return p->now(p->now_ud);
}

void phone_init(struct phone *p, clock_now_fn now, void *ud)
{
    memset(p, 0, sizeof(*p));
    p->now = now ? now : clock_monotonic_ms;
    p->now_ud = ud;
    p->state = PHONE_IDLE;
    p->end_answered = -1;
}

bool phone_is_number(const char *s)
{
    size_t n = 0;

    if (!s || !*s)
        return false;
    for (; s[n]; n++) {
        char c = s[n];
        bool is_ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     strchr("+*#._-", c);
        if (!is_ok || n >= PHONE_NUMBER_MAX)
            return false;
    }
    return true;
}

static void copy_number(char *dst, const char *src)
{
    dst[0] = '\0';
    if (src)
        strcpy(dst, src); /* checked by phone_is_number: at most PHONE_NUMBER_MAX */
}

static void clear_out(const struct phone *p, struct phone_actions *out)
{
    memset(out, 0, sizeof(*out));
    out->to = p->to;
    out->from = p->from;
}

/* What the form shows of the call as it stands: the whole of it, for a form that was just
 * made fresh for it. */
static void describe(const struct phone *p, struct phone_actions *out)
{
    out->what |= PHONE_ACT_FRESH | PHONE_ACT_FILL;
    switch (p->state) {
    case PHONE_RINGING:
        out->what |= PHONE_ACT_TIMER_START;
        out->timer_start_ms = p->start_ms;
        break;
    case PHONE_IN_CALL:
        out->what |= PHONE_ACT_ANSWERED | PHONE_ACT_TIMER_START;
        out->timer_start_ms = p->answer_ms;
        break;
    case PHONE_ENDED:
        out->what |= PHONE_ACT_DURATION | PHONE_ACT_FOCUS_DISPOSITION;
        out->duration_s = p->end_s;
        if (p->end_answered == 1)
            out->what |= PHONE_ACT_ANSWERED;
        else if (p->end_answered == 0)
            out->what |= PHONE_ACT_UNANSWERED;
        break;
    case PHONE_IDLE:
        break;
    }
}

/* A new call (or a whole call reported at its end) takes the form, asking first when the
 * form holds work that would be lost. */
static void take_form(struct phone *p, bool has_unsent, struct phone_actions *out)
{
    p->is_detached = false;
    if (has_unsent) {
        p->is_asking = true;
        out->what = PHONE_ACT_ASK;
        return;
    }
    p->is_asking = false;
    describe(p, out);
}

static bool is_form_ours(const struct phone *p)
{
    return !p->is_asking && !p->is_detached;
}

static long long secs_since(const struct phone *p, long long since_ms)
{
    long long ms = now_ms(p) - since_ms;

    return ms > 0 ? ms / 1000 : 0;
}

static void end_call(struct phone *p, long long secs, int answered, struct phone_actions *out)
{
    p->state = PHONE_ENDED;
    p->end_s = secs;
    p->end_answered = answered;
    if (!is_form_ours(p))
        return;
    out->what |= PHONE_ACT_TIMER_STOP | PHONE_ACT_DURATION | PHONE_ACT_FOCUS_DISPOSITION;
    out->duration_s = secs;
    if (answered == 0)
        out->what |= PHONE_ACT_UNANSWERED;
}

static bool on_end(struct phone *p, const struct phone_event *ev, bool has_unsent,
                   struct phone_actions *out)
{
    long long secs;

    if (p->state == PHONE_IN_CALL) {
        secs = ev->duration_s >= 0 ? ev->duration_s : secs_since(p, p->answer_ms);
        end_call(p, secs, 1, out);
        return true;
    }
    if (p->state == PHONE_RINGING) {
        /* a dialer that never said "answered": its word at the end decides */
        if (ev->answered == 0)
            secs = ev->duration_s >= 0 ? ev->duration_s : 0;
        else
            secs = ev->duration_s >= 0 ? ev->duration_s : secs_since(p, p->start_ms);
        end_call(p, secs, ev->answered, out);
        if (ev->answered == 1 && is_form_ours(p))
            out->what |= PHONE_ACT_ANSWERED;
        return true;
    }
    if (!ev->to)
        return false; /* no call to end */
    /* a whole call told at its end */
    copy_number(p->to, ev->to);
    copy_number(p->from, ev->from);
    secs = ev->duration_s >= 0 ? ev->duration_s : 0;
    p->start_ms = now_ms(p) - secs * 1000;
    p->answer_ms = 0;
    p->state = PHONE_ENDED;
    p->end_s = secs;
    p->end_answered = ev->answered;
    take_form(p, has_unsent, out);
    return true;
}

bool phone_feed(struct phone *p, const struct phone_event *ev, bool has_unsent,
                struct phone_actions *out)
{
    clear_out(p, out);
    if ((ev->to && !phone_is_number(ev->to)) || (ev->from && !phone_is_number(ev->from)))
        return false;
    switch (ev->kind) {
    case PHONE_EV_START:
        copy_number(p->to, ev->to);
        copy_number(p->from, ev->from);
        p->state = PHONE_RINGING;
        p->start_ms = now_ms(p);
        p->answer_ms = 0;
        p->end_s = 0;
        p->end_answered = -1;
        take_form(p, has_unsent, out);
        return true;
    case PHONE_EV_ANSWERED:
        if (p->state == PHONE_IN_CALL)
            return true; /* said twice */
        if (p->state != PHONE_RINGING)
            return false;
        p->state = PHONE_IN_CALL;
        p->answer_ms = now_ms(p);
        if (is_form_ours(p)) {
            out->what = PHONE_ACT_ANSWERED | PHONE_ACT_TIMER_START;
            out->timer_start_ms = p->answer_ms;
        }
        return true;
    case PHONE_EV_END:
        return on_end(p, ev, has_unsent, out);
    case PHONE_EV_UNANSWERED:
        if (p->state == PHONE_IN_CALL) /* it was established after all */
            return on_end(p, &(struct phone_event){.kind = PHONE_EV_END, .duration_s = -1,
                                                   .answered = -1},
                          has_unsent, out);
        if (p->state != PHONE_RINGING)
            return false;
        end_call(p, 0, 0, out);
        return true;
    }
    return false;
}

void phone_answer(struct phone *p, bool is_replace, struct phone_actions *out)
{
    clear_out(p, out);
    if (!p->is_asking)
        return;
    p->is_asking = false;
    if (!is_replace) {
        p->is_detached = true;
        return;
    }
    describe(p, out);
}

const char *phone_state_name(enum phone_state s)
{
    switch (s) {
    case PHONE_RINGING:
        return "ringing";
    case PHONE_IN_CALL:
        return "in call";
    case PHONE_ENDED:
        return "ended";
    case PHONE_IDLE:
        break;
    }
    return "idle";
}

long long phone_elapsed_s(const struct phone *p)
{
    switch (p->state) {
    case PHONE_RINGING:
        return secs_since(p, p->start_ms);
    case PHONE_IN_CALL:
        return secs_since(p, p->answer_ms);
    case PHONE_ENDED:
        return p->end_s;
    case PHONE_IDLE:
        break;
    }
    return 0;
}
