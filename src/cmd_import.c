/* `amplecall import FILE.csv`: one call per row, the same validation as `log`, a report per
 * row, and resumable: every row goes through the outbox under a key made from its content, so
 * a row already logged by an earlier run is never sent again. Stops at the first temporary
 * or authentication failure; the rows not sent are sent by the next run. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "api.h"
#include "buf.h"
#include "call.h"
#include "cmdutil.h"
#include "commands.h"
#include "csv.h"
#include "outbox.h"
#include "resolve.h"
#include "sanitize.h"
#include "sha256.h"
#include "store.h"
#include "util.h"
#include "validate.h"

#define IMPORT_MAX_BYTES (16 * 1024 * 1024)

static const char import_help[] =
    "Usage: amplecall import [--dry-run] [--json] [OPTIONS] FILE.csv\n"
    "\n"
    "Log one call per row of a CSV file (\"-\" reads standard input). The header row names\n"
    "the columns: from, to, duration, answered, human, task, user, disposition,\n"
    "transcription, recording_url (task_id, user_id, disposition_id are accepted too).\n"
    "Tasks and dispositions may be given by name or unique prefix, users by email; an empty\n"
    "from or user cell uses the configured default. Every row is checked like 'amplecall\n"
    "log'; rows with problems are reported and not sent.\n"
    "\n"
    "Resumable: each row is recorded in the local outbox under a key made from its content\n"
    "(and its occurrence, for identical rows), so running the same import again sends only\n"
    "the rows that were not logged yet, also after fixing bad rows. The import stops at the\n"
    "first network, server or key failure; run it again to go on.\n"
    "\n"
    "  --dry-run           check every row (resolving names) but send nothing\n"
    "  --json              print the per-row report as a JSON array\n" SETTINGS_FLAGS_HELP "\n"
    "Exit status: 0 every row logged (now or before), 65 some row invalid or rejected,\n"
    "75 stopped by a temporary failure, 77 key rejected, 64 usage, 78 configuration.\n";

enum row_state {
    ROW_INVALID,  /* failed the checks; not sent */
    ROW_VALID,    /* checked; not sent yet */
    ROW_LOGGED,   /* sent now and accepted */
    ROW_ALREADY,  /* logged by an earlier run */
    ROW_REJECTED, /* the API rejected it */
    ROW_PENDING,  /* a temporary failure: kept in the outbox */
    ROW_NOT_SENT, /* after a stop: not tried */
};

static const char *const row_state_names[] = {
    "invalid", "valid", "logged", "already_logged", "rejected", "pending", "not_sent",
};

struct row {
    int number; /* data row, from 1 */
    int line;   /* line in the file */
    struct call call;
    enum row_state state;
    char *key;           /* owned external key */
    char *remote_id;     /* owned */
    struct buf problems; /* one line per problem */
};

/* Column header -> field; accepts the JSON names and the short forms without "_id". */
static enum field_id column_field(const char *name)
{
    char *t = str_trim(name);
    enum field_id f;

    for (char *p = t; *p; p++) {
        if (*p == ' ' || *p == '-')
            *p = '_';
        else if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    }
    if (!strcmp(t, "task"))
        f = FIELD_TASK;
    else if (!strcmp(t, "user"))
        f = FIELD_USER;
    else if (!strcmp(t, "disposition"))
        f = FIELD_DISPOSITION;
    else
        f = field_from_json_name(t);
    free(t);
    return f;
}

/* Hex SHA-256 of a resolved call's fields: the same row gives the same hash in every run.
 * Owned. */
