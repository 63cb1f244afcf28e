/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_SANITIZE_H
#define AMPLECALL_SANITIZE_H
/* Core layer: make untrusted text safe for a terminal: drop C0/C1 controls and whole escape
 * sequences (CSI, OSC, DCS, ...), replace invalid UTF-8 with U+FFFD. Pure (but for sanitize_fprintf); no curses. */
#include <stddef.h>
#include <stdio.h>

/* owned; NULL in gives "" out. When keep_newlines, '\n' and '\t' survive (for multi-line
 * text such as a transcription), else they become spaces. */
char *sanitize_display(const char *s, size_t len, int keep_newlines);
/* Convenience for NUL-terminated text, newlines flattened. */
char *sanitize_line(const char *s);

/* fprintf, with the formatted text passed through sanitize_display (newlines and tabs kept):
 * for messages that quote the user's own input (arguments, file names, config lines, CSV
 * cells) as much as for server text. Returns the bytes written, or -1. */
int sanitize_fprintf(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
