/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TUI layer: the $VISUAL/$EDITOR round trip for a text field: the terminal is handed over
 * like git commit does, and the text read back is capped at EDITOR_MAX_BYTES. */
#include "config.h"
#include "tui/editor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <curses.h>

#include "core/util.h"
#include "tui/loop.h"

#define EDITOR_MAX_BYTES (1024 * 1024)

static char *read_capped(int fd, bool *is_too_big)
{
    char *buf = xmalloc(EDITOR_MAX_BYTES + 1);
    size_t len = 0;
    ssize_t n;

    *is_too_big = false;
    while ((n = read(fd, buf + len, EDITOR_MAX_BYTES + 1 - len)) > 0) {
        len += (size_t)n;
        if (len > EDITOR_MAX_BYTES) {
            *is_too_big = true;
            free(buf);
            return NULL;
        }
    }
    if (n < 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

char *editor_edit(enum field_id f, const char *value, char **error)
{
    const char *editor = getenv("VISUAL");
    const char *tmpdir = getenv("TMPDIR");
    char *path, *cmd, *text = NULL;
    int fd, status = -1;
    pid_t pid;
    bool is_too_big = false;

    *error = NULL;
    if (!editor || !*editor)
        editor = getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    path = xasprintf("%s/amplecall-%s-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp",
                     field_json_name(f));
    fd = mkstemp(path); /* 0600: the text may be private */
    if (fd < 0) {
        *error = xasprintf("Cannot create a temporary file: %s", strerror(errno));
        free(path);
        return NULL;
    }
    {
        const char *v = value ? value : "";
        size_t len = strlen(v);
        bool ok = write(fd, v, len) == (ssize_t)len &&
                  (len == 0 || v[len - 1] == '\n' || write(fd, "\n", 1) == 1);
        close(fd);
        if (!ok) {
            *error = xasprintf("Cannot write the temporary file: %s", strerror(errno));
            unlink(path);
            free(path);
            return NULL;
        }
    }
    /* Hand the terminal to the editor, like git commit does. */
    cmd = xasprintf("%s \"$@\"", editor);
    def_prog_mode();
    endwin();
    loop_signals_ignore_interrupts(true);
    pid = fork();
    if (pid == 0) {
        static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};
        for (size_t i = 0; i < ARRAY_LEN(sigs); i++)
            signal(sigs[i], SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, editor, path, (char *)NULL);
        _exit(127);
    }
    if (pid > 0) {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    loop_signals_ignore_interrupts(false);
    reset_prog_mode();
    free(cmd);

    if (pid < 0) {
        *error = xasprintf("Cannot start the editor: %s", strerror(errno));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *error = xasprintf("The editor (%s) failed; %s is unchanged.", editor, field_label(f));
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            text = read_capped(fd, &is_too_big);
            close(fd);
        }
        if (!text) {
            *error = xasprintf("%s: could not read the edited text%s.", field_label(f),
                               is_too_big ? " (over 1 MiB)" : "");
        } else {
            size_t len = strlen(text);
            while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
                text[--len] = '\0';
            if (f != FIELD_TRANSCRIPTION) /* one-line fields keep the first line */
                text[strcspn(text, "\r\n")] = '\0';
        }
    }
    unlink(path);
    free(path);
    return text;
}
