/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CONNECT_H
#define AMPLECALL_CONNECT_H
/* Net layer: from effective settings to a ready API client: the one place that checks a key is
 * present and turns settings into http_options, for every command and the form. */
struct api;
struct settings;

/* owned api (api_free), or NULL with *err (owned) saying why: no key, or a base URL the
 * client refuses (e.g. plain http:// to a remote host). Either is a configuration error. */
struct api *connect_api(const struct settings *s, char **err);

#endif
