/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The form's send protocol (src/app/submit.c) without a terminal: requests go in through
 * app_handle(), the real store (a temp state directory, read back here through its own
 * connection) and the fake API on 127.0.0.1 with its faults answer, and the state a view
 * would paint (fields, marks, message, logged flag, outbox rows) is checked. */
#include "config.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "app/app_impl.h" /* app_clear_message: to see each refusal say its own reason */
#include "core/util.h"
#include "fakectl.h"
#include "net/connect.h"
#include "net/http.h"
#include "store/store.h"

static struct fake *fk;

struct fixture {
    char home[64];
    bool is_started;
    struct app a;
};

static int group_setup(void **state)
{
    fk = fake_start(NULL);
    return fk ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    return 0;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the network and the app's ticks until done(a) or ms. */
static bool pump_for(struct app *a, bool (*done)(const struct app *a), long long ms)
{
    long long end = now_ms() + ms;
    struct http_client *h = api_http(a->api);

    while ((!done || !done(a)) && now_ms() < end) {
        http_client_poll(h, NULL, 0, 20);
        http_client_perform(h);
        app_tick(a);
    }
    return done && done(a);
}

static void pump_until(struct app *a, bool (*done)(const struct app *a))
{
    if (!pump_for(a, done, 8000))
        fail_msg("the app did not get there within 8 s (message: %s)",
                 a->message ? a->message : "none");
}

static bool lists_loaded(const struct app *a)
{
    return a->loads[PICK_DISPOSITION].state == LOAD_DONE &&
           a->loads[PICK_TASK].state == LOAD_DONE && a->loads[PICK_USER].state == LOAD_DONE;
}

static bool not_sending(const struct app *a)
{
    return !a->is_sending;
}

static bool logged(const struct app *a)
{
    return a->is_logged;
}

static void make_home(struct fixture *fx)
{
    snprintf(fx->home, sizeof(fx->home), "/tmp/amplecall-submit-XXXXXX");
    assert_non_null(mkdtemp(fx->home));
    setenv("HOME", fx->home, 1);
    unsetenv("XDG_STATE_HOME");
}

/* The app started as the form starts it, against base_url (NULL = the fake). settle_ms is
 * the outbox's settle wait: long keeps the background from looking anything up. */
static void start_at(struct fixture *fx, const char *base_url, const char *settle_ms)
{
    char *err = NULL;
    struct app *a = &fx->a;

    unsetenv("XDG_CONFIG_HOME");
    unsetenv("AMPLECALL_CONFIG");
    setenv("AMPLEMARKET_API_KEY", FAKE_API_KEY, 1);
    setenv("AMPLECALL_BASE_URL", base_url ? base_url : fake_base_url(fk), 1);
    setenv("AMPLECALL_USER", FAKE_USER_ID, 1);
    setenv("AMPLECALL_TIMEOUT", "1", 1);
    setenv("AMPLECALL_OUTBOX_SETTLE_MS", settle_ms, 1);
    app_init(a);
    fx->is_started = true;
    if (!settings_load(&a->settings, NULL, &err))
        fail_msg("settings: %s", err);
    a->api = connect_api(&a->settings, &err);
    if (!a->api)
        fail_msg("connect: %s", err);
    app_start(a);
    a->host = http_client_host(api_http(a->api)); /* as the form sets it once connected */
}

/* Started on the fake with lists loaded; nothing looked up in the background. */
static struct app *start_app(struct fixture *fx)
{
    make_home(fx);
    start_at(fx, NULL, "600000");
    pump_until(&fx->a, lists_loaded);
    return &fx->a;
}

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));

    if (!fake_reset(fk))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char *cmd = xasprintf("rm -rf '%s'", fx->home);

    if (fx->is_started) {
        app_finish(&fx->a);
        app_done(&fx->a);
    }
    if (fx->home[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fx->home);
    free(cmd);
    free(fx);
    unsetenv("XDG_STATE_HOME");
    unsetenv("AMPLECALL_OUTBOX_RATE");
    return 0;
}

static void handle(struct app *a, enum app_req_kind kind)
{
    struct app_req r = {.kind = kind};
    app_handle(a, &r);
}

static void set(struct app *a, enum field_id f, const char *text)
{
    struct app_req r = {.kind = REQ_SET, .field = f, .text = text};
    app_handle(a, &r);
}

static void answer(struct app *a, char ch)
{
    struct app_req r = {.kind = REQ_ANSWER, .ch = ch};
    app_handle(a, &r);
}

static void fill_valid(struct app *a)
{
    set(a, FIELD_FROM, "+1 415 555 0100");
    set(a, FIELD_TO, "+1 212 555 0199");
    set(a, FIELD_DURATION, "95");
    set(a, FIELD_ANSWERED, "yes");
    set(a, FIELD_HUMAN, "yes");
    set(a, FIELD_TASK, FAKE_TASK_ID_FIRST);
}

static void submit_and_wait(struct app *a)
{
    handle(a, REQ_SUBMIT);
    pump_until(a, not_sending);
}

static size_t posts(void)
{
    return fake_request_count(fk, "POST", "/calls");
}

static void assert_message_has(const struct app *a, const char *part)
{
    if (!a->message || !strstr(a->message, part))
        fail_msg("message \"%s\" lacks \"%s\"", a->message ? a->message : "(none)", part);
}

static void assert_message_lacks(const struct app *a, const char *part)
{
    if (a->message && strstr(a->message, part))
        fail_msg("message \"%s\" has \"%s\"", a->message, part);
}

/* The outbox rows as the SQLite file holds them, read through a connection of our own. */
static void read_rows(struct store_rows *rows)
{
    char *err = NULL;
    struct store *st = store_open(NULL, &err);

    if (!st)
        fail_msg("store_open: %s", err);
    if (!store_list(st, false, 50, rows, &err))
        fail_msg("store_list: %s", err);
    store_close(st);
}

/* The one row of the store, in state want; returns its id. */
static long long only_row(enum store_state want)
{
    struct store_rows rows;
    long long id;

    read_rows(&rows);
    if (rows.n != 1)
        fail_msg("%zu rows in the store, not 1", rows.n);
    if (rows.v[0].state != want)
        fail_msg("row is %s, not %s", store_state_name(rows.v[0].state), store_state_name(want));
    id = rows.v[0].id;
    store_rows_done(&rows);
    return id;
}

static size_t row_count(void)
{
    struct store_rows rows;
    size_t n;

    read_rows(&rows);
    n = rows.n;
    store_rows_done(&rows);
    return n;
}

static char *server_call_id(size_t i)
{
    json_object *calls = fake_stored_calls(fk), *id;
    char *s;

    assert_non_null(calls);
    assert_true(json_object_array_length(calls) > i);
    assert_true(json_object_object_get_ex(json_object_array_get_idx(calls, i), "id", &id));
    s = xstrdup(json_object_get_string(id));
    json_object_put(calls);
    return s;
}

/* A POST fault, once. */
static void fault_post(const char *fields)
{
    char *json = xasprintf("{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,%s}", fields);
    assert_true(fake_set_faults(fk, json));
    free(json);
}

#define ERR_TO                                                                                     \
    "{\\\"code\\\":\\\"unsupported_value\\\",\\\"title\\\":\\\"Unsupported Value\\\","             \
    "\\\"detail\\\":\\\"not a reachable number\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/to\\\"}}"
#define ERR_DURATION                                                                               \
    "{\\\"code\\\":\\\"unsupported_value\\\",\\\"title\\\":\\\"Unsupported Value\\\","             \
    "\\\"detail\\\":\\\"too long\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/duration\\\"}}"
#define ERR_GENERAL                                                                                \
    "{\\\"code\\\":\\\"conflict\\\",\\\"title\\\":\\\"Conflict\\\","                               \
    "\\\"detail\\\":\\\"the task is locked\\\"}"