static char *row_hash(const struct call *c)
{
    struct sha256 h;
    unsigned char d[32];
    char hex[65];

    sha256_init(&h);
    for (int f = 0; f < FIELD_COUNT; f++) {
        const char *name = field_json_name((enum field_id)f);
        const char *v = call_get(c, (enum field_id)f);
        sha256_update(&h, name, strlen(name) + 1);
        sha256_update(&h, v, strlen(v) + 1);
    }
    sha256_final(&h, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return xstrdup(hex);
}

/* Whether a problem line for field f was recorded already. */
static bool has_problem(const struct row *r, enum field_id f)
{
    const char *p = buf_str(&r->problems);
    size_t n = strlen(field_json_name(f));

    while (*p) {
        if (!strncmp(p, field_json_name(f), n) && p[n] == ':')
            return true;
        p = strchr(p, '\n');
        if (!p)
            break;
        p++;
    }
    return false;
}

/* Lists loaded at most once per run for name resolution. */
struct lookups {
    struct disposition_list dispositions;
    bool has_dispositions;
    char *tasks_user; /* owned: whose tasks are loaded */
    struct task_list tasks;
    bool has_tasks;
    char **emails, **uuids; /* resolved user emails */
    size_t n_users;
};

static void lookups_done(struct lookups *l)
{
    disposition_list_done(&l->dispositions);
    task_list_done(&l->tasks);
    free(l->tasks_user);
    for (size_t i = 0; i < l->n_users; i++) {
        free(l->emails[i]);
        free(l->uuids[i]);
    }
    free(l->emails);
    free(l->uuids);
}

/* A failed list request stops the import: returns its exit code (0 = fine) after printing. */
static int load_failure(struct cmd_ctx *c, const char *what, struct api_result *res)
{
    return cmd_api_failure(c, what, res);
}

/* Resolve user, task and disposition of r in place. 0, or an exit code when a list request
 * failed (then the import stops); a name that does not resolve is a row problem. */
static int resolve_row(struct cmd_ctx *c, struct lookups *lk, struct row *r)
{
    const char *user = call_get(&r->call, FIELD_USER);
    const char *task = call_get(&r->call, FIELD_TASK);
    const char *dispo = call_get(&r->call, FIELD_DISPOSITION);
    char *uuid = NULL, *err = NULL;
    enum resolve_status st;
    int rc = 0;

    if (*user && !validate_uuid(user) && strchr(user, '@')) {
        size_t i;
        for (i = 0; i < lk->n_users; i++)
            if (!strcasecmp(lk->emails[i], user))
                break;
        if (i == lk->n_users) {
            st = resolve_user_st(c->api, user, &uuid, &err);
            if (st == RESOLVE_AUTH_FAILED || st == RESOLVE_TEMP_FAILED || st == RESOLVE_FAILED) {
                cmd_error(c, "%s", err);
                free(err);
                return resolve_exit_code(st);
            }
            lk->emails = xrealloc(lk->emails, (lk->n_users + 1) * sizeof(*lk->emails));
            lk->uuids = xrealloc(lk->uuids, (lk->n_users + 1) * sizeof(*lk->uuids));
            lk->emails[lk->n_users] = xstrdup(user);
            lk->uuids[lk->n_users] = uuid; /* NULL: no such user */
            lk->n_users++;
            if (!uuid) {
                buf_printf(&r->problems, "user_id: %s\n", err);
                free(err);
                return 0;
            }
            free(err);
            err = NULL;
        }
        if (!lk->uuids[i]) {
            char *su = sanitize_line(user);
            buf_printf(&r->problems, "user_id: no Amplemarket user has the email %s\n", su);
            free(su);
            return 0;
        }
        call_set(&r->call, FIELD_USER, lk->uuids[i]);
        user = call_get(&r->call, FIELD_USER);
    }
    if (*dispo && !validate_uuid(dispo)) {
        if (!lk->has_dispositions) {
            struct api_result res;
            api_result_init(&res);
            if (!api_dispositions(c->api, &res, &lk->dispositions)) {
                rc = load_failure(c, "cannot list dispositions", &res);
                api_result_done(&res);
                return rc;
            }
            api_result_done(&res);
            lk->has_dispositions = true;
        }
        if (resolve_disposition_in(&lk->dispositions, dispo, &uuid, &err) == RESOLVE_FOUND) {
            call_set(&r->call, FIELD_DISPOSITION, uuid);
        } else {
            buf_printf(&r->problems, "disposition_id: %s\n", err);
        }
        free(uuid);
        free(err);
        uuid = err = NULL;
    }
    if (*task && !validate_uuid(task)) {
        if (!validate_uuid(user)) {
            buf_printf(&r->problems, "task_id: a task given by name needs the row's user\n");
            return 0;
        }
        if (!lk->has_tasks || strcmp(lk->tasks_user, user)) {
            struct api_result res;
            struct tasks_query q = {.user_id = user, .type = "phone_call", .status = "scheduled"};
            task_list_done(&lk->tasks);
            api_result_init(&res);
            if (!api_tasks(c->api, &q, &res, &lk->tasks)) {
                rc = load_failure(c, "cannot list tasks", &res);
                api_result_done(&res);
                lk->has_tasks = false;
                return rc;
            }
            api_result_done(&res);
            str_set(&lk->tasks_user, user);
            lk->has_tasks = true;
        }
        if (resolve_task_in(&lk->tasks, task, &uuid, &err) == RESOLVE_FOUND)
            call_set(&r->call, FIELD_TASK, uuid);
        else
            buf_printf(&r->problems, "task_id: %s\n", err);
        free(uuid);
        free(err);
    }
    return 0;
}

static void report_row(const struct row *r, bool is_json, json_object *arr)
{
    if (is_json) {
        json_object *o = json_object_new_object();
        json_object *probs = json_object_new_array();
        const char *p = buf_str(&r->problems);
        while (*p) {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) : strlen(p);
            char *one = xstrndup(p, n);
            json_object_array_add(probs, json_object_new_string(one));
            free(one);
            p += n + (nl ? 1 : 0);
        }
        json_object_object_add(o, "row", json_object_new_int(r->number));
        json_object_object_add(o, "line", json_object_new_int(r->line));
        json_object_object_add(o, "status", json_object_new_string(row_state_names[r->state]));
        json_object_object_add(o, "id", cmd_json_str(r->remote_id));
        json_object_object_add(o, "problems", probs);
        json_object_array_add(arr, o);
        return;
    }
    {
        char *id = sanitize_line(r->remote_id);
        const char *p = buf_str(&r->problems);
        switch (r->state) {
        case ROW_LOGGED:
            printf("row %d (line %d): logged %s\n", r->number, r->line, id);
            break;
        case ROW_ALREADY:
            printf("row %d (line %d): already logged %s, skipped\n", r->number, r->line, id);
            break;
        case ROW_VALID:
            printf("row %d (line %d): ok\n", r->number, r->line);
            break;
        case ROW_NOT_SENT:
            printf("row %d (line %d): not sent\n", r->number, r->line);
            break;
        case ROW_PENDING:
        case ROW_INVALID:
        case ROW_REJECTED:
            printf("row %d (line %d): %s\n", r->number, r->line,
                   r->state == ROW_INVALID    ? "invalid, not sent"
                   : r->state == ROW_REJECTED ? "rejected by the API"
                                              : "not logged yet, kept in the outbox");
            while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                printf("    %.*s\n", (int)n, p);
                p += n + (nl ? 1 : 0);
            }
            break;
        }
        free(id);
    }
}

