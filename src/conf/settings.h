/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_SETTINGS_H
#define AMPLECALL_SETTINGS_H
/* Conf layer: effective settings: command-line flags, then environment, then the config file's
 * profile, then its default section, then built-in defaults. No UI, no network (except running
 * api_key_command). The config file is INI style, see amplecall.conf(5). */
#include <stdbool.h>
#include <stddef.h>

#define SETTINGS_DEFAULT_BASE_URL "https://api.amplemarket.com"

/* What each setting is, for `config show` and for error messages naming where a value came
 * from. */
enum settings_item {
    SETTING_PROFILE,
    SETTING_CONFIG,
    SETTING_BASE_URL,
    SETTING_API_KEY,
    SETTING_USER,
    SETTING_FROM,
    SETTING_CA_FILE,
    SETTING_TIMEOUT,
    SETTING_COLORS,
    SETTING_SOFTPHONE,
    SETTING_BARESIP_ADDRESS,
    SETTING_COUNT
};

enum settings_colors {
    SETTINGS_COLORS_AUTO = 0, /* colours when the terminal has them and NO_COLOR is unset */
    SETTINGS_COLORS_NEVER,
    SETTINGS_COLORS_ALWAYS,
};

/* A key for a form action, as written in the config ("F5", "C-s", "M-h"). */
enum keyspec_kind {
    KEYSPEC_FKEY, /* value 1..24: F1..F24 */
    KEYSPEC_CTRL, /* value 'a'..'z': Control + letter (byte value - 'a' + 1) */
    KEYSPEC_META, /* value a printable ASCII character: Esc (Alt) + it */
};
struct keyspec {
    enum keyspec_kind kind;
    int value;
};

/* One `key.ACTION = SPEC` line that replaced an action's default key. */
struct settings_binding {
    char *action; /* owned, one of settings_key_actions */
    char *key;    /* owned normalised spec, e.g. "C-s" */
    struct keyspec spec;
};

/* One `color.ELEMENT = FG [on BG]` line. Colours are the curses numbers 0..7
 * (black red green yellow blue magenta cyan white), or -1 for the terminal's default. */
struct settings_color {
    char *element; /* owned, one of settings_color_elements */
    int fg, bg;
};

struct settings {
    char *profile;        /* owned, NULL = default section */
    char *base_url;       /* owned, never NULL after settings_load */
    char *api_key;        /* owned secret, NULL if none found; never printed */
    char *api_key_source; /* owned: "environment", "api_key_command", "config file" */
    char *user;           /* owned UUID or email, NULL = ask */
    char *default_from;   /* owned, NULL = none */
    char *ca_file;        /* owned, NULL = system CAs */
    long connect_timeout_ms;
    long timeout_ms;
    char *config_path;      /* owned path of the file read, NULL if none */
    bool is_color_disabled; /* NO_COLOR or colors = never */
    bool is_mouse_disabled; /* mouse = no: the form leaves the mouse to the terminal */
    enum settings_colors colors;
    bool is_baresip;          /* softphone = baresip: the form follows baresip's calls */
    char *baresip_address;    /* owned HOST:PORT of baresip's ctrl_tcp, never NULL once loaded */
    struct settings_binding *bindings; /* owned, n_bindings entries */
    size_t n_bindings;
    struct settings_color *color_table; /* owned, n_colors entries */
    size_t n_colors;
    /* owned: where each setting came from, e.g. "flag --user", "environment AMPLECALL_USER",
     * "/home/d/.config/amplecall/config:4 [profile work]", "default"; NULL when unset */
    char *origin[SETTING_COUNT];
};

/* Flags given on the command line; NULL/0 = not given. */
struct settings_flags {
    const char *profile;
    const char *base_url;
    const char *user;
    long timeout_s;
    const char *config_path; /* --config FILE */
};

/* baresip's ctrl_tcp default (its own default listen address). */
#define SETTINGS_BARESIP_DEFAULT "127.0.0.1:4444"

/* "HOST:PORT" with HOST an IPv4 address or localhost (given as 127.0.0.1), PORT 1-65535:
 * into host (host_size bytes, may be NULL) and *port (may be NULL). */
