/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: the call model and its JSON forms: the POST /calls body (typed per the seed schema),
 * the text form kept in the local store, and the API's call object. json_object trees never
 * outlive the functions here. */
#include "config.h"
#include "core/call.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>

#include "core/jsonx.h"
#include "core/util.h"

static const struct {
    const char *json;
    const char *label;
    bool is_required;
    bool is_bool;
} fields[FIELD_COUNT] = {
    [FIELD_FROM] = {"from", "From", true, false},
    [FIELD_TO] = {"to", "To", true, false},
    [FIELD_DURATION] = {"duration", "Duration", true, false},
    [FIELD_ANSWERED] = {"answered", "Answered", true, true},
    [FIELD_HUMAN] = {"human", "Human", true, true},
    [FIELD_DISPOSITION] = {"disposition_id", "Disposition", false, false},
    [FIELD_TASK] = {"task_id", "Task", true, false},
    [FIELD_USER] = {"user_id", "User", true, false},
    [FIELD_TRANSCRIPTION] = {"transcription", "Transcription", false, false},
    [FIELD_RECORDING_URL] = {"recording_url", "Recording URL", false, false},
};

static bool field_valid(enum field_id f)
{
    return f >= 0 && f < FIELD_COUNT;
}

const char *field_json_name(enum field_id f)
{
    return field_valid(f) ? fields[f].json : "";
}

const char *field_label(enum field_id f)
{
    return field_valid(f) ? fields[f].label : "";
}

enum field_id field_from_json_name(const char *name)
{
    if (!name)
        return FIELD_NONE;
    for (int f = 0; f < FIELD_COUNT; f++)
        if (!strcmp(name, fields[f].json))
            return (enum field_id)f;
    return FIELD_NONE;
}

bool field_is_required(enum field_id f)
{
    return field_valid(f) && fields[f].is_required;
}

bool field_is_bool(enum field_id f)
{
    return field_valid(f) && fields[f].is_bool;
}

void call_init(struct call *c)
{
    memset(c, 0, sizeof(*c));
}

void call_done(struct call *c)
{
    for (int f = 0; f < FIELD_COUNT; f++)
        free(c->text[f]);
    call_init(c);
}

void call_copy(struct call *dst, const struct call *src)
{
    struct call tmp;

    call_init(&tmp);
    for (int f = 0; f < FIELD_COUNT; f++)
        tmp.text[f] = xstrdup(src->text[f]);
    call_done(dst);
    *dst = tmp;
}

void call_set(struct call *c, enum field_id f, const char *value)
{
    if (field_valid(f))
        str_set(&c->text[f], (value && *value) ? value : NULL);
}

const char *call_get(const struct call *c, enum field_id f)
{
    return (field_valid(f) && c->text[f]) ? c->text[f] : "";
}

bool call_is_empty(const struct call *c)
{
    for (int f = 0; f < FIELD_COUNT; f++)
        if (!str_blank(c->text[f]))
            return false;
    return true;
}

int call_parse_bool(const char *s)
{
    static const char *yes[] = {"yes", "y", "true", "1", "on"};
    static const char *no[] = {"no", "n", "false", "0", "off"};
    char *t = str_trim(s);
    int v = -1;

    for (size_t i = 0; i < ARRAY_LEN(yes); i++) {
        if (!strcasecmp(t, yes[i]))
            v = 1;
        if (!strcasecmp(t, no[i]))
            v = 0;
    }
    free(t);
    return v;
}

char *call_to_json(const struct call *c)
{
    json_object *o = json_object_new_object();
    char *out = NULL;

    for (int f = 0; f < FIELD_COUNT; f++) {
        const char *v = c->text[f];
        /* trimmed exactly as validate_field trims, so what it accepts always converts */
        char *t = str_trim(v);
        json_object *val = NULL;

        if (!*t) {
            free(t);
            if (fields[f].is_required)
                goto out; /* never send a null or an empty required field */
            continue;
        }
        if (f == FIELD_DURATION) {
            long long d;
            if (str_to_nonneg(t, 10LL * 365 * 24 * 3600, &d))
                val = json_object_new_int64(d);
        } else if (fields[f].is_bool) {
            int b = call_parse_bool(t);
            if (b >= 0)
                val = json_object_new_boolean(b);
        } else if (f == FIELD_TRANSCRIPTION) {
            val = json_object_new_string(v); /* free text: sent exactly as written */
        } else {
            val = json_object_new_string(t);
        }
        free(t);
        if (!val)
            goto out;
        json_object_object_add(o, fields[f].json, val);
    }
    out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
out:
    json_object_put(o);
    return out;
}

