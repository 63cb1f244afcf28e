/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_APP_IMPL_H
#define AMPLECALL_APP_IMPL_H
/* App layer, internal: what the controller's files (app.c, lists.c, drafts.c, submit.c)
 * call in each other. Nothing outside src/app includes it. */
#include "app/app.h"
#include "store/outbox.h"

/* app.c: messages, focus, questions, screens */
void app_dirty(struct app *a);
void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void app_clear_message(struct app *a);
void app_note_outcome(struct app *a, const struct api_result *res);
void app_focus(struct app *a, enum field_id f);
void app_set_value(struct app *a, enum field_id f, const char *value);
void app_close_overlay(struct app *a);
void app_ask_with(struct app *a, enum ask_kind k, const char *text);
void app_ask(struct app *a, enum ask_kind k);
void app_fresh_form(struct app *a);
void app_quit_now(struct app *a, int code);
void app_toggle_timer(struct app *a);
/* The history screen's rows are read again (after an outcome), when it is open. */
void app_reload_history(struct app *a);

/* lists.c: the dispositions, tasks and users, their loads and their display texts */
void lists_describe_disposition(struct app *a, const char *id, bool is_choice);
void lists_describe_task(struct app *a, const char *id, bool is_choice);
void lists_describe_user(struct app *a, const char *id);
void lists_start_all(struct app *a);
void lists_start_tasks(struct app *a, bool is_forced);
void lists_retry(struct app *a, enum pick_kind kind);
void lists_choose(struct app *a, enum pick_kind kind, const char *id);
void lists_cancel_all(struct app *a);
/* The connection came back: every list whose load failed loads again. */
void lists_retry_failed(struct app *a);
/* A completed task leaves the task list at once (the reload confirms it). */
void lists_drop_task(struct app *a, const char *task_id);
enum pick_kind lists_kind_of(enum field_id f);

/* cache.c: the lists kept in the store for working offline */
void cache_save(struct app *a, enum pick_kind k);
/* Show the kept list of kind k while it is empty; true when there was one. */
bool cache_load(struct app *a, enum pick_kind k);

/* drafts.c: the form's draft slot in the store */
bool drafts_is_form_stored(const struct app *a);
void drafts_set_stored(struct app *a, long long id);
void drafts_next_slot(struct app *a);
void drafts_session_init(struct app *a);
void drafts_save_now(struct app *a);
void drafts_changed(struct app *a);
void drafts_discard(struct app *a);
void drafts_apply_call(struct app *a, const struct call *c);
void drafts_offer(struct app *a);
void drafts_answer_resume(struct app *a, char choice);

/* submit.c: sending the form's call and what came of it */
void submit_call(struct app *a);
void submit_send(struct app *a);
void submit_clear_logged(struct app *a);
void submit_refuse_logged(struct app *a);
void submit_reopen(struct app *a, long long id);
void submit_reopen_now(struct app *a, long long id);
void submit_on_outbox_event(long long id, enum outbox_status st, struct api_result *res,
                            struct call_record *rec, void *ud);

#endif
