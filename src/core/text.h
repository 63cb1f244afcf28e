/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TEXT_H
#define AMPLECALL_TEXT_H
/* Core layer: how much room UTF-8 text takes in a terminal, and cutting and wrapping it to
 * a width. The one place widths are measured (libunistring, so they do not depend on the
 * locale); the form, the tables and the history all use it. */
#include <stddef.h>

/* Columns of the character at s (n bytes available) and its byte length in *len: East
 * Asian wide characters take 2, combining marks 0; an invalid byte or a control takes 1
 * column and 1 byte. */
int text_char_cols(const char *s, size_t n, size_t *len);
/* Columns of NUL-terminated text (NULL = 0). */
int text_cols(const char *s);
/* Byte length of the longest prefix of text that fits in cols columns; *used (may be NULL)
 * gets its columns. Never splits a character. */
size_t text_fit(const char *text, int cols, int *used);
/* s cut to at most max_cols columns, ending in "…" when cut; owned. */
char *text_cut(const char *s, int max_cols);
/* Word-wrap text to lines of at most cols columns; '\n' starts a new line; words longer
 * than a line are broken. Returns the number of lines; *lines (owned array of owned
 * strings). */
size_t text_wrap(const char *text, int cols, char ***lines);
void text_lines_free(char **lines, size_t n);

#endif
