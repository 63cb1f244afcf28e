/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: aligned plain-text tables for the listing commands. Measures in display columns,
 * never in
 * bytes, so CJK contact names line up. Everything printed went through sanitize_display. */
#include "config.h"
#include "cli/table.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/charset.h"
#include "core/sanitize.h"
#include "core/text.h"
#include "core/util.h"

#define MIN_CUT_COLS 8

struct table {
    size_t ncols;
    char **headers;
    char **cells; /* nrows * ncols, row-major */
    size_t nrows;
};

struct table *table_new(size_t ncols, const char *const *headers)
{
    struct table *t = xcalloc(1, sizeof(*t));

    t->ncols = ncols;
    t->headers = xcalloc(ncols, sizeof(*t->headers));
    for (size_t i = 0; i < ncols; i++)
        t->headers[i] = xstrdup(headers[i]);
    return t;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->ncols; i++)
        free(t->headers[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->headers);
    free(t->cells);
    free(t);
}

void table_add(struct table *t, const char *const *cells)
{
    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(*t->cells));
    for (size_t i = 0; i < t->ncols; i++) {
        /* what the terminal's charset can show: widths are measured on this */
        char *clean = sanitize_line(cells[i] ? cells[i] : "");
        t->cells[t->nrows * t->ncols + i] = charset_fit(clean);
        free(clean);
    }
    t->nrows++;
}

size_t table_rows(const struct table *t)
{
    return t->nrows;
}

/* Bytes in the UTF-8 sequence starting with lead byte c (1 for stray bytes). */
/* Append s padded to width (plus the two-space gutter) to line. */
static void put_cell(struct buf *line, const char *s, int width)
{
    buf_appends(line, s);
    for (int i = text_cols(s); i < width + 2; i++)
        buf_append(line, " ", 1);
}

/* Print line without its trailing padding, then a newline; empties it. */
static void flush_line(struct buf *line, FILE *out)
{
    size_t n = line->len;

    while (n > 0 && line->data[n - 1] == ' ')
        n--;
    fwrite(buf_str(line), 1, n, out);
    fputc('\n', out);
    buf_reset(line);
}

void table_print(const struct table *t, FILE *out, int max_width)
{
    int *w = xcalloc(t->ncols, sizeof(*w));
    int *floor_w = xcalloc(t->ncols, sizeof(*floor_w));
    int total = 0;
    struct buf line;

    for (size_t c = 0; c < t->ncols; c++) {
        w[c] = text_cols(t->headers[c]);
        floor_w[c] = w[c] > MIN_CUT_COLS ? w[c] : MIN_CUT_COLS;
        for (size_t r = 0; r < t->nrows; r++) {
            int cw = text_cols(t->cells[r * t->ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
        total += w[c] + (c + 1 < t->ncols ? 2 : 0);
    }
    /* shrink the widest column, one column at a time, until the line fits */
    while (max_width > 0 && total > max_width) {
        size_t widest = t->ncols;
        for (size_t c = 0; c < t->ncols; c++)
            if (w[c] > floor_w[c] && (widest == t->ncols || w[c] > w[widest]))
                widest = c;
        if (widest == t->ncols)
            break;
        w[widest]--;
        total--;
    }
    buf_init(&line, 1u << 20);
    for (size_t c = 0; c < t->ncols; c++) {
        char *h = text_cut(t->headers[c], w[c]);
        put_cell(&line, h, w[c]);
        free(h);
    }
    flush_line(&line, out);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            char *cell = text_cut(t->cells[r * t->ncols + c], w[c]);
            put_cell(&line, cell, w[c]);
            free(cell);
        }
        flush_line(&line, out);
    }
    buf_done(&line);
    free(w);
    free(floor_w);
}

int table_term_width(int fd)
{
    struct winsize ws;

    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
        return 0;
    return ws.ws_col;
}
