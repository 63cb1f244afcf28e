/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the dispositions, tasks and users the pickers offer: their background loads
 * (one generation each, so a late answer to an old load is ignored), the user looked up by
 * email, and the display texts of the form's choices. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/app_impl.h"
#include "app/worklist.h"
#include "app/flow.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "core/validate.h"

/* A failed load's message for the picker (sanitised, owned). */
static char *load_error(const struct api_result *res)
{
    char *raw;
    char *clean;

    if (res->outcome == HTTP_OUT_AUTH)
        raw = xstrdup("the API key was rejected (check AMPLEMARKET_API_KEY).");
    else if (res->message)
        raw = xstrdup(res->message);
    else
        raw = xasprintf("%s (HTTP %ld).", http_outcome_name(res->outcome), res->status);
    clean = sanitize_line(raw);
    free(raw);
    return clean;
}

const char *app_disposition_name(const struct app *a, const char *id)
{
    for (size_t i = 0; id && i < a->dispositions.n; i++)
        if (!strcmp(a->dispositions.v[i].id, id))
            return a->dispositions.v[i].name;
    return NULL;
}

void lists_describe_disposition(struct app *a, const char *id, bool is_choice)
{
    for (size_t i = 0; i < a->dispositions.n; i++) {
        const struct disposition *d = &a->dispositions.v[i];
        char *disp;
        const char *note = NULL;

        if (strcmp(d->id, id))
            continue;
        disp = d->action ? xasprintf("%s (%s)", d->name ? d->name : d->id, d->action)
                         : xstrdup(d->name ? d->name : d->id);
        if (d->action && !strcmp(d->action, "complete"))
            note = "Logging it completes the task and its sequence lead.";
        if (is_choice)
            form_set_choice(&a->form, FIELD_DISPOSITION, id, disp, note);
        else
            form_describe(&a->form, FIELD_DISPOSITION, id, disp, note);
        free(disp);
        return;
    }
    if (is_choice)
        form_set_choice(&a->form, FIELD_DISPOSITION, id, NULL, NULL);
}

static char *task_display(const struct task *t)
{
    char date[16];
    const char *who = t->contact_name ? t->contact_name : "(no contact)";

    snprintf(date, sizeof(date), "%.10s", t->due_on ? t->due_on : "");
    if (t->contact_email && *date)
        return xasprintf("%s <%s>, due %s", who, t->contact_email, date);
    if (t->contact_email)
        return xasprintf("%s <%s>", who, t->contact_email);
    if (*date)
        return xasprintf("%s, due %s", who, date);
    return xstrdup(who);
}

void lists_describe_task(struct app *a, const char *id, bool is_choice)
{
    for (size_t i = 0; i < a->tasks.n; i++) {
        const struct task *t = &a->tasks.v[i];
        char *disp;

        if (strcmp(t->id, id))
            continue;
        disp = task_display(t);
        if (is_choice)
            form_set_choice(&a->form, FIELD_TASK, id, disp, t->notes);
        else
            form_describe(&a->form, FIELD_TASK, id, disp, t->notes);
        free(disp);
        return;
    }
    if (is_choice)
        form_set_choice(&a->form, FIELD_TASK, id, NULL, NULL);
}

static char *user_display(const struct user *u)
{
    if (u->name && u->email)
        return xasprintf("%s <%s>", u->name, u->email);
    return xstrdup(u->name ? u->name : u->email ? u->email : u->id);
}

void lists_describe_user(struct app *a, const char *id)
{
    for (size_t i = 0; i < a->users.n; i++) {
        if (!strcmp(a->users.v[i].id, id)) {
            char *disp = user_display(&a->users.v[i]);
            form_describe(&a->form, FIELD_USER, id, disp, NULL);
            free(disp);
            return;
        }
    }
}

struct load_ctx {
    struct app *a;
    enum pick_kind kind; /* PICK_KIND_COUNT for the user lookup by email */
    unsigned gen;
};

