/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: RFC 4180 CSV reader for `amplecall import`: the whole file in, records out. Strict
 * about quotes so that a broken file is reported with its line rather than misread. */
#include "config.h"
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/util.h"

#define CSV_MAX_FIELD (1024 * 1024)

void csv_table_done(struct csv_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->v[i].n; j++)
            free(t->v[i].fields[j]);
        free(t->v[i].fields);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

static void push_field(struct csv_record *r, struct buf *b)
{
    r->fields = xrealloc(r->fields, (r->n + 1) * sizeof(*r->fields));
    r->fields[r->n++] = buf_steal(b);
}

static void push_record(struct csv_table *t, struct csv_record *r)
{
    /* a blank line is one empty field: skip it */
    if (r->n == 1 && r->fields[0][0] == '\0') {
        free(r->fields[0]);
        free(r->fields);
    } else {
        t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
        t->v[t->n++] = *r;
    }
    memset(r, 0, sizeof(*r));
}

bool csv_parse(const char *text, size_t len, struct csv_table *out, char **err)
{
    struct csv_record rec = {0};
    struct buf field;
    size_t i = 0;
    int line = 1;
    bool is_quoted = false, is_after_quote = false, is_started = false;

    memset(out, 0, sizeof(*out));
    *err = NULL;
    buf_init(&field, CSV_MAX_FIELD);
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
        i = 3;
    while (i < len) {
        char c = text[i];
        if (!is_started) {
            rec.line = line;
            is_started = true;
        }
        if (c == '\0') {
            *err = xasprintf("line %d: NUL byte", line);
            goto fail;
        }
        if (is_quoted) {
            if (c == '"') {
                if (i + 1 < len && text[i + 1] == '"') {
                    if (buf_append(&field, "\"", 1) != 0)
                        goto too_long;
                    i += 2;
                    continue;
                }
                is_quoted = false;
                is_after_quote = true;
            } else {
                if (c == '\n')
                    line++;
                if (buf_append(&field, &c, 1) != 0)
                    goto too_long;
            }
            i++;
            continue;
        }
        if (c == ',') {
            push_field(&rec, &field);
            is_after_quote = false;
        } else if (c == '\n' || (c == '\r' && i + 1 < len && text[i + 1] == '\n')) {
            push_field(&rec, &field);
            push_record(out, &rec);
            is_after_quote = false;
            is_started = false;
            if (c == '\r')
                i++;
            line++;
        } else if (is_after_quote) {
            *err = xasprintf("line %d: text after a closing quote", line);
            goto fail;
        } else if (c == '"') {
            if (field.len != 0) {
                *err = xasprintf("line %d: a quote inside an unquoted field (quote the whole "
                                 "field and double the quote)",
                                 line);
                goto fail;
            }
            is_quoted = true;
        } else if (buf_append(&field, &c, 1) != 0) {
            goto too_long;
        }
        i++;
    }
    if (is_quoted) {
        *err = xasprintf("line %d: a quoted field is never closed", rec.line);
        goto fail;
    }
    if (is_started) {
        push_field(&rec, &field);
        push_record(out, &rec);
    }
    buf_done(&field);
    return true;
too_long:
    *err = xasprintf("line %d: a field is longer than %d bytes", line, CSV_MAX_FIELD);
fail:
    buf_done(&field);
    for (size_t j = 0; j < rec.n; j++)
        free(rec.fields[j]);
    free(rec.fields);
    csv_table_done(out);
    return false;
}
