/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: set-up and error reporting shared by the non-interactive commands other than `log`.
 * Never prints the API key; sanitises every server string it prints. */
#include "config.h"
#include "cli/out.h"
#include "cli/cmdutil.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "net/api.h"
#include "net/connect.h"
#include "cli/commands.h"
#include "cli/resolve.h"
#include "core/sanitize.h"
#include "cli/exitmap.h"
#include "core/util.h"

void cmd_ctx_init(struct cmd_ctx *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    settings_init(&c->settings);
}

void cmd_ctx_done(struct cmd_ctx *c)
{
    api_free(c->api);
    c->api = NULL;
    settings_done(&c->settings);
}

void cmd_error(const struct cmd_ctx *c, const char *fmt, ...)
{
    va_list ap;
    char *msg, *clean;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    /* messages quote arguments, paths, config lines and CSV cells: inert like server text */
    clean = sanitize_line(msg);
    fprintf(stderr, "amplecall %s: %s\n", c->name, clean);
    free(clean);
    free(msg);
}

int cmd_ctx_load(struct cmd_ctx *c, const struct settings_flags *flags)
{
    char *err = NULL;

    if (!settings_load(&c->settings, flags, &err)) {
        /* each line of a multi-line config report gets the prefix */
        char *line = err, *nl;
        while (line && *line) {
            nl = strchr(line, '\n');
            if (nl)
                *nl = '\0';
            cmd_error(c, "%s", line);
            line = nl ? nl + 1 : NULL;
        }
        free(err);
        return EXIT_CONFIG;
    }
    return 0;
}

static void print_progress(const struct api_progress *p, void *ud)
{
    const char *name = ud;

    fprintf(stderr, "amplecall %s: %s: %s\n", name, p->what, p->message);
}

void cmd_report_progress(struct api *api, const char *name)
{
    api_set_progress(api, print_progress, (void *)(uintptr_t)name);
}

void cmd_note_partial(const struct cmd_ctx *c, const struct api_result *res, size_t n,
                      const char *noun)
{
    if (!res->partial_why)
        return;
    cmd_error(c, "the list may be incomplete: %s; these are the %zu %s read from %zu page%s",
              res->partial_why, n, noun, res->n_pages, res->n_pages == 1 ? "" : "s");
}

int cmd_ctx_connect(struct cmd_ctx *c)
{
    char *err = NULL;

    c->api = connect_api(&c->settings, &err);
    if (!c->api) {
        cmd_error(c, "%s", err);
        free(err);
        return EXIT_CONFIG;
    }
    cmd_report_progress(c->api, c->name);
    return 0;
}

int cmd_api_failure(const struct cmd_ctx *c, const char *what, const struct api_result *res)
{
    char *m = sanitize_line(res->message ? res->message : "request failed");

    cmd_error(c, "%s: %s", what, m);
    for (size_t i = 0; i < res->errors.n; i++) {
        char *em = apierr_message(&res->errors.v[i]);
        char *s = sanitize_line(em);
        /* an error the message quotes already (a 401's "Invalid API key") is said once */
        if (i > 0 || !*s || !strstr(m, s))
            fprintf(stderr, "  %s\n", s);
        free(s);
        free(em);
    }
    free(m);
    return exit_for_result(res);
}

int cmd_user_uuid(struct cmd_ctx *c, const char *given, char **uuid)
{
    const char *u = given ? given : c->settings.user;
    char *err = NULL;
    enum resolve_status st;

    *uuid = NULL;
    if (!u) {
        cmd_error(c, "no user: give --user UUID|EMAIL, set AMPLECALL_USER, or 'user' in the "
                     "config file");
        return EXIT_USAGE;
    }
    st = resolve_user_st(c->api, u, uuid, &err);
    if (st != RESOLVE_FOUND) {
        cmd_error(c, "%s", err);
        free(err);
        return resolve_exit_code(st);
    }
    return 0;
}

void cmd_print_json(FILE *out, struct json_object *v)
{
    /* JSON is UTF-8 whatever the locale (RFC 8259): past the charset conversion */
    FILE *raw = out_raw(out);

    fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                JSON_C_TO_STRING_NOSLASHESCAPE),
          raw);
    fputc('\n', raw);
    json_object_put(v);
}

struct json_object *cmd_json_str(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

bool cmd_is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int cmd_take_value(const struct cmd_ctx *c, int argc, char **argv, int *i, const char *name,
                   const char **value)
{
    size_t n = strlen(name);
    const char *a = argv[*i];

    if (strncmp(a, name, n) || (a[n] != '\0' && a[n] != '='))
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
    } else if (*i + 1 < argc) {
        *value = argv[++*i];
    } else {
        cmd_error(c, "%s needs a value", name);
        return -1;
    }
    return 1;
}

int cmd_bad_arg(const struct cmd_ctx *c, const char *arg)
{
    char *a = sanitize_line(arg);
    cmd_error(c, "unknown argument '%s'; try 'amplecall %s --help'", a, c->name);
    free(a);
    return EXIT_USAGE;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool cmd_parse_time(const char *s, long long now, char **iso)
{
    size_t len = s ? strlen(s) : 0;
    long long n, mult;
    char unit;
    time_t t;
    struct tm tm;
    char out[32];

    *iso = NULL;
    if (len == 0)
        return false;
    /* YYYY-MM-DD, optionally followed by an ISO 8601 time */
    if (len >= 10 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) && s[7] == '-' &&
        all_digits(s + 8, 2)) {
        if (len == 10) {
            *iso = xasprintf("%sT00:00:00Z", s);
            return true;
        }
        if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
            return false;
        for (size_t i = 11; i < len; i++)
            if (!strchr("0123456789:.+-Zz", s[i]))
                return false;
        *iso = xstrdup(s);
        (*iso)[10] = 'T';
        return true;
    }
    unit = s[len - 1];
    switch (unit) {
    case 's':
        mult = 1;
        break;
    case 'm':
        mult = 60;
        break;
    case 'h':
        mult = 3600;
        break;
    case 'd':
        mult = 86400;
        break;
    case 'w':
        mult = 7 * 86400;
        break;
    default:
        return false;
    }
    {
        char *num = xstrndup(s, len - 1);
        bool ok = str_to_nonneg(num, 100LL * 365 * 86400, &n) && n * mult <= 100LL * 365 * 86400;
        free(num);
        if (!ok)
            return false;
    }
    t = (time_t)(now - n * mult);
    if (!gmtime_r(&t, &tm))
        return false;
    strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
    *iso = xstrdup(out);
    return true;
}
