/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CTLSOCK_H
#define AMPLECALL_CTLSOCK_H
/* Net layer: the form's control socket, $XDG_RUNTIME_DIR/amplecall/control: a Unix stream
 * socket, 0600 in a 0700 directory that is the user's own (safepath.h rules; anything else is
 * refused), so only the user's own processes (a dialer's hook, `ssh host amplecall ctl`) can
 * drive the form. The protocol is one request line and one reply line per connection (see
 * doc/architecture.md); lines are at most CTLSOCK_LINE_MAX bytes. The server side never
 * blocks: the form's loop polls its descriptors and calls ctlsock_service every turn. One
 * client at a time; a client that does not finish its line within CTLSOCK_CLIENT_MS is cut. */
#include <poll.h>
#include <stdbool.h>

#define CTLSOCK_LINE_MAX 512
#define CTLSOCK_CLIENT_MS 2000

struct ctlsock;

/* The socket's path (owned), NULL with *err (owned) when XDG_RUNTIME_DIR is unset or not
 * absolute. */
char *ctlsock_path(char **err);

/* Listen at path (NULL = ctlsock_path()), creating its directory 0700. A socket left by a
 * form that is gone is replaced; one a running form answers on is not (another form runs).
 * NULL with *err (owned) on failure. now() gives monotonic milliseconds (NULL: the clock). */
struct ctlsock *ctlsock_listen(const char *path, long long (*now)(void *), void *now_ud,
                               char **err);
/* Removes the socket file it made. NULL is fine. */
void ctlsock_free(struct ctlsock *c);

/* The handler turns one request line (no newline, NUL-terminated) into an owned reply line
 * (no newline). */
typedef char *(*ctlsock_handler_fn)(const char *line, void *ud);

/* Descriptors to wait on (at most 2) into out; returns how many. */
unsigned ctlsock_fds(const struct ctlsock *c, struct pollfd *out, unsigned max);
/* Milliseconds until a slow client is cut, -1 = none. */
int ctlsock_timeout_ms(const struct ctlsock *c);
/* Accept, read, answer and close without blocking; call every loop turn. */
void ctlsock_service(struct ctlsock *c, ctlsock_handler_fn fn, void *ud);

enum ctlsock_result { CTLSOCK_REPLIED = 0, CTLSOCK_NO_FORM, CTLSOCK_FAILED };
/* Client: send line, wait at most timeout_ms for the reply line (*reply owned). NO_FORM
 * when nothing listens (no socket, or a stale one); FAILED with *err (owned) otherwise (an
 * unsafe directory or socket, a timeout). */
enum ctlsock_result ctlsock_request(const char *path, const char *line, int timeout_ms,
                                    char **reply, char **err);

#endif
