/* `amplecall` with no subcommand: the call form. Owns the app state (tui_app.h), the
 * background loads, the timer, the draft kept in the store, the submit through the outbox and
 * its outcome, and the exit paths (every one restores the terminal). Drawing lives in
 * view_*.c, editing in field.c, waiting in loop.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curses.h>

#include "apierr.h"
#include "commands.h"
#include "connect.h"
#include "field.h"
#include "history.h"
#include "loop.h"
#include "outbox.h"
#include "safepath.h"
#include "sanitize.h"
#include "store.h"
#include "tui.h"
#include "tui_app.h"
#include "util.h"
#include "validate.h"
#include "view_picker.h"

#define EDITOR_MAX_BYTES (1024 * 1024)
#define SPIN_MS 150
#define DRAFT_SAVE_MS 500     /* a change reaches the store at most this long after it */
#define COUNT_RECHECK_MS 5000 /* other processes may add to or send from the outbox */

static struct app *g_app; /* for the readline redisplay hook and the die() hook */

/* ---- small helpers ---------------------------------------------------------------------- */

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

static void clear_message(struct app *a)
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

static void note_outcome(struct app *a, const struct api_result *res)
{
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
}

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

/* ---- describing choices ------------------------------------------------------------------- */

static void describe_disposition(struct app *a, const char *id, bool is_choice)
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

static void describe_task(struct app *a, const char *id, bool is_choice)
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

static void describe_user(struct app *a, const char *id)
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

/* ---- background loads --------------------------------------------------------------------- */

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
    note_outcome(c->a, res);
    if (api_result_ok(res)) {
        ld->state = LOAD_DONE;
    } else {
        ld->state = LOAD_FAILED;
        ld->error = load_error(res);
    }
    app_dirty(c->a);
    return ld;
}

static void refresh_picker(struct app *a, enum pick_kind kind)
{
    if (a->view == VIEW_PICKER && a->picker && a->picker->kind == kind)
        picker_fill(a->picker, a);
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
        if (*form_value(&a->form, FIELD_DISPOSITION))
            describe_disposition(a, form_value(&a->form, FIELD_DISPOSITION), false);
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
        if (*form_value(&a->form, FIELD_TASK))
            describe_task(a, form_value(&a->form, FIELD_TASK), false);
    }
    refresh_picker(a, PICK_TASK);
    free(c);
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
        if (*form_value(&a->form, FIELD_USER))
            describe_user(a, form_value(&a->form, FIELD_USER));
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
static void start_tasks(struct app *a, bool is_forced)
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
    if (!a->tasks_user || strcmp(a->tasks_user, user))
        task_list_done(&a->tasks);
    str_set(&a->tasks_user, user);
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
        for (size_t i = 0; i < l->n; i++)
            if (l->v[i].email && !strcasecmp(l->v[i].email, a->settings.user))
                found = &l->v[i];
        if (!found && l->n == 1)
            found = &l->v[0];
        if (found) {
            char *disp = user_display(found);
            bool was_modified = a->form.is_modified;
            form_set_choice(&a->form, FIELD_USER, found->id, disp, NULL);
            a->form.is_modified = was_modified;
            free(disp);
            start_tasks(a, false);
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

void app_retry_load(struct app *a, enum pick_kind kind)
{
    switch (kind) {
    case PICK_DISPOSITION:
        start_dispositions(a);
        break;
    case PICK_TASK:
        start_tasks(a, true);
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

/* ---- focus, values, pickers ---------------------------------------------------------------- */

static void commit_field(struct app *a)
{
    enum field_id f = field_active();

    if (f != FIELD_NONE)
        form_set(&a->form, f, field_text());
}

void app_focus(struct app *a, enum field_id f)
{
    commit_field(a);
    field_end();
    form_focus(&a->form, f);
    /* a logged call is read-only: focus only shows where you are */
    if (form_kind(f) == FORM_KIND_TEXT && a->view == VIEW_FORM && !a->is_logged)
        field_begin(f, form_value(&a->form, f));
    app_dirty(a);
}

void app_set_value(struct app *a, enum field_id f, const char *value)
{
    form_set(&a->form, f, value);
    if (field_active() == f)
        field_replace(value);
    app_dirty(a);
}

static enum pick_kind kind_of(enum field_id f)
{
    return f == FIELD_DISPOSITION ? PICK_DISPOSITION : f == FIELD_TASK ? PICK_TASK : PICK_USER;
}

void app_open_picker(struct app *a, enum field_id f)
{
    enum pick_kind k = kind_of(f);

    if (form_kind(f) != FORM_KIND_PICK || a->is_logged)
        return;
    commit_field(a);
    field_end();
    picker_free(a->picker);
    a->picker = picker_new(k);
    if (a->loads[k].state == LOAD_IDLE || a->loads[k].state == LOAD_FAILED) {
        if (k == PICK_TASK)
            start_tasks(a, true);
        else
            app_retry_load(a, k);
    }
    picker_fill(a->picker, a);
    /* start on the current choice */
    for (size_t i = 0; i < a->picker->n_shown; i++)
        if (!strcmp(a->picker->rows[a->picker->shown[i]].id, form_value(&a->form, f)))
            a->picker->sel = i;
    a->view = VIEW_PICKER;
    app_dirty(a);
}

void app_close_picker(struct app *a)
{
    picker_free(a->picker);
    a->picker = NULL;
    a->view = VIEW_FORM;
    app_focus(a, a->form.focus); /* focus stays on the picker's field */
}

void app_choose(struct app *a, enum pick_kind kind, const char *id)
{
    char *chosen = xstrdup(id);

    switch (kind) {
    case PICK_DISPOSITION:
        describe_disposition(a, chosen, true);
        break;
    case PICK_TASK:
        describe_task(a, chosen, true);
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
            start_tasks(a, false);
        }
        break;
    default:
        break;
    }
    free(chosen);
    app_close_picker(a);
}

/* Put a question in the message area, which only the form shows. text (may be NULL for the
 * kinds with a fixed question) is copied. */
static void ask_with(struct app *a, enum ask_kind k, const char *text)
{
    if (a->view == VIEW_PICKER)
        app_close_picker(a);
    else if (a->view == VIEW_HELP)
        a->view = VIEW_FORM;
    else if (a->view == VIEW_HISTORY)
        app_close_history(a);
    str_set(&a->ask_text, text);
    a->ask = k;
    app_dirty(a);
}

static void ask(struct app *a, enum ask_kind k)
{
    ask_with(a, k, NULL);
}

/* ---- the logged call ----------------------------------------------------------------------- */

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
    if (a->view == VIEW_PICKER) {
        picker_free(a->picker);
        a->picker = NULL;
        a->view = VIEW_FORM;
    }
    if (a->ask != ASK_NONE && a->ask != ASK_RESUME) {
        a->ask = ASK_NONE;
        free(a->ask_text);
        a->ask_text = NULL;
    }
    field_end();
    app_dirty(a);
}

static void clear_logged(struct app *a)
{
    a->is_logged = false;
    free(a->logged_id);
    a->logged_id = NULL;
    free(a->logged_hint);
    a->logged_hint = NULL;
}

void app_refuse_logged(struct app *a)
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

/* ---- drafts -------------------------------------------------------------------------------- */

/* The store text of a call, for telling whether two calls hold the same values; owned. */
static char *call_key(const struct call *c)
{
    return call_to_store_json(c);
}

/* Whether the form's values are what was stored in the outbox as a->outbox_id. */
static bool is_form_stored(const struct app *a)
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
    return form_has_unsent(&a->form) && !is_form_stored(a);
}

