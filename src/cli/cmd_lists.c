/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: listing and account commands: `dispositions`, `tasks`, `users`, `calls`, `whoami`.
 * A readable table by default (server text sanitised, aligned by display width), the API's
 * objects whole (every member, unknown ones too) with --json. Read-only: never posts. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "net/api.h"
#include "cli/cmdutil.h"
#include "cli/commands.h"
#include "cli/resolve.h"
#include "core/fold.h"
#include "core/sanitize.h"
#include "cli/table.h"
#include "core/util.h"

#define CALLS_DEFAULT_LIMIT 20
#define CALLS_MAX_LIMIT 1000

/* Arguments every listing takes; the command's own options are handled by its loop. */
struct list_args {
    struct settings_flags flags;
    bool is_json;
    bool is_help;
};

/* 1 when argv[*i] was a common argument, 0 when not, or -EXIT when it was bad. */
static int common_arg(struct cmd_ctx *c, int argc, char **argv, int *i, struct list_args *a)
{
    char *err = NULL;
    int r;

    if (!strcmp(argv[*i], "--json")) {
        a->is_json = true;
        return 1;
    }
    if (cmd_is_help(argv[*i])) {
        a->is_help = true;
        return 1;
    }
    r = settings_take_flag(argc, argv, i, &a->flags, &err);
    if (r < 0) {
        cmd_error(c, "%s", err);
        free(err);
        return -EXIT_USAGE;
    }
    return r;
}

/* After the arguments: print the help (returning 0 with *is_done set), or load the settings
 * and connect; returns an exit code, 0 when the command can go on. */
static int begin(struct cmd_ctx *c, const struct list_args *a, const char *help, bool *is_done)
{
    int rc;

    *is_done = a->is_help;
    if (a->is_help) {
        fputs(help, stdout);
        return 0;
    }
    rc = cmd_ctx_load(c, &a->flags);
    return rc ? rc : cmd_ctx_connect(c);
}

/* The argument loop of a listing that takes only the common arguments. */
static int only_common_args(struct cmd_ctx *c, int argc, char **argv, struct list_args *a)
{
    for (int i = 1; i < argc; i++) {
        int r = common_arg(c, argc, argv, &i, a);
        if (r < 0)
            return -r;
        if (r == 0)
            return cmd_bad_arg(c, argv[i]);
    }
    return 0;
}

static void print_table(struct table *t, const char *empty_message)
{
    if (table_rows(t) == 0) {
        /* stdout stays a table for scripts; the note goes to stderr */
        sanitize_fprintf(stderr, "%s\n", empty_message);
    }
    table_print(t, stdout, table_term_width(STDOUT_FILENO));
}

static const char *yes_no(int v)
{
    return v == 1 ? "yes" : v == 0 ? "no" : "";
}

/* Print the items the API sent, whole (every member, unknown ones too), as one JSON array.
 * json[i] is item i's text (NULL ones are skipped). */
static void print_items(const char *const *json, size_t n)
{
    json_object *arr = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        json_object *o = json[i] ? json_tokener_parse(json[i]) : NULL;
        if (o)
            json_object_array_add(arr, o);
    }
    cmd_print_json(stdout, arr);
}

#define ITEMS_JSON(list, count) \
    do { \
        const char **j_ = xcalloc((count) ? (count) : 1, sizeof(*j_)); \
        for (size_t k_ = 0; k_ < (count); k_++) \
            j_[k_] = (list)[k_].json; \
        print_items(j_, (count)); \
        free(j_); \
    } while (0)

/* ---- dispositions ---- */

static const char dispositions_help[] =
    "Usage: amplecall dispositions [--json] [OPTIONS]\n"
    "\n"
    "List the call dispositions (outcomes) of the account: name, action and id.\n"
    "A disposition whose action is \"complete\" also completes the task and its sequence\n"
    "lead when a call is logged with it. Names can be given to 'amplecall log --disposition'.\n"
    "\n"
    "  --json              print the API's objects, whole, as a JSON array\n" SETTINGS_FLAGS_HELP;

