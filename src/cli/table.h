/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TABLE_H
#define AMPLECALL_TABLE_H
/* CLI layer: plain-text tables for listings: cells are untrusted text, sanitised on the way in;
 * columns are aligned by display width (UTF-8, wide characters), and cut with "…" ("..." where the charset lacks it) to fit a width.
 * No curses. */
#include <stddef.h>
#include <stdio.h>

struct table;

/* headers: ncols borrowed strings (copied). Owned; table_free(). */
struct table *table_new(size_t ncols, const char *const *headers);
void table_free(struct table *t);
/* Append a row of ncols cells (NULL = empty); each is sanitised and copied. */
void table_add(struct table *t, const char *const *cells);
size_t table_rows(const struct table *t);
/* Print header and rows. max_width > 0 cuts the widest columns (never below their cap of
 * 8 columns or their header) so a line fits; 0 prints everything in full. */
void table_print(const struct table *t, FILE *out, int max_width);

/* Width of the terminal on fd, 0 when fd is not a terminal. */
int table_term_width(int fd);

#endif
