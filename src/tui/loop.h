/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_LOOP_H
#define AMPLECALL_LOOP_H
/* TUI layer: the form's single event loop: one curl_multi_poll() waits on libcurl's sockets, the
 * terminal, a signal self-pipe and the softphone's sockets together, with a timeout to the next timer tick. Then all
 * input is drained, signals handled, transfers advanced, timers ticked and the screen
 * repainted once. One thread; no blocking anywhere else. */
#include <poll.h>
#include <stdbool.h>
#include <wchar.h>

struct http_client;

/* One key from the terminal. */
struct loop_key {
    bool is_code; /* ch is a curses KEY_* code, else a character */
    bool is_meta; /* Alt/Meta: the character came right after an Esc */
    wint_t ch;
};

struct loop_ops {
    void (*on_key)(void *ud, const struct loop_key *k);
    /* SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, as delivered through the self-pipe */
    void (*on_signal)(void *ud, int sig);
    /* Once per turn after input and network: advance timers, countdowns, spinners. */
    void (*on_tick)(void *ud);
    /* Milliseconds until on_tick next has work, -1 for none. */
    int (*timeout_ms)(void *ud);
    /* Paint whatever changed (one doupdate). */
    void (*repaint)(void *ud);
    bool (*is_done)(void *ud);
    /* Optional (NULL = none): more descriptors to wait on (at most max) and the call, every
     * turn after the terminal and signals, that serves them without blocking. */
    unsigned (*extra_fds)(void *ud, struct pollfd *out, unsigned max);
    void (*on_io)(void *ud);
};

/* Create the self-pipe and install the signal handlers. Call before curses starts so that
 * curses leaves SIGINT/SIGTERM to us; call loop_signals_chain_winch() after it started. */
bool loop_signals_init(char **err);
/* Take SIGWINCH over from curses while still running curses' own handler (so KEY_RESIZE
 * keeps working) and waking the loop through the pipe. */
void loop_signals_chain_winch(void);
/* Restore the previous handlers and close the pipe. */
void loop_signals_done(void);
/* Temporarily ignore SIGINT/SIGQUIT (while a child such as $EDITOR owns the terminal). */
void loop_signals_ignore_interrupts(bool is_ignored);

/* A mouse report curses named KEY_MOUSE but could not decode (the mouse is off): the rest
 * of it is read and dropped, so none of it is typed. */
void loop_swallow_report_tail(void);

/* Run until ops->is_done(). http may be NULL (no network). */
void loop_run(struct http_client *http, const struct loop_ops *ops, void *ud);

#endif
