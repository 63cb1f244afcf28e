/* SPDX-License-Identifier: GPL-3.0-or-later */
/* End-to-end tests of the form's key rules (issue 16): Esc never quits, the quit prompt keeps
 * the draft by default, a too-small terminal takes only quit, escape sequences the terminal
 * description does not know are swallowed whole, F4 edits the transcription from any field,
 * y/n move on, Answered = no implies Human = no, and Duration takes m:ss and h:mm:ss. The
 * real binary on a pty (libvterm) against the fake API on 127.0.0.1; every wait is bounded. */
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
#include <unistd.h>

#include <cmocka.h>

#include "fakectl.h"
#include "form_check.h"
#include "pty.h"
#include "core/util.h"

struct ctx {
    struct fake *fake;
    char **env; /* its HOME holds the store: a second spawn sees the first one's drafts */
    struct term *t;
};

/* The program with up to two arguments (NULL for none) on a terminal cols wide. */
static struct term *spawn_wide(struct ctx *c, const char *arg1, const char *arg2, int cols)
{
    char *bin = amplecall_path();
    struct term *t = term_spawn((const char *const[]){bin, arg1, arg2, NULL},
                                (const char *const *)c->env, 24, cols);

    free(bin);
    assert_non_null(t);
    return t;
}

/* The form with up to two arguments (NULL for none). */
static struct term *spawn_args(struct ctx *c, const char *arg1, const char *arg2)
{
    char *bin = amplecall_path();
    struct term *t = term_spawn((const char *const[]){bin, arg1, arg2, NULL},
                                (const char *const *)c->env, 24, 80);

    free(bin);
    assert_non_null(t);
    return t;
}

static struct term *spawn(struct ctx *c, int rows, int cols)
{
    char *bin = amplecall_path();
    struct term *t =
        term_spawn((const char *const[]){bin, NULL}, (const char *const *)c->env, rows, cols);

    free(bin);
    assert_non_null(t);
    return t;
}

static struct ctx *start_sized(const char *const *env_extra, int rows, int cols)
{
    struct ctx *c = xcalloc(1, sizeof(*c));

    c->fake = fake_start(NULL);
    assert_non_null(c->fake);
    c->env = form_env(fake_base_url(c->fake), NULL, env_extra);
    c->t = spawn(c, rows, cols);
    return c;
}

static struct ctx *start(const char *const *env_extra)
{
    return start_sized(env_extra, 24, 80);
}

static void stop(struct ctx *c)
{
    term_free(c->t);
    term_env_free(c->env);
    fake_stop(c->fake);
    free(c);
}

static void go_to(struct term *t, int n)
{
    for (int i = 0; i < n; i++)
        key(t, "Tab");
    see_cursor(t, ROW_OF(n), LABEL_COL + (n == F_HUMAN || n == F_ANSWERED ? 1 : 0));
}

/* The program is still running after the output settled. */
static void see_running(struct term *t)
{
    check(t, term_wait_quiet(t, 300, WAIT_MS), "output settles");
    check(t, term_kill(t, 0), "the form is still running");
}

/* ---- Esc and quitting ------------------------------------------------------------------- */

static void keys__esc_closes_pop_ups_and_never_quits(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    /* an empty form: Esc says what quits instead of quitting */
    key(t, "Esc");
    see_text(t, "Esc closes pop-ups; it does not quit");
    see_running(t);
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Esc Esc");
    see_running(t);
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    /* Esc closes a picker, the help and the history, back on the form */
    key(t, "Tab Tab Tab Tab"); /* To -> Disposition */
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    key(t, "Enter");
    see_text(t, "Choose a disposition");
    key(t, "Esc");
    see_gone(t, "Choose a disposition");
    key(t, "F1");
    see_text(t, "Esc, q, F1 or Enter closes this help");
    key(t, "Esc");
    see_gone(t, "closes this help");
    key(t, "F3");
    see_text(t, "History: 0 calls");
    key(t, "Esc");
    see_gone(t, "History:");
    see_running(t);
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    /* ^Q quits (and asks, since To is typed); F12 at the prompt keeps the draft and quits */
    key(t, "C-q");
    see_text(t, "Enter keeps the call as a draft");
    key(t, "F12");
    see_exit(t, 0);
    stop(c);
}

