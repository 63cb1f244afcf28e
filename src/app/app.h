#ifndef AMPLECALL_TUI_APP_H
#define AMPLECALL_TUI_APP_H
/* State of the running form shared by cmd_form.c and the view_*.c files: the model, the
 * background loads, the submit, the open overlay and what must be repainted. Internal to the
 * TUI; nothing outside src/view_*.c and src/cmd_form.c includes it. */
#include <stdbool.h>
#include <stddef.h>

#include "net/api.h"
#include "core/clock.h"
#include "app/form.h"
#include "tui/loop.h"
#include "conf/settings.h"

struct picker;
struct store;
struct outbox;
struct history_view;

enum load_state { LOAD_IDLE = 0, LOAD_RUNNING, LOAD_DONE, LOAD_FAILED };

/* One background list load. */
struct load_ctx;

struct load {
    enum load_state state;
    struct api_op *op; /* borrowed; the api frees it after the callback */
    struct load_ctx *ctx; /* owned while op is in flight: a cancelled op runs no callback */
    char *error;       /* owned sanitised message after a failure */
    unsigned gen;      /* bumped on every start, so late callbacks of old loads are ignored */
};

enum pick_kind { PICK_DISPOSITION = 0, PICK_TASK, PICK_USER, PICK_KIND_COUNT };

enum app_view { VIEW_FORM = 0, VIEW_PICKER, VIEW_RESULT, VIEW_HELP, VIEW_HISTORY };

/* A question in the message area; the answer runs an action. ASK_RESUME takes r/d/Esc, the
 * others y/n. */
enum ask_kind {
    ASK_NONE = 0,
    ASK_QUIT,          /* quit and discard the unsent call */
    ASK_TIMER_REPLACE, /* start the timer over a typed Duration */
    ASK_RESEND,        /* without a store: resend after an unknown outcome */
    ASK_RESUME,        /* resume / discard / keep for later an abandoned draft */
    ASK_NEW_CALL,      /* discard the unsent call for a fresh form */
    ASK_SEND_ANOTHER,  /* the stored version may be logged already: log these values too? */
    ASK_REOPEN,        /* replace the unsent call with a rejected one from the history */
    ASK_LOG_AGAIN,     /* log the logged call again as a new one; only y says yes */
};

enum msg_kind { MSG_INFO = 0, MSG_OK, MSG_WARN, MSG_ERROR };

enum conn_state { CONN_UNKNOWN = 0, CONN_ONLINE, CONN_OFFLINE, CONN_AUTH_FAILED };

struct app {
    struct settings settings;
    struct api *api;
    const char *host; /* borrowed: host_label until connected, then the http client's */
    char *host_label; /* owned: the base URL's host, shown before libcurl is loaded */
    struct form form;
    struct clock clock;

    struct disposition_list dispositions;
    struct task_list tasks;
    struct user_list users;
    struct load loads[PICK_KIND_COUNT];
    char *tasks_user;    /* owned: the user id the task list belongs to */
    struct load resolve; /* AMPLECALL_USER given as an email, looked up once */

    enum app_view view;
    struct picker *picker; /* owned while VIEW_PICKER */
    enum ask_kind ask;
    char *ask_text;   /* owned question for the asks whose text varies, NULL = fixed text */
    long long ask_id; /* the stored call a question is about */
    char *message;    /* owned status-area message, NULL = none */
    enum msg_kind msg_kind;
    bool is_msg_on_marks; /* the message explains error marks: it goes when they are fixed */
    enum conn_state conn;

    bool is_sending;
    struct api_op *submit_op;  /* borrowed while sending without a store */
    bool is_outcome_unknown;   /* the last attempt may have been logged */
    bool is_result_found;      /* the result was found by a lookup, not created by our POST */
    long long retry_at_ms;     /* 429: no resend before this (monotonic), 0 = none */
    long long shown_retry_s;   /* last countdown value drawn */
    struct call_record result; /* the accepted call (VIEW_RESULT) */
    char *result_disposition;  /* owned display name of its disposition */
    bool is_logged;            /* the form holds a call Amplemarket has: read-only until the
                                  next call, so no reflex edits or sends it again */
    char *logged_id;           /* owned sanitised remote id of that call, NULL = not known */
    char *logged_hint;         /* owned help line of the logged form */

    int form_scroll;      /* first virtual row of the form shown */
    int cur_y, cur_x;     /* where the terminal cursor goes after painting */
    int timer_y, timer_x; /* where the timer digits are drawn, -1 when not on screen */
    bool is_dirty;        /* repaint everything */
    bool is_timer_dirty;  /* repaint only the timer digits */
    bool is_full_redraw;  /* clear the terminal on the next paint (after resize, editor) */
    unsigned spin;        /* spinner frame */
    long long spin_next_ms;
    bool is_done;
    int exit_code;

