/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: names and unique prefixes -> UUIDs for dispositions, tasks and users, through the API.
 * Makes no request when the value already is a UUID. Error texts quote server strings only
 * after sanitising them. */
#include "config.h"
#include "cli/resolve.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/api.h"
#include "core/buf.h"
#include "core/fold.h"
#include "cli/commands.h"
#include "core/sanitize.h"
#include "core/util.h"
#include "core/validate.h"

#define MAX_LISTED 8
#define MIN_ID_PREFIX 4

int resolve_exit_code(enum resolve_status st)
{
    switch (st) {
    case RESOLVE_FOUND:
        return 0;
    case RESOLVE_UNKNOWN:
    case RESOLVE_AMBIGUOUS:
        return EXIT_INVALID;
    case RESOLVE_AUTH_FAILED:
        return EXIT_AUTH;
    case RESOLVE_TEMP_FAILED:
        return EXIT_TEMPFAIL;
    case RESOLVE_FAILED:
        break;
    }
    return EXIT_INTERNAL;
}

static bool has_prefix_ci(const char *s, const char *prefix)
{
    return s && !strncasecmp(s, prefix, strlen(prefix));
}

/* Names compare folded (core/fold.h): case and accents aside, "jose" is "José", so what a
 * terminal without accents shows ("Jose Alvarez") can be typed back. */
static bool name_equal(const char *name, const char *folded_query)
{
    char *f = fold_text(name);
    bool is_equal = !strcmp(f, folded_query);

    free(f);
    return is_equal;
}

static bool name_has_prefix(const char *name, const char *folded_query)
{
    char *f = fold_text(name);
    bool is_prefix = !strncmp(f, folded_query, strlen(folded_query));

    free(f);
    return is_prefix;
}

static const char *label_of(const struct resolve_candidate *c)
{
    if (c->label)
        return c->label;
    return c->names[0] ? c->names[0] : c->id;
}

static char *ambiguous_message(const char *kind, const char *query,
                               const struct resolve_candidate *c, const size_t *hits, size_t n_hits)
{
    struct buf b;
    char *q = sanitize_line(query);

    buf_init(&b, 64 * 1024);
    buf_printf(&b, "%s \"%s\" is ambiguous; it matches ", kind, q);
    for (size_t i = 0; i < n_hits && i < MAX_LISTED; i++) {
        char *l = sanitize_line(label_of(&c[hits[i]]));
        char *id = sanitize_line(c[hits[i]].id);
        buf_printf(&b, "%s\"%s\" (%s)", i ? ", " : "", l, id);
        free(l);
        free(id);
    }
    if (n_hits > MAX_LISTED)
        buf_printf(&b, " and %zu more", n_hits - MAX_LISTED);
    buf_printf(&b, "; give more of the name or the UUID");
    free(q);
    return buf_steal(&b);
}

enum resolve_status resolve_pick(const char *kind, const char *query,
                                 const struct resolve_candidate *c, size_t n, size_t *index,
                                 char **err)
{
    size_t *hits = xcalloc(n ? n : 1, sizeof(*hits));
    size_t n_hits = 0;
    char *q = str_trim(query), *fq = NULL;
    enum resolve_status st = RESOLVE_UNKNOWN;

    *err = NULL;
    if (!*q) {
        *err = xasprintf("empty %s", kind);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (c[i].id && !strcasecmp(c[i].id, q)) {
            *index = i;
            st = RESOLVE_FOUND;
            goto out;
        }
    }
    fq = fold_text(q);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 3 && c[i].names[k]; k++) {
            if (name_equal(c[i].names[k], fq)) {
                hits[n_hits++] = i;
                break;
            }
        }
    }
    if (n_hits == 0 && *fq) {
        size_t qlen = strlen(q);
        for (size_t i = 0; i < n; i++) {
            bool is_hit = qlen >= MIN_ID_PREFIX && has_prefix_ci(c[i].id, q);
            for (int k = 0; !is_hit && k < 3 && c[i].names[k]; k++)
                is_hit = name_has_prefix(c[i].names[k], fq);
            if (is_hit)
                hits[n_hits++] = i;
        }
    }
    if (n_hits == 1) {
        *index = hits[0];
        st = RESOLVE_FOUND;
    } else if (n_hits > 1) {
        st = RESOLVE_AMBIGUOUS;
        *err = ambiguous_message(kind, q, c, hits, n_hits);
    } else {
        char *sq = sanitize_line(q);
        *err = xasprintf("no %s matches \"%s\" (run 'amplecall %ss' to list them)", kind, sq, kind);
        free(sq);
    }
