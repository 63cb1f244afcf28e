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
    free(hv);
    v->state = NULL;
}

/* ---- painting -------------------------------------------------------------------------------- */

/* "MM-DD HH:MM" of a stored time; owned. */
static char *short_time(long long ms)
{
    char *full = history_local_time(ms);
    char *out;

    if (strlen(full) >= 16) {
        out = xasprintf("%.11s", full + 5);
        free(full);
        return out;
    }
    return full;
}

/* Contact of a row: the API's answer for a sent call, else the task it was logged against
 * when that task is in the loaded list. Owned, may be NULL. */
static char *row_contact(const struct app *a, const struct store_row *r)
{
    struct call_record rec;
    char *out = NULL;
    const char *task = call_get(&r->call, FIELD_TASK);

    if (r->state == STORE_SENT && r->response) {
        call_record_init(&rec);
        if (call_record_parse(r->response, strlen(r->response), &rec, NULL)) {
            if (rec.contact_name)
                out = xstrdup(rec.contact_name);
            else if (rec.contact_email)
                out = xstrdup(rec.contact_email);
        }
        call_record_done(&rec);
    }
    for (size_t i = 0; !out && *task && i < a->tasks.n; i++) {
        const struct task *t = &a->tasks.v[i];
        if (!strcmp(t->id, task) && (t->contact_name || t->contact_email))
            out = xstrdup(t->contact_name ? t->contact_name : t->contact_email);
    }
    return out;
}

static void cell(int y, int x, int cols, const char *text, attr_t at)
{
    char *clean = sanitize_line(text && *text ? text : "-");

    tui_put(y, x, cols, clean, at);
    free(clean);
}

struct columns {
    int time, to, contact, disp, state, remote;
};

static void layout(int w, struct columns *c)
{
    int rest;

    c->time = 11;
    c->to = 15;
    c->disp = 12;
    c->state = 8;
    rest = w - c->time - c->to - c->disp - c->state - 5;
    if (rest < 8)
        rest = 8;
    /* a whole remote id (36) when there is room, the contact gets the rest */
    c->remote = rest - 10 < 36 ? rest - 10 : 36;
    if (c->remote < 4)
        c->remote = 4;
    c->contact = rest - c->remote;
}

static void paint_row(const struct app *a, const struct store_row *r, int y, int x,
                      const struct columns *c, attr_t at)
{
    char *when = short_time(r->created_at);
    char *contact = row_contact(a, r);
    const char *disp_id = call_get(&r->call, FIELD_DISPOSITION);
    const char *disp = app_disposition_name(a, disp_id);

    cell(y, x, c->time, when, at);
    x += c->time + 1;
    cell(y, x, c->to, call_get(&r->call, FIELD_TO), at);
    x += c->to + 1;
    cell(y, x, c->contact, contact, at);
    x += c->contact + 1;
    cell(y, x, c->disp, disp ? disp : disp_id, at);
    x += c->disp + 1;
    cell(y, x, c->state, store_state_name(r->state), at);
    x += c->state + 1;
    cell(y, x, c->remote, r->remote_id, at);
    free(when);
    free(contact);
}

static void paint_list(struct view *v, const struct app *a, struct history_view *hv)
{
    int y, x, h, w, in_x, in_w, n_vis = visible_rows();
    struct columns c;
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
        layout(in_w, &c);
        {
            int hx = in_x;
            tui_put(y + 1, hx, c.time, "TIME", A_BOLD);
            hx += c.time + 1;
            tui_put(y + 1, hx, c.to, "TO", A_BOLD);
            hx += c.to + 1;
            tui_put(y + 1, hx, c.contact, "CONTACT", A_BOLD);
            hx += c.contact + 1;
            tui_put(y + 1, hx, c.disp, "DISPOSITION", A_BOLD);
            hx += c.disp + 1;
            tui_put(y + 1, hx, c.state, "STATE", A_BOLD);
            hx += c.state + 1;
            tui_put(y + 1, hx, c.remote, "REMOTE ID", A_BOLD);
        }
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
            paint_row(a, &hv->rows->v[k], y + 2 + i, in_x, &c, at);
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
