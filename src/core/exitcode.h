/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_EXITCODE_H
#define AMPLECALL_EXITCODE_H
/* Core layer: the program's exit codes, one list for every command and the form (sysexits.h
 * values, so scripts can tell "kept, try later" from "fix your input"). What a request's or
 * a call's outcome maps to is decided in one place: cli/exitmap.c. */

enum exit_code {
    EXIT_LOGGED = 0,
    EXIT_CANCELLED = 1, /* line mode: the user chose not to send */
    EXIT_USAGE = 64,    /* EX_USAGE */
    EXIT_INVALID = 65,  /* EX_DATAERR: client check or API 4xx validation */
    EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: `ctl` found no form running */
    EXIT_INTERNAL = 70, /* EX_SOFTWARE */
    EXIT_CANTCREAT = 73, /* EX_CANTCREAT: the call could not be stored, so it was not sent */
    EXIT_TEMPFAIL = 75, /* EX_TEMPFAIL: kept in the outbox (network, 5xx, 429, unknown
                           outcome, review) */
    EXIT_CONFIG = 78,   /* EX_CONFIG: unusable configuration */
    EXIT_AUTH = 77,     /* EX_NOPERM: 401/403 */
};

#endif