static void add_api_problems(struct row *r, const struct api_result *res)
{
    if (res->errors.n == 0) {
        char *m = sanitize_line(res->message ? res->message : "request failed");
        buf_printf(&r->problems, "%s\n", m);
        free(m);
    }
    for (size_t i = 0; i < res->errors.n; i++) {
        const struct api_error *e = &res->errors.v[i];
        char *m = apierr_message(e);
        char *sm = sanitize_line(m);
        if (e->field != FIELD_NONE)
            buf_printf(&r->problems, "%s: %s\n", field_json_name(e->field), sm);
        else
            buf_printf(&r->problems, "%s\n", sm);
        free(m);
        free(sm);
    }
}

/* Send one valid row through the outbox. Returns 0 to go on, or an exit code to stop. */
static int send_row(struct cmd_ctx *c, struct store *st, struct outbox *ob, struct row *r)
{
    struct store_new n = {.call = &r->call,
                          .api_base = http_client_base_url(api_http(c->api)),
                          .external_key = r->key};
    struct api_result res;
    struct call_record rec;
    enum outbox_status os;
    long long id = 0;
    bool is_new = false;
    char *err = NULL;
    int rc = 0;

    if (!store_enqueue(st, &n, store_now_ms(), &id, &is_new, &err)) {
        cmd_error(c, "cannot record row %d in the outbox: %s", r->number, err);
        free(err);
        return EXIT_INTERNAL;
    }
    if (!is_new) {
        struct store_row sr;
        int got;
        store_row_init(&sr);
        got = store_get(st, id, &sr, &err);
        if (got < 0) {
            cmd_error(c, "cannot read the outbox: %s", err);
            free(err);
            store_row_done(&sr);
            return EXIT_INTERNAL;
        }
        if (got == 1 && sr.state == STORE_SENT) {
            r->state = ROW_ALREADY;
            r->remote_id = xstrdup(sr.remote_id);
            store_row_done(&sr);
            return 0;
        }
        if (got == 1 && sr.state == STORE_REJECTED) {
            r->state = ROW_REJECTED;
            buf_printf(&r->problems, "rejected by an earlier run: %s\n",
                       sr.last_error ? sr.last_error : "see 'amplecall history'");
            store_row_done(&sr);
            return 0;
        }
        store_row_done(&sr);
    }
    api_result_init(&res);
    memset(&rec, 0, sizeof(rec));
    os = outbox_retry(ob, id, &res, &rec, &err);
    switch (os) {
    case OUTBOX_SENT:
        r->state = ROW_LOGGED;
        r->remote_id = xstrdup(rec.id);
        if (!r->remote_id) {
            /* found by a lookup: the id is in the store */
            struct store_row sr;
            store_row_init(&sr);
            if (store_get(st, id, &sr, NULL) == 1)
                r->remote_id = xstrdup(sr.remote_id);
            store_row_done(&sr);
        }
        break;
    case OUTBOX_REJECTED:
        r->state = ROW_REJECTED;
        add_api_problems(r, &res);
        break;
    case OUTBOX_BUSY:
        r->state = ROW_PENDING;
        buf_printf(&r->problems, "another amplecall process is sending it right now\n");
        break;
    case OUTBOX_NOT_DUE:
        r->state = ROW_PENDING;
        buf_printf(&r->problems, "waiting for the server's Retry-After\n");
        rc = EXIT_TEMPFAIL;
        break;
    case OUTBOX_PENDING:
    case OUTBOX_UNKNOWN:
    case OUTBOX_REVIEW:
        r->state = ROW_PENDING;
        add_api_problems(r, &res);
        rc = res.outcome == HTTP_OUT_AUTH ? EXIT_AUTH : EXIT_TEMPFAIL;
        break;
    case OUTBOX_ERROR:
        cmd_error(c, "outbox: %s", err ? err : "store failure");
        rc = EXIT_INTERNAL;
        break;
    }
    free(err);
    call_record_done(&rec);
    api_result_done(&res);
    return rc;
}

