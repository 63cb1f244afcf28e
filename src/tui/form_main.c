/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: `amplecall` with no subcommand: the call form's terminal side. It sets up
 * curses, readline and the loop, keeps one view per screen the app asks for, turns keys into
 * requests for app_handle(), keeps the readline field on the focused text field, and
 * restores the terminal on every exit path. The controller is src/app. */
#include "config.h"
#include "tui/form_main.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>

#include "app/app.h"
#include "app/softphone.h"
#include "app/worklist.h"
#include "core/exitcode.h"
#include "core/safepath.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "net/connect.h"
#include "store/numbers.h"
#include "tui/editor.h"
#include "tui/field.h"
#include "tui/keys.h"
#include "tui/loop.h"
#include "tui/tui.h"
#include "tui/view.h"

struct tui_form {
    struct app app;
    struct numbers *numbers; /* owned; the app borrows it */
    struct screen scr;
    struct view form;    /* always there, painted under the overlays */
    struct view overlay; /* the view of app.view when that is not the form; ops NULL = none */
    enum app_view shown; /* the screen overlay was opened for */
    bool is_dirty;       /* a view's own state changed (a filter, a selection) */
    bool is_full_redraw; /* clear the terminal on the next paint (resize, editor, ^L) */
};

static struct tui_form *g_tui; /* for the readline redisplay hook and the die() hook */

static const struct view_ops *ops_for(enum app_view v)
{
    switch (v) {
    case VIEW_PICKER:
        return &view_picker_ops;
    case VIEW_RESULT:
        return &view_result_ops;
    case VIEW_HELP:
        return &view_help_ops;
    case VIEW_HISTORY:
        return &view_history_ops;
    case VIEW_FORM:
        break;
    }
    return NULL;
}

static void view_open(struct view *v, const struct view_ops *ops, struct tui_form *t)
{
    v->ops = ops;
    v->scr = &t->scr;
    v->state = ops && ops->open ? ops->open(&t->app) : NULL;
}

static void view_close(struct view *v)
{
    if (v->ops && v->ops->close)
        v->ops->close(v);
    v->ops = NULL;
    v->state = NULL;
}

/* The overlay follows the screen the app wants (a request or a network answer moved it). */
static void sync_views(struct tui_form *t)
{
    if (t->shown == t->app.view && (t->overlay.ops != NULL) == (t->app.view != VIEW_FORM))
        return;
    view_close(&t->overlay);
    view_open(&t->overlay, ops_for(t->app.view), t);
    t->shown = t->app.view;
    t->is_dirty = true;
}

/* The readline field edits exactly the focused text field, holding the form's value. */
static void sync_field(struct tui_form *t)
{
    const struct app *a = &t->app;
    enum field_id want = app_is_editing_text(a) ? a->form.focus : FIELD_NONE;

    if (field_active() != want) {
        field_end();
        if (want != FIELD_NONE)
            field_begin(want, form_value(&a->form, want));
    } else if (want != FIELD_NONE && strcmp(field_text(), form_value(&a->form, want)) != 0) {
        field_replace(form_value(&a->form, want)); /* the timer, the editor, a resumed draft */
    }
}

static void sync_all(struct tui_form *t)
{
    sync_views(t);
    sync_field(t);
}

/* Field f (the focused one for ^X^E, the Transcription for F4) in $VISUAL/$EDITOR. */
static void edit_in_editor(struct tui_form *t, enum field_id f)
{
    struct app *a = &t->app;
    struct app_req r = {.kind = REQ_EDITED, .field = f};
    char *error = NULL, *text;

    if (f == FIELD_NONE || form_kind(f) != FORM_KIND_TEXT)
        return;
    if (a->is_logged) {
        app_handle(a, &(struct app_req){.kind = REQ_REFUSE});
        return;
    }
    if (a->form.focus != f) {
        app_handle(a, &(struct app_req){.kind = REQ_FOCUS, .field = f});
        sync_field(t);
    }
    text = editor_edit(f, form_value(&a->form, f), &error);
    t->is_full_redraw = true;
    r.text = text;
    r.error = text ? NULL : (error ? error : "The editor failed.");
    app_handle(a, &r);
    free(text);
    free(error);
}

static void on_key(void *ud, const struct loop_key *k);

/* The readline field's text, typed since the last request, reaches the form. */
static void commit_field(struct tui_form *t)
{
    enum field_id f = field_active();

    if (f != FIELD_NONE && strcmp(field_text(), form_value(&t->app.form, f)) != 0) {
        struct app_req set = {.kind = REQ_SET, .field = f, .text = field_text()};
        app_handle(&t->app, &set);
    }
}

