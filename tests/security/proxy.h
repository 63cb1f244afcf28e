/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TEST_PROXY_H
#define AMPLECALL_TEST_PROXY_H
/* A small HTTP proxy on 127.0.0.1 for the tests: it records every byte it receives, from
 * every connection, and either refuses each request (502) or, with tunnelling on, answers
 * CONNECT to a 127.0.0.1 port with 200 and relays both ways (recording what the client sends
 * through the tunnel too). A thread of its own. */
#include <stdbool.h>
#include <stddef.h>

struct proxy;

/* owned (proxy_stop); NULL on failure */
struct proxy *proxy_start(bool is_tunnel);
/* Stops the thread, closes everything, frees. NULL is a no-op. */
void proxy_stop(struct proxy *p);
/* borrowed: "http://127.0.0.1:PORT" */
const char *proxy_url(const struct proxy *p);
/* Connections accepted so far. */
int proxy_connections(struct proxy *p);
/* CONNECT requests among them. */
int proxy_connects(struct proxy *p);
/* A copy of every byte received so far (owned, NUL-terminated, *len bytes). */
char *proxy_received(struct proxy *p, size_t *len);
/* Forget what was received and counted. */
void proxy_reset(struct proxy *p);

#endif
