/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: ncurses set-up/tear-down, styles and column-aware drawing helpers for the form.
 * Owns the curses SCREEN; must not know about the form's fields or the network. */
#include "config.h"
#include "tui/tui.h"

#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

#include "core/charset.h"
#include "core/text.h"
#include "core/util.h"

static struct {
    SCREEN *screen;
    bool is_active;
    bool has_color;
    attr_t attr[TUI_STYLE_COUNT];
} ts;

enum { PAIR_ERROR = 1, PAIR_OK, PAIR_WARN, PAIR_TITLE, PAIR_NOTE, PAIR_SELECTED };

static void set_styles(void)
{
    bool c = ts.has_color;

    /* Attributes carry the meaning on every terminal; colour only adds to them, so vt100 and
     * NO_COLOR lose nothing. */
    ts.attr[TUI_NORMAL] = A_NORMAL;
    ts.attr[TUI_TITLE] = A_BOLD | (c ? COLOR_PAIR(PAIR_TITLE) : 0);
    ts.attr[TUI_LABEL] = A_NORMAL;
    ts.attr[TUI_LABEL_FOCUS] = A_REVERSE | A_BOLD;
    ts.attr[TUI_ERROR] = A_BOLD | (c ? COLOR_PAIR(PAIR_ERROR) : A_UNDERLINE);
    ts.attr[TUI_ERROR_FOCUS] = A_REVERSE | A_BOLD | (c ? COLOR_PAIR(PAIR_ERROR) : A_UNDERLINE);
    ts.attr[TUI_NOTE] = c ? COLOR_PAIR(PAIR_NOTE) : A_NORMAL;
    ts.attr[TUI_HINT] = A_DIM;
    ts.attr[TUI_STATUS] = A_REVERSE;
    ts.attr[TUI_HELP] = A_NORMAL;
    ts.attr[TUI_OK] = A_BOLD | (c ? COLOR_PAIR(PAIR_OK) : 0);
    ts.attr[TUI_WARN] = A_BOLD | (c ? COLOR_PAIR(PAIR_WARN) : 0);
    ts.attr[TUI_SELECTED] = A_REVERSE | (c ? COLOR_PAIR(PAIR_SELECTED) : 0);
    ts.attr[TUI_BOX] = A_NORMAL;
}

bool tui_init(bool is_color_disabled, char **err)
{
    const char *term = getenv("TERM");
    struct termios tio;

    *err = NULL;
    ts.screen = newterm(term, stdout, stdin);
    if (!ts.screen) {
        *err = xasprintf("cannot use terminal type '%s'", term ? term : "(unset)");
        return false;
    }
    set_term(ts.screen);
    ts.is_active = true;
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    meta(stdscr, TRUE);
    /* Never block in wgetch: the poll loop decides when to wait. */
    nodelay(stdscr, TRUE);
    /* Esc must close a picker at once, not after ncurses' default second. */
    set_escdelay(25);
    /* Without IXON the terminal delivers ^S (send) and ^Q (quit) instead of pausing output;
     * saved as curses' program mode so it survives endwin()/refresh() cycles. */
    if (tcgetattr(STDIN_FILENO, &tio) == 0) {
        tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
        tcsetattr(STDIN_FILENO, TCSANOW, &tio);
        def_prog_mode();
    }
    curs_set(1);
    ts.has_color = false;
    /* vt100-class terminals and the Linux console get attributes only: their few colours (and
     * bold shown as bright) would make meaning depend on the palette. */
    if (term && (!strncmp(term, "vt", 2) || !strncmp(term, "linux", 5)))
        is_color_disabled = true;
    if (!is_color_disabled && has_colors() && start_color() == OK) {
        use_default_colors();
        init_pair(PAIR_ERROR, COLOR_RED, -1);
        init_pair(PAIR_OK, COLOR_GREEN, -1);
        init_pair(PAIR_WARN, COLOR_YELLOW, -1);
        init_pair(PAIR_TITLE, COLOR_CYAN, -1);
        init_pair(PAIR_NOTE, COLOR_CYAN, -1);
        init_pair(PAIR_SELECTED, COLOR_CYAN, -1);
        ts.has_color = true;
    }
    set_styles();
    return true;
}

void tui_enable_mouse(void)
{
    /* presses, not clicks: no wait to tell a click from a double click */
    mouseinterval(0);
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED |
                  BUTTON5_PRESSED,
              NULL);
}

