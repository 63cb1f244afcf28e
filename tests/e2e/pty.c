/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End-to-end terminal driver: a child on a real pty, its output fed to libvterm (which stands
 * in for xterm and answers its queries), screen and raw-byte inspection, bounded waits.
 * Test-only code: it never touches the program under test except through the pty, signals
 * and its environment. */
/* pipe2, memmem, nftw; test code on Linux only (forkpty, prctl, pidfd). */
#define _GNU_SOURCE
#include "config.h"
#include "pty.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <pty.h> /* the system one: forkpty() */
#include <regex.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <vterm.h>

#include "core/util.h"

/* Bound on writing input (and query answers) to a child that does not read its tty. */
#define WRITE_TIMEOUT_MS 5000
/* Bound on reaping a child after SIGKILL, and on learning whether exec worked. */
#define REAP_TIMEOUT_MS 5000
/* Poll slice for waiting on exit when pidfd_open is not available (old kernel, valgrind). */
#define EXIT_POLL_SLICE_MS 10
#define CONTINUATION_CELL ((uint32_t)-1)

struct term {
    pid_t pid;
    int master;     /* nonblocking pty master */
    int pidfd;      /* readable once the child exits; -1 when unavailable */
    bool is_reaped; /* waitpid() collected the child; status is valid */
    int status;     /* exit code, or 128 + signal */
    bool is_eof;    /* read() gave EIO/0: nobody holds the slave any more */
    VTerm *vt;
    VTermScreen *screen;
    int rows, cols;
    char *raw; /* bytes read since spawn or term_raw_reset(), NUL-terminated */
    size_t raw_len, raw_cap;
    size_t total; /* bytes read since spawn */
    char *outq;   /* bytes for the child: keys and the terminal's answers to queries */
    size_t outq_len, outq_cap;
    bool is_flushing; /* flush_outq() is running: reading must not re-enter it */
    bool is_cursor_visible, is_altscreen;
    char *title;
    unsigned bells;
    char **own_env; /* term_env() made by term_spawn() for envp == NULL */
};

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ms_left(long long deadline)
{
    long long left = deadline - now_ms();

    if (left < 0)
        return 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

static void append(char **buf, size_t *len, size_t *cap, const char *bytes, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t cap2 = *cap ? *cap : 4096;

        while (*len + n + 1 > cap2)
            cap2 *= 2;
        *buf = xrealloc(*buf, cap2);
        *cap = cap2;
    }
    memcpy(*buf + *len, bytes, n);
    *len += n;
    (*buf)[*len] = '\0';
}

/* ---- Environment ---- */

static size_t env_key_len(const char *entry)
{
    const char *eq = strchr(entry, '=');

    return eq ? (size_t)(eq - entry) : strlen(entry);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (remove(path) != 0)
        fprintf(stderr, "e2e: cannot remove %s: %s\n", path, strerror(errno));
    return 0;
}

