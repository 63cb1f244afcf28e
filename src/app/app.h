/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_APP_H
#define AMPLECALL_APP_H
/* App layer: the form's controller. It owns the state of a running form (the model, the
 * lists and their loads, the draft, the submit and its outcome, the question being asked)
 * and changes it only in app_handle() and app_tick(). No curses, no readline, no terminal:
 * the tui layer reads this state (const) to paint and hands every key's meaning back as an
 * app_req. */
#include <stdbool.h>
#include <stddef.h>

#include "app/form.h"
#include "conf/settings.h"
#include "core/clock.h"
#include "net/api.h"
#include "store/store.h"

struct outbox;
struct numbers;
struct softphone;

enum load_state { LOAD_IDLE = 0, LOAD_RUNNING, LOAD_DONE, LOAD_FAILED };

/* One background list load. */
struct load_ctx;

struct load {
    enum load_state state;
    struct api_op *op;    /* borrowed; the api frees it after the callback */
    struct load_ctx *ctx; /* owned while op is in flight: a cancelled op runs no callback */
    char *error;          /* owned sanitised message after a failure */
    unsigned gen;         /* bumped on every start, so late callbacks of old loads are ignored */
};

enum pick_kind { PICK_DISPOSITION = 0, PICK_TASK, PICK_USER, PICK_KIND_COUNT };

/* The screen the app wants shown; the tui keeps one view per screen (tui/view.h). */
enum app_view { VIEW_FORM = 0, VIEW_PICKER, VIEW_RESULT, VIEW_HELP, VIEW_HISTORY };

/* A question in the message area; the answer runs an action. ASK_RESUME takes r/d/l, the
 * others y/n. */
enum ask_kind {
    ASK_NONE = 0,
    ASK_QUIT,          /* quit and discard the unsent call (no store to keep a draft in) */
    ASK_QUIT_KEEP,     /* quit: k keeps the draft for later (default), d discards, c cancels */
    ASK_ODD_HUMAN,     /* Answered = no but Human = yes: really? (asked once per call) */
    ASK_TIMER_REPLACE, /* start the timer over a typed Duration */
    ASK_RESEND,        /* without a store: resend after an unknown outcome */
    ASK_RESUME,        /* resume / discard / keep for later an abandoned draft */
    ASK_NEW_CALL,      /* discard the unsent call for a fresh form */
    ASK_SEND_ANOTHER,  /* the stored version may be logged already: log these values too? */
    ASK_REOPEN,        /* replace the unsent call with a rejected one from the history */
    ASK_LOG_AGAIN,     /* log the logged call again as a new one; only y says yes */
    ASK_PHONE_CALL,    /* the phone started a call: discard the unsent one for it */
};

enum msg_kind { MSG_INFO = 0, MSG_OK, MSG_WARN, MSG_ERROR };

enum conn_state { CONN_UNKNOWN = 0, CONN_ONLINE, CONN_OFFLINE, CONN_AUTH_FAILED };

/* What a view asks for. A view's key handler returns one; the tui loop passes it to
 * app_handle(), which alone changes the state. */