static void keys__an_empty_form_quits_without_asking(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    key(t, "Tab");
    type(t, "123");
    key(t, "Backspace Backspace Backspace"); /* back to empty */
    see_value(t, ROW_OF(F_TO), "");
    key(t, "C-q");
    see_exit(t, 0);
    stop(c);
}

static void keys__quit_prompt_keeps_the_draft_discards_or_cancels(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "C-q");
    see_text(t, "Quit: Enter keeps the call as a draft, d discards it, Esc cancels");
    /* Esc (and c) cancel: back in the field, the value intact */
    key(t, "Esc");
    see_gone(t, "Enter keeps");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL + 15);
    key(t, "C-q");
    see_text(t, "Enter keeps");
    key(t, "c");
    see_gone(t, "Enter keeps");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    /* Enter, the default, keeps the draft and says so on the way out */
    key(t, "C-q");
    see_text(t, "Enter keeps");
    key(t, "Enter");
    see_exit(t, 0);
    see_text(t, "kept as a draft");
    term_free(t);
    /* the next start offers it back; r resumes it */
    c->t = t = spawn(c, 24, 80);
    see_text(t, "r: resume");
    key(t, "r");
    see_value(t, ROW_OF(F_TO), "+1 212 555 0199");
    /* d discards: the start after that offers nothing */
    key(t, "C-q");
    see_text(t, "Enter keeps");
    key(t, "d");
    see_exit(t, 0);
    check(t, !term_find(t, "kept as a draft", NULL, NULL), "a discarded call is not kept");
    term_free(t);
    c->t = t = spawn(c, 24, 80);
    see_form_ready(t);
    check(t, !term_find(t, "r: resume", NULL, NULL), "nothing to resume");
    key(t, "C-q");
    see_exit(t, 0);
    stop(c);
}

/* ---- a terminal too small --------------------------------------------------------------- */

static void keys__too_small_takes_only_quit_and_the_form_returns_intact(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    type(t, "+1 415");
    assert_true(term_resize(t, 15, 60));
    see_text(t, "terminal too small");
    see_wrapped(t, "Keys wait until it grows; ^Q quits.");
    /* typed blind, a submit, moves, the timer: all ignored */
    type(t, "xyz");
    key(t, "Backspace Tab F10 F2 Enter C-s");
    see_running(t);
    assert_true(term_resize(t, 24, 80));
    see_text(t, "Recording URL");
    see_value(t, ROW_OF(F_FROM), "+1 415");
    see_cursor(t, ROW_OF(F_FROM), LABEL_COL + 6);
    check(t, !term_find(t, "To is required", NULL, NULL), "nothing was sent");
    check(t, !term_find(t, "Timer started", NULL, NULL), "the timer did not start");
    /* quitting while small asks there, and the answer keys work */
    assert_true(term_resize(t, 15, 60));
    see_text(t, "terminal too small");
    key(t, "C-q");
    see_wrapped(t, "Enter keeps the call as a draft");
    key(t, "Enter");
    see_exit(t, 0);
    stop(c);
}

/* ---- escape sequences the terminal description does not know ------------------------- */

/* In a field: xterm's End, Home and F-keys under TERM=vt100 work or vanish, never type. */
static void keys__unknown_sequences_are_swallowed_in_a_field(void **state)
{
    struct ctx *c = start((const char *const[]){"TERM=vt100", NULL});
    struct term *t = c->t;

    see_form_ready(t);
    key(t, "Tab");
    type(t, "ab");
    type(t, "\033[H");  /* xterm Home (vt100 has none) */
    type(t, "X");
    type(t, "\033[F");  /* xterm End */
    type(t, "Y");
    type(t, "\033[1~"); /* rxvt/linux Home */
    type(t, "1");
    type(t, "\033[4~"); /* linux End */
    type(t, "2");
    type(t, "\033[1;5F"); /* Ctrl+End: named nowhere, swallowed */
    type(t, "\033[57;5u"); /* a kitty-style key report */
    type(t, "\033[?25;1$y"); /* intermediates and all */
    type(t, "\033OF"); /* SS3 End, which vt100's terminfo lacks */
    type(t, "3");
    see_value(t, ROW_OF(F_TO), "1XabY23");
    /* xterm's F5..F12 encodings are not vt100's: they still reach the form */
    type(t, "\033[21~"); /* F10: send (the empty From is refused) */
    see_text(t, "From is required");
    type(t, "\033[24~"); /* F12: quit */
    see_text(t, "Enter keeps");
    key(t, "Esc");
    see_gone(t, "Enter keeps");
    see_regex(t, "\\* To +1XabY23\n"); /* rows moved down under the marks */
    stop(c);
}

