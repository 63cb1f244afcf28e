/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_DURATION_H
#define AMPLECALL_DURATION_H
/* App layer: the call length as a rep types it: seconds ("95"), minutes:seconds ("1:35") or
 * hours:minutes:seconds ("1:02:03"). Pure text to number; the form stores seconds. */
#include <stdbool.h>

/* The longest call the form takes, the same cap as the validator's (core/validate.c). */
#define DURATION_MAX_S (10LL * 365 * 24 * 3600)

/* Parse s (surrounding blanks allowed) into *secs. false with *why (owned, one sentence
 * naming what is wrong, e.g. "seconds must be under 60 in 1:60") when it is not a length.
 * Minutes and seconds after a colon take one or two digits and must be under 60. */
bool duration_parse(const char *s, long long *secs, char **why);
/* Whether s is written with colons (so the form rewrites it as seconds). */
bool duration_has_colon(const char *s);

#endif