static void reject_next_post(const char *errors)
{
    char *f = xasprintf("\"status\":422,\"body\":\"{\\\"_errors\\\":[%s]}\"", errors);
    fault_post(f);
    free(f);
}

/* A loopback port nothing listens on. */
static char *closed_base_url(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return xasprintf("http://127.0.0.1:%d", ntohs(sa.sin_port));
}

/* ---- accepted ---------------------------------------------------------------------------- */

static void submit__an_accepted_call_is_shown_logged_with_its_id_and_read_only(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    char *id, *hint;
    struct store_rows rows;

    fill_valid(a);
    set(a, FIELD_DISPOSITION, FAKE_DISPO_VOICEMAIL_ID);
    submit_and_wait(a);
    id = server_call_id(0);
    assert_true(a->is_logged);
    assert_int_equal(a->view, VIEW_RESULT);
    assert_string_equal(a->logged_id, id);
    assert_string_equal(a->result.id, id);
    hint = xasprintf("Logged as %s - F7/Alt-N or Enter: next call", id);
    assert_string_equal(a->logged_hint, hint);
    assert_non_null(a->result_disposition);
    assert_string_equal(a->result_disposition, app_disposition_name(a, FAKE_DISPO_VOICEMAIL_ID));
    assert_null(a->message);
    assert_false(a->is_outcome_unknown);
    assert_false(a->is_result_found);
    assert_int_equal(a->outbox_id, 0);
    assert_int_equal(a->outbox_count, 0);
    assert_false(a->is_draft_dirty);
    assert_false(app_has_unsaved(a));
    read_rows(&rows);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.v[0].state, STORE_SENT);
    assert_string_equal(rows.v[0].remote_id, id);
    store_rows_done(&rows);
    /* read-only: an edit is refused with a reason */
    handle(a, REQ_CLOSE);
    set(a, FIELD_DURATION, "96");
    assert_string_equal(form_value(&a->form, FIELD_DURATION), "95");
    assert_message_has(a, "This call is logged and cannot be changed.");
    /* so is the timer: it does not start on a logged call, and says why */
    app_clear_message(a);
    handle(a, REQ_TIMER);
    assert_false(a->clock.is_running);
    assert_int_equal(a->ask, ASK_NONE); /* nor asks to replace the duration */
    assert_message_has(a, "This call is logged and cannot be changed.");
    /* a second F10 asks; n sends nothing */
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_LOG_AGAIN);
    answer(a, 'n');
    assert_int_equal(posts(), 1);
    assert_true(a->is_logged);
    free(hint);
    free(id);
}

static void submit__log_again_y_sends_the_same_values_as_a_second_call(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    char *first, *second;

    fill_valid(a);
    submit_and_wait(a);
    first = xstrdup(a->logged_id);
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_LOG_AGAIN);
    answer(a, 'y');
    pump_until(a, not_sending);
    assert_int_equal(posts(), 2);
    second = server_call_id(1);
    assert_true(a->is_logged);
    assert_string_equal(a->logged_id, second);
    assert_string_not_equal(first, second);
    assert_int_equal(row_count(), 2);
    free(first);
    free(second);
}

static void submit__f10_while_sending_waits_instead_of_sending_twice(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    fault_post("\"delay_ms\":300");
    handle(a, REQ_SUBMIT);
    assert_true(a->is_sending);
    assert_message_has(a, "Sending the call to 127.0.0.1...");
    handle(a, REQ_SUBMIT);
    assert_string_equal(a->message, "Already sending this call; please wait.");
    /* so does reopening something else */
    {
        struct app_req r = {.kind = REQ_REOPEN, .id = 1};
        app_handle(a, &r);
        assert_string_equal(a->message, "Wait until this call is sent.");
    }
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_int_equal(posts(), 1);
    assert_int_equal(row_count(), 1);
}

static void submit__a_complete_disposition_takes_its_task_off_the_list(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    bool is_listed = false;

    fill_valid(a);
    set(a, FIELD_DISPOSITION, FAKE_DISPO_COMPLETE_ID);
    submit_and_wait(a);
    assert_true(a->is_logged);
    for (size_t i = 0; i < a->tasks.n; i++)
        if (!strcmp(a->tasks.v[i].id, FAKE_TASK_ID_FIRST))
            is_listed = true;
    assert_false(is_listed);
}

static void submit__a_next_stage_disposition_leaves_its_task_listed(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    bool is_listed = false;

    fill_valid(a);
    set(a, FIELD_DISPOSITION, FAKE_DISPO_NEXT_ID);
    submit_and_wait(a);
    assert_true(a->is_logged);
    for (size_t i = 0; i < a->tasks.n; i++)
        if (!strcmp(a->tasks.v[i].id, FAKE_TASK_ID_FIRST))
            is_listed = true;
    assert_true(is_listed);
    assert_int_equal(a->loads[PICK_TASK].state, LOAD_DONE); /* not loaded again */
}

/* ---- the timer --------------------------------------------------------------------------- */

static void submit__a_running_timer_is_stopped_and_fills_the_duration(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    json_object *req, *body, *dur;

    fill_valid(a);
    set(a, FIELD_DURATION, NULL);
    handle(a, REQ_TIMER);
    assert_true(a->clock.is_running);
    submit_and_wait(a);
    assert_false(a->clock.is_running);
    assert_int_equal(a->timer_wall_start, 0);
    assert_string_equal(form_value(&a->form, FIELD_DURATION), "0");
    assert_true(a->is_logged);
    req = fake_last_request(fk, "POST", "/calls");
    assert_non_null(req);
    assert_true(json_object_object_get_ex(req, "body", &body));
    assert_true(json_object_object_get_ex(body, "duration", &dur));
    assert_int_equal(json_object_get_int(dur), 0);
    json_object_put(req);
}

static void submit__a_timer_started_while_sending_stops_when_the_call_is_logged(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    fault_post("\"delay_ms\":300");
    handle(a, REQ_SUBMIT);
    handle(a, REQ_TIMER); /* Duration is filled: asks to replace it */
    assert_int_equal(a->ask, ASK_TIMER_REPLACE);
    answer(a, 'y');
    assert_true(a->clock.is_running);
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_false(a->clock.is_running);
    assert_int_equal(a->timer_wall_start, 0);
}

static void submit__a_question_open_when_the_call_is_logged_is_withdrawn(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    fault_post("\"delay_ms\":300");
    handle(a, REQ_SUBMIT);
    handle(a, REQ_TIMER);
    assert_int_equal(a->ask, ASK_TIMER_REPLACE);
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_int_equal(a->ask, ASK_NONE);
    assert_null(a->ask_text);
    assert_false(a->clock.is_running);
}

static void submit__an_open_picker_closes_when_the_call_is_logged(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req open = {.kind = REQ_OPEN_PICKER, .field = FIELD_DISPOSITION};

    fill_valid(a);
    fault_post("\"delay_ms\":300");
    handle(a, REQ_SUBMIT);
    app_handle(a, &open);
    assert_int_equal(a->view, VIEW_PICKER);
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_int_equal(a->view, VIEW_RESULT);
}

/* ---- local validation -------------------------------------------------------------------- */

static void submit__invalid_fields_are_counted_marked_and_nothing_is_sent(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    set(a, FIELD_TO, NULL);
    handle(a, REQ_FOCUS_NEXT);
    handle(a, REQ_SUBMIT);
    assert_false(a->is_sending);
    assert_string_equal(a->message, "Not sent: 1 field to fix (marked with !).");
    assert_true(a->is_msg_on_marks);
    assert_non_null(a->form.error[FIELD_TO]);
    assert_int_equal(a->form.focus, FIELD_TO);
    set(a, FIELD_DURATION, "9:99");
    handle(a, REQ_SUBMIT);
    assert_string_equal(a->message, "Not sent: 2 fields to fix (marked with !).");
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_int_equal(posts(), 0);
    assert_int_equal(row_count(), 0);
}

