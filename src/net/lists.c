/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: the API's list objects (dispositions, tasks, users, calls): pages parsed
 * defensively (every member optional and typed, items kept as the API sent them), freed,
 * written back as JSON, and the one email match. Declared in api.h. */
#include "config.h"
#include "net/api.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "core/buf.h"
#include "core/fold.h"
#include "core/jsonx.h"
#include "core/sanitize.h"
#include "core/util.h"

/* ---- lists ---------------------------------------------------------------------------- */

void disposition_list_done(struct disposition_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].name);
        free(l->v[i].action);
        free(l->v[i].json);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

static void task_free(struct task *t)
{
    free(t->id);
    free(t->type);
    free(t->status);
    free(t->due_on);
    free(t->notes);
    free(t->user_id);
    free(t->sequence_name);
    free(t->contact_id);
    free(t->contact_name);
    free(t->contact_email);
    free(t->contact_company);
    free(t->json);
}

void task_list_done(struct task_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        task_free(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

void user_list_done(struct user_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].id);
        free(l->v[i].name);
        free(l->v[i].email);
        free(l->v[i].status);
        free(l->v[i].role);
        free(l->v[i].json);
    }
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

void call_list_done(struct call_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        call_record_done(&l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
    l->is_partial = false;
}

/* An item as JSON text, every member kept (owned). */
static char *item_json(json_object *o)
{
    return xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* "[a,b,...]" from n item texts reached through get (NULL ones are skipped). Owned. */
static char *join_items(size_t n, const char *(*get)(const void *list, size_t i),
                        const void *list)
{
    struct buf b;
    bool is_first = true;

    buf_init(&b, (size_t)-1);
    buf_append(&b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        const char *j = get(list, i);
        if (!j)
            continue;
        if (!is_first)
            buf_append(&b, ",", 1);
        buf_appends(&b, j);
        is_first = false;
    }
    buf_append(&b, "]", 1);
    return buf_steal(&b);
}

static const char *disposition_at(const void *l, size_t i)
{
    return ((const struct disposition_list *)l)->v[i].json;
}
static const char *task_at(const void *l, size_t i)
{
    return ((const struct task_list *)l)->v[i].json;
}
static const char *user_at(const void *l, size_t i)
{
    return ((const struct user_list *)l)->v[i].json;
}
static const char *call_at(const void *l, size_t i)
{
    return ((const struct call_list *)l)->v[i].json;
}

char *disposition_list_json(const struct disposition_list *l)
{
    return join_items(l->n, disposition_at, l);
}

char *task_list_json(const struct task_list *l)
{
    return join_items(l->n, task_at, l);
}

char *user_list_json(const struct user_list *l)
{
    return join_items(l->n, user_at, l);
}

char *call_list_json(const struct call_list *l)
{
    return join_items(l->n, call_at, l);
}

enum users_match users_match_email(const struct user_list *l, const char *email, size_t *index)
{
    char *want = str_trim(email ? email : "");
    size_t n_found = 0, found = 0;

    for (size_t i = 0; *want && l && i < l->n; i++) {
        const struct user *u = &l->v[i];
        char *have;
        bool is_equal;

        if (!u->email || (u->status && strcmp(u->status, "active")))
            continue;
        have = str_trim(u->email);
        is_equal = fold_equal_nocase(have, want);
        free(have);
        if (is_equal) {
            if (n_found == 0)
                found = i;
            n_found++;
        }
    }
    free(want);
    if (n_found == 1 && index)
        *index = found;
    return n_found == 1 ? USERS_MATCH_FOUND : n_found ? USERS_MATCH_SEVERAL : USERS_MATCH_NONE;
}

/* Grow a list by one zeroed element; returns it. */
#define LIST_PUSH(l) \
    ((l)->v = xrealloc((l)->v, ((l)->n + 1) * sizeof(*(l)->v)), \
     memset(&(l)->v[(l)->n], 0, sizeof(*(l)->v)), &(l)->v[(l)->n++])

/* Items of one page are appended by an adder; false means "skip this item". */
typedef bool (*item_adder)(json_object *item, void *list);

static bool add_disposition(json_object *o, void *list)
{
    struct disposition_list *l = list;
    const char *id = jsonx_str(o, "id");
    const char *name;
    struct disposition *d;

    if (!id)
        return false;
    /* the label's key is undocumented: take the first that is present */
    name = jsonx_str(o, "name");
    if (!name)
        name = jsonx_str(o, "label");
    if (!name)
        name = jsonx_str(o, "title");
    if (!name)
        name = jsonx_str(o, "description");
    d = LIST_PUSH(l);
    d->id = xstrdup(id);
    d->name = xstrdup(name);
    d->action = xstrdup(jsonx_str(o, "action"));
    d->json = item_json(o);
    return true;
}

static bool add_task(json_object *o, void *list)
{
    struct task_list *l = list;
    const char *id = jsonx_str(o, "id");
    json_object *contact, *b;
    const char *company;
    struct task *t;

    if (!id)
        return false;
    t = LIST_PUSH(l);
    t->id = xstrdup(id);
    t->type = xstrdup(jsonx_str(o, "type"));
    t->status = xstrdup(jsonx_str(o, "status"));
    t->due_on = xstrdup(jsonx_str(o, "due_on"));
    t->notes = xstrdup(jsonx_str(o, "notes"));
    t->user_id = xstrdup(jsonx_str(o, "user_id"));
    t->sequence_name = xstrdup(jsonx_str(o, "sequence_name"));
    b = jsonx_get(o, "automatic", json_type_boolean);
    t->automatic = b ? json_object_get_boolean(b) : -1;
    contact = jsonx_get(o, "contact", json_type_object);
    if (contact) {
        t->contact_id = xstrdup(jsonx_str(contact, "id"));
        t->contact_name = xstrdup(jsonx_str(contact, "name"));
        t->contact_email = xstrdup(jsonx_str(contact, "email"));
        company = jsonx_str(contact, "company");
        if (!company)
            company = jsonx_str(jsonx_get(contact, "company", json_type_object), "name");
        if (!company)
            company = jsonx_str(contact, "company_name");
        t->contact_company = xstrdup(company);
    }
    t->json = item_json(o);
    return true;
}

static bool add_user(json_object *o, void *list)
{
    struct user_list *l = list;
    const char *id = jsonx_str(o, "id");
    struct user *u;

    if (!id)
        return false;
    u = LIST_PUSH(l);
    u->id = xstrdup(id);
    u->name = xstrdup(jsonx_str(o, "name"));
    u->email = xstrdup(jsonx_str(o, "email"));
    u->status = xstrdup(jsonx_str(o, "status"));
    u->role = xstrdup(jsonx_str(o, "role"));
    u->json = item_json(o);
    return true;
}

static bool add_call(json_object *o, void *list)
{
    struct call_list *l = list;
    struct call_record r;
    char *err = NULL;

    if (!call_record_from_json(o, &r, &err)) {
        free(err);
        return false;
    }
    r.json = item_json(o);
    *LIST_PUSH(l) = r;
    return true;
}

/* Find the array of items: under key, else (the docs are unsure of some wrappers) a bare
 * top-level array, else the only other array of objects in the top-level object. A strict
 * reader (a look-up that must know it saw everything) takes the documented key only. */
static json_object *find_items(json_object *root, const char *key, bool is_strict)
{
    json_object *arr = jsonx_get(root, key, json_type_array);
    json_object *found = NULL;
    int count = 0;

    if (arr || is_strict)
        return arr;
    if (json_object_is_type(root, json_type_array))
        return root;
    if (!json_object_is_type(root, json_type_object))
        return NULL;
    json_object_object_foreach(root, k, v)
    {
        if (k[0] != '_' && json_object_is_type(v, json_type_array)) {
            found = v;
            count++;
        }
    }
    return count == 1 ? found : NULL;
}

/* A strict page refuses an item it cannot read rather than skip it: the skipped one could
 * be the call a look-up is looking for. */
static bool parse_page_ext(const char *json, size_t len, const char *key, item_adder add,
                           void *list, bool is_strict, char **next, char **err)
{
    json_object *root = jsonx_parse(json, len);
    json_object *items, *links, *nx;
    const char *href;
    size_t n;

    *next = NULL;
    *err = NULL;
    if (!root) {
        *err = xstrdup("the response is not valid JSON");
        return false;
    }
    items = find_items(root, key, is_strict);
    if (!items) {
        *err = xasprintf("the response has no \"%s\" list", key);
        json_object_put(root);
        return false;
    }
    n = json_object_array_length(items);
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(items, i);
        bool is_added = json_object_is_type(item, json_type_object) && add(item, list);
        if (!is_added && is_strict) {
            *err = xasprintf("item %zu of the \"%s\" list cannot be read", i + 1, key);
            json_object_put(root);
            return false;
        }
    }
    links = jsonx_get(root, "_links", json_type_object);
    nx = jsonx_get(links, "next", json_type_object);
    href = jsonx_str(nx, "href");
    if (href && *href)
        *next = xstrdup(href);
    else if (is_strict && nx) {
        *err = xstrdup("the response's next link has no href");
        json_object_put(root);
        return false;
    }
    json_object_put(root);
    return true;
}

static bool parse_page(const char *json, size_t len, const char *key, item_adder add,
                       void *list, char **next, char **err)
{
    return parse_page_ext(json, len, key, add, list, false, next, err);
}

bool api_parse_dispositions(const char *json, size_t len, struct disposition_list *out,
                            char **next, char **err)
{
    return parse_page(json, len, "dispositions", add_disposition, out, next, err);
}

bool api_parse_tasks(const char *json, size_t len, struct task_list *out, char **next,
                     char **err)
{
    return parse_page(json, len, "tasks", add_task, out, next, err);
}

bool api_parse_users(const char *json, size_t len, struct user_list *out, char **next,
                     char **err)
{
    return parse_page(json, len, "users", add_user, out, next, err);
}

bool api_parse_calls(const char *json, size_t len, struct call_list *out, char **next,
                     char **err)
{
    return parse_page(json, len, "calls", add_call, out, next, err);
}

bool api_parse_calls_strict(const char *json, size_t len, struct call_list *out, char **next,
                            char **err)
{
    return parse_page_ext(json, len, "calls", add_call, out, true, next, err);
}

