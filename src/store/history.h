/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_HISTORY_H
#define AMPLECALL_HISTORY_H
/* Store layer: presentation of stored calls for `amplecall history` and `amplecall outbox`: the
 * outbox table and one call's details for a terminal (every stored string sanitised; the
 * history table is app/calltable.c) and JSON documents for scripts. No curses. */
#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "store/store.h"

/* Local time "YYYY-MM-DD HH:MM:SS" of a Unix ms time, "-" for 0; owned. */
char *history_local_time(long long ms);
/* ISO 8601 UTC of a Unix ms time; owned. */
char *history_iso_time(long long ms);

/* One stored call as a JSON object (owned tree). The API's response is embedded as JSON
 * when it parses, else as a string; with_response false leaves it out. */
json_object *history_row_json(const struct store_row *r, bool with_response);
/* Print rows as one JSON array to out. */
void history_print_json(FILE *out, const struct store_rows *rows);
/* "damaged" for a quarantined row, else the state's name; borrowed. */
const char *history_state_label(const struct store_row *r);

/* Outbox table: id, created, to, state, attempts, next attempt, last error. */
void history_print_outbox(FILE *out, const struct store_rows *rows);
/* Every stored detail of one call, with the API's response pretty-printed. */
void history_print_details(FILE *out, const struct store_row *r);

#endif