/* In a picker's filter: the same sequences never reach it. */
static void keys__unknown_sequences_are_swallowed_in_a_filter(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    go_to(t, F_DISPOSITION);
    key(t, "Enter");
    see_text(t, "Choose a disposition (5 of 5)");
    type(t, "no");
    see_text(t, "(2 of 5)");
    type(t, "\033[1;5F\033[1;2P\033[99~\033[>0;1;2c\033[200~\033[201~");
    type(t, "t");
    see_text(t, "(1 of 5)");
    see_regex(t, "│ Filter: not +│"); /* only what was typed */
    key(t, "Esc");
    see_gone(t, "Choose a disposition");
    stop(c);
}

/* ---- F4 and the transcription ------------------------------------------------------------ */

static void keys__f4_edits_the_transcription_from_any_field(void **state)
{
    char *script = xasprintf("/tmp/amplecall-keys-editor-%d.sh", (int)getpid());
    char *envv = xasprintf("VISUAL=%s", script);
    FILE *f = fopen(script, "w");
    struct ctx *c;
    struct term *t;

    assert_non_null(f);
    /* five lines, the first longer than the field */
    fputs("#!/bin/sh\nprintf 'Line one of the call notes, long enough to run past the end of "
          "the field on screen\\nline two\\nline three\\nline four\\nline five\\n' > \"$1\"\n",
          f);
    fclose(f);
    chmod(script, 0700);
    c = start((const char *const[]){envv, NULL});
    t = c->t;
    see_form_ready(t);
    key(t, "Tab");
    type(t, "+1 212"); /* on To, not on Transcription */
    key(t, "F4");
    see_text(t, "Transcription updated from the editor");
    see_value(t, ROW_OF(F_TO), "+1 212");
    /* first lines and the size under the field */
    see_text(t, "  line two");
    see_text(t, "  line three");
    see_gone(t, "  line four");
    see_regex(t, "5 lines, 1[0-9][0-9] bytes; F4 opens it in the editor");
    see_regex(t, "\n {20}Line one of the call notes[^\n]*…\n");
    stop(c);
    unlink(script);
    free(script);
    free(envv);
}

/* ---- fewer keys ------------------------------------------------------------------------- */

static void keys__y_and_n_move_on_and_answered_no_skips_human(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    go_to(t, F_ANSWERED);
    key(t, "y");
    see_value(t, ROW_OF(F_ANSWERED), "[x] yes  [ ] no");
    see_cursor(t, ROW_OF(F_HUMAN), LABEL_COL + 1);
    key(t, "y");
    see_value(t, ROW_OF(F_HUMAN), "[x] yes  [ ] no");
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    /* Answered = no: Human = no, and focus goes past it */
    key(t, "Up Up n");
    see_value(t, ROW_OF(F_ANSWERED), "[ ] yes  [x] no");
    see_value(t, ROW_OF(F_HUMAN), "[ ] yes  [x] no");
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    /* not answered but human: asked once */
    key(t, "Up y");
    see_text(t, "Not answered, but a human was on the line? (y/n)");
    key(t, "n");
    see_gone(t, "Not answered, but");
    see_value(t, ROW_OF(F_HUMAN), "[ ] yes  [x] no");
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    key(t, "Up y");
    see_text(t, "Not answered, but a human");
    key(t, "y");
    see_gone(t, "Not answered, but");
    see_value(t, ROW_OF(F_HUMAN), "[x] yes  [ ] no");
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    /* confirmed: a second change to yes does not ask again */
    key(t, "Up Space Space");
    see_value(t, ROW_OF(F_HUMAN), "[x] yes  [ ] no");
    check(t, term_wait_quiet(t, 200, WAIT_MS), "settles");
    check(t, !term_find(t, "Not answered, but", NULL, NULL), "asked once");
    /* Space toggles without moving */
    see_cursor(t, ROW_OF(F_HUMAN), LABEL_COL + 1);
    stop(c);
}

