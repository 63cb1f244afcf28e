/* SPDX-License-Identifier: GPL-3.0-or-later */
/* http.c against a scripted HTTP server on 127.0.0.1 in a thread: outcome classification,
 * headers, keep-alive reuse, Retry-After, size cap, drops and timeouts. */
#define _GNU_SOURCE
#include "config.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/redact.h"
#include "net/http.h"

/* ---- scripted server ---- */

#define MAX_CONN 8
static struct {
    int listen_fd;
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    const char *script[16]; /* one reply per request: raw HTTP, "DROP", "HOLD", "HUGE" */
    int next;
    int connections;
    char last_head[4096];
    char last_body[4096];
    volatile int stop;
} srv;

static void serve_one(int fd, char *req, size_t len)
{
    const char *reply;
    char *hdr_end = strstr(req, "\r\n\r\n");
    size_t head_len = (size_t)(hdr_end - req);

    pthread_mutex_lock(&srv.mu);
    snprintf(srv.last_head, sizeof(srv.last_head), "%.*s", (int)head_len, req);
    snprintf(srv.last_body, sizeof(srv.last_body), "%.*s", (int)(len - head_len - 4),
             hdr_end + 4);
    reply = srv.script[srv.next] ? srv.script[srv.next++] : "DROP";
    pthread_mutex_unlock(&srv.mu);
    if (!strcmp(reply, "DROP")) {
        shutdown(fd, SHUT_RDWR);
    } else if (!strcmp(reply, "HOLD")) {
        /* say nothing; the client must time out */
    } else if (!strcmp(reply, "HUGE")) {
        static char zeros[65536];
        const char *h = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        "Content-Length: 9437184\r\n\r\n";
        if (write(fd, h, strlen(h)) < 0)
            return;
        memset(zeros, ' ', sizeof(zeros));
        for (int i = 0; i < 9437184 / 65536; i++)
            if (write(fd, zeros, sizeof(zeros)) < 0)
                break;
    } else if (write(fd, reply, strlen(reply)) < 0) {
        shutdown(fd, SHUT_RDWR);
    }
}

/* A complete request is in buf when the head has ended and Content-Length bytes followed. */
static size_t request_len(const char *buf, size_t len)
{
    const char *end = strstr(buf, "\r\n\r\n");
    const char *cl;
    size_t body = 0;

    if (!end)
        return 0;
    cl = strcasestr(buf, "content-length:");
    if (cl && cl < end)
        body = (size_t)strtoul(cl + 15, NULL, 10);
    if ((size_t)(end + 4 - buf) + body > len)
        return 0;
    return (size_t)(end + 4 - buf) + body;
}

static void *server_main(void *arg)
{
    struct pollfd fds[MAX_CONN + 1];
    char bufs[MAX_CONN + 1][8192];
    size_t lens[MAX_CONN + 1];
    int n = 1;

    (void)arg;
    fds[0].fd = srv.listen_fd;
    fds[0].events = POLLIN;
    while (!srv.stop) {
        if (poll(fds, (nfds_t)n, 50) <= 0)
            continue;
        if ((fds[0].revents & POLLIN) && n <= MAX_CONN) {
            int c = accept(srv.listen_fd, NULL, NULL);
            if (c >= 0) {
                fds[n].fd = c;
                fds[n].events = POLLIN;
                lens[n] = 0;
                n++;
                pthread_mutex_lock(&srv.mu);
                srv.connections++;
                pthread_mutex_unlock(&srv.mu);
            }
        }
        for (int i = 1; i < n; i++) {
            ssize_t r;
            size_t rl;
            if (!(fds[i].revents & (POLLIN | POLLHUP)))
                continue;
            r = read(fds[i].fd, bufs[i] + lens[i], sizeof(bufs[i]) - 1 - lens[i]);
            if (r <= 0) {
                close(fds[i].fd);
                fds[i] = fds[--n];
                lens[i] = lens[n];
                memcpy(bufs[i], bufs[n], sizeof(bufs[i]));
                i--;
                continue;
            }
            lens[i] += (size_t)r;
            bufs[i][lens[i]] = '\0';
            rl = request_len(bufs[i], lens[i]);
            if (rl) {
                serve_one(fds[i].fd, bufs[i], rl);
                memmove(bufs[i], bufs[i] + rl, lens[i] - rl);
                lens[i] -= rl;
            }
        }
    }
    for (int i = 0; i < n; i++)
        close(fds[i].fd);
    return NULL;
}

