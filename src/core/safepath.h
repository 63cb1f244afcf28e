/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_SAFEPATH_H
#define AMPLECALL_SAFEPATH_H
/* Core layer: where amplecall keeps and reads its own files, checked like OpenSSH's StrictModes:
 * the state directory ($XDG_STATE_HOME/amplecall), the config directory and every file read from
 * them must be owned by the user and not writable by group or others, and no symbolic link is
 * followed there. Every check runs on the opened descriptor (O_NOFOLLOW, then fstat), so
 * what is checked is what is read. No UI, no network. */
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

enum safepath_status {
    SAFEPATH_OK = 0,
    SAFEPATH_MISSING, /* does not exist (or cannot: a parent is not a directory) */
    SAFEPATH_UNSAFE,  /* exists but another user could have written it: *err is one line
                         naming the path, what is wrong and the chmod/chown that fixes it */
    SAFEPATH_ERROR,   /* cannot be created or opened for another reason (*err says why) */
};

/* $XDG_STATE_HOME/amplecall, or ~/.local/state/amplecall when XDG_STATE_HOME is unset or
 * relative. Owned; NULL with *err (owned) when HOME is unset too. Creates nothing. */
char *safepath_state_dir_path(char **err);

/* The state directory, made with safepath_dir(is_create). On SAFEPATH_OK *dir is the path
 * (owned); otherwise *dir is NULL and *err (owned) says why. The one way to get it. */
enum safepath_status safepath_state_dir(bool is_create, char **dir, char **err);

/* A directory amplecall keeps its own files in. When is_create, missing components are made
 * 0700 (mkdir -p). The directory itself must then be one of ours: not a link, owned by the
 * user, not writable by group or others; its group and other read bits are dropped (0700).
 * *err (owned) unless SAFEPATH_OK. */
enum safepath_status safepath_dir(const char *path, bool is_create, char **err);

/* Open path (flags as for open(2), mode for O_CREAT) without following a link at its last
 * component, and check on the descriptor that it is a regular file owned by the user that
 * group and others cannot write. Its directory is checked first, on its own descriptor: with
 * is_dir_ours the rules of safepath_dir (no link, the user's, not writable by others);
 * otherwise it may be root's too, and writable by others only with the sticky bit (/tmp), as
 * for a config file the user named. On SAFEPATH_OK *fd is open (the caller closes it) and
 * *st (may be NULL) holds its fstat; else *fd is -1 and *err (owned) says why. */
enum safepath_status safepath_open(const char *path, int flags, mode_t mode, bool is_dir_ours,
                                   int *fd, struct stat *st, char **err);

/* Check, creating nothing, the state directory and every entry in it (the database and its
 * -wal/-shm/-journal, the histories, whatever else is there): each must be a regular file or
 * a directory, not a link, owned by the user and not writable by group or others. OK when the
 * directory does not exist. Run before anything is read from it. *err (owned) unless OK. */
enum safepath_status safepath_check_state(char **err);

#endif