static void keys__duration_takes_seconds_minutes_and_hours(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "1:35");
    key(t, "Tab");
    see_regex(t, "Duration +95 ");
    key(t, "Up C-a C-k");
    type(t, "1:02:03");
    key(t, "Tab");
    see_regex(t, "Duration +3723 ");
    key(t, "Up C-a C-k");
    type(t, "1:60");
    key(t, "Tab");
    see_text(t, "! 1:60: seconds must be under 60");
    /* a send keeps that reason, not a generic one */
    key(t, "F10");
    see_text(t, "Not sent");
    see_text(t, "! 1:60: seconds must be under 60");
    key(t, "C-a C-k");
    type(t, "2:5");
    key(t, "Tab");
    see_regex(t, "Duration +125 ");
    see_gone(t, "1:60");
    stop(c);
}

/* The stopped timer moves on to Answered; the disposition picker starts on the one last
 * chosen for a call answered alike. */
static void keys__timer_and_picker_spare_keys(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "F2");
    see_text(t, "Timer started");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL + 15); /* the timer leaves focus where it is */
    key(t, "F2");
    see_text(t, "Timer stopped");
    see_cursor(t, ROW_OF(F_ANSWERED), LABEL_COL + 1);
    key(t, "n Enter");
    see_text(t, "Choose a disposition");
    key(t, "Down Down Enter");
    see_regex(t, "Disposition +No answer");
    key(t, "Tab Enter");
    see_text(t, "Choose a task");
    key(t, "Enter");
    see_gone(t, "Choose a task");
    key(t, "F10");
    see_text(t, "Call logged");
    key(t, "Enter");
    see_text(t, "Ready for the next one");
    type(t, "+1 212 555 0198");
    key(t, "F2 F2");
    see_cursor(t, ROW_OF(F_ANSWERED), LABEL_COL + 1);
    /* unanswered again: Enter Enter is "No answer" */
    key(t, "n Enter");
    see_text(t, "Choose a disposition");
    key(t, "Enter");
    see_regex(t, "Disposition +No answer");
    /* an answered call starts on its own last choice: none yet, so the first row */
    key(t, "Up Up y y Backspace Enter");
    see_text(t, "Choose a disposition");
    key(t, "Enter");
    see_regex(t, "Disposition +Interested");
    stop(c);
}

/* ---- what the screen says ------------------------------------------------------------- */

/* F3 and `amplecall history` print one table: whole numbers, names, the call id's tail. */
static void keys__history_names_things_in_the_form_and_the_cli(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;
    char *screen;

    see_form_ready(t);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+44 20 7946 0958 123"); /* long enough to be cut by a fixed column */
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y y Enter");
    see_text(t, "Choose a disposition");
    key(t, "Enter");
    see_gone(t, "Choose a disposition");
    key(t, "Tab Enter");
    see_text(t, "Choose a task");
    type(t, "contact2@");
    see_text(t, "(1 of");
    key(t, "Enter");
    see_gone(t, "Choose a task");
    key(t, "F10");
    see_text(t, "Call logged");
    key(t, "Esc F3");
    see_text(t, "History: 1 call");
    /* 80 columns: the whole number; the contact and a heading cut with "…" */
    see_regex(t, "ID +TIME +TO +CONTACT +DISPOSITI… +STATE +CALL ID");
    see_regex(t, "1 +[0-9-]+ [0-9:]+ +\\+44 20 7946 0958 123 +José Álvar… +Interested +sent +"
                 "…[0-9a-f-]{8} ");
    screen = term_screen(t);
    check(t, !strstr(screen, "0199f0a2"), "no UUID of a disposition or task on screen");
    free(screen);
    key(t, "Esc C-q");
    see_exit(t, 0);
    term_free(t);
    /* the CLI: the same columns, the names from the lists the form kept */
    c->t = t = spawn_wide(c, "history", NULL, 120);
    see_exit(t, 0);
    see_regex(t, "ID +TIME +TO +CONTACT +DISPOSITION +STATE +CALL ID");
    see_regex(t, "1 +[0-9-]+ [0-9:]+ +\\+44 20 7946 0958 123 +José Álvarez +Interested +sent +"
                 "…[0-9a-f-]{8}\n");
    stop(c);
}

