/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the readline text field, the only file including the readline headers. curses reads
 * the tty; keys are translated to the bytes readline expects and fed through a small queue, and the
 * redisplay hook only asks the form to repaint. Readline must never write to the tty, touch
 * signals or change LINES/COLUMNS. The From and To histories are the shared number history
 * (store/numbers.h); the other fields keep theirs for the session. */
#include "config.h"
#include "tui/field.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdint.h>
#include <unistr.h>
#include <wchar.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "store/numbers.h"
#include "core/charset.h"
#include "core/text.h"
#include "core/util.h"

#define QUEUE_MAX 64
#define HISTORY_MAX 100

struct history_list {
    char **v; /* owned entries, oldest first */
    size_t n;
};

static struct {
    bool is_initialised;
    enum field_id active;
    bool is_installed; /* a readline handler is installed for the active field */
    char *accepted;    /* owned text of an accepted line (handler already removed) */
    char *utf8;        /* owned: the last field_text() in UTF-8 (readline holds the
                          terminal's charset, which is UTF-8 only in a UTF-8 locale) */
    enum field_request request;
    unsigned char queue[QUEUE_MAX];
    size_t q_head, q_len;
    int scroll;         /* first visible column of the active field */
    struct numbers *numbers; /* borrowed: From and To */
    struct history_list hist[FIELD_COUNT];
    FILE *null_in, *null_out;
    void (*on_redisplay)(void);
} fs = {.active = FIELD_NONE};

/* ---- readline hooks ---------------------------------------------------------------------- */

static int queue_getc(FILE *stream)
{
    unsigned char c;

    (void)stream;
    if (fs.q_len == 0)
        return EOF; /* never block: curses owns the terminal */
    c = fs.queue[fs.q_head];
    fs.q_head = (fs.q_head + 1) % QUEUE_MAX;
    fs.q_len--;
    return c;
}

static int queue_available(void)
{
    return fs.q_len > 0;
}

static void redisplay(void)
{
    if (fs.on_redisplay)
        fs.on_redisplay();
}

static void on_line(char *line)
{
    /* Readline resets its buffer after this returns, so keep the text ourselves and stop the
     * handler; the form moves focus and installs a fresh one. */
    free(fs.accepted);
    fs.accepted = line ? line : xstrdup("");
    fs.request = line ? FIELD_REQ_ACCEPT : FIELD_REQ_EOF;
    rl_callback_handler_remove();
    fs.is_installed = false;
}

static int request_editor(int count, int key)
{
    (void)count;
    (void)key;
    fs.request = FIELD_REQ_EDITOR;
    return 0;
}

void field_init(struct numbers *numbers, void (*on_redisplay)(void))
{
    if (fs.is_initialised)
        return;
    fs.on_redisplay = on_redisplay;
    fs.numbers = numbers;
    fs.null_in = fopen("/dev/null", "r");
    fs.null_out = fopen("/dev/null", "w");
    if (!fs.null_in || !fs.null_out)
        die("cannot open /dev/null: %s", strerror(errno));

    /* Readline must not install signal handlers (the loop's self-pipe owns them), must not
     * export LINES/COLUMNS (that would freeze curses' idea of the size after a resize) and
     * must not change terminal modes (curses owns cbreak/noecho). */
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_prep_term_function = NULL;
    rl_deprep_term_function = NULL;
    rl_readline_name = "amplecall";
    /* It still writes bells and completion lists: send those nowhere. */
    rl_instream = fs.null_in;
    rl_outstream = fs.null_out;
    rl_getc_function = queue_getc;
    rl_input_available_hook = queue_available;
    rl_redisplay_function = redisplay;
    rl_inhibit_completion = 1;
    rl_initialize();
    rl_variable_bind("bell-style", "none");
    rl_variable_bind("horizontal-scroll-mode", "on");
    /* The sequences field_feed_key() translates curses keys into: bound here because the
     * defaults depend on the terminfo readline finds and on the user's inputrc. */
    rl_bind_keyseq("\\e[D", rl_backward_char);
    rl_bind_keyseq("\\e[C", rl_forward_char);
    rl_bind_keyseq("\\e[H", rl_beg_of_line);
    rl_bind_keyseq("\\e[F", rl_end_of_line);
    rl_bind_keyseq("\\e[3~", rl_delete);
    rl_bind_keyseq("\\e[3;5~", rl_kill_word);
    /* Like bash: C-x C-e edits the line in $VISUAL/$EDITOR. */
    rl_bind_keyseq("\\C-x\\C-e", request_editor);
    using_history();
    fs.is_initialised = true;
}

