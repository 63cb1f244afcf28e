/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the form screen: title, the ten fields with their error marks and notes, the timer,
 * the message area, the status bar and the key help line; and the keys of the form itself.
 * Draws only sanitised text; the terminal cursor ends in the focused field. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "app/softphone.h"
#include "app/worklist.h"
#include "tui/field.h"
#include "core/charset.h"
#include "core/sanitize.h"
#include "tui/tui.h"
#include "tui/keys.h"
#include "tui/view.h"
#include "core/util.h"

#define LABEL_COLS 18 /* ">!* Recording URL " */
#define DURATION_COLS 10
#define MSG_MAX_LINES 6

enum vrow_kind { VROW_FIELD, VROW_NOTE, VROW_ERROR };

struct vrow {
    enum field_id field;
    enum vrow_kind kind;
    char *text; /* owned, for notes and errors */
};

struct layout {
    struct vrow *v;
    int n;
};

/* The form view's own state: its scroll and where the timer digits are drawn. */
struct form_view {
    int scroll;           /* first virtual row shown */
    int timer_y, timer_x; /* -1 when the timer is not on screen */
    enum field_id *row_field; /* owned: the field each screen row shows (mouse clicks) */
    int n_rows;
};

static void add_vrow(struct layout *l, enum field_id f, enum vrow_kind k, const char *text)
{
    l->v = xrealloc(l->v, (size_t)(l->n + 1) * sizeof(*l->v));
    l->v[l->n].field = f;
    l->v[l->n].kind = k;
    l->v[l->n].text = xstrdup(text);
    l->n++;
}

static void add_wrapped(struct layout *l, enum field_id f, enum vrow_kind k, const char *text,
                        const char *first_prefix, int cols)
{
    char **lines;
    size_t n = text_wrap(text, cols - 2, &lines);

    for (size_t i = 0; i < n; i++) {
        char *t = xasprintf("%s%s", i == 0 ? first_prefix : "  ", lines[i]);
        add_vrow(l, f, k, t);
        free(t);
    }
    text_lines_free(lines, n);
}

#define PREVIEW_LINES 3

/* A transcription longer than its row: its first lines and its size under it, so the rep
 * sees what is there without opening the editor. */
static void add_preview(struct layout *l, const char *v, int vcols)
{
    size_t bytes = strlen(v), n_lines = 1, shown = 0;
    const char *p = v;
    char *size;

    for (const char *q = v; *q; q++)
        if (*q == '\n' && q[1])
            n_lines++;
    if (n_lines == 1 && text_cols(v) <= vcols)
        return;
    while (*p && shown < PREVIEW_LINES) {
        size_t len = strcspn(p, "\n");
        char *line = xstrndup(p, len);
        char *cut = text_cut(line, vcols - 2);
        char *row = xasprintf("  %s", cut);

        add_vrow(l, FIELD_TRANSCRIPTION, VROW_NOTE, row);
        free(row);
        free(cut);
        free(line);
        shown++;
        p += len;
        if (*p == '\n')
            p++;
    }
    if (bytes < 1024)
        size = xasprintf("-> %zu line%s, %zu bytes; F4 opens it in the editor", n_lines,
                         n_lines == 1 ? "" : "s", bytes);
    else
        size = xasprintf("-> %zu line%s, %.1f KB; F4 opens it in the editor", n_lines,
                         n_lines == 1 ? "" : "s", (double)bytes / 1024.0);
    add_vrow(l, FIELD_TRANSCRIPTION, VROW_NOTE, size);
    free(size);
}

static void build_layout(const struct app *a, struct layout *l, int vcols)
{
    l->v = NULL;
    l->n = 0;
    for (int f = 0; f < FIELD_COUNT; f++) {
        add_vrow(l, (enum field_id)f, VROW_FIELD, NULL);
        if (f == FIELD_TRANSCRIPTION)
            add_preview(l, form_value(&a->form, FIELD_TRANSCRIPTION), vcols);
        if (a->form.note[f])
            add_wrapped(l, (enum field_id)f, VROW_NOTE, a->form.note[f], "-> ", vcols);
        if (a->form.error[f])
            add_wrapped(l, (enum field_id)f, VROW_ERROR, a->form.error[f], "! ", vcols);
    }
}

