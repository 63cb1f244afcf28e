/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CMDUTIL_H
#define AMPLECALL_CMDUTIL_H
/* CLI layer: shared plumbing of the listing and account commands (tasks, dispositions, users,
 * calls, whoami, config, import): settings + API client set-up, exit codes for API results, error
 * lines, JSON output. No curses. */
#include <stdbool.h>
#include <stdio.h>
#include "conf/settings.h"

struct api;
struct api_result;
struct json_object;

/* What a command runs with. */
struct cmd_ctx {
    const char *name; /* "tasks": prefixes every message ("amplecall tasks: ...") */
    struct settings settings;
    struct api *api; /* owned; NULL until cmd_ctx_connect */
};

void cmd_ctx_init(struct cmd_ctx *c, const char *name);
void cmd_ctx_done(struct cmd_ctx *c);
/* Load settings (flags borrowed). 0 on success, else the exit code after printing why. */
int cmd_ctx_load(struct cmd_ctx *c, const struct settings_flags *flags);
/* Make the API client (needs a key). 0 on success, else the exit code after printing why. */
int cmd_ctx_connect(struct cmd_ctx *c);

/* "amplecall NAME: " + message + newline on stderr. */
void cmd_error(const struct cmd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print why an API operation failed (sanitised; each _errors item on its own line) and
 * return its exit code: 77 auth, 75 temporary/unknown, 65 rejected, 70 other. */
int cmd_api_failure(const struct cmd_ctx *c, const char *what, const struct api_result *res);

/* Print on stderr what a list load reports while it waits out a 429 ("amplecall NAME: GET
 * /tasks: rate limited, retrying in 3 s"); name borrowed for api's lifetime. cmd_ctx_connect
 * does this for its api. */
void cmd_report_progress(struct api *api, const char *name);
/* When res says the list is partial (a next link that could not be followed), say so on
 * stderr with the n items (noun: "tasks") that were read. */
void cmd_note_partial(const struct cmd_ctx *c, const struct api_result *res, size_t n,
                      const char *noun);

/* The configured or given user as a UUID (email looked up). *uuid owned. 0, or the exit code
 * after printing why (64 when no user is known at all). */
int cmd_user_uuid(struct cmd_ctx *c, const char *given, char **uuid);

/* Print a json-c value pretty-printed, without escaping '/', then a newline; puts it. */
void cmd_print_json(FILE *out, struct json_object *v);
/* json string or null; s may be NULL. */
struct json_object *cmd_json_str(const char *s);

/* Parse "--json"/"--help" style arguments shared by the listing commands: true when argv[i]
 * is "--help" or "-h". */
bool cmd_is_help(const char *arg);

/* "--name VALUE" or "--name=VALUE" at argv[*i]: 1 with *value (borrowed) and *i on the
 * value, 0 when argv[*i] is another option, -1 after printing that the value is missing. */
int cmd_take_value(const struct cmd_ctx *c, int argc, char **argv, int *i, const char *name,
                   const char **value);
/* Report an argument the command does not know; returns EXIT_USAGE. */
int cmd_bad_arg(const struct cmd_ctx *c, const char *arg);

/* --since/--until: "2026-06-03", "2026-06-03T17:45:16Z" (any ISO 8601 instant is passed on
 * as given), or an age "90s", "30m", "2h", "7d", "2w" before now. *iso owned, UTC. */
bool cmd_parse_time(const char *s, long long now, char **iso);

#endif