/* A call the server could not take waits in the outbox; the status bar counts down to its
 * next background attempt, and the flush of it is said once. */
static void keys__background_retries_are_visible(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;

    see_form_ready(t);
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y y Tab Enter");
    see_text(t, "Choose a task");
    key(t, "Enter");
    see_gone(t, "Choose a task");
    assert_true(fake_set_faults(
        c->fake, "{\"status\":408,\"path\":\"/calls\",\"method\":\"POST\",\"times\":2}"));
    key(t, "F10");
    see_regex(t, "outbox: 1, retry 1 in [0-9]+ s");
    see_regex(t, "outbox: 1, retry 2 in [0-9]+ s");
    see_text_within(t, "outbox: 0", 20000);
    check(t, !term_find(t, "retry", NULL, NULL), "no countdown once it is sent");
    stop(c);
}

/* ---- the mouse ---------------------------------------------------------------------- */

/* An SGR (1006) mouse report for the 0-based cell (row, col): button 0 press and release,
 * 64/65 the wheel. */
static void mouse(struct term *t, int button, int row, int col)
{
    char buf[48];

    snprintf(buf, sizeof(buf), "\033[<%d;%d;%dM", button, col + 1, row + 1);
    type(t, buf);
    if (button < 64) {
        snprintf(buf, sizeof(buf), "\033[<%d;%d;%dm", button, col + 1, row + 1);
        type(t, buf);
    }
}

static void keys__mouse_focuses_chooses_and_scrolls(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;
    int row, col;

    see_form_ready(t);
    check(t, term_raw_contains(t, "1000h"), "the form asks for mouse reports");
    mouse(t, 0, ROW_OF(F_DURATION), 5); /* on the label */
    see_cursor(t, ROW_OF(F_DURATION), LABEL_COL);
    mouse(t, 0, ROW_OF(F_DISPOSITION), 30); /* on the value: focus ... */
    see_cursor(t, ROW_OF(F_DISPOSITION), LABEL_COL);
    mouse(t, 0, ROW_OF(F_DISPOSITION), 30); /* ... and again: the picker */
    see_text(t, "Choose a disposition (5 of 5)");
    see_text(t, "No answer");
    assert_true(term_find(t, "No answer", &row, &col));
    mouse(t, 0, row, col + 2);
    see_gone(t, "Choose a disposition");
    see_regex(t, "Disposition +No answer");
    /* the wheel moves like Down and Up */
    mouse(t, 65, 10, 40);
    see_cursor(t, ROW_OF(F_TASK), LABEL_COL);
    mouse(t, 64, 10, 40);
    mouse(t, 64, 10, 40);
    see_cursor(t, ROW_OF(F_HUMAN), LABEL_COL + 1);
    /* a click on nothing does nothing; nothing of a report is ever typed */
    mouse(t, 0, 15, 40);
    key(t, "Up Up Up");
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    type(t, "x");
    see_value(t, ROW_OF(F_TO), "x");
    stop(c);
}

static void keys__mouse_no_in_the_config_leaves_the_mouse_alone(void **state)
{
    char path[] = "/tmp/amplecall-keys-config-XXXXXX";
    int fd = mkstemp(path);
    char *env;
    struct ctx *c;
    struct term *t;

    assert_true(fd >= 0);
    assert_true(write(fd, "mouse = no\n", 11) == 11);
    close(fd);
    env = xasprintf("AMPLECALL_CONFIG=%s", path);
    c = start((const char *const[]){env, NULL});
    t = c->t;
    see_form_ready(t);
    check(t, !term_raw_contains(t, "1000h"), "no mouse reports asked for");
    mouse(t, 0, ROW_OF(F_DURATION), 5);
    type(t, "y");
    see_value(t, ROW_OF(F_FROM), "y"); /* focus stayed on From; the report was swallowed */
    stop(c);
    unlink(path);
    free(env);
}

/* ---- working the list ------------------------------------------------------------------ */

/* Answered, human, duration, on the form's task; F10 and wait for the panel. */
static void log_this(struct term *t, const char *to)
{
    if (to)
        type(t, to);
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y y F10");
    see_text(t, "Call logged");
}

