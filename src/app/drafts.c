/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the form's draft in the store: one slot per call entered in this session,
 * saved at most DRAFT_SAVE_MS after a change, offered back when its process is gone, and
 * whether the form's values are what the outbox holds. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "store/history.h"

#define DRAFT_SAVE_MS 500 /* a change reaches the store at most this long after it */

/* The store text of a call, for telling whether two calls hold the same values; owned. */
static char *call_key(const struct call *c)
{
    return call_to_store_json(c);
}

/* Whether the form's values are what was stored in the outbox as a->outbox_id. */
bool drafts_is_form_stored(const struct app *a)
{
    char *now;
    bool same;

    if (!a->outbox_id || !a->outbox_json)
        return false;
    now = call_key(&a->form.call);
    same = !strcmp(now, a->outbox_json);
    free(now);
    return same;
}

bool app_has_unsaved(const struct app *a)
{
    return form_has_unsent(&a->form) && !drafts_is_form_stored(a);
}

/* The form's values went into the outbox as row id (0 = none any more). */
void drafts_set_stored(struct app *a, long long id)
{
    a->outbox_id = id;
    a->is_outbox_review = false;
    free(a->outbox_json);
    a->outbox_json = id ? call_key(&a->form.call) : NULL;
}

/* Draft slots name their process ("form.PID.START.TOKEN.HOST#N"), so another amplecall can
 * tell a live session's draft (left alone) from an abandoned one (offered for resuming). */
void drafts_next_slot(struct app *a)
{
    if (!a->session)
        return;
    a->draft_seq++;
    free(a->draft_slot);
    a->draft_slot = xasprintf("%s#%u", a->session, a->draft_seq);
    a->is_draft_dirty = false;
    a->draft_due_ms = 0;
}

void drafts_session_init(struct app *a)
{
    struct store_lease self;

    store_lease_init_self(&self, 0);
    a->session =
        xasprintf("form.%ld.%lld.%s.%s", (long)self.pid, self.start, self.token, self.host);
    drafts_next_slot(a);
}

/* Whether the process that saved the draft under slot is gone. A slot in another format
 * belongs to no process; one from another host is never taken (that host may still run it). */
static bool slot_is_abandoned(const struct app *a, const char *slot)
{
    long pid;
    long long start;
    char token[33], host[256];
    const char *h, *end;
    int off = 0;
    size_t len;

    if (!strncmp(slot, a->session, strlen(a->session)))
        return false; /* ours */
    if (sscanf(slot, "form.%ld.%lld.%32[0-9a-f].%n", &pid, &start, token, &off) != 3 || !off)
        return true;
    h = slot + off;
    end = strchr(h, '#');
    len = end ? (size_t)(end - h) : strlen(h);
    if (len == 0 || len >= sizeof(host))
        return true;
    memcpy(host, h, len);
    host[len] = '\0';
    return store_lease_owner_is_dead(host, (pid_t)pid, start);
}

static bool is_draft_wanted(const struct app *a)
{
    /* the store deleted the logged call's draft; saving it again would resurrect it */
    if (a->is_logged)
        return false;
    return form_has_unsent(&a->form) || a->clock.is_running;
}

/* Write the form (and a running timer's wall-clock start) to the draft slot now. */
void drafts_save_now(struct app *a)
{
    struct store_draft d;
    char *err = NULL;

    a->is_draft_dirty = false;
    a->draft_due_ms = 0;
    if (!a->store || !is_draft_wanted(a))
        return;
    store_draft_init(&d);
    call_copy(&d.call, &a->form.call);
    d.is_timer_running = a->clock.is_running;
    d.timer_started_at = a->clock.is_running ? a->timer_wall_start : 0;
    if (!store_draft_save(a->store, a->draft_slot, &d, store_now_ms(), &err)) {
        char *clean = sanitize_line(err);
        app_message(a, MSG_ERROR, "Could not save the draft: %s", clean);
        free(clean);
        free(err);
    }
    store_draft_done(&d);
}

/* Debounced: the first change schedules a save, later ones ride along with it, so typing
 * costs one write per DRAFT_SAVE_MS at most and the draft is never further behind. */
void drafts_changed(struct app *a)
{
    if (!a->store)
        return;
    a->is_draft_dirty = true;
    if (!a->draft_due_ms)
        a->draft_due_ms = clock_now(&a->clock) + DRAFT_SAVE_MS;
}

/* The rep threw the form's values away on purpose. */
void drafts_discard(struct app *a)
{
    char *err = NULL;

    a->is_draft_dirty = false;
    a->draft_due_ms = 0;
    if (a->store && !store_draft_delete(a->store, a->draft_slot, &err))
        free(err);
}

/* Put a stored call's values into the form (resume, reopen); marks and the active text field
 * are replaced, display texts follow from the loaded lists. */