static int server_start(void **state)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    int one = 1;

    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.mu, NULL);
    srv.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(srv.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(srv.listen_fd, (struct sockaddr *)&a, sizeof(a)) || listen(srv.listen_fd, 8))
        return -1;
    getsockname(srv.listen_fd, (struct sockaddr *)&a, &alen);
    srv.port = ntohs(a.sin_port);
    return pthread_create(&srv.thread, NULL, server_main, NULL);
}

static int server_stop(void **state)
{
    srv.stop = 1;
    pthread_join(srv.thread, NULL);
    pthread_mutex_destroy(&srv.mu);
    return 0;
}

/* ---- client helpers ---- */

static struct http_client *client(long timeout_ms)
{
    char url[64];
    struct http_options o = {0};
    char *err = NULL;
    struct http_client *c;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", srv.port);
    o.base_url = url;
    o.api_key = "unit-test-key";
    o.timeout_ms = timeout_ms;
    c = http_client_new(&o, &err);
    assert_non_null(c);
    return c;
}

struct got {
    int calls;
    enum http_outcome outcome;
    long status;
    long retry_after;
    bool is_body_sent;
    char body[256];
    char error[256];
};

static void on_done(struct http_response *r, void *ud)
{
    struct got *g = ud;
    g->calls++;
    g->outcome = r->outcome;
    g->status = r->status;
    g->retry_after = r->retry_after;
    g->is_body_sent = r->is_body_sent;
    snprintf(g->body, sizeof(g->body), "%s", r->body);
    snprintf(g->error, sizeof(g->error), "%s", r->error ? r->error : "");
}

static struct got request(struct http_client *c, const char *method, const char *target,
                          const char *body)
{
    struct got g = {0};
    http_start(c, method, target, body, on_done, &g);
    http_client_wait(c);
    assert_int_equal(g.calls, 1);
    return g;
}

static void script(const char *const *replies)
{
    pthread_mutex_lock(&srv.mu);
    memset(srv.script, 0, sizeof(srv.script));
    for (int i = 0; replies[i]; i++)
        srv.script[i] = replies[i];
    srv.next = 0;
    srv.connections = 0;
    pthread_mutex_unlock(&srv.mu);
}

#define OK_JSON "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"

/* ---- tests ---- */

static void http_client_new__refuses_plain_http_to_remote_hosts(void **state)
{
    static const char *bad[] = {"http://api.amplemarket.com", "http://10.0.0.1:8080",
                                "ftp://127.0.0.1", "not a url", "http://127.0.0.1.evil.com"};
    struct http_options o = {0};
    char *err = NULL;
    struct http_client *c;

    o.api_key = "k";
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        o.base_url = bad[i];
        assert_null(http_client_new(&o, &err));
        assert_non_null(err);
        assert_null(strstr(err, "Bearer"));
        free(err);
    }
    o.base_url = "http://[::1]:9/";
    c = http_client_new(&o, &err);
    assert_non_null(c);
    assert_string_equal(http_client_base_url(c), "http://[::1]:9");
    http_client_free(c);
    o.base_url = "https://api.amplemarket.com";
    c = http_client_new(&o, &err);
    assert_non_null(c);
    assert_string_equal(http_client_host(c), "api.amplemarket.com");
    http_client_free(c);
}

static void http_host_is_loopback__knows_loopback_forms(void **state)
{
    assert_true(http_host_is_loopback("127.0.0.1"));
    assert_true(http_host_is_loopback("127.1.2.3"));
    assert_true(http_host_is_loopback("[::1]"));
    assert_true(http_host_is_loopback("LOCALHOST"));
    assert_false(http_host_is_loopback("128.0.0.1"));
    assert_false(http_host_is_loopback("localhost.example"));
    assert_false(http_host_is_loopback(NULL));
}