static void free_layout(struct layout *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i].text);
    free(l->v);
}

/* ---- message area -------------------------------------------------------------------------- */

struct msg_line {
    char *text;
    attr_t attr;
};

static attr_t msg_attr(enum msg_kind k)
{
    switch (k) {
    case MSG_OK:
        return tui_attr(TUI_OK);
    case MSG_WARN:
        return tui_attr(TUI_WARN);
    case MSG_ERROR:
        return tui_attr(TUI_ERROR);
    default:
        return A_NORMAL;
    }
}

static void add_msg(struct msg_line **v, size_t *n, const char *text, attr_t at, int cols)
{
    char **lines;
    size_t k = text_wrap(text, cols, &lines);

    for (size_t i = 0; i < k; i++) {
        *v = xrealloc(*v, (*n + 1) * sizeof(**v));
        (*v)[*n].text = lines[i];
        (*v)[*n].attr = at;
        (*n)++;
    }
    free(lines);
}

static const char *ask_text(const struct app *a)
{
    if (a->ask != ASK_NONE && a->ask_text)
        return a->ask_text;
    switch (a->ask) {
    case ASK_QUIT:
        return "Quit and lose the call you have not sent? (y/n) ";
    case ASK_TIMER_REPLACE:
        return "Duration already has a value; start the timer and replace it when it stops? "
               "(y/n) ";
    case ASK_RESEND:
        return "The last attempt may already have been logged. Send again anyway? (y/n) ";
    case ASK_NEW_CALL:
        return "Discard the call you have not sent and start a new one? (y/n) ";
    default:
        return NULL;
    }
}

/* ---- painting ------------------------------------------------------------------------------ */

static void paint_title(const struct app *a)
{
    const char *right = NULL;
    char *tmp = NULL;

    tui_fill(0, 0, COLS, tui_attr(TUI_TITLE));
    tui_put(0, 1, COLS - 2, "amplecall - log a call", tui_attr(TUI_TITLE));
    if (a->is_sending) {
        tmp = xasprintf("%s sending...", app_spinner(a));
        right = tmp;
    } else if (a->is_logged) {
        tmp = a->logged_id ? xasprintf("logged as %s", a->logged_id) : xstrdup("logged");
        right = tmp;
    } else if (a->outbox_id && !app_has_unsaved(a)) {
        tmp = a->is_outbox_review ? xasprintf("kept for review as #%lld", a->outbox_id)
                                  : xasprintf("queued in the outbox as #%lld", a->outbox_id);
        right = tmp;
    } else if (form_has_unsent(&a->form)) {
        right = "not sent yet";
    }
    if (right) {
        /* a remote id comes from the server: however long, it stays right of the title */
        int cols = text_cols(right), room = COLS - 26;

        if (cols > room)
            cols = room;
        tui_put(0, COLS - 1 - cols, cols, right, tui_attr(TUI_TITLE));
    }
    free(tmp);
}

