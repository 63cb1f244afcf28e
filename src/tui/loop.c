/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the event loop and the signal self-pipe. Signal handlers only write the signal number
 * to the pipe (async-signal-safe); everything else happens in loop_run. Must not draw. */
#include "config.h"
#include "tui/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <curses.h>

#include "net/http.h"
#include "tui/escseq.h"
#include "tui/tui.h"
#include "core/util.h"

/* The softphone's descriptors: its control socket client or listener, baresip's link. */
#define LOOP_EXTRA_MAX 4

static const int caught[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

static struct {
    int pipe[2];
    bool is_ready;
    struct sigaction old[ARRAY_LEN(caught)];
    struct sigaction old_winch;
    bool is_winch_chained;
    struct sigaction saved_int, saved_quit;
} ls = {.pipe = {-1, -1}};

/* Set by SIGWINCH, cleared once the loop has applied the new size. */
static volatile sig_atomic_t is_winch_pending;

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;

    if (ls.pipe[1] >= 0 && write(ls.pipe[1], &b, 1) < 0) {
        /* pipe full: the loop is already awake and will see earlier signals */
    }
    errno = saved;
}

static void on_winch(int sig)
{
    is_winch_pending = 1;
    on_signal(sig);
    /* curses' handler only records that the size changed; the next wgetch() resizes. */
    if (!(ls.old_winch.sa_flags & SA_SIGINFO) && ls.old_winch.sa_handler != SIG_DFL &&
        ls.old_winch.sa_handler != SIG_IGN && ls.old_winch.sa_handler != NULL)
        ls.old_winch.sa_handler(sig);
}

static bool set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    int fdfl = fcntl(fd, F_GETFD);

    return fl >= 0 && fdfl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 &&
           fcntl(fd, F_SETFD, fdfl | FD_CLOEXEC) == 0;
}

bool loop_signals_init(char **err)
{
    struct sigaction sa;

    *err = NULL;
    if (ls.is_ready)
        return true;
    if (pipe(ls.pipe) != 0 || !set_flags(ls.pipe[0]) || !set_flags(ls.pipe[1])) {
        *err = xasprintf("cannot create a pipe: %s", strerror(errno));
        return false;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < ARRAY_LEN(caught); i++)
        sigaction(caught[i], &sa, &ls.old[i]);
    ls.is_ready = true;
    return true;
}

void loop_signals_chain_winch(void)
{
    struct sigaction sa;

    if (!ls.is_ready || ls.is_winch_chained)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_winch;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, &ls.old_winch);
    ls.is_winch_chained = true;
}

void loop_signals_done(void)
{
    if (!ls.is_ready)
        return;
    if (ls.is_winch_chained)
        sigaction(SIGWINCH, &ls.old_winch, NULL);
    ls.is_winch_chained = false;
    for (size_t i = 0; i < ARRAY_LEN(caught); i++)
        sigaction(caught[i], &ls.old[i], NULL);
    close(ls.pipe[0]);
    close(ls.pipe[1]);
    ls.pipe[0] = ls.pipe[1] = -1;
    ls.is_ready = false;
}

void loop_signals_ignore_interrupts(bool is_ignored)
{
    struct sigaction sa;

    if (is_ignored) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &ls.saved_int);
        sigaction(SIGQUIT, &sa, &ls.saved_quit);
    } else {
        sigaction(SIGINT, &ls.saved_int, NULL);
        sigaction(SIGQUIT, &ls.saved_quit, NULL);
    }
}

/* The next key of a sequence already begun: what curses buffered, else a short wait for the
 * rest of a sequence a slow link split. ERR when none comes. */
static int next_key(wint_t *ch)
{
    int r = wget_wch(stdscr, ch);

    for (int tries = 0; r == ERR && tries < 3; tries++) {
        struct pollfd pfd = {STDIN_FILENO, POLLIN, 0};
        if (poll(&pfd, 1, 30) <= 0)
            continue;
        r = wget_wch(stdscr, ch);
    }
    return r;
}

void loop_swallow_report_tail(void)
{
    wint_t ch;
    int r;

    /* the rest of "Esc [ < b ; x ; y M": digits and semicolons up to M or m */
    while ((r = next_key(&ch)) == OK) {
        if (ch == 'M' || ch == 'm')
            return;
        if (!((ch >= '0' && ch <= '9') || ch == ';')) {
            unget_wch((wchar_t)ch);
            return;
        }
    }
    if (r == KEY_CODE_YES)
        ungetch((int)ch); /* a key curses knew: not part of the report */
}

/* An Esc and what follows it: Alt+key, a sequence curses did not know (named or swallowed
 * whole, see escseq.h), or a lone Esc. Delivers zero or more keys. */