/* Rows whose key the store holds as sent or rejected: ROW_ALREADY / ROW_REJECTED. 0, or an
 * exit code after printing a store failure. */
static int mark_finished_rows(struct cmd_ctx *c, struct store *st, struct row *rows, size_t nrows)
{
    struct store_rows all = {0};
    char *err = NULL;

    if (!store_list(st, false, 0, &all, &err)) {
        cmd_error(c, "cannot read the local store: %s", err);
        free(err);
        return EXIT_INTERNAL;
    }
    for (size_t i = 0; i < all.n; i++) {
        const struct store_row *sr = &all.v[i];
        if (!sr->external_key || strncmp(sr->external_key, "import:", 7))
            continue;
        if (sr->state != STORE_SENT && sr->state != STORE_REJECTED)
            continue;
        for (size_t j = 0; j < nrows; j++) {
            struct row *r = &rows[j];
            if (r->state != ROW_VALID || strcmp(r->key, sr->external_key))
                continue;
            if (sr->state == STORE_SENT) {
                r->state = ROW_ALREADY;
                r->remote_id = xstrdup(sr->remote_id);
            } else {
                char *m =
                    sanitize_line(sr->last_error ? sr->last_error : "see 'amplecall history'");
                r->state = ROW_REJECTED;
                buf_printf(&r->problems, "rejected by an earlier run: %s\n", m);
                free(m);
            }
        }
    }
    store_rows_done(&all);
    return 0;
}

