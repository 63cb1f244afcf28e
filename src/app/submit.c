/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: sending the form's call (through the outbox, or directly without a store) and
 * what came of it: the logged call, the marks of a rejection, an unknown outcome kept for a
 * look-up, the outbox's background outcomes, and reopening a rejected call. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"
#include "app/flow.h"
#include "app/worklist.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "core/validate.h"
#include "store/numbers.h"

#define COUNT_RECHECK_MS 5000 /* other processes may add to or send from the outbox */

/* Amplemarket has the form's call (remote_id from the server, may be NULL): it stays on
 * screen as sent, read-only, until the next call, so a reflex cannot send it twice. */
static void set_logged(struct app *a, const char *remote_id)
{
    a->is_logged = true;
    free(a->logged_id);
    a->logged_id = remote_id && *remote_id ? sanitize_line(remote_id) : NULL;
    free(a->logged_hint);
    a->logged_hint = a->logged_id
                         ? xasprintf("Logged as %s - F7/Alt-N or Enter: next call", a->logged_id)
                         : xstrdup("Logged - F7/Alt-N or Enter: next call  F3/^O History");
    /* a timer left running would save the logged call as a draft to resume */
    if (a->clock.is_running)
        clock_stop(&a->clock);
    a->timer_wall_start = 0;
    /* nor may a picker or a question still open change it (a background send lands here) */
    if (a->view == VIEW_PICKER)
        a->view = VIEW_FORM;
    if (a->ask != ASK_NONE && a->ask != ASK_RESUME) {
        a->ask = ASK_NONE;
        free(a->ask_text);
        a->ask_text = NULL;
    }
    app_dirty(a);
}

void submit_clear_logged(struct app *a)
{
    a->is_logged = false;
    free(a->logged_id);
    a->logged_id = NULL;
    free(a->logged_hint);
    a->logged_hint = NULL;
}

void submit_refuse_logged(struct app *a)
{
    app_message(a, MSG_INFO,
                "This call is logged and cannot be changed. F7/Alt-N or Enter starts the next "
                "call.");
}

/* The remote id the store recorded for call id; owned, NULL when not known. */
static char *stored_remote_id(const struct app *a, long long id)
{
    struct store_row r;
    char *err = NULL, *rid = NULL;

    store_row_init(&r);
    if (a->store && store_get(a->store, id, &r, &err) == 1 && r.remote_id)
        rid = xstrdup(r.remote_id);
    free(err);
    store_row_done(&r);
    return rid;
}

static void remember_numbers(struct app *a)
{
    numbers_add(a->numbers, FIELD_FROM, form_value(&a->form, FIELD_FROM));
    numbers_add(a->numbers, FIELD_TO, form_value(&a->form, FIELD_TO));
    numbers_save(a->numbers);
}

void app_refresh_count(struct app *a)
{
    char *err = NULL;
    long n;

    if (!a->store)
        return;
    a->count_due_ms = clock_now(&a->clock) + COUNT_RECHECK_MS;
    n = store_count_outbox(a->store, &err);
    free(err);
    if (n != a->outbox_count) {
        a->outbox_count = n;
        app_dirty(a);
    }
    err = NULL;
    n = store_count_state(a->store, STORE_REVIEW, &err);
    free(err);
    if (n != a->review_count) {
        a->review_count = n;
        app_dirty(a);
    }
    worklist_count_today(a);
}

/* A call with a "complete" disposition completed its task: it leaves the list now, and the
 * list loads again in the background. */
static void drop_completed_task(struct app *a)
{
    const char *disp = form_value(&a->form, FIELD_DISPOSITION);
    const char *task = form_value(&a->form, FIELD_TASK);

    for (size_t i = 0; *disp && *task && i < a->dispositions.n; i++) {
        const struct disposition *d = &a->dispositions.v[i];
        if (!strcmp(d->id, disp) && d->action && !strcmp(d->action, "complete")) {
            lists_drop_task(a, task);
            lists_start_tasks(a, true);
            return;
        }
    }
}

