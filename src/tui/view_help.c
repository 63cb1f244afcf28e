/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the help screen (F1): every key of the form with its fallback for terminals without
 * function keys. Static text only. */
#include "config.h"

#include <curses.h>

#include "tui/tui.h"
#include "tui/view.h"
#include "core/util.h"

/* Lines starting with '#' are headings; at most 18 lines fit in 80x24. */
static const char *const help_lines[] = {
    "#Moving and choosing",
    "  Tab, Down / S-Tab, Up       next / previous field",
    "  Enter                       next field; opens the picker on Disposition/Task/User",
    "  Space / y / n               Answered, Human: toggle / yes, no and move on",
    "#Editing text (GNU readline, emacs keys)",
    "  ^A ^E ^B ^F M-b M-f         line start / end, back / forward a char / a word",
    "  ^K ^U ^W ^Y ^_              kill to end / to start / a word, yank, undo",
    "  ^P ^N ^R                    this field's history: previous / next / search",
    "  F4 / ^X^E                   the transcription / this field in $VISUAL or $EDITOR",
    "#Pickers",
    "  type, Backspace, ^U         filter (every word must match); Up/Down PgUp/PgDn",
    "  Enter / Esc / F5 or ^R      choose / cancel / reload the list",
    "#Actions",
    "  F2 or ^T / F8 / F9          timer (fills Duration) / dial To / hang up",
    "  F10 or ^S                   send (the outbox keeps it if sending fails)",
    "  F3 or ^O / F7 or M-n        history of calls / next call (fresh form)",
    "  F1 or ^G (also ? off text)  this help;  ^L redraws the screen",
    "  ^Q or F12 (Esc never quits) quit: Enter keeps the draft, d discards it",
};

static void help_paint(struct view *v, const struct app *a)
{
    int h = LINES - 3, w = COLS - 2;
    int y = 1, x = 1;

    tui_box(y, x, h, w, "Keys");
    for (size_t i = 0; i < ARRAY_LEN(help_lines) && (int)i < h - 3; i++) {
        const char *s = help_lines[i];
        bool is_heading = s[0] == '#';
        tui_put(y + 1 + (int)i, x + 2, w - 4, s + is_heading, is_heading ? A_BOLD : A_NORMAL);
    }
    tui_put(y + h - 2, x + 2, w - 4, "Esc, q, F1 or Enter closes this help", A_BOLD);
    v->scr->cur_y = y + h - 2;
    v->scr->cur_x = x + 2;
    (void)a;
}

static struct app_req help_key(struct view *v, const struct app *a, const struct loop_key *k)
{
    bool is_close = false;

    if (k->is_code)
        is_close = k->ch == KEY_F(1) || k->ch == KEY_ENTER;
    else if (!k->is_meta)
        is_close = k->ch == 27 || k->ch == 'q' || k->ch == '\r' || k->ch == '\n' || k->ch == 7 ||
                   k->ch == '?';
    (void)v;
    (void)a;
    return app_req_of(is_close ? REQ_CLOSE : REQ_NONE);
}

const struct view_ops view_help_ops = {
    .name = "help",
    .paint = help_paint,
    .key = help_key,
};