static struct load *ctx_load(struct load_ctx *c)
{
    return c->kind == PICK_KIND_COUNT ? &c->a->resolve : &c->a->loads[c->kind];
}

/* The load this callback belongs to, or NULL for a stale or cancelled one (ctx freed). */
static struct load *load_finish(struct load_ctx *c, const struct api_result *res)
{
    struct load *ld = ctx_load(c);

    if (res->outcome == HTTP_OUT_CANCELLED || c->gen != ld->gen) {
        if (ld->ctx == c)
            ld->ctx = NULL;
        free(c);
        return NULL;
    }
    ld->op = NULL;
    ld->ctx = NULL; /* the callback's caller frees c */
    free(ld->error);
    ld->error = NULL;
    app_note_outcome(c->a, res);
    if (api_result_ok(res)) {
        ld->state = LOAD_DONE;
    } else {
        ld->state = LOAD_FAILED;
        ld->error = load_error(res);
    }
    app_dirty(c->a);
    return ld;
}

/* The list of kind changed: a picker showing it builds its rows again. */
static void refresh_picker(struct app *a, enum pick_kind kind)
{
    a->list_gen[kind]++;
}

static void on_dispositions(struct api_result *res, struct disposition_list *l, void *ud)
{
    struct load_ctx *c = ud;
    struct app *a = c->a;
    struct load *ld = load_finish(c, res);

    if (!ld)
        return;
    if (ld->state == LOAD_DONE) {
        disposition_list_done(&a->dispositions);
        a->dispositions = *l;
        memset(l, 0, sizeof(*l));
        a->list_cached_at[PICK_DISPOSITION] = 0;
        cache_save(a, PICK_DISPOSITION);
        if (*form_value(&a->form, FIELD_DISPOSITION))
            lists_describe_disposition(a, form_value(&a->form, FIELD_DISPOSITION), false);
    }
    refresh_picker(a, PICK_DISPOSITION);
    free(c);
}

static void on_tasks(struct api_result *res, struct task_list *l, void *ud)
{
    struct load_ctx *c = ud;
    struct app *a = c->a;
    struct load *ld = load_finish(c, res);

    if (!ld)
        return;
    if (ld->state == LOAD_DONE) {
        task_list_done(&a->tasks);
        a->tasks = *l;
        memset(l, 0, sizeof(*l));
        a->list_cached_at[PICK_TASK] = 0;
        cache_save(a, PICK_TASK);
        if (*form_value(&a->form, FIELD_TASK))
            lists_describe_task(a, form_value(&a->form, FIELD_TASK), false);
    }
    refresh_picker(a, PICK_TASK);
    free(c);
    worklist_apply_pending(a); /* --task waited for this list */
}

static void on_users(struct api_result *res, struct user_list *l, void *ud)
{
    struct load_ctx *c = ud;
    struct app *a = c->a;
    struct load *ld = load_finish(c, res);

    if (!ld)
        return;
    if (ld->state == LOAD_DONE) {
        user_list_done(&a->users);
        a->users = *l;
        memset(l, 0, sizeof(*l));
        a->list_cached_at[PICK_USER] = 0;
        cache_save(a, PICK_USER);
        if (*form_value(&a->form, FIELD_USER))
            lists_describe_user(a, form_value(&a->form, FIELD_USER));
    }
    refresh_picker(a, PICK_USER);
    free(c);
}

/* Drop a load still in flight: a cancelled op runs no callback, so its context is ours. */
static void load_cancel(struct app *a, struct load *ld)
{
    if (ld->op) {
        struct api_op *old = ld->op;
        ld->op = NULL;
        api_op_cancel(a->api, old);
        free(ld->ctx);
    }
    ld->ctx = NULL;
}

static struct load_ctx *load_begin(struct app *a, enum pick_kind kind)
{
    struct load_ctx *c = xcalloc(1, sizeof(*c));
    struct load *ld;