int cmd_dispositions(int argc, char **argv)
{
    struct cmd_ctx c;
    struct list_args a = {0};
    struct api_result res;
    struct disposition_list l = {0};
    bool is_done = false;
    int rc;

    cmd_ctx_init(&c, "dispositions");
    api_result_init(&res);
    rc = only_common_args(&c, argc, argv, &a);
    if (!rc)
        rc = begin(&c, &a, dispositions_help, &is_done);
    if (rc || is_done)
        goto out;
    if (!api_dispositions(c.api, &res, &l)) {
        rc = cmd_api_failure(&c, "cannot list dispositions", &res);
        goto out;
    }
    if (a.is_json) {
        ITEMS_JSON(l.v, l.n);
    } else {
        static const char *const head[] = {"NAME", "ACTION", "ID"};
        struct table *t = table_new(3, head);
        for (size_t i = 0; i < l.n; i++) {
            const char *action = l.v[i].action;
            char *shown = action && !strcmp(action, "complete")
                              ? xstrdup("complete (completes the task)")
                              : xstrdup(action);
            const char *row[] = {l.v[i].name, shown, l.v[i].id};
            table_add(t, row);
            free(shown);
        }
        print_table(t, "No dispositions.");
        table_free(t);
    }
    cmd_note_partial(&c, &res, l.n, "dispositions");
    rc = 0;
out:
    disposition_list_done(&l);
    api_result_done(&res);
    cmd_ctx_done(&c);
    return rc;
}

/* ---- tasks ---- */

static const char tasks_help[] =
    "Usage: amplecall tasks [--user UUID|EMAIL] [--status S | --any-status] [--type T |\n"
    "                       --any-type] [--json] [OPTIONS]\n"
    "\n"
    "List your manual tasks (automatic=false: only those can be completed through the API),\n"
    "by default the scheduled phone calls (the ones a call can be logged against), in the\n"
    "order the API returns them. Contact names can be given to 'amplecall log --task'.\n"
    "\n"
    "  --status S          only tasks in status S (default scheduled)\n"
    "  --any-status        tasks in every status\n"
    "  --type T            only tasks of type T (default phone_call)\n"
    "  --any-type          tasks of every type\n"
    "  --json              print the API's objects, whole, as a JSON array\n" SETTINGS_FLAGS_HELP;

int cmd_tasks(int argc, char **argv)
{
    struct cmd_ctx c;
    struct list_args a = {0};
    struct api_result res;
    struct task_list l = {0};
    struct tasks_query q = {.type = "phone_call", .status = "scheduled"};
    const char *user = NULL;
    char *user_id = NULL;
    bool is_done = false;
    int rc;

    cmd_ctx_init(&c, "tasks");
    api_result_init(&res);
    for (int i = 1; i < argc; i++) {
        int r = common_arg(&c, argc, argv, &i, &a);
        if (r < 0) {
            rc = -r;
            goto out;
        }
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--any-status")) {
            q.status = NULL;
        } else if (!strcmp(argv[i], "--any-type")) {
            q.type = NULL;
        } else if ((r = cmd_take_value(&c, argc, argv, &i, "--status", &q.status)) == 0 &&
                   (r = cmd_take_value(&c, argc, argv, &i, "--type", &q.type)) == 0) {
            rc = cmd_bad_arg(&c, argv[i]);
            goto out;
        }
        if (r < 0) {
            rc = EXIT_USAGE;
            goto out;
        }
    }
    user = a.flags.user;
    rc = begin(&c, &a, tasks_help, &is_done);
    if (is_done)
        goto out;
    if (!rc)
        rc = cmd_user_uuid(&c, user, &user_id);
    if (rc)
        goto out;
    q.user_id = user_id;
    if (!api_tasks(c.api, &q, &res, &l)) {
        rc = cmd_api_failure(&c, "cannot list tasks", &res);
        goto out;
    }
    if (a.is_json) {
        ITEMS_JSON(l.v, l.n);
    } else {
        static const char *const head[] = {"ID", "DUE", "CONTACT", "EMAIL", "STATUS", "NOTES"};
        struct table *t = table_new(6, head);
        for (size_t i = 0; i < l.n; i++) {
            const struct task *k = &l.v[i];
            char due[11] = "";
            const char *row[6];
            if (k->due_on)
                snprintf(due, sizeof(due), "%s", k->due_on);
            row[0] = k->id;
            row[1] = due;
            row[2] = k->contact_name ? k->contact_name : (k->contact_id ? "" : "(no contact)");
            row[3] = k->contact_email;
            row[4] = k->status;
            row[5] = k->notes;
            table_add(t, row);
        }
        print_table(t, "No tasks match.");
        table_free(t);
    }
    cmd_note_partial(&c, &res, l.n, "tasks");
    rc = 0;
