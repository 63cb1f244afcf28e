/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: `amplecall config show`: the effective settings and where each came from, with the
 * API key masked. Reads configuration only; no network. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/cmdutil.h"
#include "cli/commands.h"
#include "core/sanitize.h"
#include "core/util.h"

static const char config_help[] =
    "Usage: amplecall config show [--json] [OPTIONS]\n"
    "       amplecall config path [OPTIONS]\n"
    "\n"
    "show: print the effective settings (flags, then environment, then the profile, then the\n"
    "config file's default section, then built-in defaults) and where each came from. The\n"
    "API key is masked; an api_key_command is run to check that it works (it has\n"
    "api_key_command_timeout seconds, default 10). The file, and its directory at the default\n"
    "place, must be yours and not writable by group or others, and not links (exit 78).\n"
    "path: print the config file that would be read.\n"
    "\n"
    "  --json              print the settings as a JSON object\n" SETTINGS_FLAGS_HELP "\n"
    "See amplecall.conf(5) for the file format.\n";

static const char *color_name(int c)
{
    static const char *const names[] = {"black", "red",     "green", "yellow",
                                        "blue",  "magenta", "cyan",  "white"};
    return c >= 0 && c < 8 ? names[c] : "default";
}

static const char *colors_mode(enum settings_colors m)
{
    return m == SETTINGS_COLORS_NEVER ? "never" : m == SETTINGS_COLORS_ALWAYS ? "always" : "auto";
}

/* Values and origins hold paths and names from the environment and the file: inert. */
static void line(const char *key, const char *value, const char *origin)
{
    sanitize_fprintf(stdout, "%-16s %s", key, value);
    if (origin)
        sanitize_fprintf(stdout, "   (%s)", origin);
    putchar('\n');
}

static void show_text(const struct settings *s, const char *path)
{
    char *mask = settings_mask_key(s->api_key);
    char buf[64];

    if (s->config_path) {
        line("config", s->config_path, s->origin[SETTING_CONFIG]);
    } else {
        char *none = xasprintf("%s (not present)", path ? path : "(no HOME)");
        line("config", none, NULL);
        free(none);
    }
    line("profile", s->profile ? s->profile : "(default section)", s->origin[SETTING_PROFILE]);
    line("base_url", s->base_url, s->origin[SETTING_BASE_URL]);
    line("api_key", mask, s->origin[SETTING_API_KEY]);
    line("user", s->user ? s->user : "(not set)", s->origin[SETTING_USER]);
    line("from", s->default_from ? s->default_from : "(not set)", s->origin[SETTING_FROM]);
    line("ca_file", s->ca_file ? s->ca_file : "(system CAs)", s->origin[SETTING_CA_FILE]);
    snprintf(buf, sizeof(buf), "%ld s", s->timeout_ms / 1000);
    line("timeout", buf, s->origin[SETTING_TIMEOUT]);
    line("colors", colors_mode(s->colors), s->origin[SETTING_COLORS]);
    line("softphone", s->is_baresip ? "baresip" : "none", s->origin[SETTING_SOFTPHONE]);
    line("baresip_address", s->baresip_address, s->origin[SETTING_BARESIP_ADDRESS]);
    for (size_t i = 0; i < s->n_bindings; i++) {
        char *k = xasprintf("key.%s", s->bindings[i].action);
        line(k, s->bindings[i].key, NULL);
        free(k);
    }
    for (size_t i = 0; i < s->n_colors; i++) {
        const struct settings_color *c = &s->color_table[i];
        char *k = xasprintf("color.%s", c->element);
        char *v = c->bg >= 0 ? xasprintf("%s on %s", color_name(c->fg), color_name(c->bg))
                             : xstrdup(color_name(c->fg));
        line(k, v, NULL);
        free(k);
        free(v);
    }
    free(mask);
}

static void add_item(json_object *o, const char *key, const char *value, const char *origin)
{
    json_object *it = json_object_new_object();
    json_object_object_add(it, "value", cmd_json_str(value));
    json_object_object_add(it, "origin", cmd_json_str(origin));
    json_object_object_add(o, key, it);
}

