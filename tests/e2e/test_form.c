/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End-to-end tests of the call form: the real amplecall binary on a pty, its screen read
 * through libvterm, against the fake Amplemarket API on 127.0.0.1. Every wait is bounded;
 * a failing check dumps the screen (never the raw bytes, argv or environment). */
#include "config.h"

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "fakectl.h"
#include "form_check.h"
#include "pty.h"
#include "core/util.h"

static const char *const labels[] = {"From",          "To",           "Duration", "Answered",
                                     "Human",         "Disposition",  "Task",     "User",
                                     "Transcription", "Recording URL"};

struct ctx {
    struct fake *fake;
    char **env;
    struct term *t;
};

/* Start a fake server with fake_args and the form with env_extra (both NULL-terminated or
 * NULL). The user is the fake's main user unless env_extra says otherwise. */
static struct ctx *start_sized(const char *const *fake_args, const char *const *env_extra, int rows,
                               int cols)
{
    struct ctx *c = xcalloc(1, sizeof(*c));
    char *bin = amplecall_path();

    c->fake = fake_start(fake_args);
    assert_non_null(c->fake);
    c->env = form_env(fake_base_url(c->fake), NULL, env_extra);
    c->t = term_spawn((const char *const[]){bin, NULL}, (const char *const *)c->env, rows, cols);
    free(bin);
    assert_non_null(c->t);
    return c;
}

static struct ctx *start(const char *const *fake_args, const char *const *env_extra)
{
    return start_sized(fake_args, env_extra, 24, 80);
}

static void stop(struct ctx *c)
{
    term_free(c->t);
    term_env_free(c->env);
    fake_stop(c->fake);
    free(c);
}

/* The form is painted and the three lists (dispositions, tasks, users) have arrived. */
static void wait_ready(struct ctx *c)
{
    see_form_ready(c->t);
}

/* Move focus to field n from From (the first focus) with Tab. */
static void go_to(struct term *t, int n)
{
    for (int i = 0; i < n; i++)
        key(t, "Tab");
    see_cursor(t, ROW_OF(n), LABEL_COL + (n == F_HUMAN || n == F_ANSWERED ? 1 : 0));
}

static json_object *member(json_object *o, const char *k)
{
    json_object *v = NULL;

    json_object_object_get_ex(o, k, &v);
    return v;
}

/* Fill every required field (and a disposition) with the keyboard, starting on From. */
static void fill_valid(struct term *t)
{
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y n Enter");
    see_text(t, "Choose a disposition");
    type(t, "interested");
    see_text(t, "(2 of 5)");
    key(t, "Enter");
    see_gone(t, "Choose a disposition");
    key(t, "Tab Enter");
    see_text(t, "Choose a task");
    type(t, "contact2@");
    see_text(t, "(1 of");
    key(t, "Enter");
    see_text(t, "contact2@prospect.example");
    see_gone(t, "Choose a task");
}

/* ---- configuration ---------------------------------------------------------------------- */

/* A config file with extra keys and colours (AMPLECALL_CONFIG); owned path, 0600. */
static char *write_config(const char *text)
{
    char path[] = "/tmp/amplecall-form-config-XXXXXX";
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return xstrdup(path);
}

static void form__config_key_bindings_and_colours_are_honoured(void **state)
{
    char *path = write_config("key.submit = F6\nkey.timer = C-b\ncolor.error = white on red\n");
    char *env = xasprintf("AMPLECALL_CONFIG=%s", path);
    struct ctx *c = start(NULL, (const char *const[]){env, NULL});
    struct term *t = c->t;
    struct term_cell_attrs at;
    int row, col;

    wait_ready(c);
    /* the rebound submit key sends: an empty form is refused with marks in the error colour */
    key(t, "F6");
    see_text(t, "To is required");
    assert_true(term_find(t, "To is required", &row, &col));
    assert_true(term_attrs_at(t, row, col, &at));
    assert_int_equal(at.bg, 1); /* red */
    /* the rebound timer key starts the timer */
    key(t, "C-b");
    see_text(t, "running");
    key(t, "C-b");
    see_gone(t, "running");
    /* the default keys keep working next to the configured ones */
    key(t, "F2");
    see_text(t, "replace it when it stops?");
    key(t, "y");
    see_text(t, "running");
    stop(c);
    unlink(path);
    free(path);
    free(env);
}

/* The screen's fixed places, each where the help and the screenshots say: the "v more" mark
 * of a form taller than the screen ends three columns from the right edge, a note under a
 * field is in the note colour (cyan), and the empty history says so on the second row inside
 * its box. */
static void form__marks_notes_and_the_empty_history_keep_their_places(void **state)
{
    struct ctx *c;
    struct term *t;
    struct term_cell_attrs at;
    int row, col, title_row, title_col;
    char *script = xasprintf("/tmp/amplecall-editor-%d.sh", (int)getpid()), *envv;
    FILE *f = fopen(script, "w");

    /* the "editor" adds a line each time: a transcription of three lines, previewed in four */
    assert_non_null(f);
    fputs("#!/bin/sh\nprintf 'Spoke with Eve about pricing\\n' >> \"$1\"\n", f);
    fclose(f);
    chmod(script, 0700);
    envv = xasprintf("EDITOR=%s", script);
    c = start(NULL, (const char *const[]){envv, NULL});
    t = c->t;
    wait_ready(c);
    go_to(t, F_TRANSCRIPTION);
    type(t, "Call notes:");
    key(t, "F4");
    see_text(t, "Transcription updated from the editor");
    key(t, "F4");
    see_text(t, "3 lines");
    assert_true(term_find(t, "F4 opens it in the editor", &row, &col));
    assert_true(term_attrs_at(t, row, col, &at));
    assert_int_equal(at.fg, 6); /* cyan */
    assert_int_equal(at.bg, TERM_COLOR_DEFAULT);
    /* sent unfilled: a mark under every required field makes the form taller than the screen */
    key(t, "F10");
    see_text(t, "To is required");
    see_text(t, "v more");
    assert_true(term_find(t, "v more", &row, &col));
    assert_int_equal(col, 80 - 9);
    key(t, "F3");
    see_text(t, "No calls have been logged from this machine yet.");
    assert_true(term_find(t, "History: 0 calls", &title_row, &title_col));
    assert_true(term_find(t, "No calls have been logged from this machine yet.", &row, &col));
    assert_int_equal(row, title_row + 2);
    /* the box's text sits 2 columns in from its left edge, its title 3 ("┌─ History") */
    assert_int_equal(col, title_col - 1);
    stop(c);
    unlink(script);
    free(script);
    free(envv);
}

/* ---- screen ----------------------------------------------------------------------------- */

static void form__first_paint_shows_the_ten_labels_in_order(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    int row;

    wait_ready(c);
    for (int i = 0; i < 10; i++) {
        char *r = term_row(t, ROW_OF(i));
        char *label = strstr(r, labels[i]);
        if (!label)
            term_dump(t, stderr);
        assert_non_null(label);
        assert_int_equal(label - r, 4);
        /* required fields carry a '*' */
        assert_int_equal(r[2] == '*',
                         i != F_DISPOSITION && i != F_TRANSCRIPTION && i != F_RECORDING);
        free(r);
    }
    see_regex(t, "User +" FAKE_USER_NAME " <" FAKE_USER_EMAIL ">");
    assert_true(term_find(t, "127.0.0.1", &row, NULL));
    assert_int_equal(row, 22);
    assert_true(term_find(t, "F10/^S Send", &row, NULL));
    assert_int_equal(row, 23);
    assert_true(term_find(t, "F2/^T Timer", NULL, NULL));
    assert_true(term_altscreen(t));
    assert_true(term_cursor_visible(t));
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL); /* the cursor sits in the focused field */
    key(t, "C-q");
    see_exit(t, 0); /* nothing typed: quits at once */
    assert_false(term_altscreen(t));
    assert_true(term_cursor_visible(t));
    stop(c);
}

