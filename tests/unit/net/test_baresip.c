/* SPDX-License-Identifier: GPL-3.0-or-later */
/* baresip.c: the ctrl_tcp client against a stand-in server on 127.0.0.1 (a listening socket
 * the test writes frames to): call events, malformed and oversized frames dropping the link,
 * reconnecting, the peer URI's number. */
#include "config.h"
#include "unit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/settings.h"
#include "core/clock.h"
#include "core/util.h"
#include "net/baresip.h"

struct seen {
    char log[2048];
};

static void on_event(const struct baresip_event *ev, void *ud)
{
    struct seen *s = ud;
    char one[128];

    switch (ev->kind) {
    case BARESIP_EV_LINK:
        snprintf(one, sizeof(one), "link%d ", (int)ev->link);
        break;
    case BARESIP_EV_START:
        snprintf(one, sizeof(one), "start:%s%s ", ev->number, ev->is_incoming ? ":in" : "");
        break;
    case BARESIP_EV_ANSWERED:
        snprintf(one, sizeof(one), "answered ");
        break;
    case BARESIP_EV_CLOSED:
        snprintf(one, sizeof(one), "closed%s ", ev->was_established ? ":est" : "");
        break;
    case BARESIP_EV_REFUSED:
        snprintf(one, sizeof(one), "refused:%s ", ev->number);
        break;
    }
    strncat(s->log, one, sizeof(s->log) - strlen(s->log) - 1);
}

static int listen_any(int *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 4), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* Run the client's loop for at most ms, or until the log holds want. */
static void spin(struct baresip *b, struct seen *s, const char *want, int ms)
{
    long long due = clock_monotonic_ms(NULL) + ms;

    while (clock_monotonic_ms(NULL) < due && !(want && strstr(s->log, want))) {
        struct pollfd p[1];
        unsigned n = baresip_fds(b, p, 1);
        int t = baresip_timeout_ms(b);
        poll(p, n, t < 0 || t > 20 ? 20 : t);
        baresip_service(b);
    }
}

/* Accept the client's next connection, running its loop meanwhile (it connects itself). */
static int accept_client(int lfd, struct baresip *b, struct seen *s)
{
    long long due = clock_monotonic_ms(NULL) + 6000;
    struct pollfd p = {lfd, POLLIN, 0};

    while (poll(&p, 1, 0) != 1 && clock_monotonic_ms(NULL) < due)
        spin(b, s, NULL, 20);
    assert_int_equal(poll(&p, 1, 0), 1);
    return accept(lfd, NULL, NULL);
}

static void send_frame(int fd, const char *json)
{
    char *f = xasprintf("%zu:%s,", strlen(json), json);

    assert_int_equal(write(fd, f, strlen(f)), (ssize_t)strlen(f));
    free(f);
}

#define EV(type, id, dir, peer)                                                              \
    "{\"event\":true,\"type\":\"" type "\",\"class\":\"call\",\"direction\":\"" dir         \
    "\",\"peeruri\":\"" peer "\",\"id\":\"" id "\"}"

static void baresip__follows_a_call_and_its_commands(void **state)
{
    struct seen s = {{0}};
    int port, lfd = listen_any(&port), cfd;
    char *addr = xasprintf("127.0.0.1:%d", port), *err = NULL, buf[512];
    struct baresip *b = baresip_new(addr, on_event, &s, NULL, NULL, &err);
    ssize_t n;

    (void)state;
    assert_non_null(b);
    spin(b, &s, "link2", 500);
    cfd = accept_client(lfd, b, &s);
    spin(b, &s, "link2", 2000);
    assert_int_equal(baresip_link_state(b), BARESIP_UP);
    /* a reply, another class, then one call; a second call's events are ignored meanwhile */
    send_frame(cfd, "{\"response\":true,\"ok\":true,\"data\":\"\",\"token\":\"x\"}");
    send_frame(cfd, "{\"event\":true,\"type\":\"CALL_LOCAL_SDP\",\"class\":\"other\"}");
    send_frame(cfd, EV("CALL_RINGING", "c1", "outgoing", "sip:+15550100@198.51.100.1;transport=udp"));
    send_frame(cfd, EV("CALL_INCOMING", "c2", "incoming", "sip:999@h"));
    send_frame(cfd, EV("CALL_ESTABLISHED", "c1", "outgoing", "sip:+15550100@198.51.100.1"));
    send_frame(cfd, EV("CALL_CLOSED", "c2", "incoming", "sip:999@h"));
    send_frame(cfd, EV("CALL_CLOSED", "c1", "outgoing", "sip:+15550100@198.51.100.1"));
    send_frame(cfd, "{\"response\":true,\"ok\":false,\"data\":\"busy\",\"token\":\"y\"}");
    spin(b, &s, "refused:busy", 2000);
    assert_non_null(strstr(s.log, "start:+15550100 answered closed:est refused:busy"));
    assert_null(strstr(s.log, "999"));
    assert_false(baresip_is_in_call(b));
    /* dial goes out as one netstring */
    assert_true(baresip_command(b, "dial", "+15550100"));
    n = read(cfd, buf, sizeof(buf) - 1);
    assert_true(n > 0);
    buf[n] = '\0';
    assert_non_null(strstr(buf, ":{\"command\":\"dial\",\"params\":\"+15550100\""));
    assert_int_equal(buf[n - 1], ',');
    close(cfd);
    baresip_free(b);
    close(lfd);
    free(addr);
}

