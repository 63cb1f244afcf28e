/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fault queue of the fake API: what to do instead of (or on top of) a normal answer, matched
 * per request by path prefix and method, used up after `times` requests. Owns no network I/O;
 * fakeapi.c applies the fault it takes. */
#include "config.h"
#include "fake.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/util.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct fake_fault **queue; /* guarded by lock */
static size_t queue_len;

struct fake_fault *fake_fault_new(void)
{
    struct fake_fault *f = xcalloc(1, sizeof(*f));

    f->retry_after = -1;
    f->times = -1;
    return f;
}

void fake_fault_free(struct fake_fault *f)
{
    if (!f)
        return;
    free(f->body);
    free(f->content_type);
    free(f->path);
    free(f->method);
    free(f->label);
    free(f->list_key);
    free(f->loose_email);
    free(f);
}

static void label_add(char **label, const char *part)
{
    char *next = *label ? xasprintf("%s,%s", *label, part) : xstrdup(part);

    free(*label);
    *label = next;
}

static void label_add_int(char **label, const char *name, long v)
{
    char part[64];

    snprintf(part, sizeof(part), "%s=%ld", name, v);
    label_add(label, part);
}

void fake_fault_relabel(struct fake_fault *f)
{
    free(f->label);
    f->label = NULL;
    if (f->delay_ms)
        label_add_int(&f->label, "delay_ms", f->delay_ms);
    if (f->status)
        label_add_int(&f->label, "status", f->status);
    if (f->retry_after >= 0)
        label_add_int(&f->label, "retry_after", f->retry_after);
    if (f->is_drop)
        label_add(&f->label, "drop");
    if (f->is_accept_then_drop)
        label_add(&f->label, "accept_then_drop");
    if (f->body)
        label_add(&f->label, "body");
    if (f->is_truncated)
        label_add(&f->label, "truncated");
    if (f->is_reset_mid_body)
        label_add(&f->label, "reset_mid_body");
    if (f->is_garbage)
        label_add(&f->label, "garbage");
    if (f->oversize_mib)
        label_add_int(&f->label, "oversize_mib", f->oversize_mib);
    if (f->is_next_loop)
        label_add(&f->label, "next_loop");
    if (f->store_then_status)
        label_add_int(&f->label, "store_then_status", f->store_then_status);
    if (f->commit_delay_ms)
        label_add_int(&f->label, "commit_delay_ms", f->commit_delay_ms);
    if (f->has_date_skew)
        label_add_int(&f->label, "date_skew_s", f->date_skew_s);
    if (f->is_start_at_call_start)
        label_add(&f->label, "start_date_at_call_start");
    if (f->is_endless_pages)
        label_add(&f->label, "endless_pages");
    if (f->is_echo_key)
        label_add(&f->label, "echo_key");
    if (f->list_key) {
        char *part = xasprintf("list_key=%s", f->list_key);

        label_add(&f->label, part);
        free(part);
    }
    if (f->loose_email) {
        char *part = xasprintf("loose_email=%s", f->loose_email);

        label_add(&f->label, part);
        free(part);
    }
    if (f->is_extra_fields)
        label_add(&f->label, "extra_fields");
    if (f->skip)
        label_add_int(&f->label, "skip", f->skip);
    if (!f->label)
        f->label = xstrdup("none");
}

static struct fake_fault *fault_copy(const struct fake_fault *f)
{
    struct fake_fault *c = xmalloc(sizeof(*c));

    *c = *f;
    c->body = xstrdup(f->body);
    c->content_type = xstrdup(f->content_type);
    c->path = xstrdup(f->path);
    c->method = xstrdup(f->method);
    c->label = xstrdup(f->label);
    c->list_key = xstrdup(f->list_key);
    c->loose_email = xstrdup(f->loose_email);
    return c;
}

static bool get_int(json_object *o, const char *key, long min, long max, long *out, char **err)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < min ||
        json_object_get_int64(v) > max) {
        *err = xasprintf("fault field \"%s\" must be an integer in %ld..%ld", key, min, max);
        return false;
    }
    *out = (long)json_object_get_int64(v);
    return true;
}

static bool get_bool(json_object *o, const char *key, bool *out, char **err)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_boolean)) {
        *err = xasprintf("fault field \"%s\" must be a boolean", key);
        return false;
    }
    *out = json_object_get_boolean(v);
    return true;
}

