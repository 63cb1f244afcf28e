/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: picker overlay: a filterable list of dispositions, tasks or users loaded in the
 * background.
 * The list model is pure (tested directly); painting only draws sanitised cells. Loading,
 * failure (with a retry key) and empty states are shown inside the picker. */
#include "config.h"
#include "tui/view_picker.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <curses.h>

#include "core/fold.h"
#include "core/sanitize.h"
#include "tui/tui.h"
#include "core/util.h"
#include "tui/keys.h"
#include "tui/view.h"

/* ---- model ------------------------------------------------------------------------------- */

struct picker *picker_new(enum pick_kind kind)
{
    struct picker *p = xcalloc(1, sizeof(*p));

    p->kind = kind;
    p->filter = xstrdup("");
    return p;
}

void picker_clear_rows(struct picker *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->rows[i].id);
        for (int c = 0; c < PICKER_CELLS; c++)
            free(p->rows[i].cell[c]);
        free(p->rows[i].hay);
    }
    free(p->rows);
    free(p->shown);
    p->rows = NULL;
    p->shown = NULL;
    p->n = p->cap = p->n_shown = p->sel = p->top = 0;
}

void picker_free(struct picker *p)
{
    if (!p)
        return;
    picker_clear_rows(p);
    free(p->filter);
    free(p);
}

/* The filter folded (core/fold.c) and split once per refilter rather than once per row. */
static void words_split(struct fold_query *q, const char *filter)
{
    fold_query_init(q, filter);
}

/* The row's rank for the filter, -1 when it does not match (fold_rank). */
static int matches(const char *hay, const struct fold_query *q)
{
    return fold_rank(q, hay);
}

struct ranked {
    int rank;
    size_t row;
};