/* The API accepted the call (or a lookup found it there). */
static void submit_accepted(struct app *a, struct call_record *rec, bool is_found)
{
    const char *name;

    call_record_done(&a->result);
    a->result = *rec;
    memset(rec, 0, sizeof(*rec));
    name = app_disposition_name(a, a->result.disposition_id);
    free(a->result_disposition);
    a->result_disposition = name ? sanitize_line(name) : NULL;
    a->is_outcome_unknown = false;
    a->is_result_found = is_found;
    a->retry_at_ms = 0;
    drop_completed_task(a);
    drafts_set_stored(a, 0);
    form_mark_sent(&a->form);
    form_clear_errors(&a->form);
    set_logged(a, a->result.id);
    a->is_draft_dirty = false; /* the store deleted the draft with the call's outcome */
    a->draft_due_ms = 0;
    remember_numbers(a);
    app_clear_message(a);
    app_close_overlay(a);
    a->view = VIEW_RESULT;
}

/* What the rep can do about a call that now waits in the outbox as row id; owned. */
static char *stored_hint(long long id)
{
    return xasprintf(" It is queued in the outbox as #%lld and will be retried in the "
                     "background. F10 tries again now; F7 starts the next call.",
                     id);
}

/* The API rejected the call or the request failed; every field is kept as typed. stored_id
 * is the outbox row now holding the call, 0 when it is not stored. */
static void submit_failed(struct app *a, const struct api_result *res, long long stored_id)
{
    const char *why = res->message ? res->message : http_outcome_name(res->outcome);
    char *clean = sanitize_line(why);
    char *hint = stored_id ? stored_hint(stored_id) : NULL;

    if (res->is_unknown) {
        /* the reason may already say that the call may have been logged; say it once */
        size_t len = strlen(clean);
        const char *stop = len > 0 && strchr(".!?", clean[len - 1]) ? "" : ".";
        const char *maybe =
            strstr(clean, "may or may not") ? "" : " The call may or may not have been logged.";

        a->is_outcome_unknown = true;
        if (stored_id)
            app_message(a, MSG_WARN,
                        "Outcome unknown: %s%s%s It is kept in the outbox as #%lld, which "
                        "checks Amplemarket before it is ever sent again. F7 starts the next "
                        "call.",
                        clean, stop, maybe, stored_id);
        else
            app_message(a, MSG_WARN,
                        "Outcome unknown: %s%s%s Check Amplemarket before sending again (F10 "
                        "asks first).",
                        clean, stop, maybe);
    } else {
        switch (res->outcome) {
        case HTTP_OUT_CLIENT_ERROR: {
            if (outbox_verdict(res, false) == STORE_PENDING) {
                /* 408, 421, 425, a 404 that names no field: the server did not look at the
                 * call, so it is not a verdict on it */
                size_t len = strlen(clean);
                app_message(a, MSG_WARN,
                            "Amplemarket did not take the call (HTTP %ld): %s%s Nothing was "
                            "logged%s",
                            res->status, clean, len > 0 && strchr(".!?", clean[len - 1]) ? "" : ".",
                            hint ? "." : " and your entries are kept; F10 tries again.");
                break;
            }
            enum field_id first = form_mark_api_errors(&a->form, &res->errors);
            size_t n = form_error_count(&a->form);
            if (first != FIELD_NONE)
                app_focus(a, first);
            if (n > 0) {
                /* say where each problem is: on its field, or here when it names none */
                size_t n_general = a->form.n_general, n_field = n - n_general;
                char *where;

                if (n_general == 0)
                    where = xasprintf("%zu problem%s marked ! on the field%s", n,
                                      n == 1 ? "" : "s", n == 1 ? "" : "s");
                else if (n_field == 0)
                    where = xasprintf("%zu problem%s that name%s no field, listed above", n,
                                      n == 1 ? "" : "s", n == 1 ? "s" : "");
                else
                    where = xasprintf("%zu problem%s marked ! on the field%s, %zu that name%s "
                                      "no field listed above",
                                      n_field, n_field == 1 ? "" : "s", n_field == 1 ? "" : "s",
                                      n_general, n_general == 1 ? "s" : "");
                app_message(a, MSG_ERROR,
                            "Amplemarket rejected the call (HTTP %ld): %s. Nothing was logged.",
                            res->status, where);
                free(where);
                a->is_msg_on_marks = a->form.n_general == 0;
            } else
                app_message(a, MSG_ERROR, "Amplemarket rejected the call (HTTP %ld): %s",
                            res->status, clean);
            break;
        }
        case HTTP_OUT_AUTH:
            app_message(a, MSG_ERROR,
                        "The API key was rejected (HTTP %ld). Check AMPLEMARKET_API_KEY; "
                        "nothing was logged%s",
                        res->status, hint ? "." : " and your entries are kept.");
            break;
        case HTTP_OUT_RATE_LIMITED:
            if (res->retry_after > 0) { /* on_tick counts down from here */
                a->retry_at_ms = clock_now(&a->clock) + res->retry_after * 1000;
                a->shown_retry_s = -1;
                app_message(a, MSG_WARN, "Too many requests (HTTP 429).");
                free(hint);
                hint = NULL; /* the countdown says it */
            } else {
                app_message(a, MSG_WARN, "Too many requests (HTTP 429). Nothing was logged%s",
                            hint ? "."
                                 : " and your entries are kept; wait a little, then F10 "
                                   "sends again.");
            }
            break;
        case HTTP_OUT_SERVER_ERROR:
            app_message(a, MSG_ERROR, "Amplemarket had a server error (HTTP %ld): %s%s",
                        res->status, clean, hint ? "" : " Your entries are kept; F10 tries again.");
            break;
        default:
            app_message(a, MSG_ERROR, "Could not reach %s: %s%s", a->host ? a->host : "the API",
                        clean, hint ? "" : " Your entries are kept; F10 tries again.");
            break;
        }
        if (hint && a->message) {
            size_t len = strlen(a->message);
            bool has_stop = len > 0 && strchr(".!?", a->message[len - 1]);
            char *m = xasprintf("%s%s%s", a->message, has_stop ? "" : ".", hint);
            free(a->message);
            a->message = m;
        }
    }
    free(hint);
    free(clean);
}

