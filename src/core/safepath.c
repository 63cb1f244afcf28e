/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: strictModes for amplecall's own files: the state directory and the config directory,
 * and what is read from them, belong to the user alone. Checks are made on opened descriptors
 * (O_NOFOLLOW, then fstat), never on a path checked first and opened later. It creates
 * directories 0700 and leaves file contents to its callers; no UI, no network. */
#include "config.h"
#include "core/safepath.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/util.h"

/* Who may own a directory or file, and when others may write to it. */
enum rule {
    RULE_OURS,    /* the user's; nobody else can write */
    RULE_TRUSTED, /* the user's or root's; others may write only to a sticky directory */
};

/* path quoted for a shell command line when it needs it; owned */
static char *shell_quote(const char *path)
{
    struct buf b;
    bool is_plain = *path != '\0';

    for (const char *p = path; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@%:,=", *p))
            is_plain = false;
    if (is_plain)
        return xstrdup(path);
    buf_init(&b, 64 * 1024);
    buf_appends(&b, "'");
    for (const char *p = path; *p; p++)
        buf_appends(&b, *p == '\'' ? "'\\''" : (char[]){*p, '\0'});
    buf_appends(&b, "'");
    return buf_steal(&b);
}

/* "dana" for a uid, or its number when it has no name; owned */
static char *user_name(uid_t uid)
{
    struct passwd *pw = getpwuid(uid);

    if (pw && pw->pw_name && *pw->pw_name)
        return xstrdup(pw->pw_name);
    return xasprintf("%u", (unsigned)uid);
}

static enum safepath_status unsafe_link(const char *path, char **err)
{
    char *q = shell_quote(path);

    *err = xasprintf("refusing to use %s: it is a symbolic link, which amplecall does not follow "
                     "here; run: rm %s (the link only) and put the real one in its place",
                     path, q);
    free(q);
    return SAFEPATH_UNSAFE;
}

/* Why an open failed, as a status: a missing path is not an error, a link is unsafe. */
static enum safepath_status open_failure(const char *path, int e, char **err)
{
    struct stat lst;

    if (e == ELOOP || e == EMLINK || (e == ENOTDIR && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)))
        return unsafe_link(path, err);
    if (e == ENOENT || e == ENOTDIR) {
        *err = xasprintf("%s does not exist", path);
        return SAFEPATH_MISSING;
    }
    *err = xasprintf("cannot open %s: %s", path, strerror(e));
    return SAFEPATH_ERROR;
}

/* The checks on an opened directory or file. */
static enum safepath_status check_stat(const char *path, const struct stat *st, bool is_dir,
                                       enum rule rule, char **err)
{
    uid_t me = geteuid();
    char *q;

    if (is_dir && !S_ISDIR(st->st_mode)) {
        *err = xasprintf("%s is not a directory", path);
        return SAFEPATH_ERROR;
    }
    if (!is_dir && !S_ISREG(st->st_mode)) {
        q = shell_quote(path);
        *err = xasprintf("refusing to use %s: it is not a regular file; run: rm %s", path, q);
        free(q);
        return SAFEPATH_UNSAFE;
    }
    if (st->st_uid != me && !(rule == RULE_TRUSTED && st->st_uid == 0)) {
        char *owner = user_name(st->st_uid), *self = user_name(me);

        q = shell_quote(path);
        *err = xasprintf("refusing to use %s: it belongs to %s (uid %u), not to you (%s); "
                         "run: %schown %s %s",
                         path, owner, (unsigned)st->st_uid, self, me == 0 ? "" : "sudo ", self,
                         q);
        free(q);
        free(owner);
        free(self);
        return SAFEPATH_UNSAFE;
    }
    if ((st->st_mode & 022) && !(rule == RULE_TRUSTED && is_dir && (st->st_mode & S_ISVTX))) {
        q = shell_quote(path);
        *err = xasprintf("refusing to use %s: %s can write to it (mode %04o); run: chmod %s %s",
                         path,
                         (st->st_mode & 022) == 022   ? "group and others"
                         : (st->st_mode & 020) ? "its group"
                                               : "others",
                         (unsigned)(st->st_mode & 07777),
                         rule == RULE_TRUSTED ? "go-w" : is_dir ? "700" : "600", q);
        free(q);
        return SAFEPATH_UNSAFE;
    }
    return SAFEPATH_OK;
}

char *safepath_state_dir_path(char **err)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    /* The XDG spec says relative values are to be ignored. */
    if (xdg && xdg[0] == '/')
        return xasprintf("%s/amplecall", xdg);
    if (!home || !*home) {
        *err = xstrdup("cannot find the state directory: neither XDG_STATE_HOME nor HOME is set");
        return NULL;
    }
    return xasprintf("%s/.local/state/amplecall", home);
}

/* mkdir -p with 0700 for what it makes. MISSING when a component is not a directory. */
static enum safepath_status make_dirs(const char *path, char **err)
{
    char *p = xstrdup(path);
    enum safepath_status st = SAFEPATH_OK;

    for (char *q = p + 1;; q++) {
        bool is_end = *q == '\0';
        if (!is_end && *q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            st = errno == ENOTDIR || errno == ENOENT ? SAFEPATH_MISSING : SAFEPATH_ERROR;
            *err = xasprintf("cannot create %s: %s", p, strerror(errno));
        }
        if (is_end || st != SAFEPATH_OK)
            break;
        *q = '/';
    }
    free(p);
    return st;
}

enum safepath_status safepath_dir(const char *path, bool is_create, char **err)
{
    enum safepath_status st;
    struct stat sb;
    int fd;

