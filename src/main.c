/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Entry point: global flags, then dispatch to a subcommand (or the form when none is given).
 * Owns process-wide setup only: locale, core dumps off (libcurl is loaded later, by http.c). */
#include "config.h"

#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/commands.h"
#include "tui/form_main.h"
#include "cli/lineprompt.h"
#include "cli/out.h"
#include "core/charset.h"
#include "conf/settings.h"
#include "core/safepath.h"
#include "core/sanitize.h"

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    bool is_using_state; /* reads the state directory (the database, the histories) */
};

static const struct command commands[] = {
    {"log", cmd_log, "log one call from the command line", true},
    {"outbox", cmd_outbox, "list, send (flush) or drop calls waiting to be sent", true},
    {"history", cmd_history, "calls logged from this machine, with the API's responses", true},
    {"import", cmd_import, "log every call of a CSV file (resumable)", true},
    {"tasks", cmd_tasks, "list your scheduled phone-call tasks", false},
    {"dispositions", cmd_dispositions, "list call dispositions (outcomes)", false},
    {"users", cmd_users, "list the account's users", false},
    {"calls", cmd_calls, "list calls logged in Amplemarket", false},
    {"whoami", cmd_whoami, "check the API key and show the configured user", false},
    {"config", cmd_config, "show the effective configuration (key masked)", false},
    {"ctl", cmd_ctl, "tell the running form about a call (softphones, dialers)", true},
};

static void usage(FILE *out)
{
    fprintf(out, "Usage: amplecall [--version] [--help] [COMMAND [ARGS]]\n"
                 "       amplecall --task UUID|NAME\n"
                 "\n"
                 "Log phone calls into Amplemarket. With no COMMAND, opens the call form;\n"
                 "--task opens it on a task (its id, or its contact's name or email).\n"
                 "\n"
                 "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Run 'amplecall COMMAND --help' for the options of a command.\n"
                 "Environment: AMPLEMARKET_API_KEY (required), AMPLECALL_BASE_URL, AMPLECALL_USER.\n"
                 "The config file and the state directory must be yours alone (exit 78 otherwise).\n"
                 "See amplecall(1).\n");
}

static void disable_core_dumps(void)
{
    /* A core file would hold the API key in clear text. */
    struct rlimit rl = {0, 0};
    setrlimit(RLIMIT_CORE, &rl);
    /* Also keeps other processes of the same user from reading our memory through
     * /proc/PID/mem or ptrace, and /proc/PID/environ becomes root-only. */
    prctl(PR_SET_DUMPABLE, 0);
}

/* Like OpenSSH's StrictModes: a state directory another user could have written to (a
 * planted outbox would be sent with our key) is refused before anything is read from it or
 * any request made. 0, or EXIT_CONFIG after printing the one line that says what to fix. */
static int check_state_dir(void)
{
    char *err = NULL;

    if (safepath_check_state(&err) != SAFEPATH_UNSAFE) {
        free(err);
        return 0;
    }
    sanitize_fprintf(stderr, "amplecall: %s\n", err);
    free(err);
    return EXIT_CONFIG;
}

/* Settings flags before the command name (amplecall --profile work tasks): handed to
 * settings.c, which uses them where the command's own flags are not given. Moves argv so that
 * argv[1] is the command. Returns 0, or EXIT_USAGE after printing why. */
static int take_global_flags(int *argc, char ***argv)
{
    static struct settings_flags flags;
    char *err = NULL;
    int i = 1;

    while (i < *argc) {
        int r = settings_take_flag(*argc, *argv, &i, &flags, &err);
        if (r < 0) {
            fprintf(stderr, "amplecall: %s\n", err);
            free(err);
            return EXIT_USAGE;
        }
        if (r == 0)
            break;
        i++;
    }
    settings_set_global_flags(&flags);
    *argc -= i - 1;
    *argv += i - 1;
    return 0;
}

int main(int argc, char **argv)
{
    int rc;

    disable_core_dumps();
    /* Only the character set matters to us (UTF-8 input, wide characters on screen); loading
     * every category of the locale cost more at start-up than painting the form. */
    setlocale(LC_CTYPE, "");
    charset_init(); /* the terminal's charset: UTF-8, or text is converted (core/charset.h) */
    rc = take_global_flags(&argc, &argv);
    if (rc != 0)
        return rc;
    if (argc >= 2 && (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))) {
        printf("amplecall %s\n"
               "License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.\n"
               "This is free software: you are free to change and redistribute it.\n"
               "There is NO WARRANTY, to the extent permitted by law.\n",
               PACKAGE_VERSION);
        rc = 0;
    } else if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        rc = 0;
    } else if (argc >= 2 && !strncmp(argv[1], "--task", 6) &&
               (argv[1][6] == '\0' || argv[1][6] == '=')) {
        /* the form, opened on a task */
        rc = check_state_dir();
        if (rc == 0)
            rc = cmd_form(argc, argv);
    } else if (argc < 2 && (rc = check_state_dir()) != 0) {
        /* refused */
    } else if (argc < 2 && isatty(STDIN_FILENO) && lineprompt_terminal_is_limited()) {
        /* the terminal cannot hold the form: ask on plain lines instead */
        static char name[] = "log", flag[] = "--prompt";
        char *args[] = {name, flag, NULL};
        out_init();
        rc = cmd_log(2, args);
    } else if (argc < 2) {
        rc = cmd_form(argc, argv);
    } else {
        rc = -1;
        out_init(); /* a command's output in the terminal's charset; the form needs the
                       real streams (curses) */
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
            if (!strcmp(argv[1], commands[i].name)) {
                rc = commands[i].is_using_state ? check_state_dir() : 0;
                if (rc == 0)
                    rc = commands[i].run(argc - 1, argv + 1);
                break;
            }
        }
        if (rc == -1) {
            sanitize_fprintf(stderr, "amplecall: unknown command '%s'\n\n", argv[1]);
            usage(stderr);
            rc = EXIT_USAGE;
        }
    }
    return rc;
}
