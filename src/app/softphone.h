/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_SOFTPHONE_H
#define AMPLECALL_SOFTPHONE_H
/* App layer: what connects a softphone to the form: the control socket (`amplecall ctl`) and,
 * with softphone = baresip, baresip's ctrl_tcp, both feeding the one call state machine
 * (phone.h) whose actions it applies to the form through the controller. The tui loop polls
 * its descriptors (softphone_fds), waits no longer than softphone_timeout_ms and calls
 * softphone_service every turn. No curses, no readline. */
#include <poll.h>
#include <stdbool.h>

struct app;
struct softphone;

/* Listen on the control socket and, when configured, start following baresip. What cannot
 * start is said in the message area; the form works on without it. Sets a->phone. */
struct softphone *softphone_start(struct app *a);
/* Closes the socket (removing its file) and the baresip link. NULL is fine. */
void softphone_free(struct softphone *s);

/* At most 3 descriptors. */
unsigned softphone_fds(const struct softphone *s, struct pollfd *out, unsigned max);
int softphone_timeout_ms(const struct softphone *s);
void softphone_service(struct softphone *s);

/* The dial key: baresip dials the number in To. */
void softphone_dial(struct app *a);
/* The hang-up key. */
void softphone_hangup(struct app *a);
/* The rep's answer to ASK_PHONE_CALL (replace the unsent form with the new call?). */
void softphone_answer(struct app *a, bool is_yes);
/* The phone's part of the status bar ("phone: in call | baresip: up"), owned; NULL when
 * there is no phone at all. */
char *softphone_status(const struct app *a);

/* One control request line -> one owned reply line (the control socket's protocol). */
char *softphone_request(struct softphone *s, const char *line);

#endif