static void keys__next_task_and_task_flag_work_the_list(void **state)
{
    struct ctx *c = start(NULL);
    struct term *t = c->t;
    char id5[80];

    see_form_ready(t);
    see_text(t, "today: 0 |");
    type(t, "+1 415 555 0100");
    key(t, "Tab");
    type(t, "+1 212 555 0199");
    key(t, "Tab");
    type(t, "42");
    key(t, "Tab y y Tab Enter");
    see_text(t, "Choose a task");
    type(t, "contact2@");
    see_text(t, "(1 of");
    key(t, "Enter");
    see_text(t, "contact2@prospect.example");
    key(t, "F10");
    see_text(t, "Call logged");
    /* the panel offers the earliest-due task left: task 1 (task 2 was just logged) */
    see_text(t, "t: next task - Pat Lee, due");
    key(t, "t");
    see_text(t, "Next task: Pat Lee");
    see_text(t, "Pat Lee <contact1@prospect.example>");
    see_value(t, ROW_OF(F_FROM), "+1 415 555 0100"); /* From kept */
    see_value(t, ROW_OF(F_TO), "");                  /* never called: To is empty */
    see_cursor(t, ROW_OF(F_TO), LABEL_COL);
    see_text(t, "today: 1 |");
    log_this(t, "+1 303 555 0111");
    /* tasks 1 and 2 are worked this session: next is task 3 */
    see_text(t, "t: next task - 王小明, due");
    key(t, "t");
    see_text(t, "contact3@prospect.example");
    see_text(t, "today: 2 |");
    key(t, "C-q");
    see_text(t, "Enter keeps");
    key(t, "d");
    see_exit(t, 0);
    term_free(t);

    /* --task by contact email: To comes from the call this machine made to that contact */
    c->t = t = spawn_args(c, "--task", "contact1@prospect.example");
    see_text(t, "Pat Lee <contact1@prospect.example>");
    see_value(t, ROW_OF(F_TO), "+1 303 555 0111");
    see_cursor(t, ROW_OF(F_DURATION), LABEL_COL);
    key(t, "C-q");
    see_text(t, "Enter keeps"); /* the task and To are a call in the making */
    key(t, "d");
    see_exit(t, 0);
    term_free(t);
    /* --task=UUID */
    snprintf(id5, sizeof(id5), "--task=" FAKE_TASK_ID_FMT, 5);
    c->t = t = spawn_args(c, id5, NULL);
    see_text(t, "contact5@prospect.example");
    key(t, "C-q");
    see_text(t, "Enter keeps");
    key(t, "d");
    see_exit(t, 0);
    term_free(t);
    /* a name nobody has is said once the list is fresh */
    c->t = t = spawn_args(c, "--task", "Nobody Here");
    see_text(t, "--task Nobody Here: no task of yours has that id or contact name.");
    key(t, "C-q");
    see_exit(t, 0);
    term_free(t);
    /* anything else on the form's command line is refused */
    c->t = t = spawn_args(c, "--tusk", NULL);
    see_exit(t, 64);
    stop(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keys__esc_closes_pop_ups_and_never_quits),
        cmocka_unit_test(keys__an_empty_form_quits_without_asking),
        cmocka_unit_test(keys__quit_prompt_keeps_the_draft_discards_or_cancels),
        cmocka_unit_test(keys__too_small_takes_only_quit_and_the_form_returns_intact),
        cmocka_unit_test(keys__unknown_sequences_are_swallowed_in_a_field),
        cmocka_unit_test(keys__unknown_sequences_are_swallowed_in_a_filter),
        cmocka_unit_test(keys__f4_edits_the_transcription_from_any_field),
        cmocka_unit_test(keys__y_and_n_move_on_and_answered_no_skips_human),
        cmocka_unit_test(keys__duration_takes_seconds_minutes_and_hours),
        cmocka_unit_test(keys__timer_and_picker_spare_keys),
        cmocka_unit_test(keys__history_names_things_in_the_form_and_the_cli),
        cmocka_unit_test(keys__background_retries_are_visible),
        cmocka_unit_test(keys__mouse_focuses_chooses_and_scrolls),
        cmocka_unit_test(keys__mouse_no_in_the_config_leaves_the_mouse_alone),
        cmocka_unit_test(keys__next_task_and_task_flag_work_the_list),
    };
    signal(SIGPIPE, SIG_IGN);
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