static void form__paints_at_once_and_loads_lists_in_the_background(void **state)
{
    struct ctx *c = start((const char *const[]){"--faults", "{\"delay_ms\":1500}", NULL}, NULL);
    struct term *t = c->t;
    long long t0 = now_ms();

    check(t, term_wait_text(t, "Recording URL", 1000), "the form paints before the lists arrive");
    fprintf(stderr, "# painted %lld ms after spawn\n", now_ms() - t0);
    see_regex(t, "Task +. loading");
    /* the keyboard works while the network is busy */
    type(t, "+1 415");
    see_value(t, ROW_OF(F_FROM), "+1 415");
    assert_true(now_ms() - t0 < 1500);
    wait_ready(c);
    see_value(t, ROW_OF(F_FROM), "+1 415");
    stop(c);
}

static void form__refuses_without_a_terminal(void **state)
{
    char *bin = amplecall_path();
    char *err = NULL;
    int rc = run_capture((const char *const[]){bin, NULL}, NULL, NULL, WAIT_MS, NULL, &err);

    assert_int_equal(rc, 64);
    assert_non_null(strstr(err, "terminal"));
    free(err);
    free(bin);
}

static void form__never_draws_on_a_dumb_terminal(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"TERM=dumb", NULL});

    /* plain lines instead (line mode); no cursor addressing, no alternate screen */
    check(c->t, term_wait_quiet(c->t, 300, WAIT_MS), "output settles");
    assert_false(term_altscreen(c->t));
    assert_false(term_find(c->t, "F10/^S Send", NULL, NULL));
    assert_false(term_raw_contains(c->t, "\033["));
    stop(c);
}

/* ---- editing ---------------------------------------------------------------------------- */

static void form__readline_keys_edit_the_focused_field(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    key(t, "Tab"); /* To */
    type(t, "world");
    key(t, "C-a");
    type(t, "hello ");
    key(t, "C-e");
    type(t, "!");
    see_value(t, ROW_OF(F_TO), "hello world!");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL + 12);
    key(t, "C-a C-k");
    see_value(t, ROW_OF(F_TO), "");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    key(t, "C-y");
    see_value(t, ROW_OF(F_TO), "hello world!");
    key(t, "C-_");
    see_value(t, ROW_OF(F_TO), "");
    key(t, "C-_");
    see_value(t, ROW_OF(F_TO), "hello world!");
    key(t, "M-b C-w"); /* back a word, kill the word before it */
    see_value(t, ROW_OF(F_TO), "world!");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    /* printable characters always type: '?' and 'y' are not commands in a text field */
    type(t, "?y ");
    see_value(t, ROW_OF(F_TO), "?y world!");
    /* the value stays when focus moves away and back */
    key(t, "Up Down");
    see_value(t, ROW_OF(F_TO), "?y world!");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL + 9);
    stop(c);
}

static void form__utf8_is_edited_mid_line_by_columns(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    go_to(t, F_TRANSCRIPTION);
    type(t, "王小明 Zoë");
    see_value(t, ROW_OF(F_TRANSCRIPTION), "王小明 Zoë");
    see_cursor(t, ROW_OF(F_TRANSCRIPTION), LABEL_COL + 10);
    key(t, "C-a Right Right");
    see_cursor(t, ROW_OF(F_TRANSCRIPTION), LABEL_COL + 4); /* two wide characters */
    type(t, "é");
    see_value(t, ROW_OF(F_TRANSCRIPTION), "王小é明 Zoë");
    see_cursor(t, ROW_OF(F_TRANSCRIPTION), LABEL_COL + 5);
    key(t, "Backspace Backspace");
    see_value(t, ROW_OF(F_TRANSCRIPTION), "王明 Zoë");
    see_cursor(t, ROW_OF(F_TRANSCRIPTION), LABEL_COL + 2);
    key(t, "End Left Delete");
    see_value(t, ROW_OF(F_TRANSCRIPTION), "王明 Zo");
    stop(c);
}

static void form__long_text_scrolls_horizontally_keeping_the_cursor_in_view(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    char text[200];
    int row, col;

    wait_ready(c);
    go_to(t, F_RECORDING);
    for (int i = 0; i < 150; i++)
        text[i] = (char)('a' + i % 26);
    memcpy(text + 150, "END", 4);
    type(t, text);
    see_text(t, "END");
    term_cursor(t, &row, &col);
    assert_int_equal(row, ROW_OF(F_RECORDING));
    assert_true(col > LABEL_COL && col < 80);
    key(t, "Home");
    see_cursor(t, ROW_OF(F_RECORDING), LABEL_COL);
    see_gone(t, "END");
    see_text(t, "abcdefghij");
    stop(c);
}

static void form__booleans_toggle_with_space_y_and_n(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    go_to(t, F_ANSWERED);
    see_value(t, ROW_OF(F_ANSWERED), "[ ] yes  [ ] no");
    key(t, "Space");
    see_value(t, ROW_OF(F_ANSWERED), "[x] yes  [ ] no");
    see_cursor(t, ROW_OF(F_ANSWERED), LABEL_COL + 1);
    key(t, "Space");
    see_value(t, ROW_OF(F_ANSWERED), "[ ] yes  [x] no");
    see_cursor(t, ROW_OF(F_ANSWERED), LABEL_COL + 10);
    key(t, "y"); /* y and n set the field and move on */
    see_value(t, ROW_OF(F_ANSWERED), "[x] yes  [ ] no");
    /* Answered = no (the second Space) had set Human = no */
    see_value(t, ROW_OF(F_HUMAN), "[ ] yes  [x] no");
    see_cursor(t, ROW_OF(F_HUMAN), LABEL_COL + 10);
    key(t, "n");
    see_value(t, ROW_OF(F_HUMAN), "[ ] yes  [x] no");
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    key(t, "Up y");
    see_value(t, ROW_OF(F_HUMAN), "[x] yes  [ ] no");
    stop(c);
}

static void form__editor_writes_the_transcription(void **state)
{
    struct ctx *c;
    char *script, *envv;
    FILE *f;

    /* the "editor" appends a line to the file it is given, like a user would */
    script = xasprintf("/tmp/amplecall-editor-%d.sh", (int)getpid());
    f = fopen(script, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nprintf 'Spoke with Eve about pricing\\n' >> \"$1\"\n", f);
    fclose(f);
    chmod(script, 0700);
    envv = xasprintf("EDITOR=%s", script);
    c = start(NULL, (const char *const[]){envv, NULL});
    wait_ready(c);
    go_to(c->t, F_TRANSCRIPTION);
    type(c->t, "Call notes:");
    key(c->t, "C-x C-e");
    see_text(c->t, "Transcription updated from the editor");
    see_regex(c->t, "Call notes:\\^JSpoke with Eve about pricing");
    see_cursor(c->t, ROW_OF(F_TRANSCRIPTION), LABEL_COL + 41);
    key(c->t, "F4"); /* the F-key does the same */
    see_text(c->t, "Transcription updated from the editor");
    key(c->t, "Home");
    see_regex(c->t, "Call notes:\\^JSpoke with Eve about pricing\\^JSpoke");
    stop(c);
    unlink(script);
    free(script);
    free(envv);
}

/* ---- timer ------------------------------------------------------------------------------ */

