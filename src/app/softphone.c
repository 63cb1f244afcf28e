/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the control socket and baresip feeding the call state machine, and its actions
 * applied to the form (see softphone.h). The protocol on the control socket, one line each
 * way (values are numbers or seconds, so they never hold spaces):
 *   call-start to=NUM [from=NUM]      -> ok ringing to=NUM
 *   call-answered                     -> ok in-call
 *   call-end [duration=S] [answered=yes|no] [to=NUM] [from=NUM] -> ok ended duration=S
 *   status                            -> ok STATE [to=NUM] [elapsed=S] [baresip=up|...]
 * and "error MESSAGE" for anything else. */
#include "config.h"
#include "app/softphone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"
#include "app/phone.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "net/baresip.h"
#include "net/ctlsock.h"

struct softphone {
    struct app *app; /* borrowed */
    struct phone phone;
    struct ctlsock *ctl;  /* owned, NULL when it could not listen */
    struct baresip *bs;   /* owned, NULL without softphone = baresip */
    bool is_dialling;     /* the form asked baresip to dial: the next call is the form's own */
};

static bool has_unsent(const struct app *a)
{
    return app_has_unsaved(a) || a->is_sending;
}

static void timer_from(struct app *a, long long start_ms)
{
    long long now = clock_now(&a->clock);

    clock_start(&a->clock);
    a->clock.start_ms = start_ms;
    a->timer_wall_start = store_now_ms() - (now - start_ms);
    a->is_timer_dirty = true;
}

static void apply(struct softphone *s, const struct phone_actions *act)
{
    struct app *a = s->app;
    char buf[32];

    if (act->what & PHONE_ACT_ASK) {
        char *to = sanitize_line(*act->to ? act->to : "an unknown number");
        char *q = xasprintf("A call with %s started: discard the call you have not sent and "
                            "take this one? (y/n) ",
                            to);
        app_ask_with(a, ASK_PHONE_CALL, q);
        free(q);
        free(to);
        return;
    }
    if (act->what & PHONE_ACT_FRESH) {
        if (has_unsent(a))
            drafts_discard(a); /* the rep said so */
        app_fresh_form(a);
    } else if (a->is_logged) {
        return; /* sent during the call: the logged call is read-only */
    }
    if (act->what & PHONE_ACT_FILL) {
        if (*act->to)
            app_set_value(a, FIELD_TO, act->to);
        if (*act->from)
            app_set_value(a, FIELD_FROM, act->from);
    }
    if (act->what & PHONE_ACT_ANSWERED)
        app_set_value(a, FIELD_ANSWERED, "yes");
    if (act->what & PHONE_ACT_UNANSWERED) {
        app_set_value(a, FIELD_ANSWERED, "no");
        app_set_value(a, FIELD_HUMAN, "no");
    }
    if (act->what & PHONE_ACT_TIMER_START)
        timer_from(a, act->timer_start_ms);
    if (act->what & PHONE_ACT_TIMER_STOP) {
        if (a->clock.is_running)
            clock_stop(&a->clock);
        a->timer_wall_start = 0;
        a->is_timer_dirty = true;
    }
    if (act->what & PHONE_ACT_DURATION) {
        snprintf(buf, sizeof(buf), "%lld", act->duration_s);
        app_set_value(a, FIELD_DURATION, buf);
    }
    if (act->what & PHONE_ACT_FOCUS_DISPOSITION) {
        if (a->view == VIEW_PICKER)
            app_close_overlay(a);
        app_focus(a, FIELD_DISPOSITION);
    }
    if (act->what)
        drafts_save_now(a); /* a crash from here on still knows the call */
    if (act->what & PHONE_ACT_DURATION)
        app_message(a, MSG_INFO, "Call ended%s: Duration is %lld s. Choose the disposition.",
                    (act->what & PHONE_ACT_UNANSWERED) ? " unanswered" : "", act->duration_s);
    else if (act->what & PHONE_ACT_ANSWERED)
        app_message(a, MSG_INFO, "Call answered; the timer counts the conversation.");
    else if (act->what & PHONE_ACT_TIMER_START)
        app_message(a, MSG_INFO, "Call started; the phone stops the timer when it ends.");
    app_dirty(a);
}

static bool feed(struct softphone *s, const struct phone_event *ev)
{
    struct phone_actions act;

    if (!phone_feed(&s->phone, ev, has_unsent(s->app), &act))
        return false;
    apply(s, &act);
    return true;
}

void softphone_answer(struct app *a, bool is_yes)
{
    struct phone_actions act;

    if (!a->phone)
        return;
    phone_answer(&a->phone->phone, is_yes, &act);
    apply(a->phone, &act);
    if (!is_yes)
        app_message(a, MSG_INFO, "The form keeps your call; the phone's call is not logged.");
}

/* ---- baresip ------------------------------------------------------------------------------- */

