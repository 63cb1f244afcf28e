/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: the normal form of an API base URL, so that "is this the server the call was stored
 * for?" does not depend on how the URL was spelt. Pure string work: it never resolves a name or
 * opens a socket, so "localhost" counts as loopback by name alone. */
#include "config.h"
#include "core/baseurl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define LOOPBACK "127.0.0.1"

/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3986 section 3.1) */
static bool is_scheme(const char *s, size_t len)
{
    if (len == 0 || !isalpha((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
            return false;
    return true;
}

static void lower(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* true for localhost, 127.x.y.z, [::1] and [::ffff:127.x.y.z]; host is lower-case */
static bool is_loopback(const char *host)
{
    unsigned char a4[4];
    struct in6_addr a6;
    size_t len = strlen(host);
    bool is_lo = false;

    if (!strcmp(host, "localhost"))
        return true;
    if (inet_pton(AF_INET, host, a4) == 1)
        return a4[0] == 127;
    if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
        char *inner = xstrndup(host + 1, len - 2);
        if (inet_pton(AF_INET6, inner, &a6) == 1)
            is_lo =
                IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
        free(inner);
    }
    return is_lo;
}

/* The port as it goes into the normal form: owned, NULL when it is empty or the scheme's
 * default. A decimal port loses its leading zeros ("08080" is 8080). */
static char *norm_port(const char *scheme, const char *p, size_t len)
{
    size_t digits = strspn(p, "0123456789");

    if (len == 0)
        return NULL;
    if (digits >= len) {
        while (len > 1 && *p == '0') {
            p++;
            len--;
        }
        if ((!strcmp(scheme, "http") && len == 2 && !strncmp(p, "80", 2)) ||
            (!strcmp(scheme, "https") && len == 3 && !strncmp(p, "443", 3)))
            return NULL;
    }
    return xstrndup(p, len);
}

char *baseurl_normalise(const char *url)
{
    const char *sep, *auth, *auth_end, *at, *host, *host_end, *path_end;
    char *scheme, *hostname, *port = NULL, *out;
    size_t path_len;

    if (!url)
        return NULL;
    sep = strstr(url, "://");
    if (!sep || !is_scheme(url, (size_t)(sep - url)))
        return xstrdup(url);
    scheme = xstrndup(url, (size_t)(sep - url));
    lower(scheme);

    /* authority = [ userinfo "@" ] host [ ":" port ]; the userinfo is dropped */
    auth = sep + 3;
    auth_end = auth + strcspn(auth, "/?#");
    host = auth;
    for (at = auth; at < auth_end; at++)
        if (*at == '@')
            host = at + 1;
    if (*host == '[') {
        host_end = memchr(host, ']', (size_t)(auth_end - host));
        host_end = host_end ? host_end + 1 : auth_end;
    } else {
        host_end = memchr(host, ':', (size_t)(auth_end - host));
        if (!host_end)
            host_end = auth_end;
    }
    hostname = xstrndup(host, (size_t)(host_end - host));
    lower(hostname);
    if (is_loopback(hostname))
        str_set(&hostname, LOOPBACK);
    if (host_end < auth_end && *host_end == ':')
        port = norm_port(scheme, host_end + 1, (size_t)(auth_end - host_end - 1));

    /* the path as given, less its trailing slashes; a query or fragment follows unchanged */
    path_end = auth_end + strcspn(auth_end, "?#");
    path_len = (size_t)(path_end - auth_end);
    while (path_len > 0 && auth_end[path_len - 1] == '/')
        path_len--;

    out = xasprintf("%s://%s%s%s%.*s%s", scheme, hostname, port ? ":" : "", port ? port : "",
                    (int)path_len, auth_end, path_end);
    free(scheme);
    free(hostname);
    free(port);
    return out;
}

bool baseurl_same(const char *a, const char *b)
{
    char *na, *nb;
    bool is_same;

    if (!a || !b)
        return a == b;
    na = baseurl_normalise(a);
    nb = baseurl_normalise(b);
    is_same = !strcmp(na, nb);
    free(na);
    free(nb);
    return is_same;
}