static void form__timer_counts_and_fills_duration_when_stopped(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    char *v;
    long secs;

    wait_ready(c);
    key(t, "F2");
    see_text(t, "Timer 00:00");
    check(t, term_wait_text(t, "Timer 00:01", 3000), "the timer ticks");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL); /* ticking never steals the cursor */
    key(t, "F2");
    see_text(t, "Timer stopped: Duration is");
    v = value_at(t, ROW_OF(F_DURATION));
    secs = strtol(v, NULL, 10);
    assert_true(secs >= 1 && secs <= 4);
    free(v);
    /* a Duration already set: starting asks first; "n" leaves it alone */
    key(t, "C-t");
    see_text(t, "Duration already has a value");
    key(t, "n");
    see_gone(t, "Duration already has a value");
    see_gone(t, "Timer 00:0");
    key(t, "C-t");
    see_text(t, "Duration already has a value");
    key(t, "y");
    see_text(t, "Timer 00:00");
    key(t, "C-t");
    see_regex(t, "Duration +0 ");
    stop(c);
}

static void form__timer_ticks_write_few_bytes(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    size_t len = 0;
    long long t0;

    wait_ready(c);
    key(t, "F2");
    see_text(t, "Timer 00:01");
    term_raw_reset(t);
    t0 = now_ms();
    check(t, term_wait_text(t, "Timer 00:04", 4000), "three more ticks");
    term_wait_quiet(t, 100, 1000);
    term_raw(t, &len);
    fprintf(stderr, "# timer: %zu bytes in %lld ms\n", len, now_ms() - t0);
    assert_true(len <= 3 * 20);
    stop(c);
}

/* The environment of a login without locale forwarding: LANG=C, LC_CTYPE unset. */
static const char *const lang_c_env[] = {"LANG=C", "LC_ALL=C", "LC_CTYPE", NULL};

/* Three keys typed in From: bytes written, with env_extra for the form (NULL-terminated). */
static void typing_costs_few_bytes(const char *const *env_extra)
{
    struct ctx *c = start(NULL, env_extra);
    struct term *t = c->t;
    size_t len = 0;

    wait_ready(c);
    type(t, "+1"); /* the first change also updates the title */
    see_value(t, ROW_OF(F_FROM), "+1");
    term_wait_quiet(t, 100, 1000);
    term_raw_reset(t);
    type(t, "4");
    see_value(t, ROW_OF(F_FROM), "+14");
    type(t, "1");
    see_value(t, ROW_OF(F_FROM), "+141");
    type(t, "5");
    see_value(t, ROW_OF(F_FROM), "+1415");
    term_wait_quiet(t, 100, 1000);
    term_raw(t, &len);
    fprintf(stderr, "# typing: %zu bytes for 3 keys\n", len);
    assert_true(len <= 3 * 8);
    stop(c);
}

static void form__typing_writes_few_bytes_per_key(void **state)
{
    typing_costs_few_bytes(NULL);
}

/* The charset's own path (transliteration) leaves no attribute behind for the next draw:
 * a stale one would show as escape sequences around every key. */
static void form__typing_in_lang_c_writes_as_few_bytes(void **state)
{
    typing_costs_few_bytes(lang_c_env);
}

/* ---- pickers ---------------------------------------------------------------------------- */

static void form__disposition_picker_filters_and_warns_about_complete(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    go_to(t, F_DISPOSITION);
    key(t, "Enter");
    see_text(t, "Choose a disposition (5 of 5)");
    /* rows keep the API's order and show the action */
    see_regex(t, "Interested +complete");
    see_regex(t, "No answer +next_stage");
    type(t, "not");
    see_text(t, "(1 of 5)");
    see_gone(t, "No answer");
    key(t, "Backspace Backspace Backspace");
    see_text(t, "(5 of 5)");
    type(t, "NO ANS"); /* case-insensitive, every word */
    see_text(t, "(1 of 5)");
    key(t, "C-u");
    see_text(t, "(5 of 5)");
    key(t, "Down Enter"); /* the second row: Not interested */
    see_gone(t, "Choose a disposition");
    see_text(t, "Not interested (complete)");
    see_text(t, "-> Logging it completes the task and its sequence lead.");
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL); /* focus stays on the field */
    /* Esc closes at once and keeps the choice */
    key(t, "Enter");
    see_text(t, "Choose a disposition");
    {
        long long t0 = now_ms();
        key(t, "Esc");
        see_gone(t, "Choose a disposition");
        fprintf(stderr, "# Esc closed the picker in %lld ms\n", now_ms() - t0);
        assert_true(now_ms() - t0 < 500);
    }
    see_text(t, "Not interested (complete)");
    /* Backspace on a picked field clears it (the disposition is optional) */
    key(t, "Backspace");
    see_gone(t, "Not interested (complete)");
    see_gone(t, "completes the task and its sequence lead.");
    stop(c);
}

static void form__task_picker_pages_through_every_task(void **state)
{
    struct ctx *c = start((const char *const[]){"--tasks", "45", NULL}, NULL);
    struct term *t = c->t;
    char id45[FAKE_ID_LEN];
    json_object *req, *body;

    wait_ready(c);
    /* the 45 seeded manual tasks (automatic=false leaves the automatic one out), in one
     * page of page[size]=100 */
    see_text(t, "Enter to choose (45 tasks)");
    assert_int_equal(fake_request_count(c->fake, "GET", "/tasks"), 1);
    req = fake_last_request(c->fake, "GET", "/tasks");
    assert_non_null(strstr(json_object_get_string(member(req, "query")), "automatic=false"));
    assert_non_null(strstr(json_object_get_string(member(req, "query")), "page[size]=100"));
    json_object_put(req);
    go_to(t, F_TASK);
    key(t, "Enter");
    see_text(t, "Choose a task (45 of 45)");
    see_regex(t, "Contact +Email +Due +Notes");
    see_text(t, "contact1@prospect.example");
    /* wide names (王小明, 佐藤 花子) keep the columns aligned */
    see_text(t, "contact4@prospect.example");
    {
        int r1, c1, r3, c3, r4, c4;
        assert_true(term_find(t, "contact1@", &r1, &c1));
        assert_true(term_find(t, "contact3@", &r3, &c3));
        assert_true(term_find(t, "contact4@", &r4, &c4));
        assert_true(term_find(t, "王小明", &r3, NULL));
        assert_int_equal(c3, c1);
        assert_int_equal(c4, c1);
    }
    key(t, "PageDown PageDown");
    see_gone(t, "contact1@prospect.example");
    key(t, "End");
    see_text(t, "contact45@prospect.examp…");
    key(t, "Home");
    see_text(t, "contact1@prospect.example");
    type(t, "contact45");
    see_text(t, "(1 of 45)");
    key(t, "Enter");
    see_gone(t, "Choose a task");
    see_text(t, "<contact45@prospect.example>, due 2026-06-03");
    see_cursor(t, ROW_OF(F_TASK), LABEL_COL);
    /* the id that will be sent is the 45th task's */
    key(t, "Up Up Up Up Up Up");
    fake_task_id(45, id45);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "7");
    key(t, "Tab n F10");
    see_text(t, "Call logged");
    req = fake_last_request(c->fake, "POST", "/calls");
    body = member(req, "body");
    assert_non_null(body);
    assert_string_equal(json_object_get_string(member(body, "task_id")), id45);
    json_object_put(req);
    stop(c);
}