static void http__series_of_requests_shares_one_connection_with_our_headers(void **state)
{
    static const char *r[] = {OK_JSON, OK_JSON, OK_JSON, NULL};
    struct http_client *c = client(5000);
    struct got g;

    script(r);
    g = request(c, "GET", "/tasks?user_id=x", NULL);
    assert_int_equal(g.outcome, HTTP_OUT_OK);
    assert_non_null(strstr(srv.last_head, "GET /tasks?user_id=x HTTP/1.1"));
    assert_non_null(strstr(srv.last_head, "Authorization: Bearer unit-test-key"));
    assert_non_null(strstr(srv.last_head, "User-Agent: amplecall/" PACKAGE_VERSION));
    assert_non_null(strstr(srv.last_head, "Accept: application/json"));
    assert_null(strstr(srv.last_head, "Content-Type"));
    request(c, "GET", "/users", NULL);
    g = request(c, "POST", "/calls", "{\"a\":1}");
    assert_int_equal(g.status, 200);
    assert_non_null(strstr(srv.last_head, "Content-Type: application/json"));
    assert_string_equal(srv.last_body, "{\"a\":1}");
    assert_int_equal(srv.connections, 1);
    http_client_free(c);
}

static void http__classifies_statuses(void **state)
{
    static const char *r[] = {
        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 302 Found\r\nLocation: http://example.com/\r\nContent-Length: 0\r\n\r\n",
        NULL};
    static const enum http_outcome want[] = {HTTP_OUT_AUTH, HTTP_OUT_AUTH, HTTP_OUT_CLIENT_ERROR,
                                             HTTP_OUT_SERVER_ERROR, HTTP_OUT_OTHER_STATUS};
    struct http_client *c = client(5000);

    script(r);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        assert_int_equal(request(c, "GET", "/x", NULL).outcome, want[i]);
    assert_false(http_outcome_is_temporary(HTTP_OUT_AUTH));
    assert_true(http_outcome_is_temporary(HTTP_OUT_SERVER_ERROR));
    http_client_free(c);
}

static void http__reads_retry_after_in_seconds_and_as_a_date(void **state)
{
    static const char *r[] = {
        "HTTP/1.1 429 Too Many\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 429 Too Many\r\nretry-after: Wed, 21 Oct 2015 07:28:00 GMT\r\n"
        "Content-Length: 0\r\n\r\n",
        "HTTP/1.1 429 Too Many\r\nContent-Length: 0\r\n\r\n", NULL};
    struct http_client *c = client(5000);
    struct got g;

    script(r);
    g = request(c, "GET", "/x", NULL);
    assert_int_equal(g.outcome, HTTP_OUT_RATE_LIMITED);
    assert_int_equal(g.retry_after, 7);
    g = request(c, "GET", "/x", NULL);
    assert_int_equal(g.retry_after, 0); /* a date in the past: retry now */
    g = request(c, "GET", "/x", NULL);
    assert_int_equal(g.retry_after, -1);
    http_client_free(c);
}

static void http__caps_the_response_body(void **state)
{
    static const char *r[] = {"HUGE", NULL};
    struct http_client *c = client(10000);
    struct got g;

    script(r);
    g = request(c, "GET", "/tasks", NULL);
    assert_int_equal(g.outcome, HTTP_OUT_TOO_LARGE);
    assert_string_equal(g.body, "");
    assert_string_equal(g.error, "the response is larger than 8 MiB");
    http_client_free(c);
}

static void http__connection_dropped_after_post_means_body_was_sent(void **state)
{
    static const char *r[] = {"DROP", NULL};
    struct http_client *c = client(5000);
    struct got g;

    script(r);
    g = request(c, "POST", "/calls", "{\"x\":1}");
    assert_int_equal(g.outcome, HTTP_OUT_CONNECT);
    assert_true(g.is_body_sent);
    http_client_free(c);
}

