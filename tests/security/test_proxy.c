/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The key never travels in clear through a proxy. A recording proxy on 127.0.0.1 is set in
 * every variable libcurl (or a careless fork of it) could read: http_proxy, HTTP_PROXY,
 * all_proxy, ALL_PROXY, https_proxy, HTTPS_PROXY, with NO_PROXY unset, empty or naming
 * another host. For an http://127.0.0.1 (or localhost) base URL the call must reach the fake
 * API directly and the proxy must receive nothing at all. For an https:// base URL the proxy
 * stays usable, but only as a CONNECT tunnel that carries neither the key nor any header of
 * ours in clear. (tests/security/test_tls.c runs the tunnel end to end to a TLS server.) */
#include "config.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_env.h"
#include "fakectl.h"
#include "proxy.h"
#include "sec.h"
#include "core/util.h"

/* '/', '+' and '=' make its percent-encoding differ from it */
#define CANARY "sk/PROXY+7f3a9c2e=5b1d4a60"
#define CANARY_TAIL "7f3a9c2e=5b1d4a60"

static struct fake *fk;
static struct proxy *px;
static char *home;

#define LOG_ARGS                                                                               \
    (const char *const[])                                                                      \
    {                                                                                          \
        "log", "--from", "+1 415 555 0100", "--to", "+1 212 555 0199", "--duration", "42",     \
            "--answered", "yes", "--human", "no", "--task", FAKE_TASK_ID_FIRST, "--user",       \
            FAKE_USER_ID, NULL                                                                 \
    }

static int group_setup(void **state)
{
    static const char *const args[] = {"--key", CANARY, NULL};

    fk = fake_start(args);
    px = proxy_start(false);
    home = cli_tmp_home();
    return fk && px && home ? 0 : -1;
}

static int group_teardown(void **state)
{
    fake_stop(fk);
    proxy_stop(px);
    cli_rm_tree(home);
    free(home);
    return 0;
}

static int reset(void **state)
{
    proxy_reset(px);
    return fake_reset(fk) ? 0 : -1;
}

static void expect_no_key(const char *s, size_t len, const char *what)
{
    /* never print s: it may hold the key */
    if (sec_memmem(s, len, CANARY) || sec_memmem(s, len, CANARY_TAIL) ||
        sec_memmem(s, len, "sk%2FPROXY") || sec_memmem(s, len, "Authorization"))
        fail_msg("%s holds the key or an Authorization header", what);
}

/* Run amplecall with base URL base and the extra environment; returns the exit status. */
static char last_err[4096]; /* the last run's stderr, checked to hold no key */

static int run(const char *base, const char *const *env, const char *const *args)
{
    struct cli_run r = cli_run(home, base, CANARY, env, args);
    int status = r.status;

    expect_no_key(r.out, strlen(r.out), "stdout");
    expect_no_key(r.err, strlen(r.err), "stderr");
    snprintf(last_err, sizeof(last_err), "%s", r.err ? r.err : "");
    cli_run_done(&r);
    return status;
}

static void expect_proxy_untouched(const char *what)
{
    size_t len = 0;
    char *rx = proxy_received(px, &len);

    expect_no_key(rx, len, "what the proxy received");
    if (proxy_connections(px) != 0 || len != 0)
        fail_msg("%s: the proxy got %d connections and %zu bytes", what, proxy_connections(px),
                 len);
    free(rx);
}