static void form__pickers_fold_accents_and_rank_names_first(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    go_to(t, F_DISPOSITION);
    key(t, "Enter");
    see_text(t, "Choose a disposition (5 of 5)");
    /* only names are searched: "Not interested" has no "a" in its name, only in the
     * description it shows ("completes the task ...") */
    type(t, "no a");
    see_text(t, "(1 of 5)");
    key(t, "Enter");
    see_gone(t, "Choose a disposition");
    see_regex(t, "Disposition +No answer");
    key(t, "Tab Enter");
    see_text(t, "Choose a task (45 of 45)");
    /* Zoë Brontë is every 16th contact: tasks 5, 21 and 37 */
    type(t, "zoe");
    see_text(t, "(3 of 45)");
    key(t, "Enter");
    see_text(t, "<contact5@prospect.example>");
    key(t, "Enter");
    see_text(t, "Choose a task");
    key(t, "C-u");
    type(t, "JOSE");
    see_text(t, "(5 of 45)");
    term_wait_quiet(t, 200, 2000); /* the whole list painted, not only its title */
    {
        /* name prefixes (José Álvarez, tasks 2, 18, 34) above word prefixes (María-José
         * O'Neil, tasks 15, 31), though the API lists task 15 before task 18 */
        int r_first;
        assert_true(term_find(t, "José Álvarez", &r_first, NULL));
        for (int i = 0; i < 5; i++) {
            char *row = term_row(t, r_first + i);
            assert_non_null(strstr(row, i < 3 ? "José Álvarez" : "María-José"));
            free(row);
        }
    }
    key(t, "Enter");
    see_text(t, "José Álvarez <contact2@prospect.example>");
    stop(c);
}

static void form__a_429_on_page_2_of_the_tasks_is_waited_out(void **state)
{
    struct ctx *c = start((const char *const[]){"--tasks", "150", "--faults",
                                                "{\"path\":\"/tasks\",\"status\":429,"
                                                "\"retry_after\":1,\"skip\":1,\"times\":1}",
                                                NULL},
                          NULL);
    struct term *t = c->t;

    /* the form says why the list is slow; the first 100 are kept while it waits, then
     * page 2 arrives */
    see_text(t, "GET /tasks: rate limited, retrying in 1 s");
    see_text(t, "Enter to choose (150 tasks)");
    see_text(t, "online");
    assert_int_equal(fake_request_count(c->fake, "GET", "/tasks"), 3);
    go_to(t, F_TASK);
    key(t, "Enter");
    see_text(t, "Choose a task (150 of 150)");
    type(t, "contact150@");
    see_text(t, "(1 of 150)");
    stop(c);
}

static void form__user_picker_sets_the_user_and_loads_their_tasks(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_USER", NULL});
    struct term *t = c->t;

    see_text(t, "Choose your user");
    see_regex(t, "Task +choose the user first");
    see_text(t, "user: (none)");
    go_to(t, F_USER);
    key(t, "Enter");
    see_text(t, "Choose a user");
    see_text(t, FAKE_USER2_EMAIL);
    type(t, "dana");
    see_text(t, "(1 of");
    key(t, "Enter");
    see_text(t, "user: " FAKE_USER_NAME);
    see_regex(t, "Task +Enter to choose \\(45 tasks\\)");
    see_cursor(t, ROW_OF(F_USER), LABEL_COL);
    stop(c);
}

static void form__user_email_is_resolved_through_the_api(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_USER=" FAKE_USER_EMAIL, NULL});
    struct term *t = c->t;

    see_text(t, "user: " FAKE_USER_NAME " <" FAKE_USER_EMAIL ">");
    see_regex(t, "Task +Enter to choose \\(45 tasks\\)");
    stop(c);
}

/* A server that answers ?email= with another user: the form never takes that user. */
static void form__user_email_takes_only_an_equal_email(void **state)
{
    struct ctx *c = start((const char *const[]){"--faults",
                                                "{\"loose_email\":\"other\",\"path\":\"/users\"}",
                                                NULL},
                          (const char *const[]){"AMPLECALL_USER=" FAKE_USER_EMAIL, NULL});
    struct term *t = c->t;

    see_text(t, "matches no user");
    see_text(t, "user: (none)");
    stop(c);
}

/* Over SSH without locale forwarding (LANG=C): names the charset cannot show are
 * transliterated, never garbage, and what is chosen is sent in UTF-8. */
static void form__lang_c_transliterates_and_sends_utf8(void **state)
{
    struct ctx *c = start(NULL, lang_c_env);
    struct term *t = c->t;
    json_object *req, *body;
    char id2[FAKE_ID_LEN];

    wait_ready(c);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "7");
    key(t, "Tab n Tab Enter");
    see_text(t, "Choose a task (45 of 45)");
    type(t, "jose");
    see_text(t, "Jose Alvarez");
    assert_false(term_find(t, "José", NULL, NULL));
    assert_false(term_find(t, "?lvarez", NULL, NULL));
    key(t, "Enter");
    see_text(t, "Jose Alvarez <contact2@prospect.example>");
    key(t, "F10");
    see_text(t, "Call logged");
    fake_task_id(2, id2);
    req = fake_last_request(c->fake, "POST", "/calls");
    body = member(req, "body");
    assert_non_null(body);
    assert_string_equal(json_object_get_string(member(body, "task_id")), id2);
    json_object_put(req);
    /* a clean exit: in the sanitizer build a leak on the charset's path fails it here */
    key(t, "C-q");
    see_exit(t, 0);
    stop(c);
}

static void form__picker_load_failure_shows_the_error_and_retries(void **state)
{
    struct ctx *c = start((const char *const[]){"--faults",
                                                "{\"status\":503,\"path\":\"/calls/dispositions\","
                                                "\"times\":1}",
                                                NULL},
                          NULL);
    struct term *t = c->t;

    see_regex(t, "Disposition +could not load");
    go_to(t, F_DISPOSITION);
    key(t, "Enter");
    /* opening a failed list loads it again; the fault was used up, so it now arrives */
    see_text(t, "Choose a disposition (5 of 5)");
    key(t, "Esc");
    assert_true(fake_set_faults(c->fake, "{\"status\":500,\"path\":\"/calls/dispositions\"}"));
    key(t, "Enter F5");
    see_text(t, "Could not load dispositions");
    see_text(t, "F5/^R retry");
    assert_true(fake_set_faults(c->fake, "[]"));
    key(t, "C-r");
    see_text(t, "(5 of 5)");
    stop(c);
}

/* ---- submit ----------------------------------------------------------------------------- */

static void form__submit_logs_the_call_and_offers_a_fresh_one(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    json_object *req, *body;

    wait_ready(c);
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Call logged");
    see_text(t, "Amplemarket accepted the call");
    see_regex(t, "ID +[0-9a-f]{8}-");
    see_regex(t, "Start date +20[0-9][0-9]-");
    see_regex(t, "Contact +.*<contact2@prospect.example>");
    see_regex(t, "Disposition +Interested");
    see_regex(t, "Duration +42 s \\(00:42\\)");
    see_regex(t, "Answered +yes");
    see_regex(t, "Human +no");
    /* what the server received, typed per the schema */
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    req = fake_last_request(c->fake, "POST", "/calls");
    body = member(req, "body");
    assert_string_equal(json_object_get_string(member(body, "from")), "+1 415 555 0100");
    assert_string_equal(json_object_get_string(member(body, "to")), "+1 212 555 0199");
    assert_true(json_object_is_type(member(body, "duration"), json_type_int));
    assert_int_equal(json_object_get_int(member(body, "duration")), 42);
    assert_true(json_object_is_type(member(body, "answered"), json_type_boolean));
    assert_true(json_object_get_boolean(member(body, "answered")));
    assert_false(json_object_get_boolean(member(body, "human")));
    assert_string_equal(json_object_get_string(member(body, "user_id")), FAKE_USER_ID);
    assert_string_equal(json_object_get_string(member(body, "disposition_id")),
                        FAKE_DISPO_COMPLETE_ID);
    assert_null(member(body, "transcription")); /* empty optional fields are omitted */
    assert_null(member(body, "recording_url"));
    json_object_put(req);
    /* a fresh call keeps From and User, clears the rest, focuses To */
    key(t, "Enter");
    see_gone(t, "Amplemarket accepted the call");
    see_text(t, "Ready for the next one");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_value(t, ROW_OF(F_TO), "");
    see_regex(t, "Task +Enter to choose");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    /* nothing unsent: quitting does not ask */
    key(t, "C-q");
    see_exit(t, 0);
    stop(c);
}