static void paint_status(const struct app *a)
{
    const char *user = a->form.display[FIELD_USER] ? a->form.display[FIELD_USER]
                                                   : form_value(&a->form, FIELD_USER);
    const char *conn;
    char *left, *right = NULL, *phone, *conn_phone = NULL;
    int y = LINES - 2;
    bool is_loading = false;

    switch (a->conn) {
    case CONN_ONLINE:
        conn = "online";
        break;
    case CONN_OFFLINE:
        conn = "offline";
        break;
    case CONN_AUTH_FAILED:
        conn = "key rejected";
        break;
    default:
        conn = "connecting";
        break;
    }
    phone = softphone_status(a);
    if (phone) {
        conn_phone = xasprintf("%s | %s", conn, phone); /* the phone's state stays in view */
        free(phone);
        conn = conn_phone;
    }
    for (int k = 0; k < PICK_KIND_COUNT; k++)
        if (a->loads[k].state == LOAD_RUNNING)
            is_loading = true;
    if (a->resolve.state == LOAD_RUNNING)
        is_loading = true;
    left = xasprintf(" %s | user: %s | %s", a->host ? a->host : "", *user ? user : "(none)", conn);
    /* the day's work (logged today, the outbox and its next retry, the review) on the right;
     * short of room, the user's email goes first, then "today", then the user: the
     * connection state and the outbox always stay in view */
    for (int squeeze = 0; squeeze < 4; squeeze++) {
        free(right);
        right = NULL;
        if (a->store) {
            char *review = a->review_count > 0 ? xasprintf("%ld to review | ", a->review_count)
                                               : xstrdup("");
            long long in = worklist_retry_in_s(a);
            char *retry = in > 0 ? xasprintf(", retry %d in %lld s", a->retry_attempts, in)
                                 : xstrdup("");
            char *today = squeeze < 2 ? xasprintf("today: %ld | ", a->today_count < 0
                                                                       ? 0
                                                                       : a->today_count)
                                      : xstrdup("");
            right = xasprintf("%s%s%s%soutbox: %ld%s ", is_loading ? app_spinner(a) : "",
                              is_loading ? " loading | " : "", today, review,
                              a->outbox_count < 0 ? 0 : a->outbox_count, retry);
            free(today);
            free(retry);
            free(review);
        } else if (is_loading) {
            right = xasprintf("%s loading ", app_spinner(a));
        }
        if (squeeze > 0) {
            char *name = strstr(user, " <") ? xstrndup(user, (size_t)(strstr(user, " <") - user))
                                            : xstrdup(user);
            free(left);
            left = squeeze < 3 ? xasprintf(" %s | user: %s | %s", a->host ? a->host : "",
                                           *name ? name : "(none)", conn)
                               : xasprintf(" %s | %s", a->host ? a->host : "", conn);
            free(name);
        }
        if (!right || text_cols(left) + 1 + text_cols(right) <= COLS)
            break;
    }
    tui_fill(y, 0, COLS, tui_attr(TUI_STATUS));
    tui_put(y, 0, COLS - 1 - (right ? text_cols(right) : 0), left, tui_attr(TUI_STATUS));
    if (right)
        tui_put(y, COLS - text_cols(right), text_cols(right), right, tui_attr(TUI_STATUS));
    free(left);
    free(right);
    free(conn_phone);
    tui_fill(LINES - 1, 0, COLS, tui_attr(TUI_HELP));
    tui_put(LINES - 1, 1, COLS - 2, view_form_help_line(a), tui_attr(TUI_HELP));
}

const char *view_form_help_line(const struct app *a)
{
    switch (a->view) {
    case VIEW_PICKER:
        return "Type to filter  Enter choose  Esc cancel  Up/Down move  F5/^R reload";
    case VIEW_RESULT:
        return "Enter new call  Esc back to the logged call  F1/^G help  ^Q quit";
    case VIEW_HELP:
        return "Esc close help";
    case VIEW_HISTORY:
        return "Up/Down move  Enter details  o reopen a rejected call  Esc/F3 close  ^Q quit";
    default:
        break;
    }
    if (a->is_logged && a->logged_hint)
        return a->logged_hint;
    switch (form_kind(a->form.focus)) {
    case FORM_KIND_BOOL:
        return "F1/^G Help  F2/^T Timer  F10/^S Send  F3/^O History  Space/y/n Set  ^Q Quit";
    case FORM_KIND_PICK:
        return "F1/^G Help  F2/^T Timer  F10/^S Send  F3/^O History  Enter Pick  ^Q Quit";
    default:
        if (a->form.focus == FIELD_TRANSCRIPTION)
            return "F1/^G Help  F2/^T Timer  F10/^S Send  F3/^O History  F4/^X^E Editor  ^Q Quit";
        return "F1/^G Help  F2/^T Timer  F10/^S Send  F3/^O History  Tab/S-Tab Move  ^Q Quit";
    }
}

static void paint_label(int y, enum field_id f, bool is_focus, bool is_error)
{
    enum tui_style st = is_error ? (is_focus ? TUI_ERROR_FOCUS : TUI_ERROR)
                                 : (is_focus ? TUI_LABEL_FOCUS : TUI_LABEL);
    char *text = xasprintf("%c%c%c %s", is_focus ? '>' : ' ', is_error ? '!' : ' ',
                           field_is_required(f) ? '*' : ' ', field_label(f));

    tui_fill(y, 0, LABEL_COLS - 1, tui_attr(st));
    tui_put(y, 0, LABEL_COLS - 1, text, tui_attr(st));
    free(text);
}