static void after_esc(const struct loop_ops *ops, void *ud)
{
    struct loop_key k = {0};
    wint_t next;
    int r = wget_wch(stdscr, &next);
    char seq[ESCSEQ_MAX];
    size_t len = 0;
    enum escseq_state st;

    k.ch = 27;
    if (r == ERR) { /* a lone Esc: nothing came after it within ESCDELAY */
        ops->on_key(ud, &k);
        return;
    }
    if (r == KEY_CODE_YES || next == 27 || (next != '[' && next != 'O')) {
        if (r == OK && next != 27) { /* Alt+key */
            k.is_meta = true;
            k.ch = next;
            ops->on_key(ud, &k);
            return;
        }
        ops->on_key(ud, &k);
        k.is_code = r == KEY_CODE_YES;
        k.ch = next;
        ops->on_key(ud, &k);
        return;
    }
    seq[len++] = (char)next;
    while ((st = escseq_state(seq, len)) == ESCSEQ_MORE) {
        r = next_key(&next);
        if (r == ERR)
            break;
        if (r == KEY_CODE_YES) { /* a key curses knew: this sequence was cut short */
            k.is_code = true;
            k.ch = next;
            ops->on_key(ud, &k);
            return;
        }
        seq[len++] = (char)(next > 0x7f ? 0x7f : next);
    }
    if (st == ESCSEQ_MORE && len == 1) { /* Alt+[ or Alt+O after all */
        k.is_meta = true;
        k.ch = (wint_t)(unsigned char)seq[0];
        ops->on_key(ud, &k);
        return;
    }
    if (st == ESCSEQ_DONE) {
        int code = escseq_key(seq, len);
        if (code) {
            k.is_code = true;
            k.ch = (wint_t)code;
            ops->on_key(ud, &k);
        }
    }
    /* anything else was a sequence nobody names: swallowed whole */
}

/* curses looks at a pending SIGWINCH only when no input is waiting, so a key typed just
 * after the terminal grew back would reach the form while it still counts as too small, and
 * be dropped. So while it is too small, a resize signalled by the time a key is read is
 * applied and reported first. A larger form keeps curses' order: keys typed before a
 * shrink still count. When LINES or COLUMNS is set curses takes the size from them, not
 * the terminal, and the resize is left to curses. */
static void deliver_pending_resize(const struct loop_ops *ops, void *ud)
{
    struct winsize ws;
    struct loop_key k = {.is_code = true, .ch = KEY_RESIZE};

    if (!is_winch_pending)
        return;
    is_winch_pending = 0;
    if (getenv("LINES") || getenv("COLUMNS") || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 ||
        ws.ws_row == 0 || ws.ws_col == 0 || !is_term_resized(ws.ws_row, ws.ws_col))
        return;
    /* curses' own KEY_RESIZE follows later for the same size: a second redraw, no harm */
    resizeterm(ws.ws_row, ws.ws_col);
    ops->on_key(ud, &k);
}

/* Read every key curses has, even when poll reported nothing: a resize only shows up as
 * KEY_RESIZE from wgetch, and bytes curses already buffered do not make stdin readable. */
static void drain_input(const struct loop_ops *ops, void *ud)
{
    for (;;) {
        struct loop_key k = {0};
        wint_t ch;
        int r = wget_wch(stdscr, &ch);

        if (r == ERR)
            break;
        k.is_code = r == KEY_CODE_YES;
        k.ch = ch;
        if (k.is_code && ch == KEY_RESIZE)
            is_winch_pending = 0; /* curses applied it */
        else if (tui_is_too_small())
            deliver_pending_resize(ops, ud);
        if (!k.is_code && ch == 27)
            after_esc(ops, ud);
        else
            ops->on_key(ud, &k);
        if (ops->is_done(ud))
            break;
    }
}

static void drain_signals(const struct loop_ops *ops, void *ud)
{
    unsigned char buf[64];
    ssize_t n;

    if (ls.pipe[0] < 0)
        return;
    while ((n = read(ls.pipe[0], buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n; i++)
            ops->on_signal(ud, buf[i]);
}

void loop_run(struct http_client *http, const struct loop_ops *ops, void *ud)
{
    ops->repaint(ud);
    while (!ops->is_done(ud)) {
        struct curl_waitfd fds[2 + LOOP_EXTRA_MAX] = {{STDIN_FILENO, CURL_WAIT_POLLIN, 0},
                                                      {ls.pipe[0], CURL_WAIT_POLLIN, 0}};
        struct pollfd pfd[2 + LOOP_EXTRA_MAX] = {{STDIN_FILENO, POLLIN, 0},
                                                 {ls.pipe[0], POLLIN, 0}};
        int timeout = ops->timeout_ms(ud);
        unsigned nfds = ls.pipe[0] >= 0 ? 2 : 1;

        if (ops->extra_fds) {
            unsigned n = ops->extra_fds(ud, pfd + nfds, LOOP_EXTRA_MAX);
            for (unsigned i = 0; i < n; i++, nfds++) {
                fds[nfds].fd = pfd[nfds].fd;
                fds[nfds].events = (short)(((pfd[nfds].events & POLLIN) ? CURL_WAIT_POLLIN : 0) |
                                           ((pfd[nfds].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
                fds[nfds].revents = 0;
            }
        }
        if (timeout < 0 || timeout > 60000)
            timeout = 60000;
        if (http)
            http_client_poll(http, fds, nfds, timeout);
        else
            poll(pfd, nfds, timeout);
        drain_input(ops, ud);
        drain_signals(ops, ud);
        if (ops->on_io)
            ops->on_io(ud); /* they find out what is ready themselves: non-blocking calls */
        if (http)
            http_client_perform(http);
        ops->on_tick(ud);
        if (ops->is_done(ud))
            break;
        ops->repaint(ud);
    }
}