static void form__numbers_are_remembered_across_runs(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    char *path, *dir;
    struct stat st;
    char **env;
    char *bin = amplecall_path();

    wait_ready(c);
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Call logged");
    key(t, "C-q");
    see_exit(t, 0);
    dir = xasprintf("%s/.local/state/amplecall", term_env_get(c->env, "HOME"));
    path = xasprintf("%s/numbers", dir);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a second run in the same HOME: C-p recalls the numbers */
    term_free(c->t);
    env = c->env;
    c->t = term_spawn((const char *const[]){bin, NULL}, (const char *const *)env, 24, 80);
    t = c->t;
    wait_ready(c);
    key(t, "C-p");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    key(t, "Tab C-p");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    free(path);
    free(dir);
    free(bin);
    stop(c);
}

static void form__validation_marks_fields_and_sends_nothing(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    struct term_cell_attrs at;
    char *r;

    wait_ready(c);
    key(t, "Tab");
    type(t, "not a number");
    key(t, "F10");
    see_text(t, "Not sent:");
    see_text(t, "From is required");
    see_text(t, "To is not a phone number");
    see_text(t, "Task is required");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 0);
    /* focus on the first problem; the marked label carries '!' and an attribute */
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL);
    r = term_row(t, ROW_OF(F_FROM));
    assert_int_equal(r[1], '!');
    free(r);
    assert_true(term_attrs_at(t, ROW_OF(F_FROM), 4, &at));
    assert_true(at.bold);
    /* typing in the field clears its mark only */
    type(t, "1");
    see_gone(t, "From is required");
    see_text(t, "Task is required");
    stop(c);
}

static char *escape_json(const char *s)
{
    json_object *o = json_object_new_string(s);
    char *r = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_NOSLASHESCAPE));

    json_object_put(o);
    return r;
}

/* Queue a 400 reply whose body is body_json. */
static void fault_400(struct fake *f, const char *body_json)
{
    char *esc = escape_json(body_json);
    char *fault = xasprintf("{\"status\":400,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1,"
                            "\"content_type\":\"application/json\",\"body\":%s}",
                            esc);

    assert_true(fake_set_faults(f, fault));
    free(fault);
    free(esc);
}

static void form__api_400_focuses_and_highlights_the_missing_field(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    struct term_cell_attrs at;
    char *r;

    wait_ready(c);
    fill_valid(t);
    fault_400(c->fake, "{\"_errors\":[{\"code\":\"missing_field\",\"title\":\"Missing Field\","
                       "\"detail\":\"Missing field from request: to\",\"source\":{\"pointer\":"
                       "\"/to\"}}],\"object\":\"error\"}");
    key(t, "F10");
    see_text(t, "rejected the call (HTTP 400)");
    see_text(t, "! Missing field from request: to");
    /* focus moved to To; its label is marked and highlighted */
    see_cursor(t, ROW_OF(F_TO), LABEL_COL + 15);
    r = term_row(t, ROW_OF(F_TO));
    assert_int_equal(r[0], '>');
    assert_int_equal(r[1], '!');
    free(r);
    assert_true(term_attrs_at(t, ROW_OF(F_TO), 4, &at));
    assert_true(at.bold && at.reverse);
    /* every field kept as typed */
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_text(t, "contact2@prospect.example");
    /* editing the field clears its mark */
    key(t, "Backspace");
    see_gone(t, "Missing field from request: to");
    see_regex(t, "^> \\* To +\\+1 212 555 019$");
    see_gone(t, "rejected the call"); /* nothing left to explain */
    stop(c);
}

static void form__api_errors_mark_every_field_and_wrap_in_full(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    char *r;
    int row, col;

    wait_ready(c);
    fill_valid(t);
    fault_400(c->fake,
              "{\"_errors\":["
              "{\"code\":\"unsupported_value\",\"title\":\"Unsupported Value\",\"detail\":\"The "
              "task is not a scheduled phone call of this user, so the call cannot be logged "
              "against it; choose another task from the list and send again. ENDOFDETAIL\","
              "\"source\":{\"pointer\":\"/task_id\"}},"
              "{\"code\":\"missing_field\",\"title\":\"Missing Field\",\"detail\":\"Missing field "
              "from request: from\",\"source\":{\"pointer\":\"/from\"}},"
              "{\"code\":\"bad\",\"title\":\"Bad\",\"detail\":\"Quota exceeded for the "
              "account\",\"source\":{\"pointer\":\"/account/quota\"}}"
              "],\"object\":\"error\"}");
    key(t, "F10");
    /* where each problem is shown: two on their fields, one in the message area */
    see_wrapped(t, "2 problems marked ! on the fields, 1 that names no field listed above.");
    /* the first error's field takes focus: Task, listed first by the API */
    see_text(t, "! The task is not a scheduled");
    see_text(t, "ENDOFDETAIL"); /* wrapped, never cut off */
    see_text(t, "! Missing field from request: from");
    see_text(t, "Quota exceeded for the account (at /account/quota)");
    assert_true(term_find(t, "Task", &row, &col));
    see_cursor(t, row, LABEL_COL);
    r = term_row(t, row);
    assert_int_equal(r[1], '!');
    free(r);
    r = term_row(t, ROW_OF(F_FROM));
    assert_int_equal(r[1], '!');
    free(r);
    stop(c);
}