    c->a = a;
    c->kind = kind;
    ld = ctx_load(c);
    ld->gen++;
    load_cancel(a, ld);
    ld->ctx = c;
    c->gen = ld->gen;
    ld->state = LOAD_RUNNING;
    free(ld->error);
    ld->error = NULL;
    return c;
}

/* Store op unless the callback already ran (then the op is gone). */
static void load_started(struct app *a, struct load *ld, unsigned gen, struct api_op *op)
{
    if (ld->state == LOAD_RUNNING && ld->gen == gen)
        ld->op = op;
    app_dirty(a);
}

static void start_dispositions(struct app *a)
{
    struct load_ctx *c = load_begin(a, PICK_DISPOSITION);
    unsigned gen = c->gen;

    load_started(a, &a->loads[PICK_DISPOSITION], gen,
                 api_dispositions_async(a->api, on_dispositions, c));
}

static void start_users(struct app *a)
{
    struct load_ctx *c = load_begin(a, PICK_USER);
    unsigned gen = c->gen;

    load_started(a, &a->loads[PICK_USER], gen, api_users_async(a->api, NULL, on_users, c));
}

/* Load the tasks of the form's user unless they are loaded or loading already. */
void lists_start_tasks(struct app *a, bool is_forced)
{
    const char *user = form_value(&a->form, FIELD_USER);
    struct tasks_query q = {user, "phone_call", "scheduled"};
    struct load *ld = &a->loads[PICK_TASK];
    struct load_ctx *c;
    unsigned gen;

    if (!validate_uuid(user))
        return;
    if (!is_forced && a->tasks_user && !strcmp(a->tasks_user, user) &&
        (ld->state == LOAD_RUNNING || ld->state == LOAD_DONE))
        return;
    if (!a->tasks_user || strcmp(a->tasks_user, user)) {
        task_list_done(&a->tasks);
        a->list_cached_at[PICK_TASK] = 0;
    }
    str_set(&a->tasks_user, user);
    cache_load(a, PICK_TASK); /* the kept list, until this load answers */
    c = load_begin(a, PICK_TASK);
    gen = c->gen;
    q.user_id = a->tasks_user;
    load_started(a, ld, gen, api_tasks_async(a->api, &q, on_tasks, c));
    refresh_picker(a, PICK_TASK);
}

static void on_user_resolved(struct api_result *res, struct user_list *l, void *ud)
{
    struct load_ctx *c = ud;
    struct app *a = c->a;
    struct load *ld = load_finish(c, res);
    const struct user *found = NULL;

    if (!ld)
        return;
    if (ld->state == LOAD_DONE) {
        size_t at = 0;
        /* only a user whose email equals it, whatever the server's ?email= returned */
        enum users_match m = users_match_email(l, a->settings.user, &at);

        if (m == USERS_MATCH_FOUND)
            found = &l->v[at];
        if (m == USERS_MATCH_SEVERAL) {
            app_message(a, MSG_WARN,
                        "AMPLECALL_USER %s matches several users; choose yours with Enter on "
                        "User.",
                        a->settings.user);
        } else if (found) {
            char *disp = user_display(found);
            bool was_modified = a->form.is_modified;
            form_set_choice(&a->form, FIELD_USER, found->id, disp, NULL);
            a->form.is_modified = was_modified;
            free(disp);
            lists_start_tasks(a, false);
        } else {
            app_message(a, MSG_WARN,
                        "AMPLECALL_USER %s matches no user; choose yours with Enter on User.",
                        a->settings.user);
        }
    } else {
        app_message(a, MSG_ERROR, "Could not look up the user %s: %s", a->settings.user,
                    ld->error ? ld->error : "");
    }
    free(c);
}

static void start_resolve(struct app *a)
{
    struct load_ctx *c = load_begin(a, PICK_KIND_COUNT);
    unsigned gen = c->gen;

    load_started(a, &a->resolve, gen,
                 api_users_async(a->api, a->settings.user, on_user_resolved, c));
}