/* ---- rejected ---------------------------------------------------------------------------- */

static void submit__a_422_marks_the_fields_its_pointers_name_and_focuses_the_first(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct store_rows rows;

    fill_valid(a);
    handle(a, REQ_FOCUS_NEXT);
    reject_next_post(ERR_TO "," ERR_DURATION);
    submit_and_wait(a);
    assert_non_null(a->form.error[FIELD_TO]);
    assert_non_null(strstr(a->form.error[FIELD_TO], "not a reachable number"));
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_null(a->form.error[FIELD_FROM]);
    assert_int_equal(a->form.focus, FIELD_TO);
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_string_equal(a->message, "Amplemarket rejected the call (HTTP 422): 2 problems marked "
                                    "! on the fields. Nothing was logged.");
    assert_true(a->is_msg_on_marks);
    assert_false(a->is_logged);
    assert_false(a->is_outcome_unknown);
    assert_int_equal(a->view, VIEW_FORM);
    assert_int_equal(a->outbox_id, 0);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    read_rows(&rows);
    assert_int_equal(rows.n, 1);
    assert_int_equal(rows.v[0].state, STORE_REJECTED);
    assert_int_equal(rows.v[0].last_status, 422);
    assert_non_null(rows.v[0].errors_json);
    store_rows_done(&rows);
    /* a corrected F10 is a new call, not a retry of the rejected one */
    set(a, FIELD_TO, "+1 212 555 0198");
    submit_and_wait(a);
    assert_true(a->is_logged);
    assert_int_equal(posts(), 2);
}

static void submit__a_422_with_one_pointer_says_one_problem(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    reject_next_post(ERR_DURATION);
    submit_and_wait(a);
    assert_string_equal(a->message, "Amplemarket rejected the call (HTTP 422): 1 problem marked "
                                    "! on the field. Nothing was logged.");
    assert_int_equal(a->form.focus, FIELD_DURATION);
    assert_null(a->form.error[FIELD_TO]);
    assert_true(a->is_msg_on_marks);
}

static void submit__a_422_naming_no_field_lists_the_problem_above(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    handle(a, REQ_FOCUS_NEXT);
    handle(a, REQ_FOCUS_NEXT);
    reject_next_post(ERR_GENERAL);
    submit_and_wait(a);
    assert_string_equal(a->message, "Amplemarket rejected the call (HTTP 422): 1 problem that "
                                    "names no field, listed above. Nothing was logged.");
    assert_int_equal(a->form.n_general, 1);
    assert_false(a->is_msg_on_marks); /* no mark to fix makes it go */
    assert_int_equal(a->form.focus, FIELD_DURATION); /* stays where it was */
}

static void submit__two_422_problems_naming_no_field_are_counted(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    reject_next_post(ERR_GENERAL "," ERR_GENERAL);
    submit_and_wait(a);
    assert_string_equal(a->message, "Amplemarket rejected the call (HTTP 422): 2 problems that "
                                    "name no field, listed above. Nothing was logged.");
}

static void submit__a_422_with_field_and_general_problems_says_where_each_is(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    reject_next_post(ERR_TO "," ERR_GENERAL);
    submit_and_wait(a);
    assert_string_equal(a->message,
                        "Amplemarket rejected the call (HTTP 422): 1 problem marked ! on the "
                        "field, 1 that names no field listed above. Nothing was logged.");
    assert_false(a->is_msg_on_marks);
    assert_int_equal(a->form.focus, FIELD_TO);
    reject_next_post(ERR_TO "," ERR_DURATION "," ERR_GENERAL "," ERR_GENERAL);
    submit_and_wait(a);
    assert_string_equal(a->message,
                        "Amplemarket rejected the call (HTTP 422): 2 problems marked ! on the "
                        "fields, 2 that name no field listed above. Nothing was logged.");
}

static void submit__a_422_without_errors_gives_the_servers_reason(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    fault_post("\"status\":422,\"body\":\"{\\\"_errors\\\":[]}\"");
    submit_and_wait(a);
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_message_has(a, "Amplemarket rejected the call (HTTP 422): ");
    assert_message_lacks(a, "problem");
    assert_int_equal(form_error_count(&a->form), 0);
    assert_false(a->is_logged);
    only_row(STORE_REJECTED);
}

static void submit__a_408_is_not_a_verdict_and_the_call_waits_in_the_outbox(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id;
    char *want;

    fill_valid(a);
    fault_post("\"status\":408");
    submit_and_wait(a);
    id = only_row(STORE_PENDING);
    assert_int_equal(a->outbox_id, id);
    assert_int_equal(a->msg_kind, MSG_WARN);
    assert_message_has(a, "Amplemarket did not take the call (HTTP 408): ");
    want = xasprintf("Nothing was logged. It is queued in the outbox as #%lld and will be retried "
                     "in the background. F10 tries again now; F7 starts the next call.",
                     id);
    assert_message_has(a, want);
    assert_message_lacks(a, "..");
    assert_message_lacks(a, "entries are kept");
    assert_int_equal(form_error_count(&a->form), 0);
    assert_int_equal(a->outbox_count, 1);
    free(want);
}

/* ---- temporary failures: pending in the outbox -------------------------------------------- */

static void submit__a_call_that_cannot_reach_the_api_stays_pending_in_the_outbox(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *base = closed_base_url(), *want;
    long long id;

    make_home(fx);
    start_at(fx, base, "600000");
    fill_valid(a);
    submit_and_wait(a);
    id = only_row(STORE_PENDING);
    assert_int_equal(a->outbox_id, id);
    assert_false(a->is_logged);
    assert_false(a->is_outcome_unknown);
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_message_has(a, "Could not reach 127.0.0.1: ");
    want = xasprintf(". It is queued in the outbox as #%lld and will be retried in the "
                     "background. F10 tries again now; F7 starts the next call.",
                     id);
    assert_message_has(a, want);
    assert_message_lacks(a, "..");
    assert_message_lacks(a, "Your entries are kept");
    assert_int_equal(a->outbox_count, 1);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    assert_false(app_has_unsaved(a)); /* the outbox holds them */
    /* F10 again on the same values: still one row, never a second copy */
    submit_and_wait(a);
    assert_int_equal(row_count(), 1);
    assert_true(a->outbox_id != 0);
    assert_message_has(a, "Could not reach 127.0.0.1: ");
    /* edited values replace the row that never reached the server */
    set(a, FIELD_DURATION, "96");
    submit_and_wait(a);
    {
        struct store_rows rows;
        read_rows(&rows);
        assert_int_equal(rows.n, 1);
        assert_string_equal(call_get(&rows.v[0].call, FIELD_DURATION), "96");
        assert_int_equal(rows.v[0].id, a->outbox_id);
        store_rows_done(&rows);
    }
    free(want);
    free(base);
}

static void submit__a_401_says_the_key_was_rejected_and_keeps_the_call(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id;
    char *want;

    fill_valid(a);
    fault_post("\"status\":401");
    submit_and_wait(a);
    id = only_row(STORE_PENDING);
    want = xasprintf("The API key was rejected (HTTP 401). Check AMPLEMARKET_API_KEY; nothing was "
                     "logged. It is queued in the outbox as #%lld and will be retried in the "
                     "background. F10 tries again now; F7 starts the next call.",
                     id);
    assert_string_equal(a->message, want);
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_false(a->is_logged);
    free(want);
}

