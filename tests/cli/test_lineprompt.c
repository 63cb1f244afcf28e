/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Line mode (`amplecall log --prompt`, and `amplecall` on TERM=dumb) driven through a real pty
 * against the fake API: prompts in form order, Tab completion of disposition and task names,
 * the review, the number history, and cancelling. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "fakectl.h"
#include "../e2e/pty.h"
#include "core/util.h"

static struct fake *fk;
static char bin[4096];

static int setup(void **state)
{
    static const char *const args[] = {"--tasks", "5", NULL};
    const char *b = getenv("AMPLECALL_TEST_BUILDDIR");

    snprintf(bin, sizeof(bin), "%s/src/amplecall", b ? b : ".");
    fk = fake_start(args);
    return fk ? 0 : -1;
}

static int teardown(void **state)
{
    fake_stop(fk);
    return 0;
}

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

/* Environment for the child; extra (may be NULL) added. Owned: term_env_free. */
static char **child_env(const char *extra)
{
    char *base = xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk));
    const char *const vars[] = {base, "AMPLEMARKET_API_KEY=" FAKE_API_KEY,
                                "AMPLECALL_USER=" FAKE_USER_EMAIL, extra, NULL};
    char **env = term_env(vars);
    free(base);
    return env;
}

static void wait_text(struct term *t, const char *text)
{
    if (!term_wait_text(t, text, 5000)) {
        term_dump(t, stderr);
        fail_msg("\"%s\" never appeared", text);
    }
}

static void wait_regex(struct term *t, const char *re)
{
    if (!term_wait_regex(t, re, 5000)) {
        term_dump(t, stderr);
        fail_msg("/%s/ never matched", re);
    }
}

static const char *member_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v ? json_object_get_string(v) : NULL;
}

/* Ctrl-D at a prompt: "Not sent.", exit 1, and still n calls posted in all. Frees t. */
static void cancel_expecting_posts(struct term *t, size_t n)
{
    term_key(t, "C-d");
    wait_text(t, "Not sent.");
    assert_int_equal(term_wait_exit(t, 5000), 1);
    term_free(t);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), n);
}

static void prompt__asks_each_field_completes_names_and_sends_after_review(void **state)
{
    char **env = child_env(NULL);
    const char *const argv[] = {bin, "log", "--prompt", NULL};
    struct term *t = term_spawn(argv, (const char *const *)env, 40, 100);
    json_object *calls, *c;

    assert_non_null(t);
    wait_text(t, "From (required):");
    term_send(t, "+1 415 555 0100\r");
    wait_text(t, "To (required):");
    term_send(t, "+1 212 555 0177\r");
    wait_text(t, "Duration (required) (seconds):");
    term_send(t, "61\r");
    wait_text(t, "Answered (required) (yes/no):");
    term_send(t, "maybe\r");
    wait_text(t, "Answered must be yes or no."); /* asked again */
    term_send(t, "y\r");
    wait_text(t, "Human (required) (yes/no):");
    term_send(t, "yes\r");
    wait_text(t, "Disposition (optional) (Tab completes):");
    term_send(t, "inter");
    term_key(t, "Tab");
    wait_regex(t, "Disposition \\(optional\\) \\(Tab completes\\): Interested$");
    term_key(t, "Enter");
    wait_text(t, "Task (required) (Tab completes)");
    term_send(t, "pat");
    term_key(t, "Tab");
    wait_regex(t, "\\(Tab completes\\): Pat Lee <contact1@prospect.example>$");
    term_key(t, "Enter");
    wait_text(t, "User (required) [dana@acme.example (" FAKE_USER_ID ")]:");
    term_key(t, "Enter");
    wait_text(t, "Transcription (optional):");
    term_key(t, "Enter");
    wait_text(t, "Recording URL (optional):");
    term_key(t, "Enter");
    wait_text(t, "Review:");
    wait_regex(t, "6  Disposition +Interested \\(" FAKE_DISPO_COMPLETE_ID "\\)");
    wait_text(t, "This disposition completes the task and its sequence lead.");
    wait_text(t, "Send this call? (yes, no, or a field number to change it):");
    /* change the duration from the review, then send */
    term_send(t, "3\r");
    wait_text(t, "Duration (required) (seconds) [61]:");
    term_send(t, "62\r");
    wait_regex(t, "3  Duration +62");
    term_send(t, "yes\r");
    wait_text(t, "Logged call ");
    assert_int_equal(term_wait_exit(t, 5000), 0);
    term_free(t);

    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 1);
    calls = fake_stored_calls(fk);
    c = json_object_array_get_idx(calls, 0);
    assert_string_equal(member_str(c, "task_id"), FAKE_TASK_ID_FIRST);
    assert_string_equal(member_str(c, "disposition_id"), FAKE_DISPO_COMPLETE_ID);
    assert_string_equal(member_str(c, "duration"), "62");
    assert_string_equal(member_str(c, "to"), "+1 212 555 0177");
    json_object_put(calls);

    /* each number typed is in its own field's history (the form's too) on the next run;
     * Ctrl-D cancels, nothing sent */
    t = term_spawn(argv, (const char *const *)env, 40, 100);
    assert_non_null(t);
    wait_text(t, "From (required):");
    term_key(t, "Up");
    wait_regex(t, "From \\(required\\): \\+1 415 555 0100$");
    term_key(t, "Enter");
    wait_text(t, "To (required):");
    term_key(t, "Up");
    wait_regex(t, "To \\(required\\): \\+1 212 555 0177$");
    term_key(t, "C-u");
    cancel_expecting_posts(t, 1);
    term_env_free(env);
}