enum app_req_kind {
    REQ_NONE = 0,
    REQ_FOCUS,        /* .field */
    REQ_FOCUS_NEXT,   /* the next field (wraps) */
    REQ_FOCUS_PREV,
    REQ_SET,          /* .field = .text (NULL clears), as typed */
    REQ_TOGGLE,       /* flip the yes/no .field */
    REQ_OPEN_PICKER,  /* for .field */
    REQ_CHOOSE,       /* the picker chose row .text of .pick */
    REQ_CLOSE,        /* close the picker, help or history; back to the form */
    REQ_RETRY_LOAD,   /* restart the failed or stale load .pick */
    REQ_TIMER,        /* start or stop the timer */
    REQ_SUBMIT,
    REQ_QUIT,         /* asks first when something would be lost */
    REQ_QUIT_NOW,     /* leave with exit code .id (a signal) */
    REQ_NEW_CALL,     /* after a logged call: the next one */
    REQ_NEXT_CALL,    /* F7: a fresh form; asks first when the values exist nowhere else */
    REQ_NEXT_TASK,    /* after a logged call: a fresh form on the next task (worklist.h) */
    REQ_HELP,         /* toggle the help screen */
    REQ_HISTORY,      /* toggle the history screen */
    REQ_REOPEN,       /* put the rejected stored call .id back into the form */
    REQ_ANSWER,       /* the answer .ch to the question asked: 'y', 'n', or r/d/l */
    REQ_EDITED,       /* the editor returned .text for .field, or failed with .error */
    REQ_REFUSE,       /* a key would change the logged call: say why nothing happens */
    REQ_MESSAGE,      /* show .text as a message of kind .msg (a view's own note) */
    /* for the tui loop itself; app_handle() only repaints: */
    REQ_EDITOR,       /* hand the terminal to $VISUAL/$EDITOR for the focused text field */
    REQ_REDRAW,       /* clear and repaint the terminal (^L) */
};

struct app_req {
    enum app_req_kind kind;
    enum field_id field;
    enum pick_kind pick;
    const char *text;  /* borrowed for the call */
    const char *error; /* borrowed: REQ_EDITED's failure, NULL = none */
    long long id;
    char ch;
    enum msg_kind msg;
    bool is_moving_on;    /* REQ_SET of a yes/no by y or n: focus moves on (app/flow.h) */
    bool is_key_replayed; /* the loop hands the same key to the view this request opens
                             (typing on a picker field starts the picker's filter) */
};

/* What app_handle() tells the tui loop to do. */
enum {
    APP_REPAINT = 1 << 0, /* the state changed: paint again */
    APP_QUIT = 1 << 1,    /* the form is done (a->exit_code) */
};

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
    unsigned list_gen[PICK_KIND_COUNT]; /* bumped when a list or its load state changes */
    long long list_cached_at[PICK_KIND_COUNT]; /* wall-clock ms of a list shown from the
                                                  store (offline), 0 = loaded fresh */
    char *api_base_key; /* owned: the base URL as the store keys it (normalised) */
    char *tasks_user;    /* owned: the user id the task list belongs to */
    struct load resolve; /* AMPLECALL_USER given as an email, looked up once */

    enum app_view view;
    enum pick_kind pick; /* the list the picker shows (VIEW_PICKER) */
    enum ask_kind ask;
    char *ask_text;   /* owned question for the asks whose text varies, NULL = fixed text */
    long long ask_id; /* the stored call a question is about */
    char *message;    /* owned status-area message, NULL = none */
    enum msg_kind msg_kind;
    bool is_msg_on_marks; /* the message explains error marks: it goes when they are fixed */
    enum conn_state conn;
    bool is_reload_due; /* back online: app_tick reloads the lists that failed */

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

    bool is_dirty;       /* repaint everything */
    bool is_timer_dirty; /* repaint only the timer digits */
    unsigned spin;       /* spinner frame */
    long long spin_next_ms;
    bool is_done;
    int exit_code;
    bool is_draft_kept;          /* quit keeping the unsent call as a draft for next time */
    bool is_odd_human_confirmed; /* "not answered but human" was asked and confirmed */
    char *fresh_from;            /* owned From of the fresh form (flow_mark_fresh) */
    char *pending_task;          /* owned --task spec waiting for the task list, NULL none */
    char **worked;               /* owned ids of the tasks logged this session */
    size_t n_worked;
    long today_count;            /* calls logged since local midnight; -1 unknown */
    int retry_attempts;          /* the outbox's next retry: attempts so far, and when (wall */
    long long retry_wall_at;     /* clock ms; 0 = none waits) */
    long long shown_retry_in;    /* seconds of that countdown last painted */
    char *last_dispo[2];         /* owned: the disposition last chosen this session for an
                                    unanswered [0] and an answered [1] call */

    /* the local store (drafts, outbox, history); NULL when it cannot be opened: the form
     * then sends directly and keeps nothing */
    struct store *store;        /* owned */
    struct outbox *outbox;      /* owned; freed before api */
    char *store_error;          /* owned why the store is unavailable, NULL = fine */
    char *session;              /* owned: this process's draft slot prefix */
    unsigned draft_seq;         /* one draft slot per call entered in this session */
    char *draft_slot;           /* owned: session + seq, the slot of the form's call */
    bool is_draft_dirty;        /* the form changed since the draft was last saved */
    long long draft_due_ms;     /* monotonic time of the pending save, 0 = none */
    long long timer_wall_start; /* wall-clock ms the running timer started, 0 = none */
    char *offer_slot;           /* owned: the abandoned draft ASK_RESUME offers */
    long long outbox_id;        /* the stored call the form's values were submitted as and
                                   that is not settled (pending, sending, unknown); 0 none */
    char *outbox_json;          /* owned store text of the values stored as outbox_id */
    long long handled_id;       /* outcome already handled by the submit callback */
    long outbox_count;          /* pending, sending and unknown calls; -1 unknown */
    long review_count;          /* calls in review (a human decides); -1 unknown */
    bool is_outbox_review;      /* outbox_id is in review: kept, never sent again by itself */
    long long count_due_ms;     /* monotonic time to recount the outbox */

    struct store_rows history;  /* the stored calls VIEW_HISTORY lists, newest first */
    unsigned history_gen;       /* bumped when they are read again */

    struct numbers *numbers; /* borrowed: the From/To history the sent call's numbers join */
    struct softphone *phone; /* borrowed (the tui owns it): control socket and baresip */
};