/* The form's values went into the outbox as row id (0 = none any more). */
static void set_stored(struct app *a, long long id)
{
    a->outbox_id = id;
    a->is_outbox_review = false;
    free(a->outbox_json);
    a->outbox_json = id ? call_key(&a->form.call) : NULL;
}

/* Draft slots name their process ("form.PID.START.TOKEN.HOST#N"), so another amplecall can
 * tell a live session's draft (left alone) from an abandoned one (offered for resuming). */
static void next_slot(struct app *a)
{
    if (!a->session)
        return;
    a->draft_seq++;
    free(a->draft_slot);
    a->draft_slot = xasprintf("%s#%u", a->session, a->draft_seq);
    a->is_draft_dirty = false;
    a->draft_due_ms = 0;
}

static void session_init(struct app *a)
{
    struct store_lease self;

    store_lease_init_self(&self, 0);
    a->session =
        xasprintf("form.%ld.%lld.%s.%s", (long)self.pid, self.start, self.token, self.host);
    next_slot(a);
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
static void draft_save_now(struct app *a)
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
static void draft_changed(struct app *a)
{
    if (!a->store)
        return;
    a->is_draft_dirty = true;
    if (!a->draft_due_ms)
        a->draft_due_ms = clock_now(&a->clock) + DRAFT_SAVE_MS;
}

/* The rep threw the form's values away on purpose. */
static void draft_discard(struct app *a)
{
    char *err = NULL;

    a->is_draft_dirty = false;
    a->draft_due_ms = 0;
    if (a->store && !store_draft_delete(a->store, a->draft_slot, &err))
        free(err);
}

/* Put a stored call's values into the form (resume, reopen); marks and the active text field
 * are replaced, display texts follow from the loaded lists. */
static void apply_call(struct app *a, const struct call *c)
{
    const char *user = call_get(c, FIELD_USER);

    clear_logged(a);
    field_end();
    form_clear_errors(&a->form);
    if (*user && strcmp(user, form_value(&a->form, FIELD_USER))) {
        form_set_choice(&a->form, FIELD_USER, user, NULL, NULL);
        describe_user(a, user);
    }
    for (int i = 0; i < FIELD_COUNT; i++) {
        enum field_id f = (enum field_id)i;
        const char *v = call_get(c, f);

        if (f == FIELD_USER)
            continue;
        form_set(&a->form, f, *v ? v : NULL);
        if (f == FIELD_DISPOSITION && *v)
            describe_disposition(a, v, false);
        else if (f == FIELD_TASK && *v)
            describe_task(a, v, false);
    }
    start_tasks(a, false);
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
static void offer_draft(struct app *a)
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
    ask_with(a, ASK_RESUME, q);
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
    apply_call(a, &d.call);
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
    draft_save_now(a);
    app_message(a, MSG_OK, "Draft resumed%s.",
                a->clock.is_running ? "; the timer kept counting" : "");
    store_draft_done(&d);
}

static void answer_resume(struct app *a, char choice)
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
        offer_draft(a); /* an older abandoned one, if any */
    } else {
        app_message(a, MSG_INFO, "The draft is kept; amplecall offers it again next time.");
    }
    if (a->ask != ASK_RESUME) {
        free(a->offer_slot);
        a->offer_slot = NULL;
    }
}