void field_done(void)
{
    if (!fs.is_initialised)
        return;
    field_end();
    clear_history();
    free(fs.utf8);
    fs.utf8 = NULL;
    for (int i = 0; i < FIELD_COUNT; i++) {
        for (size_t j = 0; j < fs.hist[i].n; j++)
            free(fs.hist[i].v[j]);
        free(fs.hist[i].v);
        fs.hist[i].v = NULL;
        fs.hist[i].n = 0;
    }
    fs.numbers = NULL;
    fclose(fs.null_in);
    fclose(fs.null_out);
    rl_instream = rl_outstream = NULL;
    fs.is_initialised = false;
}

/* ---- focus ------------------------------------------------------------------------------- */

static void install(const char *text)
{
    char *local = charset_to_display(text); /* readline edits the terminal's bytes */

    rl_callback_handler_install("", on_line);
    rl_replace_line(local, 1);
    free(local);
    rl_point = rl_end;
    fs.is_installed = true;
}

void field_begin(enum field_id id, const char *text)
{
    if (!fs.is_initialised || id < 0 || id >= FIELD_COUNT)
        return;
    field_end();
    /* Readline keeps one history list; load this field's entries into it. */
    clear_history();
    for (size_t i = 0; field_history_get(id, i); i++)
        add_history(field_history_get(id, i));
    using_history();
    fs.active = id;
    fs.scroll = 0;
    fs.q_len = 0;
    fs.request = FIELD_REQ_NONE;
    install(text);
}

void field_end(void)
{
    char *text;

    if (fs.active == FIELD_NONE)
        return;
    text = xstrdup(field_text());
    if (fs.is_installed) {
        /* Leave any half-done command (incremental search, pending prefix) cleanly. */
        rl_callback_sigcleanup();
        rl_callback_handler_remove();
        fs.is_installed = false;
    }
    field_history_add(fs.active, text);
    free(text);
    free(fs.accepted);
    fs.accepted = NULL;
    fs.active = FIELD_NONE;
    fs.q_len = 0;
}

enum field_id field_active(void)
{
    return fs.active;
}

static const char *raw_text(void)
{
    if (fs.active == FIELD_NONE)
        return "";
    if (!fs.is_installed)
        return fs.accepted ? fs.accepted : "";
    return rl_line_buffer ? rl_line_buffer : "";
}

const char *field_text(void)
{
    if (charset_is_utf8())
        return raw_text();
    free(fs.utf8);
    fs.utf8 = charset_from_input(raw_text());
    return fs.utf8;
}

void field_replace(const char *text)
{
    if (fs.active == FIELD_NONE)
        return;
    if (!fs.is_installed) {
        free(fs.accepted);
        fs.accepted = NULL;
        install(text);
        return;
    }
    {
        char *local = charset_to_display(text);
        rl_replace_line(local, 1);
        free(local);
    }
    rl_point = rl_end;
    redisplay();
}

/* ---- feeding ----------------------------------------------------------------------------- */

