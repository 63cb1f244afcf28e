/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Conf layer: api_key_command: one child, bounded. The shell and whatever it starts share a process
 * group, which gets the terminal while it runs and is killed on timeout or overflow. Its
 * output is read with poll until the shell exits (then drained without blocking), never to
 * EOF, since a grandchild may hold the pipe for ever. Never prints; never logs the key. */
#include "config.h"
#include "conf/keycmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/redact.h"
#include "core/sanitize.h"
#include "core/util.h"

#define TICK_MS 10 /* how often the shell's exit is looked for while a pipe stays open */

struct child {
    pid_t pid;
    int fd[2];        /* stdout, stderr read ends; -1 once closed */
    struct buf out;   /* at most KEYCMD_MAX_OUTPUT bytes */
    struct buf err;   /* the first KEYCMD_MAX_OUTPUT bytes; the rest is read and dropped */
    bool is_too_big;
    int tty;          /* the terminal handed over, or -1 */
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_key_text(const char *v)
{
    if (!*v)
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* Give the terminal to the child's group when we hold it, so a prompt on /dev/tty is not
 * stopped by SIGTTIN. *tty is the descriptor to give it back through, or -1. */
static void hand_terminal(pid_t pgid, int *tty)
{
    *tty = -1;
    if (isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp() &&
        tcsetpgrp(STDIN_FILENO, pgid) == 0)
        *tty = STDIN_FILENO;
}

static void take_terminal_back(int tty)
{
    sigset_t block, old;

    if (tty < 0)
        return;
    /* from a background group, tcsetpgrp raises SIGTTOU unless it is blocked */
    sigemptyset(&block);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &old);
    tcsetpgrp(tty, getpgrp());
    sigprocmask(SIG_SETMASK, &old, NULL);
}

/* A pipe whose ends close on exec: the shell gets its write end only as a dup2'd stdout or
 * stderr. */
static int cloexec_pipe(int fds[2])
{
    if (pipe(fds) != 0)
        return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
}

static bool start(struct child *c, const char *cmd, char **why)
{
    int out[2], err[2];

    if (cloexec_pipe(out) != 0) {
        *why = xasprintf("cannot create a pipe: %s", strerror(errno));
        return false;
    }
    if (cloexec_pipe(err) != 0) {
        *why = xasprintf("cannot create a pipe: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        return false;
    }
    c->pid = fork();
    if (c->pid < 0) {
        *why = xasprintf("cannot start /bin/sh: %s", strerror(errno));
        close(out[0]);
        close(out[1]);
        close(err[0]);
        close(err[1]);
        return false;
    }
    if (c->pid == 0) {
        setpgid(0, 0);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGTTIN, SIG_DFL);
        signal(SIGTTOU, SIG_DFL);
        unsetenv("AMPLEMARKET_API_KEY");
        if (dup2(out[1], STDOUT_FILENO) < 0 || dup2(err[1], STDERR_FILENO) < 0)
            _exit(126);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    /* both sides set the group, so it exists whichever runs first */
    setpgid(c->pid, c->pid);
    close(out[1]);
    close(err[1]);
    c->fd[0] = out[0];
    c->fd[1] = err[0];
    hand_terminal(c->pid, &c->tty);
    return true;
}

/* Read what one pipe has: 1 when it gave bytes, 0 when it has none just now, -1 at end of
 * file or error (the pipe is then closed). */
static int read_some(struct child *c, int i)
{
    char chunk[512];
    ssize_t n = read(c->fd[i], chunk, sizeof(chunk));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0) {
        close(c->fd[i]);
        c->fd[i] = -1;
        return -1;
    }
    if (i == 0 && buf_append(&c->out, chunk, (size_t)n) != 0)
        c->is_too_big = true;
    if (i == 1 && c->err.len < KEYCMD_MAX_OUTPUT) {
        size_t room = KEYCMD_MAX_OUTPUT - c->err.len;
        buf_append(&c->err, chunk, (size_t)n < room ? (size_t)n : room);
    }
    explicit_bzero(chunk, sizeof(chunk));
    return 1;
}

/* After the shell exited: what its pipes already hold, without waiting for more (a
 * background child may keep them open and write on; 256 reads bound the drain). */
static void drain(struct child *c)
{
    for (int i = 0; i < 2; i++) {
        if (c->fd[i] < 0)
            continue;
        fcntl(c->fd[i], F_SETFL, fcntl(c->fd[i], F_GETFL) | O_NONBLOCK);
        for (int k = 0; k < 256 && c->fd[i] >= 0 && !c->is_too_big; k++)
            if (read_some(c, i) <= 0)
                break;
    }
}

/* Wait for the shell, reading its pipes, until it exits or deadline. true with *status when
 * it exited; false when it ran out of time or printed too much (it is then killed). */
static bool wait_child(struct child *c, long long deadline, int *status)
{
    for (;;) {
        struct pollfd p[2];
        nfds_t n = 0;
        long long left = deadline - now_ms();
        pid_t w = waitpid(c->pid, status, WNOHANG);

        if (w == c->pid) {
            drain(c);
            return !c->is_too_big;
        }
        if (c->is_too_big || left <= 0)
            break;
        for (int i = 0; i < 2; i++) {
            if (c->fd[i] >= 0) {
                p[n].fd = c->fd[i];
                p[n].events = POLLIN;
                p[n].revents = 0;
                n++;
            }
        }
        /* with both pipes open, poll wakes on output; otherwise it ticks to see the exit */
        if (poll(p, n, (int)(left < TICK_MS ? left : TICK_MS)) > 0) {
            for (nfds_t k = 0; k < n; k++) {
                if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                read_some(c, p[k].fd == c->fd[0] ? 0 : 1);
            }
        }
    }
    kill(-c->pid, SIGKILL);
    while (waitpid(c->pid, status, 0) < 0 && errno == EINTR) {
    }
    return false;
}

/* The command's stderr for a message: redacted of what it printed as a key, sanitised, cut,
 * prefixed with "; it said: ". "" when it said nothing. Owned. */
static char *stderr_excerpt(const struct child *c, const char *key)
{
    struct redact *rd = redact_new(key);
    size_t len = c->err.len;
    char *text = redact_text(rd, c->err.data ? c->err.data : "", len, &len);
    char *cut = xstrndup(text, len < KEYCMD_MAX_ERROR_SHOWN ? len : KEYCMD_MAX_ERROR_SHOWN);
    char *clean = sanitize_line(cut), *trimmed = str_trim(clean), *out;

    out = *trimmed ? xasprintf("; it said: %s%s", trimmed,
                               len > KEYCMD_MAX_ERROR_SHOWN ? " […]" : "")
                   : xstrdup("");
    redact_free(rd);
    free(text);
    free(cut);
    free(clean);
    free(trimmed);
    return out;
}

bool keycmd_run(const char *cmd, long timeout_s, char **key, char **why)
{
    struct child c = {.fd = {-1, -1}, .tty = -1};
    long long deadline;
    int status = 0;
    bool has_exited;
    char *line = NULL, *nl, *said, *reason = NULL;

    *key = NULL;
    *why = NULL;
    if (timeout_s <= 0)
        timeout_s = KEYCMD_DEFAULT_TIMEOUT_S;
    buf_init(&c.out, KEYCMD_MAX_OUTPUT);
    buf_init(&c.err, KEYCMD_MAX_OUTPUT);
    if (!start(&c, cmd, why)) {
        buf_done(&c.out);
        buf_done(&c.err);
        return false;
    }
    deadline = now_ms() + timeout_s * 1000;
    has_exited = wait_child(&c, deadline, &status);
    take_terminal_back(c.tty);
    for (int i = 0; i < 2; i++)
        if (c.fd[i] >= 0)
            close(c.fd[i]); /* a background child still writing gets SIGPIPE */

    line = xstrdup(c.out.data ? c.out.data : "");
    nl = strchr(line, '\n');
    if (nl)
        *nl = '\0';
    *key = str_trim(line);
    explicit_bzero(line, strlen(line));
    free(line);
    if (c.is_too_big)
        reason = xasprintf("printed more than %d bytes; expected just the key",
                           KEYCMD_MAX_OUTPUT);
    else if (!has_exited)
        reason = xasprintf("did not finish within %ld s (api_key_command_timeout)", timeout_s);
    else if (WIFSIGNALED(status))
        reason = xasprintf("was killed by signal %d (%s)", WTERMSIG(status),
                           strsignal(WTERMSIG(status)));
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        reason = xasprintf("failed with exit status %d%s", WEXITSTATUS(status),
                           WEXITSTATUS(status) == 127   ? " (command not found)"
                           : WEXITSTATUS(status) == 126 ? " (not executable)"
                                                        : "");
    else if (!**key)
        reason = xstrdup("printed no key on its first line");
    else if (!is_key_text(*key))
        reason = xstrdup("printed a key with spaces or control characters");
    if (reason) {
        said = stderr_excerpt(&c, *key);
        *why = xasprintf("%s%s", reason, said);
        free(said);
        free(reason);
        explicit_bzero(*key, strlen(*key));
        free(*key);
        *key = NULL;
    }
    if (c.out.data)
        explicit_bzero(c.out.data, c.out.cap);
    buf_done(&c.out);
    buf_done(&c.err);
    return *key != NULL;
}
