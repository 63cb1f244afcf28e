/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_LINEPROMPT_H
#define AMPLECALL_LINEPROMPT_H
/* CLI layer: line mode: the call form as a sequence of plain readline prompts, for terminals that
 * cannot hold the form (TERM=dumb, no cursor addressing) and for screen-reader users
 * (`amplecall log --prompt`). Plain lines only: no cursor movement, no colours, no redraws.
 * Prompts, lists and the review go to stderr, so stdout stays free for --json. */
#include <stdbool.h>

struct api;
struct call;
struct settings;

/* true when the terminal on stdout cannot hold the form: TERM unset, "dumb", unknown to
 * terminfo, or without cursor addressing (cup). */
bool lineprompt_terminal_is_limited(void);

enum lineprompt_result {
    LINEPROMPT_SEND = 0, /* the user confirmed; c is complete and passes validate_call */
    LINEPROMPT_CANCEL,   /* the user said no, or closed input (Ctrl-D) */
    LINEPROMPT_FAILED,   /* a list request failed badly (auth, network): *exit_code set */
};

/* Ask for each field of c in the form's order (From, To, Duration, Answered, Human,
 * Disposition, Task, User, Transcription, Recording URL); values already in c (from flags,
 * settings) are offered as defaults. Dispositions and tasks complete by name with Tab and
 * are resolved to UUIDs (lists loaded through a, tasks once the user is known), users given
 * by email are looked up. From/To keep a history across runs in
 * $XDG_STATE_HOME/amplecall/numbers_history. Ends with a review that sends, cancels, or
 * re-asks a field by its number. On LINEPROMPT_FAILED, *exit_code is a sysexits code and the
 * reason was printed. */
enum lineprompt_result lineprompt_fill(struct api *a, const struct settings *s, struct call *c,
                                       int *exit_code);

#endif
