/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the history panel (F3): the calls stored on this machine, newest first, with time,
 * number, contact, disposition, state and remote id; Enter shows one call's details and the API's
 * response; a rejected call can be reopened in the form. Reads the store only, never the
 * network, and draws every stored string sanitised. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "store/history.h"
#include "core/sanitize.h"
#include "store/store.h"
#include "app/calltable.h"
#include "tui/tui.h"
#include "tui/view.h"
#include "core/util.h"

struct history_view {
    const struct store_rows *rows; /* borrowed: the app's, newest first */
    unsigned gen;                  /* the app's history_gen the selection refers to */
    long long sel_id;              /* the selected call, kept across a reload */
    size_t sel;
    size_t top; /* first row shown */
    bool is_detail;
    char *detail; /* owned sanitised details of the selected call */
    char **lines; /* owned: detail wrapped to lines_cols */
    size_t n_lines;
    int lines_cols;
    size_t detail_top; /* first detail line shown */
    char *note;        /* owned notice for the footer, NULL = the key hints */
    struct calltable table; /* owned: the rows as app/calltable.h prints them */
    bool has_table;
    unsigned table_gen, table_dispo_gen, table_task_gen; /* what the table was built from */
};

/* Box geometry, shared by paint and key handling (page size). */
static void geometry(int *y, int *x, int *h, int *w)
{
    *y = 1;
    *x = 1;
    *h = LINES - 3;
    *w = COLS - 2;
}

static int visible_rows(void)
{
    int y, x, h, w;

    geometry(&y, &x, &h, &w);
    return h - 4 > 1 ? h - 4 : 1;
}

static void drop_lines(struct history_view *hv)
{
    text_lines_free(hv->lines, hv->n_lines);
    hv->lines = NULL;
    hv->n_lines = 0;
    hv->lines_cols = 0;
}

static void drop_detail(struct history_view *hv)
{
    free(hv->detail);
    hv->detail = NULL;
    drop_lines(hv);
    hv->detail_top = 0;
    hv->is_detail = false;
}

static void set_note(struct history_view *hv, const char *text)
{
    str_set(&hv->note, text);
}

/* history_print_details into a string: the same text `amplecall history ID` prints, already
 * sanitised there; tabs become spaces for the screen. Owned. */
static char *details_text(const struct store_row *r)
{
    char *buf = NULL, *out;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return xstrdup("(the details cannot be shown)");
    history_print_details(f, r);
    fclose(f);
    out = xstrdup(buf ? buf : "");
    free(buf);
    for (char *p = out; *p; p++)
        if (*p == '\t')
            *p = ' ';
    return out;
}

static void open_detail(struct history_view *hv)
{
    drop_detail(hv);
    if (hv->sel >= hv->rows->n)
        return;
    hv->detail = details_text(&hv->rows->v[hv->sel]);
    hv->is_detail = true;
}

/* The app read the rows again: keep the selection on its call, and its details open. */
static void sync_rows(struct history_view *hv, const struct app *a)
{
    hv->rows = &a->history;
    if (hv->gen == a->history_gen)
        return;
    hv->gen = a->history_gen;
    hv->sel = 0;
    for (size_t i = 0; i < hv->rows->n; i++)
        if (hv->rows->v[i].id == hv->sel_id)
            hv->sel = i;
    if (hv->is_detail) {
        size_t top = hv->detail_top;
        if (hv->sel < hv->rows->n && hv->rows->v[hv->sel].id == hv->sel_id) {
            open_detail(hv);
            hv->detail_top = top;
        } else {
            drop_detail(hv);
        }
    }
}

static void remember_sel(struct history_view *hv)
{
    hv->sel_id = hv->sel < hv->rows->n ? hv->rows->v[hv->sel].id : 0;
}

static void *history_open(const struct app *a)
{
    struct history_view *hv = xcalloc(1, sizeof(*hv));

    hv->rows = &a->history;
    hv->gen = a->history_gen;
    remember_sel(hv);
    return hv;
}

static void history_close(struct view *v)
{
    struct history_view *hv = v->state;

    if (!hv)
        return;
    drop_detail(hv);
    free(hv->note);
    if (hv->has_table)
        calltable_done(&hv->table);
    free(hv);
    v->state = NULL;
}

/* ---- painting -------------------------------------------------------------------------------- */

/* The table (app/calltable.h, the one `amplecall history` prints), built again when the
 * rows or the names it uses changed. */
