#ifndef AMPLECALL_COMMANDS_H
#define AMPLECALL_COMMANDS_H
/* Subcommand entry points. Each returns a sysexits exit code. */

enum exit_code {
    EXIT_LOGGED = 0,
    EXIT_USAGE = 64,    /* EX_USAGE */
    EXIT_INVALID = 65,  /* EX_DATAERR: client check or API 4xx validation */
    EXIT_INTERNAL = 70, /* EX_SOFTWARE */
    EXIT_TEMPFAIL = 75, /* EX_TEMPFAIL: network, timeout, 5xx, 429, unknown outcome */
    EXIT_CONFIG = 78,   /* EX_CONFIG: unusable configuration */
    EXIT_AUTH = 77,     /* EX_NOPERM: 401/403 */
};

/* argv[0] is the subcommand name. */
int cmd_log(int argc, char **argv);

#endif
