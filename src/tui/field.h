/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FIELD_H
#define AMPLECALL_FIELD_H
/* TUI layer: the text field: GNU readline (callback interface) editing the focused form field.
 * Readline never touches the terminal, signals or environment; curses is the only reader of the tty
 * and this module feeds it keys one at a time. One field is active at a time (readline has
 * global state). Also the per-field history (From/To: the shared number history). */
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>
#include <curses.h>

#include "core/call.h"

/* What readline asked for while being fed, collected by field_take_request(). */
enum field_request {
    FIELD_REQ_NONE = 0,
    FIELD_REQ_ACCEPT, /* the line was accepted (e.g. C-o): move on */
    FIELD_REQ_EOF,    /* C-d on an empty line: move on */
    FIELD_REQ_EDITOR, /* C-x C-e: edit in $VISUAL/$EDITOR */
};

struct numbers;

/* Set readline up once. on_redisplay (may be NULL) runs whenever the field must be redrawn.
 * numbers (borrowed, may be NULL) holds the From/To histories kept between runs. */
void field_init(struct numbers *numbers, void (*on_redisplay)(void));
/* Leave any active field, free everything. Safe to call twice. */
void field_done(void);

/* Focus a text field with text (may be NULL); the cursor goes to the end. */
void field_begin(enum field_id id, const char *text);
/* Leave the active field (adding its text to its history). No-op when none is active. */
void field_end(void);
/* FIELD_NONE when no field is active. */
enum field_id field_active(void);
/* borrowed current text of the active field ("" when none) */
const char *field_text(void);
/* Replace the active field's text (e.g. after the editor ran); cursor to the end. */
void field_replace(const char *text);

/* Feed one typed character (UTF-8 encoded for readline) or, with is_meta, Alt+character.
 * Returns true when the text changed. */
bool field_feed_char(wint_t wc, bool is_meta);
/* Feed a curses key code (arrows, Home, End, Delete, Backspace...); false if it means nothing
 * to a text field. *changed (may be NULL) tells whether the text changed. */
bool field_feed_key(int key, bool *changed);
/* What readline requested during the last feeds; resets it. */
enum field_request field_take_request(void);

/* Draw text (len bytes) in row y from column x over cols columns with control characters
 * shown as ^X, keeping byte offset point visible by scrolling horizontally (*scroll holds the
 * first visible column between calls; may be NULL for no scrolling, text cut with "…").
 * Returns the screen column of point. */
int field_paint(WINDOW *w, int y, int x, int cols, const char *text, size_t len, size_t point,
                int *scroll);
/* Draw the active field (prompt during i-search, text, cursor kept in view); returns the
 * cursor's screen column. */
int field_draw(WINDOW *w, int y, int x, int cols);
/* Display width of text[0..len) as field_paint shows it. */
int field_cols(const char *text, size_t len);

/* History: add an entry to a field's list (consecutive duplicates and blanks ignored). */
void field_history_add(enum field_id id, const char *text);
/* borrowed entry i (0 = oldest) of a field's history, NULL past the end */
const char *field_history_get(enum field_id id, size_t i);

#endif