/* The outcome of an attempt of the call the form holds (ours or the background's). */
static void form_outcome(struct app *a, long long id, enum outbox_status st, struct api_result *res,
                         struct call_record *rec)
{
    struct call_record found;

    switch (st) {
    case OUTBOX_SENT:
        call_record_init(&found);
        if (rec) {
            submit_accepted(a, rec, false);
        } else if (res->body && call_record_parse(res->body, res->body_len, &found, NULL)) {
            submit_accepted(a, &found, true);
        } else {
            char *rid = stored_remote_id(a, id);
            drafts_set_stored(a, 0);
            form_mark_sent(&a->form);
            set_logged(a, rid);
            app_message(a, MSG_OK, "Call %lld was logged.", id);
            free(rid);
        }
        call_record_done(&found);
        break;
    case OUTBOX_REJECTED:
        drafts_set_stored(a, 0);
        a->is_outcome_unknown = false;
        submit_failed(a, res, 0);
        break;
    case OUTBOX_PENDING:
    case OUTBOX_UNKNOWN:
        if (a->outbox_id != id)
            drafts_set_stored(a, id);
        submit_failed(a, res, id);
        break;
    case OUTBOX_REVIEW:
        /* kept as it is: neither sent again nor called logged until a human says which */
        if (a->outbox_id != id)
            drafts_set_stored(a, id);
        a->is_outbox_review = true;
        a->is_outcome_unknown = true;
        app_message(a, MSG_WARN,
                    "Call %lld needs review: it is kept, not sent again. Amplemarket holds "
                    "calls like it that cannot be told apart from it, so it may already be "
                    "logged. 'amplecall outbox' shows them; 'amplecall outbox resolve %lld' "
                    "settles it. F7 starts the next call.",
                    id, id);
        break;
    default:
        break;
    }
}

/* outbox_submit_async / outbox_retry_async completion for the form's call. */
static void on_submitted(long long id, enum outbox_status st, struct api_result *res,
                         struct call_record *rec, void *ud)
{
    struct app *a = ud;

    a->is_sending = false;
    a->handled_id = id;
    app_note_outcome(a, res);
    form_outcome(a, id, st, res, rec);
    app_refresh_count(a);
    app_dirty(a);
}

/* Every outcome the outbox records, including the background's retries. */
void submit_on_outbox_event(long long id, enum outbox_status st, struct api_result *res,
                            struct call_record *rec, void *ud)
{
    struct app *a = ud;