static void submit__a_429_with_retry_after_counts_down_before_a_resend(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id, left;

    fill_valid(a);
    fault_post("\"status\":429,\"retry_after\":30");
    submit_and_wait(a);
    id = only_row(STORE_PENDING);
    assert_int_equal(a->outbox_id, id);
    left = a->retry_at_ms - clock_now(&a->clock);
    assert_true(left > 28000 && left <= 30000);
    assert_int_equal(a->shown_retry_s, 30); /* the countdown took over the message */
    assert_message_has(a, "Too many requests (HTTP 429): you can send again in 30 s.");
    handle(a, REQ_SUBMIT);
    assert_false(a->is_sending);
    assert_string_equal(a->message, "Rate limited: wait 30 s before sending again.");
    assert_int_equal(posts(), 1);
}

static void submit__a_429_without_retry_after_keeps_the_call_queued(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id;
    char *want;

    fill_valid(a);
    fault_post("\"status\":429");
    submit_and_wait(a);
    id = only_row(STORE_PENDING);
    assert_int_equal(a->retry_at_ms, 0);
    want = xasprintf("Too many requests (HTTP 429). Nothing was logged. It is queued in the outbox "
                     "as #%lld and will be retried in the background. F10 tries again now; F7 "
                     "starts the next call.",
                     id);
    assert_string_equal(a->message, want);
    assert_int_equal(a->msg_kind, MSG_WARN);
    /* F10 now: the backoff is the outbox's, the rep asked for now: a fresh copy replaces it */
    submit_and_wait(a);
    assert_true(a->is_logged);
    assert_int_equal(posts(), 2);
    only_row(STORE_SENT);
    free(want);
}

/* ---- unknown outcomes -------------------------------------------------------------------- */

static void submit__an_unknown_outcome_is_kept_for_look_up_and_never_resent_on_a_hope(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id;
    char *want;

    fill_valid(a);
    fault_post("\"status\":503");
    submit_and_wait(a);
    id = only_row(STORE_UNKNOWN);
    assert_int_equal(a->outbox_id, id);
    assert_true(a->is_outcome_unknown);
    assert_false(a->is_logged);
    assert_int_equal(a->msg_kind, MSG_WARN);
    assert_message_has(a, "Outcome unknown: ");
    /* the reason already says the call may have been logged: said once */
    assert_message_has(a, "may or may not");
    assert_message_lacks(a, "The call may or may not have been logged.");
    want = xasprintf(". It is kept in the outbox as #%lld, which checks Amplemarket before it is "
                     "ever sent again. F7 starts the next call.",
                     id);
    assert_message_has(a, want);
    assert_message_lacks(a, "..");
    assert_int_equal(a->outbox_count, 1);
    /* F10 again: the outbox looks it up first, and not before the settle wait */
    submit_and_wait(a);
    assert_message_has(a, "This call may already be in Amplemarket: the outbox looks it up");
    assert_int_equal(posts(), 1);
    assert_int_equal(only_row(STORE_UNKNOWN), id);
    assert_false(a->is_logged);
    free(want);
}

static void submit__an_unknown_call_found_by_its_look_up_is_shown_logged(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *id;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"store_then_status\":503");
    submit_and_wait(a);
    assert_true(a->is_outcome_unknown);
    /* after the settle wait (no tick meanwhile: the outbox does not look first) F10 checks
     * first, and finds it */
    usleep(1200 * 1000);
    handle(a, REQ_SUBMIT);
    assert_true(a->is_sending);
    assert_string_equal(a->message,
                        "Checking whether Amplemarket already has this call before sending...");
    pump_until(a, not_sending);
    assert_true(a->is_result_found);
    id = server_call_id(0);
    assert_true(a->is_logged);
    assert_string_equal(a->logged_id, id);
    assert_false(a->is_outcome_unknown);
    assert_int_equal(posts(), 1);
    only_row(STORE_SENT);
    free(id);
}

static void submit__a_background_look_up_that_finds_the_call_updates_the_form(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *id;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"store_then_status\":503");
    submit_and_wait(a);
    assert_true(a->is_outcome_unknown);
    assert_false(a->is_logged);
    pump_until(a, logged); /* the outbox's own look-up */
    id = server_call_id(0);
    assert_string_equal(a->logged_id, id);
    assert_false(a->is_outcome_unknown);
    assert_int_equal(a->outbox_id, 0);
    assert_int_equal(posts(), 1);
    only_row(STORE_SENT);
    free(id);
}

static void submit__a_background_send_of_edited_values_says_f10_asks_first(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id;
    char *want, *q;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"store_then_status\":503");
    submit_and_wait(a);
    id = a->outbox_id;
    assert_true(id != 0);
    set(a, FIELD_DURATION, "96"); /* the rep edits while the outbox settles it */
    want = xasprintf("Call %lld was logged with the values it had when you sent it; F10 asks "
                     "before logging the edited values as another call.",
                     id);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && (!a->message || strcmp(a->message, want)))
            pump_for(a, NULL, 50);
    }
    assert_string_equal(a->message, want);
    assert_int_equal(a->msg_kind, MSG_OK);
    assert_false(a->is_logged);
    assert_int_equal(a->outbox_id, id);
    only_row(STORE_SENT);
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_SEND_ANOTHER);
    q = xasprintf("Call %lld was already logged with the earlier values. Log these values as "
                  "another call? (y/n) ",
                  id);
    assert_string_equal(a->ask_text, q);
    assert_int_equal(a->ask_id, id);
    assert_int_equal(posts(), 1);
    answer(a, 'y');
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_int_equal(posts(), 2);
    assert_int_equal(row_count(), 2);
    free(q);
    free(want);
}

static void submit__a_call_settled_elsewhere_is_already_logged_and_not_sent_again(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct store *st;
    char *err = NULL;
    long long id;

    fill_valid(a);
    fault_post("\"status\":503");
    submit_and_wait(a);
    id = a->outbox_id;
    /* `amplecall outbox resolve` in another process says which server call it is */
    st = store_open(NULL, &err);
    assert_non_null(st);
    assert_int_equal(store_resolve(st, id, "0199f0a2-0000-7000-8000-00000000abcd", store_now_ms(),
                                   &err),
                     1);
    store_close(st);
    handle(a, REQ_SUBMIT);
    assert_false(a->is_sending);
    assert_string_equal(a->message, "This call was already logged.");
    assert_int_equal(a->msg_kind, MSG_OK);
    assert_true(a->is_logged);
    assert_string_equal(a->logged_id, "0199f0a2-0000-7000-8000-00000000abcd");
    assert_int_equal(a->outbox_id, 0);
    assert_int_equal(posts(), 1);
    /* and a second F10 asks before logging it again */
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_LOG_AGAIN);
}

static void submit__edited_values_of_an_unknown_call_ask_before_another_call(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id;
    char *q;

    fill_valid(a);
    fault_post("\"status\":503");
    submit_and_wait(a);
    id = a->outbox_id;
    set(a, FIELD_DURATION, "96");
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_SEND_ANOTHER);
    q = xasprintf("Call %lld may already be logged with the earlier values (the outbox checks and "
                  "delivers it once). Log these values as another call? (y/n) ",
                  id);
    assert_string_equal(a->ask_text, q);
    answer(a, 'n');
    assert_int_equal(posts(), 1);
    assert_int_equal(row_count(), 1);
    free(q);
}

static void submit__a_dropped_row_is_sent_fresh_on_f10(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct store *st;
    char *err = NULL;
    long long id;

    fill_valid(a);
    fault_post("\"status\":408");
    submit_and_wait(a);
    id = a->outbox_id;
    st = store_open(NULL, &err);
    assert_non_null(st);
    assert_int_equal(store_drop(st, id, store_now_ms(), &err), 1);
    store_close(st);
    submit_and_wait(a);
    assert_true(a->is_logged);
    assert_int_equal(posts(), 2);
    only_row(STORE_SENT);
}

/* ---- background outcomes for other calls ------------------------------------------------- */

