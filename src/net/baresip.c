/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: baresip's ctrl_tcp client (see baresip.h). One call is followed at a time (the
 * first one seen; events of others are ignored until it closes), since the form holds one
 * call. A call whose link drops is reported closed: baresip took it down with it. */
#include "config.h"
#include "net/baresip.h"

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>

#include "conf/settings.h"
#include "core/clock.h"
#include "core/util.h"

#define ID_MAX 128
#define NUMBER_MAX 64

struct baresip {
    struct sockaddr_in addr;
    int fd;
    enum baresip_link link;
    long long retry_at_ms; /* when down: the next attempt */
    long long retry_ms;    /* the pause after the next failure */
    char in[BARESIP_FRAME_MAX + 16];
    size_t in_len;
    char *out; /* owned pending bytes to send */
    size_t out_len;
    unsigned token;
    bool has_call;
    bool is_established;
    char call_id[ID_MAX + 1];
    baresip_event_fn fn;
    void *ud;
    long long (*now)(void *);
    void *now_ud;
};

static long long now_ms(const struct baresip *b)
{
    return b->now(b->now_ud);
}

struct baresip *baresip_new(const char *address, baresip_event_fn fn, void *ud,
                            long long (*now)(void *), void *now_ud, char **err)
{
    struct baresip *b;
    char host[64];
    int port;

    *err = NULL;
    if (!settings_parse_hostport(address, host, sizeof(host), &port)) {
        *err = xasprintf("baresip_address must be HOST:PORT, not '%s'", address ? address : "");
        return NULL;
    }
    b = xcalloc(1, sizeof(*b));
    b->addr.sin_family = AF_INET;
    b->addr.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &b->addr.sin_addr) != 1) {
        *err = xasprintf("baresip_address: '%s' is not an IPv4 address", host);
        free(b);
        return NULL;
    }
    b->fd = -1;
    b->fn = fn;
    b->ud = ud;
    b->now = now ? now : clock_monotonic_ms;
    b->now_ud = now_ud;
    b->retry_ms = BARESIP_RETRY_MIN_MS;
    b->retry_at_ms = now_ms(b); /* at once */
    return b;
}

static void emit(struct baresip *b, const struct baresip_event *ev)
{
    if (b->fn)
        b->fn(ev, b->ud);
}

static void set_link(struct baresip *b, enum baresip_link link)
{
    if (b->link == link)
        return;
    b->link = link;
    emit(b, &(struct baresip_event){.kind = BARESIP_EV_LINK, .link = link, .number = ""});
}

static void close_call(struct baresip *b)
{
    bool was = b->is_established;

    b->has_call = false;
    b->is_established = false;
    b->call_id[0] = '\0';
    emit(b, &(struct baresip_event){.kind = BARESIP_EV_CLOSED, .number = "",
                                    .was_established = was});
}

/* The link is gone: the call with it, and a quiet retry after a growing pause. */
static void drop(struct baresip *b)
{
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    b->in_len = 0;
    free(b->out);
    b->out = NULL;
    b->out_len = 0;
    if (b->has_call)
        close_call(b);
    b->retry_at_ms = now_ms(b) + b->retry_ms;
    b->retry_ms = b->retry_ms * 2 > BARESIP_RETRY_MAX_MS ? BARESIP_RETRY_MAX_MS : b->retry_ms * 2;
    set_link(b, BARESIP_DOWN);
}

void baresip_free(struct baresip *b)
{
    if (!b)
        return;
    if (b->fd >= 0)
        close(b->fd);
    free(b->out);
    free(b);
}

unsigned baresip_fds(const struct baresip *b, struct pollfd *out, unsigned max)
{
    short ev;

    if (!b || b->fd < 0 || max == 0)
        return 0;
    ev = b->link == BARESIP_CONNECTING ? POLLOUT : POLLIN;
    if (b->out_len)
        ev |= POLLOUT;
    out[0] = (struct pollfd){b->fd, ev, 0};
    return 1;
}

