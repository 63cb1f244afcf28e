#ifndef AMPLECALL_COMMANDS_H
#define AMPLECALL_COMMANDS_H
/* Subcommand entry points. Each returns a sysexits exit code. */

enum exit_code {
    EXIT_LOGGED = 0,
    EXIT_CANCELLED = 1, /* line mode: the user chose not to send */
    EXIT_USAGE = 64,    /* EX_USAGE */
    EXIT_INVALID = 65,  /* EX_DATAERR: client check or API 4xx validation */
    EXIT_INTERNAL = 70, /* EX_SOFTWARE */
    EXIT_CANTCREAT = 73, /* EX_CANTCREAT: the call could not be stored, so it was not sent */
    EXIT_TEMPFAIL = 75, /* EX_TEMPFAIL: kept in the outbox (network, 5xx, 429, unknown
                           outcome, review) */
    EXIT_CONFIG = 78,   /* EX_CONFIG: unusable configuration */
    EXIT_AUTH = 77,     /* EX_NOPERM: 401/403 */
};

/* argv[0] is the subcommand name. */
int cmd_log(int argc, char **argv);
/* `amplecall` with no subcommand: the call form (cmd_form.c) */
int cmd_form(int argc, char **argv);
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
/* `amplecall import FILE.csv` (cmd_import.c) */
int cmd_import(int argc, char **argv);

#endif
