/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_BARESIP_H
#define AMPLECALL_BARESIP_H
/* Net layer: a client of baresip's ctrl_tcp module: netstring-framed JSON over TCP
 * (`LEN:{...},`). It connects without blocking, follows the call events (CALL_RINGING,
 * CALL_OUTGOING, CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED), sends `dial` and `hangup`,
 * and when baresip goes away reconnects quietly with a growing pause (BARESIP_RETRY_MIN_MS
 * doubling to BARESIP_RETRY_MAX_MS). The form's loop polls its descriptor and calls
 * baresip_service every turn. Frames are capped at BARESIP_FRAME_MAX bytes; anything
 * malformed drops the connection (and reconnects) rather than guessing. */
#include <poll.h>
#include <stdbool.h>

#define BARESIP_FRAME_MAX (64 * 1024)
#define BARESIP_RETRY_MIN_MS 250
#define BARESIP_RETRY_MAX_MS 4000

enum baresip_link { BARESIP_DOWN = 0, BARESIP_CONNECTING, BARESIP_UP };

enum baresip_event_kind {
    BARESIP_EV_LINK,     /* the link changed: .link */
    BARESIP_EV_START,    /* a call rings (out or in): .number, .is_incoming */
    BARESIP_EV_ANSWERED, /* established */
    BARESIP_EV_CLOSED,   /* closed: .was_established; also sent when the link drops in a call */
    BARESIP_EV_REFUSED,  /* baresip answered a command with ok = false: .number holds its
                            text (raw: sanitise before showing) */
};

struct baresip_event {
    enum baresip_event_kind kind;
    enum baresip_link link;
    const char *number; /* borrowed; the peer URI's user part, "" when none */
    bool is_incoming;
    bool was_established;
};

typedef void (*baresip_event_fn)(const struct baresip_event *ev, void *ud);

struct baresip;

/* address is HOST:PORT (settings_parse_hostport). now() gives monotonic ms (NULL: the
 * clock). Starts connecting at the first baresip_service. NULL with *err (owned) when the
 * address is unusable. */
struct baresip *baresip_new(const char *address, baresip_event_fn fn, void *ud,
                            long long (*now)(void *), void *now_ud, char **err);
void baresip_free(struct baresip *b);

unsigned baresip_fds(const struct baresip *b, struct pollfd *out, unsigned max);
/* Milliseconds until the next reconnect attempt, -1 = none due. */
int baresip_timeout_ms(const struct baresip *b);
void baresip_service(struct baresip *b);

enum baresip_link baresip_link_state(const struct baresip *b);
/* Whether a call is up or ringing (from the events seen). */
bool baresip_is_in_call(const struct baresip *b);

/* Send a command ("dial" with the number, "hangup" with ""). false when not connected. */
bool baresip_command(struct baresip *b, const char *command, const char *params);

/* The number in a SIP peer URI: "sip:+1555@host;x" -> "+1555", "<sip:b@h>" -> "b",
 * "tel:+1555" -> "+1555"; writes at most size bytes (NUL included); "" when none. */
void baresip_uri_number(const char *uri, char *out, unsigned size);

#endif
