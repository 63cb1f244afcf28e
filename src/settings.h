#ifndef AMPLECALL_SETTINGS_H
#define AMPLECALL_SETTINGS_H
/* Effective settings: command-line flags, then environment, then the config file's profile,
 * then defaults. No UI, no network (except running api_key_command). */
#include <stdbool.h>

#define SETTINGS_DEFAULT_BASE_URL "https://api.amplemarket.com"

struct settings {
    char *profile;     /* owned, NULL = default section */
    char *base_url;    /* owned, never NULL after settings_load */
    char *api_key;     /* owned secret, NULL if none found; never printed */
    char *api_key_source; /* owned: "environment", "api_key_command", "config file" */
    char *user;        /* owned UUID or email, NULL = ask */
    char *default_from;/* owned, NULL = none */
    char *ca_file;     /* owned, NULL = system CAs */
    long connect_timeout_ms;
    long timeout_ms;
    char *config_path; /* owned path of the file read, NULL if none */
    bool is_color_disabled; /* NO_COLOR or colors = off */
};

/* Flags given on the command line; NULL/0 = not given. */
struct settings_flags {
    const char *profile;
    const char *base_url;
    const char *user;
    long timeout_s;
};

void settings_init(struct settings *s);
void settings_done(struct settings *s);
/* Fill s from flags, environment, config file and defaults. false with *err (owned) when the
 * configuration is unusable (malformed file, unsafe permissions, failing api_key_command). */
bool settings_load(struct settings *s, const struct settings_flags *flags, char **err);

#endif
