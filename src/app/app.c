/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the form's controller: app_handle() (every request a view makes), the questions
 * and their answers, the screens, the timer and the ticks. Lists, drafts and the submit are
 * in lists.c, drafts.c and submit.c. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"
#include "app/softphone.h"
#include "app/flow.h"
#include "app/worklist.h"
#include "core/baseurl.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "net/http.h"
#include "store/outbox.h"

#define SPIN_MS 150
#define APP_HISTORY_MAX_ROWS 1000 /* the history screen lists the newest this many calls */

void app_dirty(struct app *a)
{
    a->is_dirty = true;
}

void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
{
    va_list ap;

    free(a->message);
    a->message = NULL;
    if (fmt) {
        char *raw;

        va_start(ap, fmt);
        raw = xvasprintf(fmt, ap);
        va_end(ap);
        /* whatever it quotes (the server, a file name, the user's own input) is drawn inert */
        a->message = sanitize_line(raw);
        free(raw);
    }
    a->msg_kind = kind;
    a->is_msg_on_marks = false;
    app_dirty(a);
}

void app_clear_message(struct app *a)
{
    free(a->message);
    a->message = NULL;
    a->is_msg_on_marks = false;
    app_dirty(a);
}

const char *app_spinner(const struct app *a)
{
    static const char *const frames[] = {"|", "/", "-", "\\"};
    return frames[a->spin % ARRAY_LEN(frames)];
}

static bool is_busy(const struct app *a)
{
    for (int k = 0; k < PICK_KIND_COUNT; k++)
        if (a->loads[k].state == LOAD_RUNNING)
            return true;
    return a->is_sending || a->resolve.state == LOAD_RUNNING;
}

void app_note_outcome(struct app *a, const struct api_result *res)
{
    enum conn_state was = a->conn;

    switch (res->outcome) {
    case HTTP_OUT_OK:
    case HTTP_OUT_CLIENT_ERROR:
    case HTTP_OUT_RATE_LIMITED:
    case HTTP_OUT_SERVER_ERROR:
    case HTTP_OUT_OTHER_STATUS:
    case HTTP_OUT_TOO_LARGE:
        a->conn = CONN_ONLINE;
        break;
    case HTTP_OUT_AUTH:
        a->conn = CONN_AUTH_FAILED;
        break;
    case HTTP_OUT_TIMEOUT:
    case HTTP_OUT_CONNECT:
    case HTTP_OUT_TRANSPORT:
        a->conn = CONN_OFFLINE;
        break;
    case HTTP_OUT_CANCELLED:
        break;
    }
    if (was == CONN_OFFLINE && a->conn == CONN_ONLINE)
        a->is_reload_due = true; /* not from inside this callback: app_tick starts them */
}

void app_focus(struct app *a, enum field_id f)
{
    if (a->form.focus == FIELD_DURATION && f != FIELD_DURATION && !a->is_logged)
        flow_normalise_duration(a); /* "1:35" reads back as 95 s once the rep moves on */
    form_focus(&a->form, f);
    app_dirty(a);
}

bool app_is_editing_text(const struct app *a)
{
    /* a logged call is read-only: focus only shows where you are */
    return a->view == VIEW_FORM && !a->is_logged && form_kind(a->form.focus) == FORM_KIND_TEXT;
}

void app_set_value(struct app *a, enum field_id f, const char *value)
{
    form_set(&a->form, f, value);
    app_dirty(a);
}

static void open_picker(struct app *a, enum field_id f)
{
    enum pick_kind k = lists_kind_of(f);

    if (form_kind(f) != FORM_KIND_PICK || a->is_logged)
        return;
    if (a->loads[k].state == LOAD_IDLE || a->loads[k].state == LOAD_FAILED) {
        if (k == PICK_TASK)
            lists_start_tasks(a, true);
        else
            lists_retry(a, k);
    }
    form_focus(&a->form, f);
    a->pick = k;
    a->view = VIEW_PICKER;
    app_dirty(a);
}

void app_close_overlay(struct app *a)
{
    if (a->view == VIEW_HISTORY) {
        store_rows_done(&a->history);
        a->history_gen++;
    }
    a->view = VIEW_FORM; /* focus stays on the field the picker was for */
    app_dirty(a);
}

/* Put a question in the message area, which only the form shows. text (may be NULL for the
 * kinds with a fixed question) is copied. */
void app_ask_with(struct app *a, enum ask_kind k, const char *text)
{
    app_close_overlay(a);
    str_set(&a->ask_text, text);
    a->ask = k;
    app_dirty(a);
}