static void submit__a_background_send_of_an_earlier_call_is_announced(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id;
    char *want;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"status\":429");
    submit_and_wait(a);
    id = a->outbox_id;
    handle(a, REQ_NEXT_CALL); /* the outbox holds it: no question */
    assert_int_equal(a->ask, ASK_NONE);
    assert_string_equal(a->message, "Ready for the next call; the last one waits in the outbox.");
    want = xasprintf("Call %lld was sent from the outbox.", id);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && (!a->message || strcmp(a->message, want)))
            pump_for(a, NULL, 50);
    }
    assert_string_equal(a->message, want);
    assert_int_equal(a->msg_kind, MSG_OK);
    assert_false(a->is_logged);
    assert_int_equal(a->outbox_count, 0);
    only_row(STORE_SENT);
    free(want);
}

static void submit__a_background_rejection_of_an_earlier_call_points_to_the_history(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id;
    char *want;
    struct store *st;
    struct store_draft d;
    char *err = NULL, *slot;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    assert_true(fake_set_faults(fk, "[{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
                                    "\"status\":429},{\"path\":\"/calls\",\"method\":\"POST\","
                                    "\"times\":1,\"status\":422,\"body\":\"{\\\"_errors\\\":["
                                    ERR_TO "]}\"}]"));
    submit_and_wait(a);
    id = a->outbox_id;
    slot = xstrdup(a->draft_slot);
    handle(a, REQ_NEXT_CALL);
    want = xasprintf("Amplemarket rejected call %lld from the outbox; F3 shows it and can reopen it "
                     "in the form.",
                     id);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && (!a->message || strcmp(a->message, want)))
            pump_for(a, NULL, 50);
    }
    assert_string_equal(a->message, want);
    assert_int_equal(a->msg_kind, MSG_WARN);
    assert_int_equal(form_error_count(&a->form), 0); /* the fresh form is not marked */
    only_row(STORE_REJECTED);
    /* its draft went: the history can reopen it */
    st = store_open(NULL, &err);
    assert_non_null(st);
    store_draft_init(&d);
    assert_int_equal(store_draft_load(st, slot, &d, &err), 0);
    store_draft_done(&d);
    store_close(st);
    free(slot);
    free(want);
}

static void submit__a_background_rejection_of_the_forms_call_marks_its_fields(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    assert_true(fake_set_faults(fk, "[{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
                                    "\"status\":429},{\"path\":\"/calls\",\"method\":\"POST\","
                                    "\"times\":1,\"status\":422,\"body\":\"{\\\"_errors\\\":["
                                    ERR_TO "]}\"}]"));
    submit_and_wait(a);
    assert_true(a->outbox_id != 0);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && !a->form.error[FIELD_TO])
            pump_for(a, NULL, 50);
    }
    assert_non_null(a->form.error[FIELD_TO]);
    assert_int_equal(a->form.focus, FIELD_TO);
    assert_string_equal(a->message, "Amplemarket rejected the call (HTTP 422): 1 problem marked "
                                    "! on the field. Nothing was logged.");
    assert_int_equal(a->outbox_id, 0);
    assert_false(a->is_outcome_unknown);
    assert_false(a->is_logged);
    only_row(STORE_REJECTED);
}

static void submit__a_background_retry_that_fails_again_stays_quiet(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *before;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"times\":2,"
                                    "\"status\":429}"));
    submit_and_wait(a);
    before = xstrdup(a->message);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && posts() < 2)
            pump_for(a, NULL, 50);
    }
    pump_for(a, NULL, 100);
    assert_int_equal(posts(), 2);
    assert_string_equal(a->message, before);
    assert_false(a->is_logged);
    only_row(STORE_PENDING);
    free(before);
}

/* ---- reopening a rejected call ----------------------------------------------------------- */

static long long reject_and_start_over(struct app *a, const char *errors)
{
    long long id;

    fill_valid(a);
    reject_next_post(errors);
    submit_and_wait(a);
    id = only_row(STORE_REJECTED);
    handle(a, REQ_NEXT_CALL);
    if (a->ask == ASK_NEW_CALL)
        answer(a, 'y');
    assert_string_equal(form_value(&a->form, FIELD_TO), "");
    return id;
}

static void submit__reopening_a_rejected_call_restores_its_values_and_marks(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};
    char *want;

    reopen.id = reject_and_start_over(a, ERR_TO "," ERR_DURATION);
    handle(a, REQ_TIMER);
    assert_true(a->clock.is_running);
    app_handle(a, &reopen);
    assert_int_equal(a->view, VIEW_FORM);
    assert_false(a->clock.is_running);
    assert_int_equal(a->timer_wall_start, 0);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    assert_string_equal(form_value(&a->form, FIELD_DURATION), "95");
    assert_non_null(a->form.error[FIELD_TO]);
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_int_equal(a->form.focus, FIELD_TO);
    want = xasprintf("Call %lld reopened. Amplemarket rejected it (HTTP 422): 2 problems marked "
                     "below. Fix and send with F10.",
                     reopen.id);
    assert_string_equal(a->message, want);
    assert_true(a->is_msg_on_marks);
    assert_int_equal(a->outbox_id, 0);
    assert_true(app_has_unsaved(a));
    /* fixed and sent: a new call */
    set(a, FIELD_TO, "+1 212 555 0198");
    set(a, FIELD_DURATION, "90");
    submit_and_wait(a);
    assert_true(a->is_logged);
    assert_int_equal(row_count(), 2);
    free(want);
}

static void submit__reopening_a_call_with_one_mark_says_one_problem(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};
    char *want;

    reopen.id = reject_and_start_over(a, ERR_GENERAL);
    app_handle(a, &reopen);
    want = xasprintf("Call %lld reopened. Amplemarket rejected it (HTTP 422): 1 problem marked "
                     "below. Fix and send with F10.",
                     reopen.id);
    assert_string_equal(a->message, want);
    assert_int_equal(a->form.n_general, 1);
    assert_false(a->is_msg_on_marks);
    free(want);
}

static void submit__reopening_a_call_rejected_without_errors_gives_its_reason(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};
    char *want;

    fill_valid(a);
    fault_post("\"status\":422,\"body\":\"{\\\"_errors\\\":[]}\"");
    submit_and_wait(a);
    reopen.id = only_row(STORE_REJECTED);
    handle(a, REQ_NEXT_CALL);
    if (a->ask == ASK_NEW_CALL)
        answer(a, 'y');
    app_handle(a, &reopen);
    want = xasprintf("Call %lld reopened. Amplemarket rejected it (HTTP 422): ", reopen.id);
    assert_message_has(a, want);
    assert_message_lacks(a, "problem");
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    free(want);
}

static void submit__only_a_rejected_call_can_be_reopened(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};
    char *want;

    fill_valid(a);
    submit_and_wait(a);
    reopen.id = only_row(STORE_SENT);
    handle(a, REQ_NEW_CALL);
    app_handle(a, &reopen);
    want = xasprintf("Call %lld cannot be reopened: only a rejected call can.", reopen.id);
    assert_string_equal(a->message, want);
    assert_string_equal(form_value(&a->form, FIELD_TO), "");
    free(want);
    reopen.id = 999;
    app_handle(a, &reopen);
    assert_string_equal(a->message, "Call 999 cannot be reopened: only a rejected call can.");
}

static void submit__reopening_over_unsent_values_asks_first(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};
    char *q;

    reopen.id = reject_and_start_over(a, ERR_TO);
    set(a, FIELD_TO, "+1 646 555 0123");
    app_handle(a, &reopen);
    assert_int_equal(a->ask, ASK_REOPEN);
    q = xasprintf("Replace the call you have not sent with call %lld? (y/n) ", reopen.id);
    assert_string_equal(a->ask_text, q);
    assert_int_equal(a->ask_id, reopen.id);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 646 555 0123");
    answer(a, 'y');
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    assert_non_null(a->form.error[FIELD_TO]);
    free(q);
}

/* ---- the outbox count -------------------------------------------------------------------- */

