/* SPDX-License-Identifier: GPL-3.0-or-later */
/* run_capture(): run a command with a time bound, feed its stdin, capture stdout/stderr.
 * The child gets its own process group so a timeout kills everything it started. */
#include "config.h"
#include "fakectl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

#define CAPTURE_MAX (64u * 1024 * 1024)

extern char **environ;

struct capture {
    char *data;
    size_t len;
};

static long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read what is there; false at EOF or error. */
static bool drain(int fd, struct capture *c)
{
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));

    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return true;
    if (n <= 0)
        return false;
    if (c->len + (size_t)n <= CAPTURE_MAX) {
        c->data = xrealloc(c->data, c->len + (size_t)n + 1);
        memcpy(c->data + c->len, buf, (size_t)n);
        c->len += (size_t)n;
        c->data[c->len] = '\0';
    }
    return true;
}

static void give(struct capture *c, char **dst)
{
    if (dst)
        *dst = c->data ? c->data : xstrdup("");
    else
        free(c->data);
}

int run_capture(const char *const argv[], const char *const envp[], const char *stdin_text,
                int timeout_ms, char **out, char **err)
{
    int in_p[2] = {-1, -1}, out_p[2], err_p[2], status = 0, result;
    struct capture co = {NULL, 0}, ce = {NULL, 0};
    size_t in_len = stdin_text ? strlen(stdin_text) : 0, in_off = 0;
    long deadline = mono_ms() + timeout_ms;
    bool is_timeout = false, is_reaped = false;
    void (*old_pipe)(int);
    pid_t pid;

    if (out)
        *out = NULL;
    if (err)
        *err = NULL;
    if (pipe(out_p) != 0)
        return -1;
    if (pipe(err_p) != 0) {
        close(out_p[0]);
        close(out_p[1]);
        return -1;
    }
    if (stdin_text && pipe(in_p) != 0) {
        close(out_p[0]);
        close(out_p[1]);
        close(err_p[0]);
        close(err_p[1]);
        return -1;
    }
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int devnull;

        setpgid(0, 0);
        if (stdin_text) {
            dup2(in_p[0], STDIN_FILENO);
            close(in_p[0]);
            close(in_p[1]);
        } else {
            devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0) {
                dup2(devnull, STDIN_FILENO);
                close(devnull);
            }
        }
        dup2(out_p[1], STDOUT_FILENO);
        dup2(err_p[1], STDERR_FILENO);
        close(out_p[0]);
        close(out_p[1]);
        close(err_p[0]);
        close(err_p[1]);
        signal(SIGPIPE, SIG_DFL);
        if (envp)
            environ = (char **)envp;
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "run_capture: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(out_p[1]);
    close(err_p[1]);
    if (stdin_text) {
        close(in_p[0]);
        fcntl(in_p[1], F_SETFL, O_NONBLOCK);
        if (in_len == 0) {
            close(in_p[1]);
            in_p[1] = -1;
        }
    }
    if (pid < 0) {
        close(out_p[0]);
        close(err_p[0]);
        if (in_p[1] >= 0)
            close(in_p[1]);
        return -1;
    }
    /* Writing to a child that exited early must fail with EPIPE, not kill the test. */
    old_pipe = signal(SIGPIPE, SIG_IGN);
    while (out_p[0] >= 0 || err_p[0] >= 0 || !is_reaped) {
        struct pollfd p[3] = {{out_p[0], POLLIN, 0}, {err_p[0], POLLIN, 0}, {in_p[1], POLLOUT, 0}};
        long left = deadline - mono_ms();

        if (!is_reaped && waitpid(pid, &status, WNOHANG) == pid)
            is_reaped = true;
        if (is_reaped && out_p[0] < 0 && err_p[0] < 0)
            break;
        if (left <= 0) {
            is_timeout = true;
            break;
        }
        /* While only waiting for the exit itself, poll in short steps (no fd to wake us). */
        if (poll(p, 3,
                 out_p[0] < 0 && err_p[0] < 0 && in_p[1] < 0 ? (left < 5 ? (int)left : 5)
                                                             : (int)left) < 0 &&
            errno != EINTR)
            break;
        if (p[0].revents && !drain(out_p[0], &co)) {
            close(out_p[0]);
            out_p[0] = -1;
        }
        if (p[1].revents && !drain(err_p[0], &ce)) {
            close(err_p[0]);
            err_p[0] = -1;
        }
        if (in_p[1] >= 0 && p[2].revents) {
            ssize_t n = (p[2].revents & POLLOUT)
                            ? write(in_p[1], stdin_text + in_off, in_len - in_off)
                            : -1;

            if (n > 0)
                in_off += (size_t)n;
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                in_off = in_len;
            if (in_off >= in_len) {
                close(in_p[1]);
                in_p[1] = -1;
            }
        }
    }
    if (is_timeout || !is_reaped) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        if (!is_reaped)
            waitpid(pid, &status, 0);
    }
    signal(SIGPIPE, old_pipe);
    if (out_p[0] >= 0)
        close(out_p[0]);
    if (err_p[0] >= 0)
        close(err_p[0]);
    if (in_p[1] >= 0)
        close(in_p[1]);
    give(&co, out);
    give(&ce, err);
    if (is_timeout)
        return -1;
    if (WIFEXITED(status))
        result = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result = 128 + WTERMSIG(status);
    else
        result = -1;
    return result;
}
