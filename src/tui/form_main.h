/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FORM_MAIN_H
#define AMPLECALL_FORM_MAIN_H
/* TUI layer: `amplecall` with no subcommand: the call form. Returns a sysexits code
 * (core/exitcode.h). */

int cmd_form(int argc, char **argv);

#endif
