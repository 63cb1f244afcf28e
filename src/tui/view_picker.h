/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_VIEW_PICKER_H
#define AMPLECALL_VIEW_PICKER_H
/* TUI layer: the filterable list used to choose a disposition, a task or a user. The list model
 * (rows, incremental filter, selection, scrolling) is pure and tested without a terminal; the
 * paint/key functions draw it as an overlay over the form. Rows keep the API's order. */
#include <stdbool.h>
#include <stddef.h>

#include "app/app.h"

#define PICKER_CELLS 4

struct picker_row {
    char *id;                 /* owned */
    char *cell[PICKER_CELLS]; /* owned sanitised columns, "" when absent */
    char *hay;                /* owned lower-cased text the filter searches */
};

struct picker {
    enum pick_kind kind;
    struct picker_row *rows; /* owned */
    size_t n, cap;
    size_t *shown; /* owned indexes of rows passing the filter */
    size_t n_shown;
    size_t sel;   /* index into shown */
    size_t top;   /* first shown row on screen */
    char *filter; /* owned, never NULL */
    unsigned gen; /* the app's list_gen the rows were built from */
    int list_y;   /* screen row of the first list row, as last painted (mouse clicks) */
};

struct picker *picker_new(enum pick_kind kind);
void picker_free(struct picker *p);
void picker_clear_rows(struct picker *p);
/* Add a row; every cell (may be NULL) is sanitised. The selection stays on its row. */
void picker_add_row(struct picker *p, const char *id, const char *const cells[PICKER_CELLS]);
/* Replace the filter; rows match when every space-separated word occurs in them (case-
 * insensitive). The selection moves to the first match. */
void picker_set_filter(struct picker *p, const char *filter);
/* Append typed UTF-8 to the filter / delete its last character. */
void picker_filter_append(struct picker *p, const char *utf8);
void picker_filter_backspace(struct picker *p);
/* Move the selection by delta rows, clamped; keeps it within a window of rows lines. */
void picker_move(struct picker *p, long delta, int rows);
/* borrowed id of the selected row, NULL when nothing is shown */
const char *picker_selected_id(const struct picker *p);
/* Rebuild the rows from the app's loaded list of the picker's kind (keeps the filter). */
void picker_fill(struct picker *p, const struct app *a);

#endif