static void baresip__bad_frames_and_restarts_drop_and_reconnect(void **state)
{
    struct seen s = {{0}};
    int port, lfd = listen_any(&port), cfd;
    char *addr = xasprintf("127.0.0.1:%d", port), *err = NULL, *big;
    struct baresip *b = baresip_new(addr, on_event, &s, NULL, NULL, &err);
    static const char *const bad[] = {
        "x:{},",                 /* no length */
        "5:{}}}},",              /* not JSON */
        "2:{}!",                 /* no comma */
        "99999999:",             /* too long a length */
        "7:[1,2,3],",            /* not an object */
    };

    (void)state;
    assert_non_null(b);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s.log[0] = '\0';
        spin(b, &s, NULL, 10);
        cfd = accept_client(lfd, b, &s);
        spin(b, &s, "link2", 3000);
        assert_int_equal(baresip_link_state(b), BARESIP_UP);
        if (i == 0) /* a call in progress ends with the link */
            send_frame(cfd, EV("CALL_RINGING", "c1", "outgoing", "sip:+1555@h"));
        assert_int_equal(write(cfd, bad[i], strlen(bad[i])), (ssize_t)strlen(bad[i]));
        spin(b, &s, "link0", 2000);
        if (i == 0)
            assert_non_null(strstr(s.log, "start:+1555 closed link0"));
        assert_non_null(strstr(s.log, "link0"));
        close(cfd);
    }
    /* a frame over the cap drops the link too */
    s.log[0] = '\0';
    cfd = accept_client(lfd, b, &s);
    spin(b, &s, "link2", 5000);
    big = xasprintf("%d:", BARESIP_FRAME_MAX + 1);
    assert_int_equal(write(cfd, big, strlen(big)), (ssize_t)strlen(big));
    spin(b, &s, "link0", 2000);
    assert_non_null(strstr(s.log, "link0"));
    free(big);
    close(cfd);
    /* nobody listens: down, and commands say so */
    close(lfd);
    spin(b, &s, NULL, 300);
    assert_int_not_equal(baresip_link_state(b), BARESIP_UP);
    assert_false(baresip_command(b, "hangup", ""));
    baresip_free(b);
    free(addr);
}

static void baresip__number_of_a_peer_uri(void **state)
{
    char out[16];

    (void)state;
    baresip_uri_number("sip:+15550100@198.51.100.1;transport=udp", out, sizeof(out));
    assert_string_equal(out, "+15550100");
    baresip_uri_number("\"Bob\" <sips:bob@example.com>", out, sizeof(out));
    assert_string_equal(out, "bob");
    baresip_uri_number("tel:+4930123", out, sizeof(out));
    assert_string_equal(out, "+4930123");
    baresip_uri_number("sip:example.com", out, sizeof(out));
    assert_string_equal(out, "");
    baresip_uri_number("sip:012345678901234567890@h", out, sizeof(out)); /* too long */
    assert_string_equal(out, "");
    baresip_uri_number(NULL, out, sizeof(out));
    assert_string_equal(out, "");
}

static void baresip__address_is_checked(void **state)
{
    char *err = NULL, host[32];
    int port;

    (void)state;
    assert_null(baresip_new("example.com:4444", NULL, NULL, NULL, NULL, &err));
    assert_non_null(err);
    free(err);
    assert_false(settings_parse_hostport("127.0.0.1", NULL, 0, NULL));
    assert_false(settings_parse_hostport("127.0.0.1:0", NULL, 0, NULL));
    assert_false(settings_parse_hostport("127.0.0.1:65536", NULL, 0, NULL));
    assert_false(settings_parse_hostport("256.0.0.1:1", NULL, 0, NULL));
    assert_true(settings_parse_hostport("localhost:4444", host, sizeof(host), &port));
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, 4444);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(baresip__follows_a_call_and_its_commands),
        cmocka_unit_test(baresip__bad_frames_and_restarts_drop_and_reconnect),
        cmocka_unit_test(baresip__number_of_a_peer_uri),
        cmocka_unit_test(baresip__address_is_checked),
    };
    return RUN_TAP(tests);
}