static void form__failures_keep_every_field_with_a_clear_message(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    fill_valid(t);
    assert_true(fake_set_faults(
        c->fake, "{\"status\":401,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "The API key was rejected (HTTP 401)");
    see_text(t, "key rejected");
    /* a 408: the server gave up reading the request; it did not take the call (a 5xx may
     * have: form__unknown_outcome_is_never_called_a_success) */
    assert_true(fake_set_faults(
        c->fake, "{\"status\":408,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Amplemarket did not take the call (HTTP 408)");
    see_text(t, "Nothing was logged");
    see_text(t, "F10 tries again");
    /* a 429 without Retry-After: no invented countdown, the next F10 is allowed */
    assert_true(fake_set_faults(
        c->fake, "{\"status\":429,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Too many requests (HTTP 429). Nothing was logged");
    /* unlimited: libcurl may retry a request whose reused connection died silently */
    assert_true(
        fake_set_faults(c->fake, "{\"drop\":true,\"path\":\"/calls\",\"method\":\"POST\"}"));
    key(t, "F10");
    see_regex(t, "Could not reach 127.0.0.1|Outcome unknown");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    see_value(t, ROW_OF(F_DURATION), "42          F2/^T starts the call timer");
    see_text(t, "contact2@prospect.example");
    assert_true(fake_request_count(c->fake, "POST", "/calls") >= 4);
    {
        json_object *calls = fake_stored_calls(c->fake);
        assert_int_equal(json_object_array_length(calls), 0);
        json_object_put(calls);
    }
    stop(c);
}

static void form__rate_limit_counts_down_from_retry_after(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    fill_valid(t);
    assert_true(fake_set_faults(
        c->fake,
        "{\"status\":429,\"retry_after\":3,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "you can send again in 3 s");
    see_text(t, "which sends it then");
    see_text(t, "you can send again in 2 s");
    key(t, "F10"); /* too early: refused without a request */
    see_text(t, "Rate limited: wait");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    /* the call waits in the outbox, which sends it once Retry-After is over */
    see_text(t, "Call logged");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 2);
    stop(c);
}

static void form__unknown_outcome_is_never_called_a_success(void **state)
{
    /* AMPLECALL_TIMEOUT=2: the settle wait before a look-up is two request timeouts, 4 s,
     * time enough to see the unknown outcome and press F10 before it ends */
    struct ctx *c = start(NULL, (const char *const[]){"AMPLECALL_TIMEOUT=2", NULL});
    struct term *t = c->t;
    json_object *calls;

    wait_ready(c);
    fill_valid(t);
    assert_true(fake_set_faults(
        c->fake, "{\"accept_then_drop\":true,\"path\":\"/calls\",\"method\":\"POST\"}"));
    key(t, "F10");
    see_text(t, "Outcome unknown");
    see_wrapped(t, "may or may not have been logged");
    see_wrapped(t, "which checks Amplemarket before it is ever sent again");
    assert_false(term_find(t, "Call logged", NULL, NULL));
    /* exactly one attempt: nothing re-sent it behind the rep's back */
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    /* F10 never posts it again blindly: it says the call is looked up first... */
    key(t, "F10");
    see_wrapped(t, "This call may already be in Amplemarket: the outbox looks it up");
    assert_false(term_find(t, "Call logged", NULL, NULL));
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    /* ...and once the settle wait is over the look-up finds it: recorded, not re-sent */
    see_text_within(t, "Amplemarket has the call (an earlier attempt reached it)", 15000);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    assert_true(fake_request_count(c->fake, "GET", "/calls") >= 1);
    calls = fake_stored_calls(c->fake);
    assert_int_equal(json_object_array_length(calls), 1);
    json_object_put(calls);
    stop(c);
}

static void form__a_submit_in_flight_cannot_be_sent_twice(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    fill_valid(t);
    assert_true(fake_set_faults(
        c->fake, "{\"delay_ms\":1500,\"path\":\"/calls\",\"method\":\"POST\",\"times\":1}"));
    key(t, "F10");
    see_text(t, "Sending the call");
    see_text(t, "sending...");
    key(t, "F10 C-s");
    see_text(t, "Already sending this call");
    see_text(t, "Call logged");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    stop(c);
}

/* ---- after a call is logged ------------------------------------------------------------- */

static size_t stored_count(struct fake *f)
{
    json_object *calls = fake_stored_calls(f);
    size_t n;

    assert_non_null(calls);
    n = json_object_array_length(calls);
    json_object_put(calls);
    return n;
}

/* owned: the id the fake server gave its stored call i */
static char *stored_id(struct fake *f, size_t i)
{
    json_object *calls = fake_stored_calls(f);
    char *id;

    assert_non_null(calls);
    assert_true(i < json_object_array_length(calls));
    id = xstrdup(json_object_get_string(member(json_object_array_get_idx(calls, i), "id")));
    json_object_put(calls);
    return id;
}

/* Log a valid call, then Esc from the "Call logged" panel: the reflex that sent it twice. */
static void log_and_go_back(struct ctx *c)
{
    struct term *t = c->t;

    wait_ready(c);
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Amplemarket accepted the call");
    key(t, "Esc");
    see_gone(t, "Amplemarket accepted the call");
    see_text(t, "Recording URL");
}

static void form__a_logged_call_is_not_sent_again_by_reflex(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    log_and_go_back(c);
    /* the default is no: Enter, Esc and n each send nothing */
    key(t, "F10");
    see_text(t, "Log this again as a new call? [y/N]");
    key(t, "Enter");
    see_gone(t, "Log this again");
    key(t, "C-s");
    see_text(t, "Log this again as a new call? [y/N]");
    key(t, "Esc");
    see_gone(t, "Log this again");
    key(t, "F10");
    see_text(t, "Log this again as a new call? [y/N]");
    key(t, "n");
    see_gone(t, "Log this again");
    term_wait_quiet(t, 500, 2000);
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    assert_int_equal(stored_count(c->fake), 1);
    stop(c);
}

static void form__a_logged_call_is_logged_again_only_on_y(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    char *first, *second;

    log_and_go_back(c);
    key(t, "F10");
    see_text(t, "Log this again as a new call? [y/N]");
    key(t, "y");
    see_text(t, "Amplemarket accepted the call");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 2);
    assert_int_equal(stored_count(c->fake), 2);
    first = stored_id(c->fake, 0);
    second = stored_id(c->fake, 1);
    assert_string_not_equal(first, second);
    /* a separate call of its own, not the first one sent again */
    key(t, "Esc F3");
    see_text(t, "History: 2 calls from this machine");
    free(first);
    free(second);
    stop(c);
}

static void form__a_logged_call_is_read_only_and_shows_its_remote_id(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    char *id, *re;

    log_and_go_back(c);
    id = stored_id(c->fake, 0);
    re = xasprintf("Logged as %s - F7/Alt-N or Enter: next call", id);
    see_text(t, re);
    free(re);
    re = xasprintf("^ amplecall - log a call +logged as %s$", id);
    see_regex(t, re);
    free(re);
    /* typing, deleting, toggles, pickers and the timer leave the logged values alone */
    key(t, "Up Up Up Up Up");
    see_regex(t, "> \\* To +\\+1 212 555 0199");
    type(t, "9");
    key(t, "Backspace C-k C-u");
    key(t, "Down Down Space n");
    key(t, "Down Down Backspace x");
    see_gone(t, "Choose a");
    key(t, "F2");
    term_wait_quiet(t, 500, 2000);
    see_gone(t, "Timer started");
    see_gone(t, "not sent yet");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    see_regex(t, "Duration +42($| )");
    see_value(t, ROW_OF(F_ANSWERED), "[x] yes  [ ] no");
    see_value(t, ROW_OF(F_HUMAN), "[ ] yes  [x] no");
    see_regex(t, "Disposition +Interested");
    see_text(t, "contact2@prospect.example");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    free(id);
    stop(c);
}

static void form__one_key_from_the_logged_form_starts_the_next_call(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    log_and_go_back(c);
    see_text(t, "Logged as");
    key(t, "F7");
    see_gone(t, "Logged as");
    see_text(t, "Ready for the next call");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100");
    see_value(t, ROW_OF(F_TO), "");
    see_regex(t, "Task +Enter to choose");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    /* the next call is editable again */
    type(t, "+1 212");
    see_value(t, ROW_OF(F_TO), "+1 212");
    see_text(t, "not sent yet");
    assert_int_equal(fake_request_count(c->fake, "POST", "/calls"), 1);
    stop(c);
}

static void form__enter_on_the_logged_form_starts_the_next_call(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    log_and_go_back(c);
    see_text(t, "Logged as");
    key(t, "Enter");
    see_gone(t, "Logged as");
    see_text(t, "Ready for the next one");
    see_value(t, ROW_OF(F_TO), "");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    stop(c);
}

/* ---- terminal safety, size, colour ------------------------------------------------------ */

static void form__hostile_server_strings_are_inert(void **state)
{
    struct ctx *c = start((const char *const[]){"--hostile", NULL}, NULL);
    struct term *t = c->t;
    static const char *const bad[] = {"\033]0;",  "\033]52",  "pwned",
                                      "aGVsbG8=", "\xc2\x9b", "\xff"};

    wait_ready(c);
    go_to(t, F_DISPOSITION);
    key(t, "Enter");
    see_text(t, "Left voicemail");
    key(t, "Esc Tab Enter");
    see_text(t, "Evil");
    type(t, "evil");
    key(t, "Enter");
    see_regex(t, "Task +Evil");
    key(t, "Up Enter");
    type(t, "voicemail");
    key(t, "Enter");
    see_regex(t, "Disposition +Left voicemail");
    /* an error detail from the server is just as inert */
    key(t, "Up Up Up Up Up");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y n");
    fault_400(c->fake, "{\"_errors\":[{\"code\":\"x\",\"title\":\"X\",\"detail\":\"Bad "
                       "\\u001b]0;pwned\\u0007\\u001b]52;c;aGVsbG8=\\u0007\\u001b[2J\\u009b1;1H "
                       "number\",\"source\":{\"pointer\":\"/to\"}}],\"object\":\"error\"}");
    key(t, "F10");
    see_regex(t, "! Bad .*number");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (term_raw_contains(t, bad[i]))
            fprintf(stderr, "# the terminal received hostile bytes #%zu\n", i);
        assert_false(term_raw_contains(t, bad[i]));
    }
    assert_string_equal(term_title(t), "");
    see_text(t, "Recording URL"); /* the screen was not cleared by the name */
    stop(c);
}

static void form__too_small_says_so_and_recovers(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    type(t, "+1 415");
    assert_true(term_resize(t, 15, 60));
    see_text(t, "terminal too small (need 80x24, have 60x15)");
    see_gone(t, "Recording URL");
    assert_true(term_resize(t, 24, 80));
    see_text(t, "Recording URL");
    see_value(t, ROW_OF(F_FROM), "+1 415");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL + 6);
    /* starting small works too */
    stop(c);
    c = start_sized(NULL, NULL, 15, 60);
    see_text(c->t, "terminal too small (need 80x24, have 60x15)");
    assert_true(term_resize(c->t, 30, 100));
    see_text(c->t, "Recording URL");
    stop(c);
}

static void form__resize_storm_while_typing_keeps_everything(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    static const int sizes[][2] = {{30, 100}, {25, 81}, {40, 120}, {24, 80}, {50, 200},
                                   {15, 60},  {24, 80}, {26, 90},  {24, 80}};
    int row, col;

    wait_ready(c);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        char ch[2] = {(char)('0' + (int)i), 0};
        assert_true(term_resize(t, sizes[i][0], sizes[i][1]));
        if (sizes[i][0] >= 24 && sizes[i][1] >= 80) /* too small takes no typing (test_keys) */
            type(t, ch);
    }
    see_value(t, ROW_OF(F_FROM), "01234678");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL + 8);
    /* resizing with a picker open, then with the response panel open */
    key(t, "Tab Tab Tab Tab Tab Enter");
    see_text(t, "Choose a disposition");
    assert_true(term_resize(t, 30, 100));
    see_regex(t, "Choose a disposition \\(5 of 5\\) (─)+┐$");
    assert_true(term_resize(t, 24, 80));
    see_regex(t, "Choose a disposition \\(5 of 5\\) (─)+┐$");
    see_text(t, "Filter:");
    assert_true(term_find(t, "Filter:", &row, &col));
    see_cursor(t, row, col + 8);
    key(t, "Esc");
    see_gone(t, "Choose a disposition");
    stop(c);
}

