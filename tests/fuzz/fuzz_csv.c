/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the CSV reader used by `amplecall import`. Properties: no crash or leak; failure
 * explains itself with a line and leaves the table empty; records start on increasing lines
 * and hold NUL-terminated fields; writing the table back with every field quoted and reading
 * it again gives the same fields (nothing is lost or invented). */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "core/buf.h"
#include "core/csv.h"
#include "core/util.h"

static char *write_quoted(const struct csv_table *t)
{
    struct buf b;

    buf_init(&b, (size_t)-1 / 2);
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->v[i].n; j++) {
            buf_appends(&b, j ? ",\"" : "\"");
            for (const char *p = t->v[i].fields[j]; *p; p++)
                buf_appends(&b, *p == '"' ? "\"\"" : (char[]){*p, '\0'});
            buf_appends(&b, "\"");
        }
        buf_appends(&b, "\r\n");
    }
    return buf_steal(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct csv_table t, again;
    char *err = NULL, *err2 = NULL, *text;
    int last_line = 0;

    if (!csv_parse((const char *)data, size, &t, &err)) {
        FUZZ_CHECK(err != NULL && !strncmp(err, "line ", 5));
        FUZZ_CHECK(t.n == 0 && t.v == NULL);
        free(err);
        return 0;
    }
    FUZZ_CHECK(err == NULL);
    for (size_t i = 0; i < t.n; i++) {
        FUZZ_CHECK(t.v[i].n >= 1);
        FUZZ_CHECK(t.v[i].line > last_line);
        last_line = t.v[i].line;
        for (size_t j = 0; j < t.v[i].n; j++)
            FUZZ_CHECK(t.v[i].fields[j] != NULL);
    }
    text = write_quoted(&t);
    FUZZ_CHECK(csv_parse(text, strlen(text), &again, &err2));
    FUZZ_CHECK(again.n == t.n);
    for (size_t i = 0; i < t.n; i++) {
        FUZZ_CHECK(again.v[i].n == t.v[i].n);
        for (size_t j = 0; j < t.v[i].n; j++)
            FUZZ_CHECK(!strcmp(again.v[i].fields[j], t.v[i].fields[j]));
    }
    free(text);
    csv_table_done(&again);
    csv_table_done(&t);
    return 0;
}