static void prompt__no_at_the_review_sends_nothing(void **state)
{
    char **env = child_env(NULL);
    const char *const argv[] = {bin,
                                "log",
                                "--prompt",
                                "--from",
                                "+1 415 555 0100",
                                "--to",
                                "+1 212 555 0188",
                                "--duration",
                                "5",
                                "--answered",
                                "no",
                                "--human",
                                "no",
                                "--task",
                                FAKE_TASK_ID_FIRST,
                                NULL};
    struct term *t = term_spawn(argv, (const char *const *)env, 40, 100);

    assert_non_null(t);
    /* flags become the defaults in brackets */
    wait_text(t, "From (required) [+1 415 555 0100]:");
    term_key(t, "Enter");
    wait_text(t, "To (required) [+1 212 555 0188]:");
    for (int i = 1; i < 10; i++)
        term_key(t, "Enter");
    wait_text(t, "Send this call?");
    term_send(t, "no\r");
    wait_text(t, "Not sent.");
    assert_int_equal(term_wait_exit(t, 5000), 1);
    term_free(t);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 0);
    term_env_free(env);
}

static void prompt__in_lang_c_shows_ascii_and_takes_back_what_it_showed(void **state)
{
    char **env = child_env("LC_ALL=C");
    const char *const argv[] = {bin,
                                "log",
                                "--prompt",
                                "--from",
                                "+1 415 555 0100",
                                "--to",
                                "+1 212 555 0166",
                                "--duration",
                                "5",
                                "--answered",
                                "yes",
                                "--human",
                                "yes",
                                NULL};
    struct term *t = term_spawn(argv, (const char *const *)env, 40, 100);
    json_object *calls, *c;
    char id2[FAKE_ID_LEN];

    assert_non_null(t);
    for (int i = 0; i < 5; i++) {
        wait_text(t, i == 0 ? "From (required) [" : "[");
        term_key(t, "Enter");
    }
    wait_text(t, "Disposition (optional) (Tab completes):");
    term_key(t, "Enter");
    wait_text(t, "Task (required) (Tab completes)");
    /* the completion is offered as the terminal can show it, and that is taken back */
    term_send(t, "jos");
    term_key(t, "Tab");
    wait_regex(t, "\\(Tab completes\\): Jose Alvarez <contact2@prospect.example>$");
    term_key(t, "Enter");
    wait_text(t, "User (required)");
    term_key(t, "Enter");
    wait_text(t, "Transcription (optional):");
    term_send(t, "Ol\xc3\xa1\r"); /* a UTF-8 terminal under LANG=C */
    wait_text(t, "Recording URL (optional):");
    term_key(t, "Enter");
    wait_text(t, "Review:");
    wait_regex(t, "Task +Jose Alvarez");
    wait_text(t, "Send this call?");
    term_send(t, "yes\r");
    wait_text(t, "Logged call ");
    assert_int_equal(term_wait_exit(t, 5000), 0);
    assert_false(term_raw_contains(t, "\xc3\xa9")); /* no UTF-8 é reached the terminal */
    term_free(t);
    calls = fake_stored_calls(fk);
    c = json_object_array_get_idx(calls, 0);
    fake_task_id(2, id2);
    assert_string_equal(member_str(c, "task_id"), id2);
    assert_string_equal(member_str(c, "transcription"), "Olá");
    json_object_put(calls);
    term_env_free(env);
}

/* No user configured: the task prompt first asks who made the call, with no error about an
 * empty user and no look-up of one; the user typed then picks whose tasks complete. */
static void prompt__with_no_user_asks_for_one_before_the_tasks(void **state)
{
    char *base = xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk));
    const char *const vars[] = {base, "AMPLEMARKET_API_KEY=" FAKE_API_KEY, NULL};
    char **env = term_env(vars);
    const char *const argv[] = {bin, "log", "--prompt", "--from", "+1 415 555 0100", "--to",
                                "+1 212 555 0199", "--duration", "7", "--answered", "no",
                                "--human", "no", NULL};
    struct term *t = term_spawn(argv, (const char *const *)env, 40, 100);

    assert_non_null(t);
    wait_text(t, "From (required) [+1 415 555 0100]:");
    for (int i = 0; i < 6; i++)
        term_key(t, "Enter"); /* from, to, duration, answered, human, disposition */
    wait_text(t, "Tasks belong to a user: who made the call?");
    wait_text(t, "User (required):");
    assert_false(term_raw_contains(t, "neither a UUID nor an email"));
    assert_int_equal(fake_request_count(fk, "GET", "/users"), 0);
    term_send(t, FAKE_USER_EMAIL "\r");
    wait_text(t, "Task (required) (Tab completes)");
    assert_false(term_raw_contains(t, "neither a UUID nor an email"));
    cancel_expecting_posts(t, 0);
    term_env_free(env);
    free(base);
}

static void dumb_terminal__plain_amplecall_falls_back_to_line_mode(void **state)
{
    char **env = child_env("TERM=dumb");
    const char *const argv[] = {bin, NULL};
    struct term *t = term_spawn(argv, (const char *const *)env, 24, 80);

    assert_non_null(t);
    wait_text(t, "Log a call.");
    wait_text(t, "From (required):");
    assert_false(term_altscreen(t)); /* no full-screen tricks */
    cancel_expecting_posts(t, 0);
    term_env_free(env);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, reset)
    const struct CMUnitTest tests[] = {
        T(prompt__asks_each_field_completes_names_and_sends_after_review),
        T(prompt__no_at_the_review_sends_nothing),
        T(prompt__in_lang_c_shows_ascii_and_takes_back_what_it_showed),
        T(prompt__with_no_user_asks_for_one_before_the_tasks),
        T(dumb_terminal__plain_amplecall_falls_back_to_line_mode),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