static void show_json(const struct settings *s, const char *path)
{
    json_object *o = json_object_new_object();
    json_object *keys = json_object_new_object();
    json_object *colors = json_object_new_object();
    char *mask = settings_mask_key(s->api_key);
    char buf[32];

    add_item(o, "config", s->config_path ? s->config_path : path, s->origin[SETTING_CONFIG]);
    json_object_object_add(o, "config_exists", json_object_new_boolean(s->config_path != NULL));
    add_item(o, "profile", s->profile, s->origin[SETTING_PROFILE]);
    add_item(o, "base_url", s->base_url, s->origin[SETTING_BASE_URL]);
    add_item(o, "api_key", s->api_key ? mask : NULL, s->origin[SETTING_API_KEY]);
    add_item(o, "user", s->user, s->origin[SETTING_USER]);
    add_item(o, "from", s->default_from, s->origin[SETTING_FROM]);
    add_item(o, "ca_file", s->ca_file, s->origin[SETTING_CA_FILE]);
    snprintf(buf, sizeof(buf), "%ld", s->timeout_ms / 1000);
    add_item(o, "timeout", buf, s->origin[SETTING_TIMEOUT]);
    add_item(o, "colors", colors_mode(s->colors), s->origin[SETTING_COLORS]);
    add_item(o, "softphone", s->is_baresip ? "baresip" : "none", s->origin[SETTING_SOFTPHONE]);
    add_item(o, "baresip_address", s->baresip_address, s->origin[SETTING_BARESIP_ADDRESS]);
    for (size_t i = 0; i < s->n_bindings; i++)
        json_object_object_add(keys, s->bindings[i].action,
                               json_object_new_string(s->bindings[i].key));
    for (size_t i = 0; i < s->n_colors; i++) {
        json_object *c = json_object_new_object();
        json_object_object_add(c, "fg", json_object_new_string(color_name(s->color_table[i].fg)));
        json_object_object_add(c, "bg", json_object_new_string(color_name(s->color_table[i].bg)));
        json_object_object_add(colors, s->color_table[i].element, c);
    }
    json_object_object_add(o, "keys", keys);
    json_object_object_add(o, "color", colors);
    cmd_print_json(stdout, o);
    free(mask);
}

int cmd_config(int argc, char **argv)
{
    struct cmd_ctx c;
    struct settings_flags flags = {0};
    const char *sub = NULL;
    bool is_json = false, is_help = false;
    char *err = NULL, *path = NULL;
    int rc;

    cmd_ctx_init(&c, "config");
    for (int i = 1; i < argc; i++) {
        int r = settings_take_flag(argc, argv, &i, &flags, &err);
        if (r < 0) {
            cmd_error(&c, "%s", err);
            rc = EXIT_USAGE;
            goto out;
        }
        if (r > 0)
            continue;
        if (cmd_is_help(argv[i]))
            is_help = true;
        else if (!strcmp(argv[i], "--json"))
            is_json = true;
        else if (!sub && (!strcmp(argv[i], "show") || !strcmp(argv[i], "path")))
            sub = argv[i];
        else {
            rc = cmd_bad_arg(&c, argv[i]);
            goto out;
        }
    }
    if (is_help || !sub) {
        fputs(config_help, is_help ? stdout : stderr);
        rc = is_help ? 0 : EXIT_USAGE;
        goto out;
    }
    path = settings_config_path(&flags);
    if (!strcmp(sub, "path")) {
        if (!path) {
            cmd_error(&c, "neither XDG_CONFIG_HOME nor HOME is set");
            rc = EXIT_CONFIG;
            goto out;
        }
        sanitize_fprintf(stdout, "%s\n", path);
        rc = 0;
        goto out;
    }
    rc = cmd_ctx_load(&c, &flags);
    if (rc)
        goto out;
    if (is_json)
        show_json(&c.settings, path);
    else
        show_text(&c.settings, path);
out:
    free(err);
    free(path);
    cmd_ctx_done(&c);
    return rc;
}
