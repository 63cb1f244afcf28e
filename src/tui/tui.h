/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TUI_H
#define AMPLECALL_TUI_H
/* TUI layer: terminal set-up and tear-down for the form (ncursesw), named styles (colours when the
 * terminal has them and NO_COLOR is unset, attributes always), and drawing helpers that cut
 * and wrap UTF-8 text by display columns. Everything drawn here must already be sanitised. */
#include <stdbool.h>
#include <stddef.h>
#include <curses.h>

#include "core/text.h" /* widths, cuts and wraps for the views */

#define TUI_MIN_COLS 80
#define TUI_MIN_LINES 24

enum tui_style {
    TUI_NORMAL = 0,
    TUI_TITLE,       /* top line */
    TUI_LABEL,       /* field label */
    TUI_LABEL_FOCUS, /* label of the focused field */
    TUI_ERROR,       /* error text and the label of a rejected field */
    TUI_ERROR_FOCUS, /* label of a rejected field that has focus */
    TUI_NOTE,        /* explanatory note under a field */
    TUI_HINT,        /* hint text shown in an empty field */
    TUI_STATUS,      /* status bar */
    TUI_HELP,        /* key help line */
    TUI_OK,          /* success */
    TUI_WARN,        /* warnings: unknown outcome, rate limit */
    TUI_SELECTED,    /* picker row under the cursor */
    TUI_BOX,         /* overlay frame */
    TUI_STYLE_COUNT
};

/* Initialise curses on the process's terminal: cbreak, no echo, keypad, non-blocking reads,
 * 25 ms ESCDELAY, flow control off (so ^S and ^Q reach us). false with *err (owned) if the
 * terminal cannot be used. */
bool tui_init(bool is_color_disabled, char **err);
/* Restore the terminal (endwin). Idempotent; safe from the die() hook. */
void tui_done(void);
bool tui_is_active(void);
/* Ask for mouse reports: button 1 presses and the wheel (KEY_MOUSE). */
void tui_enable_mouse(void);
bool tui_has_color(void);

/* Attributes (with colour pair when colours are on) for a style. */
attr_t tui_attr(enum tui_style s);
bool tui_is_too_small(void);

/* Draw text (valid sanitised UTF-8) at (y, x) in at most cols columns; text that does not
 * fit is cut and ends in "…" (the charset's ellipsis), so nothing is cut silently. Returns
 * the columns written. */
int tui_put(int y, int x, int cols, const char *text, attr_t a);
/* Spaces with attributes a over cols columns. */
void tui_fill(int y, int x, int cols, attr_t a);


/* Draw a frame with a title (may be NULL) in the top border. */
void tui_box(int y, int x, int h, int w, const char *title);

/* A colour the configuration gives to a part of the form (curses colour numbers, -1 =
 * default). element is one of: title label focus error note status help selected. */
struct tui_color {
    const char *element; /* borrowed */
    int fg, bg;
};
/* Apply configured colours over the defaults; a no-op without colour (vt100, NO_COLOR). */
void tui_apply_colors(const struct tui_color *v, size_t n);

#endif
