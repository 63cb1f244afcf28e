/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: strict JSON parsing helpers: a depth cap, no trailing garbage, typed look-ups. */
#include "config.h"
#include "core/jsonx.h"

#include <limits.h>

json_object *jsonx_parse(const char *json, size_t len)
{
    json_tokener *tok;
    json_object *o;
    size_t end;

    if (!json || len > INT_MAX)
        return NULL;
    tok = json_tokener_new_ex(64);
    if (!tok)
        return NULL;
    o = json_tokener_parse_ex(tok, json, (int)len);
    if (o && json_tokener_get_error(tok) == json_tokener_success) {
        end = json_tokener_get_parse_end(tok);
        while (end < len && (json[end] == ' ' || json[end] == '\n' || json[end] == '\r' ||
                             json[end] == '\t'))
            end++;
        if (end < len) {
            json_object_put(o);
            o = NULL;
        }
    } else if (o) {
        json_object_put(o);
        o = NULL;
    }
    /* A bare number or literal is complete only at end of input: ask json-c to finish. */
    if (!o && json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, "", 1);
    json_tokener_free(tok);
    return o;
}

const char *jsonx_str(json_object *o, const char *key)
{
    json_object *v = jsonx_get(o, key, json_type_string);
    return v ? json_object_get_string(v) : NULL;
}

json_object *jsonx_get(json_object *o, const char *key, enum json_type type)
{
    json_object *v;

    if (!o || !json_object_is_type(o, json_type_object) ||
        !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}