static int by_rank(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;

    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Recompute the shown rows, best match first and in the API's order among equals. With
 * is_narrowing (text was appended to the filter, so every row that matches now matched
 * before) only the rows shown so far are tested. */
static void refilter_rows(struct picker *p, const char *keep_id, bool is_narrowing)
{
    struct fold_query q;
    size_t n_from = is_narrowing ? p->n_shown : p->n;
    struct ranked *hits = xmalloc((n_from ? n_from : 1) * sizeof(*hits));
    size_t n_hits = 0;

    words_split(&q, p->filter);
    p->sel = 0;
    p->top = 0;
    for (size_t k = 0; k < n_from; k++) {
        size_t i = is_narrowing ? p->shown[k] : k;
        int rank = matches(p->rows[i].hay, &q);
        if (rank < 0)
            continue;
        hits[n_hits].rank = rank;
        hits[n_hits++].row = i;
    }
    fold_query_done(&q);
    qsort(hits, n_hits, sizeof(*hits), by_rank);
    if (!is_narrowing)
        p->shown = xrealloc(p->shown, (p->n ? p->n : 1) * sizeof(*p->shown));
    p->n_shown = 0;
    for (size_t k = 0; k < n_hits; k++) {
        size_t i = hits[k].row;
        if (keep_id && !strcmp(p->rows[i].id, keep_id))
            p->sel = p->n_shown;
        p->shown[p->n_shown++] = i;
    }
    free(hits);
}

static void refilter(struct picker *p, const char *keep_id)
{
    refilter_rows(p, keep_id, false);
}

/* search: the texts the filter looks at, the name first (NULL entries are empty); NULL
 * searches the cells that hold names, never descriptions: the first cell, and for tasks the
 * contact's email and the notes too. */
static void add_row(struct picker *p, const char *id, const char *const cells[PICKER_CELLS],
                    const char *const *search, size_t n_search)
{
    struct picker_row *r;

    if (p->n == p->cap) { /* geometric growth: lists can hold thousands of tasks */
        p->cap = p->cap ? 2 * p->cap : 64;
        p->rows = xrealloc(p->rows, p->cap * sizeof(*p->rows));
    }
    r = &p->rows[p->n++];
    r->id = xstrdup(id ? id : "");
    for (int c = 0; c < PICKER_CELLS; c++)
        r->cell[c] = sanitize_line(cells ? cells[c] : NULL);
    if (search) {
        r->hay = fold_hay(search, n_search);
    } else if (p->kind == PICK_TASK) {
        const char *const f[] = {r->cell[0], r->cell[1], r->cell[3]};
        r->hay = fold_hay(f, ARRAY_LEN(f));
    } else {
        r->hay = fold_hay((const char *const[]){r->cell[0]}, 1);
    }
}

void picker_add_row(struct picker *p, const char *id, const char *const cells[PICKER_CELLS])
{
    char *keep = xstrdup(picker_selected_id(p));

    add_row(p, id, cells, NULL, 0);
    refilter(p, keep);
    free(keep);
}

void picker_set_filter(struct picker *p, const char *filter)
{
    str_set(&p->filter, filter ? filter : "");
    refilter(p, NULL);
}

void picker_filter_append(struct picker *p, const char *utf8)
{
    char *f = xasprintf("%s%s", p->filter, utf8);

    free(p->filter);
    p->filter = f;
    refilter_rows(p, NULL, true);
}

void picker_filter_backspace(struct picker *p)
{
    size_t n = strlen(p->filter);

    if (n == 0)
        return;
    /* drop the whole last UTF-8 character */
    n--;
    while (n > 0 && ((unsigned char)p->filter[n] & 0xC0) == 0x80)
        n--;
    p->filter[n] = '\0';
    refilter(p, NULL);
}

void picker_move(struct picker *p, long delta, int rows)
{
    long s = (long)p->sel + delta;

    if (p->n_shown == 0)
        return;
    if (s < 0)
        s = 0;
    if (s >= (long)p->n_shown)
        s = (long)p->n_shown - 1;
    p->sel = (size_t)s;
    if (rows < 1)
        rows = 1;
    if (p->sel < p->top)
        p->top = p->sel;
    if (p->sel >= p->top + (size_t)rows)
        p->top = p->sel - (size_t)rows + 1;
}

const char *picker_selected_id(const struct picker *p)
{
    if (!p || p->n_shown == 0 || p->sel >= p->n_shown)
        return NULL;
    return p->rows[p->shown[p->sel]].id;
}

static const char *date_part(const char *iso, char *buf, size_t size)
{
    if (!iso)
        return NULL;
    snprintf(buf, size, "%.10s", iso);
    return buf;
}

void picker_fill(struct picker *p, const struct app *a)
{
    char *keep = xstrdup(picker_selected_id(p));
    char date[16];

    picker_clear_rows(p);
    switch (p->kind) {
    case PICK_DISPOSITION:
        for (size_t i = 0; i < a->dispositions.n; i++) {
            const struct disposition *d = &a->dispositions.v[i];
            const char *cells[PICKER_CELLS] = {d->name ? d->name : d->id, d->action,
                                               (d->action && !strcmp(d->action, "complete"))
                                                   ? "completes the task and its sequence lead"
                                                   : NULL,
                                               NULL};
            /* only the name: "no a" must not find "Not interested" through its
             * description ("completes the task ...") */
            const char *const search[] = {cells[0]};
            add_row(p, d->id, cells, search, ARRAY_LEN(search));
        }
        break;
    case PICK_TASK:
        for (size_t i = 0; i < a->tasks.n; i++) {
            const struct task *t = &a->tasks.v[i];
            const char *cells[PICKER_CELLS] = {t->contact_name ? t->contact_name : "(no contact)",
                                               t->contact_email,
                                               date_part(t->due_on, date, sizeof(date)), t->notes};
            /* the contact's name, email and company, and the notes; never the date */
            const char *const search[] = {t->contact_name, t->contact_email,
                                          t->contact_company, t->notes};
            add_row(p, t->id, cells, search, ARRAY_LEN(search));
        }
        break;
    case PICK_USER:
        for (size_t i = 0; i < a->users.n; i++) {
            const struct user *u = &a->users.v[i];
            const char *cells[PICKER_CELLS] = {u->name ? u->name : u->id, u->email, u->role,
                                               u->status};
            const char *const search[] = {cells[0]};
            add_row(p, u->id, cells, search, ARRAY_LEN(search));
        }
        break;
    case PICK_KIND_COUNT:
        break;
    }
    refilter(p, keep);
    free(keep);
}

/* ---- view -------------------------------------------------------------------------------- */

static const char *kind_title(enum pick_kind k)
{
    switch (k) {
    case PICK_DISPOSITION:
        return "Choose a disposition";
    case PICK_TASK:
        return "Choose a task";
    case PICK_USER:
        return "Choose a user";
    default:
        return "";
    }
}

static const char *kind_noun(enum pick_kind k)
{
    switch (k) {
    case PICK_DISPOSITION:
        return "dispositions";
    case PICK_TASK:
        return "tasks";
    case PICK_USER:
        return "users";
    default:
        return "";
    }
}

/* Column widths for the picker's kind within w columns. */
static void widths(enum pick_kind k, int w, int cw[PICKER_CELLS])
{
    switch (k) {
    case PICK_DISPOSITION:
        cw[0] = 28;
        cw[1] = 12;
        cw[2] = w - 42;
        cw[3] = 0;
        break;
    case PICK_TASK:
        cw[0] = 22;
        cw[1] = 26;
        cw[2] = 11;
        cw[3] = w - 59;
        break;
    default:
        cw[0] = 24;
        cw[1] = 30;
        cw[2] = 10;
        cw[3] = w - 70;
        break;
    }
    for (int i = 0; i < PICKER_CELLS; i++)
        if (cw[i] < 0)
            cw[i] = 0;
}

static int list_rows(void)
{
    return LINES - 3 - 6;
}

static void draw_cells(int y, int x, int w, const char *const cells[PICKER_CELLS], enum pick_kind k,
                       attr_t a)
{
    int cw[PICKER_CELLS];
    int col = x;

    widths(k, w, cw);
    tui_fill(y, x, w, a);
    for (int c = 0; c < PICKER_CELLS; c++) {
        if (cw[c] <= 0)
            continue;
        tui_put(y, col, cw[c] - 1, cells[c] ? cells[c] : "", a);
        col += cw[c];
    }
}

static void picker_paint(struct view *v, const struct app *a)
{
    struct picker *p = v->state;
    const struct load *ld = &a->loads[p->kind];
    int y = 1, x = 0, h = LINES - 3, w = COLS;
    int in_x = x + 2, in_w = w - 4, rows = list_rows();
    char *title;
    int fx;

    if (p->gen != a->list_gen[p->kind]) { /* the list was loaded again */
        picker_fill(p, a);
        p->gen = a->list_gen[p->kind];
    }
    {
        char *age = app_list_age(a, p->kind);
        if (age && p->n)
            title = xasprintf("%s (%zu of %zu) %s", kind_title(p->kind), p->n_shown, p->n, age);
        else if (ld->state == LOAD_DONE || ld->state == LOAD_FAILED)
            title = xasprintf("%s (%zu of %zu)", kind_title(p->kind), p->n_shown, p->n);
        else
            title = xasprintf("%s", kind_title(p->kind));
        free(age);
    }
    tui_box(y, x, h, w, title);
    free(title);

    p->list_y = y + 3;
    tui_put(y + 1, in_x, 8, "Filter:", A_BOLD);
    fx = in_x + 8;
    {
        /* keep the end of a long filter visible */
        const char *shown = p->filter;
        int used;
        while (text_cols(shown) > in_w - 9 && *shown) {
            shown++;
            while (((unsigned char)*shown & 0xC0) == 0x80)
                shown++;
        }
        used = tui_put(y + 1, fx, in_w - 9, shown, A_NORMAL);
        v->scr->cur_y = y + 1;
        v->scr->cur_x = fx + used;
    }

    {
        static const char *const heads[PICK_KIND_COUNT][PICKER_CELLS] = {
            {"Name", "Action", "", ""},
            {"Contact", "Email", "Due", "Notes"},
            {"Name", "Email", "Role", "Status"},
        };
        draw_cells(y + 2, in_x, in_w, heads[p->kind], p->kind, A_UNDERLINE);
    }

    if (p->n == 0) {
        char *msg;
        attr_t at = A_NORMAL;
        if (ld->state == LOAD_FAILED) {
            msg = xasprintf("Could not load %s: %s  Press F5 or Ctrl-R to retry.",
                            kind_noun(p->kind), ld->error ? ld->error : "unknown error");
            at = tui_attr(TUI_ERROR);
        } else if (ld->state == LOAD_RUNNING) {
            msg = xasprintf("%s Loading %s…", app_spinner(a), kind_noun(p->kind));
        } else if (p->kind == PICK_TASK && !a->tasks_user) {
            msg = xstrdup("Choose the user first: the task list is per user.");
        } else if (ld->state == LOAD_IDLE) {
            msg = xasprintf("%s Loading %s…", app_spinner(a), kind_noun(p->kind));
        } else {
            msg = xasprintf("No %s.", kind_noun(p->kind));
        }
        {
            char **lines;
            size_t n = text_wrap(msg, in_w, &lines);
            for (size_t i = 0; i < n && (int)i < rows; i++)
                tui_put(y + 3 + (int)i, in_x, in_w, lines[i], at);
            text_lines_free(lines, n);
        }
        free(msg);
    } else if (p->n_shown == 0) {
        tui_put(y + 3, in_x, in_w, "Nothing matches the filter.", A_NORMAL);
    } else {
        picker_move(p, 0, rows);
        for (int r = 0; r < rows && p->top + (size_t)r < p->n_shown; r++) {
            size_t idx = p->top + (size_t)r;
            const struct picker_row *row = &p->rows[p->shown[idx]];
            const char *cells[PICKER_CELLS];
            for (int c = 0; c < PICKER_CELLS; c++)
                cells[c] = row->cell[c];
            draw_cells(y + 3 + r, in_x, in_w, cells, p->kind,
                       idx == p->sel ? tui_attr(TUI_SELECTED) : A_NORMAL);
        }
        if (ld->state == LOAD_RUNNING)
            tui_put(y + h - 2, in_x + in_w - 12, 12, "loading…", A_DIM);
    }
    tui_put(y + h - 2, in_x, in_w - 12,
            ld->state == LOAD_FAILED
                ? "Enter choose  Esc cancel  Up/Down/PgUp/PgDn move  F5/^R retry"
                : "Enter choose  Esc cancel  Up/Down/PgUp/PgDn move  F5/^R reload",
            tui_attr(TUI_HELP));
    if (ld->state == LOAD_FAILED && p->n > 0) {
        char *msg = xasprintf("Could not load %s: %s", kind_noun(p->kind),
                              ld->error ? ld->error : "unknown error");
        tui_put(y + h - 3, in_x, in_w, msg, tui_attr(TUI_ERROR));
        free(msg);
    }
}

static struct app_req choose(const struct picker *p)
{
    struct app_req r = {.kind = REQ_CHOOSE, .pick = p->kind, .text = picker_selected_id(p)};

    return r.text ? r : app_req_of(REQ_NONE);
}

static struct app_req picker_key(struct view *v, const struct app *a, const struct loop_key *k)
{
    struct picker *p = v->state;
    int rows = list_rows();

    if (keys_is_action(&a->settings, k, "retry", 5, 'r')) {
        struct app_req r = {.kind = REQ_RETRY_LOAD, .pick = p->kind};
        return r;
    }
    if (k->is_code) {
        switch (k->ch) {
        case KEY_UP:
            picker_move(p, -1, rows);
            break;
        case KEY_DOWN:
            picker_move(p, 1, rows);
            break;
        case KEY_PPAGE:
            picker_move(p, -(rows - 1), rows);
            break;
        case KEY_NPAGE:
            picker_move(p, rows - 1, rows);
            break;
        case KEY_HOME:
            picker_move(p, -(long)p->n_shown, rows);
            break;
        case KEY_END:
            picker_move(p, (long)p->n_shown, rows);
            break;
        case KEY_BACKSPACE:
            picker_filter_backspace(p);
            break;
        case KEY_ENTER:
            return choose(p);
        default:
            break;
        }
        return app_req_of(REQ_NONE);
    }
    if (k->is_meta)
        return app_req_of(REQ_NONE);
    switch (k->ch) {
    case 27: /* Esc: cancel at once */
    case 7:  /* ^G */
        return app_req_of(REQ_CLOSE);
    case '\r':
    case '\n':
        return choose(p);
    case 127:
    case 8:
        picker_filter_backspace(p);
        break;
    case 21: /* ^U clears the filter */
        picker_set_filter(p, "");
        break;
    case 14: /* ^N */
        picker_move(p, 1, rows);
        break;
    case 16: /* ^P */
        picker_move(p, -1, rows);
        break;
    default:
        if (k->ch >= 32) {
            char buf[MB_LEN_MAX + 1];
            mbstate_t st;
            size_t n;
            memset(&st, 0, sizeof(st));
            n = wcrtomb(buf, (wchar_t)k->ch, &st);
            if (n != (size_t)-1) {
                buf[n] = '\0';
                picker_filter_append(p, buf);
            }
        }
        break;
    }
    return app_req_of(REQ_NONE);
}

/* A click on a row chooses it, like moving there and pressing Enter. */
static struct app_req picker_click(struct view *v, const struct app *a, int y, int x)
{
    struct picker *p = v->state;
    int r = y - p->list_y;

    (void)a;
    (void)x;
    if (r < 0 || r >= list_rows() || p->top + (size_t)r >= p->n_shown)
        return app_req_of(REQ_NONE);
    p->sel = p->top + (size_t)r;
    return choose(p);
}

/* A picker on a->pick, its selection on the focused field's current choice. */
static void *picker_open(const struct app *a)
{
    struct picker *p = picker_new(a->pick);
    const char *current = app_pick_start(a, a->form.focus);

    picker_fill(p, a);
    p->gen = a->list_gen[a->pick];
    for (size_t i = 0; i < p->n_shown; i++)
        if (!strcmp(p->rows[p->shown[i]].id, current))
            p->sel = i;
    return p;
}

static void picker_resize(struct view *v, const struct app *a)
{
    (void)a;
    picker_move(v->state, 0, list_rows());
}

static void picker_close(struct view *v)
{
    picker_free(v->state);
    v->state = NULL;
}

const struct view_ops view_picker_ops = {
    .name = "picker",
    .open = picker_open,
    .paint = picker_paint,
    .key = picker_key,
    .resize = picker_resize,
    .click = picker_click,
    .close = picker_close,
};
