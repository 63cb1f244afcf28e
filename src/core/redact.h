/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_REDACT_H
#define AMPLECALL_REDACT_H
/* Core layer: hide one secret (the API key) in text that came from elsewhere (a server's body,
 * headers, error text): the secret itself and its obvious encodings are replaced by "[REDACTED]".
 * Pure; no I/O. */
#include <stddef.h>

#define REDACT_MARK "[REDACTED]"

struct redact;

/* The needles for secret: the secret; percent-encoded (upper and lower case hex); JSON-escaped;
 * and the part of its base64 (standard and URL alphabets) that depends on the secret alone at
 * each of the three alignments, so base64 of "Bearer KEY", of "user:KEY" or of the key itself
 * is caught wherever it starts. Needles under 8 characters (other than the secret) are left out
 * as too likely to occur by chance. owned (redact_free); NULL or "" gives one that changes
 * nothing. */
struct redact *redact_new(const char *secret);
/* The secret is wiped first. NULL is a no-op. */
void redact_free(struct redact *r);
/* text[0..len) with every needle replaced; owned, NUL-terminated, length in *out_len (may be
 * NULL). r NULL copies. */
char *redact_text(const struct redact *r, const char *text, size_t len, size_t *out_len);
/* How many needles r looks for (for tests); 0 for NULL. */
size_t redact_needle_count(const struct redact *r);

#endif