out:
    free(fq);
    free(q);
    free(hits);
    return st;
}

enum resolve_status resolve_disposition_in(const struct disposition_list *l, const char *query,
                                           char **uuid, char **err)
{
    struct resolve_candidate *c = xcalloc(l->n ? l->n : 1, sizeof(*c));
    size_t idx = 0;
    enum resolve_status st;

    for (size_t i = 0; i < l->n; i++) {
        c[i].id = l->v[i].id;
        c[i].names[0] = l->v[i].name;
    }
    st = resolve_pick("disposition", query, c, l->n, &idx, err);
    *uuid = st == RESOLVE_FOUND ? xstrdup(l->v[idx].id) : NULL;
    free(c);
    return st;
}

enum resolve_status resolve_task_in(const struct task_list *l, const char *query, char **uuid,
                                    char **err)
{
    struct resolve_candidate *c = xcalloc(l->n ? l->n : 1, sizeof(*c));
    char **labels = xcalloc(l->n ? l->n : 1, sizeof(*labels));
    char **names = xcalloc(l->n ? l->n : 1, sizeof(*names));
    size_t idx = 0;
    enum resolve_status st;

    for (size_t i = 0; i < l->n; i++) {
        const struct task *t = &l->v[i];
        int k = 0;
        c[i].id = t->id;
        if (t->contact_name)
            c[i].names[k++] = t->contact_name;
        if (t->contact_email)
            c[i].names[k++] = t->contact_email;
        if (t->contact_name && t->contact_email) {
            /* "Name <email>", the form line mode offers when completing */
            names[i] = xasprintf("%s <%s>", t->contact_name, t->contact_email);
            c[i].names[k++] = names[i];
        }
        labels[i] = xasprintf("%s%s%s%s%s%.10s", t->contact_name ? t->contact_name : "(no contact)",
                              t->contact_email ? " <" : "",
                              t->contact_email ? t->contact_email : "", t->contact_email ? ">" : "",
                              t->due_on ? " due " : "", t->due_on ? t->due_on : "");
        c[i].label = labels[i];
    }
    st = resolve_pick("task", query, c, l->n, &idx, err);
    *uuid = st == RESOLVE_FOUND ? xstrdup(l->v[idx].id) : NULL;
    for (size_t i = 0; i < l->n; i++) {
        free(labels[i]);
        free(names[i]);
    }
    free(labels);
    free(names);
    free(c);
    return st;
}

static enum resolve_status failed_listing(const char *what, const struct api_result *res,
                                          char **err)
{
    char *m = sanitize_line(res->message ? res->message : "request failed");
    *err = xasprintf("cannot list %s: %s", what, m);
    free(m);
    if (res->outcome == HTTP_OUT_AUTH)
        return RESOLVE_AUTH_FAILED;
    if (res->is_unknown || http_outcome_is_temporary(res->outcome))
        return RESOLVE_TEMP_FAILED;
    return RESOLVE_FAILED;
}

enum resolve_status resolve_disposition_st(struct api *a, const char *name_or_uuid, char **uuid,
                                           char **err)
{
    struct api_result res;
    struct disposition_list l = {0};
    enum resolve_status st;

    *uuid = NULL;
    *err = NULL;
    if (validate_uuid(name_or_uuid)) {
        *uuid = xstrdup(name_or_uuid);
        return RESOLVE_FOUND;
    }
    api_result_init(&res);
    if (api_dispositions(a, &res, &l))
        st = resolve_disposition_in(&l, name_or_uuid, uuid, err);
    else
        st = failed_listing("dispositions", &res, err);
    disposition_list_done(&l);
    api_result_done(&res);
    return st;
}

