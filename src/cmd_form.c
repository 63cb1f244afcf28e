/* `amplecall` with no subcommand: the call form. Owns the app state (tui_app.h), the
 * background loads, the timer, the submit and its outcome, and the exit paths (every one
 * restores the terminal). Drawing lives in view_*.c, editing in field.c, waiting in loop.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "commands.h"
#include "field.h"
#include "loop.h"
#include "sanitize.h"
#include "tui.h"
#include "tui_app.h"
#include "util.h"
#include "validate.h"
#include "view_picker.h"

#define EDITOR_MAX_BYTES (1024 * 1024)
#define SPIN_MS 150

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
        va_start(ap, fmt);
        a->message = xvasprintf(fmt, ap);
        va_end(ap);
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
        free(c);
        return NULL;
    }
    ld->op = NULL;
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

static struct load_ctx *load_begin(struct app *a, enum pick_kind kind)
{
    struct load_ctx *c = xcalloc(1, sizeof(*c));
    struct load *ld;

    c->a = a;
    c->kind = kind;
    ld = ctx_load(c);
    ld->gen++;
    if (ld->op) {
        struct api_op *old = ld->op;
        ld->op = NULL;
        api_op_cancel(a->api, old); /* its callback sees a newer gen and drops out */
    }
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
    if (form_kind(f) == FORM_KIND_TEXT && a->view == VIEW_FORM)
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

    if (form_kind(f) != FORM_KIND_PICK)
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

/* Put a yes/no question in the message area, which only the form shows. */
static void ask(struct app *a, enum ask_kind k)
{
    if (a->view == VIEW_PICKER)
        app_close_picker(a);
    else if (a->view == VIEW_HELP)
        a->view = VIEW_FORM;
    a->ask = k;
    app_dirty(a);
}

/* ---- timer --------------------------------------------------------------------------------- */

static void timer_start(struct app *a)
{
    clock_start(&a->clock);
    app_message(a, MSG_INFO, "Timer running; F2 (or ^T) stops it and fills Duration.");
}