static bool feed_bytes(const char *bytes, size_t len)
{
    char *before;
    bool changed;

    if (fs.active == FIELD_NONE || !fs.is_installed)
        return false;
    before = xstrdup(field_text());
    for (size_t i = 0; i < len; i++) {
        if (fs.q_len == QUEUE_MAX)
            break;
        fs.queue[(fs.q_head + fs.q_len) % QUEUE_MAX] = (unsigned char)bytes[i];
        fs.q_len++;
    }
    /* Readline may take several bytes in one call (multibyte characters, key sequences). */
    while (fs.q_len > 0 && fs.is_installed)
        rl_callback_read_char();
    fs.q_len = 0;
    changed = strcmp(before, field_text()) != 0;
    free(before);
    return changed;
}

bool field_feed_char(wint_t wc, bool is_meta)
{
    char buf[1 + MB_LEN_MAX];
    size_t n = 0;
    mbstate_t st;
    size_t len;

    memset(&st, 0, sizeof(st));
    if (is_meta)
        buf[n++] = '\033';
    len = wcrtomb(buf + n, (wchar_t)wc, &st);
    if (len == (size_t)-1)
        return false;
    return feed_bytes(buf, n + len);
}

bool field_feed_key(int key, bool *changed)
{
    const char *seq = NULL;
    const char *name;
    bool ch;

    switch (key) {
    case KEY_LEFT:
        seq = "\033[D";
        break;
    case KEY_RIGHT:
        seq = "\033[C";
        break;
    case KEY_HOME:
        seq = "\033[H";
        break;
    case KEY_END:
        seq = "\033[F";
        break;
    case KEY_DC:
        seq = "\033[3~";
        break;
    case KEY_BACKSPACE:
        seq = "\177";
        break;
    default:
        break;
    }
    if (!seq) {
        /* Ctrl+arrows move by word, as in most shells. */
        name = keyname(key);
        if (name && !strncmp(name, "kLFT", 4) && name[4] >= '5')
            seq = "\033b";
        else if (name && !strncmp(name, "kRIT", 4) && name[4] >= '5')
            seq = "\033f";
        else if (name && !strncmp(name, "kDC", 3) && name[3] >= '5')
            seq = "\033[3;5~";
    }
    if (!seq)
        return false;
    ch = feed_bytes(seq, strlen(seq));
    if (changed)
        *changed = ch;
    return true;
}

enum field_request field_take_request(void)
{
    enum field_request r = fs.request;

    fs.request = FIELD_REQ_NONE;
    return r;
}

/* ---- drawing ----------------------------------------------------------------------------- */

/* One displayed unit starting at s[i]: its byte length and its columns; ctrl is set when it is
 * shown as ^X. */
static size_t unit_at(const char *s, size_t len, size_t i, int *cols, char *ctrl)
{
    unsigned char c = (unsigned char)s[i];
    size_t n;

    *ctrl = 0;
    if (c < 0x20 || c == 0x7F) {
        *ctrl = c == 0x7F ? '?' : (char)(c + '@');
        *cols = 2;
        return 1;
    }
    if (c < 0x80) {
        *cols = 1;
        return 1;
    }
    if (!charset_is_utf8()) { /* readline's bytes are in the terminal's charset */
        mbstate_t st;
        wchar_t wc;
        int w;

        memset(&st, 0, sizeof(st));
        n = mbrtowc(&wc, s + i, len - i, &st);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0 || (w = wcwidth(wc)) < 0) {
            *ctrl = '!';
            *cols = 1;
            return 1;
        }
        *cols = w;
        return n;
    }
    if (u8_mblen((const uint8_t *)s + i, len - i) > 0) {
        *cols = text_char_cols(s + i, len - i, &n);
        return n;
    }
    *ctrl = '!'; /* invalid byte: shown as '?' */
    *cols = 1;
    return 1;
}

int field_cols(const char *text, size_t len)
{
    int total = 0, w;
    char ctrl;

    for (size_t i = 0; i < len;) {
        i += unit_at(text, len, i, &w, &ctrl);
        total += w;
    }
    return total;
}

