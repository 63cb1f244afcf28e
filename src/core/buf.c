/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: capped growable buffer. Owns its storage; refuses appends past the cap instead of
 * growing without bound, so a hostile server cannot make us allocate arbitrarily. */
#include "config.h"
#include "core/buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

void buf_init(struct buf *b, size_t max)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
}

void buf_done(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->is_truncated = false;
    if (b->data)
        b->data[0] = '\0';
}

int buf_append(struct buf *b, const void *data, size_t len)
{
    size_t need;

    if (len > b->max || b->len > b->max - len) {
        b->is_truncated = true;
        return -1;
    }
    need = b->len + len + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < need)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int buf_appends(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int rc;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    rc = buf_appends(b, s);
    free(s);
    return rc;
}

char *buf_steal(struct buf *b)
{
    /* Give back the slack of the doubling growth: stolen strings are often kept by the
     * thousand (picker rows hold four sanitised cells each, from a 256-byte first block). */
    char *p = b->data ? (b->cap > b->len + 1 ? xrealloc(b->data, b->len + 1) : b->data)
                      : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    b->is_truncated = false;
    return p;
}

const char *buf_str(const struct buf *b)
{
    return b->data ? b->data : "";
}

char *buf_read_file(const char *path, size_t max, size_t *len, char **err)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    struct buf b;
    char chunk[8192];
    size_t n;

    *err = NULL;
    if (!f) {
        *err = xasprintf("cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    buf_init(&b, max);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            *err = xasprintf("%s is larger than %zu KiB", path, max / 1024);
            break;
        }
    }
    if (!*err && ferror(f))
        *err = xasprintf("cannot read %s: %s", path, strerror(errno));
    if (f != stdin)
        fclose(f);
    if (*err) {
        buf_done(&b);
        return NULL;
    }
    if (len)
        *len = b.len;
    return buf_steal(&b);
}