static bool get_str(json_object *o, const char *key, char **out, char **err)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v))
        return true;
    if (!json_object_is_type(v, json_type_string)) {
        *err = xasprintf("fault field \"%s\" must be a string", key);
        return false;
    }
    str_set(out, json_object_get_string(v));
    return true;
}

static const char *const known_keys[] = {
    "status",    "retry_after",    "delay_ms", "drop",         "accept_then_drop",
    "truncated", "reset_mid_body", "garbage",  "oversize_mib", "next_loop",
    "body",      "content_type",   "path",     "method",       "times",
    "store_then_status", "store_then_drop", "commit_delay_ms", "date_skew_s",
    "start_date_at_call_start", "endless_pages", "list_key", "loose_email", "extra_fields",
    "skip", "echo_key",
};

static struct fake_fault *fault_parse(json_object *o, char **err)
{
    struct fake_fault *f = fake_fault_new();
    long status = 0, retry = -1, delay = 0, mib = 0, times = -1, sts = 0, commit = 0;
    long skew = 0;
    bool ok, is_store_drop = false;
    json_object *v;

    if (!json_object_is_type(o, json_type_object)) {
        *err = xstrdup("a fault must be a JSON object");
        goto fail;
    }
    json_object_object_foreach(o, key, val)
    {
        size_t i;

        (void)val;
        for (i = 0; i < ARRAY_LEN(known_keys); i++)
            if (!strcmp(key, known_keys[i]))
                break;
        if (i == ARRAY_LEN(known_keys)) {
            *err = xasprintf("unknown fault field \"%s\"", key);
            goto fail;
        }
    }
    ok = get_int(o, "status", 100, 599, &status, err) &&
         get_int(o, "retry_after", 0, 86400, &retry, err) &&
         get_int(o, "delay_ms", 0, 600000, &delay, err) &&
         get_int(o, "oversize_mib", 0, 1024, &mib, err) &&
         get_int(o, "times", 0, 1000000000, &times, err) && get_bool(o, "drop", &f->is_drop, err) &&
         get_bool(o, "accept_then_drop", &f->is_accept_then_drop, err) &&
         get_bool(o, "truncated", &f->is_truncated, err) &&
         get_bool(o, "reset_mid_body", &f->is_reset_mid_body, err) &&
         get_bool(o, "garbage", &f->is_garbage, err) &&
         get_bool(o, "next_loop", &f->is_next_loop, err) && get_str(o, "body", &f->body, err) &&
         get_str(o, "content_type", &f->content_type, err) && get_str(o, "path", &f->path, err) &&
         get_str(o, "method", &f->method, err) &&
         get_int(o, "store_then_status", 100, 999, &sts, err) &&
         get_bool(o, "store_then_drop", &is_store_drop, err) &&
         get_int(o, "commit_delay_ms", 0, 600000, &commit, err) &&
         get_int(o, "date_skew_s", -100000000, 100000000, &skew, err) &&
         get_bool(o, "start_date_at_call_start", &f->is_start_at_call_start, err) &&
         get_bool(o, "endless_pages", &f->is_endless_pages, err) &&
         get_str(o, "list_key", &f->list_key, err) &&
         get_str(o, "loose_email", &f->loose_email, err) &&
         get_bool(o, "extra_fields", &f->is_extra_fields, err) &&
         get_bool(o, "echo_key", &f->is_echo_key, err) &&
         get_int(o, "skip", 0, 1000000000, &f->skip, err);
    if (!ok)
        goto fail;
    if (f->loose_email && strcmp(f->loose_email, "all") && strcmp(f->loose_email, "other")) {
        *err = xstrdup("fault field \"loose_email\" must be \"all\" or \"other\"");
        goto fail;
    }
    if (f->list_key && !*f->list_key) {
        *err = xstrdup("fault field \"list_key\" must not be empty");
        goto fail;
    }
    /* store_then_drop is accept_then_drop under the name the campaign uses */
    f->is_accept_then_drop = f->is_accept_then_drop || is_store_drop;
    f->store_then_status = (int)sts;
    f->commit_delay_ms = (int)commit;
    f->has_date_skew = json_object_object_get_ex(o, "date_skew_s", &v);
    f->date_skew_s = skew;
    f->status = (int)status;
    f->retry_after = (int)retry;
    f->delay_ms = (int)delay;
    f->oversize_mib = (int)mib;
    f->times = times;
    fake_fault_relabel(f);
    return f;
fail:
    fake_fault_free(f);
    return NULL;
}