/* Layout: the entries, NULL, then (hidden) the temp HOME path for term_env_free(). */
char **term_env(const char *const *extra)
{
    const char *tmp = getenv("TMPDIR");
    const char *path = getenv("PATH");
    size_t n_extra = 0, n = 0;
    char **env;
    char *home;

    while (extra && extra[n_extra])
        n_extra++;
    home = xasprintf("%s/amplecall-e2e-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(home))
        die("e2e: mkdtemp %s: %s", home, strerror(errno));
    env = xcalloc(5 + n_extra + 2, sizeof(*env));
    env[n++] = xstrdup("TERM=xterm-256color");
    env[n++] = xstrdup("LANG=C.UTF-8");
    env[n++] = xstrdup("INPUTRC=/dev/null");
    env[n++] = xasprintf("HOME=%s", home);
    env[n++] = xasprintf("PATH=%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (size_t i = 0; i < n_extra; i++) {
        size_t klen = env_key_len(extra[i]);
        size_t j;

        for (j = 0; j < n; j++)
            if (env_key_len(env[j]) == klen && strncmp(env[j], extra[i], klen) == 0)
                break;
        if (!strchr(extra[i], '=')) {
            if (j < n) {
                free(env[j]);
                memmove(env + j, env + j + 1, (n - j - 1) * sizeof(*env));
                env[--n] = NULL;
            }
            continue;
        }
        if (j < n)
            free(env[j]);
        else
            n++;
        env[j] = xstrdup(extra[i]);
    }
    env[n] = NULL;
    env[n + 1] = home;
    return env;
}

const char *term_env_get(char *const *env, const char *key)
{
    size_t klen = strlen(key);

    for (size_t i = 0; env && env[i]; i++)
        if (strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
            return env[i] + klen + 1;
    return NULL;
}

void term_env_free(char **env)
{
    size_t i;

    if (!env)
        return;
    for (i = 0; env[i]; i++)
        free(env[i]);
    if (env[i + 1]) {
        nftw(env[i + 1], rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(env[i + 1]);
    }
    free(env);
}

/* ---- libvterm callbacks ---- */

static void on_output(const char *s, size_t len, void *user)
{
    struct term *t = user;

    append(&t->outq, &t->outq_len, &t->outq_cap, s, len);
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    struct term *t = user;

    switch (prop) {
    case VTERM_PROP_CURSORVISIBLE:
        t->is_cursor_visible = val->boolean;
        break;
    case VTERM_PROP_ALTSCREEN:
        t->is_altscreen = val->boolean;
        break;
    case VTERM_PROP_TITLE:
        str_set(&t->title, val->string ? val->string : "");
        break;
    default:
        break;
    }
    return 1;
}

static int on_bell(void *user)
{
    struct term *t = user;

    t->bells++;
    return 1;
}

static const VTermScreenCallbacks screen_callbacks = {
    .settermprop = on_settermprop,
    .bell = on_bell,
};

/* ---- Reading and writing the pty ---- */

static bool flush_outq(struct term *t);

/* Read everything available now; feed the screen. Returns true if any byte arrived. */
static bool drain(struct term *t)
{
    char buf[65536];
    bool got = false;

    while (!t->is_eof) {
        ssize_t n = read(t->master, buf, sizeof(buf));

        if (n > 0) {
            got = true;
            append(&t->raw, &t->raw_len, &t->raw_cap, buf, (size_t)n);
            t->total += (size_t)n;
            vterm_input_write(t->vt, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        /* EIO (Linux) or 0: every holder of the slave side has closed it. */
        if (n < 0 && errno != EIO)
            fprintf(stderr, "e2e: read pty: %s\n", strerror(errno));
        t->is_eof = true;
    }
    if (t->outq_len)
        flush_outq(t); /* answer queries (cursor position, device attributes) at once */
    return got;
}

/* Wait up to timeout_ms for output, then drain. */
static bool read_some(struct term *t, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    struct pollfd pfd = {t->master, POLLIN, 0};

    if (t->is_eof)
        return false;
    while (poll(&pfd, 1, ms_left(deadline)) < 0 && errno == EINTR)
        ;
    return drain(t);
}

/* Write outq to the child, reading its output meanwhile so neither side blocks the other
 * (a program busy writing to a full pty does not read its input). The queue is emptied
 * either way: bytes that could not be written must not reach the program later. */
static bool flush_outq(struct term *t)
{
    long long deadline = now_ms() + WRITE_TIMEOUT_MS;
    size_t off = 0;
    bool ok = true;

    if (t->is_flushing)
        return true; /* called from drain() inside the loop below, which picks it up */
    t->is_flushing = true;
    while (off < t->outq_len) {
        ssize_t n = write(t->master, t->outq + off, t->outq_len - off);
        struct pollfd pfd = {t->master, POLLIN | POLLOUT, 0};

        if (n > 0) {
            off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if ((n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || !ms_left(deadline) || t->is_eof) {
            ok = false;
            break;
        }
        if (poll(&pfd, 1, ms_left(deadline)) > 0 && (pfd.revents & (POLLIN | POLLHUP)))
            drain(t);
    }
    t->outq_len = 0;
    t->is_flushing = false;
    return ok;
}

/* Queue bytes behind any pending answers and write them all; true if all were written. */
static bool send_queued(struct term *t, const char *bytes, size_t len)
{
    append(&t->outq, &t->outq_len, &t->outq_cap, bytes, len);
    if (t->is_eof || !flush_outq(t)) {
        t->outq_len = 0;
        fprintf(stderr, "e2e: could not write to the program (%s)\n",
                t->is_eof ? "its terminal is closed" : "it does not read its input");
        return false;
    }
    return true;
}

/* ---- Process ---- */

static int decode_status(int st)
{
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

static bool reap_nohang(struct term *t)
{
    int st;
    pid_t rc;

    if (t->is_reaped)
        return true;
    do
        rc = waitpid(t->pid, &st, WNOHANG);
    while (rc < 0 && errno == EINTR);
    if (rc == t->pid) {
        t->is_reaped = true;
        t->status = decode_status(st);
    } else if (rc < 0) {
        /* ECHILD: someone else reaped it (e.g. SIGCHLD set to SIG_IGN); treat as gone. */
        t->is_reaped = true;
        t->status = -1;
    }
    return t->is_reaped;
}

/* Wait until the child exits, reading output meanwhile; false at the deadline. */
static bool wait_reaped(struct term *t, long long deadline)
{
    while (!reap_nohang(t)) {
        struct pollfd pfd[2];
        nfds_t n = 0;
        int left = ms_left(deadline);

        if (!left)
            return false;
        if (!t->is_eof)
            pfd[n++] = (struct pollfd){t->master, POLLIN, 0};
        if (t->pidfd >= 0)
            pfd[n++] = (struct pollfd){t->pidfd, POLLIN, 0};
        else if (left > EXIT_POLL_SLICE_MS)
            left = EXIT_POLL_SLICE_MS;
        if (poll(pfd, n, left) > 0 && !t->is_eof && (pfd[0].revents & (POLLIN | POLLHUP)))
            drain(t);
    }
    return true;
}

static void kill_group(struct term *t)
{
    if (t->is_reaped)
        return;
    /* The child is a session leader (forkpty), so its pid names its process group: this also
     * gets a shell's children. While it is unreaped its pid cannot be reused. */
    kill(-t->pid, SIGKILL);
    kill(t->pid, SIGKILL);
}

static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);

    if (fd >= 0)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

/* execve() wants char *const[] for arrays it does not modify; convert without a cast. */
union argv_ptr {
    const char *const *c;
    char *const *m;
};

/* In the child: exec argv[0] directly or through envp's PATH. Returns only on failure. */
static void exec_child(const char *const argv_c[], const char *const envp_c[])
{
    union argv_ptr a = {.c = argv_c}, e = {.c = envp_c};
    char *const *argv = a.m;
    char *const *envp = e.m;
    const char *path = "/usr/local/bin:/usr/bin:/bin";
    char buf[4096];
    int err = ENOENT;

    if (strchr(argv[0], '/')) {
        execve(argv[0], argv, envp);
        return;
    }
    for (size_t i = 0; envp && envp[i]; i++)
        if (strncmp(envp[i], "PATH=", 5) == 0)
            path = envp[i] + 5;
    while (*path) {
        size_t dlen = strcspn(path, ":");

        if (dlen + 1 + strlen(argv[0]) < sizeof(buf)) {
            memcpy(buf, path, dlen);
            buf[dlen] = '\0';
            snprintf(buf + dlen, sizeof(buf) - dlen, "%s%s", dlen ? "/" : "", argv[0]);
            execve(buf, argv, envp);
            if (errno != ENOENT && errno != ENOTDIR)
                err = errno;
        }
        path += dlen;
        if (*path == ':')
            path++;
    }
    errno = err;
}

static void child_setup(pid_t parent)
{
    sigset_t none;

    /* Die with the test process, even if it died between fork and here. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(127);
    /* exec keeps ignored signals and the mask; the program must start as from a shell. */
    for (int sig = 1; sig < NSIG; sig++)
        signal(sig, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* No test fd (fake server socket, pipes) may leak into the program. */
#if defined(SYS_close_range)
    if (syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC */) == 0)
        return;
#endif
    for (int fd = 3; fd < 1024; fd++)
        fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* Keeps term_spawn()'s own environment reachable in a child whose exec failed, so valgrind
 * does not report the parent's heap as lost when that child exits. */
static char **volatile spawn_env; /* volatile: never read, but must be stored */

struct term *term_spawn(const char *const argv[], const char *const envp[], int rows, int cols)
{
    struct winsize ws = {(unsigned short)rows, (unsigned short)cols, 0, 0};
    struct term *t;
    int errpipe[2];
    int master;
    int child_errno = 0;
    pid_t parent = getpid();
    pid_t pid;
    char **own_env = NULL;

    if (!argv || !argv[0] || rows <= 0 || cols <= 0) {
        fprintf(stderr, "e2e: term_spawn: bad arguments\n");
        return NULL;
    }
    if (!envp) {
        own_env = term_env(NULL);
        envp = (const char *const *)own_env;
    }
    if (pipe2(errpipe, O_CLOEXEC) != 0) {
        fprintf(stderr, "e2e: pipe: %s\n", strerror(errno));
        term_env_free(own_env);
        return NULL;
    }
    fflush(NULL); /* the child must not flush our stdio buffers a second time */
    spawn_env = own_env;
    pid = forkpty(&master, NULL, NULL, &ws);
    if (pid != 0)
        spawn_env = NULL;
    if (pid < 0) {
        fprintf(stderr, "e2e: forkpty: %s\n", strerror(errno));
        close(errpipe[0]);
        close(errpipe[1]);
        term_env_free(own_env);
        return NULL;
    }
    if (pid == 0) {
        close(errpipe[0]);
        child_setup(parent);
        exec_child(argv, envp);
        child_errno = errno;
        if (write(errpipe[1], &child_errno, sizeof(child_errno)) < 0)
            _exit(127);
        _exit(127);
    }
    close(errpipe[1]);

    t = xcalloc(1, sizeof(*t));
    t->pid = pid;
    t->master = master;
    t->pidfd = open_pidfd(pid);
    t->rows = rows;
    t->cols = cols;
    t->is_cursor_visible = true;
    t->title = xstrdup("");
    t->own_env = own_env;
    fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
    fcntl(master, F_SETFD, FD_CLOEXEC);
    append(&t->raw, &t->raw_len, &t->raw_cap, "", 0);

    t->vt = vterm_new(rows, cols);
    if (!t->vt)
        die("e2e: vterm_new failed");
    vterm_set_utf8(t->vt, 1);
    vterm_output_set_callback(t->vt, on_output, t);
    t->screen = vterm_obtain_screen(t->vt);
    vterm_screen_set_callbacks(t->screen, &screen_callbacks, t);
    vterm_screen_enable_altscreen(t->screen, 1);
    vterm_screen_reset(t->screen, 1);

    /* The pipe closes on a successful exec (CLOEXEC) or carries the child's errno. */
    {
        struct pollfd pfd = {errpipe[0], POLLIN, 0};
        ssize_t n = 0;

        if (poll(&pfd, 1, REAP_TIMEOUT_MS) > 0) {
            do
                n = read(errpipe[0], &child_errno, sizeof(child_errno));
            while (n < 0 && errno == EINTR);
        }
        close(errpipe[0]);
        if (n == (ssize_t)sizeof(child_errno)) {
            fprintf(stderr, "e2e: cannot run %s: %s\n", argv[0], strerror(child_errno));
            term_free(t);
            return NULL;
        }
    }
    return t;
}

void term_free(struct term *t)
{
    if (!t)
        return;
    if (!t->is_reaped) {
        kill_group(t);
        if (!wait_reaped(t, now_ms() + REAP_TIMEOUT_MS))
            fprintf(stderr, "e2e: child %d did not die after SIGKILL\n", (int)t->pid);
    }
    if (t->pidfd >= 0)
        close(t->pidfd);
    close(t->master); /* hangs up the tty: leftover members of the session get SIGHUP */
    vterm_free(t->vt);
    free(t->raw);
    free(t->outq);
    free(t->title);
    term_env_free(t->own_env);
    free(t);
}

pid_t term_pid(struct term *t)
{
    return t->pid;
}

bool term_kill(struct term *t, int sig)
{
    if (reap_nohang(t))
        return false;
    return kill(t->pid, sig) == 0;
}

int term_wait_exit(struct term *t, int timeout_ms)
{
    if (!wait_reaped(t, now_ms() + timeout_ms)) {
        kill_group(t);
        if (!wait_reaped(t, now_ms() + REAP_TIMEOUT_MS))
            fprintf(stderr, "e2e: child %d did not die after SIGKILL\n", (int)t->pid);
        drain(t);
        return -1;
    }
    drain(t); /* what it wrote before exiting is still in the pty */
    return t->status;
}

bool term_resize(struct term *t, int rows, int cols)
{
    struct winsize ws = {(unsigned short)rows, (unsigned short)cols, 0, 0};

    if (rows <= 0 || cols <= 0)
        return false;
    drain(t); /* output meant for the old size is read at the old size */
    vterm_set_size(t->vt, rows, cols);
    t->rows = rows;
    t->cols = cols;
    if (ioctl(t->master, TIOCSWINSZ, &ws) != 0) {
        fprintf(stderr, "e2e: TIOCSWINSZ: %s\n", strerror(errno));
        return false;
    }
    return true;
}

/* ---- Input ---- */

bool term_send_len(struct term *t, const char *bytes, size_t len)
{
    return send_queued(t, bytes, len);
}

bool term_send(struct term *t, const char *bytes)
{
    return send_queued(t, bytes, strlen(bytes));
}

struct named_key {
    const char *name;
    VTermKey key;
    VTermModifier mod;
};

static const struct named_key named_keys[] = {
    {"Tab", VTERM_KEY_TAB, VTERM_MOD_NONE},
    {"BTab", VTERM_KEY_TAB, VTERM_MOD_SHIFT},
    {"Enter", VTERM_KEY_ENTER, VTERM_MOD_NONE},
    {"Esc", VTERM_KEY_ESCAPE, VTERM_MOD_NONE},
    {"Backspace", VTERM_KEY_BACKSPACE, VTERM_MOD_NONE},
    {"Delete", VTERM_KEY_DEL, VTERM_MOD_NONE},
    {"Insert", VTERM_KEY_INS, VTERM_MOD_NONE},
    {"Up", VTERM_KEY_UP, VTERM_MOD_NONE},
    {"Down", VTERM_KEY_DOWN, VTERM_MOD_NONE},
    {"Left", VTERM_KEY_LEFT, VTERM_MOD_NONE},
    {"Right", VTERM_KEY_RIGHT, VTERM_MOD_NONE},
    {"Home", VTERM_KEY_HOME, VTERM_MOD_NONE},
    {"End", VTERM_KEY_END, VTERM_MOD_NONE},
    {"PageUp", VTERM_KEY_PAGEUP, VTERM_MOD_NONE},
    {"PageDown", VTERM_KEY_PAGEDOWN, VTERM_MOD_NONE},
};

/* Decode exactly one UTF-8 character; false if s is not one well-formed character. */
static bool one_utf8_char(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n;
    uint32_t c;

    if (u[0] < 0x80) {
        n = 0;
        c = u[0];
    } else if ((u[0] & 0xe0) == 0xc0) {
        n = 1;
        c = u[0] & 0x1f;
    } else if ((u[0] & 0xf0) == 0xe0) {
        n = 2;
        c = u[0] & 0x0f;
    } else if ((u[0] & 0xf8) == 0xf0) {
        n = 3;
        c = u[0] & 0x07;
    } else {
        return false;
    }
    for (int i = 1; i <= n; i++) {
        if ((u[i] & 0xc0) != 0x80)
            return false;
        c = (c << 6) | (u[i] & 0x3f);
    }
    *cp = c;
    return u[0] != 0 && u[n + 1] == '\0';
}

bool term_key(struct term *t, const char *name)
{
    int mod = VTERM_MOD_NONE;
    const char *p = name;
    uint32_t c;

    while ((p[0] == 'C' || p[0] == 'M' || p[0] == 'S') && p[1] == '-' && p[2]) {
        mod |= p[0] == 'C' ? VTERM_MOD_CTRL : p[0] == 'M' ? VTERM_MOD_ALT : VTERM_MOD_SHIFT;
        p += 2;
    }
    for (size_t i = 0; i < ARRAY_LEN(named_keys); i++) {
        if (strcmp(p, named_keys[i].name) == 0) {
            vterm_keyboard_key(t->vt, named_keys[i].key, (VTermModifier)(mod | named_keys[i].mod));
            return send_queued(t, "", 0);
        }
    }
    if ((p[0] == 'F' || p[0] == 'f') && p[1] >= '1' && p[1] <= '9') {
        char *end;
        long n = strtol(p + 1, &end, 10);

        if (*end == '\0' && n >= 1 && n <= 12) {
            vterm_keyboard_key(t->vt, VTERM_KEY_FUNCTION(n), (VTermModifier)mod);
            return send_queued(t, "", 0);
        }
    }
    if (strcmp(p, "Space") == 0) {
        p = " ";
    }
    if (!one_utf8_char(p, &c)) {
        fprintf(stderr, "e2e: unknown key name \"%s\"\n", name);
        return false;
    }
    /* xterm sends plain C0 bytes for Ctrl-letters (libvterm would use CSI u for C-i/C-j/C-m). */
    if ((mod & VTERM_MOD_CTRL) && ((c >= '@' && c <= '_') || (c >= 'a' && c <= 'z') || c == '?')) {
        char seq[2];
        size_t n = 0;

        if (mod & VTERM_MOD_ALT)
            seq[n++] = '\033';
        seq[n++] = c == '?' ? 0x7f : (char)(c & 0x1f);
        return send_queued(t, seq, n);
    }
    vterm_keyboard_unichar(t->vt, c, (VTermModifier)mod);
    return send_queued(t, "", 0);
}

bool term_keys(struct term *t, const char *names)
{
    const char *p = names;

    while (*p) {
        size_t len = strcspn(p, " ");

        if (len) {
            char *name = xstrndup(p, len);
            bool ok = term_key(t, name);

            free(name);
            if (!ok)
                return false;
        }
        p += len;
        p += strspn(p, " ");
    }
    return true;
}

/* ---- Screen ---- */

static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

/* Text of cells [col, end) of a row; colmap (may be NULL) gets, for each byte, the column of
 * the cell it came from (owned, len + 1 entries, the last one is end). */
static char *cells_text(struct term *t, int row, int col, int end, bool trim, int **colmap)
{
    size_t cap = (size_t)(end > col ? end - col : 0) * VTERM_MAX_CHARS_PER_CELL * 4 + 1;
    char *s = xmalloc(cap);
    int *map = colmap ? xmalloc(cap * sizeof(*map)) : NULL;
    size_t len = 0;

    for (int c = col; c < end; c++) {
        VTermScreenCell cell;
        size_t start = len;

        if (!vterm_screen_get_cell(t->screen, (VTermPos){row, c}, &cell))
            continue;
        if (cell.chars[0] == CONTINUATION_CELL)
            continue; /* right half of a wide character */
        if (cell.chars[0] == 0) {
            s[len++] = ' ';
        } else {
            for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i]; i++)
                len += put_utf8(s + len, cell.chars[i]);
        }
        for (size_t b = start; map && b < len; b++)
            map[b] = c;
    }
    while (trim && len && s[len - 1] == ' ')
        len--;
    s[len] = '\0';
    if (map)
        map[len] = end;
    if (colmap)
        *colmap = map;
    return s;
}

void term_size(struct term *t, int *rows, int *cols)
{
    if (rows)
        *rows = t->rows;
    if (cols)
        *cols = t->cols;
}

char *term_row(struct term *t, int row)
{
    if (row < 0 || row >= t->rows)
        return xstrdup("");
    return cells_text(t, row, 0, t->cols, true, NULL);
}

char *term_text_at(struct term *t, int row, int col, int ncols)
{
    int end;

    if (row < 0 || row >= t->rows || col < 0 || col >= t->cols || ncols <= 0)
        return xstrdup("");
    end = ncols > t->cols - col ? t->cols : col + ncols;
    return cells_text(t, row, col, end, false, NULL);
}

char *term_screen(struct term *t)
{
    char *out = NULL;
    size_t len = 0, cap = 0;

    append(&out, &len, &cap, "", 0);
    for (int r = 0; r < t->rows; r++) {
        char *line = cells_text(t, r, 0, t->cols, true, NULL);

        if (r)
            append(&out, &len, &cap, "\n", 1);
        append(&out, &len, &cap, line, strlen(line));
        free(line);
    }
    return out;
}

bool term_find(struct term *t, const char *text, int *row, int *col)
{
    for (int r = 0; r < t->rows; r++) {
        int *map;
        char *line = cells_text(t, r, 0, t->cols, true, &map);
        const char *hit = *text ? strstr(line, text) : NULL;

        if (hit) {
            if (row)
                *row = r;
            if (col)
                *col = map[hit - line];
        }
        free(line);
        free(map);
        if (hit)
            return true;
    }
    return false;
}

static int color_value(const VTermColor *c, bool is_fg)
{
    if (is_fg ? VTERM_COLOR_IS_DEFAULT_FG(c) : VTERM_COLOR_IS_DEFAULT_BG(c))
        return TERM_COLOR_DEFAULT;
    if (VTERM_COLOR_IS_INDEXED(c))
        return c->indexed.idx;
    return TERM_COLOR_RGB | (c->rgb.red << 16) | (c->rgb.green << 8) | c->rgb.blue;
}

bool term_attrs_at(struct term *t, int row, int col, struct term_cell_attrs *attrs)
{
    VTermScreenCell cell;

    if (row < 0 || row >= t->rows || col < 0 || col >= t->cols)
        return false;
    if (!vterm_screen_get_cell(t->screen, (VTermPos){row, col}, &cell))
        return false;
    if (cell.chars[0] == CONTINUATION_CELL && col > 0 &&
        !vterm_screen_get_cell(t->screen, (VTermPos){row, col - 1}, &cell))
        return false;
    attrs->bold = cell.attrs.bold;
    attrs->underline = cell.attrs.underline != VTERM_UNDERLINE_OFF;
    attrs->reverse = cell.attrs.reverse;
    attrs->blink = cell.attrs.blink;
    attrs->italic = cell.attrs.italic;
    attrs->strike = cell.attrs.strike;
    attrs->is_wide = cell.width == 2;
    attrs->fg = color_value(&cell.fg, true);
    attrs->bg = color_value(&cell.bg, false);
    return true;
}

void term_cursor(struct term *t, int *row, int *col)
{
    VTermPos pos;

    vterm_state_get_cursorpos(vterm_obtain_state(t->vt), &pos);
    if (row)
        *row = pos.row;
    if (col)
        *col = pos.col;
}

bool term_cursor_visible(struct term *t)
{
    return t->is_cursor_visible;
}

bool term_altscreen(struct term *t)
{
    return t->is_altscreen;
}

const char *term_title(struct term *t)
{
    return t->title;
}

unsigned term_bells(struct term *t)
{
    return t->bells;
}

/* ---- Raw output ---- */

size_t term_bytes(struct term *t)
{
    return t->total;
}

const char *term_raw(struct term *t, size_t *len)
{
    if (len)
        *len = t->raw_len;
    return t->raw;
}

void term_raw_reset(struct term *t)
{
    t->raw_len = 0;
    t->raw[0] = '\0';
}

bool term_raw_contains(struct term *t, const char *needle)
{
    return *needle && memmem(t->raw, t->raw_len, needle, strlen(needle)) != NULL;
}

/* ---- Waiting ---- */

bool term_pump(struct term *t, int timeout_ms)
{
    bool got = drain(t);

    if (!got && timeout_ms > 0)
        got = read_some(t, timeout_ms);
    return got;
}

/* Poll the pty until pred holds; false at the deadline or once the screen can no longer
 * change (the pty is closed). */
static bool wait_for(struct term *t, bool (*pred)(struct term *, const void *), const void *arg,
                     int timeout_ms)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);

    drain(t);
    for (;;) {
        int left;

        if (pred(t, arg))
            return true;
        left = ms_left(deadline);
        if (!left || t->is_eof)
            return false;
        read_some(t, left);
    }
}

static bool has_text(struct term *t, const void *text)
{
    return term_find(t, text, NULL, NULL);
}

static bool lacks_text(struct term *t, const void *text)
{
    return !term_find(t, text, NULL, NULL);
}

static bool matches_regex(struct term *t, const void *re)
{
    char *screen = term_screen(t);
    bool hit = regexec(re, screen, 0, NULL, 0) == 0;

    free(screen);
    return hit;
}

struct pos {
    int row, col;
};

static bool cursor_at(struct term *t, const void *arg)
{
    const struct pos *want = arg;
    int row, col;

    term_cursor(t, &row, &col);
    return row == want->row && col == want->col;
}

bool term_wait_text(struct term *t, const char *text, int timeout_ms)
{
    return wait_for(t, has_text, text, timeout_ms);
}

bool term_wait_gone(struct term *t, const char *text, int timeout_ms)
{
    return wait_for(t, lacks_text, text, timeout_ms);
}

bool term_wait_regex(struct term *t, const char *regex, int timeout_ms)
{
    regex_t re;
    int rc = regcomp(&re, regex, REG_EXTENDED | REG_NEWLINE | REG_NOSUB);
    bool hit;

    if (rc != 0) {
        char msg[256];

        regerror(rc, &re, msg, sizeof(msg));
        fprintf(stderr, "e2e: bad regex \"%s\": %s\n", regex, msg);
        return false;
    }
    hit = wait_for(t, matches_regex, &re, timeout_ms);
    regfree(&re);
    return hit;
}

bool term_wait_cursor(struct term *t, int row, int col, int timeout_ms)
{
    struct pos want = {row, col};

    return wait_for(t, cursor_at, &want, timeout_ms);
}

bool term_wait_quiet(struct term *t, int quiet_ms, int timeout_ms)
{
    long long deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    long long quiet_since = now_ms();

    if (drain(t))
        quiet_since = now_ms();
    for (;;) {
        long long quiet_left = quiet_since + quiet_ms - now_ms();
        int left = ms_left(deadline);

        if (t->is_eof || quiet_left <= 0)
            return true;
        if (!left)
            return false;
        if (read_some(t, quiet_left < left ? (int)quiet_left : left))
            quiet_since = now_ms();
    }
}

/* ---- Diagnostics ---- */

void term_dump(struct term *t, FILE *out)
{
    int row, col;
    char head[128];
    int hlen;

    term_cursor(t, &row, &col);
    hlen = snprintf(head, sizeof(head), " %dx%d cursor %d,%d%s%s ", t->cols, t->rows, row, col,
                    t->is_cursor_visible ? "" : " (hidden)", t->is_altscreen ? " altscreen" : "");
    fputs("   +", out);
    for (int c = 0; c < t->cols; c++)
        fputc(c >= 2 && c - 2 < hlen ? head[c - 2] : '-', out);
    fputs("+\n", out);
    for (int r = 0; r < t->rows; r++) {
        char *line = cells_text(t, r, 0, t->cols, false, NULL);

        fprintf(out, "%2d |%s|\n", r, line);
        free(line);
    }
    fputs("   +", out);
    for (int c = 0; c < t->cols; c++)
        fputc('-', out);
    fputs("+\n", out);
    fflush(out);
}