static void http__post_on_a_reused_connection_that_dies_is_never_resent(void **state)
{
    /* libcurl would silently retry on a fresh connection; a third reply is there to take it */
    static const char *r[] = {OK_JSON, "DROP", OK_JSON, NULL};
    struct http_client *c = client(5000);
    struct got g;

    script(r);
    g = request(c, "GET", "/users", NULL);
    assert_int_equal(g.outcome, HTTP_OUT_OK);
    g = request(c, "POST", "/calls", "{\"x\":1}");
    assert_int_equal(g.outcome, HTTP_OUT_CONNECT);
    assert_true(g.is_body_sent);
    assert_int_equal(srv.next, 2); /* the POST reached the server once */
    http_client_free(c);
}

static void http__silent_server_times_out(void **state)
{
    static const char *r[] = {"HOLD", NULL};
    struct http_client *c = client(300);
    struct got g;

    script(r);
    g = request(c, "POST", "/calls", "{}");
    assert_int_equal(g.outcome, HTTP_OUT_TIMEOUT);
    assert_true(g.is_body_sent);
    http_client_free(c);
}

static void http__refused_connection_sends_nothing(void **state)
{
    struct http_options o = {0};
    char *err = NULL;
    struct http_client *c;
    struct got g;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    char url[64];

    /* a port that was just bound and released is very unlikely to be listening */
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, (struct sockaddr *)&a, sizeof(a));
    getsockname(fd, (struct sockaddr *)&a, &alen);
    close(fd);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(a.sin_port));
    o.base_url = url;
    o.api_key = "k";
    c = http_client_new(&o, &err);
    g = request(c, "POST", "/calls", "{}");
    assert_int_equal(g.outcome, HTTP_OUT_CONNECT);
    assert_false(g.is_body_sent);
    /* libcurl's own detail (its error buffer), not only the code's generic text */
    assert_non_null(strstr(g.error, "127.0.0.1"));
    http_client_free(c);
}

/* Rule: a header line of 256 bytes or more is not read (a hostile server cannot make us keep
 * or parse a huge value); one of 255 still is. */
static void http__a_header_line_of_256_bytes_or_more_is_ignored(void **state)
{
    char r255[512], r256[512];
    const char *r[] = {r255, r256, NULL};
    struct http_client *c = client(5000);
    struct got g;
    /* "Retry-After: 7" + pad + "\r\n": pad so the whole line is 255 or 256 bytes */
    int base = (int)strlen("Retry-After: 7\r\n");

    snprintf(r255, sizeof(r255),
             "HTTP/1.1 429 Too Many\r\nRetry-After: 7%*s\r\nContent-Length: 0\r\n\r\n",
             255 - base, "");
    snprintf(r256, sizeof(r256),
             "HTTP/1.1 429 Too Many\r\nRetry-After: 7%*s\r\nContent-Length: 0\r\n\r\n",
             256 - base, "");
    script(r);
    g = request(c, "GET", "/x", NULL);
    assert_int_equal(g.retry_after, 7);
    g = request(c, "GET", "/x", NULL);
    assert_int_equal(g.retry_after, -1);
    http_client_free(c);
}

/* Rule: the key is redacted from the body where the server's bytes enter, whatever the
 * status, so no caller can show or store it. */
