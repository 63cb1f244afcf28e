/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_VIEW_H
#define AMPLECALL_VIEW_H
/* TUI layer: what a screen of the form is to the loop (form_main.c): a table of operations,
 * like tig's views and htop's panels. A view reads the app (const) and keeps only its own
 * presentation state (selection, scroll, filter); its key handler returns what the key
 * means as an app_req, which the loop hands to app_handle(). */
#include <stdbool.h>

#include "app/app.h"
#include "tui/loop.h"

/* Where painting left things; the loop moves the terminal cursor there. */
struct screen {
    int cur_y, cur_x;
};

struct view {
    const struct view_ops *ops;
    void *state;        /* owned by the view: made by open, freed by close */
    struct screen *scr; /* borrowed from the loop */
};

struct view_ops {
    const char *name;
    /* The view's own state for a->view just opened (NULL when it needs none). */
    void *(*open)(const struct app *a);
    void (*paint)(struct view *v, const struct app *a);
    struct app_req (*key)(struct view *v, const struct app *a, const struct loop_key *k);
    /* The terminal changed size (state that depends on it, e.g. a scroll, is clamped). */
    void (*resize)(struct view *v, const struct app *a);
    /* A mouse click at screen (y, x) (NULL: clicks mean nothing here). */
    struct app_req (*click)(struct view *v, const struct app *a, int y, int x);
    void (*close)(struct view *v);
};

/* One per screen of enum app_view; the form's is painted under the overlays. */
extern const struct view_ops view_form_ops, view_picker_ops, view_result_ops, view_help_ops,
    view_history_ops;

/* The form view: only the timer digits (a cheap tick), and its help line for the focus. */
void view_form_paint_timer(struct view *v, const struct app *a);
const char *view_form_help_line(const struct app *a);

/* A request with no argument. */
static inline struct app_req app_req_of(enum app_req_kind kind)
{
    struct app_req r = {.kind = kind};
    return r;
}

#endif