    if (id == a->handled_id) {
        a->handled_id = 0;
    } else {
        app_note_outcome(a, res);
        if (id == a->outbox_id && !a->is_sending && drafts_is_form_stored(a)) {
            /* only a settled outcome (or one a human must settle) changes the screen;
             * retries stay quiet */
            if (st == OUTBOX_SENT || st == OUTBOX_REJECTED || st == OUTBOX_REVIEW)
                form_outcome(a, id, st, res, rec);
        } else if (st == OUTBOX_SENT && id == a->outbox_id) {
            /* outbox_id stays: F10 on the edited values then asks before a second call */
            app_message(a, MSG_OK,
                        "Call %lld was logged with the values it had when you sent it; F10 "
                        "asks before logging the edited values as another call.",
                        id);
        } else if (st == OUTBOX_SENT) {
            app_message(a, MSG_OK, "Call %lld was sent from the outbox.", id);
        } else if (st == OUTBOX_REVIEW) {
            app_message(a, MSG_WARN,
                        "Call %lld from the outbox needs review: Amplemarket holds calls like it "
                        "that cannot be told apart. It is kept; 'amplecall outbox' shows them, "
                        "'amplecall outbox resolve %lld' settles it.",
                        id, id);
        } else if (st == OUTBOX_REJECTED) {
            struct store_row r;
            char *err = NULL;

            if (id == a->outbox_id)
                drafts_set_stored(a, 0);
            /* it stays in the history, reopenable; its draft would only repeat it */
            store_row_init(&r);
            if (store_get(a->store, id, &r, &err) == 1 && r.draft_slot &&
                strcmp(r.draft_slot, a->draft_slot) != 0 &&
                !store_draft_delete(a->store, r.draft_slot, &err)) {
                free(err);
                err = NULL;
            }
            free(err);
            store_row_done(&r);
            app_message(a, MSG_WARN,
                        "Amplemarket rejected call %lld from the outbox; F3 shows it and can "
                        "reopen it in the form.",
                        id);
        }
    }
    app_refresh_count(a);
    app_reload_history(a);
    app_dirty(a);
}

/* Without a store: send directly (nothing kept). */
static void on_posted(struct api_result *res, struct call_record *rec, void *ud)
{
    struct app *a = ud;

    a->is_sending = false;
    a->submit_op = NULL;
    if (res->outcome == HTTP_OUT_CANCELLED)
        return;
    app_note_outcome(a, res);
    if (api_result_ok(res)) {
        submit_accepted(a, rec, false);
    } else {
        /* unrecorded, but the verdict is the same: a 5xx or a lost answer may have been
         * stored, so F10 asks before sending it again */
        res->is_unknown = outbox_verdict(res, false) == STORE_UNKNOWN;
        submit_failed(a, res, 0);
    }
    app_dirty(a);
}

/* Send the form's call (already validated) as a new call. */
void submit_send(struct app *a)
{
    struct api_op *op;
    long long id = 0;
    char *err = NULL;

    a->is_sending = true;
    a->is_outcome_unknown = false;
    form_clear_errors(&a->form);
    app_message(a, MSG_INFO, "Sending the call to %s...", a->host ? a->host : "Amplemarket");
    if (!a->outbox) {
        op = api_post_call_async(a->api, &a->form.call, on_posted, a);
        if (a->is_sending)
            a->submit_op = op;
        return;
    }
    /* the draft rides with the call and goes when the call is accepted */
    drafts_save_now(a);
    if (!outbox_submit_async(a->outbox, &a->form.call, a->draft_slot, on_submitted, a, &id, &err)) {
        char *clean = sanitize_line(err);
        a->is_sending = false;
        app_message(a, MSG_ERROR, "Not sent: the local store failed (%s). Your entries are kept.",
                    clean);
        free(clean);
        free(err);
        return;
    }
    if (a->is_sending) /* else on_submitted already ran */
        drafts_set_stored(a, id);
    app_refresh_count(a);
}