/* Wait (bounded) until PID shows the stopped state in /proc/PID/stat. */
static bool is_stopped_soon(pid_t pid)
{
    char path[64], buf[512];

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    for (int i = 0; i < 1000; i++) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        char *p;

        if (f)
            fclose(f);
        buf[n] = '\0';
        p = strrchr(buf, ')');
        if (p && p[1] == ' ' && (p[2] == 'T' || p[2] == 't'))
            return true;
        usleep(10000);
    }
    return false;
}

/* While the program is stopped, resize to ROWS x COLS and type KEYS, in that order or (when
 * !is_resize_first) the other: on waking it finds the resize signal and the keys both
 * waiting, and curses hands it the keys first either way. */
static void while_stopped(struct term *t, int rows, int cols, const char *keys,
                          bool is_resize_first)
{
    assert_true(term_kill(t, SIGSTOP));
    assert_true(is_stopped_soon(term_pid(t)));
    if (is_resize_first)
        assert_true(term_resize(t, rows, cols));
    type(t, keys);
    if (!is_resize_first)
        assert_true(term_resize(t, rows, cols));
    assert_true(term_kill(t, SIGCONT));
}

static void form__keys_count_at_the_size_they_were_typed_at(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    type(t, "12");
    see_value(t, ROW_OF(F_FROM), "12");
    /* typed after the terminal grew back: a form still counted too small would drop it */
    assert_true(term_resize(t, 15, 60));
    see_text(t, "terminal too small");
    while_stopped(t, 24, 80, "3", true);
    see_value(t, ROW_OF(F_FROM), "123");
    /* typed before the terminal shrank: the keys count, then the form says it is too small */
    while_stopped(t, 15, 60, "45", false);
    see_text(t, "terminal too small");
    assert_true(term_resize(t, 24, 80));
    see_value(t, ROW_OF(F_FROM), "12345");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL + 5);
    stop(c);
}

static void form__result_panel_survives_a_resize(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    fill_valid(t);
    key(t, "F10");
    see_text(t, "Call logged");
    assert_true(term_resize(t, 15, 60));
    see_text(t, "terminal too small");
    assert_true(term_resize(t, 40, 120));
    see_text(t, "Call logged");
    see_regex(t, "Duration +42 s");
    /* on a wide terminal the panel stays 76 columns, centred: its title sits 3 in */
    {
        int row, col;
        assert_true(term_find(t, "Call logged", &row, &col));
        assert_int_equal(col, (120 - 76) / 2 + 3);
    }
    stop(c);
}

static void check_no_colour(struct term *t)
{
    struct term_cell_attrs at;
    int row, col;

    /* the focused label is shown by attributes alone */
    assert_true(term_attrs_at(t, ROW_OF(F_FROM), 4, &at));
    assert_true(at.reverse);
    assert_int_equal(at.fg, TERM_COLOR_DEFAULT);
    assert_int_equal(at.bg, TERM_COLOR_DEFAULT);
    assert_true(term_find(t, "127.0.0.1", &row, &col));
    assert_true(term_attrs_at(t, row, col, &at));
    assert_true(at.reverse);
    assert_int_equal(at.fg, TERM_COLOR_DEFAULT);
}

static void form__no_color_uses_attributes_only(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"NO_COLOR=1", NULL});
    struct term *t = c->t;

    wait_ready(c);
    check_no_colour(t);
    /* no colour was ever set: the error and title colours are red and cyan elsewhere */
    assert_false(term_raw_contains(t, "\033[31m"));
    assert_false(term_raw_contains(t, "\033[36m"));
    assert_false(term_raw_contains(t, "\033[38;5"));
    key(t, "F10"); /* errors still stand out: bold, and the '!' marker */
    see_text(t, "From is required");
    assert_false(term_raw_contains(t, "\033[31m"));
    stop(c);
}

static void form__vt100_is_fully_usable(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"TERM=vt100", NULL});
    struct term *t = c->t;

    wait_ready(c);
    check_no_colour(t);
    fill_valid(t);
    key(t, "C-s"); /* the non-F-key fallback for send */
    see_text(t, "Call logged");
    stop(c);
}