static void http__the_key_in_a_response_body_is_redacted(void **state)
{
    static const char *r[] = {
        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 31\r\n\r\n{\"bad\":\"Bearer unit-test-key\"}\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\nxunit-test-keyx", NULL};
    struct http_client *c = client(5000);
    struct got g;

    script(r);
    g = request(c, "GET", "/x", NULL);
    assert_null(strstr(g.body, "unit-test-key"));
    assert_non_null(strstr(g.body, "Bearer " REDACT_MARK));
    g = request(c, "GET", "/x", NULL);
    assert_string_equal(g.body, "x" REDACT_MARK "x");
    http_client_free(c);
}

/* Rule: plain http (loopback only) never goes through a proxy, whatever the environment
 * says: the key would cross it in clear text. The proxy named here does not listen. */
static void http__plain_http_ignores_every_proxy_variable(void **state)
{
    static const char *r[] = {OK_JSON, OK_JSON, OK_JSON, NULL};
    static const char *vars[] = {"http_proxy", "ALL_PROXY", "all_proxy"};
    struct http_client *c;
    struct got g;

    script(r);
    for (int i = 0; i < 3; i++) {
        setenv(vars[i], "http://127.0.0.1:9", 1);
        c = client(5000);
        g = request(c, "GET", "/x", NULL);
        assert_int_equal(g.outcome, HTTP_OUT_OK);
        assert_int_equal(g.status, 200);
        http_client_free(c);
        unsetenv(vars[i]);
    }
}

static long long mono_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Rule: with nothing delayed, poll sleeps its whole timeout instead of spinning (the form's
 * loop relies on it). A lower bound only: poll may not return early without an event. */
static void http_client_poll__sleeps_its_timeout_when_nothing_is_due(void **state)
{
    struct http_client *c = client(5000);
    long long t0 = mono_now_ms();

    http_client_poll(c, NULL, 0, 300);
    assert_true(mono_now_ms() - t0 >= 250);
    http_client_free(c);
}

/* Rule: a query value is percent-encoded byte for byte except RFC 3986's unreserved
 * characters; a value of nothing but reserved bytes needs its whole 3 bytes each. */
static void http_escape__every_byte_but_the_unreserved(void **state)
{
    static const char *const cases[][2] = {
        {"AZaz09-._~", "AZaz09-._~"},
        {" /?#&=+%\"", "%20%2F%3F%23%26%3D%2B%25%22"},
        {"@[`{\x7F", "%40%5B%60%7B%7F"},
        {"\xC3\xA9", "%C3%A9"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *e = http_escape(cases[i][0]);
        assert_string_equal(e, cases[i][1]);
        free(e);
    }
}

static void http__never_follows_a_link_to_another_host(void **state)
{
    static const char *r[] = {NULL};
    struct http_client *c = client(5000);
    struct got g;

    script(r);
    g = request(c, "GET", "https://evil.example/tasks?page=2", NULL);
    assert_int_equal(g.outcome, HTTP_OUT_TRANSPORT);
    g = request(c, "GET", "//evil.example/tasks", NULL);
    assert_int_equal(g.outcome, HTTP_OUT_TRANSPORT);
    assert_int_equal(srv.connections, 0);
    http_client_free(c);
}

static void http__cancel_runs_the_callback_once(void **state)
{
    static const char *r[] = {"HOLD", NULL};
    struct http_client *c = client(5000);
    struct got g = {0};
    struct http_req *req;

    script(r);
    req = http_start(c, "GET", "/slow", NULL, on_done, &g);
    http_client_poll(c, NULL, 0, 50);
    http_client_perform(c);
    http_cancel(c, req);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.outcome, HTTP_OUT_CANCELLED);
    assert_int_equal(http_client_pending(c), 0);
    http_client_free(c);
}


#define STATUS(n) "HTTP/1.1 " #n " X\r\nContent-Length: 0\r\n\r\n"

/* Rule: only 2xx is success; 401 and 403 are the key refused; 429 waits; other 4xx are the
 * call rejected; 5xx is temporary; anything else (3xx, 600) is unexpected. Both sides of
 * every range. */
static void http__classifies_statuses_at_both_sides_of_each_range(void **state)
{
    static const char *r[] = {STATUS(200), STATUS(299), STATUS(300), STATUS(399),
                              STATUS(400), STATUS(402), STATUS(428), STATUS(430),
                              STATUS(499), STATUS(500), STATUS(599), STATUS(600), NULL};
    static const enum http_outcome want[] = {
        HTTP_OUT_OK,           HTTP_OUT_OK,           HTTP_OUT_OTHER_STATUS,
        HTTP_OUT_OTHER_STATUS, HTTP_OUT_CLIENT_ERROR, HTTP_OUT_CLIENT_ERROR,
        HTTP_OUT_CLIENT_ERROR, HTTP_OUT_CLIENT_ERROR, HTTP_OUT_CLIENT_ERROR,
        HTTP_OUT_SERVER_ERROR, HTTP_OUT_SERVER_ERROR, HTTP_OUT_OTHER_STATUS};
    struct http_client *c = client(5000);

    script(r);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct got g = request(c, "GET", "/x", NULL);
        if (g.outcome != want[i])
            fail_msg("reply %zu (%s): outcome %d, want %d", i, r[i], g.outcome, want[i]);
    }
    http_client_free(c);
}