static const struct calltable *table_of(struct history_view *hv, const struct app *a, int cols)
{
    if (!hv->has_table || hv->table_gen != a->history_gen ||
        hv->table_dispo_gen != a->list_gen[PICK_DISPOSITION] ||
        hv->table_task_gen != a->list_gen[PICK_TASK]) {
        if (hv->has_table)
            calltable_done(&hv->table);
        calltable_build(&hv->table, hv->rows, &a->dispositions, &a->tasks, true);
        hv->has_table = true;
        hv->table_gen = a->history_gen;
        hv->table_dispo_gen = a->list_gen[PICK_DISPOSITION];
        hv->table_task_gen = a->list_gen[PICK_TASK];
    }
    calltable_layout(&hv->table, cols);
    return &hv->table;
}

static void paint_list(struct view *v, const struct app *a, struct history_view *hv)
{
    int y, x, h, w, in_x, in_w, n_vis = visible_rows();
    char *title, *foot;
    size_t n_out = 0;

    geometry(&y, &x, &h, &w);
    in_x = x + 2;
    in_w = w - 4;
    for (size_t i = 0; i < hv->rows->n; i++)
        if (hv->rows->v[i].state != STORE_SENT && hv->rows->v[i].state != STORE_REJECTED)
            n_out++;
    title =
        xasprintf("History: %zu call%s from this machine", hv->rows->n, hv->rows->n == 1 ? "" : "s");
    tui_box(y, x, h, w, title);
    free(title);
    v->scr->cur_y = y + 1;
    v->scr->cur_x = in_x;
    if (hv->rows->n == 0) {
        tui_put(y + 2, in_x, in_w, "No calls have been logged from this machine yet.", A_NORMAL);
    } else {
        const struct calltable *tab = table_of(hv, a, in_w);
        char *head = calltable_header(tab);

        tui_put(y + 1, in_x, in_w, head, A_BOLD);
        free(head);
        if (hv->sel >= hv->rows->n)
            hv->sel = hv->rows->n - 1;
        if (hv->sel < hv->top)
            hv->top = hv->sel;
        if (hv->sel >= hv->top + (size_t)n_vis)
            hv->top = hv->sel - (size_t)n_vis + 1;
        for (int i = 0; i < n_vis && hv->top + (size_t)i < hv->rows->n; i++) {
            size_t k = hv->top + (size_t)i;
            bool is_sel = k == hv->sel;
            attr_t at = is_sel ? tui_attr(TUI_SELECTED) : A_NORMAL;
            if (is_sel) {
                tui_fill(y + 2 + i, in_x, in_w, at);
                v->scr->cur_y = y + 2 + i;
                v->scr->cur_x = in_x;
            }
            {
                char *line = calltable_line(tab, k);
                tui_put(y + 2 + i, in_x, in_w, line, at);
                free(line);
            }
        }
    }
    if (hv->note) {
        tui_put(y + h - 2, in_x, in_w, hv->note, tui_attr(TUI_WARN));
    } else {
        foot = xasprintf("%zu in the outbox   Enter details   o reopen if rejected   Esc close",
                         n_out);
        tui_put(y + h - 2, in_x, in_w, foot, A_BOLD);
        free(foot);
    }
}

static void paint_detail(struct view *v, struct history_view *hv)
{
    int y, x, h, w, in_x, in_w, n_vis;
    const struct store_row *r = &hv->rows->v[hv->sel];
    char *title;

    geometry(&y, &x, &h, &w);
    in_x = x + 2;
    in_w = w - 4;
    n_vis = h - 3;
    if (hv->lines_cols != in_w) {
        drop_lines(hv);
        hv->n_lines = text_wrap(hv->detail, in_w, &hv->lines);
        hv->lines_cols = in_w;
    }
    if (hv->n_lines > (size_t)n_vis && hv->detail_top > hv->n_lines - (size_t)n_vis)
        hv->detail_top = hv->n_lines - (size_t)n_vis;
    if (hv->n_lines <= (size_t)n_vis)
        hv->detail_top = 0;
    title = xasprintf("Call %lld: %s", r->id, store_state_name(r->state));
    tui_box(y, x, h, w, title);
    free(title);
    for (int i = 0; i < n_vis && hv->detail_top + (size_t)i < hv->n_lines; i++)
        tui_put(y + 1 + i, in_x, in_w, hv->lines[hv->detail_top + (size_t)i], A_NORMAL);
    if (hv->note)
        tui_put(y + h - 2, in_x, in_w, hv->note, tui_attr(TUI_WARN));
    else
        tui_put(y + h - 2, in_x, in_w,
                r->state == STORE_REJECTED
                    ? "o reopen in the form  Up/Down PgUp/PgDn scroll  Esc back to the list"
                    : "Up/Down PgUp/PgDn scroll  Esc back to the list",
                A_BOLD);
    v->scr->cur_y = y + 1;
    v->scr->cur_x = in_x;
}