/* ---- timer --------------------------------------------------------------------------------- */

static void timer_start(struct app *a)
{
    clock_start(&a->clock);
    a->timer_wall_start = store_now_ms();
    draft_save_now(a); /* a crash from here on still knows when the call began */
    app_message(a, MSG_INFO, "Timer running; F2 (or ^T) stops it and fills Duration.");
}

void app_toggle_timer(struct app *a)
{
    if (a->is_logged) {
        app_refuse_logged(a);
        return;
    }
    if (a->clock.is_running) {
        long long secs = clock_stop(&a->clock);
        char buf[32];
        a->timer_wall_start = 0;
        snprintf(buf, sizeof(buf), "%lld", secs);
        app_set_value(a, FIELD_DURATION, buf);
        draft_save_now(a);
        app_message(a, MSG_INFO, "Timer stopped: Duration is %lld s.", secs);
        return;
    }
    if (!str_blank(form_value(&a->form, FIELD_DURATION))) {
        ask(a, ASK_TIMER_REPLACE);
        return;
    }
    timer_start(a);
}

/* ---- submit -------------------------------------------------------------------------------- */

static void remember_numbers(struct app *a)
{
    field_history_add(FIELD_FROM, form_value(&a->form, FIELD_FROM));
    field_history_add(FIELD_TO, form_value(&a->form, FIELD_TO));
    field_history_save();
}

static void refresh_count(struct app *a)
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
    set_stored(a, 0);
    form_mark_sent(&a->form);
    form_clear_errors(&a->form);
    set_logged(a, a->result.id);
    a->is_draft_dirty = false; /* the store deleted the draft with the call's outcome */
    a->draft_due_ms = 0;
    remember_numbers(a);
    clear_message(a);
    field_end();
    picker_free(a->picker);
    a->picker = NULL;
    if (a->view == VIEW_HISTORY)
        app_close_history(a);
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
                app_message(a, MSG_ERROR,
                            "Amplemarket rejected the call (HTTP %ld): %zu problem%s marked "
                            "below. Nothing was logged.",
                            res->status, n, n == 1 ? "" : "s");
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
            set_stored(a, 0);
            form_mark_sent(&a->form);
            set_logged(a, rid);
            app_message(a, MSG_OK, "Call %lld was logged.", id);
            free(rid);
        }
        call_record_done(&found);
        break;
    case OUTBOX_REJECTED:
        set_stored(a, 0);
        a->is_outcome_unknown = false;
        submit_failed(a, res, 0);
        break;
    case OUTBOX_PENDING:
    case OUTBOX_UNKNOWN:
        if (a->outbox_id != id)
            set_stored(a, id);
        submit_failed(a, res, id);
        break;
    case OUTBOX_REVIEW:
        /* kept as it is: neither sent again nor called logged until a human says which */
        if (a->outbox_id != id)
            set_stored(a, id);
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
    note_outcome(a, res);
    form_outcome(a, id, st, res, rec);
    refresh_count(a);
    app_dirty(a);
}

/* Every outcome the outbox records, including the background's retries. */
static void on_outbox_event(long long id, enum outbox_status st, struct api_result *res,
                            struct call_record *rec, void *ud)
{
    struct app *a = ud;

    if (id == a->handled_id) {
        a->handled_id = 0;
    } else {
        note_outcome(a, res);
        if (id == a->outbox_id && !a->is_sending && is_form_stored(a)) {
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
                set_stored(a, 0);
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
    refresh_count(a);
    if (a->history)
        view_history_reload(a);
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
    note_outcome(a, res);
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
static void submit_send(struct app *a)
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
    draft_save_now(a);
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
        set_stored(a, id);
    refresh_count(a);
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
            set_stored(a, 0);
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
    bool is_same = is_form_stored(a);
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
        set_stored(a, 0);
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
                set_stored(a, 0);
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
            ask_with(a, ASK_SEND_ANOTHER, q);
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
                set_stored(a, 0);
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
            ask_with(a, ASK_SEND_ANOTHER, q);
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
            ask_with(a, ASK_SEND_ANOTHER, q);
            free(q);
        }
        break;
    default:
        break;
    }
    free(err);
    store_row_done(&r);
}