static const char *pick_hint(const struct app *a, enum field_id f, char **tmp)
{
    enum pick_kind k = f == FIELD_DISPOSITION ? PICK_DISPOSITION
                       : f == FIELD_TASK      ? PICK_TASK
                                              : PICK_USER;
    const struct load *ld = &a->loads[k];

    if (f == FIELD_TASK && !a->tasks_user)
        return "choose the user first";
    if (f == FIELD_USER && a->resolve.state == LOAD_RUNNING) {
        *tmp = xasprintf("%s looking up %s", app_spinner(a), a->settings.user);
        return *tmp;
    }
    {
        size_t n = k == PICK_DISPOSITION ? a->dispositions.n
                   : k == PICK_TASK      ? a->tasks.n
                                         : a->users.n;
        char *age = n ? app_list_age(a, k) : NULL;

        if (age) { /* kept from an earlier session: usable offline, its age said */
            *tmp = xasprintf("%sEnter to choose (%zu%s %s)",
                             k == PICK_DISPOSITION ? "optional - " : "", n,
                             k == PICK_TASK ? " tasks" : k == PICK_USER ? " users" : "", age);
            free(age);
            return *tmp;
        }
    }
    switch (ld->state) {
    case LOAD_RUNNING:
        *tmp = xasprintf("%s loading...  (Enter to open)", app_spinner(a));
        return *tmp;
    case LOAD_FAILED:
        return "could not load - Enter to see why and retry";
    case LOAD_DONE:
        if (f == FIELD_TASK)
            *tmp = xasprintf("Enter to choose (%zu tasks)", a->tasks.n);
        else if (f == FIELD_DISPOSITION)
            *tmp = xasprintf("optional - Enter to choose (%zu)", a->dispositions.n);
        else
            *tmp = xasprintf("Enter to choose (%zu users)", a->users.n);
        return *tmp;
    default:
        return "Enter to choose";
    }
}

/* Draw a field's value; returns the cursor column for it. */
static int paint_value(const struct app *a, int y, enum field_id f, bool is_focus)
{
    int vx = LABEL_COLS, vcols = COLS - LABEL_COLS - 1;
    const char *v = form_value(&a->form, f);

    if (f == FIELD_DURATION)
        vcols = DURATION_COLS;
    switch (form_kind(f)) {
    case FORM_KIND_BOOL: {
        int b = form_bool(&a->form, f);
        mvaddstr(y, vx,
                 b == 1   ? "[x] yes  [ ] no"
                 : b == 0 ? "[ ] yes  [x] no"
                          : "[ ] yes  [ ] no");
        return vx + (b == 0 ? 10 : 1);
    }
    case FORM_KIND_PICK: {
        char *tmp = NULL;
        if (*v) {
            const char *d = a->form.display[f] ? a->form.display[f] : v;
            tui_put(y, vx, vcols, d, A_NORMAL);
        } else {
            tui_put(y, vx, vcols, pick_hint(a, f, &tmp), tui_attr(TUI_HINT));
        }
        free(tmp);
        return vx;
    }
    default:
        if (is_focus && field_active() == f)
            return field_draw(stdscr, y, vx, vcols);
        if (!charset_is_utf8()) { /* drawn in the terminal's charset, like the field */
            char *d = charset_to_display(v);
            int cx = field_paint(stdscr, y, vx, vcols, d, strlen(d), 0, NULL);
            free(d);
            return cx;
        }
        return field_paint(stdscr, y, vx, vcols, v, strlen(v), 0, NULL);
    }
}

