/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_WORKLIST_H
#define AMPLECALL_WORKLIST_H
/* App layer: working the task list: "next task" on the Call logged panel (the next
 * scheduled phone-call task in due order, on a fresh form with From and User kept and To
 * the number this machine last called that contact on), `amplecall --task UUID|NAME`, and
 * the day's counts the status bar shows. */
#include "app/app.h"

/* The earliest-due scheduled phone-call task not worked in this session and not on the
 * form; NULL when none is left. Borrowed from a->tasks. */
const struct task *worklist_next_task(const struct app *a);
/* To of the newest call this machine logged that Amplemarket tied to t's contact; owned,
 * NULL when there is none. */
char *worklist_last_number(struct app *a, const struct task *t);
/* A fresh form on the next task (REQ_NEXT_TASK); says so when none is left. */
void worklist_start_next(struct app *a);
/* Open the form on the task spec names (its id, or its contact's name or email, folded):
 * at once when the list is there, else when it arrives (worklist_apply_pending). */
void worklist_open(struct app *a, const char *spec);
void worklist_apply_pending(struct app *a);
/* Count the calls logged today (local midnight on) into a->today_count, and read when the
 * outbox retries next (a->retry_attempts, a->retry_wall_at). */
void worklist_count_today(struct app *a);
/* Seconds until the outbox's next background retry, -1 when none is counting down. */
long long worklist_retry_in_s(const struct app *a);
/* Local midnight before now_ms (wall clock), in ms. */
long long worklist_midnight_ms(long long now_ms);

#endif
