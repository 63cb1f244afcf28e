/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: the form's control socket (see ctlsock.h). Why so strict: whoever can write to
 * it fills the rep's form, so the directory is checked like the state directory (the user's,
 * 0700, no link), the socket is made 0600 under a umask that never lets it exist wider, and
 * a peer whose uid differs from ours is refused even if the modes were loosened later. */
#define _GNU_SOURCE /* SO_PEERCRED's struct ucred, accept4 */
#include "config.h"
#include "net/ctlsock.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/clock.h"
#include "core/safepath.h"
#include "core/util.h"

struct ctlsock {
    int listen_fd;
    int client_fd;          /* -1 = none */
    char line[CTLSOCK_LINE_MAX + 1];
    size_t len;
    bool is_overlong;       /* the client sent more than a line: it gets an error */
    long long client_due_ms;
    char *path;             /* owned */
    dev_t dev;              /* the socket file we made, so we remove only that one */
    ino_t ino;
    long long (*now)(void *);
    void *now_ud;
};

char *ctlsock_path(char **err)
{
    const char *run = getenv("XDG_RUNTIME_DIR");

    *err = NULL;
    if (!run || run[0] != '/') {
        *err = xstrdup("XDG_RUNTIME_DIR is not set (or not an absolute path): no control "
                       "socket");
        return NULL;
    }
    return xasprintf("%s/amplecall/control", run);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash && slash != path ? xstrndup(path, (size_t)(slash - path)) : xstrdup("/");
}

static bool fill_addr(struct sockaddr_un *sa, const char *path, char **err)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        *err = xasprintf("the control socket path is too long: %s", path);
        return false;
    }
    strcpy(sa->sun_path, path);
    return true;
}

/* The socket file must be a socket, ours, and nobody else's to read or write. */
static bool check_socket_file(const char *path, const struct stat *sb, char **err)
{
    if (!S_ISSOCK(sb->st_mode)) {
        *err = xasprintf("%s is not a socket; remove it", path);
        return false;
    }
    if (sb->st_uid != geteuid()) {
        *err = xasprintf("%s belongs to uid %ld, not to you; remove it", path,
                         (long)sb->st_uid);
        return false;
    }
    if (sb->st_mode & 077) {
        *err = xasprintf("%s is open to other users (mode %03o); remove it", path,
                         (unsigned)(sb->st_mode & 0777));
        return false;
    }
    return true;
}

/* Whether something answers on the socket at path: a running form. */
static bool is_live(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool is_up;

    if (fd < 0)
        return false;
    is_up = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
    close(fd);
    return is_up;
}

struct ctlsock *ctlsock_listen(const char *path, long long (*now)(void *), void *now_ud,
                               char **err)
{
    struct ctlsock *c;
    struct sockaddr_un sa;
    struct stat sb;
    char *own = NULL, *dir;
    mode_t old_mask;
    int fd, rc;

    *err = NULL;
    if (!path) {
        own = ctlsock_path(err);
        if (!own)
            return NULL;
        path = own;
    }
    if (!fill_addr(&sa, path, err)) {
        free(own);
        return NULL;
    }
    dir = dir_of(path);
    if (safepath_dir(dir, true, err) != SAFEPATH_OK) {
        free(dir);
        free(own);
        return NULL;
    }
    free(dir);
    if (lstat(path, &sb) == 0) {
        if (!check_socket_file(path, &sb, err)) {
            free(own);
            return NULL;
        }
        if (is_live(&sa)) {
            *err = xasprintf("another form already listens on %s", path);
            free(own);
            return NULL;
        }
        unlink(path); /* left by a form that is gone */
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *err = xasprintf("cannot make the control socket: %s", strerror(errno));
        free(own);
        return NULL;
    }
    old_mask = umask(0177);
    rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
    umask(old_mask);
    if (rc != 0 || listen(fd, 4) != 0 || lstat(path, &sb) != 0 ||
        !check_socket_file(path, &sb, err)) {
        if (!*err)
            *err = xasprintf("cannot listen on %s: %s", path, strerror(errno));
        if (rc == 0)
            unlink(path);
        close(fd);
        free(own);
        return NULL;
    }
    c = xcalloc(1, sizeof(*c));
    c->listen_fd = fd;
    c->client_fd = -1;
    c->path = own ? own : xstrdup(path);
    c->dev = sb.st_dev;
    c->ino = sb.st_ino;
    c->now = now ? now : clock_monotonic_ms;
    c->now_ud = now_ud;
    return c;
}

static void drop_client(struct ctlsock *c)
{
    if (c->client_fd >= 0)
        close(c->client_fd);
    c->client_fd = -1;
    c->len = 0;
    c->is_overlong = false;
}

void ctlsock_free(struct ctlsock *c)
{
    struct stat sb;

    if (!c)
        return;
    drop_client(c);
    close(c->listen_fd);
    if (lstat(c->path, &sb) == 0 && sb.st_dev == c->dev && sb.st_ino == c->ino)
        unlink(c->path);
    free(c->path);
    free(c);
}

unsigned ctlsock_fds(const struct ctlsock *c, struct pollfd *out, unsigned max)
{
    unsigned n = 0;

    if (!c)
        return 0;
    if (n < max)
        out[n++] = (struct pollfd){c->client_fd >= 0 ? c->client_fd : c->listen_fd, POLLIN, 0};
    return n;
}

