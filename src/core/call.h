/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CALL_H
#define AMPLECALL_CALL_H
/* Core layer: the call model: what a rep entered, as text per field, plus the API's call object.
 * JSON encode (request body per the POST /calls schema) and decode (call object). */
#include <stdbool.h>
#include <stddef.h>

enum field_id {
    FIELD_NONE = -1,
    FIELD_FROM = 0,
    FIELD_TO,
    FIELD_DURATION,
    FIELD_ANSWERED,
    FIELD_HUMAN,
    FIELD_DISPOSITION,
    FIELD_TASK,
    FIELD_USER,
    FIELD_TRANSCRIPTION,
    FIELD_RECORDING_URL,
    FIELD_COUNT
};

/* "from", "to", "duration", "answered", "human", "disposition_id", "task_id", "user_id",
 * "transcription", "recording_url"; borrowed */
const char *field_json_name(enum field_id f);
/* "From", "To", "Duration", ..., "Recording URL"; borrowed */
const char *field_label(enum field_id f);
/* FIELD_NONE when unknown */
enum field_id field_from_json_name(const char *name);
bool field_is_required(enum field_id f);
bool field_is_bool(enum field_id f);

/* A call as entered. Every value is text exactly as typed (owned, NULL = empty).
 * Answered/Human hold "yes"/"no" (parsers also accept true/false, y/n, 1/0). */
struct call {
    char *text[FIELD_COUNT];
};

void call_init(struct call *c);
void call_done(struct call *c);
void call_copy(struct call *dst, const struct call *src);
void call_set(struct call *c, enum field_id f, const char *value);
/* borrowed; "" when unset */
const char *call_get(const struct call *c, enum field_id f);
bool call_is_empty(const struct call *c);

/* yes/no parsing shared by CLI, form and validator: 1 yes, 0 no, -1 not a boolean */
int call_parse_bool(const char *s);

/* Serialise c as the POST /calls body: integer duration, real booleans, optional fields
 * omitted when empty, never null. Returns owned JSON text, or NULL if a field cannot be
 * converted (run validate_call first). */
char *call_to_json(const struct call *c);
/* Serialise every field as text (for drafts/outbox storage); owned. */
char *call_to_store_json(const struct call *c);
/* Inverse of call_to_store_json; false on malformed input (c is left initialised). */
bool call_from_store_json(struct call *c, const char *json);

/* The API's call object (201 body, GET /calls item). Every string owned, NULL if absent. */
struct call_record {
    char *id;
    char *from;
    char *to;
    long long duration; /* -1 if absent */
    int answered;       /* -1 absent, 0, 1 */
    int human;
    int external;
    char *start_date;
    char *disposition_id;
    char *task_id;
    char *user_id;
    char *transcription;
    char *notes;
    char *recording_url;
    char *contact_id;
    char *contact_name;
    char *contact_email;
    char *json; /* owned: the object as the API sent it, when it came from a list; or NULL */
};

/* Empty record (NULL strings, -1 numbers). */
void call_record_init(struct call_record *r);
void call_record_done(struct call_record *r);
/* Parse a call object from JSON text (len bytes) into out, which is overwritten (not freed). Unknown keys ignored, optional keys may be
 * missing or null; a missing "id" or a wrong type is an error. On failure returns false and
 * sets *err (owned) if err != NULL. */
bool call_record_parse(const char *json, size_t len, struct call_record *out, char **err);
/* Same, from an already parsed json-c object (borrowed). */
struct json_object;
bool call_record_from_json(struct json_object *o, struct call_record *r, char **err);

#endif