int field_paint(WINDOW *w, int y, int x, int cols, const char *text, size_t len, size_t point,
                int *scroll)
{
    int cur = field_cols(text, point < len ? point : len);
    int total = field_cols(text, len);
    int first = 0, col = 0, cursor_x;
    bool is_cut = false;

    if (cols <= 0)
        return x;
    if (scroll) {
        if (total < cols)
            *scroll = 0;
        else if (cur < *scroll || cur >= *scroll + cols)
            *scroll = cur > cols / 2 ? cur - cols / 2 : 0;
        first = *scroll;
    } else if (total > cols) {
        is_cut = true;
    }
    wmove(w, y, x);
    for (size_t i = 0; i < len;) {
        int uw;
        char ctrl;
        size_t n = unit_at(text, len, i, &uw, &ctrl);
        int limit = x + cols - (is_cut ? 1 : 0);

        if (col >= first) {
            int at = x + col - first;
            if (at + uw > limit)
                break;
            if (ctrl == '!') {
                waddch(w, '?');
            } else if (ctrl) {
                waddch(w, '^');
                waddch(w, (chtype)(unsigned char)ctrl);
            } else {
                waddnstr(w, text + i, (int)n);
            }
        } else if (col + uw > first) {
            /* a wide character cut by the left edge: show its visible half as blank */
            waddch(w, ' ');
        }
        col += uw;
        i += n;
    }
    if (is_cut) {
        int cy, cx;
        getyx(w, cy, cx);
        (void)cy;
        while (cx < x + cols - 1) {
            waddch(w, ' ');
            cx++;
        }
        waddstr(w, "…");
    }
    cursor_x = x + cur - first;
    if (cursor_x > x + cols - 1)
        cursor_x = x + cols - 1;
    return cursor_x;
}

int field_draw(WINDOW *w, int y, int x, int cols)
{
    const char *prompt = (fs.is_installed && rl_display_prompt) ? rl_display_prompt : "";
    const char *text = field_text();
    size_t plen = strlen(prompt);
    char *all;
    int cx;

    if (!*prompt)
        return field_paint(w, y, x, cols, text, strlen(text),
                           fs.is_installed ? (size_t)rl_point : strlen(text), &fs.scroll);
    /* incremental search shows its own prompt before the line */
    all = xasprintf("%s%s", prompt, text);
    cx = field_paint(w, y, x, cols, all, strlen(all),
                     plen + (fs.is_installed ? (size_t)rl_point : strlen(text)), &fs.scroll);
    free(all);
    return cx;
}

/* ---- history ----------------------------------------------------------------------------- */

static bool is_number(enum field_id id)
{
    return id == FIELD_FROM || id == FIELD_TO;
}

void field_history_add(enum field_id id, const char *text)
{
    struct history_list *h;

    if (id < 0 || id >= FIELD_COUNT || !text || !*text || strlen(text) > 1000)
        return;
    if (is_number(id) && fs.numbers) {
        numbers_add(fs.numbers, id, text);
    } else {
        h = &fs.hist[id];
        if (h->n && !strcmp(h->v[h->n - 1], text))
            return;
        if (h->n == HISTORY_MAX) {
            free(h->v[0]);
            memmove(h->v, h->v + 1, (h->n - 1) * sizeof(*h->v));
            h->n--;
        }
        h->v = xrealloc(h->v, (h->n + 1) * sizeof(*h->v));
        h->v[h->n++] = xstrdup(text);
    }
    if (id == fs.active && fs.is_installed)
        add_history(text);
}

const char *field_history_get(enum field_id id, size_t i)
{
    if (id < 0 || id >= FIELD_COUNT)
        return NULL;
    if (is_number(id) && fs.numbers)
        return numbers_get(fs.numbers, id, i);
    return i < fs.hist[id].n ? fs.hist[id].v[i] : NULL;
}