int ctlsock_timeout_ms(const struct ctlsock *c)
{
    long long left;

    if (!c || c->client_fd < 0)
        return -1;
    left = c->client_due_ms - c->now(c->now_ud);
    return left < 0 ? 0 : (int)left;
}

static bool is_peer_ours(int fd)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
}

static void accept_one(struct ctlsock *c)
{
    int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

    if (fd < 0)
        return;
    if (!is_peer_ours(fd)) {
        close(fd);
        return;
    }
    c->client_fd = fd;
    c->len = 0;
    c->is_overlong = false;
    c->client_due_ms = c->now(c->now_ud) + CTLSOCK_CLIENT_MS;
}

/* The reply is one short line: it fits the socket's buffer, so one non-blocking write. */
static void reply(struct ctlsock *c, const char *text)
{
    size_t n = strlen(text);
    char *msg = xmalloc(n + 2);

    memcpy(msg, text, n);
    msg[n] = '\n';
    if (send(c->client_fd, msg, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
        /* the client left already: nothing to tell it */
    }
    free(msg);
    drop_client(c);
}

static void read_client(struct ctlsock *c, ctlsock_handler_fn fn, void *ud)
{
    for (;;) {
        char buf[256];
        ssize_t n = recv(c->client_fd, buf, sizeof(buf), 0);
        char *nl;

        if (n == 0) {
            drop_client(c); /* gone before a whole line */
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                drop_client(c);
            return;
        }
        if (c->len + (size_t)n > CTLSOCK_LINE_MAX) {
            reply(c, "error request longer than 512 bytes");
            return;
        }
        memcpy(c->line + c->len, buf, (size_t)n);
        c->len += (size_t)n;
        c->line[c->len] = '\0';
        nl = memchr(c->line, '\n', c->len);
        if (nl) {
            char *answer;
            size_t want = (size_t)(nl - c->line);
            *nl = '\0';
            if (strlen(c->line) != want) {
                reply(c, "error the request holds a NUL byte");
                return;
            }
            if (want && c->line[want - 1] == '\r')
                c->line[want - 1] = '\0';
            answer = fn(c->line, ud);
            reply(c, answer ? answer : "error internal");
            free(answer);
            return;
        }
    }
}

void ctlsock_service(struct ctlsock *c, ctlsock_handler_fn fn, void *ud)
{
    if (!c)
        return;
    if (c->client_fd >= 0 && c->now(c->now_ud) >= c->client_due_ms)
        reply(c, "error timed out waiting for the request line");
    if (c->client_fd < 0)
        accept_one(c);
    if (c->client_fd >= 0)
        read_client(c, fn, ud);
}

static long long left_ms(long long due)
{
    long long left = due - clock_monotonic_ms(NULL);

    return left < 0 ? 0 : left;
}

enum ctlsock_result ctlsock_request(const char *path, const char *line, int timeout_ms,
                                    char **reply_out, char **err)
{
    struct sockaddr_un sa;
    struct stat sb;
    char *dir, buf[CTLSOCK_LINE_MAX + 1], *msg;
    size_t len = 0, n;
    long long due = clock_monotonic_ms(NULL) + timeout_ms;
    int fd;

    *reply_out = NULL;
    *err = NULL;
    if (!fill_addr(&sa, path, err))
        return CTLSOCK_FAILED;
    dir = dir_of(path);
    switch (safepath_dir(dir, false, err)) {
    case SAFEPATH_OK:
        break;
    case SAFEPATH_MISSING:
        free(*err);
        *err = NULL;
        free(dir);
        return CTLSOCK_NO_FORM;
    default:
        free(dir);
        return CTLSOCK_FAILED;
    }
    free(dir);
    if (lstat(path, &sb) != 0)
        return CTLSOCK_NO_FORM;
    if (!check_socket_file(path, &sb, err))
        return CTLSOCK_FAILED;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = xasprintf("cannot make a socket: %s", strerror(errno));
        return CTLSOCK_FAILED;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        if (e == ECONNREFUSED || e == ENOENT)
            return CTLSOCK_NO_FORM;
        *err = xasprintf("cannot reach the form at %s: %s", path, strerror(e));
        return CTLSOCK_FAILED;
    }
    n = strlen(line);
    msg = xmalloc(n + 2);
    memcpy(msg, line, n);
    msg[n] = '\n';
    if (send(fd, msg, n + 1, MSG_NOSIGNAL) != (ssize_t)(n + 1)) {
        *err = xasprintf("cannot send to the form: %s", strerror(errno));
        free(msg);
        close(fd);
        return CTLSOCK_FAILED;
    }
    free(msg);
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t got;
        char *nl;

        if (poll(&p, 1, (int)left_ms(due)) <= 0) {
            *err = xstrdup("the form did not answer in time");
            break;
        }
        got = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (got <= 0) {
            *err = xstrdup("the form closed the connection without an answer");
            break;
        }
        len += (size_t)got;
        buf[len] = '\0';
        nl = strchr(buf, '\n');
        if (nl || len == sizeof(buf) - 1) {
            if (nl)
                *nl = '\0';
            *reply_out = xstrdup(buf);
            close(fd);
            return CTLSOCK_REPLIED;
        }
    }
    close(fd);
    return CTLSOCK_FAILED;
}