/* Hand a view's request to the app (the field's text first), and bring the views and the
 * field in line with the result. */
static void hand(struct tui_form *t, const struct app_req *r, const struct loop_key *k)
{
    struct app *a = &t->app;

    if (r->kind == REQ_NONE) {
        t->is_dirty = true; /* the view's own state may have changed */
        return;
    }
    if (r->kind != REQ_SET)
        commit_field(t);
    switch (r->kind) {
    case REQ_EDITOR:
        edit_in_editor(t, r->field);
        break;
    case REQ_REDRAW:
        t->is_full_redraw = true;
        break;
    default:
        app_handle(a, r);
        break;
    }
    t->is_dirty = true;
    sync_all(t);
    if (r->is_key_replayed && t->overlay.ops && k)
        on_key(t, k);
}

static void hand_kind(struct tui_form *t, enum app_req_kind kind)
{
    hand(t, &(struct app_req){.kind = kind}, NULL);
}

/* F8 dials the number in To with the softphone, F9 hangs up (softphone.h). */
static bool phone_key(struct tui_form *t, const struct loop_key *k)
{
    const struct settings *s = &t->app.settings;
    bool is_dial = keys_is_action(s, k, "dial", 8, 0);

    if (!is_dial && !keys_is_action(s, k, "hangup", 9, 0))
        return false;
    commit_field(t); /* the number typed in To so far */
    if (is_dial)
        softphone_dial(&t->app);
    else
        softphone_hangup(&t->app);
    t->is_dirty = true;
    sync_all(t);
    return true;
}

/* Keys that mean the same on every screen; false when k is not one of them. */
static bool global_key(struct tui_form *t, const struct loop_key *k)
{
    struct app *a = &t->app;
    const struct settings *s = &a->settings;

    if ((keys_is_fkey(k, 7) || (!k->is_code && k->is_meta && k->ch == 'n')) &&
        (a->view == VIEW_FORM || a->view == VIEW_RESULT)) {
        hand_kind(t, REQ_NEXT_CALL);
        return true;
    }
    if (keys_is_action(s, k, "quit", 12, 'q')) {
        hand_kind(t, REQ_QUIT);
        return true;
    }
    if (keys_is_action(s, k, "timer", 2, 't')) {
        hand_kind(t, REQ_TIMER);
        return true;
    }
    if (a->view == VIEW_FORM && keys_is_action(s, k, "editor", 4, 0)) {
        /* from any field: a transcription is too long to type on one line */
        hand(t, &(struct app_req){.kind = REQ_EDITOR, .field = FIELD_TRANSCRIPTION}, NULL);
        return true;
    }
    if (a->view == VIEW_PICKER)
        return false; /* the picker's filter takes every other key */
    if (keys_is_action(s, k, "history", 3, 'o')) {
        hand_kind(t, REQ_HISTORY);
        return true;
    }
    if (a->view == VIEW_HISTORY)
        return false;
    if (keys_is_action(s, k, "help", 1, 'g')) {
        hand_kind(t, REQ_HELP);
        return true;
    }
    if (a->view == VIEW_FORM && keys_is_action(s, k, "submit", 10, 's')) {
        hand_kind(t, REQ_SUBMIT);
        return true;
    }
    if (a->view == VIEW_FORM && a->ask == ASK_NONE && phone_key(t, k))
        return true;
    return false;
}

/* A mouse report: the wheel moves like Up/Down, a press goes to the view's click. */
static void on_mouse(struct tui_form *t)
{
    struct app *a = &t->app;
    struct view *v = t->overlay.ops ? &t->overlay : &t->form;
    MEVENT ev;

    if (getmouse(&ev) != OK) {
        loop_swallow_report_tail();
        return;
    }

    if (a->ask != ASK_NONE || tui_is_too_small())
        return;
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        struct loop_key k = {true, false, (ev.bstate & BUTTON4_PRESSED) ? KEY_UP : KEY_DOWN};
        on_key(t, &k);
    } else if ((ev.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED)) &&
               v->ops->click) {
        /* ncurses may report a press as a click, two quick ones as a double click */
        struct app_req r = v->ops->click(v, a, ev.y, ev.x);
        hand(t, &r, NULL);
    }
}