/* ---- life cycle (app.c) ------------------------------------------------------------------- */

/* Settings read and checked; form, clock and lists empty. Nothing connects yet. */
void app_init(struct app *a);
/* Connected: open the store and its outbox, start the list loads, offer an abandoned
 * draft, count the outbox. a->api must be set. */
void app_start(struct app *a);
/* Save what was typed (quitting, SIGTERM, a hang-up) and stop listening to the outbox. */
void app_finish(struct app *a);
void app_done(struct app *a);

/* The one place state changes on a request; returns APP_* flags. */
unsigned app_handle(struct app *a, const struct app_req *r);
/* Timers: the stopwatch, the spinner, a 429 countdown, the outbox, the draft save, the
 * outbox count. Returns APP_* flags. */
unsigned app_tick(struct app *a);
/* Milliseconds until app_tick has something to do, -1 = nothing scheduled. */
int app_timeout_ms(const struct app *a);
/* Whether anything changed since the last call (network callbacks change state between
 * requests); *is_timer_only says only the stopwatch digits did. Clears the marks. */
bool app_take_dirty(struct app *a, bool *is_timer_only);
/* Count the outbox and review rows again (also done by app_tick every few seconds). */
void app_refresh_count(struct app *a);

/* ---- read-only queries for views ---------------------------------------------------------- */

/* Spinner character for "loading" states. */
const char *app_spinner(const struct app *a);
/* Whether the form holds values that exist nowhere else (not sent, not in the outbox). */
bool app_has_unsaved(const struct app *a);
/* borrowed display name of a disposition id, NULL if unknown */
const char *app_disposition_name(const struct app *a, const char *id);
/* "from 2 h ago" for a list shown from the store (offline), NULL for a fresh one; owned. */
char *app_list_age(const struct app *a, enum pick_kind k);
/* The row a picker for field f starts on: its value, else for Disposition the one last
 * chosen for a call answered (or not) like this one; borrowed, "" for the first row. */
const char *app_pick_start(const struct app *a, enum field_id f);
/* Whether the form's focus is a text field the rep may edit now (the tui's readline field
 * edits exactly that one). */
bool app_is_editing_text(const struct app *a);

#endif
