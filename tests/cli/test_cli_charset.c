/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Any locale, through the real binary against the fake: in LANG=C the output is ASCII with
 * names transliterated (José -> Jose, Łukasz -> Lukasz, CJK -> ?) and the columns still line
 * up; in en_US.ISO-8859-1 (made with localedef for the test, skipped with the reason when
 * that cannot be done) the output is Latin-1, typed Latin-1 arguments are sent as UTF-8, and
 * --json stays UTF-8. Checks the bytes. */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cli_env.h"
#include "fakectl.h"
#include "core/util.h"

static struct fake *fk;
static char *home;
static char *locdir;   /* LOCPATH with en_US.ISO-8859-1, NULL when it could not be made */
static char *loc_why;  /* why not */

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define C_ENV ((const char *const[]){"LC_ALL=C", NULL})

static int setup(void **state)
{
    /* 16 tasks: every contact name of the seed once (CJK, emoji with ZWJ and VS16...) */
    static const char *const args[] = {"--tasks", "16", NULL};
    char tmpl[] = "/tmp/amplecall-cli-locale-XXXXXX";

    fk = fake_start(args);
    home = cli_tmp_home();
    if (mkdtemp(tmpl)) {
        char *cmd = xasprintf("localedef -i en_US -f ISO-8859-1 %s/en_US.ISO-8859-1 "
                              ">/dev/null 2>&1",
                              tmpl);
        if (system(cmd) == 0)
            locdir = xstrdup(tmpl);
        else
            loc_why = xstrdup("localedef cannot make en_US.ISO-8859-1 on this machine");
        free(cmd);
        if (!locdir)
            rmdir(tmpl);
    } else {
        loc_why = xstrdup("no temp directory for the locale");
    }
    return fk && home ? 0 : -1;
}

static int teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    if (locdir) {
        char *cmd = xasprintf("rm -rf '%s'", locdir);
        if (system(cmd) != 0)
            fprintf(stderr, "# could not remove %s\n", locdir);
        free(cmd);
    }
    free(locdir);
    free(loc_why);
    return 0;
}

static int reset(void **state)
{
    return fake_reset(fk) ? 0 : -1;
}

static struct cli_run run_env(const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, fake_base_url(fk), FAKE_API_KEY, env, args);
    assert_false(cli_has(r.out, FAKE_API_KEY));
    assert_false(cli_has(r.err, FAKE_API_KEY));
    return r;
}

/* The Latin-1 locale's environment (borrowed); skips the test when there is none. */
static const char *const *latin1_env(void)
{
    static char *env[3];

    if (!locdir) {
        noskip_skip(loc_why);
    }
    if (!env[0]) {
        env[0] = xasprintf("LOCPATH=%s", locdir);
        env[1] = xstrdup("LC_ALL=en_US.ISO-8859-1");
    }
    return (const char *const *)env;
}

static void expect_status(struct cli_run *r, int want)
{
    if (r->status != want)
        fail_msg("exit %d, want %d\nstdout: %s\nstderr: %s", r->status, want, r->out, r->err);
}

static void expect_has(const char *s, const char *needle)
{
    if (!cli_has(s, needle))
        fail_msg("expected \"%s\" in:\n%s", needle, s ? s : "(null)");
}

static bool is_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if (*p >= 0x80)
            return false;
    return true;
}

