/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: working the task list (worklist.h): the next scheduled phone-call task in due
 * order, the number this machine last called its contact on, a form opened on a task named
 * on the command line, and the day's counts for the status bar. */
#include "config.h"
#include "app/worklist.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/app_impl.h"
#include "core/fold.h"
#include "core/util.h"
#include "store/today.h"

#define WORKLIST_HISTORY_ROWS 500 /* how far back the history is searched for a number */

static bool is_phone_task(const struct task *t)
{
    return (!t->type || !strcmp(t->type, "phone_call")) &&
           (!t->status || !strcmp(t->status, "scheduled"));
}

/* Due order: the earliest due date first, tasks without one last, the API's order within. */
static bool is_due_before(const struct task *x, const struct task *y)
{
    if (!x->due_on || !*x->due_on)
        return false;
    if (!y->due_on || !*y->due_on)
        return true;
    return strcmp(x->due_on, y->due_on) < 0;
}

static bool is_worked(const struct app *a, const char *id)
{
    for (size_t i = 0; i < a->n_worked; i++)
        if (!strcmp(a->worked[i], id))
            return true;
    return false;
}

const struct task *worklist_next_task(const struct app *a)
{
    const struct task *best = NULL;

    for (size_t i = 0; i < a->tasks.n; i++) {
        const struct task *t = &a->tasks.v[i];
        if (!is_phone_task(t) || is_worked(a, t->id) ||
            !strcmp(t->id, form_value(&a->form, FIELD_TASK)))
            continue;
        if (!best || is_due_before(t, best))
            best = t;
    }
    return best;
}

char *worklist_last_number(struct app *a, const struct task *t)
{
    struct store_rows rows;
    char *err = NULL, *found = NULL;

    if (!a->store || !t->contact_id)
        return NULL;
    if (!store_list(a->store, false, WORKLIST_HISTORY_ROWS, &rows, &err)) {
        free(err);
        return NULL;
    }
    /* newest first: the first sent call the server tied to this contact */
    for (size_t i = 0; i < rows.n && !found; i++) {
        const struct store_row *r = &rows.v[i];
        struct call_record rec;
        char *perr = NULL;

        if (r->state != STORE_SENT || !r->response || !*call_get(&r->call, FIELD_TO))
            continue;
        if (call_record_parse(r->response, strlen(r->response), &rec, &perr)) {
            if (rec.contact_id && !strcmp(rec.contact_id, t->contact_id))
                found = xstrdup(call_get(&r->call, FIELD_TO));
            call_record_done(&rec);
        }
        free(perr);
    }
    store_rows_done(&rows);
    return found;
}

/* Put task t on the fresh form: the task, and To from this machine's history if known. */
static void apply_task(struct app *a, const struct task *t)
{
    char *id = xstrdup(t->id);
    char *to = worklist_last_number(a, t);

    lists_choose(a, PICK_TASK, id);
    if (to)
        app_set_value(a, FIELD_TO, to);
    app_focus(a, to ? FIELD_DURATION : FIELD_TO);
    free(to);
    free(id);
}

static char *task_name(const struct task *t)
{
    return xstrdup(t->contact_name    ? t->contact_name
                   : t->contact_email ? t->contact_email
                                      : t->id);
}

/* The task of the call just logged is worked: "next task" never offers it again. */
static void mark_worked(struct app *a)
{
    const char *id = form_value(&a->form, FIELD_TASK);

    if (!*id || is_worked(a, id))
        return;
    a->worked = xrealloc(a->worked, (a->n_worked + 1) * sizeof(*a->worked));
    a->worked[a->n_worked++] = xstrdup(id);
}

void worklist_start_next(struct app *a)
{
    const struct task *t;
    char *id, *name;

    if (a->is_sending) {
        app_message(a, MSG_INFO, "Wait until this call is sent.");
        return;
    }
    if (!a->is_logged && app_has_unsaved(a)) {
        app_message(a, MSG_WARN, "Send this call first, or F7 to discard it for a new one.");
        return;
    }
    if (a->is_logged)
        mark_worked(a);
    t = worklist_next_task(a);
    if (!t) {
        app_fresh_form(a);
        app_message(a, MSG_INFO, "No scheduled phone-call task is left; a new call without one.");
        return;
    }
    id = xstrdup(t->id);
    name = task_name(t);
    app_fresh_form(a);
    for (size_t i = 0; i < a->tasks.n; i++) {
        if (!strcmp(a->tasks.v[i].id, id)) {
            t = &a->tasks.v[i];
            apply_task(a, t);
            app_message(a, MSG_OK, "Next task: %s%s%.10s.", name, t->due_on ? ", due " : "",
                        t->due_on ? t->due_on : "");
            break;
        }
    }
    free(name);
    free(id);
}

/* Whether spec names task t: its id, or a contact name or email that folds equal to it. */
static bool is_named(const struct task *t, const char *spec)
{
    return !strcmp(t->id, spec) || (t->contact_name && fold_equal_nocase(t->contact_name, spec)) ||
           (t->contact_email && fold_equal_nocase(t->contact_email, spec));
}

void worklist_open(struct app *a, const char *spec)
{
    str_set(&a->pending_task, spec);
    worklist_apply_pending(a);
}

void worklist_apply_pending(struct app *a)
{
    size_t n_match = 0;
    const struct task *match = NULL;

    if (!a->pending_task || !a->tasks.n)
        return;
    for (size_t i = 0; i < a->tasks.n; i++) {
        if (is_named(&a->tasks.v[i], a->pending_task)) {
            if (!match)
                match = &a->tasks.v[i];
            n_match++;
        }
    }
    if (!match) {
        /* the cached list may be stale: only a fresh list decides that nothing matches */
        if (a->list_cached_at[PICK_TASK] == 0 && a->loads[PICK_TASK].state != LOAD_RUNNING) {
            app_message(a, MSG_ERROR, "--task %s: no task of yours has that id or contact name.",
                        a->pending_task);
            free(a->pending_task);
            a->pending_task = NULL;
        }
        return;
    }
    apply_task(a, match);
    if (n_match > 1)
        app_message(a, MSG_WARN, "--task %s matches %zu tasks; the first due is on the form.",
                    a->pending_task, n_match);
    free(a->pending_task);
    a->pending_task = NULL;
}

long long worklist_midnight_ms(long long now_ms)
{
    time_t now = (time_t)(now_ms / 1000);
    struct tm tm;

    if (!localtime_r(&now, &tm))
        return now_ms - now_ms % 86400000LL;
    tm.tm_hour = 0;
    tm.tm_min = 0;
    tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (long long)mktime(&tm) * 1000;
}

void worklist_count_today(struct app *a)
{
    char *err = NULL;
    long n;

    if (!a->store)
        return;
    n = store_count_sent_since(a->store, worklist_midnight_ms(store_now_ms()), &err);
    free(err);
    if (n != a->today_count) {
        a->today_count = n;
        app_dirty(a);
    }
    {
        int attempts = 0;
        long long at = 0;

        err = NULL;
        if (store_next_retry(a->store, &attempts, &at, &err) != 1)
            attempts = 0, at = 0;
        free(err);
        if (attempts != a->retry_attempts || at != a->retry_wall_at) {
            a->retry_attempts = attempts;
            a->retry_wall_at = at;
            app_dirty(a);
        }
    }
}

long long worklist_retry_in_s(const struct app *a)
{
    long long left;

    if (!a->retry_wall_at || a->outbox_count <= 0)
        return -1;
    left = (a->retry_wall_at - store_now_ms() + 999) / 1000;
    return left > 0 ? left : -1;
}