static void history_paint(struct view *v, const struct app *a)
{
    struct history_view *hv = v->state;

    sync_rows(hv, a);
    if (hv->is_detail && hv->sel < hv->rows->n && hv->detail)
        paint_detail(v, hv);
    else
        paint_list(v, a, hv);
    remember_sel(hv);
}

/* ---- keys ------------------------------------------------------------------------------------ */

/* Move a position by delta within [0, n). */
static size_t step(size_t pos, long delta, size_t n)
{
    long p = (long)pos + delta;

    if (n == 0 || p < 0)
        return 0;
    if ((size_t)p >= n)
        return n - 1;
    return (size_t)p;
}

/* 'o': reopen the selected call if it was rejected (the app closes this view, or asks). */
static struct app_req reopen_selected(struct history_view *hv)
{
    const struct store_row *r;
    struct app_req req = {.kind = REQ_REOPEN};

    if (hv->sel >= hv->rows->n)
        return app_req_of(REQ_NONE);
    r = &hv->rows->v[hv->sel];
    if (r->state != STORE_REJECTED) {
        set_note(hv, "Only a call Amplemarket rejected can be reopened in the form.");
        return app_req_of(REQ_NONE);
    }
    req.id = r->id;
    return req;
}

static struct app_req detail_key(struct history_view *hv, const struct loop_key *k)
{
    long page = LINES - 6 > 1 ? LINES - 6 : 1;
    size_t max = hv->n_lines;

    if (k->is_code) {
        switch (k->ch) {
        case KEY_UP:
            hv->detail_top = step(hv->detail_top, -1, max);
            break;
        case KEY_DOWN:
            hv->detail_top = step(hv->detail_top, 1, max);
            break;
        case KEY_PPAGE:
            hv->detail_top = step(hv->detail_top, -page, max);
            break;
        case KEY_NPAGE:
            hv->detail_top = step(hv->detail_top, page, max);
            break;
        case KEY_HOME:
            hv->detail_top = 0;
            break;
        case KEY_END:
            hv->detail_top = max;
            break;
        case KEY_LEFT:
        case KEY_BACKSPACE:
            drop_detail(hv);
            break;
        default:
            break;
        }
    } else if (!k->is_meta) {
        switch (k->ch) {
        case 27:
        case 'q':
        case 127:
        case 8:
            drop_detail(hv);
            break;
        case 'o':
        case 'O':
            return reopen_selected(hv);
        case ' ':
            hv->detail_top = step(hv->detail_top, page, max);
            break;
        default:
            break;
        }
    }
    return app_req_of(REQ_NONE);
}

static struct app_req history_key(struct view *v, const struct app *a, const struct loop_key *k)
{
    struct history_view *hv = v->state;
    long page = visible_rows();
    struct app_req r = app_req_of(REQ_NONE);

    sync_rows(hv, a);
    set_note(hv, NULL);
    if (hv->is_detail) {
        r = detail_key(hv, k);
        remember_sel(hv);
        return r;
    }
    if (k->is_code) {
        switch (k->ch) {
        case KEY_UP:
            hv->sel = step(hv->sel, -1, hv->rows->n);
            break;
        case KEY_DOWN:
            hv->sel = step(hv->sel, 1, hv->rows->n);
            break;
        case KEY_PPAGE:
            hv->sel = step(hv->sel, -page, hv->rows->n);
            break;
        case KEY_NPAGE:
            hv->sel = step(hv->sel, page, hv->rows->n);
            break;
        case KEY_HOME:
            hv->sel = 0;
            break;
        case KEY_END:
            hv->sel = step(hv->rows->n, -1, hv->rows->n);
            break;
        case KEY_ENTER:
        case KEY_RIGHT:
            open_detail(hv);
            break;
        default:
            break;
        }
    } else if (!k->is_meta) {
        switch (k->ch) {
        case '\r':
        case '\n':
            open_detail(hv);
            break;
        case 'o':
        case 'O':
            r = reopen_selected(hv);
            break;
        case 27:
        case 'q':
            r = app_req_of(REQ_CLOSE);
            break;
        case 'k':
            hv->sel = step(hv->sel, -1, hv->rows->n);
            break;
        case 'j':
            hv->sel = step(hv->sel, 1, hv->rows->n);
            break;
        default:
            break;
        }
    }
    remember_sel(hv);
    return r;
}

const struct view_ops view_history_ops = {
    .name = "history",
    .open = history_open,
    .paint = history_paint,
    .key = history_key,
    .close = history_close,
};