char *call_to_store_json(const struct call *c)
{
    json_object *o = json_object_new_object();
    char *out;

    for (int f = 0; f < FIELD_COUNT; f++)
        if (c->text[f])
            json_object_object_add(o, fields[f].json, json_object_new_string(c->text[f]));
    out = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return out;
}

bool call_from_store_json(struct call *c, const char *json)
{
    json_object *o = json ? json_tokener_parse(json) : NULL;
    bool ok = false;

    call_done(c);
    if (!o || !json_object_is_type(o, json_type_object))
        goto out;
    for (int f = 0; f < FIELD_COUNT; f++) {
        json_object *v;
        if (json_object_object_get_ex(o, fields[f].json, &v) &&
            json_object_is_type(v, json_type_string))
            call_set(c, (enum field_id)f, json_object_get_string(v));
    }
    ok = true;
out:
    json_object_put(o);
    return ok;
}

void call_record_done(struct call_record *r)
{
    if (!r)
        return;
    free(r->id);
    free(r->from);
    free(r->to);
    free(r->start_date);
    free(r->disposition_id);
    free(r->task_id);
    free(r->user_id);
    free(r->transcription);
    free(r->notes);
    free(r->json);
    free(r->recording_url);
    free(r->contact_id);
    free(r->contact_name);
    free(r->contact_email);
    call_record_init(r);
}

/* Optional string member: absent or null leaves *dst NULL; any other type is an error. */
static bool get_opt_string(json_object *o, const char *key, char **dst, char **err)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return true;
    if (!json_object_is_type(v, json_type_string)) {
        if (err)
            *err = xasprintf("\"%s\" should be a string", key);
        return false;
    }
    str_set(dst, json_object_get_string(v));
    return true;
}

static bool get_opt_bool(json_object *o, const char *key, int *dst, char **err)
{
    json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
        return true;
    if (!json_object_is_type(v, json_type_boolean)) {
        if (err)
            *err = xasprintf("\"%s\" should be true or false", key);
        return false;
    }
    *dst = json_object_get_boolean(v);
    return true;
}

void call_record_init(struct call_record *r)
{
    memset(r, 0, sizeof(*r));
    r->duration = -1;
    r->answered = r->human = r->external = -1;
}

bool call_record_from_json(json_object *o, struct call_record *r, char **err)
{
    json_object *v;

    call_record_init(r); /* r is output only: whatever it held is overwritten */
    if (!json_object_is_type(o, json_type_object)) {
        if (err)
            *err = xstrdup("the call is not a JSON object");
        return false;
    }
    if (!get_opt_string(o, "id", &r->id, err) || !get_opt_string(o, "from", &r->from, err) ||
        !get_opt_string(o, "to", &r->to, err) ||
        !get_opt_string(o, "start_date", &r->start_date, err) ||
        !get_opt_string(o, "disposition_id", &r->disposition_id, err) ||
        !get_opt_string(o, "task_id", &r->task_id, err) ||
        !get_opt_string(o, "user_id", &r->user_id, err) ||
        !get_opt_string(o, "transcription", &r->transcription, err) ||
        !get_opt_string(o, "notes", &r->notes, err) ||
        !get_opt_string(o, "recording_url", &r->recording_url, err) ||
        !get_opt_bool(o, "answered", &r->answered, err) ||
        !get_opt_bool(o, "human", &r->human, err) ||
        !get_opt_bool(o, "external", &r->external, err))
        goto fail;
    if (!r->id) {
        if (err)
            *err = xstrdup("the call has no \"id\"");
        goto fail;
    }
    if (json_object_object_get_ex(o, "duration", &v) && !json_object_is_type(v, json_type_null)) {
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
            if (err)
                *err = xstrdup("\"duration\" should be a non-negative integer");
            goto fail;
        }
        r->duration = json_object_get_int64(v);
    }
    if (json_object_object_get_ex(o, "contact", &v) && json_object_is_type(v, json_type_object)) {
        /* the contact is decoration: tolerate odd members rather than reject the call */
        char *ignored = NULL;
        if (!get_opt_string(v, "id", &r->contact_id, &ignored) ||
            !get_opt_string(v, "name", &r->contact_name, &ignored) ||
            !get_opt_string(v, "email", &r->contact_email, &ignored))
            free(ignored);
    }
    return true;
fail:
    {
        char *keep = err ? *err : NULL;
        if (err)
            *err = NULL;
        call_record_done(r);
        if (err)
            *err = keep;
    }
    return false;
}

bool call_record_parse(const char *json, size_t len, struct call_record *out, char **err)
{
    json_object *o = jsonx_parse(json, len);
    bool ok;

    call_record_init(out);
    if (err)
        *err = NULL;
    if (!o) {
        if (err)
            *err = xstrdup("the response is not valid JSON");
        return false;
    }
    ok = call_record_from_json(o, out, err);
    json_object_put(o);
    return ok;
}
