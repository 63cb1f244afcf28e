/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_BASEURL_H
#define AMPLECALL_BASEURL_H
/* Core layer: one spelling per API base URL, so that two spellings of the same server compare
 * equal. Pure: string work only, no I/O, no DNS. */
#include <stdbool.h>

/* The normal form of url: scheme and host lower-case; localhost, 127.x.y.z and [::1] as
 * 127.0.0.1; no default port (:80 for http, :443 for https); no userinfo; the path as given
 * but without trailing slashes (so "/" is the empty path). Text that has no "scheme://" is
 * returned as given. owned; NULL only for NULL. */
char *baseurl_normalise(const char *url);
/* true when a and b have the same normal form; NULL is the same only as NULL */
bool baseurl_same(const char *a, const char *b);

#endif