/* Rule: rate limits, 5xx, timeouts, connection and transport failures are temporary (the
 * call is kept to retry); success, rejections, auth, oversize and cancel are not. */
static void http_outcome_is_temporary__each_outcome(void **state)
{
    static const struct {
        enum http_outcome o;
        bool is_temp;
        const char *name;
    } t[] = {
        {HTTP_OUT_OK, false, "ok"},
        {HTTP_OUT_CLIENT_ERROR, false, "rejected"},
        {HTTP_OUT_AUTH, false, "authentication rejected"},
        {HTTP_OUT_RATE_LIMITED, true, "rate limited"},
        {HTTP_OUT_SERVER_ERROR, true, "server error"},
        {HTTP_OUT_OTHER_STATUS, false, "unexpected response"},
        {HTTP_OUT_TIMEOUT, true, "timed out"},
        {HTTP_OUT_CONNECT, true, "connection failed"},
        {HTTP_OUT_TOO_LARGE, false, "response too large"},
        {HTTP_OUT_TRANSPORT, true, "transport error"},
        {HTTP_OUT_CANCELLED, false, "cancelled"},
    };

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(http_outcome_is_temporary(t[i].o), t[i].is_temp);
        assert_string_equal(http_outcome_name(t[i].o), t[i].name);
    }
    assert_string_equal(http_outcome_name((enum http_outcome)99), "unknown");
}

/* Rule: the key goes only to the base URL's origin: an absolute link must match scheme, host
 * and port exactly (any case), and end there or continue with '/' or '?'; scheme-relative
 * links are refused; relative ones stay on the base. */
