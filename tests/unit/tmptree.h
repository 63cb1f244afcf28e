/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A private temp directory per test and its removal; for tests that put real files (a
 * database, the spool) on disk. Include after defining _XOPEN_SOURCE 700 (nftw). */
#ifndef AMPLECALL_TEST_TMPTREE_H
#define AMPLECALL_TEST_TMPTREE_H
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "core/util.h"

static int tmptree_rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* A new directory /tmp/amplecall-<what>-XXXXXX, owned; NULL on failure. */
static inline char *tmptree_new(const char *what)
{
    char *tmpl = xasprintf("/tmp/amplecall-%s-XXXXXX", what);

    if (!mkdtemp(tmpl)) {
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

/* rm -r dir; NULL is a no-op. */
static inline void tmptree_remove(const char *dir)
{
    if (dir)
        nftw(dir, tmptree_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}
#endif
