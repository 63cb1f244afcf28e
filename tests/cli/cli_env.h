/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TEST_CLI_ENV_H
#define AMPLECALL_TEST_CLI_ENV_H
/* Running the real amplecall binary in a pinned environment against the fake server. */
#include <stdbool.h>

struct cli_run {
    int status;
    char *out;
    char *err;
};

/* A fresh HOME/XDG tree in a temp dir; owned path. */
char *cli_tmp_home(void);
/* Remove a directory tree made by cli_tmp_home. */
void cli_rm_tree(const char *dir);
/* Path of the built binary (borrowed). */
const char *cli_binary(void);
/* Run `amplecall ARGS...` with HOME=home, AMPLECALL_BASE_URL=base_url (NULL: unset),
 * AMPLEMARKET_API_KEY=key (NULL: unset) and extra "K=V" env (NULL-terminated, may be NULL).
 * args is NULL-terminated. 20 s bound. */
struct cli_run cli_run(const char *home, const char *base_url, const char *key,
                       const char *const *extra_env, const char *const *args);
/* Same, with stdin_text on standard input (NULL: /dev/null). */
struct cli_run cli_run_input(const char *home, const char *base_url, const char *key,
                             const char *const *extra_env, const char *const *args,
                             const char *stdin_text);
void cli_run_done(struct cli_run *r);
/* true when s contains needle (NULL-safe) */
bool cli_has(const char *s, const char *needle);

#endif
