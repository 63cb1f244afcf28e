/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_JSONX_H
#define AMPLECALL_JSONX_H
/* Core layer: strict parsing of untrusted JSON text with json-c, and typed member access. */
#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

/* Parse exactly one JSON value from json[0..len) (trailing whitespace allowed), nesting at most
 * 64 deep. Returns an owned tree (json_object_put it) or NULL. */
json_object *jsonx_parse(const char *json, size_t len);
/* Borrowed string member, NULL if absent, null or not a string. */
const char *jsonx_str(json_object *o, const char *key);
/* Borrowed member of the given type, NULL otherwise. */
json_object *jsonx_get(json_object *o, const char *key, enum json_type type);

#endif