void app_toggle_timer(struct app *a)
{
    if (a->clock.is_running) {
        long long secs = clock_stop(&a->clock);
        char buf[32];
        snprintf(buf, sizeof(buf), "%lld", secs);
        app_set_value(a, FIELD_DURATION, buf);
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

/* The API accepted the call. */
static void submit_accepted(struct app *a, struct call_record *rec)
{
    const char *name;

    call_record_done(&a->result);
    a->result = *rec;
    memset(rec, 0, sizeof(*rec));
    name = app_disposition_name(a, a->result.disposition_id);
    free(a->result_disposition);
    a->result_disposition = name ? sanitize_line(name) : NULL;
    a->is_outcome_unknown = false;
    form_mark_sent(&a->form);
    form_clear_errors(&a->form);
    remember_numbers(a);
    clear_message(a);
    field_end();
    picker_free(a->picker);
    a->picker = NULL;
    a->view = VIEW_RESULT;
}

/* The API rejected the call or the request failed; every field is kept as typed. */
static void submit_failed(struct app *a, const struct api_result *res)
{
    const char *why = res->message ? res->message : http_outcome_name(res->outcome);
    char *clean = sanitize_line(why);

    if (res->is_unknown) {
        a->is_outcome_unknown = true;
        app_message(a, MSG_WARN,
                    "Outcome unknown: %s The call may or may not have been logged; check "
                    "Amplemarket before sending again (F10 asks first).",
                    clean);
    } else {
        switch (res->outcome) {
        case HTTP_OUT_CLIENT_ERROR: {
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
                        "nothing was logged and your entries are kept.",
                        res->status);
            break;
        case HTTP_OUT_RATE_LIMITED:
            if (res->retry_after > 0) { /* on_tick counts down from here */
                a->retry_at_ms = clock_now(&a->clock) + res->retry_after * 1000;
                a->shown_retry_s = -1;
                app_message(a, MSG_WARN, "Too many requests (HTTP 429).");
            } else {
                app_message(a, MSG_WARN,
                            "Too many requests (HTTP 429). Nothing was logged and your entries "
                            "are kept; wait a little, then F10 sends again.");
            }
            break;
        case HTTP_OUT_SERVER_ERROR:
            app_message(a, MSG_ERROR,
                        "Amplemarket had a server error (HTTP %ld): %s Your entries are kept; "
                        "F10 tries again.",
                        res->status, clean);
            break;
        default:
            app_message(a, MSG_ERROR,
                        "Could not reach %s: %s Your entries are kept; F10 tries again.",
                        a->host ? a->host : "the API", clean);
            break;
        }
    }
    free(clean);
}

static void on_posted(struct api_result *res, struct call_record *rec, void *ud)
{
    struct app *a = ud;

    a->is_sending = false;
    a->submit_op = NULL;
    if (res->outcome == HTTP_OUT_CANCELLED)
        return;
    note_outcome(a, res);
    if (api_result_ok(res))
        submit_accepted(a, rec);
    else
        submit_failed(a, res);
    app_dirty(a);
}

/* Send the form's call (already validated). */
static void submit_send(struct app *a)
{
    struct api_op *op;

    a->is_sending = true;
    a->is_outcome_unknown = false;
    form_clear_errors(&a->form);
    app_message(a, MSG_INFO, "Sending the call to %s...", a->host ? a->host : "Amplemarket");
    op = api_post_call_async(a->api, &a->form.call, on_posted, a);
    if (a->is_sending)
        a->submit_op = op;
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
    if (a->is_outcome_unknown) {
        ask(a, ASK_RESEND);
        return;
    }
    submit_send(a);
}

void app_new_call(struct app *a)
{
    if (a->clock.is_running)
        clock_stop(&a->clock);
    field_end();
    form_new_call(&a->form);
    call_record_done(&a->result);
    free(a->result_disposition);
    a->result_disposition = NULL;
    a->view = VIEW_FORM;
    app_message(a, MSG_OK, "Call logged. Ready for the next one.");
    app_focus(a, a->form.focus);
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
    if (form_has_unsent(&a->form) || a->is_sending) {
        ask(a, ASK_QUIT);
        return;
    }
    quit_now(a, 0);
}

static void answer(struct app *a, bool is_yes)
{
    enum ask_kind k = a->ask;

    a->ask = ASK_NONE;
    app_dirty(a);
    if (!is_yes)
        return;
    switch (k) {
    case ASK_QUIT:
        quit_now(a, 0);
        break;
    case ASK_TIMER_REPLACE:
        timer_start(a);
        break;
    case ASK_RESEND:
        submit_send(a);
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

static void on_key(void *ud, const struct loop_key *k)
{
    struct app *a = ud;

    if (k->is_code && k->ch == KEY_RESIZE) {
        a->is_full_redraw = true;
        app_dirty(a);
        return;
    }
    if (a->ask != ASK_NONE) {
        if (!k->is_code && !k->is_meta && (k->ch == 'y' || k->ch == 'Y'))
            answer(a, true);
        else if (!k->is_code && !k->is_meta && (k->ch == 'n' || k->ch == 'N' || k->ch == 27))
            answer(a, false);
        else if (a->ask == ASK_QUIT && (is_ctrl(k, 'q') || is_fkey(k, 12)))
            answer(a, true);
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
    if (is_ctrl(k, 'q') || is_fkey(k, 12)) {
        app_request_quit(a);
        return;
    }
    if (is_fkey(k, 2) || is_ctrl(k, 't')) {
        app_toggle_timer(a);
        return;
    }
    if (a->view == VIEW_PICKER) {
        view_picker_key(a, k);
        return;
    }
    if (is_fkey(k, 1) || is_ctrl(k, 'g')) {
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
        if (is_fkey(k, 10) || is_ctrl(k, 's')) {
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
            app_message(a, MSG_INFO, "You can send again now (F10).");
        } else if (left != a->shown_retry_s) {
            a->shown_retry_s = left;
            app_message(a, MSG_WARN,
                        "Too many requests (HTTP 429): you can send again in %lld s. "
                        "Your entries are kept.",
                        left);
        }
    }
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

/* Runs after every value change (typing, toggles, picks, a fresh call). Draft saving belongs
 * here too. */
static void on_form_change(struct form *f, enum field_id field, void *ud)
{
    struct app *a = ud;

    (void)field;
    if (a->is_msg_on_marks && !form_has_errors(f))
        clear_message(a);
    app_dirty(a);
}

/* $XDG_STATE_HOME/amplecall (or ~/.local/state/amplecall), created 0700; owned, or NULL. */
static char *state_dir(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *base, *dir, *p;

    if (xdg && xdg[0] == '/')
        base = xstrdup(xdg);
    else if (home && *home)
        base = xasprintf("%s/.local/state", home);
    else
        return NULL;
    dir = xasprintf("%s/amplecall", base);
    free(base);
    for (p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            free(dir);
            return NULL;
        }
        *p = '/';
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    chmod(dir, 0700); /* ours alone, even if it was created looser before */
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

static bool can_use_terminal(void)
{
    const char *term = getenv("TERM");

    return isatty(STDIN_FILENO) && isatty(STDOUT_FILENO) && term && *term &&
           strcmp(term, "dumb") != 0;
}

static void app_done(struct app *a)
{
    picker_free(a->picker);
    form_done(&a->form);
    disposition_list_done(&a->dispositions);
    task_list_done(&a->tasks);
    user_list_done(&a->users);
    for (int k = 0; k < PICK_KIND_COUNT; k++)
        free(a->loads[k].error);
    free(a->resolve.error);
    free(a->tasks_user);
    free(a->message);
    free(a->result_disposition);
    call_record_done(&a->result);
    api_free(a->api);
    settings_done(&a->settings);
}

int cmd_form(int argc, char **argv)
{
    struct app *a;
    struct http_options hopt;
    struct http_client *http;
    static const struct loop_ops ops = {on_key, on_signal, on_tick, timeout_ms, repaint, is_done};
    char *err = NULL, *dir, *hist;
    int rc;

    (void)argc;
    (void)argv;
    if (!can_use_terminal()) {
        fprintf(stderr, "amplecall: the call form needs an interactive terminal (stdin and "
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
        fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    if (!a->settings.api_key) {
        fprintf(stderr, "amplecall: no API key: set AMPLEMARKET_API_KEY (or api_key_command in "
                        "the config file)\n");
        rc = EXIT_CONFIG;
        goto out;
    }
    memset(&hopt, 0, sizeof(hopt));
    hopt.base_url = a->settings.base_url;
    hopt.api_key = a->settings.api_key;
    hopt.connect_timeout_ms = a->settings.connect_timeout_ms;
    hopt.timeout_ms = a->settings.timeout_ms;
    hopt.ca_file = a->settings.ca_file;
    http = http_client_new(&hopt, &err);
    if (!http) {
        fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    a->api = api_new(http);
    a->host = http_client_host(http);

    if (!loop_signals_init(&err)) {
        fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_INTERNAL;
        goto out;
    }
    if (!tui_init(a->settings.is_color_disabled, &err)) {
        loop_signals_done();
        fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_USAGE;
        goto out;
    }
    g_app = a;
    util_set_die_hook(restore_terminal);
    loop_signals_chain_winch();

    dir = state_dir();
    hist = dir ? xasprintf("%s/history", dir) : NULL;
    field_init(hist, on_redisplay);
    free(hist);
    free(dir);

    a->view = VIEW_FORM;
    a->timer_y = -1;
    a->is_dirty = true;
    app_start_loads(a);
    app_focus(a, *form_value(&a->form, FIELD_FROM) ? FIELD_TO : FIELD_FROM);

    loop_run(http, &ops, a);

    commit_field(a);
    field_done();
    util_set_die_hook(NULL);
    restore_terminal();
    g_app = NULL;
    rc = a->exit_code;
out:
    free(err);
    app_done(a);
    free(a);
    return rc;
}
