/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_BUF_H
#define AMPLECALL_BUF_H
/* Core layer: A growable byte buffer with a hard size cap; appends past the cap fail. Always
 * NUL-terminated. */
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *data; /* owned; NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    size_t max;        /* appends that would exceed this fail */
    bool is_truncated; /* set when an append was refused */
};

void buf_init(struct buf *b, size_t max);
void buf_done(struct buf *b);
void buf_reset(struct buf *b);
/* 0 on success, -1 when the cap would be exceeded (nothing is appended then) */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_appends(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the contents to the caller (owned, never NULL) and reset the buffer. */
char *buf_steal(struct buf *b);
/* Read a whole file ("-" = stdin) of at most max bytes. Owned contents (NUL-terminated, *len
 * bytes when len != NULL), or NULL with *err (owned) saying why. */
char *buf_read_file(const char *path, size_t max, size_t *len, char **err);
/* Borrowed, never NULL ("" when empty). */
const char *buf_str(const struct buf *b);

#endif
