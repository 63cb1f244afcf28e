/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `amplecall ctl` drives the form through its control socket, without any softphone: the
 * real binary on a pty (tests/e2e harness) against the fake API, ctl run beside it in the
 * same environment. Also: no form (exit 69, a queued draft the next form offers), unsent
 * work asked about first, a control directory others could write refused. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "form_check.h"
#include "phone_env.h"
#include "core/util.h"

static int ctl_ok(struct phone_env *e, const char *want_out, ...)
{
    /* up to 6 arguments */
    const char *a[7] = {0};
    char *out = NULL, *err = NULL;
    va_list ap;
    int rc, n = 0;

    va_start(ap, want_out);
    for (const char *s = va_arg(ap, const char *); s && n < 6; s = va_arg(ap, const char *))
        a[n++] = s;
    va_end(ap);
    rc = phone_ctl(e, &out, &err, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
    if (rc != 0 || (want_out && !strstr(out, want_out))) {
        fprintf(stderr, "# ctl %s: rc %d, out '%s', err '%s'\n", a[0], rc, out, err);
        term_dump(e->t, stderr);
        fail();
    }
    free(out);
    free(err);
    return rc;
}

static void ctl__call_start_answered_end_fill_the_form(void **state)
{
    struct phone_env *e = phone_env_new(NULL);
    struct term *t;
    long long t0, secs, d;

    (void)state;
    phone_form_start(e);
    t = e->t;
    see_text(t, "phone: idle");
    ctl_ok(e, "ringing to=+14155550100", "call-start", "--to", "+14155550100", "--from",
           "+12125550199", NULL);
    see_value(t, ROW_TO, "+14155550100");
    see_value(t, ROW_FROM, "+12125550199");
    see_text(t, "phone: ringing");
    see_text(t, "running");
    ctl_ok(e, "ringing", "status", NULL);
    ctl_ok(e, "in-call", "call-answered", NULL);
    t0 = now_ms();
    see_value(t, ROW_ANSWERED, "[x] yes  [ ] no");
    see_text(t, "phone: in call");
    usleep(2300 * 1000); /* the call's length */
    ctl_ok(e, "ended", "call-end", NULL);
    secs = (now_ms() - t0) / 1000;
    see_text(t, "phone: ended");
    see_gone(t, "running");
    d = see_some_duration(t);
    if (d < secs - 1 || d > secs + 1) {
        fprintf(stderr, "# Duration %lld, the call lasted %lld s\n", d, secs);
        term_dump(t, stderr);
        fail();
    }
    see_cursor(t, ROW_DISPOSITION, LABEL_COL);
    see_text(t, "Choose the disposition");
    phone_env_free(e);
}

static void ctl__unanswered_end_and_duration_given(void **state)
{
    struct phone_env *e = phone_env_new(NULL);
    struct term *t;

    (void)state;
    phone_form_start(e);
    t = e->t;
    ctl_ok(e, NULL, "call-start", "--to", "+14155550100", NULL);
    see_value(t, ROW_TO, "+14155550100");
    ctl_ok(e, "ended", "call-end", "--answered", "no", NULL);
    see_value(t, ROW_ANSWERED, "[ ] yes  [x] no");
    see_value(t, ROW_HUMAN, "[ ] yes  [x] no");
    see_duration(t, 0);
    see_cursor(t, ROW_DISPOSITION, LABEL_COL);
    /* the logged form is still being edited: a new call asks first */
    ctl_ok(e, NULL, "call-start", "--to", "+14155550101", NULL);
    see_wrapped(t, "take this one?");
    key(t, "y");
    see_value(t, ROW_TO, "+14155550101");
    ctl_ok(e, NULL, "call-answered", NULL);
    ctl_ok(e, "duration", "call-end", "--duration", "95", NULL);
    see_duration(t, 95);
    see_value(t, ROW_ANSWERED, "[x] yes  [ ] no");
    phone_env_free(e);
}

static void ctl__unsent_work_is_asked_about_first(void **state)
{
    struct phone_env *e = phone_env_new(NULL);
    struct term *t;
    char *out = NULL, *err = NULL;

    (void)state;
    phone_form_start(e);
    t = e->t;
    key(t, "Tab");
    type(t, "+15550001");
    see_value(t, ROW_TO, "+15550001");
    ctl_ok(e, "asking", "call-start", "--to", "+14155550100", NULL);
    see_wrapped(t, "A call with +14155550100 started: discard the call you have not sent");
    see_value(t, ROW_TO, "+15550001");
    key(t, "n");
    see_text(t, "The form keeps your call");
    see_value(t, ROW_TO, "+15550001");
    /* the kept form is not touched by the rest of that call */
    ctl_ok(e, "in-call", "call-answered", NULL);
    ctl_ok(e, "ended", "call-end", NULL);
    see_value(t, ROW_TO, "+15550001");
    assert_int_equal(phone_duration(t), -1);
    /* out of order: no call rings */
    assert_int_equal(phone_ctl(e, &out, &err, "call-answered", NULL), 65);
    assert_non_null(strstr(err, "no call fits"));
    free(out);
    free(err);
    ctl_ok(e, NULL, "call-start", "--to", "+14155550100", NULL);
    see_wrapped(t, "take this one?");
    key(t, "y");
    see_value(t, ROW_TO, "+14155550100");
    see_text(t, "running");
    phone_env_free(e);
}

static void ctl__no_form_says_so_and_queues_a_draft(void **state)
{
    struct phone_env *e = phone_env_new(NULL);
    struct term *t;
    char *out = NULL, *err = NULL;

    (void)state;
    assert_int_equal(phone_ctl(e, &out, &err, "status", NULL), 69);
    assert_non_null(strstr(err, "no form is running"));
    free(out);
    free(err);
    assert_int_equal(phone_ctl(e, NULL, NULL, "call-start", "--to", "+14155550100", NULL), 69);
    assert_int_equal(phone_ctl(e, NULL, NULL, "call-end", NULL), 69);
    assert_int_equal(phone_ctl(e, NULL, NULL, "call-start", NULL), 64); /* no --to */
    assert_int_equal(phone_ctl(e, NULL, NULL, "call-start", "--to", "+1 555", NULL), 64);
    assert_int_equal(phone_ctl(e, &out, &err, "call-end", "--to", "+14155550100", "--duration",
                               "37", "--answered", "yes", NULL),
                     69);
    assert_non_null(strstr(err, "kept as a draft"));
    free(out);
    free(err);
    phone_form_start(e);
    t = e->t;
    see_wrapped(t, "An unsent call was left from an earlier session");
    key(t, "r");
    see_value(t, ROW_TO, "+14155550100");
    see_duration(t, 37);
    see_value(t, ROW_ANSWERED, "[x] yes  [ ] no");
    phone_env_free(e);
}

static void ctl__a_directory_others_can_write_is_refused(void **state)
{
    struct phone_env *e = phone_env_new(NULL);
    char *dir = xasprintf("%s/amplecall", e->run_dir);
    char *out = NULL, *err = NULL;
    struct stat sb;

    (void)state;
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    phone_form_start(e);
    see_wrapped(e->t, "No control socket:");
    assert_int_equal(phone_ctl(e, &out, &err, "status", NULL), 69);
    assert_non_null(strstr(err, "amplecall"));
    assert_null(strstr(out, "idle"));
    free(out);
    free(err);
    /* made private, the next form listens, 0600 */
    assert_int_equal(chmod(dir, 0700), 0);
    term_free(e->t);
    e->t = NULL;
    phone_form_start(e);
    ctl_ok(e, "idle", "status", NULL);
    {
        char *sock = xasprintf("%s/control", dir);
        assert_int_equal(lstat(sock, &sb), 0);
        assert_true(S_ISSOCK(sb.st_mode));
        assert_int_equal(sb.st_mode & 0777, 0600);
        free(sock);
    }
    free(dir);
    phone_env_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ctl__call_start_answered_end_fill_the_form),
        cmocka_unit_test(ctl__unanswered_end_and_duration_given),
        cmocka_unit_test(ctl__unsent_work_is_asked_about_first),
        cmocka_unit_test(ctl__no_form_says_so_and_queues_a_draft),
        cmocka_unit_test(ctl__a_directory_others_can_write_is_refused),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