static void on_baresip(const struct baresip_event *ev, void *ud)
{
    struct softphone *s = ud;
    char to[PHONE_NUMBER_MAX + 1] = "";

    switch (ev->kind) {
    case BARESIP_EV_LINK:
        if (ev->link != BARESIP_UP)
            s->is_dialling = false;
        app_dirty(s->app); /* the status bar says it; no message (baresip restarts happen) */
        break;
    case BARESIP_EV_START:
        if (phone_is_number(ev->number))
            snprintf(to, sizeof(to), "%s", ev->number);
        if (s->is_dialling && !ev->is_incoming) {
            /* dialled from the form: it is this form's call, nothing to ask or clear */
            struct phone_actions act;
            s->is_dialling = false;
            if (phone_feed(&s->phone,
                           &(struct phone_event){.kind = PHONE_EV_START, .to = *to ? to : NULL,
                                                 .duration_s = -1, .answered = -1},
                           false, &act)) {
                act.what &= ~(unsigned)PHONE_ACT_FRESH;
                apply(s, &act);
            }
            break;
        }
        feed(s, &(struct phone_event){.kind = PHONE_EV_START, .to = *to ? to : NULL,
                                      .duration_s = -1, .answered = -1});
        break;
    case BARESIP_EV_REFUSED: {
        char *clean = sanitize_line(*ev->number ? ev->number : "no reason given");
        s->is_dialling = false;
        app_message(s->app, MSG_WARN, "baresip refused: %.200s", clean);
        free(clean);
        break;
    }
    case BARESIP_EV_ANSWERED:
        feed(s, &(struct phone_event){.kind = PHONE_EV_ANSWERED, .duration_s = -1,
                                      .answered = -1});
        break;
    case BARESIP_EV_CLOSED:
        feed(s, &(struct phone_event){.kind = ev->was_established ? PHONE_EV_END
                                                                  : PHONE_EV_UNANSWERED,
                                      .duration_s = -1, .answered = -1});
        break;
    }
}

void softphone_dial(struct app *a)
{
    const char *to = form_value(&a->form, FIELD_TO);

    if (!a->phone || !a->phone->bs) {
        app_message(a, MSG_WARN, "No softphone to dial with: set softphone = baresip in the "
                                 "config.");
        return;
    }
    if (!phone_is_number(to)) {
        app_message(a, MSG_WARN, "Type the number to dial in To first.");
        return;
    }
    if (baresip_is_in_call(a->phone->bs)) {
        app_message(a, MSG_WARN, "baresip is in a call already; hang up first.");
        return;
    }
    if (!baresip_command(a->phone->bs, "dial", to)) {
        app_message(a, MSG_WARN, "baresip is not connected (%s).", a->settings.baresip_address);
        return;
    }
    a->phone->is_dialling = true;
    app_message(a, MSG_INFO, "Dialling %s ...", to);
}

void softphone_hangup(struct app *a)
{
    if (!a->phone || !a->phone->bs) {
        app_message(a, MSG_WARN, "No softphone to hang up: set softphone = baresip in the "
                                 "config.");
        return;
    }
    if (!baresip_command(a->phone->bs, "hangup", ""))
        app_message(a, MSG_WARN, "baresip is not connected (%s).", a->settings.baresip_address);
}

/* ---- the control socket ------------------------------------------------------------------- */

struct ctl_args {
    const char *to, *from;
    long long duration_s;
    int answered;
    char *error; /* owned */
};

