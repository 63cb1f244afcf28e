/* SPDX-License-Identifier: GPL-3.0-or-later */
/* baseurl.c: every spelling of one server has one normal form. */
#include "config.h"
#include "unit.h"

#include <stdlib.h>
#include <string.h>

#include "core/baseurl.h"

static void check(const char *in, const char *want)
{
    char *out = baseurl_normalise(in);
    if (!out || strcmp(out, want))
        fail_msg("'%s' normalised to '%s', want '%s'", in, out ? out : "(null)", want);
    free(out);
}

static void same(const char *a, const char *b)
{
    if (!baseurl_same(a, b))
        fail_msg("'%s' and '%s' differ", a, b);
}

static void differ(const char *a, const char *b)
{
    if (baseurl_same(a, b))
        fail_msg("'%s' and '%s' are the same", a, b);
}

static void baseurl__null_and_empty(void **state)
{
    assert_null(baseurl_normalise(NULL));
    check("", "");
    assert_true(baseurl_same(NULL, NULL));
    assert_false(baseurl_same(NULL, ""));
    assert_false(baseurl_same("http://127.0.0.1", NULL));
    assert_true(baseurl_same("", ""));
}

static void baseurl__text_without_a_scheme_is_kept_as_given(void **state)
{
    check("127.0.0.1:8080/", "127.0.0.1:8080/");
    check("://host/", "://host/");
    check("1http://host/", "1http://host/");
}

static void baseurl__loopback_spellings_are_one_server(void **state)
{
    same("http://127.0.0.1:8080", "http://localhost:8080/");
    same("http://127.0.0.1:8080", "HTTP://LocalHost:8080//");
    same("http://127.0.0.1:8080", "http://[::1]:8080");
    same("http://127.0.0.1:8080", "http://127.1.2.3:8080");
    same("http://127.0.0.1:8080", "http://[0:0:0:0:0:0:0:1]:8080/");
    same("http://127.0.0.1:8080", "http://[::ffff:127.0.0.1]:8080");
    check("HTTP://LocalHost:8080//", "http://127.0.0.1:8080");
    check("http://[::1]:8080", "http://127.0.0.1:8080");
    check("http://127.255.0.9", "http://127.0.0.1");
}

static void baseurl__other_hosts_are_not_loopback(void **state)
{
    check("http://128.0.0.1:8080", "http://128.0.0.1:8080");
    check("http://localhost.example:8080", "http://localhost.example:8080");
    check("http://127.0.0.1.example", "http://127.0.0.1.example");
    check("http://[::2]:8080/", "http://[::2]:8080");
    check("http://[FE80::1]", "http://[fe80::1]");
    differ("http://127.0.0.1:8080", "http://10.0.0.1:8080");
}

static void baseurl__scheme_and_host_are_lower_case(void **state)
{
    check("HTTPS://API.Amplemarket.COM/V1", "https://api.amplemarket.com/V1");
    same("https://api.amplemarket.com:443/", "https://API.amplemarket.com");
}

static void baseurl__default_port_is_dropped(void **state)
{
    same("http://127.0.0.1:80", "http://127.0.0.1");
    check("http://127.0.0.1:80", "http://127.0.0.1");
    check("https://api.amplemarket.com:443/", "https://api.amplemarket.com");
    check("http://h.example:/", "http://h.example");
    check("http://h.example:0080/", "http://h.example");
    check("http://h.example:08080", "http://h.example:8080");
    /* a default port only for its own scheme */
    check("https://h.example:80", "https://h.example:80");
    check("http://h.example:443", "http://h.example:443");
    differ("http://h.example:443", "http://h.example");
}

static void baseurl__different_ports_differ(void **state)
{
    differ("http://127.0.0.1:8080", "http://127.0.0.1:8081");
    differ("http://127.0.0.1:8080", "http://127.0.0.1");
    differ("http://api.example", "https://api.example");
}

static void baseurl__path_is_kept_but_trailing_slashes_go(void **state)
{
    check("https://api.example/", "https://api.example");
    check("https://api.example///", "https://api.example");
    check("https://api.example/V1/", "https://api.example/V1");
    check("https://api.example//v1//x//", "https://api.example//v1//x");
    check("https://api.example/v1/?a=B", "https://api.example/v1?a=B");
    differ("https://api.example/V1", "https://api.example/v1");
    same("https://api.example/v1", "https://api.example/v1/");
}

static void baseurl__userinfo_is_dropped(void **state)
{
    check("https://user:secret@API.example:443/v1", "https://api.example/v1");
    check("http://a@b@localhost:8080", "http://127.0.0.1:8080");
    same("https://me@api.example", "https://api.example");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(baseurl__null_and_empty),
        cmocka_unit_test(baseurl__text_without_a_scheme_is_kept_as_given),
        cmocka_unit_test(baseurl__loopback_spellings_are_one_server),
        cmocka_unit_test(baseurl__other_hosts_are_not_loopback),
        cmocka_unit_test(baseurl__scheme_and_host_are_lower_case),
        cmocka_unit_test(baseurl__default_port_is_dropped),
        cmocka_unit_test(baseurl__different_ports_differ),
        cmocka_unit_test(baseurl__path_is_kept_but_trailing_slashes_go),
        cmocka_unit_test(baseurl__userinfo_is_dropped),
    };
    return RUN_TAP(tests);
}