int baresip_timeout_ms(const struct baresip *b)
{
    long long left;

    if (!b || b->fd >= 0)
        return -1;
    left = b->retry_at_ms - now_ms(b);
    return left < 0 ? 0 : (left > 60000 ? 60000 : (int)left);
}

enum baresip_link baresip_link_state(const struct baresip *b)
{
    return b ? b->link : BARESIP_DOWN;
}

bool baresip_is_in_call(const struct baresip *b)
{
    return b && b->has_call;
}

static void start_connect(struct baresip *b)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        drop(b);
        return;
    }
    b->fd = fd;
    if (connect(fd, (struct sockaddr *)&b->addr, sizeof(b->addr)) == 0) {
        b->retry_ms = BARESIP_RETRY_MIN_MS;
        set_link(b, BARESIP_UP);
    } else if (errno == EINPROGRESS) {
        set_link(b, BARESIP_CONNECTING);
    } else {
        drop(b);
    }
}

static void finish_connect(struct baresip *b)
{
    struct pollfd p = {b->fd, POLLOUT, 0};
    int e = 0;
    socklen_t len = sizeof(e);

    if (poll(&p, 1, 0) <= 0)
        return; /* still connecting */
    if (getsockopt(b->fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0 || e != 0) {
        drop(b);
        return;
    }
    b->retry_ms = BARESIP_RETRY_MIN_MS;
    set_link(b, BARESIP_UP);
}

void baresip_uri_number(const char *uri, char *out, unsigned size)
{
    const char *p = uri ? uri : "", *end;
    size_t n;

    out[0] = '\0';
    if (size == 0)
        return;
    if (strchr(p, '<'))
        p = strchr(p, '<') + 1;
    if (!strncmp(p, "sips:", 5))
        p += 5;
    else if (!strncmp(p, "sip:", 4))
        p += 4;
    else if (!strncmp(p, "tel:", 4))
        p += 4;
    end = p + strcspn(p, "@;>?:");
    /* no user part (sip:host): there is no number */
    if (*end != '@' && strncmp(uri ? uri : "", "tel:", 4) != 0)
        return;
    n = (size_t)(end - p);
    if (n >= size)
        return;
    memcpy(out, p, n);
    out[n] = '\0';
}

static const char *get_str(struct json_object *o, const char *key)
{
    struct json_object *v;

    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

static void on_event(struct baresip *b, struct json_object *o)
{
    const char *type = get_str(o, "type"), *id = get_str(o, "id");
    bool is_start = !strcmp(type, "CALL_RINGING") || !strcmp(type, "CALL_OUTGOING") ||
                    !strcmp(type, "CALL_INCOMING") || !strcmp(type, "CALL_PROGRESS");
    bool is_closed = !strcmp(type, "CALL_CLOSED");
    char number[NUMBER_MAX + 1];

    if (strcmp(get_str(o, "class"), "call") != 0 || strlen(id) > ID_MAX)
        return;
    if (b->has_call && strcmp(id, b->call_id) != 0)
        return; /* another call while one is followed */
    if (!b->has_call && (is_start || is_closed || !strcmp(type, "CALL_ESTABLISHED"))) {
        baresip_uri_number(get_str(o, "peeruri"), number, sizeof(number));
        b->has_call = true;
        b->is_established = false;
        strcpy(b->call_id, id);
        emit(b, &(struct baresip_event){
                    .kind = BARESIP_EV_START, .number = number,
                    .is_incoming = !strcmp(get_str(o, "direction"), "incoming")});
    }
    if (!strcmp(type, "CALL_ESTABLISHED") && !b->is_established) {
        b->is_established = true;
        emit(b, &(struct baresip_event){.kind = BARESIP_EV_ANSWERED, .number = ""});
    } else if (is_closed) {
        close_call(b);
    }
}

/* One frame's JSON: events are followed, replies to our commands need nothing. */
static bool on_frame(struct baresip *b, const char *data, size_t len)
{
    struct json_tokener *tok = json_tokener_new_ex(16);
    struct json_object *o, *ev;

    if (!tok)
        return false;
    o = json_tokener_parse_ex(tok, data, (int)len);
    if (!o || json_tokener_get_error(tok) != json_tokener_success ||
        json_tokener_get_parse_end(tok) != len || !json_object_is_type(o, json_type_object)) {
        /* trailing bytes after the object are as malformed as a broken one */
        json_object_put(o);
        json_tokener_free(tok);
        return false;
    }
    json_tokener_free(tok);
    if (json_object_object_get_ex(o, "event", &ev) && json_object_get_boolean(ev))
        on_event(b, o);
    else if (json_object_object_get_ex(o, "response", &ev) && json_object_get_boolean(ev) &&
             json_object_object_get_ex(o, "ok", &ev) && !json_object_get_boolean(ev))
        emit(b, &(struct baresip_event){.kind = BARESIP_EV_REFUSED, .number = get_str(o, "data")});
    json_object_put(o);
    return true;
}

/* Take every whole netstring out of the input; false when the stream is not netstrings. */
static bool parse_frames(struct baresip *b)
{
    size_t pos = 0;

    while (pos < b->in_len) {
        size_t len = 0, i = pos;

        while (i < b->in_len && b->in[i] >= '0' && b->in[i] <= '9' && i - pos < 7)
            len = len * 10 + (size_t)(b->in[i++] - '0');
        if (i == b->in_len)
            break; /* the length goes on */
        if (i == pos || b->in[i] != ':' || len > BARESIP_FRAME_MAX)
            return false;
        if (b->in_len - (i + 1) < len + 1)
            break; /* the frame goes on */
        if (b->in[i + 1 + len] != ',' || !on_frame(b, b->in + i + 1, len))
            return false;
        pos = i + 1 + len + 1;
        if (b->fd < 0)
            return true; /* a callback dropped the link */
    }
    memmove(b->in, b->in + pos, b->in_len - pos);
    b->in_len -= pos;
    return true;
}

static void read_input(struct baresip *b)
{
    for (;;) {
        ssize_t n;

        if (b->in_len == sizeof(b->in)) {
            drop(b); /* a frame larger than allowed */
            return;
        }
        n = recv(b->fd, b->in + b->in_len, sizeof(b->in) - b->in_len, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            drop(b);
            return;
        }
        if (n < 0)
            return;
        b->in_len += (size_t)n;
        if (!parse_frames(b)) {
            drop(b);
            return;
        }
        if (b->fd < 0)
            return;
    }
}

static void write_output(struct baresip *b)
{
    ssize_t n;

    if (!b->out_len || b->link != BARESIP_UP)
        return;
    n = send(b->fd, b->out, b->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            drop(b);
        return;
    }
    memmove(b->out, b->out + n, b->out_len - (size_t)n);
    b->out_len -= (size_t)n;
}

void baresip_service(struct baresip *b)
{
    if (!b)
        return;
    if (b->fd < 0) {
        if (now_ms(b) >= b->retry_at_ms)
            start_connect(b);
        return;
    }
    if (b->link == BARESIP_CONNECTING)
        finish_connect(b);
    if (b->fd >= 0 && b->link == BARESIP_UP) {
        write_output(b);
        if (b->fd >= 0)
            read_input(b);
    }
}

bool baresip_command(struct baresip *b, const char *command, const char *params)
{
    struct json_object *o;
    const char *text;
    char *frame;
    size_t n;

    if (!b || b->link != BARESIP_UP)
        return false;
    o = json_object_new_object();
    json_object_object_add(o, "command", json_object_new_string(command));
    json_object_object_add(o, "params", json_object_new_string(params ? params : ""));
    {
        char tok[32];
        snprintf(tok, sizeof(tok), "amplecall%u", ++b->token);
        json_object_object_add(o, "token", json_object_new_string(tok));
    }
    text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    frame = xasprintf("%zu:%s,", strlen(text), text);
    json_object_put(o);
    n = strlen(frame);
    b->out = xrealloc(b->out, b->out_len + n);
    memcpy(b->out + b->out_len, frame, n);
    b->out_len += n;
    free(frame);
    write_output(b);
    return true;
}