static void paint_timer(const struct app *a, struct form_view *fv, int y)
{
    int x = LABEL_COLS + DURATION_COLS + 2;
    char t[16];

    if (a->clock.is_running) {
        clock_format(clock_elapsed_s(&a->clock), t, sizeof(t));
        tui_put(y, x, 6, "Timer", tui_attr(TUI_WARN));
        /* plain digits: a tick then costs a cursor move, the changed digit and a move back */
        tui_put(y, x + 6, 8, t, A_NORMAL);
        tui_put(y, x + 15, COLS - x - 16, "running - F2/^T stops it", tui_attr(TUI_HINT));
        fv->timer_y = y;
        fv->timer_x = x + 6;
    } else {
        if (!a->is_logged) /* a logged call has no timer to start */
            tui_put(y, x, COLS - x - 1, "F2/^T starts the call timer", tui_attr(TUI_HINT));
        fv->timer_y = -1;
    }
}

void view_form_paint_timer(struct view *v, const struct app *a)
{
    struct form_view *fv = v->state;
    char t[16];

    if (fv->timer_y < 0 || !a->clock.is_running)
        return;
    clock_format(clock_elapsed_s(&a->clock), t, sizeof(t));
    tui_put(fv->timer_y, fv->timer_x, 8, t, A_NORMAL);
}

static void form_paint(struct view *view, const struct app *a)
{
    struct form_view *fv = view->state;
    struct screen *scr = view->scr;
    int vcols = COLS - LABEL_COLS - 1;
    struct layout l;
    struct msg_line *msgs = NULL;
    size_t n_msgs = 0;
    const char *ask = ask_text(a);
    int y0 = 2, y1, height, focus_row = 0, focus_end = 0;

    paint_title(a);

    /* message area, nearest the status bar: general errors, the message, the question */
    for (size_t i = 0; i < a->form.n_general; i++) {
        char *t = xasprintf("! %s", a->form.general[i]);
        add_msg(&msgs, &n_msgs, t, tui_attr(TUI_ERROR), COLS - 2);
        free(t);
    }
    if (a->message)
        add_msg(&msgs, &n_msgs, a->message, msg_attr(a->msg_kind), COLS - 2);
    if (ask)
        add_msg(&msgs, &n_msgs, ask, tui_attr(TUI_WARN), COLS - 2);
    {
        size_t shown = n_msgs > MSG_MAX_LINES ? MSG_MAX_LINES : n_msgs;
        size_t skip = n_msgs - shown; /* keep the newest lines (the question is last) */
        int my = LINES - 2 - (int)shown;
        for (size_t i = 0; i < shown; i++) {
            tui_put(my + (int)i, 1, COLS - 2, msgs[skip + i].text, msgs[skip + i].attr);
            if (ask && i == shown - 1) {
                scr->cur_y = my + (int)i;
                scr->cur_x = 1 + text_cols(msgs[skip + i].text);
                if (scr->cur_x >= COLS)
                    scr->cur_x = COLS - 1;
            }
        }
        y1 = my - 2;
        for (size_t i = 0; i < n_msgs; i++)
            free(msgs[i].text);
        free(msgs);
    }

    build_layout(a, &l, vcols);
    for (int i = 0; i < l.n; i++) {
        if (l.v[i].field == a->form.focus) {
            if (l.v[i].kind == VROW_FIELD)
                focus_row = i;
            focus_end = i;
        }
    }
    height = y1 - y0 + 1;
    if (height < 1)
        height = 1;
    if (focus_end - fv->scroll >= height)
        fv->scroll = focus_end - height + 1;
    if (focus_row < fv->scroll)
        fv->scroll = focus_row;
    if (fv->scroll > l.n - height)
        fv->scroll = l.n - height;
    if (fv->scroll < 0)
        fv->scroll = 0;

    fv->timer_y = -1;
    if (fv->n_rows != LINES) {
        fv->row_field = xrealloc(fv->row_field, (size_t)(LINES > 0 ? LINES : 1) * sizeof(*fv->row_field));
        fv->n_rows = LINES;
    }
    for (int i = 0; i < fv->n_rows; i++)
        fv->row_field[i] = FIELD_NONE;
    for (int r = 0; r < height && fv->scroll + r < l.n; r++) {
        const struct vrow *v = &l.v[fv->scroll + r];
        int y = y0 + r;
        bool is_focus = v->field == a->form.focus;

        if (y >= 0 && y < fv->n_rows)
            fv->row_field[y] = v->field;

        switch (v->kind) {
        case VROW_FIELD: {
            int cx;
            paint_label(y, v->field, is_focus, a->form.error[v->field] != NULL);
            cx = paint_value(a, y, v->field, is_focus);
            if (v->field == FIELD_DURATION)
                paint_timer(a, fv, y);
            if (is_focus && !ask) {
                scr->cur_y = y;
                scr->cur_x = cx;
            }
            break;
        }
        case VROW_NOTE:
            tui_put(y, LABEL_COLS, vcols, v->text, tui_attr(TUI_NOTE));
            break;
        case VROW_ERROR:
            tui_put(y, LABEL_COLS, vcols, v->text, tui_attr(TUI_ERROR));
            break;
        }
    }
    if (fv->scroll > 0)
        tui_put(y0, COLS - 9, 8, "^ more", A_DIM);
    if (fv->scroll + height < l.n)
        tui_put(y0 + height - 1, COLS - 9, 8, "v more", A_DIM);
    free_layout(&l);
    paint_status(a);
}