void lists_retry(struct app *a, enum pick_kind kind)
{
    switch (kind) {
    case PICK_DISPOSITION:
        start_dispositions(a);
        break;
    case PICK_TASK:
        lists_start_tasks(a, true);
        break;
    case PICK_USER:
        start_users(a);
        break;
    default:
        break;
    }
    refresh_picker(a, kind);
    app_dirty(a);
}

enum pick_kind lists_kind_of(enum field_id f)
{
    return f == FIELD_DISPOSITION ? PICK_DISPOSITION : f == FIELD_TASK ? PICK_TASK : PICK_USER;
}

void lists_choose(struct app *a, enum pick_kind kind, const char *id)
{
    char *chosen = xstrdup(id);

    switch (kind) {
    case PICK_DISPOSITION:
        lists_describe_disposition(a, chosen, true);
        flow_note_disposition(a, chosen);
        break;
    case PICK_TASK:
        lists_describe_task(a, chosen, true);
        break;
    case PICK_USER:
        if (strcmp(form_value(&a->form, FIELD_USER), chosen)) {
            for (size_t i = 0; i < a->users.n; i++) {
                if (!strcmp(a->users.v[i].id, chosen)) {
                    char *disp = user_display(&a->users.v[i]);
                    form_set_choice(&a->form, FIELD_USER, chosen, disp, NULL);
                    free(disp);
                }
            }
            /* the chosen task belonged to the previous user */
            if (*form_value(&a->form, FIELD_TASK))
                form_set(&a->form, FIELD_TASK, NULL);
            lists_start_tasks(a, false);
        }
        break;
    default:
        break;
    }
    free(chosen);
    app_close_overlay(a);
}

void lists_start_all(struct app *a)
{
    const char *user = a->settings.user;

    cache_load(a, PICK_DISPOSITION); /* kept lists first: the form works offline */
    cache_load(a, PICK_USER);
    start_dispositions(a);
    start_users(a);
    if (!user) {
        app_message(a, MSG_INFO, "Choose your user: Enter on User (or set AMPLECALL_USER).");
    } else if (validate_uuid(user)) {
        form_set_choice(&a->form, FIELD_USER, user, NULL, NULL);
        lists_describe_user(a, user); /* from the kept list until the fresh one comes */
        lists_start_tasks(a, false);
    } else if (strchr(user, '@')) {
        start_resolve(a);
    } else {
        app_message(a, MSG_ERROR,
                    "AMPLECALL_USER must be a user id (UUID) or an email; choose with Enter on "
                    "User.");
    }
    if (a->settings.default_from)
        form_set(&a->form, FIELD_FROM, a->settings.default_from);
    a->form.is_modified = false;
}

void lists_cancel_all(struct app *a)
{
    for (int k = 0; k < PICK_KIND_COUNT; k++) {
        load_cancel(a, &a->loads[k]);
        free(a->loads[k].error);
        a->loads[k].error = NULL;
    }
    load_cancel(a, &a->resolve);
    free(a->resolve.error);
    a->resolve.error = NULL;
}

void lists_retry_failed(struct app *a)
{
    for (int k = 0; k < PICK_KIND_COUNT; k++)
        if (a->loads[k].state == LOAD_FAILED)
            lists_retry(a, (enum pick_kind)k);
}

void lists_drop_task(struct app *a, const char *task_id)
{
    for (size_t i = 0; task_id && i < a->tasks.n; i++) {
        if (strcmp(a->tasks.v[i].id, task_id) != 0)
            continue;
        struct task_list gone = {.v = xmalloc(sizeof(struct task)), .n = 1};

        gone.v[0] = a->tasks.v[i];
        task_list_done(&gone); /* frees the one task the way every list is freed */
        memmove(a->tasks.v + i, a->tasks.v + i + 1, (a->tasks.n - i - 1) * sizeof(*a->tasks.v));
        a->tasks.n--;
        refresh_picker(a, PICK_TASK);
        return;
    }
}
