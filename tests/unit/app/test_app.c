/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The form's controller (src/app) without a terminal: requests go in through app_handle(),
 * the real store (a temp state directory) and the fake API on 127.0.0.1 answer, and the
 * state that a view would paint is checked. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "core/util.h"
#include "fakectl.h"
#include "net/connect.h"
#include "net/http.h"
#include "store/store.h"

static struct fake *fk;

struct fixture {
    char home[64];
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

/* Run the network and the app's ticks until done(a) or 5 s. */
static void pump_until(struct app *a, bool (*done)(const struct app *a))
{
    long long end = now_ms() + 5000;
    struct http_client *h = api_http(a->api);

    while (!done(a) && now_ms() < end) {
        http_client_poll(h, NULL, 0, 20);
        http_client_perform(h);
        app_tick(a);
    }
    if (!done(a))
        fail_msg("the app did not get there within 5 s");
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

/* A fresh HOME: no config, no store yet. */
static void make_home(struct fixture *fx)
{
    snprintf(fx->home, sizeof(fx->home), "/tmp/amplecall-app-XXXXXX");
    assert_non_null(mkdtemp(fx->home));
    setenv("HOME", fx->home, 1);
    unsetenv("XDG_STATE_HOME");
}

/* The app started as the form starts it, in fx->home. */
static void start_here(struct fixture *fx)
{
    char *err = NULL;

    unsetenv("XDG_STATE_HOME");
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("AMPLECALL_CONFIG");
    setenv("AMPLEMARKET_API_KEY", FAKE_API_KEY, 1);
    setenv("AMPLECALL_BASE_URL", fake_base_url(fk), 1);
    setenv("AMPLECALL_USER", FAKE_USER_ID, 1);
    setenv("AMPLECALL_TIMEOUT", "2", 1);
    app_init(&fx->a);
    if (!settings_load(&fx->a.settings, NULL, &err))
        fail_msg("settings: %s", err);
    fx->a.api = connect_api(&fx->a.settings, &err);
    if (!fx->a.api)
        fail_msg("connect: %s", err);
    app_start(&fx->a);
}

static void start_app(struct fixture *fx)
{
    make_home(fx);
    start_here(fx);
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

    app_finish(&fx->a);
    app_done(&fx->a);
    if (fx->home[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", fx->home);
    free(cmd);
    free(fx);
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

/* A call that passes local validation. */
static void fill_valid(struct app *a)
{
    set(a, FIELD_FROM, "+1 415 555 0100");
    set(a, FIELD_TO, "+1 212 555 0199");
    set(a, FIELD_DURATION, "95");
    set(a, FIELD_ANSWERED, "yes");
    set(a, FIELD_HUMAN, "yes");
    set(a, FIELD_TASK, FAKE_TASK_ID_FIRST);
}

/* The server rejects the next POST naming /to and /duration, in that order. */
static void reject_next_post(void)
{
    assert_true(fake_set_faults(
        fk, "{\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,\"status\":422,"
            "\"body\":\"{\\\"_errors\\\":["
            "{\\\"code\\\":\\\"unsupported_value\\\",\\\"title\\\":\\\"Unsupported Value\\\","
            "\\\"detail\\\":\\\"not a reachable number\\\",\\\"source\\\":{\\\"pointer\\\":"
            "\\\"/to\\\"}},"
            "{\\\"code\\\":\\\"unsupported_value\\\",\\\"title\\\":\\\"Unsupported Value\\\","
            "\\\"detail\\\":\\\"too long\\\",\\\"source\\\":{\\\"pointer\\\":\\\"/duration\\\"}}"
            "]}\"}"));
}

static void app__a_400_with_two_pointers_marks_both_and_focuses_the_first(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;

    start_app(fx);
    pump_until(a, lists_loaded);
    fill_valid(a);
    handle(a, REQ_FOCUS_NEXT); /* the focus is elsewhere when the answer comes */
    reject_next_post();
    handle(a, REQ_SUBMIT);
    pump_until(a, not_sending);
    assert_non_null(a->form.error[FIELD_TO]);
    assert_non_null(strstr(a->form.error[FIELD_TO], "not a reachable number"));
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_null(a->form.error[FIELD_FROM]);
    assert_int_equal(a->form.focus, FIELD_TO);
    assert_int_equal(a->msg_kind, MSG_ERROR);
    assert_non_null(strstr(a->message, "2 problems"));
    assert_false(a->is_logged);
    assert_int_equal(a->view, VIEW_FORM);
    /* fixing one field clears its mark only */
    set(a, FIELD_TO, "+1 212 555 0198");
    assert_null(a->form.error[FIELD_TO]);
    assert_non_null(a->form.error[FIELD_DURATION]);
}

static void app__a_picker_choice_fills_the_field_and_closes_the_picker(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    struct app_req open = {.kind = REQ_OPEN_PICKER, .field = FIELD_DISPOSITION};
    struct app_req choose = {.kind = REQ_CHOOSE, .pick = PICK_DISPOSITION,
                             .text = FAKE_DISPO_VOICEMAIL_ID};
    unsigned gen;

    start_app(fx);
    gen = a->list_gen[PICK_DISPOSITION];
    app_handle(a, &open);
    assert_int_equal(a->view, VIEW_PICKER);
    assert_int_equal(a->pick, PICK_DISPOSITION);
    assert_int_equal(a->form.focus, FIELD_DISPOSITION);
    pump_until(a, lists_loaded);
    assert_true(a->list_gen[PICK_DISPOSITION] != gen); /* the open picker builds its rows again */
    assert_true(a->dispositions.n > 0);
    app_handle(a, &choose);
    assert_int_equal(a->view, VIEW_FORM);
    assert_int_equal(a->form.focus, FIELD_DISPOSITION);
    assert_string_equal(form_value(&a->form, FIELD_DISPOSITION), FAKE_DISPO_VOICEMAIL_ID);
    assert_non_null(a->form.display[FIELD_DISPOSITION]);
    assert_non_null(app_disposition_name(a, FAKE_DISPO_VOICEMAIL_ID));
}

static void app__an_abandoned_draft_is_offered_and_resumed(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    struct store *st;
    struct store_draft d;
    char *err = NULL;
    struct app_req yes = {.kind = REQ_ANSWER, .ch = 'r'};

    /* a draft left by a session whose process is gone (a slot of no live process) */
    make_home(fx);
    st = store_open(NULL, &err);
    if (!st)
        fail_msg("store_open: %s", err);
    store_draft_init(&d);
    call_set(&d.call, FIELD_TO, "+1 646 555 0123");
    call_set(&d.call, FIELD_DURATION, "42");
    call_set(&d.call, FIELD_TRANSCRIPTION, "Left a message about the renewal.");
    assert_true(store_draft_save(st, "legacy-draft" /* of no process */, &d,
                                 store_now_ms(), &err));
    store_draft_done(&d);
    store_close(st);

    start_here(fx);
    assert_int_equal(a->ask, ASK_RESUME);
    assert_non_null(strstr(a->ask_text, "+1 646 555 0123"));
    app_handle(a, &yes);
    assert_int_equal(a->ask, ASK_NONE);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 646 555 0123");
    assert_string_equal(form_value(&a->form, FIELD_DURATION), "42");
    assert_string_equal(form_value(&a->form, FIELD_TRANSCRIPTION),
                        "Left a message about the renewal.");
    assert_int_equal(a->msg_kind, MSG_OK);
    assert_true(app_has_unsaved(a));
}

static bool history_open(const struct app *a)
{
    return a->view == VIEW_HISTORY;
}

static void app__a_rejected_call_reopens_with_its_marks(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    long long id = 0;
    struct app_req reopen = {.kind = REQ_REOPEN};

    start_app(fx);
    pump_until(a, lists_loaded);
    fill_valid(a);
    reject_next_post();
    handle(a, REQ_SUBMIT);
    pump_until(a, not_sending);
    assert_non_null(a->form.error[FIELD_TO]);
    /* the rep starts over (asked first: the rejected values exist only in the form) */
    handle(a, REQ_NEXT_CALL);
    if (a->ask == ASK_NEW_CALL) {
        struct app_req yes = {.kind = REQ_ANSWER, .ch = 'y'};
        app_handle(a, &yes);
    }
    assert_string_equal(form_value(&a->form, FIELD_TO), "");
    handle(a, REQ_HISTORY);
    pump_until(a, history_open);
    assert_true(a->history.n >= 1);
    assert_int_equal(a->history.v[0].state, STORE_REJECTED);
    id = a->history.v[0].id;
    reopen.id = id;
    app_handle(a, &reopen);
    assert_int_equal(a->view, VIEW_FORM);
    assert_string_equal(form_value(&a->form, FIELD_TO), "+1 212 555 0199");
    assert_string_equal(form_value(&a->form, FIELD_DURATION), "95");
    assert_non_null(a->form.error[FIELD_TO]);
    assert_non_null(a->form.error[FIELD_DURATION]);
    assert_int_equal(a->form.focus, FIELD_TO);
    assert_non_null(strstr(a->message, "reopened"));
}

static void app__esc_on_the_result_returns_to_a_read_only_logged_call(void **state)
{
    struct fixture *fx = *state;
    struct app *a = &fx->a;
    size_t posts;

    start_app(fx);
    pump_until(a, lists_loaded);
    fill_valid(a);
    handle(a, REQ_SUBMIT);
    pump_until(a, not_sending);
    assert_int_equal(a->view, VIEW_RESULT);
    assert_true(a->is_logged);
    handle(a, REQ_CLOSE);
    assert_int_equal(a->view, VIEW_FORM);
    set(a, FIELD_DURATION, "96"); /* refused: the logged call is read-only */
    assert_string_equal(form_value(&a->form, FIELD_DURATION), "95");
    handle(a, REQ_SUBMIT); /* a second F10 asks, and anything but y is no */
    assert_int_equal(a->ask, ASK_LOG_AGAIN);
    {
        struct app_req no = {.kind = REQ_ANSWER, .ch = 'n'};
        app_handle(a, &no);
    }
    posts = fake_request_count(fk, "POST", "/calls");
    assert_int_equal(posts, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            app__a_400_with_two_pointers_marks_both_and_focuses_the_first, setup, teardown),
        cmocka_unit_test_setup_teardown(
            app__a_picker_choice_fills_the_field_and_closes_the_picker, setup, teardown),
        cmocka_unit_test_setup_teardown(app__an_abandoned_draft_is_offered_and_resumed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(app__a_rejected_call_reopens_with_its_marks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            app__esc_on_the_result_returns_to_a_read_only_logged_call, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
