/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FORM_H
#define AMPLECALL_FORM_H
/* App layer: the form model: the call being entered, which field has focus, what the pickers chose
 * (as display text), and the error marks from validation or from the API. Pure: no curses, no
 * curl, no readline, so it is tested directly. */
#include <stdbool.h>
#include <stddef.h>

#include "core/apierr.h"
#include "core/call.h"
#include "core/validate.h"

enum form_kind {
    FORM_KIND_TEXT, /* edited with readline */
    FORM_KIND_BOOL, /* toggled */
    FORM_KIND_PICK, /* chosen from a picker; the value is the chosen id */
};

struct form;
/* Runs after a value changed (typing, toggle, pick, new call); the hook for drafts. */
typedef void (*form_change_fn)(struct form *f, enum field_id field, void *ud);

struct form {
    struct call call;           /* values as text */
    char *display[FIELD_COUNT]; /* owned sanitised text shown for a picked id; NULL = the id */
    char *note[FIELD_COUNT];    /* owned sanitised note shown under the field, or NULL */
    char *error[FIELD_COUNT];   /* owned sanitised message(s), '\n'-separated; NULL = no mark */
    char **general;             /* owned sanitised errors that name no known field */
    size_t n_general;
    enum field_id focus;
    bool is_modified;         /* edited since the form was fresh or last accepted */
    form_change_fn on_change; /* may be NULL */
    void *change_ud;          /* borrowed */
};

enum form_kind form_kind(enum field_id f);

void form_init(struct form *f);
void form_done(struct form *f);
void form_set_change_hook(struct form *f, form_change_fn fn, void *ud);

/* borrowed; "" when unset */
const char *form_value(const struct form *f, enum field_id field);
/* Set a value as typed. A change clears that field's error mark, its picked display text and
 * note, marks the form modified and runs the change hook. Returns whether it changed. */
bool form_set(struct form *f, enum field_id field, const char *value);
/* Set a picked id with its display text and note (both sanitised here; may be NULL). */
void form_set_choice(struct form *f, enum field_id field, const char *id, const char *display,
                     const char *note);
/* Update only the display text/note of a field whose value is id (e.g. when the users list
 * arrives after AMPLECALL_USER gave the id); nothing happens when the value differs. */
void form_describe(struct form *f, enum field_id field, const char *id, const char *display,
                   const char *note);
/* Booleans: unset -> yes -> no -> yes ... */
void form_toggle(struct form *f, enum field_id field);
/* 1 yes, 0 no, -1 unset or not a boolean */
int form_bool(const struct form *f, enum field_id field);

void form_focus_next(struct form *f);
void form_focus_prev(struct form *f);
void form_focus(struct form *f, enum field_id field);

/* Remove every error mark and general error. */
void form_clear_errors(struct form *f);
/* Mark fields from client validation (replacing all marks). Returns the first marked field
 * in form order, FIELD_NONE when errs is empty. */
enum field_id form_mark_validation(struct form *f, const struct field_errors *errs);
/* Mark fields from an API rejection (replacing all marks); details are kept in full and
 * sanitised. Errors without a known pointer go to the general list. Returns the field of the
 * first error (in the API's order) that names a field, FIELD_NONE when none does. */
enum field_id form_mark_api_errors(struct form *f, const struct api_errors *errs);
bool form_has_errors(const struct form *f);
size_t form_error_count(const struct form *f);

/* Whether quitting would lose something the rep typed. */
bool form_has_unsent(const struct form *f);
/* The call was accepted: nothing is unsent any more. */
void form_mark_sent(struct form *f);
/* Start a fresh call: keeps From and User (with their display), clears the rest. */
void form_new_call(struct form *f);

#endif