void app_submit(struct app *a)
{
    struct field_errors errs;
    enum field_id first;
    long long now = clock_now(&a->clock);

    if (a->is_sending) {
        app_message(a, MSG_INFO, "Already sending this call; please wait.");
        return;
    }
    if (a->is_logged) { /* F10 twice by habit must not log the call twice */
        ask_with(a, ASK_LOG_AGAIN, "Log this again as a new call? [y/N] ");
        return;
    }
    if (a->retry_at_ms && now < a->retry_at_ms) {
        app_message(a, MSG_WARN, "Rate limited: wait %lld s before sending again.",
                    (a->retry_at_ms - now + 999) / 1000);
        return;
    }
    commit_field(a);
    if (a->clock.is_running)
        app_toggle_timer(a); /* the call is over: its length goes into Duration */
    field_errors_init(&errs);
    validate_call(&a->form.call, &errs);
    if (errs.n > 0) {
        first = form_mark_validation(&a->form, &errs);
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
        ask(a, ASK_RESEND);
        return;
    }
    submit_send(a);
}

/* A fresh form in a new draft slot: From and User stay. */
static void fresh_form(struct app *a)
{
    if (a->clock.is_running)
        clock_stop(&a->clock);
    a->timer_wall_start = 0;
    field_end();
    form_new_call(&a->form);
    call_record_done(&a->result);
    free(a->result_disposition);
    a->result_disposition = NULL;
    a->is_outcome_unknown = false;
    a->retry_at_ms = 0;
    set_stored(a, 0);
    clear_logged(a);
    next_slot(a);
    a->view = VIEW_FORM;
    app_focus(a, a->form.focus);
}

void app_new_call(struct app *a)
{
    fresh_form(a);
    app_message(a, MSG_OK, "Call logged. Ready for the next one.");
}

void app_next_call(struct app *a)
{
    bool is_stored;

    commit_field(a);
    if (a->is_sending) {
        app_message(a, MSG_INFO, "Wait until this call is sent.");
        return;
    }
    if (app_has_unsaved(a)) {
        ask(a, ASK_NEW_CALL);
        return;
    }
    is_stored = a->outbox_id != 0;
    fresh_form(a);
    app_message(a, MSG_OK, "%s",
                is_stored ? "Ready for the next call; the last one waits in the "
                            "outbox."
                          : "Ready for the next call.");
}

/* ---- history ------------------------------------------------------------------------------- */

void app_open_history(struct app *a)
{
    char *err = NULL;

    if (!a->store) {
        app_message(a, MSG_WARN, "No history: the local store is not available (%s).",
                    a->store_error ? a->store_error : "unknown error");
        return;
    }
    commit_field(a);
    field_end();
    view_history_free(a->history);
    a->history = view_history_new(a, &err);
    if (!a->history) {
        char *clean = sanitize_line(err);
        app_message(a, MSG_ERROR, "Cannot read the history: %s", clean);
        free(clean);
        free(err);
        app_focus(a, a->form.focus);
        return;
    }
    a->view = VIEW_HISTORY;
    app_dirty(a);
}

void app_close_history(struct app *a)
{
    view_history_free(a->history);
    a->history = NULL;
    if (a->view == VIEW_HISTORY) {
        a->view = VIEW_FORM;
        app_focus(a, a->form.focus);
    }
    app_dirty(a);
}

static void reopen_now(struct app *a, long long id)
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
    app_close_history(a);
    if (a->clock.is_running)
        clock_stop(&a->clock);
    a->timer_wall_start = 0;
    a->retry_at_ms = 0;
    a->is_outcome_unknown = false;
    set_stored(a, 0);
    next_slot(a);
    apply_call(a, &r.call);
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
    draft_changed(a);
    api_errors_done(&errs);
    store_row_done(&r);
}

void app_reopen(struct app *a, long long id)
{
    commit_field(a);
    if (a->is_sending) {
        app_message(a, MSG_INFO, "Wait until this call is sent.");
        app_close_history(a);
        return;
    }
    if (app_has_unsaved(a)) {
        char *q = xasprintf("Replace the call you have not sent with call %lld? (y/n) ", id);
        a->ask_id = id;
        ask_with(a, ASK_REOPEN, q);
        free(q);
        return;
    }
    reopen_now(a, id);
}

/* ---- quitting ------------------------------------------------------------------------------ */

static void quit_now(struct app *a, int code)
{
    a->is_done = true;
    a->exit_code = code;
}

void app_request_quit(struct app *a)
{
    commit_field(a);
    if (app_has_unsaved(a) || a->is_sending) {
        ask(a, ASK_QUIT);
        return;
    }
    quit_now(a, 0);
}

