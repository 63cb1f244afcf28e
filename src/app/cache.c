/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: the lists kept for working offline: every list that loads is saved in the store
 * (per base URL, and per user for tasks) as the API sent it; on start the form shows the
 * saved ones at once, marked with their age, until a fresh load replaces them. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app_impl.h"
#include "core/buf.h"
#include "core/util.h"

#define CACHE_MAX_BYTES (16u << 20) /* a list bigger than this is not kept */

static const char *const kind_names[PICK_KIND_COUNT] = {"dispositions", "tasks", "users"};

/* The user a kind's list belongs to: tasks are per user, the others per account. */
static const char *cache_user(const struct app *a, enum pick_kind k)
{
    return k == PICK_TASK ? (a->tasks_user ? a->tasks_user : NULL) : "";
}

static size_t list_len(const struct app *a, enum pick_kind k)
{
    return k == PICK_DISPOSITION ? a->dispositions.n : k == PICK_TASK ? a->tasks.n : a->users.n;
}

static const char *item_json(const struct app *a, enum pick_kind k, size_t i)
{
    return k == PICK_DISPOSITION ? a->dispositions.v[i].json
           : k == PICK_TASK      ? a->tasks.v[i].json
                                 : a->users.v[i].json;
}

void cache_save(struct app *a, enum pick_kind k)
{
    const char *user = cache_user(a, k);
    struct buf b;
    char *err = NULL;
    bool is_first = true;

    if (!a->store || !user || k >= PICK_KIND_COUNT)
        return;
    buf_init(&b, CACHE_MAX_BYTES);
    buf_printf(&b, "{\"%s\":[", kind_names[k]);
    for (size_t i = 0; i < list_len(a, k); i++) {
        const char *j = item_json(a, k, i);
        if (!j)
            continue;
        buf_printf(&b, "%s%s", is_first ? "" : ",", j);
        is_first = false;
    }
    if (buf_appends(&b, "]}") == 0 &&
        !store_lists_save(a->store, a->api_base_key, user, kind_names[k], buf_str(&b),
                          store_now_ms(), &err))
        free(err); /* the cache is a convenience: the fresh list is on screen anyway */
    buf_done(&b);
}

/* Parse a kept list into the app's list of kind k; false when it cannot be read. */
static bool take(struct app *a, enum pick_kind k, const char *json)
{
    char *next = NULL, *err = NULL;
    bool ok = false;

    switch (k) {
    case PICK_DISPOSITION: {
        struct disposition_list l = {0};
        ok = api_parse_dispositions(json, strlen(json), &l, &next, &err);
        if (ok) {
            disposition_list_done(&a->dispositions);
            a->dispositions = l;
        } else {
            disposition_list_done(&l);
        }
        break;
    }
    case PICK_TASK: {
        struct task_list l = {0};
        ok = api_parse_tasks(json, strlen(json), &l, &next, &err);
        if (ok) {
            task_list_done(&a->tasks);
            a->tasks = l;
        } else {
            task_list_done(&l);
        }
        break;
    }
    case PICK_USER: {
        struct user_list l = {0};
        ok = api_parse_users(json, strlen(json), &l, &next, &err);
        if (ok) {
            user_list_done(&a->users);
            a->users = l;
        } else {
            user_list_done(&l);
        }
        break;
    }
    default:
        break;
    }
    free(next);
    free(err);
    return ok;
}

bool cache_load(struct app *a, enum pick_kind k)
{
    const char *user = cache_user(a, k);
    char *json = NULL, *err = NULL;
    long long at = 0;
    bool ok = false;

    if (!a->store || !user || k >= PICK_KIND_COUNT || list_len(a, k) > 0)
        return false;
    if (store_lists_load(a->store, a->api_base_key, user, kind_names[k], &json, &at, &err) == 1 &&
        take(a, k, json)) {
        a->list_cached_at[k] = at;
        a->list_gen[k]++;
        ok = true;
    }
    free(json);
    free(err);
    return ok;
}

char *app_list_age(const struct app *a, enum pick_kind k)
{
    long long ago;

    if (k >= PICK_KIND_COUNT || !a->list_cached_at[k])
        return NULL;
    ago = (store_now_ms() - a->list_cached_at[k]) / 1000;
    if (ago < 0)
        ago = 0;
    if (ago < 90)
        return xstrdup("from just now");
    if (ago < 90 * 60)
        return xasprintf("from %lld min ago", (ago + 30) / 60);
    if (ago < 36 * 3600)
        return xasprintf("from %lld h ago", (ago + 1800) / 3600);
    return xasprintf("from %lld days ago", (ago + 43200) / 86400);
}
