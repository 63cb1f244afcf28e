/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: settings -> http_client -> api. Keeps the "no key" message and the timeouts in one
 * place. */
#include "config.h"
#include "net/connect.h"

#include <stddef.h>

#include "net/api.h"
#include "net/http.h"
#include "conf/settings.h"
#include "core/util.h"

struct api *connect_api(const struct settings *s, char **err)
{
    struct http_options o = {0};
    struct http_client *http;

    *err = NULL;
    if (!s->api_key) {
        *err = xasprintf("no API key: set AMPLEMARKET_API_KEY, or api_key_command in %s",
                         s->config_path ? s->config_path
                                        : "the config file (see amplecall.conf(5))");
        return NULL;
    }
    o.base_url = s->base_url;
    o.api_key = s->api_key;
    o.connect_timeout_ms = s->connect_timeout_ms;
    o.timeout_ms = s->timeout_ms;
    o.ca_file = s->ca_file;
    http = http_client_new(&o, err);
    return http ? api_new(http) : NULL;
}