    /* the local store (drafts, outbox, history); NULL when it cannot be opened: the form
     * then sends directly and keeps nothing */
    struct store *store;          /* owned */
    struct outbox *outbox;        /* owned; freed before api */
    char *store_error;            /* owned why the store is unavailable, NULL = fine */
    char *session;                /* owned: this process's draft slot prefix */
    unsigned draft_seq;           /* one draft slot per call entered in this session */
    char *draft_slot;             /* owned: session + seq, the slot of the form's call */
    bool is_draft_dirty;          /* the form changed since the draft was last saved */
    long long draft_due_ms;       /* monotonic time of the pending save, 0 = none */
    long long timer_wall_start;   /* wall-clock ms the running timer started, 0 = none */
    char *offer_slot;             /* owned: the abandoned draft ASK_RESUME offers */
    long long outbox_id;          /* the stored call the form's values were submitted as and
                                     that is not settled (pending, sending, unknown); 0 none */
    char *outbox_json;            /* owned store text of the values stored as outbox_id */
    long long handled_id;         /* outcome already handled by the submit callback */
    long outbox_count;            /* pending, sending and unknown calls; -1 unknown */
    long review_count;            /* calls in review (a human decides); -1 unknown */
    bool is_outbox_review;        /* outbox_id is in review: kept, never sent again by itself */
    long long count_due_ms;       /* monotonic time to recount the outbox */
    struct history_view *history; /* owned while VIEW_HISTORY */
};

/* ---- cmd_form.c: actions the views call ---------------------------------------------------- */

void app_dirty(struct app *a);
void app_message(struct app *a, enum msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Move focus (committing the text field being left, entering the new one). */
void app_focus(struct app *a, enum field_id f);
/* Set a field's value from code (timer, editor), keeping an active text field in step. */
void app_set_value(struct app *a, enum field_id f, const char *value);
void app_open_picker(struct app *a, enum field_id f);
void app_close_picker(struct app *a);
/* The picker chose row id of its kind. */
void app_choose(struct app *a, enum pick_kind kind, const char *id);
/* Restart a failed or stale load. */
void app_retry_load(struct app *a, enum pick_kind kind);
void app_toggle_timer(struct app *a);
void app_submit(struct app *a);
void app_request_quit(struct app *a);
void app_new_call(struct app *a);
/* F7: a fresh form; asks first when the values are neither sent nor stored. */
void app_next_call(struct app *a);
/* Open the history view (F3). */
void app_open_history(struct app *a);
void app_close_history(struct app *a);
/* Put stored call id (a rejected one) into the form with its error marks. */
void app_reopen(struct app *a, long long id);
/* A key would change the logged call (a->is_logged): say why nothing happens. */
void app_refuse_logged(struct app *a);
/* Whether the form holds values that exist nowhere else (not sent, not in the outbox). */
bool app_has_unsaved(const struct app *a);
void app_edit_in_editor(struct app *a);
/* Spinner character for "loading" states. */
const char *app_spinner(const struct app *a);
/* borrowed display name of a disposition id, NULL if unknown */
const char *app_disposition_name(const struct app *a, const char *id);

/* ---- views ----------------------------------------------------------------------------------- */

void view_form_paint(struct app *a);
/* Redraw only the timer digits (cheap tick). */
void view_form_paint_timer(struct app *a);
void view_form_key(struct app *a, const struct loop_key *k);
/* The help line for the current focus; borrowed (static text, or the logged form's hint). */
const char *view_form_help_line(const struct app *a);

void view_result_paint(struct app *a);
void view_result_key(struct app *a, const struct loop_key *k);

void view_help_paint(struct app *a);
void view_help_key(struct app *a, const struct loop_key *k);

/* view_history.c: the calls stored on this machine; details; reopening a rejected one. */
/* Load the rows; NULL with *err (owned) when the store fails. */
struct history_view *view_history_new(struct app *a, char **err);
void view_history_free(struct history_view *h);
void view_history_paint(struct app *a);
void view_history_key(struct app *a, const struct loop_key *k);
/* Reload the rows (after an outbox outcome), keeping the selection. */
void view_history_reload(struct app *a);

/* Whether k is the key of a form action: the config's key.ACTION binding (see
 * settings_key_actions), else the default F-key fkey or Control+ctrl (0 = none). */
struct loop_key;
bool app_is_action(const struct app *a, const struct loop_key *k, const char *action, int fkey,
                   char ctrl);

#endif
