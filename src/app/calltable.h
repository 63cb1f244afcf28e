/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CALLTABLE_H
#define AMPLECALL_CALLTABLE_H
/* App layer: the table of stored calls that `amplecall history` prints and the form's
 * history (F3) draws: one printer for both. Each row says the whole number, the contact and
 * the disposition by name (never a UUID) and the part of the call id that tells it from the
 * others; every other cut ends in "…". Cells are sanitised text in the terminal's charset
 * (core/charset.h), so their widths are what the terminal shows. */
#include <stdbool.h>
#include <stddef.h>

#include "net/api.h"
#include "store/store.h"

enum calltable_col { CT_ID, CT_TIME, CT_TO, CT_CONTACT, CT_DISPOSITION, CT_STATE, CT_CALL,
                     CT_COLS };

struct calltable {
    char *(*cells)[CT_COLS]; /* owned: n rows of owned cells */
    size_t n;
    int width[CT_COLS]; /* set by calltable_layout */
};

/* Rows for rows->v (newest first). Names come from the API's answer of a sent call, else
 * from dispositions and tasks (either may be NULL: a list kept in the store, or the form's
 * loaded one). is_short_time: "MM-DD HH:MM" instead of the full local time. */
void calltable_build(struct calltable *t, const struct store_rows *rows,
                     const struct disposition_list *dispositions, const struct task_list *tasks,
                     bool is_short_time);
/* The same for the CLI: the names come from the newest lists kept in the store s. */
void calltable_build_from_store(struct calltable *t, struct store *s,
                                const struct store_rows *rows);
/* Column widths for a line of at most cols columns: ID, time, number, state and the call
 * id's distinguishing part whole; contact and disposition share the rest. */
void calltable_layout(struct calltable *t, int cols);
/* The header line / row i, cut and padded to the layout; owned. */
char *calltable_header(const struct calltable *t);
char *calltable_line(const struct calltable *t, size_t i);
void calltable_done(struct calltable *t);
/* The distinguishing tail of each id among ids (n of them, NULL entries skipped): the
 * shortest suffix of at least min_len characters that no two ids share. */
size_t calltable_suffix_len(const char *const *ids, size_t n, size_t min_len);

#endif