void drafts_apply_call(struct app *a, const struct call *c)
{
    const char *user = call_get(c, FIELD_USER);

    submit_clear_logged(a);
    form_clear_errors(&a->form);
    if (*user && strcmp(user, form_value(&a->form, FIELD_USER))) {
        form_set_choice(&a->form, FIELD_USER, user, NULL, NULL);
        lists_describe_user(a, user);
    }
    for (int i = 0; i < FIELD_COUNT; i++) {
        enum field_id f = (enum field_id)i;
        const char *v = call_get(c, f);

        if (f == FIELD_USER)
            continue;
        form_set(&a->form, f, *v ? v : NULL);
        if (f == FIELD_DISPOSITION && *v)
            lists_describe_disposition(a, v, false);
        else if (f == FIELD_TASK && *v)
            lists_describe_task(a, v, false);
    }
    lists_start_tasks(a, false);
    a->form.is_modified = true;
    app_focus(a, a->form.focus);
}

/* A short description of a draft for the resume question; owned, sanitised. */
static char *draft_summary(const struct store_draft *d)
{
    const char *to = call_get(&d->call, FIELD_TO);
    const char *dur = call_get(&d->call, FIELD_DURATION);
    char *when = history_local_time(d->updated_at);
    char *raw, *clean, *timer = NULL;

    if (d->is_timer_running && d->timer_started_at > 0) {
        char *since = history_local_time(d->timer_started_at);
        timer = xasprintf(", timer running since %s", since + (strlen(since) > 11 ? 11 : 0));
        free(since);
    }
    raw = xasprintf("saved %s: To %s%s%s%s", when, *to ? to : "(empty)",
                    *dur && !timer ? ", Duration " : "", *dur && !timer ? dur : "",
                    timer ? timer : "");
    clean = sanitize_line(raw);
    free(raw);
    free(timer);
    free(when);
    return clean;
}

/* Ask about the newest draft whose process is gone, if any. */
void drafts_offer(struct app *a)
{
    char **slots = NULL, *err = NULL, *summary, *q;
    size_t n = 0;
    struct store_draft d;
    int got;

    free(a->offer_slot);
    a->offer_slot = NULL;
    if (!a->store || !store_draft_slots(a->store, &slots, &n, &err)) {
        free(err);
        return;
    }
    for (size_t i = 0; i < n && !a->offer_slot; i++)
        if (slot_is_abandoned(a, slots[i]))
            a->offer_slot = xstrdup(slots[i]);
    store_draft_slots_free(slots, n);
    if (!a->offer_slot)
        return;
    store_draft_init(&d);
    got = store_draft_load(a->store, a->offer_slot, &d, &err);
    if (got != 1) {
        if (got < 0) {
            char *clean = sanitize_line(err);
            app_message(a, MSG_WARN, "A saved draft cannot be read: %s", clean);
            free(clean);
        }
        free(err);
        free(a->offer_slot);
        a->offer_slot = NULL;
        store_draft_done(&d);
        return;
    }
    summary = draft_summary(&d);
    q = xasprintf("An unsent call was left from an earlier session (%s). r: resume it   "
                  "d: discard it   Esc: later ",
                  summary);
    app_ask_with(a, ASK_RESUME, q);
    free(q);
    free(summary);
    store_draft_done(&d);
}

static void resume_draft(struct app *a)
{
    struct store_draft d;
    char *err = NULL;
    int got;

    /* take it over atomically: another session starting now cannot take it too */
    got = store_draft_move(a->store, a->offer_slot, a->draft_slot, &err);
    if (got <= 0) {
        app_message(a, MSG_WARN, "That draft %s.",
                    got == 0 ? "was taken over by another session" : "could not be taken over");
        free(err);
        return;
    }
    store_draft_init(&d);
    if (store_draft_load(a->store, a->draft_slot, &d, &err) != 1) {
        app_message(a, MSG_ERROR, "The draft could not be read back.");
        free(err);
        store_draft_done(&d);
        return;
    }
    drafts_apply_call(a, &d.call);
    if (d.is_timer_running && d.timer_started_at > 0) {
        /* keep counting from the original wall-clock start, on the monotonic clock */
        long long elapsed = store_now_ms() - d.timer_started_at;
        if (elapsed < 0)
            elapsed = 0;
        a->clock.start_ms = clock_now(&a->clock) - elapsed;
        a->clock.is_running = true;
        a->clock.last_shown_s = -1;
        a->timer_wall_start = d.timer_started_at;
    }
    drafts_save_now(a);
    app_message(a, MSG_OK, "Draft resumed%s.",
                a->clock.is_running ? "; the timer kept counting" : "");
    store_draft_done(&d);
}

void drafts_answer_resume(struct app *a, char choice)
{
    char *err = NULL;

    a->ask = ASK_NONE;
    free(a->ask_text);
    a->ask_text = NULL;
    app_dirty(a);
    if (!a->offer_slot)
        return;
    if (choice == 'r') {
        resume_draft(a);
    } else if (choice == 'd') {
        if (!store_draft_delete(a->store, a->offer_slot, &err))
            free(err);
        app_message(a, MSG_INFO, "Draft discarded.");
        drafts_offer(a); /* an older abandoned one, if any */
    } else {
        app_message(a, MSG_INFO, "The draft is kept; amplecall offers it again next time.");
    }
    if (a->ask != ASK_RESUME) {
        free(a->offer_slot);
        a->offer_slot = NULL;
    }
}