void app_ask(struct app *a, enum ask_kind k)
{
    app_ask_with(a, k, NULL);
}

static void timer_start(struct app *a)
{
    clock_start(&a->clock);
    a->timer_wall_start = store_now_ms();
    drafts_save_now(a); /* a crash from here on still knows when the call began */
    app_message(a, MSG_INFO, "Timer started."); /* the Duration row says how to stop it */
}

void app_toggle_timer(struct app *a)
{
    if (a->is_logged) {
        submit_refuse_logged(a);
        return;
    }
    if (a->clock.is_running) {
        long long secs = clock_stop(&a->clock);
        char buf[32];
        a->timer_wall_start = 0;
        snprintf(buf, sizeof(buf), "%lld", secs);
        app_set_value(a, FIELD_DURATION, buf);
        /* the call is over: the next question is whether it was answered */
        if (a->view == VIEW_FORM && a->form.focus <= FIELD_DURATION &&
            form_bool(&a->form, FIELD_ANSWERED) < 0)
            app_focus(a, FIELD_ANSWERED);
        drafts_save_now(a);
        app_message(a, MSG_INFO, "Timer stopped: Duration is %lld s.", secs);
        return;
    }
    if (!str_blank(form_value(&a->form, FIELD_DURATION))) {
        app_ask(a, ASK_TIMER_REPLACE);
        return;
    }
    timer_start(a);
}

/* A fresh form in a new draft slot: From and User stay. */
void app_fresh_form(struct app *a)
{
    if (a->clock.is_running)
        clock_stop(&a->clock);
    a->timer_wall_start = 0;
    form_new_call(&a->form);
    a->is_odd_human_confirmed = false;
    flow_mark_fresh(a);
    call_record_done(&a->result);
    free(a->result_disposition);
    a->result_disposition = NULL;
    a->is_outcome_unknown = false;
    a->retry_at_ms = 0;
    drafts_set_stored(a, 0);
    submit_clear_logged(a);
    drafts_next_slot(a);
    a->view = VIEW_FORM;
    app_focus(a, a->form.focus);
}

static void app_new_call(struct app *a)
{
    app_fresh_form(a);
    app_message(a, MSG_OK, "Call logged. Ready for the next one.");
}

static void app_next_call(struct app *a)
{
    bool is_stored;

    if (a->is_sending) {
        app_message(a, MSG_INFO, "Wait until this call is sent.");
        return;
    }
    if (app_has_unsaved(a)) {
        app_ask(a, ASK_NEW_CALL);
        return;
    }
    is_stored = a->outbox_id != 0;
    app_fresh_form(a);
    app_message(a, MSG_OK, "%s",
                is_stored ? "Ready for the next call; the last one waits in the "
                            "outbox."
                          : "Ready for the next call.");
}

/* Read the stored calls for the history screen; false (and a message) when it cannot. */
static bool read_history(struct app *a)
{
    struct store_rows rows;
    char *err = NULL;

    if (!store_list(a->store, false, APP_HISTORY_MAX_ROWS, &rows, &err)) {
        char *clean = sanitize_line(err ? err : "unknown error");
        app_message(a, MSG_ERROR, "Cannot read the history: %s", clean);
        free(clean);
        free(err);
        return false;
    }
    store_rows_done(&a->history);
    a->history = rows;
    a->history_gen++;
    return true;
}

static void open_history(struct app *a)
{
    if (!a->store) {
        app_message(a, MSG_WARN, "No history: the local store is not available (%s).",
                    a->store_error ? a->store_error : "unknown error");
        return;
    }
    if (!read_history(a))
        return;
    a->view = VIEW_HISTORY;
    app_dirty(a);
}

void app_reload_history(struct app *a)
{
    if (a->view == VIEW_HISTORY)
        read_history(a);
}

void app_quit_now(struct app *a, int code)
{
    a->is_done = true;
    a->exit_code = code;
}

/* Quit keeping the form's call as a draft, offered when amplecall next starts. */
static void quit_keeping(struct app *a)
{
    if (app_has_unsaved(a) && a->store) {
        drafts_save_now(a);
        a->is_draft_kept = true;
    }
    app_quit_now(a, 0);
}

