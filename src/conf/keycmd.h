/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_KEYCMD_H
#define AMPLECALL_KEYCMD_H
/* Conf layer: running api_key_command: /bin/sh -c COMMAND, bounded in time and output, its first
 * line of standard output taken as the API key. No UI, no network. */
#include <stdbool.h>

#define KEYCMD_DEFAULT_TIMEOUT_S 10
#define KEYCMD_MAX_TIMEOUT_S 600
#define KEYCMD_MAX_OUTPUT 4096     /* bytes of standard output: a key, not a document */
#define KEYCMD_MAX_ERROR_SHOWN 512 /* bytes of its standard error quoted when it fails */

/* Run cmd with /bin/sh -c in a process group of its own (given the terminal while it runs,
 * so a passphrase prompt on /dev/tty works), stdin inherited, stdout and stderr collected,
 * AMPLEMARKET_API_KEY not in its environment. It has timeout_s seconds (<= 0: the default)
 * and KEYCMD_MAX_OUTPUT bytes of stdout; past either its process group is killed. Reading
 * stops when the shell exits, so a background child still holding stdout does not hold us.
 * true with *key (owned secret, trimmed first line). false with *why (owned, one line:
 * what went wrong, then the command's stderr sanitised and cut, with the key redacted). */
bool keycmd_run(const char *cmd, long timeout_s, char **key, char **why);

#endif