void tui_apply_colors(const struct tui_color *v, size_t n)
{
    static const struct {
        const char *element;
        enum tui_style style[2];
    } map[] = {
        {"title", {TUI_TITLE, TUI_TITLE}},   {"label", {TUI_LABEL, TUI_LABEL}},
        {"focus", {TUI_LABEL_FOCUS, TUI_LABEL_FOCUS}},
        {"error", {TUI_ERROR, TUI_ERROR_FOCUS}}, {"note", {TUI_NOTE, TUI_NOTE}},
        {"status", {TUI_STATUS, TUI_STATUS}}, {"help", {TUI_HELP, TUI_HELP}},
        {"selected", {TUI_SELECTED, TUI_SELECTED}},
    };
    short pair = 16; /* above the built-in pairs */

    if (!ts.has_color)
        return; /* attributes alone carry the meaning without colours */
    for (size_t i = 0; i < n && pair < COLOR_PAIRS; i++) {
        for (size_t m = 0; m < ARRAY_LEN(map); m++) {
            if (strcmp(v[i].element, map[m].element) != 0)
                continue;
            if (init_pair(pair, (short)v[i].fg, (short)v[i].bg) != OK)
                break;
            for (int k = 0; k < 2; k++) {
                enum tui_style st = map[m].style[k];
                ts.attr[st] = (ts.attr[st] & ~A_COLOR) | COLOR_PAIR(pair);
            }
            pair++;
            break;
        }
    }
}

void tui_done(void)
{
    if (!ts.is_active)
        return;
    ts.is_active = false;
    curs_set(1);
    endwin();
    delscreen(ts.screen);
    ts.screen = NULL;
}

bool tui_is_active(void)
{
    return ts.is_active;
}

bool tui_has_color(void)
{
    return ts.has_color;
}

attr_t tui_attr(enum tui_style s)
{
    return (s >= 0 && s < TUI_STYLE_COUNT) ? ts.attr[s] : A_NORMAL;
}

bool tui_is_too_small(void)
{
    return COLS < TUI_MIN_COLS || LINES < TUI_MIN_LINES;
}

int tui_put(int y, int x, int cols, const char *text, attr_t a)
{
    int used;
    size_t n;

    if (!text || cols <= 0)
        return 0;
    if (!charset_is_utf8()) {
        /* LANG=C, Latin-1...: what the charset lacks is transliterated, measured as shown */
        char *fit = charset_fit(text), *shown, *disp;

        n = text_fit(fit, cols, &used);
        /* cut text says so: it ends in the charset's ellipsis */
        shown = fit[n] ? text_cut(fit, cols) : xstrndup(fit, n);
        n = strlen(shown);
        used = text_cols(shown);
        disp = charset_to_display(shown);
        if (n > 0) {
            attrset(a);
            mvaddstr(y, x, disp);
            attrset(A_NORMAL);
        }
        free(disp);
        free(shown);
        free(fit);
        return n > 0 ? used : 0;
    }
    n = text_fit(text, cols, &used);
    if (n == 0)
        return 0;
    attrset(a);
    if (text[n]) { /* cut text says so: it ends in "…" */
        char *cut = text_cut(text, cols);
        mvaddstr(y, x, cut);
        used = text_cols(cut);
        free(cut);
    } else {
        mvaddnstr(y, x, text, (int)n);
    }
    attrset(A_NORMAL);
    return used;
}

void tui_fill(int y, int x, int cols, attr_t a)
{
    if (cols <= 0)
        return;
    attrset(a);
    mvhline(y, x, ' ', cols);
    attrset(A_NORMAL);
}

void tui_box(int y, int x, int h, int w, const char *title)
{
    if (h < 2 || w < 2)
        return;
    attrset(tui_attr(TUI_BOX));
    for (int r = y + 1; r < y + h - 1; r++) {
        mvaddch(r, x, ACS_VLINE);
        mvhline(r, x + 1, ' ', w - 2);
        mvaddch(r, x + w - 1, ACS_VLINE);
    }
    mvaddch(y, x, ACS_ULCORNER);
    mvhline(y, x + 1, ACS_HLINE, w - 2);
    mvaddch(y, x + w - 1, ACS_URCORNER);
    mvaddch(y + h - 1, x, ACS_LLCORNER);
    mvhline(y + h - 1, x + 1, ACS_HLINE, w - 2);
    mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
    attrset(A_NORMAL);
    if (title && *title) {
        mvaddch(y, x + 2, ' ');
        tui_put(y, x + 3, w - 6, title, A_BOLD);
        addch(' ');
    }
}