static void submit__the_outbox_count_is_checked_again_for_other_processes(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct store *st;
    struct store_new n = {0};
    struct call c;
    char *err = NULL;
    long long id, due;
    bool dummy, is_new;

    assert_int_equal(a->outbox_count, 0);
    assert_int_equal(a->review_count, 0);
    due = a->count_due_ms - clock_now(&a->clock);
    assert_true(due > 3000 && due <= 5000);
    /* another process queues a call */
    st = store_open(NULL, &err);
    assert_non_null(st);
    call_init(&c);
    call_set(&c, FIELD_TO, "+1 212 555 0100");
    call_set(&c, FIELD_DURATION, "5");
    n.call = &c;
    n.api_base = "http://elsewhere.example";
    assert_true(store_enqueue(st, &n, store_now_ms() + 3600000, &id, &is_new, &err));
    store_close(st);
    call_done(&c);
    app_take_dirty(a, &dummy);
    app_refresh_count(a);
    assert_int_equal(a->outbox_count, 1);
    assert_true(app_take_dirty(a, &dummy));
    due = a->count_due_ms - clock_now(&a->clock);
    assert_true(due > 4900 && due <= 5000);
    /* unchanged: nothing to paint */
    app_refresh_count(a);
    assert_int_equal(a->outbox_count, 1);
}

/* ---- no store: sent directly ------------------------------------------------------------- */

/* The state directory cannot be made (a file stands where it would be). */
static void start_without_store(struct fixture *fx, const char *base)
{
    char *path;
    FILE *f;

    make_home(fx);
    path = xasprintf("%s/blocked", fx->home);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    setenv("XDG_STATE_HOME", path, 1);
    start_at(fx, base, "600000");
    free(path);
    assert_null(fx->a.store);
    assert_null(fx->a.outbox);
}

static void submit__without_a_store_a_call_is_sent_directly_and_logged(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *id;

    start_without_store(fx, NULL);
    pump_until(a, lists_loaded);
    fill_valid(a);
    handle(a, REQ_SUBMIT);
    assert_true(a->is_sending);
    assert_non_null(a->submit_op);
    pump_until(a, not_sending);
    assert_null(a->submit_op);
    id = server_call_id(0);
    assert_true(a->is_logged);
    assert_string_equal(a->logged_id, id);
    assert_int_equal(a->view, VIEW_RESULT);
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_LOG_AGAIN);
    answer(a, 'n');
    assert_int_equal(posts(), 1);
    free(id);
}

static void submit__without_a_store_an_unknown_outcome_asks_before_a_resend(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    start_without_store(fx, NULL);
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"status\":503");
    submit_and_wait(a);
    assert_true(a->is_outcome_unknown);
    assert_false(a->is_logged);
    assert_int_equal(a->msg_kind, MSG_WARN);
    assert_message_has(a, "Outcome unknown: ");
    assert_message_has(a, " The call may or may not have been logged. Check Amplemarket before "
                          "sending again (F10 asks first).");
    assert_message_lacks(a, "..");
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_RESEND);
    answer(a, 'n');
    assert_int_equal(posts(), 1);
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_RESEND);
    answer(a, 'y');
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_false(a->is_outcome_unknown);
    assert_int_equal(posts(), 2);
}

static void submit__without_a_store_a_rejection_marks_the_fields(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    start_without_store(fx, NULL);
    pump_until(a, lists_loaded);
    fill_valid(a);
    reject_next_post(ERR_DURATION);
    submit_and_wait(a);
    assert_false(a->is_outcome_unknown);
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_int_equal(a->form.focus, FIELD_DURATION);
    assert_string_equal(a->message, "Amplemarket rejected the call (HTTP 422): 1 problem marked "
                                    "! on the field. Nothing was logged.");
    /* a corrected F10 sends at once: a rejection is not an unknown outcome */
    set(a, FIELD_DURATION, "90");
    submit_and_wait(a);
    assert_true(a->is_logged);
}

static void submit__without_a_store_an_unreachable_api_keeps_the_entries(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *base = closed_base_url();

    start_without_store(fx, base);
    fill_valid(a);
    submit_and_wait(a);
    assert_false(a->is_outcome_unknown);
    assert_false(a->is_logged);
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_message_has(a, "Could not reach 127.0.0.1: ");
    assert_message_has(a, " Your entries are kept; F10 tries again.");
    assert_message_lacks(a, "outbox");
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    free(base);
}

static void submit__without_a_store_the_429_401_and_408_keep_the_entries(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    start_without_store(fx, NULL);
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"status\":429");
    submit_and_wait(a);
    assert_string_equal(a->message, "Too many requests (HTTP 429). Nothing was logged and your "
                                    "entries are kept; wait a little, then F10 sends again.");
    fault_post("\"status\":401");
    submit_and_wait(a);
    assert_string_equal(a->message, "The API key was rejected (HTTP 401). Check "
                                    "AMPLEMARKET_API_KEY; nothing was logged and your entries are "
                                    "kept.");
    fault_post("\"status\":408");
    submit_and_wait(a);
    assert_message_has(a, "Amplemarket did not take the call (HTTP 408): ");
    assert_message_has(a, " Nothing was logged and your entries are kept; F10 tries again.");
    assert_message_lacks(a, "..");
    fault_post("\"status\":500");
    submit_and_wait(a);
    assert_true(a->is_outcome_unknown);
    assert_false(a->is_logged);
}

static void submit__without_a_host_name_the_messages_say_amplemarket_and_the_api(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    char *base = closed_base_url();

    start_without_store(fx, base);
    a->host = NULL;
    fill_valid(a);
    handle(a, REQ_SUBMIT);
    assert_string_equal(a->message, "Sending the call to Amplemarket...");
    pump_until(a, not_sending);
    assert_message_has(a, "Could not reach the API: ");
    free(base);
}

static void submit__a_second_429_starts_its_own_countdown(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    /* without a store, so no outbox sends it by itself when the wait is over */
    start_without_store(fx, NULL);
    pump_until(a, lists_loaded);

    fill_valid(a);
    fault_post("\"status\":429,\"retry_after\":1");
    submit_and_wait(a);
    assert_message_has(a, "you can send again in 1 s.");
    {
        long long end = now_ms() + 4000;
        while (now_ms() < end && a->retry_at_ms)
            pump_for(a, NULL, 50);
    }
    assert_message_has(a, "You can send again now (F10).");
    fault_post("\"status\":429,\"retry_after\":1");
    submit_and_wait(a);
    assert_int_equal(posts(), 2);
    assert_message_has(a, "you can send again in 1 s.");
    assert_false(a->is_logged);
}

static void submit__f10_on_a_due_pending_call_sends_the_stored_row_again(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    long long id;

    fill_valid(a);
    fault_post("\"status\":408");
    submit_and_wait(a);
    id = a->outbox_id;
    usleep(2100 * 1000); /* past the backoff; no tick, so the outbox did not send it first */
    handle(a, REQ_SUBMIT);
    assert_true(a->is_sending);
    assert_string_equal(a->message, "Sending the call to 127.0.0.1 again...");
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_int_equal(only_row(STORE_SENT), id); /* the same row, not a copy */
    assert_int_equal(posts(), 2);
}

static bool row_is_sending(const struct app *a)
{
    struct store_rows rows;
    bool is;

    read_rows(&rows);
    is = rows.n == 1 && rows.v[0].state == STORE_SENDING;
    store_rows_done(&rows);
    return is;
}

static void submit__f10_while_the_outbox_sends_the_call_waits_for_its_outcome(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    assert_true(fake_set_faults(fk, "[{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
                                    "\"status\":429},{\"path\":\"/calls\",\"method\":\"POST\","
                                    "\"times\":1,\"delay_ms\":700}]"));
    submit_and_wait(a);
    pump_until(a, row_is_sending);
    handle(a, REQ_SUBMIT);
    assert_false(a->is_sending);
    assert_string_equal(a->message, "This call is being sent from the outbox right now; its "
                                    "outcome shows here.");
    pump_until(a, logged);
    assert_int_equal(posts(), 2);
    only_row(STORE_SENT);
}