static void proxy__plain_http_to_loopback_never_goes_through_any_proxy_variable(void **state)
{
    static const char *const vars[] = {"http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY",
                                       "https_proxy", "HTTPS_PROXY"};
    static const char *const no_proxy[] = {NULL, "NO_PROXY=", "NO_PROXY=example.com",
                                           "no_proxy=example.com"};
    int runs = 0;

    for (size_t v = 0; v < ARRAY_LEN(vars); v++) {
        for (size_t n = 0; n < ARRAY_LEN(no_proxy); n++) {
            char *set = xasprintf("%s=%s", vars[v], proxy_url(px));
            const char *env[] = {set, no_proxy[n], NULL};
            char *what = xasprintf("%s with %s", vars[v], no_proxy[n] ? no_proxy[n] : "no NO_PROXY");
            size_t before = fake_request_count(fk, "POST", "/calls");
            int rc = run(fake_base_url(fk), env, LOG_ARGS);

            if (rc != 0)
                fail_msg("%s: exit %d", what, rc);
            /* the call went straight to the server */
            assert_int_equal(fake_request_count(fk, "POST", "/calls"), before + 1);
            expect_proxy_untouched(what);
            runs++;
            free(set);
            free(what);
        }
    }
    print_message("%d runs, the proxy received 0 bytes\n", runs);
}

static void proxy__every_variable_at_once_and_localhost_and_reads_too(void **state)
{
    char *u = xasprintf("http_proxy=%s", proxy_url(px)), *U = xasprintf("HTTP_PROXY=%s", proxy_url(px));
    char *a = xasprintf("all_proxy=%s", proxy_url(px)), *A = xasprintf("ALL_PROXY=%s", proxy_url(px));
    const char *env[] = {u, U, a, A, "AMPLECALL_USER=" FAKE_USER_ID, NULL};
    char *localhost = xasprintf("http://localhost:%d", fake_port(fk));

    assert_int_equal(run(fake_base_url(fk), env, LOG_ARGS), 0);
    assert_int_equal(run(localhost, env, LOG_ARGS), 0);
    assert_int_equal(run(fake_base_url(fk), env, (const char *const[]){"tasks", NULL}), 0);
    assert_int_equal(run(fake_base_url(fk), env, (const char *const[]){"whoami", NULL}), 0);
    assert_int_equal(fake_request_count(fk, "POST", "/calls"), 2);
    expect_proxy_untouched("all variables");
    free(u);
    free(U);
    free(a);
    free(A);
    free(localhost);
}

static void proxy__https_goes_through_a_proxy_only_as_a_connect_tunnel(void **state)
{
    /* a name nobody resolves: through a proxy, libcurl leaves that to the proxy */
    static const char *const base = "https://api.amplecall-proxy-test.invalid";
    static const char *const vars[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"};

    for (size_t v = 0; v < ARRAY_LEN(vars); v++) {
        char *set = xasprintf("%s=%s", vars[v], proxy_url(px));
        const char *env[] = {set, NULL};
        size_t len = 0;
        char *rx;
        int rc;

        proxy_reset(px);
        rc = run(base, env, LOG_ARGS);
        /* the proxy refused the tunnel: kept in the outbox, nothing was sent */
        if (rc != 75)
            fail_msg("%s: exit %d, want 75", vars[v], rc);
        if (!cli_has(last_err, "cannot reach") || !cli_has(last_err, "the proxy refused the tunnel"))
            fail_msg("%s: a refused tunnel is not 'cannot reach': %s", vars[v], last_err);
        rx = proxy_received(px, &len);
        if (proxy_connects(px) < 1 || strncmp(rx, "CONNECT api.amplecall-proxy-test.invalid:443 ", 45))
            fail_msg("%s: amplecall did not ask the proxy for a CONNECT tunnel", vars[v]);
        expect_no_key(rx, len, "the CONNECT request");
        /* nothing of the request itself went to the proxy: no path, no body */
        assert_false(sec_memmem(rx, len, "/calls"));
        assert_false(sec_memmem(rx, len, "+1 212 555 0199"));
        free(rx);
        free(set);
    }
    assert_int_equal(fake_request_count(fk, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(proxy__plain_http_to_loopback_never_goes_through_any_proxy_variable,
                               reset),
        cmocka_unit_test_setup(proxy__every_variable_at_once_and_localhost_and_reads_too, reset),
        cmocka_unit_test_setup(proxy__https_goes_through_a_proxy_only_as_a_connect_tunnel, reset),
    };
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, group_setup, group_teardown) == 0 ? 0 : 1;
}