/* Attempt the stored call id again now (looked up first when it may have arrived). */
static void retry_stored(struct app *a, long long id, bool is_unknown)
{
    enum outbox_status why;
    char *err = NULL;
    int got;

    a->is_sending = true; /* before the call: a failure may be reported at once */
    form_clear_errors(&a->form);
    got = outbox_retry_async(a->outbox, id, on_submitted, a, &why, &err);
    if (got <= 0)
        a->is_sending = false;
    if (got == 0 && why == OUTBOX_NOT_DUE && !is_unknown) {
        /* Backoff after a 429 without Retry-After: the rep asked for now, and a pending call
         * never reached the server, so a fresh copy replaces it (a Retry-After is enforced
         * by the countdown before we get here). */
        if (store_drop(a->store, id, store_now_ms(), &err) >= 0) {
            drafts_set_stored(a, 0);
            submit_send(a);
            free(err);
            return;
        }
        free(err);
        err = NULL;
    }
    if (got > 0 && a->is_sending && is_unknown) {
        app_message(a, MSG_INFO,
                    "Checking whether Amplemarket already has this call before sending...");
    } else if (got > 0 && a->is_sending) {
        app_message(a, MSG_INFO, "Sending the call to %s again...",
                    a->host ? a->host : "Amplemarket");
    } else if (got == 0) {
        app_message(
            a, MSG_INFO, "%s",
            why == OUTBOX_BUSY ? "This call is being sent from the outbox right now; its outcome "
                                 "shows here."
            : is_unknown       ? "This call may already be in Amplemarket: the outbox looks it up "
                                 "once a request still in flight has had time to land, and sends it "
                                 "only if it is not there. Its outcome shows here."
                               : "This call waits in the outbox (the server asked to wait); it is "
                                 "sent by itself.");
    } else if (got < 0) {
        char *clean = sanitize_line(err);
        app_message(a, MSG_ERROR, "The outbox failed: %s", clean);
        free(clean);
    }
    free(err);
}

/* F10 on values already stored in the outbox: never a second copy of the same call. */
static void submit_stored(struct app *a)
{
    struct store_row r;
    char *err = NULL, *q;
    bool is_same = drafts_is_form_stored(a);
    long long id = a->outbox_id;
    int got;

    store_row_init(&r);
    got = store_get(a->store, id, &r, &err);
    if (got < 0) {
        char *clean = sanitize_line(err);
        app_message(a, MSG_ERROR, "The outbox failed: %s", clean);
        free(clean);
        free(err);
        store_row_done(&r);
        return;
    }
    if (got == 0 || r.state == STORE_REJECTED) { /* dropped, or settled as not logged */
        drafts_set_stored(a, 0);
        submit_send(a);
        store_row_done(&r);
        return;
    }
    switch (r.state) {
    case STORE_SENT:
        if (is_same) {
            struct call_record rec;
            call_record_init(&rec);
            if (r.response && call_record_parse(r.response, strlen(r.response), &rec, NULL)) {
                submit_accepted(a, &rec, r.resolved_by && !strcmp(r.resolved_by, "lookup"));
            } else {
                drafts_set_stored(a, 0);
                form_mark_sent(&a->form);
                set_logged(a, r.remote_id);
                app_message(a, MSG_OK, "This call was already logged.");
            }
            call_record_done(&rec);
        } else {
            q = xasprintf("Call %lld was already logged with the earlier values. Log these values "
                          "as another call? (y/n) ",
                          id);
            a->ask_id = id;
            app_ask_with(a, ASK_SEND_ANOTHER, q);
            free(q);
        }
        break;
    case STORE_SENDING:
        app_message(a, MSG_INFO,
                    "This call is being sent from the outbox right now; its outcome "
                    "shows here.");
        break;
    case STORE_PENDING:
        if (is_same) {
            retry_stored(a, id, false);
        } else {
            /* it never reached the server: replace it with the corrected values */
            int dropped = store_drop(a->store, id, store_now_ms(), &err);
            if (dropped >= 0) {
                drafts_set_stored(a, 0);
                submit_send(a);
            } else {
                app_message(a, MSG_INFO,
                            "The earlier values are being sent right now; try "
                            "again in a moment.");
            }
        }
        break;
    case STORE_REVIEW:
        if (is_same) {
            a->is_outbox_review = true;
            app_message(a, MSG_WARN,
                        "Call %lld is kept for review, never sent again by itself: Amplemarket "
                        "holds calls like it. 'amplecall outbox' shows them; 'amplecall outbox "
                        "resolve %lld' settles it.",
                        id, id);
        } else {
            q = xasprintf("Call %lld may already be logged with the earlier values (it waits "
                          "for review). Log these values as another call? (y/n) ",
                          id);
            a->ask_id = id;
            app_ask_with(a, ASK_SEND_ANOTHER, q);
            free(q);
        }
        break;
    case STORE_UNKNOWN:
        if (is_same) {
            retry_stored(a, id, true);
        } else {
            q = xasprintf("Call %lld may already be logged with the earlier values (the outbox "
                          "checks and delivers it once). Log these values as another call? "
                          "(y/n) ",
                          id);
            a->ask_id = id;
            app_ask_with(a, ASK_SEND_ANOTHER, q);
            free(q);
        }
        break;
    default:
        break;
    }
    free(err);
    store_row_done(&r);
}

