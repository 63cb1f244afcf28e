/* Store layer: where local state lives: the state directory (XDG_STATE_HOME or
 * ~/.local/state, then amplecall/), created private (0700), and the database path in it. */
#include "config.h"
#include "store/paths.h"
#include "store/store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "core/util.h"

/* $XDG_STATE_HOME/amplecall, else ~/.local/state/amplecall; owned, NULL with *err. */
static char *state_dir_path(char **err)
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

char *store_default_path(char **err)
{
    char *dir = state_dir_path(err);
    char *path = dir ? xasprintf("%s/amplecall.db", dir) : NULL;

    free(dir);
    return path;
}

/* mkdir -p; the last component (our own directory) is forced to 0700. */
bool paths_make_private_dir(const char *dir, char **err)
{
    char *p = xstrdup(dir);
    struct stat sb;
    bool ok = true;

    for (char *q = p + 1; ok && *q; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            *err = xasprintf("cannot create %s: %s", p, strerror(errno));
            ok = false;
        }
        *q = '/';
    }
    if (ok && mkdir(p, 0700) != 0 && errno != EEXIST) {
        *err = xasprintf("cannot create %s: %s", p, strerror(errno));
        ok = false;
    }
    if (ok && stat(p, &sb) != 0) {
        *err = xasprintf("cannot use %s: %s", p, strerror(errno));
        ok = false;
    }
    if (ok && !S_ISDIR(sb.st_mode)) {
        *err = xasprintf("%s is not a directory", p);
        ok = false;
    }
    if (ok && (sb.st_mode & 077) && sb.st_uid == geteuid() && chmod(p, 0700) != 0) {
        *err = xasprintf("cannot make %s private: %s", p, strerror(errno));
        ok = false;
    }
    free(p);
    return ok;
}

char *paths_state_dir(char **err)
{
    char *e = NULL, *dir = state_dir_path(&e);

    if (dir && !paths_make_private_dir(dir, &e)) {
        free(dir);
        dir = NULL;
    }
    if (err)
        *err = e;
    else
        free(e);
    return dir;
}