static void http_target_is_allowed__link_origin_rule(void **state)
{
    struct http_client *c = client(5000);
    char buf[128];

    assert_true(http_target_is_allowed(c, "/tasks?page=2"));
    assert_true(http_target_is_allowed(c, "tasks"));
    assert_false(http_target_is_allowed(c, "//127.0.0.1/tasks"));
    assert_false(http_target_is_allowed(c, NULL));
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d/tasks?page=2", srv.port);
    assert_true(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "HTTP://127.0.0.1:%d/tasks", srv.port);
    assert_true(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d?page=2", srv.port);
    assert_true(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d", srv.port);
    assert_true(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d0/tasks", srv.port);
    assert_false(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d@evil.example/tasks", srv.port);
    assert_false(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "http://127.0.0.1:%d.evil.example/", srv.port);
    assert_false(http_target_is_allowed(c, buf));
    snprintf(buf, sizeof buf, "https://127.0.0.1:%d/tasks", srv.port);
    assert_false(http_target_is_allowed(c, buf));
    assert_false(http_target_is_allowed(c, "http://127.0.0.2/tasks"));
    http_client_free(c);
}

/* A base URL with a path (a proxy): relative links get the path once. */
static void http__base_path_is_prefixed_once(void **state)
{
    static const char *r[] = {OK_JSON, OK_JSON, OK_JSON, NULL};
    struct http_options o = {0};
    char url[64], *err = NULL;
    struct http_client *c;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1///", srv.port);
    o.base_url = url;
    o.api_key = "unit-test-key";
    c = http_client_new(&o, &err);
    assert_non_null(c);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1", srv.port);
    assert_string_equal(http_client_base_url(c), url);
    assert_int_equal(http_client_timeout_ms(c), 30000);
    script(r);
    request(c, "GET", "/v1/tasks", NULL);
    assert_non_null(strstr(srv.last_head, "GET /v1/tasks HTTP/1.1"));
    request(c, "GET", "/users", NULL);
    assert_non_null(strstr(srv.last_head, "GET /v1/users HTTP/1.1"));
    request(c, "GET", "calls", NULL);
    assert_non_null(strstr(srv.last_head, "GET /v1/calls HTTP/1.1"));
    http_client_free(c);
}

/* Loopback is 127.0.0.0/8, ::1 and localhost, bracketed or not; nothing next to them. */
static void http_host_is_loopback__boundaries(void **state)
{
    char longhost[80];

    assert_true(http_host_is_loopback("127.255.255.255"));
    assert_true(http_host_is_loopback("127.0.0.0"));
    assert_false(http_host_is_loopback("126.255.255.255"));
    assert_false(http_host_is_loopback("0.0.0.0"));
    assert_true(http_host_is_loopback("::1"));
    assert_false(http_host_is_loopback("::2"));
    assert_false(http_host_is_loopback("[::2]"));
    assert_false(http_host_is_loopback("[::1"));
    assert_false(http_host_is_loopback("::1]"));
    assert_false(http_host_is_loopback("[]"));
    assert_true(http_host_is_loopback("localhost"));
    assert_false(http_host_is_loopback("localhos"));
    memset(longhost, ':', sizeof longhost);
    longhost[0] = '[';
    memcpy(longhost + sizeof longhost - 5, "::1]", 5);
    assert_false(http_host_is_loopback(longhost));
    assert_false(http_host_is_loopback("example.com"));
}

static void http_url_host__each_url_form(void **state)
{
    static const char *const t[][2] = {
        {"https://api.example.com/v1", "api.example.com"}, {"http://h:8080/x", "h"},
        {"https://h?q=1", "h"},  {"https://h#f", "h"},  {"https://[::1]:9/x", "[::1]"},
        {"https://[::1", "[::1"}, {"no scheme", ""},      {"https://", ""},
    };
    char *h;

    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        h = http_url_host(t[i][0]);
        assert_string_equal(h, t[i][1]);
        free(h);
    }
    h = http_url_host(NULL);
    assert_string_equal(h, "");
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(http__classifies_statuses_at_both_sides_of_each_range),
        cmocka_unit_test(http_outcome_is_temporary__each_outcome),
        cmocka_unit_test(http_target_is_allowed__link_origin_rule),
        cmocka_unit_test(http__base_path_is_prefixed_once),
        cmocka_unit_test(http_host_is_loopback__boundaries),
        cmocka_unit_test(http_url_host__each_url_form),
        cmocka_unit_test(http_client_new__refuses_plain_http_to_remote_hosts),
        cmocka_unit_test(http_host_is_loopback__knows_loopback_forms),
        cmocka_unit_test(http__series_of_requests_shares_one_connection_with_our_headers),
        cmocka_unit_test(http__classifies_statuses),
        cmocka_unit_test(http__reads_retry_after_in_seconds_and_as_a_date),
        cmocka_unit_test(http__caps_the_response_body),
        cmocka_unit_test(http__connection_dropped_after_post_means_body_was_sent),
        cmocka_unit_test(http__post_on_a_reused_connection_that_dies_is_never_resent),
        cmocka_unit_test(http__silent_server_times_out),
        cmocka_unit_test(http__refused_connection_sends_nothing),
        cmocka_unit_test(http__never_follows_a_link_to_another_host),
        cmocka_unit_test(http_escape__every_byte_but_the_unreserved),
        cmocka_unit_test(http__a_header_line_of_256_bytes_or_more_is_ignored),
        cmocka_unit_test(http__the_key_in_a_response_body_is_redacted),
        cmocka_unit_test(http__plain_http_ignores_every_proxy_variable),
        cmocka_unit_test(http_client_poll__sleeps_its_timeout_when_nothing_is_due),
        cmocka_unit_test(http__cancel_runs_the_callback_once),
    };
    curl_global_init(CURL_GLOBAL_DEFAULT);
    cmocka_set_message_output(CM_OUTPUT_TAP);
    return cmocka_run_group_tests(tests, server_start, server_stop);
}