/* Two calls on the server that both match ours: no rule can tell which is ours. */
static void plant_twins(void)
{
    json_object *r = fake_seed_calls(
        fk, "[{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 0199\",\"duration\":95,"
            "\"answered\":true,\"human\":true,\"task_id\":\"" FAKE_TASK_ID_FIRST "\","
            "\"user_id\":\"" FAKE_USER_ID "\"},"
            "{\"from\":\"+1 415 555 0100\",\"to\":\"+1 212 555 0199\",\"duration\":95,"
            "\"answered\":true,\"human\":true,\"task_id\":\"" FAKE_TASK_ID_FIRST "\","
            "\"user_id\":\"" FAKE_USER_ID "\"}]");
    assert_non_null(r);
    json_object_put(r);
}

static bool in_review(const struct app *a)
{
    return a->is_outbox_review;
}

static void submit__a_call_the_look_up_cannot_tell_apart_is_kept_for_review(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id;
    char *want, *q;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    plant_twins();
    fill_valid(a);
    fault_post("\"status\":503");
    submit_and_wait(a);
    id = a->outbox_id;
    pump_until(a, in_review);
    assert_int_equal(only_row(STORE_REVIEW), id);
    assert_int_equal(a->outbox_id, id);
    assert_true(a->is_outcome_unknown);
    assert_false(a->is_logged);
    assert_int_equal(a->msg_kind, MSG_WARN);
    want = xasprintf("Call %lld needs review: it is kept, not sent again. Amplemarket holds calls "
                     "like it that cannot be told apart from it, so it may already be logged. "
                     "'amplecall outbox' shows them; 'amplecall outbox resolve %lld' settles it. "
                     "F7 starts the next call.",
                     id, id);
    assert_string_equal(a->message, want);
    free(want);
    app_refresh_count(a);
    assert_int_equal(a->review_count, 1);
    /* F10 on the same values sends nothing */
    a->is_outbox_review = false;
    handle(a, REQ_SUBMIT);
    assert_true(a->is_outbox_review);
    want = xasprintf("Call %lld is kept for review, never sent again by itself: Amplemarket holds "
                     "calls like it. 'amplecall outbox' shows them; 'amplecall outbox resolve "
                     "%lld' settles it.",
                     id, id);
    assert_string_equal(a->message, want);
    assert_int_equal(posts(), 1);
    /* edited values: asked first */
    set(a, FIELD_DURATION, "96");
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_SEND_ANOTHER);
    q = xasprintf("Call %lld may already be logged with the earlier values (it waits for review). "
                  "Log these values as another call? (y/n) ",
                  id);
    assert_string_equal(a->ask_text, q);
    assert_int_equal(a->ask_id, id);
    answer(a, 'n');
    assert_int_equal(posts(), 1);
    free(q);
    free(want);
}

static void submit__a_review_of_an_earlier_call_is_announced(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id;
    char *want;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    plant_twins();
    fill_valid(a);
    fault_post("\"status\":503");
    submit_and_wait(a);
    id = a->outbox_id;
    handle(a, REQ_NEXT_CALL);
    want = xasprintf("Call %lld from the outbox needs review: Amplemarket holds calls like it that "
                     "cannot be told apart. It is kept; 'amplecall outbox' shows them, 'amplecall "
                     "outbox resolve %lld' settles it.",
                     id, id);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && (!a->message || strcmp(a->message, want)))
            pump_for(a, NULL, 50);
    }
    assert_string_equal(a->message, want);
    assert_false(a->is_outbox_review);
    assert_int_equal(a->review_count, 1);
    free(want);
}

static void submit__a_call_held_back_by_the_machines_rate_limit_is_queued_once(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    struct store_rows rows;

    make_home(fx);
    setenv("AMPLECALL_OUTBOX_RATE", "1", 1);
    start_at(fx, NULL, "600000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    submit_and_wait(a); /* takes the minute's one request */
    assert_true(a->is_logged);
    handle(a, REQ_NEW_CALL);
    fill_valid(a);
    set(a, FIELD_DURATION, "40");
    handle(a, REQ_SUBMIT); /* held back at once: the outcome comes before the send returns */
    assert_false(a->is_sending);
    read_rows(&rows);
    assert_int_equal(rows.n, 2);
    assert_int_equal(rows.v[0].state, STORE_PENDING);
    assert_int_equal(a->outbox_id, rows.v[0].id);
    {
        char *want = xasprintf("Too many requests (HTTP 429). Nothing was logged. It is queued in "
                               "the outbox as #%lld",
                               rows.v[0].id);
        assert_message_has(a, want);
        free(want);
    }
    store_rows_done(&rows);
    assert_false(app_has_unsaved(a)); /* the outbox holds the values */
    assert_int_equal(a->outbox_count, 1);
    handle(a, REQ_SUBMIT);
    pump_for(a, not_sending, 2000);
    assert_int_equal(row_count(), 2); /* never a second copy */
    assert_int_equal(posts(), 1);
}

static void submit__values_edited_while_sending_are_not_taken_for_the_stored_ones(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    fault_post("\"status\":503,\"delay_ms\":300");
    handle(a, REQ_SUBMIT);
    set(a, FIELD_DURATION, "96"); /* edited while the request is out */
    pump_until(a, not_sending);
    assert_true(a->is_outcome_unknown);
    assert_true(a->outbox_id != 0);
    assert_true(app_has_unsaved(a)); /* 96 is nowhere but in the form */
    handle(a, REQ_SUBMIT);
    assert_int_equal(a->ask, ASK_SEND_ANOTHER);
    assert_int_equal(posts(), 1);
}

static void submit__values_edited_back_after_a_background_send_show_the_logged_call(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id;
    char *want, *rid;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    fill_valid(a);
    fault_post("\"store_then_status\":503");
    submit_and_wait(a);
    id = a->outbox_id;
    set(a, FIELD_DURATION, "96");
    want = xasprintf("Call %lld was logged with the values it had when you sent it; F10 asks "
                     "before logging the edited values as another call.",
                     id);
    {
        long long end = now_ms() + 8000;
        while (now_ms() < end && (!a->message || strcmp(a->message, want)))
            pump_for(a, NULL, 50);
    }
    assert_string_equal(a->message, want);
    set(a, FIELD_DURATION, "95"); /* back to what was sent */
    handle(a, REQ_SUBMIT);
    rid = server_call_id(0);
    assert_true(a->is_logged);
    assert_int_equal(a->view, VIEW_RESULT);
    assert_true(a->is_result_found); /* found by the look-up, not created by a POST of ours */
    assert_string_equal(a->result.id, rid);
    assert_string_equal(a->logged_id, rid);
    assert_null(a->message);
    assert_int_equal(a->outbox_id, 0);
    assert_int_equal(posts(), 1);
    free(rid);
    free(want);
}

static void submit__a_reason_without_a_full_stop_gets_one(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    fault_post("\"status\":408,\"body\":\"{\\\"_errors\\\":[{\\\"code\\\":\\\"timeout\\\","
               "\\\"title\\\":\\\"Request Timeout\\\",\\\"detail\\\":\\\"took too long\\\"}]}\"");
    submit_and_wait(a);
    assert_message_has(a, "Amplemarket did not take the call (HTTP 408): ");
    assert_message_has(a, "took too long. Nothing was logged.");
}

static void submit__a_validators_duration_mark_is_kept_when_the_length_parses(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);

    fill_valid(a);
    set(a, FIELD_DURATION, "400000000"); /* a number, but over ten years */
    handle(a, REQ_SUBMIT);
    assert_string_equal(a->message, "Not sent: 1 field to fix (marked with !).");
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_int_equal(a->form.focus, FIELD_DURATION);
    assert_int_equal(posts(), 0);
}