/* ---- keys ---------------------------------------------------------------------------------- */

static struct app_req field_req(enum app_req_kind kind, enum field_id f)
{
    struct app_req r = {.kind = kind, .field = f};
    return r;
}

/* A key for the readline field; the loop pushes its text into the form before any other
 * request, so Enter only has to move on. */
static struct app_req text_key(const struct app *a, const struct loop_key *k)
{
    enum field_id f = a->form.focus;
    bool changed = false;
    struct app_req r = app_req_of(REQ_NONE);

    if (field_active() != f)
        return r;
    if (k->is_code)
        field_feed_key((int)k->ch, &changed);
    else
        changed = field_feed_char(k->ch, k->is_meta);
    if (changed) {
        r = field_req(REQ_SET, f);
        r.text = field_text();
    }
    switch (field_take_request()) {
    case FIELD_REQ_ACCEPT:
    case FIELD_REQ_EOF:
        return app_req_of(REQ_FOCUS_NEXT);
    case FIELD_REQ_EDITOR:
        return field_req(REQ_EDITOR, f);
    default:
        return r;
    }
}

static struct app_req bool_key(const struct app *a, const struct loop_key *k)
{
    enum field_id f = a->form.focus;
    struct app_req r = field_req(REQ_SET, f);

    if (k->is_code) {
        if (k->ch == KEY_LEFT || k->ch == KEY_RIGHT)
            return field_req(REQ_TOGGLE, f);
        return app_req_of(REQ_NONE);
    }
    if (k->is_meta)
        return app_req_of(REQ_NONE);
    if (k->ch == ' ')
        return field_req(REQ_TOGGLE, f);
    if (k->ch == 'y' || k->ch == 'Y')
        r.text = "yes";
    else if (k->ch == 'n' || k->ch == 'N')
        r.text = "no";
    else if (k->ch != 127 && k->ch != 8)
        return app_req_of(REQ_NONE);
    /* y and n answer the field and go on to the next question; Backspace clears it */
    r.is_moving_on = r.text != NULL;
    return r;
}

static struct app_req pick_key(const struct app *a, const struct loop_key *k)
{
    enum field_id f = a->form.focus;
    struct app_req r;

    if (k->is_code) {
        if (k->ch == KEY_BACKSPACE || k->ch == KEY_DC)
            return field_req(REQ_SET, f);
        return app_req_of(REQ_NONE);
    }
    if (k->is_meta)
        return app_req_of(REQ_NONE);
    if (k->ch == ' ')
        return field_req(REQ_OPEN_PICKER, f);
    if (k->ch == 127 || k->ch == 8)
        return field_req(REQ_SET, f);
    if (k->ch > ' ') {
        /* typing on a picker field starts filtering in the picker */
        r = field_req(REQ_OPEN_PICKER, f);
        r.is_key_replayed = true;
        return r;
    }
    return app_req_of(REQ_NONE);
}

/* Esc on the form itself: nothing to close, and it never quits (a reflex Esc would lose the
 * call); it says which keys do. */
static struct app_req esc_on_form(void)
{
    struct app_req r = app_req_of(REQ_MESSAGE);