static void app_request_quit(struct app *a)
{
    if (!a->is_sending && app_has_unsaved(a) && flow_is_form_blank(a)) {
        drafts_discard(a); /* back to empty: nothing to keep, nothing to ask */
        app_quit_now(a, 0);
        return;
    }
    if (!a->is_sending && app_has_unsaved(a) && a->store) {
        app_ask_with(a, ASK_QUIT_KEEP,
                     "Quit: Enter keeps the call as a draft, d discards it, Esc cancels ");
        return;
    }
    if (app_has_unsaved(a) || a->is_sending) {
        app_ask(a, ASK_QUIT);
        return;
    }
    app_quit_now(a, 0);
}

static void answer_quit_keep(struct app *a, char ch)
{
    a->ask = ASK_NONE;
    free(a->ask_text);
    a->ask_text = NULL;
    app_dirty(a);
    if (ch == 'k') {
        quit_keeping(a);
    } else if (ch == 'd') {
        drafts_discard(a);
        app_quit_now(a, 0);
    }
}

static void answer(struct app *a, bool is_yes)
{
    enum ask_kind k = a->ask;

    a->ask = ASK_NONE;
    free(a->ask_text);
    a->ask_text = NULL;
    app_dirty(a);
    if (k == ASK_PHONE_CALL) {
        softphone_answer(a, is_yes);
        return;
    }
    if (!is_yes)
        return;
    switch (k) {
    case ASK_QUIT:
        if (app_has_unsaved(a))
            drafts_discard(a); /* "lose the call": the rep said so */
        app_quit_now(a, 0);
        break;
    case ASK_TIMER_REPLACE:
        timer_start(a);
        break;
    case ASK_RESEND:
        submit_send(a);
        break;
    case ASK_NEW_CALL:
        drafts_discard(a);
        app_fresh_form(a);
        app_message(a, MSG_INFO, "Call discarded. Ready for the next one.");
        break;
    case ASK_SEND_ANOTHER:
        /* the earlier values keep their own draft slot until they are delivered */
        drafts_set_stored(a, 0);
        drafts_next_slot(a);
        submit_send(a);
        break;
    case ASK_REOPEN:
        drafts_discard(a);
        submit_reopen_now(a, a->ask_id);
        break;
    case ASK_LOG_AGAIN:
        /* the same values as a separate call: a new outbox row in a draft slot of its own */
        submit_clear_logged(a);
        a->form.is_modified = true;
        drafts_next_slot(a);
        app_focus(a, a->form.focus);
        submit_call(a);
        break;
    default:
        break;
    }
}

unsigned app_tick(struct app *a)
{
    long long now = clock_now(&a->clock);

    if (clock_tick(&a->clock))
        a->is_timer_dirty = true;
    if (is_busy(a) && now >= a->spin_next_ms) {
        a->spin++;
        a->spin_next_ms = now + SPIN_MS;
        app_dirty(a);
    }
    if (a->retry_at_ms) {
        long long left = (a->retry_at_ms - now + 999) / 1000;
        if (left <= 0) {
            a->retry_at_ms = 0;
            app_message(a, MSG_INFO, "You can send again now (F10).%s",
                        a->outbox_id ? " The outbox also sends it by itself; F7 starts the next "
                                       "call."
                                     : "");
        } else if (left != a->shown_retry_s) {
            a->shown_retry_s = left;
            if (a->outbox_id)
                app_message(a, MSG_WARN,
                            "Too many requests (HTTP 429): you can send again in %lld s. It is "
                            "queued in the outbox as #%lld, which sends it then; F7 starts the "
                            "next call.",
                            left, a->outbox_id);
            else
                app_message(a, MSG_WARN,
                            "Too many requests (HTTP 429): you can send again in %lld s. Your "
                            "entries are kept.",
                            left);
        }
    }
    if (a->outbox)
        outbox_tick(a->outbox);
    {
        long long in = worklist_retry_in_s(a); /* the status bar's "retry 3 in 40 s" */
        if (in != a->shown_retry_in) {
            a->shown_retry_in = in;
            app_dirty(a);
        }
    }
    if (a->is_draft_dirty && now >= a->draft_due_ms)
        drafts_save_now(a);
    if (a->store && now >= a->count_due_ms)
        app_refresh_count(a);
    if (a->is_reload_due) {
        a->is_reload_due = false;
        lists_retry_failed(a);
    }
    return (a->is_dirty || a->is_timer_dirty ? APP_REPAINT : 0) | (a->is_done ? APP_QUIT : 0);
}