static void answer(struct app *a, bool is_yes)
{
    enum ask_kind k = a->ask;

    a->ask = ASK_NONE;
    free(a->ask_text);
    a->ask_text = NULL;
    app_dirty(a);
    if (!is_yes)
        return;
    switch (k) {
    case ASK_QUIT:
        if (app_has_unsaved(a))
            draft_discard(a); /* "lose the call": the rep said so */
        quit_now(a, 0);
        break;
    case ASK_TIMER_REPLACE:
        timer_start(a);
        break;
    case ASK_RESEND:
        submit_send(a);
        break;
    case ASK_NEW_CALL:
        draft_discard(a);
        fresh_form(a);
        app_message(a, MSG_INFO, "Call discarded. Ready for the next one.");
        break;
    case ASK_SEND_ANOTHER:
        /* the earlier values keep their own draft slot until they are delivered */
        set_stored(a, 0);
        next_slot(a);
        submit_send(a);
        break;
    case ASK_REOPEN:
        draft_discard(a);
        reopen_now(a, a->ask_id);
        break;
    case ASK_LOG_AGAIN:
        /* the same values as a separate call: a new outbox row in a draft slot of its own */
        clear_logged(a);
        a->form.is_modified = true;
        next_slot(a);
        app_focus(a, a->form.focus);
        app_submit(a);
        break;
    default:
        break;
    }
}

/* ---- $EDITOR ------------------------------------------------------------------------------- */