out:
    free(user_id);
    task_list_done(&l);
    api_result_done(&res);
    cmd_ctx_done(&c);
    return rc;
}

/* ---- users ---- */

static const char users_help[] =
    "Usage: amplecall users [--email E] [--all] [--json] [OPTIONS]\n"
    "\n"
    "List the active users of the account (all pages), or the one with email E (the whole\n"
    "address, in any case). Use the id or the email as 'user' in the config file,\n"
    "AMPLECALL_USER or --user.\n"
    "\n"
    "  --email E           only the user with this email\n"
    "  --all               inactive users too\n"
    "  --json              print the API's user objects, whole, as a JSON array\n" SETTINGS_FLAGS_HELP;

int cmd_users(int argc, char **argv)
{
    struct cmd_ctx c;
    struct list_args a = {0};
    struct api_result res;
    struct user_list l = {0};
    struct users_query q = {0};
    const struct user **shown = NULL;
    size_t n_shown = 0;
    const char *email = NULL;
    bool is_done = false;
    int rc;

    cmd_ctx_init(&c, "users");
    api_result_init(&res);
    for (int i = 1; i < argc; i++) {
        int r = common_arg(&c, argc, argv, &i, &a);
        if (r < 0) {
            rc = -r;
            goto out;
        }
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--all")) {
            q.is_any_status = true;
            continue;
        }
        r = cmd_take_value(&c, argc, argv, &i, "--email", &email);
        if (r <= 0) {
            rc = r < 0 ? EXIT_USAGE : cmd_bad_arg(&c, argv[i]);
            goto out;
        }
    }
    rc = begin(&c, &a, users_help, &is_done);
    if (rc || is_done)
        goto out;
    q.email = email;
    if (!api_users_query(c.api, &q, &res, &l)) {
        rc = cmd_api_failure(&c, "cannot list users", &res);
        goto out;
    }
    /* a server may answer ?email= loosely: show only the users whose email is the one */
    shown = xcalloc(l.n ? l.n : 1, sizeof(*shown));
    for (size_t i = 0; i < l.n; i++) {
        char *have = str_trim(l.v[i].email ? l.v[i].email : "");
        char *want = str_trim(email ? email : "");
        if (!email || fold_equal_nocase(have, want))
            shown[n_shown++] = &l.v[i];
        free(have);
        free(want);
    }
    if (a.is_json) {
        const char **j = xcalloc(n_shown ? n_shown : 1, sizeof(*j));
        for (size_t i = 0; i < n_shown; i++)
            j[i] = shown[i]->json;
        print_items(j, n_shown);
        free(j);
    } else {
        static const char *const head[] = {"ID", "NAME", "EMAIL", "ROLE", "STATUS"};
        struct table *t = table_new(5, head);
        for (size_t i = 0; i < n_shown; i++) {
            const struct user *u = shown[i];
            const char *row[] = {u->id, u->name, u->email, u->role, u->status};
            table_add(t, row);
        }
        print_table(t, email ? "No user has that email." : "No users.");
        table_free(t);
    }
    cmd_note_partial(&c, &res, l.n, "users");
    rc = 0;
out:
    free(shown);
    user_list_done(&l);
    api_result_done(&res);
    cmd_ctx_done(&c);
    return rc;
}

/* ---- calls ---- */

static const char calls_help[] =
    "Usage: amplecall calls [--to NUM] [--from NUM] [--since T] [--until T]\n"
    "                       [--user UUID|EMAIL | --all-users] [--limit N] [--json] [OPTIONS]\n"
    "\n"
    "List calls logged in Amplemarket, newest first as the API returns them: by default the\n"
    "configured user's last 20. Use it to check whether a call was logged before logging it\n"
    "again.\n"
    "\n"
    "  --to NUM            only calls to this number (as stored)\n"
    "  --from NUM          only calls from this number\n"
    "  --since T           calls that started after T: 2026-06-03, 2026-06-03T17:45:16Z,\n"
    "                      or an age such as 90s, 30m, 2h, 7d, 2w\n"
    "  --until T           calls that started before T (same forms)\n"
    "  --all-users         calls of every user (default: the configured user, if any)\n"
    "  --limit N           at most N calls (default 20, at most 1000)\n"
    "  --json              print the API's objects, whole, as a JSON array\n" SETTINGS_FLAGS_HELP;

