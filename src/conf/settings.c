/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Conf layer: effective settings from flags, environment, the INI config file and defaults, and the
 * API key from AMPLEMARKET_API_KEY, api_key_command or a private config file.
 * Holds the API key in memory only; never prints it, never passes it to a child process. */
#include "config.h"
#include "conf/settings.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/util.h"
#include "core/validate.h"
#include "core/safepath.h"
#include "conf/keycmd.h"

#define CONFIG_MAX_BYTES (1024 * 1024)
#define TIMEOUT_MAX_S 3600

const char *const settings_key_actions[] = {
    "help", "timer", "submit", "quit", "editor", "history", "retry", "dial", "hangup", NULL,
};

const char *const settings_color_elements[] = {
    "title", "label", "focus", "error", "note", "status", "help", "selected", NULL,
};

static const char *const color_names[] = {
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
};

static struct settings_flags global_flags;

void settings_init(struct settings *s)
{
    memset(s, 0, sizeof(*s));
}

static void scrub_free(char *secret)
{
    if (secret) {
        /* volatile so the compiler cannot drop the wipe of memory about to be freed */
        volatile char *p = secret;
        while (*p)
            *p++ = '\0';
    }
    free(secret);
}

void settings_done(struct settings *s)
{
    if (!s)
        return;
    free(s->profile);
    free(s->base_url);
    scrub_free(s->api_key);
    free(s->api_key_source);
    free(s->user);
    free(s->default_from);
    free(s->baresip_address);
    free(s->ca_file);
    free(s->config_path);
    for (size_t i = 0; i < s->n_bindings; i++) {
        free(s->bindings[i].action);
        free(s->bindings[i].key);
    }
    free(s->bindings);
    for (size_t i = 0; i < s->n_colors; i++)
        free(s->color_table[i].element);
    free(s->color_table);
    for (int i = 0; i < SETTING_COUNT; i++)
        free(s->origin[i]);
    settings_init(s);
}

void settings_file_done(struct settings_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        if (f->v[i].key && !strcmp(f->v[i].key, "api_key"))
            scrub_free(f->v[i].value);
        else
            free(f->v[i].value);
        free(f->v[i].section);
        free(f->v[i].key);
    }
    free(f->v);
    for (size_t i = 0; i < f->n_sections; i++)
        free(f->sections[i]);
    free(f->sections);
    memset(f, 0, sizeof(*f));
}

/* ---- small value checks shared by the file, the environment and flags ---- */