static char *read_capped(int fd, bool *is_too_big)
{
    char *buf = xmalloc(EDITOR_MAX_BYTES + 1);
    size_t len = 0;
    ssize_t n;

    *is_too_big = false;
    while ((n = read(fd, buf + len, EDITOR_MAX_BYTES + 1 - len)) > 0) {
        len += (size_t)n;
        if (len > EDITOR_MAX_BYTES) {
            *is_too_big = true;
            free(buf);
            return NULL;
        }
    }
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

void app_edit_in_editor(struct app *a)
{
    enum field_id f = a->form.focus;
    const char *editor = getenv("VISUAL");
    const char *tmpdir = getenv("TMPDIR");
    char *path, *cmd, *text = NULL;
    int fd, status = -1;
    pid_t pid;
    bool is_too_big = false;

    if (form_kind(f) != FORM_KIND_TEXT)
        return;
    if (a->is_logged) {
        app_refuse_logged(a);
        return;
    }
    commit_field(a);
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    path = xasprintf("%s/amplecall-%s-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp",
                     field_json_name(f));
    fd = mkstemp(path); /* 0600: the text may be private */
    if (fd < 0) {
        app_message(a, MSG_ERROR, "Cannot create a temporary file: %s", strerror(errno));
        free(path);
        return;
    }
    {
        const char *v = form_value(&a->form, f);
        size_t len = strlen(v);
        bool ok = write(fd, v, len) == (ssize_t)len &&
                  (len == 0 || v[len - 1] == '\n' || write(fd, "\n", 1) == 1);
        close(fd);
        if (!ok) {
            app_message(a, MSG_ERROR, "Cannot write the temporary file: %s", strerror(errno));
            unlink(path);
            free(path);
            return;
        }
    }
    /* Hand the terminal to the editor, like git commit does. */
    cmd = xasprintf("%s \"$@\"", editor);
    def_prog_mode();
    endwin();
    loop_signals_ignore_interrupts(true);
    pid = fork();
    if (pid == 0) {
        static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};
        for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
            signal(sigs[i], SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, editor, path, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    loop_signals_ignore_interrupts(false);
    reset_prog_mode();
    a->is_full_redraw = true;
    free(cmd);

    if (pid < 0) {
        app_message(a, MSG_ERROR, "Cannot start the editor: %s", strerror(errno));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        app_message(a, MSG_WARN, "The editor (%s) failed; %s is unchanged.", editor,
                    field_label(f));
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            text = read_capped(fd, &is_too_big);
            close(fd);
        }
        if (!text) {
            app_message(a, MSG_ERROR, "%s: could not read the edited text%s.", field_label(f),
                        is_too_big ? " (over 1 MiB)" : "");
        } else {
            size_t len = strlen(text);
            while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
                text[--len] = '\0';
            if (f != FIELD_TRANSCRIPTION) /* one-line fields keep the first line */
                text[strcspn(text, "\r\n")] = '\0';
            app_set_value(a, f, text);
            app_message(a, MSG_INFO, "%s updated from the editor.", field_label(f));
            free(text);
        }
    }
    unlink(path);
    free(path);
    app_dirty(a);
}

/* ---- loop hooks ---------------------------------------------------------------------------- */

static bool is_ctrl(const struct loop_key *k, char letter)
{
    return !k->is_code && !k->is_meta && k->ch == (wint_t)(letter & 0x1f);
}

static bool is_fkey(const struct loop_key *k, int n)
{
    return k->is_code && k->ch == (wint_t)KEY_F(n);
}

bool app_is_action(const struct app *a, const struct loop_key *k, const char *action, int fkey,
                   char ctrl)
{
    const struct settings_binding *b = settings_binding_for(&a->settings, action);

    if (b) {
        switch (b->spec.kind) {
        case KEYSPEC_FKEY:
            if (is_fkey(k, b->spec.value))
                return true;
            break;
        case KEYSPEC_CTRL:
            if (is_ctrl(k, (char)b->spec.value))
                return true;
            break;
        case KEYSPEC_META:
            if (!k->is_code && k->is_meta && k->ch == (wint_t)b->spec.value)
                return true;
            break;
        }
    }
    return (fkey && is_fkey(k, fkey)) || (ctrl && is_ctrl(k, ctrl));
}

static void resume_key(struct app *a, const struct loop_key *k)
{
    if (k->is_code) {
        if (k->ch == KEY_ENTER)
            answer_resume(a, 'r');
        return;
    }
    if (k->is_meta)
        return;
    switch (k->ch) {
    case 'r':
    case 'R':
    case 'y':
    case 'Y':
    case '\r':
    case '\n':
        answer_resume(a, 'r');
        break;
    case 'd':
    case 'D':
        answer_resume(a, 'd');
        break;
    case 27:
    case 'l':
    case 'L':
    case 'n':
    case 'N':
        answer_resume(a, 'l');
        break;
    default:
        break;
    }
}

static void on_key(void *ud, const struct loop_key *k)
{
    struct app *a = ud;

    if (k->is_code && k->ch == KEY_RESIZE) {
        a->is_full_redraw = true;
        app_dirty(a);
        return;
    }
    if (a->ask == ASK_RESUME) {
        resume_key(a, k);
        return;
    }
    if (a->ask != ASK_NONE) {
        if (!k->is_code && !k->is_meta && (k->ch == 'y' || k->ch == 'Y'))
            answer(a, true);
        else if (a->ask == ASK_LOG_AGAIN)
            answer(a, false); /* [y/N]: every other key (Enter, a second F10) is no */
        else if (!k->is_code && !k->is_meta && (k->ch == 'n' || k->ch == 'N' || k->ch == 27))
            answer(a, false);
        else if (a->ask == ASK_QUIT && app_is_action(a, k, "quit", 12, 'q'))
            answer(a, true);
        return;
    }
    if ((is_fkey(k, 7) || (!k->is_code && k->is_meta && k->ch == 'n')) &&
        (a->view == VIEW_FORM || a->view == VIEW_RESULT)) {
        app_next_call(a);
        return;
    }
    if (k->is_meta && !(a->view == VIEW_FORM && a->ask == ASK_NONE &&
                        form_kind(a->form.focus) == FORM_KIND_TEXT)) {
        /* Alt+key only means something to readline; elsewhere it is Esc, then the key */
        struct loop_key esc = {false, false, 27};
        struct loop_key plain = *k;
        plain.is_meta = false;
        on_key(a, &esc);
        if (!a->is_done)
            on_key(a, &plain);
        return;
    }
    if (app_is_action(a, k, "quit", 12, 'q')) {
        app_request_quit(a);
        return;
    }
    if (app_is_action(a, k, "timer", 2, 't')) {
        app_toggle_timer(a);
        return;
    }
    if (a->view == VIEW_PICKER) {
        view_picker_key(a, k);
        return;
    }
    if (app_is_action(a, k, "history", 3, 'o')) {
        if (a->view == VIEW_HISTORY)
            app_close_history(a);
        else
            app_open_history(a);
        return;
    }
    if (a->view == VIEW_HISTORY) {
        view_history_key(a, k);
        return;
    }
    if (app_is_action(a, k, "help", 1, 'g')) {
        if (a->view == VIEW_HELP) {
            a->view = VIEW_FORM;
        } else if (a->view == VIEW_FORM) {
            a->view = VIEW_HELP;
        }
        app_dirty(a);
        return;
    }
    switch (a->view) {
    case VIEW_HELP:
        view_help_key(a, k);
        break;
    case VIEW_RESULT:
        view_result_key(a, k);
        break;
    default:
        if (app_is_action(a, k, "submit", 10, 's')) {
            app_submit(a);
            return;
        }
        view_form_key(a, k);
        break;
    }
}

static void on_signal(void *ud, int sig)
{
    struct app *a = ud;

    switch (sig) {
    case SIGINT:
        if (a->ask == ASK_QUIT)
            quit_now(a, 128 + SIGINT);
        else
            app_request_quit(a);
        break;
    case SIGTERM:
    case SIGHUP:
    case SIGQUIT:
        quit_now(a, 128 + sig);
        break;
    default:
        break;
    }
}

static void on_tick(void *ud)
{
    struct app *a = ud;
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
    if (a->is_draft_dirty && now >= a->draft_due_ms)
        draft_save_now(a);
    if (a->store && now >= a->count_due_ms)
        refresh_count(a);
}

static int min_timeout(int a, int b)
{
    if (a < 0)
        return b;
    if (b < 0)
        return a;
    return a < b ? a : b;
}

static int timeout_ms(void *ud)
{
    struct app *a = ud;
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
    if (a->outbox) {
        long ms = outbox_ms_to_next_tick(a->outbox);
        if (ms >= 0)
            t = min_timeout(t, ms > INT_MAX ? INT_MAX : (int)ms);
    }
    return t;
}

static void paint_too_small(struct app *a)
{
    char *msg = xasprintf("terminal too small (need %dx%d, have %dx%d)", TUI_MIN_COLS,
                          TUI_MIN_LINES, COLS, LINES);
    char **lines;
    size_t n = tui_wrap(msg, COLS > 2 ? COLS - 2 : 1, &lines);
    int y = LINES / 2 - (int)n / 2;

    if (y < 0)
        y = 0;
    for (size_t i = 0; i < n; i++) {
        int w = text_cols(lines[i]);
        int x = (COLS - w) / 2;
        if (x < 0)
            x = 0;
        tui_put(y + (int)i, x, COLS - x, lines[i], A_BOLD);
        a->cur_y = y + (int)i;
        a->cur_x = x + w < COLS ? x + w : COLS - 1;
    }
    tui_lines_free(lines, n);
    free(msg);
}

static void repaint(void *ud)
{
    struct app *a = ud;

    if (!a->is_dirty && !a->is_timer_dirty)
        return;
    if (a->is_full_redraw) {
        clearok(curscr, TRUE);
        a->is_full_redraw = false;
        a->is_dirty = true;
    }
    if (a->is_dirty) {
        erase();
        if (tui_is_too_small()) {
            paint_too_small(a);
        } else {
            view_form_paint(a);
            if (a->view == VIEW_PICKER && a->picker)
                view_picker_paint(a);
            else if (a->view == VIEW_RESULT)
                view_result_paint(a);
            else if (a->view == VIEW_HELP)
                view_help_paint(a);
            else if (a->view == VIEW_HISTORY && a->history)
                view_history_paint(a);
        }
    } else if (a->view == VIEW_FORM && !tui_is_too_small()) {
        view_form_paint_timer(a);
    }
    if (a->cur_y >= LINES)
        a->cur_y = LINES - 1;
    if (a->cur_x >= COLS)
        a->cur_x = COLS - 1;
    move(a->cur_y < 0 ? 0 : a->cur_y, a->cur_x < 0 ? 0 : a->cur_x);
    wnoutrefresh(stdscr);
    doupdate();
    a->is_dirty = false;
    a->is_timer_dirty = false;
}

static bool is_done(void *ud)
{
    return ((struct app *)ud)->is_done;
}

static void on_redisplay(void)
{
    if (g_app)
        app_dirty(g_app);
}

static void restore_terminal(void)
{
    tui_done();
    loop_signals_done();
}

/* ---- set-up and tear-down ------------------------------------------------------------------ */

/* Runs after every value change (typing, toggles, picks, a fresh call): the draft follows. */
static void on_form_change(struct form *f, enum field_id field, void *ud)
{
    struct app *a = ud;

    (void)field;
    if (a->is_msg_on_marks && !form_has_errors(f))
        clear_message(a);
    draft_changed(a);
    app_dirty(a);
}

/* $XDG_STATE_HOME/amplecall (or ~/.local/state/amplecall), created 0700 and checked
 * (safepath.h); owned, or NULL when it cannot be used. */
static char *state_dir(void)
{
    char *dir = NULL, *err = NULL;

    if (safepath_state_dir(true, &dir, &err) != SAFEPATH_OK)
        free(err);
    return dir;
}

static void app_start_loads(struct app *a)
{
    const char *user = a->settings.user;

    start_dispositions(a);
    start_users(a);
    if (!user) {
        app_message(a, MSG_INFO, "Choose your user: Enter on User (or set AMPLECALL_USER).");
    } else if (validate_uuid(user)) {
        form_set_choice(&a->form, FIELD_USER, user, NULL, NULL);
        start_tasks(a, false);
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
    outbox_set_listener(a->outbox, on_outbox_event, a);
    session_init(a);
}

static void apply_colors(const struct settings *s)
{
    struct tui_color v[16];
    size_t n = 0;

    for (size_t i = 0; i < s->n_colors && n < ARRAY_LEN(v); i++, n++) {
        v[n].element = s->color_table[i].element;
        v[n].fg = s->color_table[i].fg;
        v[n].bg = s->color_table[i].bg;
    }
    tui_apply_colors(v, n);
}

static bool can_use_terminal(void)
{
    const char *term = getenv("TERM");

    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
           strcmp(term, "dumb") != 0;
}

static void app_done(struct app *a)
{
    /* attempts still in flight become unknown (resolved by lookup next time); before api */
    outbox_free(a->outbox);
    store_close(a->store);
    view_history_free(a->history);
    free(a->store_error);
    free(a->host_label);
    free(a->session);
    free(a->draft_slot);
    free(a->offer_slot);
    free(a->outbox_json);
    free(a->ask_text);
    picker_free(a->picker);
    form_done(&a->form);
    disposition_list_done(&a->dispositions);
    task_list_done(&a->tasks);
    user_list_done(&a->users);
    for (int k = 0; k < PICK_KIND_COUNT; k++) {
        load_cancel(a, &a->loads[k]);
        free(a->loads[k].error);
    }
    load_cancel(a, &a->resolve);
    free(a->resolve.error);
    free(a->tasks_user);
    free(a->message);
    free(a->result_disposition);
    free(a->logged_id);
    free(a->logged_hint);
    call_record_done(&a->result);
    api_free(a->api);
    settings_done(&a->settings);
}

int cmd_form(int argc, char **argv)
{
    struct app *a;
    struct http_client *http;
    static const struct loop_ops ops = {on_key, on_signal, on_tick, timeout_ms, repaint, is_done};
    char *err = NULL, *dir, *hist;
    int rc;

    (void)argc;
    (void)argv;
    if (!can_use_terminal()) {
        sanitize_fprintf(stderr, "amplecall: the call form needs an interactive terminal (stdin and "
                        "stdout a tty, TERM set and not \"dumb\").\n"
                        "Use 'amplecall log --help' to log a call from a script.\n");
        return EXIT_USAGE;
    }
    a = xcalloc(1, sizeof(*a));
    settings_init(&a->settings);
    form_init(&a->form);
    form_set_change_hook(&a->form, on_form_change, a);
    clock_init(&a->clock, NULL, NULL);
    if (!settings_load(&a->settings, NULL, &err)) {
        sanitize_fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    if (!a->settings.api_key) {
        sanitize_fprintf(stderr, "amplecall: no API key: set AMPLEMARKET_API_KEY (or api_key_command in "
                        "the config file)\n");
        rc = EXIT_CONFIG;
        goto out;
    }
    a->host_label = http_url_host(a->settings.base_url);
    a->host = a->host_label;

    if (!loop_signals_init(&err)) {
        sanitize_fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_INTERNAL;
        goto out;
    }
    if (!tui_init(a->settings.is_color_disabled, &err)) {
        loop_signals_done();
        sanitize_fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_USAGE;
        goto out;
    }
    g_app = a;
    util_set_die_hook(restore_terminal);
    loop_signals_chain_winch();
    apply_colors(&a->settings);

    dir = state_dir();
    hist = dir ? xasprintf("%s/history", dir) : NULL;
    field_init(hist, on_redisplay);
    free(hist);
    free(dir);

    a->view = VIEW_FORM;
    a->timer_y = -1;
    a->is_dirty = true;
    app_focus(a, FIELD_FROM);
    /* The first paint comes before anything slow: loading libcurl (and the ~25 libraries
     * it brings), opening the store, the first requests. */
    repaint(a);

    a->api = connect_api(&a->settings, &err);
    if (!a->api) {
        field_done();
        util_set_die_hook(NULL);
        restore_terminal();
        g_app = NULL;
        sanitize_fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    http = api_http(a->api);
    a->host = http_client_host(http);
    open_store(a);
    app_start_loads(a);
    app_focus(a, *form_value(&a->form, FIELD_FROM) ? FIELD_TO : FIELD_FROM);
    if (a->store_error)
        app_message(a, MSG_WARN,
                    "The local store is not available (%s): no drafts, outbox or history; "
                    "calls are sent directly.",
                    a->store_error);
    offer_draft(a);
    refresh_count(a);
    a->is_dirty = true;

    loop_run(http, &ops, a);

    commit_field(a);
    if (a->is_draft_dirty)
        draft_save_now(a); /* quitting, SIGTERM or a hang-up: what was typed is kept */
    field_done();
    util_set_die_hook(NULL);
    restore_terminal();
    g_app = NULL;
    rc = a->exit_code;
    if (a->outbox)
        outbox_set_listener(a->outbox, NULL, NULL);
    refresh_count(a);
    if (a->outbox_count > 0)
        fprintf(stderr,
                "amplecall: %ld call%s in the outbox; amplecall sends %s the next time it runs, "
                "or now with 'amplecall outbox flush'.\n",
                a->outbox_count, a->outbox_count == 1 ? " waits" : "s wait",
                a->outbox_count == 1 ? "it" : "them");
    if (a->review_count > 0)
        fprintf(stderr,
                "amplecall: %ld call%s review: 'amplecall outbox' shows %s and 'amplecall "
                "outbox resolve' settles %s.\n",
                a->review_count, a->review_count == 1 ? " needs" : "s need",
                a->review_count == 1 ? "it" : "them", a->review_count == 1 ? "it" : "them");
out:
    free(err);
    app_done(a);
    free(a);
    return rc;
}
