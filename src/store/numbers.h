/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_NUMBERS_H
#define AMPLECALL_NUMBERS_H
/* Store layer: the From and To numbers this machine used, newest last, in one file in the
 * state directory (`numbers`, 0600). The form's fields and line mode both read and add to
 * it, so a number typed in one is offered in the other. */
#include <stdbool.h>
#include <stddef.h>

#include "core/call.h"

#define NUMBERS_MAX 100 /* entries kept per field */

struct numbers;

/* Load dir/numbers; when it does not exist yet, the older files it replaces (the form's
 * `history`, line mode's `numbers_history`) are read instead and saved in the new one.
 * dir NULL: an in-memory list that is never saved. Never fails: an unreadable file gives
 * an empty list. */
struct numbers *numbers_open(const char *dir);
void numbers_close(struct numbers *n);
/* Add text to field's list (FIELD_FROM or FIELD_TO; others are ignored), moving it to the
 * newest place when it is there already. Blank or multi-line text is ignored. */
void numbers_add(struct numbers *n, enum field_id field, const char *text);
size_t numbers_count(const struct numbers *n, enum field_id field);
/* Entry i of field's list, 0 = oldest; borrowed, NULL past the end. */
const char *numbers_get(const struct numbers *n, enum field_id field, size_t i);
/* Write the file (a temporary file renamed over it); false when it cannot be written. */
bool numbers_save(struct numbers *n);

#endif
