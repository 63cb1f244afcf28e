/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Replays a fuzz target's seed corpus (and any crash files saved next to it) through the
 * target, one TAP line per input, so `make check` keeps every target building and every
 * corpus input passing, with the configured compiler and sanitizers. Built once per target
 * with -DFUZZ_NAME="fuzz_x"; reads $AMPLECALL_TEST_SRCDIR/tests/fuzz/corpus/FUZZ_NAME. */
#include "config.h"
#include "fuzz.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    size_t cap = 0, n = 0;

    if (!f)
        return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            data = xrealloc(data, cap);
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    fclose(f);
    *len = n;
    return data;
}

int main(void)
{
    const char *srcdir = getenv("AMPLECALL_TEST_SRCDIR");
    char *dir = xasprintf("%s/tests/fuzz/corpus/%s", srcdir ? srcdir : ".", FUZZ_NAME);
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0;
    int failed = 0;

    if (!d) {
        printf("1..1\nnot ok 1 - %s: cannot open the corpus %s\n", FUZZ_NAME, dir);
        free(dir);
        return 1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp);
    /* two fixed edge cases, then every corpus file */
    printf("1..%zu\n", n + 2);
    LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
    printf("ok 1 - %s survives empty input\n", FUZZ_NAME);
    LLVMFuzzerTestOneInput((const uint8_t *)"\xff", 1);
    printf("ok 2 - %s survives a single invalid byte\n", FUZZ_NAME);
    fflush(stdout);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", dir, names[i]);
        size_t len = 0;
        char *data = slurp(path, &len);

        if (!data && len == 0) {
            printf("not ok %zu - %s: cannot read %s\n", i + 3, FUZZ_NAME, names[i]);
            failed = 1;
        } else {
            /* a property failure aborts, which the TAP driver reports as an error */
            LLVMFuzzerTestOneInput((const uint8_t *)data, len);
            printf("ok %zu - %s holds its properties on corpus/%s\n", i + 3, FUZZ_NAME,
                   names[i]);
        }
        fflush(stdout);
        free(data);
        free(path);
        free(names[i]);
    }
    free(names);
    free(dir);
    return failed;
}
