/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CSV_H
#define AMPLECALL_CSV_H
/* Core layer: CSV after RFC 4180: ',' separates fields, '"' quotes a field (a doubled '"' inside
 * is one),
 * records end at LF or CRLF outside quotes, quoted fields may span lines. A UTF-8 byte-order
 * mark is skipped and blank lines are ignored. Pure; no I/O. */
#include <stdbool.h>
#include <stddef.h>

struct csv_record {
    char **fields; /* owned, each NUL-terminated (a field holding NUL bytes is refused) */
    size_t n;
    int line; /* line the record starts on, from 1 */
};

struct csv_table {
    struct csv_record *v; /* owned */
    size_t n;
};

void csv_table_done(struct csv_table *t);
/* Parse text. false with *err (owned, "line N: ...") on an unterminated quote, a stray quote
 * inside an unquoted field, text after a closing quote, or a NUL byte; out is then empty. */
bool csv_parse(const char *text, size_t len, struct csv_table *out, char **err);

#endif