static int min_timeout(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

int app_timeout_ms(const struct app *a)
{
    long long now = clock_now(&a->clock);
    int t = clock_ms_to_next_tick(&a->clock);

    if (is_busy(a))
        t = min_timeout(t, (int)(a->spin_next_ms > now ? a->spin_next_ms - now : 0));
    if (a->retry_at_ms) {
        long long ms = (a->retry_at_ms - now) % 1000;
        t = min_timeout(t, (int)(ms <= 0 ? 1000 + ms : ms));
    }
    if (a->is_draft_dirty)
        t = min_timeout(t, (int)(a->draft_due_ms > now ? a->draft_due_ms - now : 0));
    if (a->store)
        t = min_timeout(t, (int)(a->count_due_ms > now ? a->count_due_ms - now : 0));
    if (worklist_retry_in_s(a) > 0)
        t = min_timeout(t, 1000 - (int)(store_now_ms() % 1000)); /* the countdown's next second */
    if (a->outbox) {
        long ms = outbox_ms_to_next_tick(a->outbox);
        if (ms >= 0)
            t = min_timeout(t, ms > INT_MAX ? INT_MAX : (int)ms);
    }
    return t;
}

/* Runs after every value change (typing, toggles, picks, a fresh call): the draft follows. */
static void on_form_change(struct form *f, enum field_id field, void *ud)
{
    struct app *a = ud;

    (void)field;
    if (a->is_msg_on_marks && !form_has_errors(f))
        app_clear_message(a);
    drafts_changed(a);
    app_dirty(a);
}

/* The store, the outbox on the form's connection and this session's draft slot. Without a
 * store the form still works; it says why and sends directly. */
static void open_store(struct app *a)
{
    struct outbox_options opt;
    char *err = NULL, *clean;

    a->outbox_count = -1;
    a->review_count = -1;
    a->store = store_open(NULL, &err);
    if (!a->store) {
        clean = sanitize_line(err ? err : "unknown error");
        a->store_error = clean;
        free(err);
        return;
    }
    memset(&opt, 0, sizeof(opt));
    outbox_options_from_env(&opt);
    a->outbox = outbox_new(a->store, a->api, &opt);
    outbox_set_listener(a->outbox, submit_on_outbox_event, a);
    drafts_session_init(a);
}

void app_done(struct app *a)
{
    /* attempts still in flight become unknown (resolved by lookup next time); before api */
    outbox_free(a->outbox);
    store_close(a->store);
    store_rows_done(&a->history);
    free(a->store_error);
    free(a->api_base_key);
    free(a->host_label);
    free(a->session);
    free(a->draft_slot);
    free(a->offer_slot);
    free(a->outbox_json);
    free(a->ask_text);
    free(a->fresh_from);
    free(a->pending_task);
    free(a->last_dispo[0]);
    free(a->last_dispo[1]);
    for (size_t i = 0; i < a->n_worked; i++)
        free(a->worked[i]);
    free(a->worked);
    form_done(&a->form);
    disposition_list_done(&a->dispositions);
    task_list_done(&a->tasks);
    user_list_done(&a->users);
    lists_cancel_all(a);
    free(a->tasks_user);
    free(a->message);
    free(a->result_disposition);
    free(a->logged_id);
    free(a->logged_hint);
    call_record_done(&a->result);
    api_free(a->api);
    settings_done(&a->settings);
}

bool app_take_dirty(struct app *a, bool *is_timer_only)
{
    bool any = a->is_dirty || a->is_timer_dirty;

    *is_timer_only = !a->is_dirty && a->is_timer_dirty;
    a->is_dirty = false;
    a->is_timer_dirty = false;
    return any;
}

void app_init(struct app *a)
{
    memset(a, 0, sizeof(*a));
    settings_init(&a->settings);
    form_init(&a->form);
    form_set_change_hook(&a->form, on_form_change, a);
    clock_init(&a->clock, NULL, NULL);
    a->view = VIEW_FORM;
    a->outbox_count = -1;
    a->review_count = -1;
    a->today_count = -1;
    a->is_dirty = true;
}

/* A list load waits out a 429: the rep sees why the list is slow ("tasks: rate limited,
 * retrying in 3 s"); the load resumes from the page it was on. */
static void on_api_progress(const struct api_progress *p, void *ud)
{
    struct app *a = ud;

    app_message(a, MSG_WARN, "%s: %s", p->what ? p->what : "list", p->message ? p->message : "");
}

void app_start(struct app *a)
{
    api_set_progress(a->api, on_api_progress, a);
    a->api_base_key = baseurl_normalise(http_client_base_url(api_http(a->api)));
    open_store(a);
    lists_start_all(a);
    app_focus(a, *form_value(&a->form, FIELD_FROM) ? FIELD_TO : FIELD_FROM);
    if (a->store_error)
        app_message(a, MSG_WARN,
                    "The local store is not available (%s): no drafts, outbox or history; "
                    "calls are sent directly.",
                    a->store_error);
    flow_mark_fresh(a);
    drafts_offer(a);
    app_refresh_count(a);
    app_dirty(a);
}

void app_finish(struct app *a)
{
    if (a->is_draft_dirty)
        drafts_save_now(a); /* quitting, SIGTERM or a hang-up: what was typed is kept */
    if (a->outbox)
        outbox_set_listener(a->outbox, NULL, NULL);
    app_refresh_count(a);
}

/* The answer to the question being asked. */
static void handle_answer(struct app *a, char ch)
{
    if (a->ask == ASK_RESUME)
        drafts_answer_resume(a, ch);
    else if (a->ask == ASK_QUIT_KEEP)
        answer_quit_keep(a, ch);
    else if (a->ask == ASK_ODD_HUMAN) {
        a->ask = ASK_NONE;
        flow_answer_odd_human(a, ch == 'y');
    } else if (a->ask != ASK_NONE)
        answer(a, ch == 'y');
}

/* The editor came back with text for field f, or failed. */
static void handle_edited(struct app *a, const struct app_req *r)
{
    if (r->error) {
        app_message(a, MSG_ERROR, "%s", r->error);
        return;
    }
    app_set_value(a, r->field, r->text);
    app_message(a, MSG_INFO, "%s updated from the editor.", field_label(r->field));
}

unsigned app_handle(struct app *a, const struct app_req *r)
{
    switch (r->kind) {
    case REQ_NONE:
        break;
    case REQ_FOCUS:
        app_focus(a, r->field);
        break;
    case REQ_FOCUS_NEXT:
        app_focus(a, (enum field_id)((a->form.focus + 1) % FIELD_COUNT));
        break;
    case REQ_FOCUS_PREV:
        app_focus(a, (enum field_id)((a->form.focus + FIELD_COUNT - 1) % FIELD_COUNT));
        break;
    case REQ_SET:
        if (a->is_logged)
            submit_refuse_logged(a);
        else {
            app_set_value(a, r->field, r->text);
            if (r->is_moving_on)
                flow_after_bool(a, r->field);
        }
        break;
    case REQ_TOGGLE:
        if (a->is_logged) {
            submit_refuse_logged(a);
        } else {
            form_toggle(&a->form, r->field);
            flow_after_toggle(a, r->field);
        }
        break;
    case REQ_OPEN_PICKER:
        open_picker(a, r->field);
        break;
    case REQ_CHOOSE:
        if (r->text)
            lists_choose(a, r->pick, r->text);
        break;
    case REQ_CLOSE:
        app_close_overlay(a);
        break;
    case REQ_RETRY_LOAD:
        lists_retry(a, r->pick);
        break;
    case REQ_TIMER:
        app_toggle_timer(a);
        break;
    case REQ_SUBMIT:
        submit_call(a);
        break;
    case REQ_QUIT:
        app_request_quit(a);
        break;
    case REQ_QUIT_NOW:
        app_quit_now(a, (int)r->id);
        break;
    case REQ_NEW_CALL:
        app_new_call(a);
        break;
    case REQ_NEXT_CALL:
        app_next_call(a);
        break;
    case REQ_NEXT_TASK:
        worklist_start_next(a);
        break;
    case REQ_HELP:
        if (a->view == VIEW_HELP)
            a->view = VIEW_FORM;
        else if (a->view == VIEW_FORM)
            a->view = VIEW_HELP;
        break;
    case REQ_HISTORY:
        if (a->view == VIEW_HISTORY)
            app_close_overlay(a);
        else
            open_history(a);
        break;
    case REQ_REOPEN:
        submit_reopen(a, r->id);
        break;
    case REQ_ANSWER:
        handle_answer(a, r->ch);
        break;
    case REQ_EDITED:
        if (a->is_logged)
            submit_refuse_logged(a);
        else
            handle_edited(a, r);
        break;
    case REQ_REFUSE:
        submit_refuse_logged(a);
        break;
    case REQ_MESSAGE:
        app_message(a, r->msg, "%s", r->text ? r->text : "");
        break;
    case REQ_EDITOR:
    case REQ_REDRAW:
        break;
    }
    app_dirty(a);
    return APP_REPAINT | (a->is_done ? APP_QUIT : 0);
}