void submit_call(struct app *a)
{
    struct field_errors errs;
    enum field_id first;
    long long now = clock_now(&a->clock);

    if (a->is_sending) {
        app_message(a, MSG_INFO, "Already sending this call; please wait.");
        return;
    }
    if (a->is_logged) { /* F10 twice by habit must not log the call twice */
        app_ask_with(a, ASK_LOG_AGAIN, "Log this again as a new call? [y/N] ");
        return;
    }
    if (a->retry_at_ms && now < a->retry_at_ms) {
        app_message(a, MSG_WARN, "Rate limited: wait %lld s before sending again.",
                    (a->retry_at_ms - now + 999) / 1000);
        return;
    }
    if (a->clock.is_running)
        app_toggle_timer(a); /* the call is over: its length goes into Duration */
    {
        /* a bad m:ss length keeps its own reason over the validator's */
        bool is_length_ok = flow_normalise_duration(a);
        char *why = is_length_ok ? NULL : xstrdup(a->form.error[FIELD_DURATION]);

        field_errors_init(&errs);
        validate_call(&a->form.call, &errs);
        first = errs.n > 0 ? form_mark_validation(&a->form, &errs) : FIELD_NONE;
        if (why) {
            free(a->form.error[FIELD_DURATION]);
            a->form.error[FIELD_DURATION] = why;
        }
    }
    if (errs.n > 0) {
        app_message(a, MSG_ERROR, "Not sent: %zu field%s to fix (marked with !).", errs.n,
                    errs.n == 1 ? "" : "s");
        a->is_msg_on_marks = true;
        field_errors_done(&errs);
        if (first != FIELD_NONE)
            app_focus(a, first);
        return;
    }
    field_errors_done(&errs);
    if (a->outbox) {
        if (a->outbox_id)
            submit_stored(a);
        else
            submit_send(a);
        return;
    }
    if (a->is_outcome_unknown) {
        app_ask(a, ASK_RESEND);
        return;
    }
    submit_send(a);
}

void submit_reopen_now(struct app *a, long long id)
{
    struct store_row r;
    struct api_errors errs;
    char *err = NULL;
    enum field_id first;
    size_t n;

    store_row_init(&r);
    if (store_get(a->store, id, &r, &err) != 1 || r.state != STORE_REJECTED) {
        free(err);
        store_row_done(&r);
        app_message(a, MSG_WARN, "Call %lld cannot be reopened: only a rejected call can.", id);
        return;
    }
    app_close_overlay(a);
    if (a->clock.is_running)
        clock_stop(&a->clock);
    a->timer_wall_start = 0;
    a->retry_at_ms = 0;
    a->is_outcome_unknown = false;
    drafts_set_stored(a, 0);
    drafts_next_slot(a);
    drafts_apply_call(a, &r.call);
    /* the stored rejection goes down the same path as a live one */
    api_errors_init(&errs);
    if (r.errors_json)
        apierr_parse(r.errors_json, strlen(r.errors_json), &errs);
    first = form_mark_api_errors(&a->form, &errs);
    n = form_error_count(&a->form);
    if (first != FIELD_NONE)
        app_focus(a, first);
    if (n > 0) {
        app_message(a, MSG_ERROR,
                    "Call %lld reopened. Amplemarket rejected it (HTTP %ld): %zu problem%s marked "
                    "below. Fix and send with F10.",
                    id, r.last_status, n, n == 1 ? "" : "s");
        a->is_msg_on_marks = a->form.n_general == 0;
    } else {
        char *clean = sanitize_line(r.last_error ? r.last_error : "no details were given");
        app_message(a, MSG_ERROR, "Call %lld reopened. Amplemarket rejected it (HTTP %ld): %s", id,
                    r.last_status, clean);
        free(clean);
    }
    drafts_changed(a);
    api_errors_done(&errs);
    store_row_done(&r);
}

void submit_reopen(struct app *a, long long id)
{
    if (a->is_sending) {
        app_message(a, MSG_INFO, "Wait until this call is sent.");
        app_close_overlay(a);
        return;
    }
    if (app_has_unsaved(a)) {
        char *q = xasprintf("Replace the call you have not sent with call %lld? (y/n) ", id);
        a->ask_id = id;
        app_ask_with(a, ASK_REOPEN, q);
        free(q);
        return;
    }
    submit_reopen_now(a, id);
}
