/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: `amplecall history [--json] [--limit N] [ID]`: every call submitted from this
 * machine, from the local store; no network (the table is app/calltable.c, shared with the
 * form's history; the details are store/history.c). */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "app/calltable.h"
#include "cli/out.h"
#include "cli/commands.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "store/history.h"

/* ---- the command ---- */

/* The same table as the form's history (app/calltable.h), as wide as the terminal. */
static void print_table(struct store *s, const struct store_rows *rows)
{
    struct calltable t;
    struct winsize ws;
    int cols = 120;
    char *line;

    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        cols = ws.ws_col;
    calltable_build_from_store(&t, s, rows);
    calltable_layout(&t, cols);
    line = calltable_header(&t);
    printf("%s\n", line);
    free(line);
    for (size_t i = 0; i < t.n; i++) {
        line = calltable_line(&t, i);
        printf("%s\n", line);
        free(line);
    }
    calltable_done(&t);
}

static void history_usage(FILE *out)
{
    fputs("Usage: amplecall history [--json] [--limit N] [ID]\n"
          "\n"
          "Calls submitted from this machine, newest first: time, number, contact,\n"
          "disposition, state (pending, sending, unknown, sent, rejected) and remote id.\n"
          "With ID, every detail of that call and the API's response.\n"
          "\n"
          "  --json      print JSON instead of a table\n"
          "  --limit N   show at most N calls (default all)\n",
          out);
}

int cmd_history(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"limit", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool is_json = false;
    long long limit = 0, id = 0;
    struct store *s = NULL;
    char *err = NULL;
    int c, rc = EXIT_LOGGED;

    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j':
            is_json = true;
            break;
        case 'n':
            if (!str_to_nonneg(optarg, 1000000000, &limit)) {
                sanitize_fprintf(stderr, "amplecall history: --limit needs a whole number\n");
                return EXIT_USAGE;
            }
            break;
        case 'h':
            history_usage(stdout);
            return EXIT_LOGGED;
        default:
            sanitize_fprintf(stderr, "amplecall history: unknown option '%s'\n", argv[optind - 1]);
            sanitize_fprintf(stderr, "Try 'amplecall history --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        if (optind + 1 < argc || !str_to_nonneg(argv[optind], 1LL << 62, &id) || id == 0) {
            sanitize_fprintf(stderr, "amplecall history: expected one call ID, got '%s'\n", argv[optind]);
            return EXIT_USAGE;
        }
    }
    s = store_open(NULL, &err);
    if (!s) {
        sanitize_fprintf(stderr, "amplecall history: %s\n", err);
        free(err);
        return EXIT_CONFIG;
    }
    if (id) {
        struct store_row r;
        int found;

        store_row_init(&r);
        found = store_get(s, id, &r, &err);
        if (found < 0) {
            sanitize_fprintf(stderr, "amplecall history: %s\n", err);
            rc = EXIT_INTERNAL;
        } else if (found == 0) {
            sanitize_fprintf(stderr, "amplecall history: there is no call %lld\n", id);
            rc = EXIT_INVALID;
        } else if (is_json) {
            json_object *o = history_row_json(&r, true);
            FILE *raw = out_raw(stdout); /* JSON stays UTF-8 */
            fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_SPACED),
                  raw);
            fputc('\n', raw);
            json_object_put(o);
        } else {
            history_print_details(stdout, &r);
        }
        store_row_done(&r);
    } else {
        struct store_rows rows;

        if (!store_list(s, false, (size_t)limit, &rows, &err)) {
            sanitize_fprintf(stderr, "amplecall history: %s\n", err);
            rc = EXIT_INTERNAL;
        } else {
            if (is_json)
                history_print_json(out_raw(stdout), &rows); /* JSON stays UTF-8 */
            else if (rows.n == 0)
                puts("No calls have been logged from this machine yet.");
            else
                print_table(s, &rows);
            store_rows_done(&rows);
        }
    }
    free(err);
    store_close(s);
    return rc;
}