static void on_key(void *ud, const struct loop_key *k)
{
    struct tui_form *t = ud;
    struct app *a = &t->app;
    struct view *v;

    if (k->is_code && k->ch == KEY_MOUSE) {
        on_mouse(t);
        return;
    }

    if (k->is_code && k->ch == KEY_RESIZE) {
        t->is_full_redraw = true;
        t->is_dirty = true;
        if (t->overlay.ops && t->overlay.ops->resize)
            t->overlay.ops->resize(&t->overlay, a);
        return;
    }
    if (tui_is_too_small() && a->ask != ASK_QUIT && a->ask != ASK_QUIT_KEEP) {
        /* nothing typed blind, nothing sent unseen: only quitting works until it grows */
        if (keys_is_action(&a->settings, k, "quit", 12, 'q'))
            hand_kind(t, REQ_QUIT);
        return;
    }
    if (a->ask != ASK_NONE) {
        struct app_req r = {.kind = REQ_ANSWER, .ch = keys_answer(&a->settings, a->ask, k)};
        if (r.ch)
            hand(t, &r, k);
        return;
    }
    if (k->is_meta && !app_is_editing_text(a)) {
        /* Alt+key only means something to readline; elsewhere it is Esc, then the key */
        struct loop_key esc = {false, false, 27};
        struct loop_key plain = *k;
        plain.is_meta = false;
        if (global_key(t, k))
            return;
        on_key(t, &esc);
        if (!a->is_done)
            on_key(t, &plain);
        return;
    }
    if (global_key(t, k))
        return;
    v = t->overlay.ops ? &t->overlay : &t->form;
    {
        struct app_req r = v->ops->key(v, a, k);
        hand(t, &r, k);
    }
}

static void on_signal(void *ud, int sig)
{
    struct tui_form *t = ud;
    struct app_req r = {.kind = REQ_QUIT_NOW, .id = 128 + sig};

    switch (sig) {
    case SIGINT:
        if (t->app.ask == ASK_QUIT || t->app.ask == ASK_QUIT_KEEP)
            hand(t, &r, NULL); /* a second ^C: leave now (what was typed is kept) */
        else
            hand_kind(t, REQ_QUIT);
        break;
    case SIGTERM:
    case SIGHUP:
    case SIGQUIT:
        hand(t, &r, NULL);
        break;
    default:
        break;
    }
}

static void on_tick(void *ud)
{
    struct tui_form *t = ud;

    app_tick(&t->app);
    sync_all(t);
}

static int timeout_ms(void *ud)
{
    struct tui_form *t = ud;
    int app_ms = app_timeout_ms(&t->app), phone_ms = softphone_timeout_ms(t->app.phone);

    if (app_ms < 0)
        return phone_ms;
    return phone_ms >= 0 && phone_ms < app_ms ? phone_ms : app_ms;
}

static unsigned phone_fds(void *ud, struct pollfd *out, unsigned max)
{
    return softphone_fds(((struct tui_form *)ud)->app.phone, out, max);
}

static void phone_io(void *ud)
{
    struct tui_form *t = ud;

    softphone_service(t->app.phone);
    sync_all(t); /* a call filled the form or moved the focus */
}

static void paint_too_small(struct tui_form *t)
{
    const struct app *a = &t->app;
    bool is_quit_asked = a->ask == ASK_QUIT || a->ask == ASK_QUIT_KEEP;
    char *msg = xasprintf("terminal too small (need %dx%d, have %dx%d). %s", TUI_MIN_COLS,
                          TUI_MIN_LINES, COLS, LINES,
                          is_quit_asked && a->ask_text ? a->ask_text
                          : is_quit_asked ? "Quit and lose the call you have not sent? (y/n)"
                                          : "Keys wait until it grows; ^Q quits.");
    char **lines;
    size_t n = text_wrap(msg, COLS > 2 ? COLS - 2 : 1, &lines);
    int y = LINES / 2 - (int)n / 2;

    if (y < 0)
        y = 0;
    for (size_t i = 0; i < n; i++) {
        int w = text_cols(lines[i]);
        int x = (COLS - w) / 2;
        if (x < 0)
            x = 0;
        tui_put(y + (int)i, x, COLS - x, lines[i], A_BOLD);
        t->scr.cur_y = y + (int)i;
        t->scr.cur_x = x + w < COLS ? x + w : COLS - 1;
    }
    text_lines_free(lines, n);
    free(msg);
}

