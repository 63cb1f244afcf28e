/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TEST_SEC_H
#define AMPLECALL_TEST_SEC_H
/* Helpers shared by the security tests: terminal-inertness checks, a closed port, bounded
 * waits, file search. */
#include <stdbool.h>
#include <stddef.h>

/* NULL when s (len bytes) is safe to write to a terminal: valid UTF-8 without ESC, C0
 * controls other than '\n' and '\t', DEL or C1 controls; else a static description of the
 * first problem. */
const char *sec_inert_problem(const char *s, size_t len);
/* A loopback TCP port with nothing listening (bound, then closed). */
int sec_closed_port(void);
/* Poll cond(ud) every 20 ms until it holds or timeout_ms passes; returns its last value. */
bool sec_wait_for(bool (*cond)(void *ud), void *ud, int timeout_ms);
/* Milliseconds on CLOCK_MONOTONIC. */
long long sec_now_ms(void);
/* Read a whole file (owned, NUL-terminated, *len bytes); NULL if it cannot be read. */
char *sec_read_file(const char *path, size_t *len);
/* Path (owned) of the first regular file under dir whose bytes contain needle, else NULL.
 * *n_files gets the number of files searched. */
char *sec_find_in_tree(const char *dir, const char *needle, size_t *n_files);
/* true when needle occurs in hay[0..len) */
bool sec_memmem(const char *hay, size_t len, const char *needle);

#endif