static void submit__reopening_focuses_the_first_marked_field(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};

    reopen.id = reject_and_start_over(a, ERR_DURATION);
    assert_int_equal(a->form.focus, FIELD_TO);
    app_handle(a, &reopen);
    assert_int_equal(a->form.focus, FIELD_DURATION);
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_null(a->form.error[FIELD_TO]);
}

static void submit__reopening_from_the_history_while_sending_closes_the_history(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct app_req reopen = {.kind = REQ_REOPEN};

    reopen.id = reject_and_start_over(a, ERR_TO);
    fill_valid(a);
    fault_post("\"delay_ms\":400");
    handle(a, REQ_SUBMIT);
    handle(a, REQ_HISTORY);
    pump_for(a, NULL, 50);
    assert_int_equal(a->view, VIEW_HISTORY);
    app_handle(a, &reopen);
    assert_string_equal(a->message, "Wait until this call is sent.");
    assert_int_equal(a->view, VIEW_FORM);
    assert_null(a->form.error[FIELD_TO]);
    pump_until(a, not_sending);
}

static void submit__an_edit_during_the_send_is_not_saved_early_in_the_next_call(void **state)
{
    struct fixture *fx = *state;
    struct app *a = start_app(fx);
    struct store *st;
    struct store_draft d;
    char *err = NULL;

    fill_valid(a);
    fault_post("\"delay_ms\":200");
    handle(a, REQ_SUBMIT);
    set(a, FIELD_TRANSCRIPTION, "Spoke about the renewal."); /* a save falls due */
    pump_until(a, not_sending);
    assert_true(a->is_logged);
    assert_false(a->is_draft_dirty);
    assert_int_equal(a->draft_due_ms, 0);
    pump_for(a, NULL, 600); /* past when that save was due */
    handle(a, REQ_NEW_CALL);
    set(a, FIELD_TO, "+1 646 555 0123");
    app_tick(a);
    /* the next call's draft waits its own half second */
    st = store_open(NULL, &err);
    assert_non_null(st);
    store_draft_init(&d);
    assert_int_equal(store_draft_load(st, a->draft_slot, &d, &err), 0);
    store_draft_done(&d);
    store_close(st);
}

static void submit__a_background_outcome_asks_for_a_repaint(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    struct http_client *h;
    long long end;
    bool is_timer_only, is_seen = false;

    make_home(fx);
    start_at(fx, NULL, "1000");
    pump_until(a, lists_loaded);
    h = api_http(a->api);
    fill_valid(a);
    assert_true(fake_set_faults(fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"times\":2,"
                                    "\"status\":429}"));
    submit_and_wait(a);
    end = now_ms() + 8000;
    while (now_ms() < end && !is_seen) {
        struct store_rows rows;
        app_tick(a);
        app_take_dirty(a, &is_timer_only);
        http_client_poll(h, NULL, 0, 20);
        http_client_perform(h);
        read_rows(&rows);
        if (rows.n == 1 && rows.v[0].attempts >= 2 && rows.v[0].state == STORE_PENDING) {
            is_seen = true;
            assert_true(app_take_dirty(a, &is_timer_only));
        }
        store_rows_done(&rows);
    }
    assert_true(is_seen);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(submit__an_accepted_call_is_shown_logged_with_its_id_and_read_only),
        T(submit__log_again_y_sends_the_same_values_as_a_second_call),
        T(submit__f10_while_sending_waits_instead_of_sending_twice),
        T(submit__a_complete_disposition_takes_its_task_off_the_list),
        T(submit__a_next_stage_disposition_leaves_its_task_listed),
        T(submit__a_running_timer_is_stopped_and_fills_the_duration),
        T(submit__a_timer_started_while_sending_stops_when_the_call_is_logged),
        T(submit__a_question_open_when_the_call_is_logged_is_withdrawn),
        T(submit__an_open_picker_closes_when_the_call_is_logged),
        T(submit__invalid_fields_are_counted_marked_and_nothing_is_sent),
        T(submit__a_422_marks_the_fields_its_pointers_name_and_focuses_the_first),
        T(submit__a_422_with_one_pointer_says_one_problem),
        T(submit__a_422_naming_no_field_lists_the_problem_above),
        T(submit__two_422_problems_naming_no_field_are_counted),
        T(submit__a_422_with_field_and_general_problems_says_where_each_is),
        T(submit__a_422_without_errors_gives_the_servers_reason),
        T(submit__a_408_is_not_a_verdict_and_the_call_waits_in_the_outbox),
        T(submit__a_call_that_cannot_reach_the_api_stays_pending_in_the_outbox),
        T(submit__a_401_says_the_key_was_rejected_and_keeps_the_call),
        T(submit__a_429_with_retry_after_counts_down_before_a_resend),
        T(submit__a_429_without_retry_after_keeps_the_call_queued),
        T(submit__an_unknown_outcome_is_kept_for_look_up_and_never_resent_on_a_hope),
        T(submit__an_unknown_call_found_by_its_look_up_is_shown_logged),
        T(submit__a_background_look_up_that_finds_the_call_updates_the_form),
        T(submit__a_background_send_of_edited_values_says_f10_asks_first),
        T(submit__a_call_settled_elsewhere_is_already_logged_and_not_sent_again),
        T(submit__edited_values_of_an_unknown_call_ask_before_another_call),
        T(submit__a_dropped_row_is_sent_fresh_on_f10),
        T(submit__a_background_send_of_an_earlier_call_is_announced),
        T(submit__a_background_rejection_of_an_earlier_call_points_to_the_history),
        T(submit__a_background_rejection_of_the_forms_call_marks_its_fields),
        T(submit__a_background_retry_that_fails_again_stays_quiet),
        T(submit__reopening_a_rejected_call_restores_its_values_and_marks),
        T(submit__reopening_a_call_with_one_mark_says_one_problem),
        T(submit__reopening_a_call_rejected_without_errors_gives_its_reason),
        T(submit__only_a_rejected_call_can_be_reopened),
        T(submit__reopening_over_unsent_values_asks_first),
        T(submit__the_outbox_count_is_checked_again_for_other_processes),
        T(submit__without_a_store_a_call_is_sent_directly_and_logged),
        T(submit__without_a_store_an_unknown_outcome_asks_before_a_resend),
        T(submit__without_a_store_a_rejection_marks_the_fields),
        T(submit__without_a_store_an_unreachable_api_keeps_the_entries),
        T(submit__without_a_store_the_429_401_and_408_keep_the_entries),
        T(submit__without_a_host_name_the_messages_say_amplemarket_and_the_api),
        T(submit__a_second_429_starts_its_own_countdown),
        T(submit__f10_on_a_due_pending_call_sends_the_stored_row_again),
        T(submit__f10_while_the_outbox_sends_the_call_waits_for_its_outcome),
        T(submit__a_call_the_look_up_cannot_tell_apart_is_kept_for_review),
        T(submit__a_review_of_an_earlier_call_is_announced),
        T(submit__a_call_held_back_by_the_machines_rate_limit_is_queued_once),
        T(submit__values_edited_while_sending_are_not_taken_for_the_stored_ones),
        T(submit__values_edited_back_after_a_background_send_show_the_logged_call),
        T(submit__a_reason_without_a_full_stop_gets_one),
        T(submit__a_validators_duration_mark_is_kept_when_the_length_parses),
        T(submit__reopening_focuses_the_first_marked_field),
        T(submit__reopening_from_the_history_while_sending_closes_the_history),
        T(submit__an_edit_during_the_send_is_not_saved_early_in_the_next_call),
        T(submit__a_background_outcome_asks_for_a_repaint),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
