/* SPDX-License-Identifier: GPL-3.0-or-later */
/* valgrind memcheck over the real binary: `amplecall log` against the fake API for success,
 * rejection, timeout, garbage and a 5xx kept in the outbox, then `outbox list/flush` and
 * `history`. Each run must end with its normal exit code, no invalid access and no definite
 * leak. Skipped (with the reason) where valgrind cannot run: not installed, or an
 * ASan-instrumented build (tests/sanitize-check.sh sets AMPLECALL_NO_VALGRIND). */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_env.h"
#include "fakectl.h"
#include "sec.h"
#include "core/util.h"

static struct fake *fk;
static char *home;

static bool binary_has_asan(void)
{
    size_t len = 0;
    char *bin = sec_read_file(cli_binary(), &len);
    bool has = bin && sec_memmem(bin, len, "__asan_init");
    free(bin);
    return has;
}

/* Why memcheck cannot run here, or NULL. */
static const char *skip_reason(void)
{
    const char *argv[] = {"valgrind", "--version", NULL};

    if (getenv("AMPLECALL_NO_VALGRIND"))
        return "AMPLECALL_NO_VALGRIND is set (sanitizer build)";
    if (binary_has_asan())
        return "the binary is built with AddressSanitizer";
    if (run_capture(argv, NULL, NULL, 10000, NULL, NULL) != 0)
        return "valgrind is not installed (apt-get install valgrind)";
    return NULL;
}

static int group_setup(void **state)
{
    fk = fake_start(NULL);
    home = cli_tmp_home();
    return fk && home ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    cli_rm_tree(home);
    free(home);
    return 0;
}

/* Run amplecall ARGS under memcheck; fails on a valgrind error or an unexpected exit. */
static void memcheck(int want, const char *faults, const char *const *env,
                     const char *const *args)
{
    char *logf = xasprintf("%s/vg.log", home);
    char *logopt = xasprintf("--log-file=%s", logf);
    const char *argv[48];
    const char *envp[16];
    char *owned[4];
    int n = 0, e = 0, o = 0, status;
    char *out = NULL, *err = NULL, *report;
    size_t rlen = 0;

    if (!fake_set_faults(fk, faults ? faults : "[]"))
        fail_msg("bad faults %s", faults);
    argv[n++] = "valgrind";
    argv[n++] = "-q";
    argv[n++] = "--error-exitcode=99";
    argv[n++] = "--leak-check=full";
    argv[n++] = "--show-leak-kinds=definite";
    argv[n++] = "--errors-for-leak-kinds=definite";
    argv[n++] = logopt;
    argv[n++] = cli_binary();
    for (int i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    envp[e++] = owned[o++] = xasprintf("HOME=%s", home);
    envp[e++] = owned[o++] = xasprintf("XDG_STATE_HOME=%s/state", home);
    envp[e++] = owned[o++] = xasprintf("AMPLECALL_BASE_URL=%s", fake_base_url(fk));
    envp[e++] = "AMPLEMARKET_API_KEY=" FAKE_API_KEY;
    envp[e++] = "PATH=/usr/bin:/bin";
    envp[e++] = "LANG=C.UTF-8";
    for (int i = 0; env && env[i]; i++)
        envp[e++] = env[i];
    envp[e] = NULL;
    status = run_capture(argv, envp, NULL, 60000, &out, &err);
    report = sec_read_file(logf, &rlen);
    assert_non_null(report); /* valgrind ran, with our options */
    if (status != want)
        fail_msg("amplecall %s under valgrind: exit %d, want %d\nstderr: %s\nvalgrind: %s",
                 args[0], status, want, err, report ? report : "");
    if (report && rlen > 0)
        fail_msg("valgrind reported:\n%s", report);
    unlink(logf);
    free(report);
    free(out);
    free(err);
    for (int i = 0; i < o; i++)
        free(owned[i]);
    free(logf);
    free(logopt);
}

#define LOG_ARGS                                                                               \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "42",     \
            "--answered", "yes", "--human", "yes", "--task", FAKE_TASK_ID_FIRST, "--user",      \
            FAKE_USER_ID, "--transcription", "Zoë said \"call back\"", NULL                    \
    }

static void valgrind__log_success_is_clean(void **state)
{
    memcheck(0, NULL, NULL, LOG_ARGS);
}

static void valgrind__log_rejected_by_the_api_is_clean(void **state)
{
    memcheck(65, "{\"status\":422,\"times\":1}", NULL, LOG_ARGS);
}

static void valgrind__log_invalid_before_sending_is_clean(void **state)
{
    memcheck(65, NULL, NULL,
             (const char *const[]){"log", "--from", "x", "--to", "y", "--duration", "-1",
                                   "--answered", "maybe", "--human", "yes", "--task", "t",
                                   "--user", FAKE_USER_ID, NULL});
}

static void valgrind__log_timeout_is_clean(void **state)
{
    memcheck(75, "{\"delay_ms\":3000,\"times\":1}",
             (const char *const[]){"AMPLECALL_TIMEOUT=1", NULL}, LOG_ARGS);
}

static void valgrind__log_garbage_body_is_clean(void **state)
{
    memcheck(75, "{\"garbage\":true,\"times\":1}", NULL, LOG_ARGS);
}

static void valgrind__log_server_error_kept_in_outbox_is_clean(void **state)
{
    memcheck(75, "{\"status\":503,\"times\":1}", NULL, LOG_ARGS);
}

static void valgrind__outbox_and_history_are_clean(void **state)
{
    /* the call the 5xx left is unknown: it settles one request timeout (1 s), then its
     * look-up finds it missing and it is posted */
    memcheck(0, NULL,
             (const char *const[]){"AMPLECALL_TIMEOUT=1", "AMPLECALL_OUTBOX_SETTLE_MS=1", NULL},
             (const char *const[]){"outbox", "flush", NULL});
    memcheck(0, NULL, NULL, (const char *const[]){"outbox", "list", NULL});
    memcheck(0, NULL, NULL, (const char *const[]){"history", NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valgrind__log_success_is_clean),
        cmocka_unit_test(valgrind__log_rejected_by_the_api_is_clean),
        cmocka_unit_test(valgrind__log_invalid_before_sending_is_clean),
        cmocka_unit_test(valgrind__log_timeout_is_clean),
        cmocka_unit_test(valgrind__log_garbage_body_is_clean),
        cmocka_unit_test(valgrind__log_server_error_kept_in_outbox_is_clean),
        cmocka_unit_test(valgrind__outbox_and_history_are_clean),
    };
    const char *why = skip_reason();

    if (why) {
        /* cmocka reports skip() as "not ok # SKIP", which automake counts as a failure;
         * under CI a test that cannot run its real part fails instead */
        if (noskip_is_strict() && !getenv("AMPLECALL_NO_VALGRIND")) {
            printf("1..1\nnot ok 1 - valgrind memcheck cannot run (SKIP is a failure under CI): %s\n", why);
            return 1;
        }
        printf("1..1\nok 1 # SKIP valgrind memcheck: %s\n", why);
        return 0;
    }
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
