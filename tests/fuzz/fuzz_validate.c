/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the validators and the request body builder. The input is split at NUL bytes into the
 * fields of a call (from, to, duration, ...). Properties: validate_call agrees with
 * validate_field; a call that passes validation always serialises, and its JSON has exactly
 * the schema's types (strings, an integer duration >= 0, real booleans, no nulls, no
 * unknown keys, optional fields omitted when empty), with the transcription sent verbatim. */
#include "config.h"
#include "fuzz.h"

#include <string.h>
#include <json-c/json.h>

#include "core/call.h"
#include "core/util.h"
#include "core/validate.h"

static void check_body(const struct call *c, const char *json)
{
    json_object *o = json_tokener_parse(json);
    int seen = 0;

    FUZZ_CHECK(o != NULL && json_object_is_type(o, json_type_object));
    json_object_object_foreach(o, key, val)
    {
        enum field_id f = field_from_json_name(key);
        char *trimmed;

        FUZZ_CHECK(f != FIELD_NONE);
        FUZZ_CHECK(!str_blank(c->text[f]));
        seen++;
        if (f == FIELD_DURATION) {
            long long want;
            trimmed = str_trim(c->text[f]);
            FUZZ_CHECK(json_object_is_type(val, json_type_int));
            FUZZ_CHECK(str_to_nonneg(trimmed, 10LL * 365 * 24 * 3600, &want));
            FUZZ_CHECK(json_object_get_int64(val) == want);
            free(trimmed);
        } else if (field_is_bool(f)) {
            FUZZ_CHECK(json_object_is_type(val, json_type_boolean));
            FUZZ_CHECK(json_object_get_boolean(val) == call_parse_bool(c->text[f]));
        } else {
            FUZZ_CHECK(json_object_is_type(val, json_type_string));
            if (f == FIELD_TRANSCRIPTION) {
                FUZZ_CHECK(strcmp(json_object_get_string(val), c->text[f]) == 0);
            } else {
                trimmed = str_trim(c->text[f]);
                FUZZ_CHECK(*trimmed); /* never an empty string for an id, number or URL */
                FUZZ_CHECK(strcmp(json_object_get_string(val), trimmed) == 0);
                free(trimmed);
            }
        }
    }
    /* a field is sent exactly when it holds more than white space */
    for (int f = 0; f < FIELD_COUNT; f++) {
        char *t = str_trim(c->text[f]);
        FUZZ_CHECK(json_object_object_get_ex(o, field_json_name((enum field_id)f), NULL) ==
                   (*t != '\0'));
        free(t);
    }
    FUZZ_CHECK(seen > 0);
    json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct call c;
    struct field_errors errs;
    const char *p = (const char *)data, *end = p + size;
    size_t n_bad = 0;
    int reached = 0;
    char *json;

    call_init(&c);
    field_errors_init(&errs);
    for (int f = 0; f < FIELD_COUNT && p < end; f++, reached++) {
        size_t len = strnlen(p, (size_t)(end - p));
        char *v = xstrndup(p, len);
        char *msg;

        call_set(&c, (enum field_id)f, v);
        msg = validate_field((enum field_id)f, c.text[f]);
        if (msg) {
            FUZZ_CHECK(*msg);
            n_bad++;
        }
        free(msg);
        free(v);
        p += len + 1;
    }
    /* fields the input did not reach are empty: count the required ones */
    for (int f = reached; f < FIELD_COUNT; f++) {
        if (field_is_required((enum field_id)f)) {
            char *msg = validate_field((enum field_id)f, NULL);
            FUZZ_CHECK(msg != NULL);
            free(msg);
            n_bad++;
        }
    }
    FUZZ_CHECK(validate_call(&c, &errs) == n_bad);
    FUZZ_CHECK(errs.n == n_bad);
    for (size_t i = 0; i < errs.n; i++)
        FUZZ_CHECK(errs.v[i].field >= 0 && errs.v[i].field < FIELD_COUNT && errs.v[i].message);

    json = call_to_json(&c);
    if (n_bad == 0) {
        FUZZ_CHECK(json != NULL);
        check_body(&c, json);
    }
    free(json);
    field_errors_done(&errs);
    call_done(&c);
    return 0;
}
