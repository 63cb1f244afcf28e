/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TODAY_H
#define AMPLECALL_TODAY_H
/* Store layer: counts for the day's work (the form's status bar: logged today; the outbox
 * and review counts are store_count_outbox and store_count_state), and the newest kept
 * lists for naming what the history shows. */
#include "store/store.h"

/* Calls sent (accepted by Amplemarket) at or after since_ms (wall clock); -1 with *err. */
long store_count_sent_since(struct store *s, long long since_ms, char **err);

/* The outbox's next background retry: the attempts its call has had and when (wall clock
 * ms) it is tried again. 1 found, 0 when no call waits for a retry, -1 with *err (owned). */
int store_next_retry(struct store *s, int *attempts, long long *at, char **err);
/* The newest list of kind ("dispositions", "tasks", "users") kept for any server and user:
 * what names the ids of `amplecall history` without the network. 1 with *json (owned), 0
 * when none is kept, -1 with *err (owned). */
int store_lists_newest(struct store *s, const char *kind, char **json, char **err);

#endif
