/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: stdout and stderr through charset_to_display, for the commands in a non-UTF-8 locale.
 * A write may end inside a UTF-8 sequence (stdio flushes where its buffer is full): those
 * bytes wait for the next write. Both streams to one descriptor stay in order: out_raw
 * flushes the wrapped stream, and each write of the wrapped stream flushes the raw one. */
#define _GNU_SOURCE /* fopencookie */
#include "config.h"
#include "cli/out.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/util.h"

struct wrap {
    int fd;
    FILE *raw;          /* the original stream (stdout or stderr) */
    FILE *wrapped;      /* the converting stream that replaced it */
    char pending[4];    /* the start of a UTF-8 sequence the last write ended in */
    size_t n_pending;
};

static struct wrap wraps[2];
static bool is_done;

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return; /* nothing sensible to do about a closed terminal */
        p += k;
        n -= (size_t)k;
    }
}

/* Bytes in a UTF-8 sequence that starts with c (1 for anything else). */
static size_t seq_len(unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0 && c < 0xF0)
        return 3;
    if (c >= 0xC0 && c < 0xE0)
        return 2;
    return 1;
}

/* Convert and write text (len bytes, NULs allowed: they pass as they are). */
static void put_text(struct wrap *w, const char *text, size_t len)
{
    size_t i = 0;

    while (i < len) {
        size_t n = strnlen(text + i, len - i);
        if (n > 0) {
            char *part = xstrndup(text + i, n);
            char *shown = charset_to_display(part);
            write_all(w->fd, shown, strlen(shown));
            free(shown);
            free(part);
        }
        i += n;
        if (i < len) {
            write_all(w->fd, "", 1);
            i++;
        }
    }
}

static ssize_t on_write(void *cookie, const char *data, size_t size)
{
    struct wrap *w = cookie;
    struct buf all;
    size_t keep = 0, end;

    fflush(w->raw); /* whatever went out raw (JSON) comes first */
    buf_init(&all, (size_t)-1);
    buf_append(&all, w->pending, w->n_pending);
    buf_append(&all, data, size);
    w->n_pending = 0;
    /* a sequence cut at the end waits for its other bytes */
    end = all.len;
    for (size_t back = 1; back <= 3 && back <= all.len; back++) {
        unsigned char c = (unsigned char)all.data[all.len - back];
        if ((c & 0xC0) == 0x80)
            continue; /* a continuation byte: look further back */
        if (c >= 0xC0 && seq_len(c) > back)
            keep = back;
        break;
    }
    end -= keep;
    memcpy(w->pending, all.data + end, keep);
    w->n_pending = keep;
    put_text(w, all.data, end);
    buf_done(&all);
    return (ssize_t)size;
}

static int on_close(void *cookie)
{
    struct wrap *w = cookie;

    if (w->n_pending)
        put_text(w, "?", 1); /* a sequence that never ended */
    w->n_pending = 0;
    return 0;
}

static FILE *wrap(struct wrap *w, FILE *raw, int mode)
{
    cookie_io_functions_t io = {.write = on_write, .close = on_close};
    FILE *f;

    fflush(raw);
    w->fd = fileno(raw);
    w->raw = raw;
    f = fopencookie(w, "w", io);
    if (!f)
        return raw;
    setvbuf(f, NULL, mode, mode == _IONBF ? 0 : BUFSIZ);
    w->wrapped = f;
    return f;
}

void out_init(void)
{
    if (is_done)
        return;
    is_done = true;
    charset_init();
    if (charset_is_utf8())
        return;
    /* glibc's stdout and stderr are plain variables, and may be set (its manual says so) */
    stdout = wrap(&wraps[0], stdout, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF);
    stderr = wrap(&wraps[1], stderr, _IONBF);
}

FILE *out_raw(FILE *f)
{
    for (size_t i = 0; i < ARRAY_LEN(wraps); i++) {
        if (wraps[i].wrapped && wraps[i].wrapped == f) {
            fflush(f);
            return wraps[i].raw;
        }
    }
    return f;
}