bool settings_parse_hostport(const char *text, char *host, size_t host_size, int *port);

/* Action names a binding may name, NULL-terminated; borrowed. */
extern const char *const settings_key_actions[];
/* Element names a colour line may name, NULL-terminated; borrowed. */
extern const char *const settings_color_elements[];

void settings_init(struct settings *s);
void settings_done(struct settings *s);
/* Fill s from flags, environment, config file and defaults. false with *err (owned, may hold
 * several lines, each "FILE:LINE: problem") when the configuration is unusable: malformed
 * lines, unknown keys, bad values, an unknown profile, an api_key in a file others can read,
 * a failing api_key_command. AMPLEMARKET_API_KEY is removed from the process environment once
 * read, so no child (editor, api_key_command) inherits it: load settings once per process. */
bool settings_load(struct settings *s, const struct settings_flags *flags, char **err);

/* The config file that would be read: flags->config_path, $AMPLECALL_CONFIG,
 * $XDG_CONFIG_HOME/amplecall/config or ~/.config/amplecall/config. Owned; NULL when no HOME. */
char *settings_config_path(const struct settings_flags *flags);

/* The binding of action (NULL when the config does not rebind it); borrowed. */
const struct settings_binding *settings_binding_for(const struct settings *s, const char *action);
/* The colour line for element, NULL when not configured; borrowed. */
const struct settings_color *settings_color_for(const struct settings *s, const char *element);

/* Parse "F5", "f5", "C-s", "^S", "M-h" into out. false when not a key an action can use:
 * printable keys always type into the focused field, so plain characters are refused. */
bool settings_keyspec_parse(const char *text, struct keyspec *out);
/* Normalised text of a key spec ("C-s"); owned. */
char *settings_keyspec_name(const struct keyspec *k);

/* The API key shown safely: its first 4 characters then "…" and its length, or "(none)";
 * owned. Short keys show nothing of themselves. */
char *settings_mask_key(const char *key);

/* Options every command accepts (and main accepts before the command name):
 * --profile NAME, --config FILE, --base-url URL, --user ID, --timeout SECS, as "--opt VALUE"
 * or "--opt=VALUE". Looks at argv[*i]: when it is one of them, stores it in f (pointing into
 * argv), moves *i to its last argument and returns 1; returns 0 for anything else; -1 with
 * *err (owned) for a missing or bad value. */
int settings_take_flag(int argc, char **argv, int *i, struct settings_flags *f, char **err);
/* Flags given before the command name, used by settings_load where the command's own flags
 * leave a field unset. The strings are borrowed (point into main's argv). */
void settings_set_global_flags(const struct settings_flags *f);

/* Help text for the options of settings_take_flag, for each command's --help. */
#define SETTINGS_FLAGS_HELP                                                                        \
    "  --profile NAME      use [profile NAME] of the config file (env AMPLECALL_PROFILE)\n"        \
    "  --config FILE       read FILE instead of ~/.config/amplecall/config\n"                      \
    "  --base-url URL      API base URL (env AMPLECALL_BASE_URL)\n"                                \
    "  --user ID           your Amplemarket user, UUID or email (env AMPLECALL_USER)\n"            \
    "  --timeout SECS      give up on a request after SECS seconds (env AMPLECALL_TIMEOUT)\n"

/* Parsed config file, before profiles are applied. Exposed for tests and fuzzing. */
struct settings_entry {
    char *section; /* owned profile name, NULL for the default section */
    char *key;     /* owned, lower case */
    char *value;   /* owned, trimmed, quotes removed */
    int line;
};
struct settings_file {
    struct settings_entry *v; /* owned */
    size_t n;
    char **sections; /* owned profile names seen in [profile NAME] headers */
    size_t n_sections;
};
void settings_file_done(struct settings_file *f);
/* Parse config text. Every malformed line, unknown key and bad value is reported, one line
 * each, as "PATH:LINE: message" in *err (owned); returns false when there was any. Entries
 * of good lines are kept in out either way. */
bool settings_file_parse(const char *text, size_t len, const char *path, struct settings_file *out,
                         char **err);

#endif