    *err = NULL;
    if (is_create) {
        st = make_dirs(path, err);
        if (st != SAFEPATH_OK)
            return st;
    }
    fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return open_failure(path, errno, err);
    if (fstat(fd, &sb) != 0) {
        *err = xasprintf("cannot use %s: %s", path, strerror(errno));
        close(fd);
        return SAFEPATH_ERROR;
    }
    st = check_stat(path, &sb, true, RULE_OURS, err);
    /* ours alone: readable by others is no danger to us, but it shows our calls to them */
    if (st == SAFEPATH_OK && (sb.st_mode & 077) && fchmod(fd, 0700) != 0) {
        *err = xasprintf("cannot make %s private: %s", path, strerror(errno));
        st = SAFEPATH_ERROR;
    }
    close(fd);
    return st;
}

enum safepath_status safepath_state_dir(bool is_create, char **dir, char **err)
{
    enum safepath_status st;

    *dir = NULL;
    *err = NULL;
    *dir = safepath_state_dir_path(err);
    if (!*dir)
        return SAFEPATH_ERROR;
    st = safepath_dir(*dir, is_create, err);
    if (st != SAFEPATH_OK) {
        free(*dir);
        *dir = NULL;
    }
    return st;
}

enum safepath_status safepath_open(const char *path, int flags, mode_t mode, bool is_dir_ours,
                                   int *fd, struct stat *st_out, char **err)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? (slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path)))
                      : xstrdup(".");
    const char *base = slash ? slash + 1 : path;
    enum safepath_status st;
    struct stat sb;
    int dfd;

    *fd = -1;
    *err = NULL;
    if (!*base) {
        *err = xasprintf("%s is not a file name", path);
        free(dir);
        return SAFEPATH_ERROR;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (is_dir_ours ? O_NOFOLLOW : 0));
    if (dfd < 0) {
        st = open_failure(dir, errno, err);
        free(dir);
        return st;
    }
    if (fstat(dfd, &sb) != 0) {
        *err = xasprintf("cannot use %s: %s", dir, strerror(errno));
        st = SAFEPATH_ERROR;
    } else {
        st = check_stat(dir, &sb, true, is_dir_ours ? RULE_OURS : RULE_TRUSTED, err);
    }
    free(dir);
    if (st != SAFEPATH_OK) {
        close(dfd);
        return st;
    }
    /* O_NONBLOCK: a planted FIFO must not hang the open; it is refused just below */
    *fd = openat(dfd, base, flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, mode);
    close(dfd);
    if (*fd < 0)
        return open_failure(path, errno, err);
    if (fstat(*fd, &sb) != 0) {
        *err = xasprintf("cannot use %s: %s", path, strerror(errno));
        st = SAFEPATH_ERROR;
    } else {
        st = check_stat(path, &sb, false, RULE_OURS, err);
    }
    if (st != SAFEPATH_OK) {
        close(*fd);
        *fd = -1;
        return st;
    }
    fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
    if (st_out)
        *st_out = sb;
    return SAFEPATH_OK;
}

/* One entry of the state directory, opened from its descriptor without following a link. */
static enum safepath_status check_entry(int dfd, const char *dir, const char *name, char **err)
{
    char *path = xasprintf("%s/%s", dir, name);
    enum safepath_status st;
    struct stat sb;
    int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

    if (fd < 0) {
        int e = errno;
        if (e == ELOOP) {
            st = unsafe_link(path, err);
        } else if (e == ENOENT) {
            st = SAFEPATH_OK; /* gone since readdir: nothing to read */
        } else {
            /* not even openable (a socket, another user's private file): say what is wrong
             * with it when its status shows that, else why it cannot be opened */
            st = SAFEPATH_ERROR;
            if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
                st = check_stat(path, &sb, S_ISDIR(sb.st_mode), RULE_OURS, err);
            if (st == SAFEPATH_OK || !*err) {
                st = SAFEPATH_ERROR;
                *err = xasprintf("cannot open %s: %s", path, strerror(e));
            }
        }
        free(path);
        return st;
    }
    if (fstat(fd, &sb) != 0) {
        *err = xasprintf("cannot use %s: %s", path, strerror(errno));
        st = SAFEPATH_ERROR;
    } else {
        st = check_stat(path, &sb, S_ISDIR(sb.st_mode), RULE_OURS, err);
    }
    close(fd);
    free(path);
    return st;
}

enum safepath_status safepath_check_state(char **err)
{
    enum safepath_status st;
    char *dir;
    struct stat sb;
    struct dirent *de;
    DIR *d;
    int dfd, lfd;

    *err = NULL;
    dir = safepath_state_dir_path(err);
    if (!dir) {
        free(*err);
        *err = NULL;
        return SAFEPATH_OK; /* no state directory can exist, so none is read */
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) {
        st = open_failure(dir, errno, err);
        if (st == SAFEPATH_MISSING || st == SAFEPATH_ERROR) {
            /* nothing there to read; creating it later reports its own problems */
            free(*err);
            *err = NULL;
            st = SAFEPATH_OK;
        }
        free(dir);
        return st;
    }
    if (fstat(dfd, &sb) != 0) {
        *err = xasprintf("cannot use %s: %s", dir, strerror(errno));
        st = SAFEPATH_ERROR;
    } else {
        st = check_stat(dir, &sb, true, RULE_OURS, err);
    }
    lfd = st == SAFEPATH_OK ? dup(dfd) : -1;
    d = lfd >= 0 ? fdopendir(lfd) : NULL;
    if (st == SAFEPATH_OK && !d) {
        *err = xasprintf("cannot list %s: %s", dir, strerror(errno));
        st = SAFEPATH_ERROR;
        if (lfd >= 0)
            close(lfd);
    }
    while (st == SAFEPATH_OK && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        st = check_entry(dfd, dir, de->d_name, err);
    }
    if (d)
        closedir(d);
    close(dfd);
    free(dir);
    return st;
}