static int find_name(const char *const *names, const char *name)
{
    for (int i = 0; names[i]; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

static char *name_list(const char *const *names)
{
    struct buf b;

    buf_init(&b, 4096);
    for (int i = 0; names[i]; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
    return buf_steal(&b);
}

bool settings_keyspec_parse(const char *text, struct keyspec *out)
{
    char *t = str_trim(text);
    const char *rest;
    bool is_ok = false;
    long long n;

    if (!*t)
        goto out;
    if ((t[0] == 'F' || t[0] == 'f') && t[1]) {
        if (str_to_nonneg(t + 1, 99, &n) && n >= 1 && n <= 24 && isdigit((unsigned char)t[1])) {
            out->kind = KEYSPEC_FKEY;
            out->value = (int)n;
            is_ok = true;
        }
        goto out;
    }
    if (t[0] == '^' && t[1] && !t[2]) {
        rest = t + 1;
        out->kind = KEYSPEC_CTRL;
    } else if (!strncasecmp(t, "C-", 2) || !strncasecmp(t, "Ctrl-", 5)) {
        rest = t[1] == '-' ? t + 2 : t + 5;
        out->kind = KEYSPEC_CTRL;
    } else if (!strncasecmp(t, "M-", 2) || !strncasecmp(t, "Alt-", 4)) {
        rest = t[1] == '-' ? t + 2 : t + 4;
        out->kind = KEYSPEC_META;
    } else {
        goto out;
    }
    if (!rest[0] || rest[1])
        goto out;
    if (out->kind == KEYSPEC_CTRL) {
        int c = tolower((unsigned char)rest[0]);
        /* Tab, Enter, newline and Backspace are form keys; C-c and C-z belong to the
         * terminal (interrupt, suspend). */
        if (c < 'a' || c > 'z' || strchr("ijmhcz", c))
            goto out;
        out->value = c;
    } else {
        if (rest[0] < 0x21 || rest[0] > 0x7e)
            goto out;
        out->value = rest[0];
    }
    is_ok = true;
out:
    free(t);
    return is_ok;
}

char *settings_keyspec_name(const struct keyspec *k)
{
    switch (k->kind) {
    case KEYSPEC_FKEY:
        return xasprintf("F%d", k->value);
    case KEYSPEC_CTRL:
        return xasprintf("C-%c", k->value);
    case KEYSPEC_META:
        return xasprintf("M-%c", k->value);
    }
    return xstrdup("?");
}

static bool parse_color_name(const char *s, size_t len, int *out)
{
    if (len == 7 && !strncasecmp(s, "default", 7)) {
        *out = -1;
        return true;
    }
    for (int i = 0; i < (int)ARRAY_LEN(color_names); i++) {
        if (strlen(color_names[i]) == len && !strncasecmp(s, color_names[i], len)) {
            *out = i;
            return true;
        }
    }
    return false;
}

/* "red" or "white on blue" */
static bool parse_color_pair(const char *v, int *fg, int *bg)
{
    const char *on = strstr(v, " on ");
    const char *end;

    *bg = -1;
    if (!on)
        return parse_color_name(v, strlen(v), fg);
    end = on;
    while (end > v && end[-1] == ' ')
        end--;
    if (!parse_color_name(v, (size_t)(end - v), fg))
        return false;
    on += 4;
    while (*on == ' ')
        on++;
    return parse_color_name(on, strlen(on), bg);
}

static bool parse_colors_mode(const char *v, enum settings_colors *out)
{
    static const char *const never[] = {"never", "no", "off", "false", "0", NULL};
    static const char *const always[] = {"always", "yes", "on", "true", "1", NULL};

    if (!strcasecmp(v, "auto")) {
        *out = SETTINGS_COLORS_AUTO;
        return true;
    }
    for (int i = 0; never[i]; i++) {
        if (!strcasecmp(v, never[i])) {
            *out = SETTINGS_COLORS_NEVER;
            return true;
        }
        if (!strcasecmp(v, always[i])) {
            *out = SETTINGS_COLORS_ALWAYS;
            return true;
        }
    }
    return false;
}

static bool is_http_url(const char *v)
{
    const char *host;

    if (!strncasecmp(v, "https://", 8))
        host = v + 8;
    else if (!strncasecmp(v, "http://", 7))
        host = v + 7;
    else
        return false;
    if (!*host || *host == '/' || *host == ':')
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool is_email(const char *v)
{
    const char *at = strchr(v, '@');

    if (!at || at == v || !at[1] || strchr(at + 1, '@'))
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool is_key_text(const char *v)
{
    if (!*v)
        return false;
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

static bool parse_timeout(const char *v, long *seconds)
{
    long long n;

    if (!str_to_nonneg(v, TIMEOUT_MAX_S, &n) || n == 0)
        return false;
    *seconds = (long)n;
    return true;
}

/* Check one value; NULL when fine, else an owned message naming the key. */
static char *check_value(const char *key, const char *v)
{
    long t;
    enum settings_colors mode;
    struct keyspec ks;
    int fg, bg;

    if (!*v && strcmp(key, "api_key_command") && strcmp(key, "api_key"))
        return xasprintf("%s has an empty value", key);
    if (!strcmp(key, "base_url")) {
        if (!is_http_url(v))
            return xasprintf("base_url must be an https:// URL, not '%s'", v);
    } else if (!strcmp(key, "user")) {
        if (!validate_uuid(v) && !is_email(v))
            return xasprintf("user must be a UUID or an email address, not '%s'", v);
    } else if (!strcmp(key, "from")) {
        if (!validate_phone(v))
            return xasprintf("from must be a phone number (digits, optional leading +), "
                             "not '%s'",
                             v);
    } else if (!strcmp(key, "timeout")) {
        if (!parse_timeout(v, &t))
            return xasprintf("timeout must be a whole number of seconds (1-%d), not '%s'",
                             TIMEOUT_MAX_S, v);
    } else if (!strcmp(key, "colors")) {
        if (!parse_colors_mode(v, &mode))
            return xasprintf("colors must be auto, always or never, not '%s'", v);
    } else if (!strcmp(key, "api_key")) {
        if (!is_key_text(v))
            return xstrdup("api_key is empty or holds spaces or control characters");
    } else if (!strcmp(key, "api_key_command")) {
        if (str_blank(v))
            return xstrdup("api_key_command has an empty value");
    } else if (!strcmp(key, "api_key_command_timeout")) {
        long long n;
        if (!str_to_nonneg(v, KEYCMD_MAX_TIMEOUT_S, &n) || n == 0)
            return xasprintf("api_key_command_timeout must be a whole number of seconds "
                             "(1-%d), not '%s'",
                             KEYCMD_MAX_TIMEOUT_S, v);
    } else if (!strcmp(key, "ca_file")) {
        /* any path; whether it is readable is checked for the value in effect */
    } else if (!strcmp(key, "softphone")) {
        if (strcmp(v, "none") && strcmp(v, "baresip"))
            return xasprintf("softphone must be none or baresip, not '%s'", v);
    } else if (!strcmp(key, "baresip_address")) {
        if (!settings_parse_hostport(v, NULL, 0, NULL))
            return xasprintf("baresip_address must be HOST:PORT (an IPv4 address or "
                             "localhost, port 1-65535), not '%s'",
                             v);
    } else if (!strcmp(key, "mouse")) {
        if (!strcmp(v, "yes") == !strcmp(v, "no"))
            return xasprintf("mouse must be yes or no, not '%s'", v);
    } else if (!strncmp(key, "key.", 4)) {
        if (find_name(settings_key_actions, key + 4) < 0) {
            char *names = name_list(settings_key_actions);
            char *m = xasprintf("unknown action '%s' in %s (actions: %s)", key + 4, key, names);
            free(names);
            return m;
        }
        if (!settings_keyspec_parse(v, &ks))
            return xasprintf("%s: '%s' is not a usable key (F1-F24, C-a..C-z except C-c C-h "
                             "C-i C-j C-m C-z, M-x)",
                             key, v);
    } else if (!strncmp(key, "color.", 6)) {
        if (find_name(settings_color_elements, key + 6) < 0) {
            char *names = name_list(settings_color_elements);
            char *m = xasprintf("unknown element '%s' in %s (elements: %s)", key + 6, key, names);
            free(names);
            return m;
        }
        if (!parse_color_pair(v, &fg, &bg))
            return xasprintf("%s: '%s' is not a colour (FG or FG on BG, each one of default "
                             "black red green yellow blue magenta cyan white)",
                             key, v);
    } else {
        return xasprintf("unknown key '%s'", key);
    }
    return NULL;
}

/* ---- the config file ---- */

static bool is_profile_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("._-@", *s))
            return false;
    return true;
}

/* Trimmed copy of the first n bytes of s; owned. */
static char *trim_n(const char *s, size_t n)
{
    char *raw = xstrndup(s, n);
    char *t = str_trim(raw);
    free(raw);
    return t;
}

static void add_section(struct settings_file *f, const char *name)
{
    for (size_t i = 0; i < f->n_sections; i++)
        if (!strcmp(f->sections[i], name))
            return;
    f->sections = xrealloc(f->sections, (f->n_sections + 1) * sizeof(*f->sections));
    f->sections[f->n_sections++] = xstrdup(name);
}

/* A "[...]" line: sets *section (owned, NULL = default); false with *msg (owned). */
static bool parse_header(const char *line, char **section, char **msg)
{
    size_t len = strlen(line);
    char *inner, *name;

    if (len < 2 || line[len - 1] != ']') {
        *msg = xstrdup("section header must end with ']'");
        return false;
    }
    inner = trim_n(line + 1, len - 2);
    if (!strcasecmp(inner, "default")) {
        *section = NULL;
        free(inner);
        return true;
    }
    if (!strncasecmp(inner, "profile", 7) && (inner[7] == ' ' || inner[7] == '\t')) {
        name = str_trim(inner + 8);
        if (is_profile_name(name)) {
            *section = name;
            free(inner);
            return true;
        }
        *msg = xasprintf("bad profile name '%s' (letters, digits, '.', '_', '-', '@')", name);
        free(name);
        free(inner);
        return false;
    }
    *msg = xasprintf("unknown section [%s] (use [profile NAME] or [default])", inner);
    free(inner);
    return false;
}

bool settings_file_parse(const char *text, size_t len, const char *path, struct settings_file *out,
                         char **err)
{
    struct buf errs;
    char *section = NULL;
    size_t pos = 0;
    int lineno = 0;

    memset(out, 0, sizeof(*out));
    buf_init(&errs, 64 * 1024);
    if (!path)
        path = "config";
    while (pos < len) {
        size_t end = pos;
        char *raw, *line, *msg = NULL;
        const char *eq;

        while (end < len && text[end] != '\n')
            end++;
        lineno++;
        raw = xstrndup(text + pos, end - pos);
        if (strlen(raw) != end - pos) {
            buf_printf(&errs, "%s:%d: line holds a NUL byte\n", path, lineno);
            free(raw);
            pos = end + 1;
            continue;
        }
        pos = end + 1;
        line = str_trim(raw);
        free(raw);
        if (!*line || line[0] == '#' || line[0] == ';') {
            free(line);
            continue;
        }
        if (line[0] == '[') {
            char *name = NULL;
            if (parse_header(line, &name, &msg)) {
                free(section);
                section = name;
                if (name)
                    add_section(out, name);
            } else {
                buf_printf(&errs, "%s:%d: %s\n", path, lineno, msg);
                free(msg);
            }
            free(line);
            continue;
        }
        eq = strchr(line, '=');
        if (!eq) {
            buf_printf(&errs, "%s:%d: expected 'key = value'\n", path, lineno);
            free(line);
            continue;
        }
        {
            char *key = trim_n(line, (size_t)(eq - line));
            char *value = str_trim(eq + 1);
            size_t vlen = strlen(value);
            bool is_key_ok = *key != '\0';

            for (char *p = key; *p; p++) {
                *p = (char)tolower((unsigned char)*p);
                if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
                    is_key_ok = false;
            }
            if (vlen >= 2 && ((value[0] == '"' && value[vlen - 1] == '"') ||
                              (value[0] == '\'' && value[vlen - 1] == '\''))) {
                memmove(value, value + 1, vlen - 2);
                value[vlen - 2] = '\0';
            }
            if (!is_key_ok)
                msg = xasprintf("'%s' is not a key name", key);
            else
                msg = check_value(key, value);
            if (msg) {
                buf_printf(&errs, "%s:%d: %s\n", path, lineno, msg);
                free(msg);
                if (!strcmp(key, "api_key"))
                    scrub_free(value);
                else
                    free(value);
                free(key);
            } else {
                out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
                out->v[out->n].section = xstrdup(section);
                out->v[out->n].key = key;
                out->v[out->n].value = value;
                out->v[out->n].line = lineno;
                out->n++;
            }
        }
        free(line);
    }
    free(section);
    if (errs.len) {
        if (errs.data[errs.len - 1] == '\n')
            errs.data[--errs.len] = '\0';
        *err = buf_steal(&errs);
        return false;
    }
    buf_done(&errs);
    *err = NULL;
    return true;
}

/* ---- loading ---- */

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return (v && *v) ? v : NULL;
}

char *settings_config_path(const struct settings_flags *flags)
{
    const char *v;

    if (flags && flags->config_path)
        return xstrdup(flags->config_path);
    if (global_flags.config_path)
        return xstrdup(global_flags.config_path);
    v = env_nonempty("AMPLECALL_CONFIG");
    if (v)
        return xstrdup(v);
    v = env_nonempty("XDG_CONFIG_HOME");
    if (v && v[0] == '/') /* relative values are invalid per the XDG spec */
        return xasprintf("%s/amplecall/config", v);
    v = env_nonempty("HOME");
    if (v)
        return xasprintf("%s/.config/amplecall/config", v);
    return NULL;
}

static void set_origin(struct settings *s, enum settings_item it, char *origin_owned)
{
    free(s->origin[it]);
    s->origin[it] = origin_owned;
}

static char *entry_origin(const char *path, const struct settings_entry *e)
{
    if (e->section)
        return xasprintf("%s:%d [profile %s]", path, e->line, e->section);
    return xasprintf("%s:%d", path, e->line);
}

static void set_binding(struct settings *s, const char *action, const char *spec_text)
{
    struct keyspec ks;
    size_t i;

    if (!settings_keyspec_parse(spec_text, &ks))
        return; /* checked when the file was parsed */
    for (i = 0; i < s->n_bindings; i++)
        if (!strcmp(s->bindings[i].action, action))
            break;
    if (i == s->n_bindings) {
        s->bindings = xrealloc(s->bindings, (s->n_bindings + 1) * sizeof(*s->bindings));
        s->bindings[i].action = xstrdup(action);
        s->bindings[i].key = NULL;
        s->n_bindings++;
    }
    free(s->bindings[i].key);
    s->bindings[i].key = settings_keyspec_name(&ks);
    s->bindings[i].spec = ks;
}

static void set_color(struct settings *s, const char *element, const char *v)
{
    int fg, bg;
    size_t i;

    if (!parse_color_pair(v, &fg, &bg))
        return;
    for (i = 0; i < s->n_colors; i++)
        if (!strcmp(s->color_table[i].element, element))
            break;
    if (i == s->n_colors) {
        s->color_table = xrealloc(s->color_table, (s->n_colors + 1) * sizeof(*s->color_table));
        s->color_table[i].element = xstrdup(element);
        s->n_colors++;
    }
    s->color_table[i].fg = fg;
    s->color_table[i].bg = bg;
}

/* Apply one file entry (already validated). api_key lines are handled by the caller. */
static void apply_entry(struct settings *s, const char *path, const struct settings_entry *e)
{
    const char *k = e->key;
    long t;

    if (!strcmp(k, "base_url")) {
        str_set(&s->base_url, e->value);
        set_origin(s, SETTING_BASE_URL, entry_origin(path, e));
    } else if (!strcmp(k, "user")) {
        str_set(&s->user, e->value);
        set_origin(s, SETTING_USER, entry_origin(path, e));
    } else if (!strcmp(k, "from")) {
        str_set(&s->default_from, e->value);
        set_origin(s, SETTING_FROM, entry_origin(path, e));
    } else if (!strcmp(k, "ca_file")) {
        str_set(&s->ca_file, e->value);
        set_origin(s, SETTING_CA_FILE, entry_origin(path, e));
    } else if (!strcmp(k, "timeout")) {
        if (parse_timeout(e->value, &t)) {
            s->timeout_ms = t * 1000;
            set_origin(s, SETTING_TIMEOUT, entry_origin(path, e));
        }
    } else if (!strcmp(k, "colors")) {
        if (parse_colors_mode(e->value, &s->colors))
            set_origin(s, SETTING_COLORS, entry_origin(path, e));
    } else if (!strcmp(k, "softphone")) {
        s->is_baresip = !strcmp(e->value, "baresip");
        set_origin(s, SETTING_SOFTPHONE, entry_origin(path, e));
    } else if (!strcmp(k, "baresip_address")) {
        str_set(&s->baresip_address, e->value);
        set_origin(s, SETTING_BARESIP_ADDRESS, entry_origin(path, e));
    } else if (!strcmp(k, "mouse")) {
        s->is_mouse_disabled = !strcmp(e->value, "no");
    } else if (!strncmp(k, "key.", 4)) {
        set_binding(s, k + 4, e->value);
    } else if (!strncmp(k, "color.", 6)) {
        set_color(s, k + 6, e->value);
    }
}

/* Read the config file through one descriptor so the permission check and the content
 * belong to the same file (safepath.h: no link followed, the user's, not writable by
 * others; at the default location its directory too). It says where the key goes, so a
 * file another user could change is refused before a byte of it is read. *text NULL when
 * the file does not exist. */
static bool read_config(const char *path, bool is_explicit, char **text, size_t *len,
                        struct stat *st, char **err)
{
    struct buf b;
    char chunk[4096];
    ssize_t n;
    char *why = NULL;
    int fd;
    enum safepath_status pst = safepath_open(path, O_RDONLY, 0, !is_explicit, &fd, st, &why);

    *text = NULL;
    *len = 0;
    if (pst == SAFEPATH_MISSING && !is_explicit) {
        free(why);
        return true;
    }
    if (pst != SAFEPATH_OK) {
        *err = pst == SAFEPATH_UNSAFE ? why : xasprintf("%s: cannot open config file: %s", path, why);
        if (pst != SAFEPATH_UNSAFE)
            free(why);
        return false;
    }
    buf_init(&b, CONFIG_MAX_BYTES);
    for (;;) {
        n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *err = xasprintf("%s: cannot read: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (buf_append(&b, chunk, (size_t)n) != 0) {
            *err =
                xasprintf("%s: larger than %d bytes; not a config file?", path, CONFIG_MAX_BYTES);
            break;
        }
    }
    explicit_bzero(chunk, sizeof(chunk));
    close(fd);
    if (*err) {
        if (b.data)
            explicit_bzero(b.data, b.len);
        buf_done(&b);
        return false;
    }
    *len = b.len;
    *text = buf_steal(&b);
    return true;
}

/* file sits in the directory of config (both paths as given; NULL config: no). */
static bool is_in_dir_of(const char *file, const char *config)
{
    const char *slash = config ? strrchr(config, '/') : NULL;
    size_t n = slash ? (size_t)(slash - config) + 1 : 0;

    return n > 0 && !strncmp(file, config, n) && !strchr(file + n, '/');
}

/* api_key_command_timeout of the profile, else of the default section, else 0 (the default). */
static long key_command_timeout(const struct settings_file *f, const char *profile)
{
    long long n = 0, from_default = 0;

    for (size_t i = 0; i < f->n; i++) {
        const struct settings_entry *e = &f->v[i];
        long long v;
        if (strcmp(e->key, "api_key_command_timeout") || !str_to_nonneg(e->value, 1LL << 30, &v))
            continue;
        if (!e->section)
            from_default = v;
        else if (profile && !strcmp(e->section, profile))
            n = v;
    }
    return (long)(n ? n : from_default);
}

static const struct settings_entry *key_entry_of(const struct settings_file *f, const char *section,
                                                 const char *path, struct buf *errs)
{
    const struct settings_entry *found = NULL;

    for (size_t i = 0; i < f->n; i++) {
        const struct settings_entry *e = &f->v[i];
        bool is_same = section ? (e->section && !strcmp(e->section, section)) : !e->section;
        if (!is_same || (strcmp(e->key, "api_key") && strcmp(e->key, "api_key_command")))
            continue;
        if (found && strcmp(found->key, e->key)) {
            buf_printf(errs,
                       "%s:%d: both api_key and api_key_command are set in %s%s%s; "
                       "keep one\n",
                       path, e->line, section ? "[profile " : "[default", section ? section : "",
                       "]");
        }
        found = e;
    }
    return found;
}

/* read_config() refused a file another user owns or could change; a key in it must also be
 * hidden from their eyes. */
static bool check_file_mode(const struct settings_file *f, const char *path, const struct stat *st,
                            struct buf *errs)
{
    for (size_t i = 0; i < f->n; i++) {
        if (strcmp(f->v[i].key, "api_key") != 0)
            continue;
        if (st->st_mode & 077) {
            buf_printf(errs,
                       "%s:%d: refusing to read api_key from a file others can read "
                       "(mode %04o); run: chmod 600 %s\n",
                       path, f->v[i].line, (unsigned)(st->st_mode & 07777), path);
            return false;
        }
        break;
    }
    return true;
}

static char *finish_errors(struct buf *errs)
{
    if (errs->len && errs->data[errs->len - 1] == '\n')
        errs->data[--errs->len] = '\0';
    return buf_steal(errs);
}

bool settings_load(struct settings *s, const struct settings_flags *flags, char **err)
{
    static const struct settings_flags no_flags;
    struct settings_flags f;
    struct settings_file file = {0};
    struct stat st;
    struct buf errs;
    char *path = NULL, *text = NULL, *msg = NULL;
    size_t text_len = 0;
    const char *v, *profile;
    const struct settings_entry *key_e = NULL;
    long t;
    bool is_explicit;

    *err = NULL;
    if (!flags)
        flags = &no_flags;
    f = *flags;
    if (!f.profile)
        f.profile = global_flags.profile;
    if (!f.base_url)
        f.base_url = global_flags.base_url;
    if (!f.user)
        f.user = global_flags.user;
    if (!f.timeout_s)
        f.timeout_s = global_flags.timeout_s;
    if (!f.config_path)
        f.config_path = global_flags.config_path;
    buf_init(&errs, 64 * 1024);
    settings_done(s);

    /* defaults */
    str_set(&s->base_url, SETTINGS_DEFAULT_BASE_URL);
    set_origin(s, SETTING_BASE_URL, xstrdup("default"));
    s->timeout_ms = 30000;
    set_origin(s, SETTING_TIMEOUT, xstrdup("default"));
    s->colors = SETTINGS_COLORS_AUTO;
    set_origin(s, SETTING_COLORS, xstrdup("default"));
    s->baresip_address = xstrdup(SETTINGS_BARESIP_DEFAULT);
    set_origin(s, SETTING_SOFTPHONE, xstrdup("default"));
    set_origin(s, SETTING_BARESIP_ADDRESS, xstrdup("default"));

    /* which profile, which file */
    profile = f.profile ? f.profile : env_nonempty("AMPLECALL_PROFILE");
    if (profile) {
        str_set(&s->profile, profile);
        set_origin(s, SETTING_PROFILE,
                   xstrdup(f.profile ? "flag --profile" : "environment AMPLECALL_PROFILE"));
    }
    path = settings_config_path(&f);
    is_explicit = f.config_path || env_nonempty("AMPLECALL_CONFIG");
    if (path) {
        if (!read_config(path, is_explicit, &text, &text_len, &st, &msg)) {
            buf_printf(&errs, "%s\n", msg);
            free(msg);
            goto out;
        }
        if (text) {
            str_set(&s->config_path, path);
            set_origin(s, SETTING_CONFIG,
                       xstrdup(f.config_path                      ? "flag --config"
                               : env_nonempty("AMPLECALL_CONFIG") ? "environment AMPLECALL_CONFIG"
                                                                  : "default location"));
            if (!settings_file_parse(text, text_len, path, &file, &msg)) {
                buf_printf(&errs, "%s\n", msg);
                free(msg);
                goto out;
            }
            if (!check_file_mode(&file, path, &st, &errs))
                goto out;
        }
    }
    if (profile) {
        bool is_known = false;
        for (size_t i = 0; i < file.n_sections; i++)
            if (!strcmp(file.sections[i], profile))
                is_known = true;
        if (!is_known) {
            if (!text) {
                buf_printf(&errs, "profile '%s' requested but there is no config file (%s)\n",
                           profile, path ? path : "no HOME");
            } else {
                char *names;
                struct buf nb;
                buf_init(&nb, 4096);
                for (size_t i = 0; i < file.n_sections; i++)
                    buf_printf(&nb, "%s%s", i ? ", " : "", file.sections[i]);
                names = buf_steal(&nb);
                buf_printf(&errs, "%s: no [profile %s] section (profiles: %s)\n", path, profile,
                           *names ? names : "none");
                free(names);
            }
            goto out;
        }
    }

    /* file layers: the default section, then the profile over it */
    for (size_t i = 0; i < file.n; i++)
        if (!file.v[i].section)
            apply_entry(s, path, &file.v[i]);
    if (profile)
        for (size_t i = 0; i < file.n; i++)
            if (file.v[i].section && !strcmp(file.v[i].section, profile))
                apply_entry(s, path, &file.v[i]);

    /* environment */
    v = env_nonempty("AMPLECALL_BASE_URL");
    if (v) {
        if (!is_http_url(v))
            buf_printf(&errs, "AMPLECALL_BASE_URL must be an https:// URL, not '%s'\n", v);
        str_set(&s->base_url, v);
        set_origin(s, SETTING_BASE_URL, xstrdup("environment AMPLECALL_BASE_URL"));
    }
    v = env_nonempty("AMPLECALL_USER");
    if (v) {
        if (!validate_uuid(v) && !is_email(v))
            buf_printf(&errs, "AMPLECALL_USER must be a UUID or an email address, not '%s'\n", v);
        str_set(&s->user, v);
        set_origin(s, SETTING_USER, xstrdup("environment AMPLECALL_USER"));
    }
    v = env_nonempty("AMPLECALL_FROM");
    if (v) {
        if (!validate_phone(v))
            buf_printf(&errs, "AMPLECALL_FROM must be a phone number, not '%s'\n", v);
        str_set(&s->default_from, v);
        set_origin(s, SETTING_FROM, xstrdup("environment AMPLECALL_FROM"));
    }
    v = env_nonempty("AMPLECALL_CA_FILE");
    if (v) {
        str_set(&s->ca_file, v);
        set_origin(s, SETTING_CA_FILE, xstrdup("environment AMPLECALL_CA_FILE"));
    }
    v = env_nonempty("AMPLECALL_TIMEOUT");
    if (v) {
        if (!parse_timeout(v, &t))
            buf_printf(&errs, "AMPLECALL_TIMEOUT must be a whole number of seconds (1-%d)\n",
                       TIMEOUT_MAX_S);
        else
            s->timeout_ms = t * 1000;
        set_origin(s, SETTING_TIMEOUT, xstrdup("environment AMPLECALL_TIMEOUT"));
    }
    if (env_nonempty("NO_COLOR")) {
        s->colors = SETTINGS_COLORS_NEVER;
        set_origin(s, SETTING_COLORS, xstrdup("environment NO_COLOR"));
    }

    /* flags */
    if (f.base_url) {
        if (!is_http_url(f.base_url))
            buf_printf(&errs, "--base-url must be an https:// URL, not '%s'\n", f.base_url);
        str_set(&s->base_url, f.base_url);
        set_origin(s, SETTING_BASE_URL, xstrdup("flag --base-url"));
    }
    if (f.user) {
        if (!validate_uuid(f.user) && !is_email(f.user))
            buf_printf(&errs, "--user must be a UUID or an email address, not '%s'\n", f.user);
        str_set(&s->user, f.user);
        set_origin(s, SETTING_USER, xstrdup("flag --user"));
    }
    if (f.timeout_s > 0) {
        s->timeout_ms = f.timeout_s * 1000;
        set_origin(s, SETTING_TIMEOUT, xstrdup("flag --timeout"));
    }
    s->connect_timeout_ms = s->timeout_ms < 10000 ? s->timeout_ms : 10000;
    s->is_color_disabled = s->colors == SETTINGS_COLORS_NEVER;

    /* ca_file in effect: expand ~/ and make sure it can be read */
    if (s->ca_file) {
        if (!strncmp(s->ca_file, "~/", 2) && env_nonempty("HOME")) {
            char *full = xasprintf("%s/%s", getenv("HOME"), s->ca_file + 2);
            free(s->ca_file);
            s->ca_file = full;
        }
        if (is_in_dir_of(s->ca_file, path)) {
            /* next to the config file: a CA bundle decides whom the key is sent to, so it
             * passes the config file's checks (its system-wide kind is root's, and linked) */
            char *why = NULL;
            int fd;
            enum safepath_status pst =
                safepath_open(s->ca_file, O_RDONLY, 0, !is_explicit, &fd, NULL, &why);
            if (pst == SAFEPATH_OK)
                close(fd);
            else if (pst == SAFEPATH_UNSAFE)
                buf_printf(&errs, "%s\n", why);
            else
                buf_printf(&errs, "ca_file %s (from %s): %s\n", s->ca_file,
                           s->origin[SETTING_CA_FILE], why);
            free(why);
        } else if (access(s->ca_file, R_OK) != 0) {
            buf_printf(&errs, "ca_file %s (from %s): %s\n", s->ca_file, s->origin[SETTING_CA_FILE],
                       strerror(errno));
        }
    }
    if (errs.len)
        goto out;

    /* the key: environment, else the profile's, else the default section's */
    v = env_nonempty("AMPLEMARKET_API_KEY");
    if (v) {
        if (!is_key_text(v)) {
            buf_printf(&errs, "AMPLEMARKET_API_KEY holds spaces or control characters\n");
            goto out;
        }
        str_set(&s->api_key, v);
        str_set(&s->api_key_source, "environment");
        set_origin(s, SETTING_API_KEY, xstrdup("environment AMPLEMARKET_API_KEY"));
        /* No child process (editor, pager, api_key_command) may inherit the key, and
         * /proc/PID/environ shows the original bytes: blank them before unsetting. */
        memset((char *)v, 'x', strlen(v));
        unsetenv("AMPLEMARKET_API_KEY");
        goto out;
    }
    if (profile)
        key_e = key_entry_of(&file, profile, path, &errs);
    if (!key_e)
        key_e = key_entry_of(&file, NULL, path, &errs);
    if (errs.len || !key_e)
        goto out;
    if (!strcmp(key_e->key, "api_key")) {
        str_set(&s->api_key, key_e->value);
        str_set(&s->api_key_source, "config file");
        set_origin(s, SETTING_API_KEY, entry_origin(path, key_e));
    } else {
        char *key = NULL, *why = NULL;
        if (!keycmd_run(key_e->value, key_command_timeout(&file, profile), &key, &why)) {
            buf_printf(&errs, "%s:%d: api_key_command '%s' %s\n", path, key_e->line, key_e->value,
                       why);
            free(why);
            goto out;
        }
        s->api_key = key;
        str_set(&s->api_key_source, "api_key_command");
        set_origin(s, SETTING_API_KEY, entry_origin(path, key_e));
    }

out:
    if (text) {
        explicit_bzero(text, text_len);
        free(text);
    }
    settings_file_done(&file);
    free(path);
    if (errs.len) {
        *err = finish_errors(&errs);
        return false;
    }
    buf_done(&errs);
    return true;
}

const struct settings_binding *settings_binding_for(const struct settings *s, const char *action)
{
    for (size_t i = 0; i < s->n_bindings; i++)
        if (!strcmp(s->bindings[i].action, action))
            return &s->bindings[i];
    return NULL;
}

const struct settings_color *settings_color_for(const struct settings *s, const char *element)
{
    for (size_t i = 0; i < s->n_colors; i++)
        if (!strcmp(s->color_table[i].element, element))
            return &s->color_table[i];
    return NULL;
}

char *settings_mask_key(const char *key)
{
    size_t len;

    if (!key)
        return xstrdup("(none)");
    len = strlen(key);
    /* Show a prefix only when it leaves most of a long key unknown. */
    if (len >= 20)
        return xasprintf("%.4s… (%zu characters)", key, len);
    return xasprintf("… (%zu characters)", len);
}

/* ---- command-line flags ---- */

static const struct {
    const char *name;
    int id;
} flag_names[] = {
    {"--profile", 0}, {"--config", 1}, {"--base-url", 2}, {"--user", 3}, {"--timeout", 4},
};

int settings_take_flag(int argc, char **argv, int *i, struct settings_flags *f, char **err)
{
    const char *arg = argv[*i];
    const char *value = NULL;
    int id = -1;
    long t;

    *err = NULL;
    for (size_t k = 0; k < ARRAY_LEN(flag_names); k++) {
        size_t n = strlen(flag_names[k].name);
        if (!strncmp(arg, flag_names[k].name, n) && (arg[n] == '\0' || arg[n] == '=')) {
            id = flag_names[k].id;
            if (arg[n] == '=') {
                value = arg + n + 1;
            } else if (*i + 1 < argc) {
                value = argv[++*i];
            } else {
                *err = xasprintf("%s needs a value", flag_names[k].name);
                return -1;
            }
            if (!*value) {
                *err = xasprintf("%s needs a non-empty value", flag_names[k].name);
                return -1;
            }
            break;
        }
    }
    switch (id) {
    case 0:
        f->profile = value;
        return 1;
    case 1:
        f->config_path = value;
        return 1;
    case 2:
        f->base_url = value;
        return 1;
    case 3:
        f->user = value;
        return 1;
    case 4:
        if (!parse_timeout(value, &t)) {
            *err = xasprintf("--timeout must be a whole number of seconds (1-%d)", TIMEOUT_MAX_S);
            return -1;
        }
        f->timeout_s = t;
        return 1;
    default:
        return 0;
    }
}

void settings_set_global_flags(const struct settings_flags *f)
{
    static const struct settings_flags none;
    global_flags = f ? *f : none;
}

bool settings_parse_hostport(const char *text, char *host, size_t host_size, int *port)
{
    const char *colon = text ? strrchr(text, ':') : NULL;
    size_t n;
    long long p;
    char h[64];
    unsigned a, b, c, d;
    char tail;

    if (!colon || colon == text)
        return false;
    n = (size_t)(colon - text);
    if (n >= sizeof(h) || !str_to_nonneg(colon + 1, 65535, &p) || p == 0)
        return false;
    memcpy(h, text, n);
    h[n] = '\0';
    if (strcmp(h, "localhost") &&
        (sscanf(h, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 ||
         c > 255 || d > 255))
        return false;
    if (host) {
        if (host_size <= n)
            return false;
        strcpy(host, strcmp(h, "localhost") ? h : "127.0.0.1");
    }
    if (port)
        *port = (int)p;
    return true;
}
