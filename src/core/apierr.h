/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_APIERR_H
#define AMPLECALL_APIERR_H
/* Core layer: the API's error envelope
 * {"_errors":[{code,title,detail,source:{pointer|parameter|header}}]}
 * parsed into a list the UI can map to fields. Pure: no curl, no curses. */
#include <stdbool.h>
#include <stddef.h>
#include "core/call.h"

struct api_error {
    char *code;      /* owned, may be NULL */
    char *title;     /* owned, may be NULL */
    char *detail;    /* owned, may be NULL */
    char *pointer;   /* owned raw RFC 6901 pointer, may be NULL */
    char *parameter; /* owned, may be NULL */
    char *header;    /* owned, may be NULL */
    enum field_id field; /* field named by pointer, FIELD_NONE if none/unknown */
};

struct api_errors {
    struct api_error *v; /* owned */
    size_t n;
};

void api_errors_init(struct api_errors *e);
void api_errors_done(struct api_errors *e);

/* Parse an error body. Returns true when it held an "_errors" array (possibly empty);
 * false for non-JSON or other JSON (out stays empty). Items that are not objects are
 * skipped; wrong-typed members are ignored. At most 100 items are kept. */
bool apierr_parse(const char *body, size_t len, struct api_errors *out);

/* Decode the reference tokens of a JSON pointer ("/a~1b/c~0" -> {"a/b","c~"}).
 * Returns the number of tokens stored in toks (each owned), or -1 if ptr is not a
 * valid pointer (must be "" or start with '/', and '~' only before '0' or '1'). */
int json_pointer_parse(const char *ptr, char ***toks);
void json_pointer_free(char **toks, int n);
/* The call field a pointer names ("/task_id" -> FIELD_TASK), FIELD_NONE otherwise. */
enum field_id apierr_pointer_field(const char *ptr);

/* One readable line for an error: "detail" or "title" or "code"; owned. */
char *apierr_message(const struct api_error *e);

#endif