    r.text = "Esc closes pop-ups; it does not quit. ^Q or F12 quits (the call is kept as a draft).";
    r.msg = MSG_INFO;
    return r;
}

/* A logged call is read-only: moving, help, redraw, quit and the next call; nothing edits. */
static struct app_req logged_key(const struct loop_key *k)
{
    if (k->is_code) {
        switch (k->ch) {
        case KEY_DOWN:
            return app_req_of(REQ_FOCUS_NEXT);
        case KEY_UP:
        case KEY_BTAB:
            return app_req_of(REQ_FOCUS_PREV);
        case KEY_ENTER:
            return app_req_of(REQ_NEW_CALL);
        default:
            break;
        }
    } else if (!k->is_meta) {
        switch (k->ch) {
        case '\t':
            return app_req_of(REQ_FOCUS_NEXT);
        case '\r':
        case '\n':
            return app_req_of(REQ_NEW_CALL);
        case 27:
            return esc_on_form();
        case '?':
            return app_req_of(REQ_HELP);
        case 't':
            return app_req_of(REQ_NEXT_TASK);
        case 12: /* ^L */
            return app_req_of(REQ_REDRAW);
        default:
            break;
        }
    }
    return app_req_of(REQ_REFUSE);
}

static struct app_req form_key(struct view *v, const struct app *a, const struct loop_key *k)
{
    enum form_kind kind = form_kind(a->form.focus);
    bool is_text = kind == FORM_KIND_TEXT;

    (void)v;
    if (a->is_logged)
        return logged_key(k);
    if (k->is_code) {
        switch (k->ch) {
        case KEY_DOWN:
            return app_req_of(REQ_FOCUS_NEXT);
        case KEY_UP:
        case KEY_BTAB:
            return app_req_of(REQ_FOCUS_PREV);
        case KEY_ENTER:
            if (kind == FORM_KIND_PICK)
                return field_req(REQ_OPEN_PICKER, a->form.focus);
            return app_req_of(REQ_FOCUS_NEXT);
        default:
            break;
        }
    } else if (!k->is_meta) {
        switch (k->ch) {
        case '\t':
            return app_req_of(REQ_FOCUS_NEXT);
        case '\r':
        case '\n':
            if (kind == FORM_KIND_PICK)
                return field_req(REQ_OPEN_PICKER, a->form.focus);
            return app_req_of(REQ_FOCUS_NEXT);
        case 27:
            return esc_on_form();
        case '?':
            if (!is_text)
                return app_req_of(REQ_HELP);
            break;
        case 12: /* ^L */
            return app_req_of(REQ_REDRAW);
        default:
            break;
        }
    }
    switch (kind) {
    case FORM_KIND_TEXT:
        return text_key(a, k);
    case FORM_KIND_BOOL:
        return bool_key(a, k);
    case FORM_KIND_PICK:
        return pick_key(a, k);
    }
    return app_req_of(REQ_NONE);
}

static void *form_open(const struct app *a)
{
    struct form_view *fv = xcalloc(1, sizeof(*fv));

    (void)a;
    fv->timer_y = -1;
    return fv;
}

static void form_close(struct view *v)
{
    struct form_view *fv = v->state;

    if (fv)
        free(fv->row_field);
    free(v->state);
    v->state = NULL;
}

/* A click on a field (its label, value or note) focuses it; a second click on a picked
 * field opens its picker. */
static struct app_req form_click(struct view *v, const struct app *a, int y, int x)
{
    struct form_view *fv = v->state;
    enum field_id f;

    (void)x;
    if (!fv || y < 0 || y >= fv->n_rows || (f = fv->row_field[y]) == FIELD_NONE)
        return app_req_of(REQ_NONE);
    if (f == a->form.focus && form_kind(f) == FORM_KIND_PICK && !a->is_logged)
        return field_req(REQ_OPEN_PICKER, f);
    return field_req(REQ_FOCUS, f);
}

const struct view_ops view_form_ops = {
    .name = "form",
    .open = form_open,
    .paint = form_paint,
    .key = form_key,
    .click = form_click,
    .close = form_close,
};
