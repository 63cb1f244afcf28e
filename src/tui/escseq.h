/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_ESCSEQ_H
#define AMPLECALL_ESCSEQ_H
/* TUI layer: escape sequences curses did not recognise (the terminal description does not
 * match the terminal: TERM=vt100 on an xterm, rxvt's Home, the Linux console's F1). The
 * whole sequence is read and either named (a common Home, End, arrow or F-key encoding) or
 * swallowed, so none of its bytes is ever typed into a field or a filter. */
#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#define ESCSEQ_MAX 32

/* Where a sequence stands after the bytes seen so far (the Esc itself not included). */
enum escseq_state {
    ESCSEQ_MORE = 0, /* incomplete: feed the next byte */
    ESCSEQ_DONE,     /* complete */
    ESCSEQ_NOT,      /* not a sequence (Esc then an ordinary key: Alt+key) */
};

/* seq holds the bytes after the Esc ("[1;5F", "OH", "[[A"). */
enum escseq_state escseq_state(const char *seq, size_t len);
/* The curses KEY_* code a complete sequence stands for, 0 = none (it is swallowed). */
int escseq_key(const char *seq, size_t len);

#endif