static void queue_clear_locked(void)
{
    for (size_t i = 0; i < queue_len; i++)
        fake_fault_free(queue[i]);
    free(queue);
    queue = NULL;
    queue_len = 0;
}

void fake_faults_add(struct fake_fault *f)
{
    pthread_mutex_lock(&lock);
    queue = xrealloc(queue, (queue_len + 1) * sizeof(*queue));
    queue[queue_len++] = f;
    pthread_mutex_unlock(&lock);
}

bool fake_faults_set(const char *json, char **err)
{
    json_object *root = json_tokener_parse(json ? json : "");
    struct fake_fault **parsed = NULL;
    size_t n = 0, i;

    *err = NULL;
    if (!root) {
        *err = xstrdup("faults body is not JSON");
        return false;
    }
    if (json_object_is_type(root, json_type_array)) {
        n = json_object_array_length(root);
        parsed = xcalloc(n, sizeof(*parsed));
        for (i = 0; i < n; i++) {
            parsed[i] = fault_parse(json_object_array_get_idx(root, i), err);
            if (!parsed[i])
                break;
        }
    } else {
        n = 1;
        parsed = xcalloc(1, sizeof(*parsed));
        parsed[0] = fault_parse(root, err);
        i = parsed[0] ? 1 : 0;
    }
    json_object_put(root);
    if (i < n) {
        for (size_t j = 0; j < i; j++)
            fake_fault_free(parsed[j]);
        free(parsed);
        return false;
    }
    pthread_mutex_lock(&lock);
    queue_clear_locked();
    queue = parsed;
    queue_len = n;
    pthread_mutex_unlock(&lock);
    return true;
}

void fake_faults_clear(void)
{
    pthread_mutex_lock(&lock);
    queue_clear_locked();
    pthread_mutex_unlock(&lock);
}

bool fake_fault_is_clock_only(const struct fake_fault *f)
{
    return (f->has_date_skew || f->is_start_at_call_start) && !f->status && !f->delay_ms &&
           !f->oversize_mib && !f->is_drop && !f->is_accept_then_drop && !f->is_truncated &&
           !f->is_reset_mid_body && !f->is_garbage && !f->is_next_loop && !f->body &&
           !f->is_endless_pages && !f->list_key && !f->store_then_status && !f->loose_email &&
           !f->is_extra_fields && !f->is_echo_key &&
           !f->commit_delay_ms && f->retry_after < 0;
}

void fake_faults_clock(const char *method, const char *path, struct fake_clock *out)
{
    bool has_skew = false, has_start = false;

    out->skew_s = 0;
    out->is_start_at_call_start = false;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < queue_len; i++) {
        const struct fake_fault *f = queue[i];

        if (f->times == 0 || (f->path && strncmp(path, f->path, strlen(f->path)) != 0) ||
            (f->method && strcasecmp(method, f->method) != 0))
            continue;
        if (f->has_date_skew && !has_skew) {
            out->skew_s = f->date_skew_s;
            has_skew = true;
        }
        if (f->is_start_at_call_start && !has_start)
            out->is_start_at_call_start = has_start = true;
    }
    pthread_mutex_unlock(&lock);
}

struct fake_fault *fake_faults_take(const char *method, const char *path)
{
    struct fake_fault *hit = NULL;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < queue_len; i++) {
        struct fake_fault *f = queue[i];

        if (f->path && strncmp(path, f->path, strlen(f->path)) != 0)
            continue;
        if (f->method && strcasecmp(method, f->method) != 0)
            continue;
        if (f->times == 0 || fake_fault_is_clock_only(f))
            continue;
        if (f->skip > 0) {
            f->skip--; /* this request passes; a later one gets the fault */
            continue;
        }
        hit = fault_copy(f);
        if (f->times > 0 && --f->times == 0) {
            fake_fault_free(f);
            memmove(&queue[i], &queue[i + 1], (queue_len - i - 1) * sizeof(*queue));
            queue_len--;
        }
        break;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}