static void form__linux_console_uses_attributes_only(void **state)
{
    struct ctx *c = start(NULL, (const char *const[]){"TERM=linux", NULL});
    struct term *t = c->t;

    wait_ready(c);
    check_no_colour(t);
    key(t, "F10");
    see_text(t, "From is required");
    assert_false(term_raw_contains(t, "\033[31m"));
    stop(c);
}

static void form__colours_appear_on_capable_terminals(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    struct term_cell_attrs at;
    int row, col;

    wait_ready(c);
    key(t, "F10");
    see_text(t, "From is required");
    assert_true(term_find(t, "From is required", &row, &col));
    assert_true(term_attrs_at(t, row, col, &at));
    assert_true(at.bold);
    assert_int_equal(at.fg, 1); /* red */
    stop(c);
}

/* ---- help, quitting, signals ------------------------------------------------------------ */

static void form__help_lists_every_key_with_its_fallback(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    key(t, "F1");
    see_text(t, "Keys");
    see_text(t, "F10 or ^S");
    see_text(t, "F2 or ^T");
    see_text(t, "F4 / ^X^E");
    see_text(t, "^Q or F12 (Esc never quits)");
    key(t, "Esc");
    see_gone(t, "F10 or ^S");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL);
    key(t, "C-g");
    see_text(t, "F10 or ^S");
    key(t, "C-g");
    see_gone(t, "F10 or ^S");
    go_to(t, F_ANSWERED);
    key(t, "?"); /* '?' only where it cannot be typed */
    see_text(t, "F10 or ^S");
    key(t, "q");
    see_gone(t, "F10 or ^S");
    stop(c);
}

static void form__quitting_with_unsent_data_asks_first(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;
    const char *q = "Quit: Enter keeps the call as a draft, d discards it, Esc cancels ";
    int row, col;

    wait_ready(c);
    type(t, "+1 415");
    key(t, "C-q");
    see_text(t, "Quit: Enter keeps the call as a draft");
    /* the cursor waits right after the question */
    assert_true(term_find(t, "Quit: Enter keeps", &row, &col));
    see_cursor(t, row, col + (int)strlen(q));
    key(t, "Esc");
    see_gone(t, "Quit: Enter keeps");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL + 6);
    /* Esc on the form itself never quits */
    key(t, "Esc");
    see_text(t, "it does not quit");
    see_gone(t, "Quit: Enter keeps");
    /* asked from an overlay, the question still shows */
    go_to(t, F_TASK);
    key(t, "Enter");
    see_text(t, "Choose a task");
    key(t, "F12");
    see_gone(t, "Choose a task");
    see_text(t, "Quit: Enter keeps");
    key(t, "d");
    see_exit(t, 0);
    assert_false(term_altscreen(t));
    assert_true(term_cursor_visible(t));
    stop(c);
}

static void form__signals_restore_the_terminal(void **state)
{
    struct ctx *c = start(NULL, NULL);
    struct term *t = c->t;

    wait_ready(c);
    type(t, "+1");
    assert_true(term_kill(t, SIGTERM));
    see_exit(t, 128 + SIGTERM);
    assert_false(term_altscreen(t));
    assert_true(term_cursor_visible(t));
    stop(c);
    c = start(NULL, NULL);
    t = c->t;
    wait_ready(c);
    type(t, "+1");
    key(t, "C-c"); /* like ^Q: asks first */
    see_text(t, "Quit: Enter keeps");
    key(t, "d");
    see_exit(t, 0);
    assert_false(term_altscreen(t));
    stop(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(form__first_paint_shows_the_ten_labels_in_order),
        cmocka_unit_test(form__marks_notes_and_the_empty_history_keep_their_places),
        cmocka_unit_test(form__paints_at_once_and_loads_lists_in_the_background),
        cmocka_unit_test(form__refuses_without_a_terminal),
        cmocka_unit_test(form__never_draws_on_a_dumb_terminal),
        cmocka_unit_test(form__readline_keys_edit_the_focused_field),
        cmocka_unit_test(form__utf8_is_edited_mid_line_by_columns),
        cmocka_unit_test(form__long_text_scrolls_horizontally_keeping_the_cursor_in_view),
        cmocka_unit_test(form__booleans_toggle_with_space_y_and_n),
        cmocka_unit_test(form__editor_writes_the_transcription),
        cmocka_unit_test(form__timer_counts_and_fills_duration_when_stopped),
        cmocka_unit_test(form__timer_ticks_write_few_bytes),
        cmocka_unit_test(form__typing_writes_few_bytes_per_key),
        cmocka_unit_test(form__typing_in_lang_c_writes_as_few_bytes),
        cmocka_unit_test(form__disposition_picker_filters_and_warns_about_complete),
        cmocka_unit_test(form__task_picker_pages_through_every_task),
        cmocka_unit_test(form__pickers_fold_accents_and_rank_names_first),
        cmocka_unit_test(form__a_429_on_page_2_of_the_tasks_is_waited_out),
        cmocka_unit_test(form__user_picker_sets_the_user_and_loads_their_tasks),
        cmocka_unit_test(form__user_email_is_resolved_through_the_api),
        cmocka_unit_test(form__user_email_takes_only_an_equal_email),
        cmocka_unit_test(form__lang_c_transliterates_and_sends_utf8),
        cmocka_unit_test(form__picker_load_failure_shows_the_error_and_retries),
        cmocka_unit_test(form__submit_logs_the_call_and_offers_a_fresh_one),
        cmocka_unit_test(form__numbers_are_remembered_across_runs),
        cmocka_unit_test(form__validation_marks_fields_and_sends_nothing),
        cmocka_unit_test(form__api_400_focuses_and_highlights_the_missing_field),
        cmocka_unit_test(form__api_errors_mark_every_field_and_wrap_in_full),
        cmocka_unit_test(form__failures_keep_every_field_with_a_clear_message),
        cmocka_unit_test(form__rate_limit_counts_down_from_retry_after),
        cmocka_unit_test(form__unknown_outcome_is_never_called_a_success),
        cmocka_unit_test(form__a_submit_in_flight_cannot_be_sent_twice),
        cmocka_unit_test(form__a_logged_call_is_not_sent_again_by_reflex),
        cmocka_unit_test(form__a_logged_call_is_logged_again_only_on_y),
        cmocka_unit_test(form__a_logged_call_is_read_only_and_shows_its_remote_id),
        cmocka_unit_test(form__one_key_from_the_logged_form_starts_the_next_call),
        cmocka_unit_test(form__enter_on_the_logged_form_starts_the_next_call),
        cmocka_unit_test(form__hostile_server_strings_are_inert),
        cmocka_unit_test(form__too_small_says_so_and_recovers),
        cmocka_unit_test(form__resize_storm_while_typing_keeps_everything),
        cmocka_unit_test(form__keys_count_at_the_size_they_were_typed_at),
        cmocka_unit_test(form__result_panel_survives_a_resize),
        cmocka_unit_test(form__no_color_uses_attributes_only),
        cmocka_unit_test(form__vt100_is_fully_usable),
        cmocka_unit_test(form__linux_console_uses_attributes_only),
        cmocka_unit_test(form__colours_appear_on_capable_terminals),
        cmocka_unit_test(form__help_lists_every_key_with_its_fallback),
        cmocka_unit_test(form__quitting_with_unsent_data_asks_first),
        cmocka_unit_test(form__signals_restore_the_terminal),
        cmocka_unit_test(form__config_key_bindings_and_colours_are_honoured),
    };
    /* a failing child must not take the test runner with it */
    signal(SIGPIPE, SIG_IGN);
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