int cmd_import(int argc, char **argv)
{
    struct cmd_ctx c;
    struct settings_flags flags = {0};
    struct csv_table csv = {0};
    struct lookups lk = {0};
    enum field_id *cols = NULL;
    struct row *rows = NULL;
    size_t nrows = 0, ncols = 0;
    struct store *st = NULL;
    struct outbox *ob = NULL;
    json_object *report = NULL;
    const char *path = NULL;
    bool is_json = false, is_dry_run = false, is_help = false, has_col[FIELD_COUNT] = {0};
    char *text = NULL, *err = NULL;
    size_t text_len = 0;
    int rc = 0, stop_rc = 0, counts[ROW_NOT_SENT + 1] = {0};

    cmd_ctx_init(&c, "import");
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
        else if (!strcmp(argv[i], "--dry-run"))
            is_dry_run = true;
        else if (!path && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
            path = argv[i];
        else {
            rc = cmd_bad_arg(&c, argv[i]);
            goto out;
        }
    }
    if (is_help) {
        fputs(import_help, stdout);
        goto out;
    }
    if (!path) {
        cmd_error(&c, "which file? usage: amplecall import FILE.csv (see --help)");
        rc = EXIT_USAGE;
        goto out;
    }
    text = buf_read_file(path, IMPORT_MAX_BYTES, &text_len, &err);
    if (!text) {
        cmd_error(&c, "%s", err);
        rc = EXIT_USAGE;
        goto out;
    }
    if (!csv_parse(text, text_len, &csv, &err)) {
        char *sp = sanitize_line(path);
        cmd_error(&c, "%s: %s", sp, err);
        free(sp);
        rc = EXIT_INVALID;
        goto out;
    }
    if (csv.n == 0) {
        cmd_error(&c, "the file is empty; the first row must name the columns");
        rc = EXIT_INVALID;
        goto out;
    }
    /* the header: every column must be a call field, each at most once */
    ncols = csv.v[0].n;
    cols = xcalloc(ncols, sizeof(*cols));
    for (size_t j = 0; j < ncols; j++) {
        cols[j] = column_field(csv.v[0].fields[j]);
        if (cols[j] == FIELD_NONE || has_col[cols[j]]) {
            char *name = sanitize_line(csv.v[0].fields[j]);
            cmd_error(&c, "column %zu \"%s\" %s", j + 1, name,
                      cols[j] == FIELD_NONE
                          ? "is not a call field (from, to, duration, answered, human, task, "
                            "user, disposition, transcription, recording_url)"
                          : "appears twice");
            free(name);
            rc = EXIT_INVALID;
            goto out;
        }
        has_col[cols[j]] = true;
    }
    rc = cmd_ctx_load(&c, &flags);
    if (rc)
        goto out;
    for (int f = 0; f < FIELD_COUNT; f++) {
        bool has_default = (f == FIELD_FROM && c.settings.default_from) ||
                           (f == FIELD_USER && (flags.user || c.settings.user));
        if (field_is_required((enum field_id)f) && !has_col[f] && !has_default) {
            cmd_error(&c, "no \"%s\" column, and the field is required", field_json_name(f));
            rc = EXIT_INVALID;
            goto out;
        }
    }
    rc = cmd_ctx_connect(&c);
    if (rc)
        goto out;

    /* every row as written (plus configured defaults), keyed by its content and its
     * occurrence among identical rows; the key is taken before names are resolved, because
     * logging a row can change what a name resolves to (a completed task leaves the list) */
    nrows = csv.n - 1;
    rows = xcalloc(nrows ? nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < nrows; i++) {
        const struct csv_record *rec = &csv.v[i + 1];
        struct row *r = &rows[i];
        char *hash;
        int occurrence = 1;

        r->number = (int)i + 1;
        r->line = rec->line;
        call_init(&r->call);
        buf_init(&r->problems, 64 * 1024);
        if (rec->n != ncols) {
            buf_printf(&r->problems, "has %zu fields; the header has %zu\n", rec->n, ncols);
            r->state = ROW_INVALID;
            continue;
        }
        for (size_t j = 0; j < ncols; j++) {
            char *v = str_trim(rec->fields[j]);
            if (*v)
                call_set(&r->call, cols[j], v);
            free(v);
        }
        if (!*call_get(&r->call, FIELD_FROM) && c.settings.default_from)
            call_set(&r->call, FIELD_FROM, c.settings.default_from);
        if (!*call_get(&r->call, FIELD_USER) && c.settings.user)
            call_set(&r->call, FIELD_USER, c.settings.user);
        hash = row_hash(&r->call);
        for (size_t j = 0; j < i; j++)
            if (rows[j].key && !strncmp(rows[j].key + 7, hash, 64))
                occurrence++;
        r->key = xasprintf("import:%s:%d", hash, occurrence);
        free(hash);
        r->state = ROW_VALID;
    }

    /* rows an earlier run finished are reported from the store, not checked again */
    st = store_open(NULL, &err);
    if (!st) {
        cmd_error(&c, "cannot open the local store: %s", err);
        rc = EXIT_INTERNAL;
        goto out;
    }
    rc = mark_finished_rows(&c, st, rows, nrows);
    if (rc)
        goto out;

    /* check every remaining row before sending any */
    for (size_t i = 0; i < nrows; i++) {
        struct row *r = &rows[i];
        struct field_errors fe;

        if (r->state != ROW_VALID)
            continue;
        /* names in bad UTF-8 are not looked up: validate_call reports them below */
        if (validate_call_is_utf8(&r->call)) {
            rc = resolve_row(&c, &lk, r);
            if (rc)
                goto out;
        }
        field_errors_init(&fe);
        validate_call(&r->call, &fe);
        for (size_t k = 0; k < fe.n; k++) {
            enum field_id f = fe.v[k].field;
            /* a name that did not resolve is already reported, with the reason */
            if (!has_problem(r, f))
                buf_printf(&r->problems, "%s: %s\n", field_json_name(f), fe.v[k].message);
        }
        field_errors_done(&fe);
        r->state = r->problems.len ? ROW_INVALID : ROW_VALID;
    }

    if (!is_dry_run) {
        ob = outbox_new(st, c.api, NULL);
        for (size_t i = 0; i < nrows; i++) {
            if (rows[i].state != ROW_VALID)
                continue;
            if (stop_rc) {
                rows[i].state = ROW_NOT_SENT;
                continue;
            }
            stop_rc = send_row(&c, st, ob, &rows[i]);
        }
    }

    report = is_json ? json_object_new_array() : NULL;
    for (size_t i = 0; i < nrows; i++) {
        counts[rows[i].state]++;
        report_row(&rows[i], is_json, report);
    }
    if (is_json) {
        cmd_print_json(stdout, report);
        report = NULL;
    } else {
        printf("%zu row%s: %d logged, %d already logged, %d invalid, %d rejected", nrows,
               nrows == 1 ? "" : "s", counts[ROW_LOGGED], counts[ROW_ALREADY], counts[ROW_INVALID],
               counts[ROW_REJECTED]);
        if (counts[ROW_PENDING] || counts[ROW_NOT_SENT])
            printf(", %d not logged yet", counts[ROW_PENDING] + counts[ROW_NOT_SENT]);
        if (is_dry_run)
            printf(", %d ok (dry run: nothing sent)", counts[ROW_VALID]);
        printf("\n");
    }
    if (stop_rc) {
        cmd_error(&c, "stopped early; run the same import again to send the remaining rows");
        rc = stop_rc;
    } else if (counts[ROW_INVALID] || counts[ROW_REJECTED]) {
        rc = EXIT_INVALID;
    } else {
        rc = 0;
    }
out:
    if (report)
        json_object_put(report);
    outbox_free(ob);
    store_close(st);
    for (size_t i = 0; i < nrows; i++) {
        call_done(&rows[i].call);
        buf_done(&rows[i].problems);
        free(rows[i].key);
        free(rows[i].remote_id);
    }
    free(rows);
    free(cols);
    lookups_done(&lk);
    csv_table_done(&csv);
    free(text);
    free(err);
    cmd_ctx_done(&c);
    return rc;
}