enum resolve_status resolve_task_st(struct api *a, const char *user_id, const char *name_or_uuid,
                                    char **uuid, char **err)
{
    struct api_result res;
    struct task_list l = {0};
    struct tasks_query q = {.user_id = user_id, .type = "phone_call", .status = "scheduled"};
    enum resolve_status st;

    *uuid = NULL;
    *err = NULL;
    if (validate_uuid(name_or_uuid)) {
        *uuid = xstrdup(name_or_uuid);
        return RESOLVE_FOUND;
    }
    if (!user_id || !validate_uuid(user_id)) {
        *err = xstrdup("a task can be given by name only together with the user's UUID or "
                       "email (--user); otherwise give the task's UUID");
        return RESOLVE_UNKNOWN;
    }
    api_result_init(&res);
    if (api_tasks(a, &q, &res, &l))
        st = resolve_task_in(&l, name_or_uuid, uuid, err);
    else
        st = failed_listing("tasks", &res, err);
    task_list_done(&l);
    api_result_done(&res);
    return st;
}

enum resolve_status resolve_user_st(struct api *a, const char *uuid_or_email, char **uuid,
                                    char **err)
{
    struct api_result res;
    struct user_list l = {0};
    enum resolve_status st = RESOLVE_UNKNOWN;
    char *q = str_trim(uuid_or_email);

    *uuid = NULL;
    *err = NULL;
    if (validate_uuid(q)) {
        *uuid = q;
        return RESOLVE_FOUND;
    }
    if (!strchr(q, '@')) {
        char *sq = sanitize_line(q);
        *err = xasprintf("user \"%s\" is neither a UUID nor an email address", sq);
        free(sq);
        free(q);
        return RESOLVE_UNKNOWN;
    }
    api_result_init(&res);
    if (!api_users(a, q, &res, &l)) {
        st = failed_listing("users", &res, err);
    } else {
        /* the server's ?email= filter is not trusted: only an equal email counts */
        size_t found = 0;
        enum users_match m = users_match_email(&l, q, &found);
        char *sq = sanitize_line(q);

        switch (m) {
        case USERS_MATCH_FOUND:
            *uuid = xstrdup(l.v[found].id);
            st = RESOLVE_FOUND;
            break;
        case USERS_MATCH_SEVERAL:
            st = RESOLVE_AMBIGUOUS;
            *err = xasprintf("several Amplemarket users have the email %s; give the user's "
                             "UUID",
                             sq);
            break;
        case USERS_MATCH_NONE:
            st = RESOLVE_UNKNOWN;
            if (l.n > 0)
                *err = xasprintf("no active Amplemarket user has the email %s (the API "
                                 "answered with %zu user%s of other emails; run 'amplecall "
                                 "users' to list them)",
                                 sq, l.n, l.n == 1 ? "" : "s");
            else
                *err = xasprintf("no active Amplemarket user has the email %s (run "
                                 "'amplecall users' to list them)",
                                 sq);
            break;
        }
        free(sq);
    }
    user_list_done(&l);
    api_result_done(&res);
    free(q);
    return st;
}

bool resolve_disposition(struct api *a, const char *name_or_uuid, char **uuid, char **err)
{
    return resolve_disposition_st(a, name_or_uuid, uuid, err) == RESOLVE_FOUND;
}

bool resolve_task(struct api *a, const char *user_id, const char *name_or_uuid, char **uuid,
                  char **err)
{
    return resolve_task_st(a, user_id, name_or_uuid, uuid, err) == RESOLVE_FOUND;
}

bool resolve_user(struct api *a, const char *uuid_or_email, char **uuid, char **err)
{
    return resolve_user_st(a, uuid_or_email, uuid, err) == RESOLVE_FOUND;
}