int cmd_calls(int argc, char **argv)
{
    struct cmd_ctx c;
    struct list_args a = {0};
    struct api_result res;
    struct call_list l = {0};
    struct calls_query q = {0};
    const char *since = NULL, *until = NULL, *limit_s = NULL;
    char *since_iso = NULL, *until_iso = NULL, *user_id = NULL;
    bool is_all_users = false;
    long long limit = CALLS_DEFAULT_LIMIT;
    int rc;

    cmd_ctx_init(&c, "calls");
    api_result_init(&res);
    for (int i = 1; i < argc; i++) {
        int r = common_arg(&c, argc, argv, &i, &a);
        if (r < 0) {
            rc = -r;
            goto out;
        }
        if (r > 0)
            continue;
        if (!strcmp(argv[i], "--all-users")) {
            is_all_users = true;
            continue;
        }
        if ((r = cmd_take_value(&c, argc, argv, &i, "--to", &q.to)) == 0 &&
            (r = cmd_take_value(&c, argc, argv, &i, "--from", &q.from)) == 0 &&
            (r = cmd_take_value(&c, argc, argv, &i, "--since", &since)) == 0 &&
            (r = cmd_take_value(&c, argc, argv, &i, "--until", &until)) == 0 &&
            (r = cmd_take_value(&c, argc, argv, &i, "--limit", &limit_s)) == 0) {
            rc = cmd_bad_arg(&c, argv[i]);
            goto out;
        }
        if (r < 0) {
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (a.is_help) {
        fputs(calls_help, stdout);
        rc = 0;
        goto out;
    }
    if (limit_s && (!str_to_nonneg(limit_s, CALLS_MAX_LIMIT, &limit) || limit == 0)) {
        cmd_error(&c, "--limit must be a number from 1 to %d", CALLS_MAX_LIMIT);
        rc = EXIT_USAGE;
        goto out;
    }
    if ((since && !cmd_parse_time(since, (long long)time(NULL), &since_iso)) ||
        (until && !cmd_parse_time(until, (long long)time(NULL), &until_iso))) {
        cmd_error(&c, "%s: not a date (2026-06-03), an ISO 8601 time or an age (30m, 2h, 7d)",
                  since && !since_iso ? "--since" : "--until");
        rc = EXIT_USAGE;
        goto out;
    }
    if (is_all_users && a.flags.user) {
        cmd_error(&c, "give --user or --all-users, not both");
        rc = EXIT_USAGE;
        goto out;
    }
    rc = cmd_ctx_load(&c, &a.flags);
    if (!rc)
        rc = cmd_ctx_connect(&c);
    if (!rc && !is_all_users && (a.flags.user || c.settings.user))
        rc = cmd_user_uuid(&c, a.flags.user, &user_id);
    if (rc)
        goto out;
    q.user_id = user_id;
    q.start_date_from = since_iso;
    q.start_date_to = until_iso;
    if (!api_calls(c.api, &q, (size_t)limit, &res, &l)) {
        rc = cmd_api_failure(&c, "cannot list calls", &res);
        goto out;
    }
    if (a.is_json) {
        size_t n = l.n < (size_t)limit ? l.n : (size_t)limit;
        ITEMS_JSON(l.v, n);
    } else {
        static const char *const head[] = {"ID",   "STARTED",  "FROM",  "TO",
                                           "SECS", "ANSWERED", "HUMAN", "CONTACT"};
        struct table *t = table_new(8, head);
        for (size_t i = 0; i < l.n && i < (size_t)limit; i++) {
            const struct call_record *r = &l.v[i];
            char secs[24] = "";
            const char *row[8];
            if (r->duration >= 0)
                snprintf(secs, sizeof(secs), "%lld", r->duration);
            row[0] = r->id;
            row[1] = r->start_date;
            row[2] = r->from;
            row[3] = r->to;
            row[4] = secs;
            row[5] = yes_no(r->answered);
            row[6] = yes_no(r->human);
            row[7] = r->contact_name ? r->contact_name : r->contact_email;
            table_add(t, row);
        }
        print_table(t, "No calls match.");
        table_free(t);
    }
    cmd_note_partial(&c, &res, l.n, "calls");
    rc = 0;
out:
    free(since_iso);
    free(until_iso);
    free(user_id);
    call_list_done(&l);
    api_result_done(&res);
    cmd_ctx_done(&c);
    return rc;
}

/* ---- whoami ---- */

static const char whoami_help[] =
    "Usage: amplecall whoami [--json] [OPTIONS]\n"
    "\n"
    "Check the API key against the API and show who calls are logged as: the configured\n"
    "user (a UUID or an email, resolved through GET /users), the API host, the profile and\n"
    "where the key came from (the key itself is never shown).\n"
    "\n"
    "  --json              print the result as a JSON object\n" SETTINGS_FLAGS_HELP;

int cmd_whoami(int argc, char **argv)
{
    struct cmd_ctx c;
    struct list_args a = {0};
    struct api_result res;
    struct user_list l = {0};
    const struct user *me = NULL;
    enum users_match m = USERS_MATCH_NONE;
    const char *u;
    bool is_done = false;
    int rc;

    cmd_ctx_init(&c, "whoami");
    api_result_init(&res);
    rc = only_common_args(&c, argc, argv, &a);
    if (!rc)
        rc = begin(&c, &a, whoami_help, &is_done);
    if (rc || is_done)
        goto out;
    u = c.settings.user;
    /* One request either way: it proves the key, and finds the user when one is set. */
    if (!api_users(c.api, u && strchr(u, '@') ? u : NULL, &res, &l)) {
        rc = cmd_api_failure(&c, "the API did not accept the request", &res);
        goto out;
    }
    if (u && strchr(u, '@')) {
        /* the one user whose email equals it, whatever the server's filter returned */
        size_t found = 0;
        m = users_match_email(&l, u, &found);
        if (m == USERS_MATCH_FOUND)
            me = &l.v[found];
    }
    for (size_t i = 0; u && !strchr(u, '@') && i < l.n; i++) {
        if (l.v[i].id && !strcasecmp(l.v[i].id, u)) {
            me = &l.v[i];
            break;
        }
    }
    if (a.is_json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "base_url", cmd_json_str(c.settings.base_url));
        json_object_object_add(o, "profile", cmd_json_str(c.settings.profile));
        json_object_object_add(o, "key_source", cmd_json_str(c.settings.api_key_source));
        json_object_object_add(o, "key_accepted", json_object_new_boolean(1));
        json_object_object_add(o, "configured_user", cmd_json_str(u));
        json_object_object_add(o, "user", me && me->json ? json_tokener_parse(me->json) : NULL);
        cmd_print_json(stdout, o);
    } else {
        char *base = sanitize_line(c.settings.base_url);
        char *mask = settings_mask_key(c.settings.api_key);
        if (me) {
            char *name = sanitize_line(me->name ? me->name : "(no name)");
            char *email = sanitize_line(me->email);
            char *id = sanitize_line(me->id);
            char *role = sanitize_line(me->role);
            char *status = sanitize_line(me->status);
            printf("%s <%s>\n", name, email);
            printf("  user     %s\n", id);
            if (*role || *status)
                printf("  role     %s%s%s\n", role, *role && *status ? ", " : "", status);
            free(name);
            free(email);
            free(id);
            free(role);
            free(status);
        } else if (u && m == USERS_MATCH_SEVERAL) {
            char *su = sanitize_line(u);
            printf("The API key works, but several users of this account have the email %s;\n"
                   "configure the user's UUID instead.\n",
                   su);
            free(su);
        } else if (u) {
            char *su = sanitize_line(u);
            printf("The API key works, but no active user of this account is %s.\n", su);
            free(su);
        } else {
            printf("The API key works. No user is configured: set AMPLECALL_USER, 'user' in\n"
                   "the config file, or pass --user (see 'amplecall users').\n");
        }
        printf("  api      %s\n", base);
        sanitize_fprintf(stdout, "  profile  %s\n", c.settings.profile ? c.settings.profile : "(default)");
        printf("  key      %s, from %s\n", mask,
               c.settings.api_key_source ? c.settings.api_key_source : "?");
        free(base);
        free(mask);
    }
    rc = (u && !me) ? EXIT_INVALID : 0;
out:
    user_list_done(&l);
    api_result_done(&res);
    cmd_ctx_done(&c);
    return rc;
}
