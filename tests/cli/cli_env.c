/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers to run the real binary with a pinned environment (see cli_env.h). */
#undef _XOPEN_SOURCE /* the build sets 600 */
#define _XOPEN_SOURCE 700
#include "config.h"
#include "cli_env.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakectl.h"
#include "core/util.h"

char *cli_tmp_home(void)
{
    char tmpl[] = "/tmp/amplecall-cli-XXXXXX";
    if (!mkdtemp(tmpl))
        return NULL;
    return xstrdup(tmpl);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void cli_rm_tree(const char *dir)
{
    if (dir && !strncmp(dir, "/tmp/amplecall-cli-", 19))
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

const char *cli_binary(void)
{
    static char path[4096];
    const char *b = getenv("AMPLECALL_TEST_BUILDDIR");
    snprintf(path, sizeof(path), "%s/src/amplecall", b ? b : ".");
    return path;
}

struct cli_run cli_run(const char *home, const char *base_url, const char *key,
                       const char *const *extra_env, const char *const *args)
{
    return cli_run_input(home, base_url, key, extra_env, args, NULL);
}

struct cli_run cli_run_input(const char *home, const char *base_url, const char *key,
                             const char *const *extra_env, const char *const *args,
                             const char *stdin_text)
{
    const char *argv[64];
    char *envp[64];
    int n = 0, e = 0;
    struct cli_run r = {0};

    argv[n++] = cli_binary();
    for (int i = 0; args && args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    envp[e++] = xasprintf("HOME=%s", home);
    envp[e++] = xasprintf("XDG_STATE_HOME=%s/state", home);
    envp[e++] = xasprintf("XDG_CONFIG_HOME=%s/config", home);
    envp[e++] = xstrdup("LANG=C.UTF-8");
    envp[e++] = xstrdup("PATH=/usr/bin:/bin");
    if (base_url)
        envp[e++] = xasprintf("AMPLECALL_BASE_URL=%s", base_url);
    if (key)
        envp[e++] = xasprintf("AMPLEMARKET_API_KEY=%s", key);
    for (int i = 0; extra_env && extra_env[i] && e < 60; i++)
        envp[e++] = xstrdup(extra_env[i]);
    /* a sanitizer build's options reach the program too (tests/sanitize-check.sh) */
    {
        static const char *const pass[] = {"ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"};
        for (size_t i = 0; i < sizeof(pass) / sizeof(pass[0]) && e < 63; i++)
            if (getenv(pass[i]))
                envp[e++] = xasprintf("%s=%s", pass[i], getenv(pass[i]));
    }
    envp[e] = NULL;
    r.status = run_capture(argv, (const char *const *)envp, stdin_text, 20000, &r.out, &r.err);
    for (int i = 0; i < e; i++)
        free(envp[i]);
    return r;
}

void cli_run_done(struct cli_run *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

bool cli_has(const char *s, const char *needle)
{
    return s && needle && strstr(s, needle);
}
