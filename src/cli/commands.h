/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_COMMANDS_H
#define AMPLECALL_COMMANDS_H
/* CLI layer: the subcommand entry points. Each returns a sysexits exit code (core/exitcode.h). */

#include "core/exitcode.h"

/* argv[0] is the subcommand name. */
int cmd_log(int argc, char **argv);
/* `amplecall outbox [list|flush|drop ID]` (cmd_outbox.c) */
int cmd_outbox(int argc, char **argv);
/* `amplecall history [--json] [ID]` (cmd_history.c) */
int cmd_history(int argc, char **argv);
/* Listings and account (cmd_lists.c): `tasks`, `dispositions`, `users`, `calls`, `whoami` */
int cmd_tasks(int argc, char **argv);
int cmd_dispositions(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_calls(int argc, char **argv);
int cmd_whoami(int argc, char **argv);
/* `amplecall config show|path` (cmd_config.c) */
int cmd_config(int argc, char **argv);
/* `amplecall ctl call-start|call-answered|call-end|status` (cmd_ctl.c) */
int cmd_ctl(int argc, char **argv);
/* `amplecall import FILE.csv` (cmd_import.c) */
int cmd_import(int argc, char **argv);

#endif
