/* Effective settings from flags and environment (the config file layer builds on this).
 * Holds the API key in memory only; never prints it. */
#include "config.h"
#include "settings.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void settings_init(struct settings *s)
{
    memset(s, 0, sizeof(*s));
}

void settings_done(struct settings *s)
{
    if (!s)
        return;
    free(s->profile);
    free(s->base_url);
    if (s->api_key) /* scrub the secret before giving the memory back */
        memset(s->api_key, 0, strlen(s->api_key));
    free(s->api_key);
    free(s->api_key_source);
    free(s->user);
    free(s->default_from);
    free(s->ca_file);
    free(s->config_path);
    settings_init(s);
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

bool settings_load(struct settings *s, const struct settings_flags *flags, char **err)
{
    static const struct settings_flags no_flags;
    const char *v;
    long long secs;

    if (!flags)
        flags = &no_flags;
    *err = NULL;

    str_set(&s->profile, flags->profile ? flags->profile : env_nonempty("AMPLECALL_PROFILE"));
    v = flags->base_url ? flags->base_url : env_nonempty("AMPLECALL_BASE_URL");
    str_set(&s->base_url, v ? v : SETTINGS_DEFAULT_BASE_URL);
    v = env_nonempty("AMPLEMARKET_API_KEY");
    if (v) {
        str_set(&s->api_key, v);
        str_set(&s->api_key_source, "environment");
    }
    str_set(&s->user, flags->user ? flags->user : env_nonempty("AMPLECALL_USER"));
    str_set(&s->ca_file, env_nonempty("AMPLECALL_CA_FILE"));
    s->connect_timeout_ms = 10000;
    s->timeout_ms = 30000;
    if (flags->timeout_s > 0) {
        s->timeout_ms = flags->timeout_s * 1000;
    } else if ((v = env_nonempty("AMPLECALL_TIMEOUT"))) {
        if (!str_to_nonneg(v, 3600, &secs) || secs == 0) {
            *err = xstrdup("AMPLECALL_TIMEOUT must be a whole number of seconds (1-3600)");
            return false;
        }
        s->timeout_ms = (long)secs * 1000;
    }
    if (s->connect_timeout_ms > s->timeout_ms)
        s->connect_timeout_ms = s->timeout_ms;
    s->is_color_disabled = env_nonempty("NO_COLOR") != NULL;
    return true;
}
