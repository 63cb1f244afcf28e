/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TEST_FORM_CHECK_H
#define AMPLECALL_TEST_FORM_CHECK_H
/* Screen assertions shared by the form's pty tests: every wait is bounded by WAIT_MS and a
 * failed check dumps the screen (never raw bytes, argv or environment). cmocka asserts. */
#include <stdbool.h>

#include "pty.h"

#define WAIT_MS 5000
#define LABEL_COL 18 /* first column of a field's value */
#define ROW_OF(n) (2 + (n)) /* screen row of field n when nothing is marked */

/* The form's fields, top to bottom (their order on the screen). */
enum {
    F_FROM,
    F_TO,
    F_DURATION,
    F_ANSWERED,
    F_HUMAN,
    F_DISPOSITION,
    F_TASK,
    F_USER,
    F_TRANSCRIPTION,
    F_RECORDING
};

long long now_ms(void);
/* owned (term_env_free): the environment of a form run against the fake API at base_url:
 * its key and user, nothing from the developer's own environment (XDG dirs, editors,
 * profile, timeout), then own and more (either may be NULL; a later entry wins). */
char **form_env(const char *base_url, const char *const *own, const char *const *more);
/* owned: $AMPLECALL_TEST_BUILDDIR/src/amplecall */
char *amplecall_path(void);
/* Fail the test (after dumping the screen) unless ok. */
void check(struct term *t, bool ok, const char *what);
void see_text_within(struct term *t, const char *text, int ms);
void see_text(struct term *t, const char *text);
void see_gone(struct term *t, const char *text);
/* Wait until text shows, possibly wrapped over lines: the screen's rows are joined with one
 * space each (leading and trailing blanks dropped), as a message wrapped at word boundaries
 * reads. */
void see_wrapped(struct term *t, const char *text);
void see_regex(struct term *t, const char *re);
void see_cursor(struct term *t, int row, int col);
/* The program exited with status want and reported no sanitizer finding on its way out. */
void see_exit(struct term *t, int want);
/* owned: the value shown in field row `row` (from the value column, trimmed) */
char *value_at(struct term *t, int row);
/* Wait until field row `row` shows exactly want. */
void see_value(struct term *t, int row, const char *want);
/* The form is painted and the three lists (dispositions, tasks, users) have arrived. */
void see_form_ready(struct term *t);
void key(struct term *t, const char *names);
void type(struct term *t, const char *text);

#endif