/* Byte offset of needle within the line that holds it (-1 when absent). */
static long column_of(const char *text, const char *needle)
{
    const char *hit = strstr(text, needle), *line;

    if (!hit)
        return -1;
    for (line = hit; line > text && line[-1] != '\n'; line--)
        ;
    return (long)(hit - line);
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* ---- LANG=C ---- */

static void c_locale__tables_are_ascii_transliterated_and_aligned(void **state)
{
    struct cli_run r = run_env(C_ENV, ARGS("tasks", "--user", FAKE_USER_ID));

    expect_status(&r, 0);
    if (!is_ascii(r.out))
        fail_msg("not ASCII:\n%s", r.out);
    expect_has(r.out, "Jose Alvarez");
    expect_has(r.out, "???"); /* 王小明: no letters to borrow */
    /* ASCII: a byte is a column, so the email column starts at one offset on every row */
    assert_true(column_of(r.out, "contact1@") > 0);
    assert_int_equal(column_of(r.out, "contact2@"), column_of(r.out, "contact1@"));
    assert_int_equal(column_of(r.out, "contact3@"), column_of(r.out, "contact1@"));
    assert_int_equal(column_of(r.out, "contact4@"), column_of(r.out, "contact1@"));
    /* a ZWJ sequence and a variation selector take no room once they cannot be shown */
    expect_has(r.out, "?? Dev Person");
    expect_has(r.out, "Chloe ? Dubois");
    for (int n = 5; n <= 16; n++) {
        char needle[32];
        snprintf(needle, sizeof(needle), "contact%d@", n);
        assert_int_equal(column_of(r.out, needle), column_of(r.out, "contact1@"));
    }
    assert_int_equal(column_of(r.out, "EMAIL"), column_of(r.out, "contact1@"));
    cli_run_done(&r);

    r = run_env(C_ENV, ARGS("users"));
    expect_status(&r, 0);
    assert_true(is_ascii(r.out));
    expect_has(r.out, "Lukasz Nowak");
    assert_int_equal(column_of(r.out, FAKE_USER2_EMAIL), column_of(r.out, FAKE_USER_EMAIL));
    cli_run_done(&r);
}

static void c_locale__messages_with_server_text_are_ascii(void **state)
{
    struct cli_run r = run_env(C_ENV, ARGS("log", "--from", "+1 415 555 0100", "--to",
                                           "+1 212 555 0199", "--duration", "5", "--answered",
                                           "yes", "--human", "yes", "--user", FAKE_USER_ID,
                                           "--task", "José", "--transcription", "Olá, café"));
    json_object *req, *body;

    expect_status(&r, 0);
    assert_true(is_ascii(r.out));
    assert_true(is_ascii(r.err));
    expect_has(r.out, "(Jose Alvarez)");
    /* what a UTF-8 terminal typed under LANG=C is sent as it was */
    req = fake_last_request(fk, "POST", "/calls");
    body = member(req, "body");
    assert_string_equal(json_object_get_string(member(body, "transcription")), "Olá, café");
    json_object_put(req);
    cli_run_done(&r);

    /* the store's tables too: the contact comes from the server's answer */
    r = run_env(C_ENV, ARGS("history"));
    expect_status(&r, 0);
    if (!is_ascii(r.out))
        fail_msg("not ASCII:\n%s", r.out);
    expect_has(r.out, "Jose Alvarez");
    cli_run_done(&r);
    r = run_env(C_ENV, ARGS("history", "1"));
    expect_status(&r, 0);
    assert_true(is_ascii(r.out));
    expect_has(r.out, "Ola, cafe");
    cli_run_done(&r);

    r = run_env(C_ENV, ARGS("tasks", "--user", "Łukasz"));
    expect_status(&r, 78);
    assert_true(is_ascii(r.err));
    expect_has(r.err, "--user must be a UUID or an email address, not 'Lukasz'");
    cli_run_done(&r);
}

static void c_locale__json_stays_utf8(void **state)
{
    struct cli_run r = run_env(C_ENV, ARGS("tasks", "--user", FAKE_USER_ID, "--json"));
    json_object *a;

    expect_status(&r, 0);
    expect_has(r.out, "José Álvarez");
    expect_has(r.out, "王小明");
    a = json_tokener_parse(r.out);
    assert_non_null(a);
    json_object_put(a);
    cli_run_done(&r);
}

/* ---- en_US.ISO-8859-1 ---- */

static void latin1_locale__tables_are_latin1_and_aligned(void **state)
{
    const char *const *env = latin1_env();
    struct cli_run r = run_env(env, ARGS("tasks", "--user", FAKE_USER_ID));

    expect_status(&r, 0);
    expect_has(r.out, "Jos\xe9 \xc1lvarez"); /* Latin-1 bytes */
    assert_false(cli_has(r.out, "Jos\xc3\xa9"));  /* not UTF-8 */
    expect_has(r.out, "???");
    expect_has(r.out, "?? ??"); /* 佐藤 花子 */
    expect_has(r.out, "Chlo\xe9 ? Dubois");
    /* one byte a column in Latin-1 */
    for (int n = 2; n <= 16; n++) {
        char needle[32];
        snprintf(needle, sizeof(needle), "contact%d@", n);
        assert_int_equal(column_of(r.out, needle), column_of(r.out, "contact1@"));
    }
    cli_run_done(&r);

    r = run_env(env, ARGS("users"));
    expect_status(&r, 0);
    expect_has(r.out, "Lukasz Nowak"); /* Ł is not in Latin-1: transliterated */
    cli_run_done(&r);
}

static void latin1_locale__typed_arguments_are_sent_as_utf8(void **state)
{
    const char *const *env = latin1_env();
    struct cli_run r = run_env(env, ARGS("log", "--from", "+1 415 555 0100", "--to",
                                         "+1 212 555 0199", "--duration", "5", "--answered",
                                         "yes", "--human", "yes", "--user", FAKE_USER_ID,
                                         "--task", "Jos\xe9", "--transcription",
                                         "Caf\xe9 cr\xe8me"));
    json_object *req, *body;
    char id2[FAKE_ID_LEN];

    expect_status(&r, 0);
    expect_has(r.out, "(Jos\xe9 \xc1lvarez)");
    req = fake_last_request(fk, "POST", "/calls");
    body = member(req, "body");
    assert_string_equal(json_object_get_string(member(body, "transcription")), "Café crème");
    fake_task_id(2, id2); /* found by its name typed in Latin-1 */
    assert_string_equal(json_object_get_string(member(body, "task_id")), id2);
    json_object_put(req);
    cli_run_done(&r);

    r = run_env(env, ARGS("log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199",
                          "--duration", "5", "--answered", "yes", "--human", "yes", "--user",
                          FAKE_USER_ID, "--task", "Zo\xeb Nobody"));
    expect_status(&r, 65);
    expect_has(r.err, "no task matches \"Zo\xeb Nobody\"");
    cli_run_done(&r);
}

static void latin1_locale__json_stays_utf8(void **state)
{
    const char *const *env = latin1_env();
    struct cli_run r = run_env(env, ARGS("tasks", "--user", FAKE_USER_ID, "--json"));

    expect_status(&r, 0);
    expect_has(r.out, "José Álvarez");
    assert_false(cli_has(r.out, "Jos\xe9"));
    cli_run_done(&r);
}

#define T(f) cmocka_unit_test_setup(f, reset)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(c_locale__tables_are_ascii_transliterated_and_aligned),
        T(c_locale__messages_with_server_text_are_ascii),
        T(c_locale__json_stays_utf8),
        T(latin1_locale__tables_are_latin1_and_aligned),
        T(latin1_locale__typed_arguments_are_sent_as_utf8),
        T(latin1_locale__json_stays_utf8),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, setup, teardown);
}
