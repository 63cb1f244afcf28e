/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_VALIDATE_H
#define AMPLECALL_VALIDATE_H
/* Core layer: client-side checks of a call before any request. Pure: no I/O, no curses, no curl. */
#include <stdbool.h>
#include <stddef.h>
#include "core/call.h"

struct field_error {
    enum field_id field;
    char *message; /* owned; a sentence without the field name, e.g. "is required" */
};

struct field_errors {
    struct field_error *v; /* owned */
    size_t n;
};

void field_errors_init(struct field_errors *e);
void field_errors_done(struct field_errors *e);
void field_errors_add(struct field_errors *e, enum field_id f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Check every field; appends one error per problem field. Returns the number added. */
size_t validate_call(const struct call *c, struct field_errors *out);
/* Check one field's value only; NULL when fine, else an owned message. */
char *validate_field(enum field_id f, const char *value);

/* true when s (len bytes, NULL = empty) is valid UTF-8; else false and, when bad_offset is
 * not NULL, the offset of the first byte that starts no valid sequence */
bool validate_utf8(const char *s, size_t len, size_t *bad_offset);
/* true when every field of c is valid UTF-8 (names are then safe to resolve) */
bool validate_call_is_utf8(const struct call *c);
bool validate_uuid(const char *s);
bool validate_phone(const char *s);
bool validate_https_url(const char *s);

#endif
