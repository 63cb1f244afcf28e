/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test helpers for the softphone tests (see phone_env.h). */
#include "config.h"
#include "phone_env.h"

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
#include "core/util.h"

struct phone_env *phone_env_new(const char *config_text)
{
    struct phone_env *e = xcalloc(1, sizeof(*e));
    char run[] = "/tmp/amplecall-phone-run-XXXXXX";
    char *run_env, *conf_env = NULL;

    e->fake = fake_start(NULL);
    assert_non_null(e->fake);
    assert_non_null(mkdtemp(run));
    e->run_dir = xstrdup(run);
    if (config_text) {
        char path[] = "/tmp/amplecall-phone-config-XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, config_text, strlen(config_text)), (ssize_t)strlen(config_text));
        close(fd);
        e->config = xstrdup(path);
        conf_env = xasprintf("AMPLECALL_CONFIG=%s", path);
    }
    run_env = xasprintf("XDG_RUNTIME_DIR=%s", e->run_dir);
    e->env = form_env(fake_base_url(e->fake),
                      (const char *const[]){run_env, conf_env ? conf_env : "AMPLECALL_CONFIG",
                                            NULL},
                      NULL);
    free(run_env);
    free(conf_env);
    return e;
}

void phone_env_free(struct phone_env *e)
{
    char *cmd;

    if (!e)
        return;
    term_free(e->t);
    term_env_free(e->env);
    fake_stop(e->fake);
    if (e->config) {
        unlink(e->config);
        free(e->config);
    }
    cmd = xasprintf("rm -rf '%s'", e->run_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# cannot remove %s\n", e->run_dir);
    free(cmd);
    free(e->run_dir);
    free(e);
}

void phone_form_start(struct phone_env *e)
{
    char *bin = amplecall_path();

    e->t = term_spawn((const char *const[]){bin, NULL}, (const char *const *)e->env, 24, 100);
    free(bin);
    assert_non_null(e->t);
    see_form_ready(e->t);
}

int phone_ctl(struct phone_env *e, char **out, char **err, ...)
{
    const char *argv[16];
    char *bin = amplecall_path();
    size_t n = 0;
    va_list ap;
    int rc;

    argv[n++] = bin;
    argv[n++] = "ctl";
    va_start(ap, err);
    for (const char *a = va_arg(ap, const char *); a && n < 15; a = va_arg(ap, const char *))
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;
    rc = run_capture(argv, (const char *const *)e->env, NULL, 10000, out, err);
    free(bin);
    return rc;
}

long long phone_duration(struct term *t)
{
    char *v = value_at(t, ROW_DURATION);
    long long d = -1;

    if (v[0] >= '0' && v[0] <= '9')
        d = strtoll(v, NULL, 10);
    free(v);
    return d;
}

void see_duration(struct term *t, long long want)
{
    long long due = now_ms() + WAIT_MS;

    while (phone_duration(t) != want && now_ms() < due)
        term_pump(t, 50);
    if (phone_duration(t) != want) {
        fprintf(stderr, "# Duration is %lld, not %lld\n", phone_duration(t), want);
        term_dump(t, stderr);
        fail();
    }
}

long long see_some_duration(struct term *t)
{
    long long due = now_ms() + WAIT_MS;

    while (phone_duration(t) < 0 && now_ms() < due)
        term_pump(t, 50);
    return phone_duration(t);
}
