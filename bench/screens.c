/* SPDX-License-Identifier: GPL-3.0-or-later */
/* README screenshots from the real screen: `make screenshots` runs the form on a pty
 * (tests/e2e/pty.h, libvterm) against the fake API on 127.0.0.1, types the README's demo
 * call and prints the screens as text, each after a line "@@ NAME", for bench/screens.sh to
 * put into README.md between its <!-- screen:NAME --> markers. Runs of blank rows become
 * one. Never prints the API key. */
#include "config.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tests/e2e/pty.h"
#include "core/util.h"

#define WAIT_MS 8000

static bool see(struct term *t, const char *text)
{
    if (term_wait_text(t, text, WAIT_MS))
        return true;
    fprintf(stderr, "screens: never saw \"%s\"\n", text);
    term_dump(t, stderr);
    return false;
}

static void print_screen(struct term *t, const char *name)
{
    char *s;
    bool was_blank = false;

    term_wait_quiet(t, 200, 3000);
    s = term_screen(t);
    printf("@@ %s\n", name);
    for (char *line = s, *next; line; line = next) {
        bool is_blank;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        is_blank = !*line;
        if (!(is_blank && was_blank))
            printf("%s\n", line);
        was_blank = is_blank;
    }
    free(s);
}

int main(void)
{
    static const char *const pass[] = {"AMPLEMARKET_API_KEY", "AMPLECALL_BASE_URL",
                                       "AMPLECALL_USER"};
    const char *bin = getenv("BENCH_AMPLECALL");
    const char *extra[8];
    char *own[3];
    size_t n = 0;
    char **env;
    struct term *t;
    bool ok;

    signal(SIGPIPE, SIG_IGN);
    if (!bin || !*bin)
        die("screens: set BENCH_AMPLECALL to the amplecall binary");
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(pass[i]);
        own[i] = v ? xasprintf("%s=%s", pass[i], v) : NULL;
        if (own[i])
            extra[n++] = own[i];
    }
    extra[n++] = "XDG_STATE_HOME";
    extra[n++] = "NO_COLOR=1";
    extra[n] = NULL;
    env = term_env(extra);
    t = term_spawn((const char *const[]){bin, NULL}, (const char *const *)env, 24, 80);
    if (!t)
        die("screens: cannot start amplecall");
    /* the README's "Log your first call" */
    ok = see(t, "tasks)") && term_send(t, "+1 415 555 0100") && term_key(t, "Tab") &&
         term_send(t, "+1 212 555 0199") && term_key(t, "Tab") && term_send(t, "42") &&
         term_keys(t, "Tab y n Enter") && see(t, "Choose a disposition") &&
         term_send(t, "int") && see(t, "(2 of 5)") && term_key(t, "Enter") &&
         term_keys(t, "Tab Enter") && see(t, "Choose a task") && term_send(t, "ana") &&
         see(t, "Ana") && term_key(t, "Enter") && see(t, "contact8@");
    if (ok) {
        print_screen(t, "form");
        ok = term_key(t, "F10") && see(t, "Call logged");
    }
    if (ok)
        print_screen(t, "logged");
    term_free(t);
    term_env_free(env);
    for (size_t i = 0; i < 3; i++)
        free(own[i]);
    return ok ? 0 : 1;
}
