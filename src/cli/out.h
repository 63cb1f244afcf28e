/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_OUT_H
#define AMPLECALL_OUT_H
/* CLI layer: what the commands print, in the terminal's charset: in a locale that is not UTF-8,
 * stdout and stderr become streams that convert the program's UTF-8 with
 * charset_to_display (core/charset.h) on the way out. Only for the commands: curses needs
 * the real streams, so the form never calls out_init. No curses. */
#include <stdio.h>

/* Wrap stdout and stderr when the locale's charset is not UTF-8; once, before any output. */
void out_init(void);
/* The stream that writes f's bytes as they are: f itself unless out_init wrapped it (then f
 * is flushed first, so the order of what both print is kept). For JSON (UTF-8 by
 * definition, RFC 8259) and for readline, which echoes what is typed in the terminal's own
 * charset. */
FILE *out_raw(FILE *f);

#endif
