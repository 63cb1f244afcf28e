/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: the shared From/To number history (numbers.h): one small text file of
 * "from<TAB>number" lines, oldest first, replaced whole on save. */
#include "config.h"
#include "store/numbers.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/safepath.h"
#include "core/util.h"

struct number_list {
    char **v; /* owned entries, oldest first */
    size_t n;
};

struct numbers {
    char *path; /* owned; NULL = never saved */
    struct number_list from, to;
};

static struct number_list *list_of(struct numbers *n, enum field_id field)
{
    return field == FIELD_FROM ? &n->from : field == FIELD_TO ? &n->to : NULL;
}

static const struct number_list *clist_of(const struct numbers *n, enum field_id field)
{
    return field == FIELD_FROM ? &n->from : field == FIELD_TO ? &n->to : NULL;
}

void numbers_add(struct numbers *n, enum field_id field, const char *text)
{
    struct number_list *l = n ? list_of(n, field) : NULL;
    char *keep = NULL;

    if (!l || !text || str_blank(text) || strpbrk(text, "\r\n\t") || strlen(text) > 1000)
        return;
    for (size_t i = 0; i < l->n; i++) {
        if (!strcmp(l->v[i], text)) {
            keep = l->v[i];
            memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(*l->v));
            l->n--;
            break;
        }
    }
    if (!keep && l->n == NUMBERS_MAX) {
        free(l->v[0]);
        memmove(l->v, l->v + 1, (l->n - 1) * sizeof(*l->v));
        l->n--;
    }
    l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
    l->v[l->n++] = keep ? keep : xstrdup(text);
}

size_t numbers_count(const struct numbers *n, enum field_id field)
{
    const struct number_list *l = n ? clist_of(n, field) : NULL;

    return l ? l->n : 0;
}

const char *numbers_get(const struct numbers *n, enum field_id field, size_t i)
{
    const struct number_list *l = n ? clist_of(n, field) : NULL;

    return l && i < l->n ? l->v[i] : NULL;
}

/* "field<TAB>number" lines (the format of the form's old `history` file too). */
/* The file opened and checked by safepath: no link followed, the user's alone. */
static FILE *open_checked(const char *path)
{
    char *err = NULL;
    int fd = -1;
    FILE *f;

    if (safepath_open(path, O_RDONLY | O_CLOEXEC, 0, true, &fd, NULL, &err) != SAFEPATH_OK) {
        free(err);
        return NULL;
    }
    f = fdopen(fd, "r");
    if (!f)
        close(fd);
    return f;
}

static bool read_tagged(struct numbers *n, const char *path)
{
    FILE *f = open_checked(path);
    char line[1100];

    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        char *tab = strchr(line, '\t');

        line[strcspn(line, "\n")] = '\0';
        if (!tab)
            continue;
        *tab = '\0';
        numbers_add(n, field_from_json_name(line), tab + 1);
    }
    fclose(f);
    return true;
}

/* Line mode's old readline history: one number a line, From and To mixed, so each goes to
 * both lists; readline's "#<time>" lines are skipped. */
static bool read_untagged(struct numbers *n, const char *path)
{
    FILE *f = open_checked(path);
    char line[1100];

    if (!f)
        return false;
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || !strcmp(line, "_HiStOrY_V2_"))
            continue;
        numbers_add(n, FIELD_FROM, line);
        numbers_add(n, FIELD_TO, line);
    }
    fclose(f);
    return true;
}

struct numbers *numbers_open(const char *dir)
{
    struct numbers *n = xcalloc(1, sizeof(*n));

    if (!dir)
        return n;
    n->path = xasprintf("%s/numbers", dir);
    if (!read_tagged(n, n->path)) {
        char *old_form = xasprintf("%s/history", dir);
        char *old_line = xasprintf("%s/numbers_history", dir);
        bool had = read_untagged(n, old_line);

        had = read_tagged(n, old_form) || had; /* the form's are newer: they go last */
        if (had && numbers_save(n)) {
            unlink(old_form);
            unlink(old_line);
        }
        free(old_form);
        free(old_line);
    }
    return n;
}

bool numbers_save(struct numbers *n)
{
    static const enum field_id saved[] = {FIELD_FROM, FIELD_TO};
    char *tmp;
    FILE *f;
    int fd;
    bool ok = true;

    if (!n || !n->path)
        return true;
    tmp = xasprintf("%s.tmp", n->path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        free(tmp);
        return false;
    }
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return false;
    }
    for (size_t k = 0; k < ARRAY_LEN(saved); k++) {
        const struct number_list *l = clist_of(n, saved[k]);
        for (size_t i = 0; i < l->n; i++)
            fprintf(f, "%s\t%s\n", field_json_name(saved[k]), l->v[i]);
    }
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        ok = false;
    if (fclose(f) != 0)
        ok = false;
    if (ok && rename(tmp, n->path) != 0)
        ok = false;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

static void list_done(struct number_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

void numbers_close(struct numbers *n)
{
    if (!n)
        return;
    list_done(&n->from);
    list_done(&n->to);
    free(n->path);
    free(n);
}