static void repaint(void *ud)
{
    struct tui_form *t = ud;
    const struct app *a = &t->app;
    bool is_timer_only = false;
    bool is_app_dirty = app_take_dirty(&t->app, &is_timer_only);

    sync_all(t); /* a network answer may have moved the app to another screen */
    if (!is_app_dirty && !t->is_dirty && !t->is_full_redraw)
        return;
    if (t->is_full_redraw) {
        clearok(curscr, TRUE);
        t->is_full_redraw = false;
        t->is_dirty = true;
    }
    if (t->is_dirty || !is_timer_only) {
        erase();
        if (tui_is_too_small()) {
            paint_too_small(t);
        } else {
            t->form.ops->paint(&t->form, a);
            if (t->overlay.ops)
                t->overlay.ops->paint(&t->overlay, a);
        }
    } else if (a->view == VIEW_FORM && !tui_is_too_small()) {
        view_form_paint_timer(&t->form, a);
    }
    if (t->scr.cur_y >= LINES)
        t->scr.cur_y = LINES - 1;
    if (t->scr.cur_x >= COLS)
        t->scr.cur_x = COLS - 1;
    move(t->scr.cur_y < 0 ? 0 : t->scr.cur_y, t->scr.cur_x < 0 ? 0 : t->scr.cur_x);
    wnoutrefresh(stdscr);
    doupdate();
    t->is_dirty = false;
}

static bool is_done(void *ud)
{
    return ((struct tui_form *)ud)->app.is_done;
}

static void on_redisplay(void)
{
    if (g_tui)
        g_tui->is_dirty = true;
}

static void restore_terminal(void)
{
    tui_done();
    loop_signals_done();
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

/* Leave curses: what was typed is saved by app_finish() first. */
static void leave_terminal(struct tui_form *t)
{
    field_done();
    util_set_die_hook(NULL);
    restore_terminal();
    g_tui = NULL;
    view_close(&t->overlay);
    view_close(&t->form);
}

static void print_goodbye(const struct app *a)
{
    if (a->is_draft_kept)
        fprintf(stderr, "amplecall: the call you had not sent is kept as a draft; amplecall "
                        "offers it the next time it starts.\n");
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
}

int cmd_form(int argc, char **argv)
{
    struct tui_form *t;
    struct app *a;
    static const struct loop_ops ops = {on_key,     on_signal, on_tick,   timeout_ms,
                                        repaint,    is_done,   phone_fds, phone_io};
    char *err = NULL, *dir;
    int rc;

    const char *task = NULL;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--task") && i + 1 < argc && *argv[i + 1]) {
            task = argv[++i];
        } else if (!strncmp(argv[i], "--task=", 7) && argv[i][7]) {
            task = argv[i] + 7;
        } else {
            sanitize_fprintf(stderr, "amplecall: the form takes --task UUID|NAME only, not "
                                     "'%s'\nRun 'amplecall --help' for the commands.\n",
                             argv[i]);
            return EXIT_USAGE;
        }
    }
    if (!can_use_terminal()) {
        fprintf(stderr, "amplecall: the call form needs an interactive terminal (stdin and "
                        "stdout a tty, TERM set and not \"dumb\").\n"
                        "Use 'amplecall log --help' to log a call from a script.\n");
        return EXIT_USAGE;
    }
    t = xcalloc(1, sizeof(*t));
    a = &t->app;
    app_init(a);
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
    a->host_label = http_url_host(a->settings.base_url);
    a->host = a->host_label;

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
    g_tui = t;
    util_set_die_hook(restore_terminal);
    loop_signals_chain_winch();
    apply_colors(&a->settings);
    if (!a->settings.is_mouse_disabled)
        tui_enable_mouse();

    /* main() refused an unsafe state directory already; any other problem only costs the
     * number history between runs */
    if (safepath_state_dir(true, &dir, &err) != SAFEPATH_OK) {
        free(err);
        err = NULL;
        dir = NULL;
    }
    t->numbers = numbers_open(dir);
    free(dir);
    a->numbers = t->numbers;
    field_init(t->numbers, on_redisplay);

    view_open(&t->form, &view_form_ops, t);
    t->shown = VIEW_FORM;
    sync_all(t);
    /* The first paint comes before anything slow: loading libcurl (and the ~25 libraries
     * it brings), opening the store, the first requests. */
    repaint(t);

    a->api = connect_api(&a->settings, &err);
    if (!a->api) {
        leave_terminal(t);
        fprintf(stderr, "amplecall: %s\n", err);
        rc = EXIT_CONFIG;
        goto out;
    }
    a->host = http_client_host(api_http(a->api));
    app_start(a);
    softphone_start(a);
    if (task)
        worklist_open(a, task); /* at once from the kept list, else when the list comes */
    sync_all(t);

    loop_run(api_http(a->api), &ops, t);

    commit_field(t);
    softphone_free(a->phone); /* no call changes the form from here on */
    app_finish(a);
    leave_terminal(t);
    numbers_save(t->numbers); /* numbers typed but not sent are offered next time too */
    rc = a->exit_code;
    print_goodbye(a);
out:
    free(err);
    app_done(a);
    numbers_close(t->numbers);
    free(t);
    return rc;
}