/* Parse "key=value" words in place. */
static bool parse_args(char *rest, struct ctl_args *out)
{
    char *save = NULL;

    out->duration_s = -1;
    out->answered = -1;
    for (char *w = strtok_r(rest, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(w, '=');
        const char *v;
        if (!eq) {
            out->error = xasprintf("expected key=value, not '%.40s'", w);
            return false;
        }
        *eq = '\0';
        v = eq + 1;
        if (!strcmp(w, "to") || !strcmp(w, "from")) {
            if (!phone_is_number(v)) {
                out->error = xasprintf("%s is not a phone number: '%.70s'", w, v);
                return false;
            }
            if (!strcmp(w, "to"))
                out->to = v;
            else
                out->from = v;
        } else if (!strcmp(w, "duration")) {
            if (!str_to_nonneg(v, 24LL * 3600, &out->duration_s)) {
                out->error = xasprintf("duration must be whole seconds, not '%.40s'", v);
                return false;
            }
        } else if (!strcmp(w, "answered")) {
            out->answered = call_parse_bool(v);
            if (out->answered < 0) {
                out->error = xasprintf("answered must be yes or no, not '%.40s'", v);
                return false;
            }
        } else {
            out->error = xasprintf("unknown key '%.40s'", w);
            return false;
        }
    }
    return true;
}

static char *status_line(const struct softphone *s)
{
    const struct phone *p = &s->phone;
    char *to = *p->to ? xasprintf(" to=%s", p->to) : xstrdup("");
    const char *link = "";
    char *line;

    if (s->bs)
        link = baresip_link_state(s->bs) == BARESIP_UP           ? " baresip=up"
               : baresip_link_state(s->bs) == BARESIP_CONNECTING ? " baresip=connecting"
                                                                 : " baresip=down";
    line = xasprintf("ok %s%s %s=%lld%s%s",
                     p->state == PHONE_IN_CALL ? "in-call" : phone_state_name(p->state), to,
                     p->state == PHONE_ENDED ? "duration" : "elapsed", phone_elapsed_s(p), link,
                     s->app->ask == ASK_PHONE_CALL ? " asking" : "");
    free(to);
    return line;
}

char *softphone_request(struct softphone *s, const char *line)
{
    char *copy = xstrdup(line), *rest = copy + strcspn(copy, " \t");
    struct ctl_args args = {0};
    enum phone_event_kind kind;
    bool is_ok;
    char *reply;

    if (*rest)
        *rest++ = '\0';
    if (!strcmp(copy, "status")) {
        free(copy);
        return status_line(s);
    }
    if (!strcmp(copy, "call-start"))
        kind = PHONE_EV_START;
    else if (!strcmp(copy, "call-answered"))
        kind = PHONE_EV_ANSWERED;
    else if (!strcmp(copy, "call-end"))
        kind = PHONE_EV_END;
    else {
        char *clean = sanitize_line(copy);
        reply = xasprintf("error unknown request '%.40s'", clean);
        free(clean);
        free(copy);
        return reply;
    }
    if (!parse_args(rest, &args)) {
        char *clean = sanitize_line(args.error);
        reply = xasprintf("error %s", clean);
        free(clean);
        free(args.error);
        free(copy);
        return reply;
    }
    if (kind == PHONE_EV_START && !args.to) {
        free(copy);
        return xstrdup("error call-start needs to=NUMBER");
    }
    is_ok = feed(s, &(struct phone_event){.kind = kind, .to = args.to, .from = args.from,
                                          .duration_s = args.duration_s,
                                          .answered = kind == PHONE_EV_END ? args.answered : -1});
    free(copy);
    if (!is_ok)
        return xasprintf("error no call fits that: the phone is %s",
                         phone_state_name(s->phone.state));
    return status_line(s);
}

static char *on_ctl_line(const char *line, void *ud)
{
    return softphone_request(ud, line);
}

/* ---- life cycle ----------------------------------------------------------------------------- */

struct softphone *softphone_start(struct app *a)
{
    struct softphone *s = xcalloc(1, sizeof(*s));
    char *err = NULL, *path;

    s->app = a;
    phone_init(&s->phone, a->clock.now, a->clock.now_ud);
    path = ctlsock_path(&err);
    if (!path) {
        free(err); /* no runtime directory (a cron job, a bare ssh): no socket, said nowhere */
        err = NULL;
    } else {
        s->ctl = ctlsock_listen(path, a->clock.now, a->clock.now_ud, &err);
        free(path);
    }
    if (!s->ctl && err) {
        char *clean = sanitize_line(err ? err : "unknown error");
        app_message(a, MSG_WARN, "No control socket: %s", clean);
        free(clean);
        free(err);
        err = NULL;
    }
    if (a->settings.is_baresip) {
        s->bs = baresip_new(a->settings.baresip_address, on_baresip, s, a->clock.now,
                            a->clock.now_ud, &err);
        if (!s->bs) {
            char *clean = sanitize_line(err ? err : "unknown error");
            app_message(a, MSG_WARN, "No baresip: %s", clean);
            free(clean);
            free(err);
        }
    }
    a->phone = s;
    return s;
}

void softphone_free(struct softphone *s)
{
    if (!s)
        return;
    if (s->app && s->app->phone == s)
        s->app->phone = NULL;
    ctlsock_free(s->ctl);
    baresip_free(s->bs);
    free(s);
}

unsigned softphone_fds(const struct softphone *s, struct pollfd *out, unsigned max)
{
    unsigned n;

    if (!s)
        return 0;
    n = ctlsock_fds(s->ctl, out, max);
    return n + baresip_fds(s->bs, out + n, max - n);
}

static int min_ms(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int softphone_timeout_ms(const struct softphone *s)
{
    if (!s)
        return -1;
    return min_ms(ctlsock_timeout_ms(s->ctl), baresip_timeout_ms(s->bs));
}

void softphone_service(struct softphone *s)
{
    if (!s)
        return;
    ctlsock_service(s->ctl, on_ctl_line, s);
    baresip_service(s->bs);
}

char *softphone_status(const struct app *a)
{
    const struct softphone *s = a->phone;
    const char *link;

    if (!s || (!s->ctl && !s->bs))
        return NULL;
    if (!s->bs)
        return xasprintf("phone: %s", phone_state_name(s->phone.state));
    switch (baresip_link_state(s->bs)) {
    case BARESIP_UP:
        link = "";
        break;
    case BARESIP_CONNECTING:
        link = " (baresip connecting)";
        break;
    default:
        link = " (baresip down)";
        break;
    }
    return xasprintf("phone: %s%s", phone_state_name(s->phone.state), link);
}
