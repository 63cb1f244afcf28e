/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CLI layer: `amplecall import FILE.csv`: one call per row, the same validation as `log`, a report
 * per row, and resumable: every row goes through the outbox under a key made from where it is
 * sent, whose import it is, which file and which row it is (see import_key), so a row already
 * logged by an earlier run of the same import is never sent again. Stops at the first
 * temporary or authentication failure; the rows not sent are sent by the next run. A row an
 * earlier run saw refused for a reason that is not a verdict on the call (a 404, a 405) is
 * queued again. --dry-run reports what a run would do and changes nothing. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "net/api.h"
#include "core/baseurl.h"
#include "core/buf.h"
#include "core/call.h"
#include "cli/cmdutil.h"
#include "cli/commands.h"
#include "core/csv.h"
#include "net/http.h"
#include "store/outbox.h"
#include "cli/resolve.h"
#include "core/sanitize.h"
#include "core/sha256.h"
#include "store/store.h"
#include "cli/exitmap.h"
#include "core/util.h"
#include "core/validate.h"

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
    "Resumable: each row is recorded in the local outbox under a key made from the API's\n"
    "base URL, the configured user, the file (its real path; for \"-\" the input's content)\n"
    "and the row's content with its occurrence among identical rows. Running the same import\n"
    "again sends only the rows that were not logged yet, also after fixing bad rows; the same\n"
    "row in another file, or sent to another base URL, is another call. A row refused before\n"
    "for a reason other than its content (HTTP 404, 405, ...; not 400 or 422) is tried again.\n"
    "The import stops at the first network, server or key failure; run it again to go on.\n"
    "\n"
    "  --dry-run           check every row (resolving names with GET requests only), send\n"
    "                      nothing, record nothing, and print per row what a run would do:\n"
    "                      send, retry (refused before: HTTP N), queued already (#ID),\n"
    "                      already sent (#ID), rejected before (#ID), or invalid: REASON\n"
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
    char *content;       /* owned hex SHA-256 of the row's canonical content */
    char *key;           /* owned external key */
    char *remote_id;     /* owned */
    long long local_id;  /* the stored call under key, 0 none */
    bool is_queued;      /* stored, and still pending, sending or unknown */
    long refused_status; /* stored as rejected with this HTTP status (not 400/422): retry */
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

static void to_hex(const unsigned char d[32], char hex[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

/* One named component of a hash: "name=<length>:<bytes>\n", so no two lists of components
 * hash the same text whatever bytes the values hold. */
static void hash_part(struct sha256 *h, const char *name, const char *v)
{
    char len[32];

    snprintf(len, sizeof(len), "=%zu:", strlen(v));
    sha256_update(h, name, strlen(name));
    sha256_update(h, len, strlen(len));
    sha256_update(h, v, strlen(v));
    sha256_update(h, "\n", 1);
}

static char *ascii_lower(const char *s)
{
    char *t = xstrdup(s);
    for (char *p = t; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return t;
}

/* A field's value as the key sees it: yes/no for booleans, a whole number without leading
 * zeros, ids and emails in lower case; anything else as written (trimmed). Owned. */
static char *canonical_value(enum field_id f, const char *v)
{
    if (field_is_bool(f) && call_parse_bool(v) >= 0)
        return xstrdup(call_parse_bool(v) ? "yes" : "no");
    if (f == FIELD_DURATION && *v && strspn(v, "0123456789") == strlen(v)) {
        while (v[0] == '0' && v[1])
            v++;
        return xstrdup(v);
    }
    if ((f == FIELD_TASK || f == FIELD_USER || f == FIELD_DISPOSITION) &&
        (validate_uuid(v) || (f == FIELD_USER && strchr(v, '@'))))
        return ascii_lower(v);
    return xstrdup(v);
}

/* Hex SHA-256 of a row's content: every field of the call (configured defaults applied,
 * names not resolved yet), canonical, in the fixed field order. Owned. */
static char *row_content_hash(const struct call *c)
{
    struct sha256 h;
    unsigned char d[32];
    char hex[65];

    sha256_init(&h);
    for (int f = 0; f < FIELD_COUNT; f++) {
        char *v = canonical_value((enum field_id)f, call_get(c, (enum field_id)f));
        hash_part(&h, field_json_name((enum field_id)f), v);
        free(v);
    }
    sha256_final(&h, d);
    to_hex(d, hex);
    return xstrdup(hex);
}


/* What every key of one run shares. */
struct key_scope {
    char *base; /* owned: baseurl_normalise */
    char *user; /* owned: the configured user's id (an email that does not resolve stays an
                   email, lower case); "" when none is configured */
    char *file; /* owned: "path:" + realpath(3), or "stdin:" + hex SHA-256 of the input */
};

static void key_scope_done(struct key_scope *k)
{
    free(k->base);
    free(k->user);
    free(k->file);
}

/* A row's external key: "import:" + hex SHA-256 over (each as a hash_part, so the
 * boundaries are unambiguous)
 *   - a version tag,
 *   - base: the normalised base URL (a test server's rows are not the real server's),
 *   - user: the configured user's id (whose import it is),
 *   - file: the file's identity, its real path, or for standard input the SHA-256 of the
 *     whole input (Tuesday's file is not Monday's, even with the same rows),
 *   - row: the hash of the row's canonical content (row_content_hash), and
 *   - occurrence: 1 for the first row of the file with that content, 2 for the next, ...
 *     (two identical rows in one file are two calls).
 * The content is taken before names are resolved, because logging a row can change what a
 * name resolves to (a completed task leaves the list); so a rerun of the same file finds the
 * same keys, which is what makes it resume. Owned. */
static char *import_key(const struct key_scope *k, const char *content, int occurrence)
{
    struct sha256 h;
    unsigned char d[32];
    char hex[65], occ[16];

    snprintf(occ, sizeof(occ), "%d", occurrence);
    sha256_init(&h);
    hash_part(&h, "amplecall-import-key", "2");
    hash_part(&h, "base", k->base);
    hash_part(&h, "user", k->user);
    hash_part(&h, "file", k->file);
    hash_part(&h, "row", content);
    hash_part(&h, "occurrence", occ);
    sha256_final(&h, d);
    to_hex(d, hex);
    return xasprintf("import:%s", hex);
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

/* A row's problems, one line each, as a JSON array (owned). */
static json_object *problems_json(const struct row *r)
{
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
    return probs;
}

static void report_row(const struct row *r, bool is_json, json_object *arr)
{
    if (is_json) {
        json_object *o = json_object_new_object();
        json_object *probs = problems_json(r);
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
                sanitize_fprintf(stdout, "    %.*s\n", (int)n, p);
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
        rc = exit_for_outbox(os, &res);
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

/* Whether a rejection was a verdict on the call itself (its fields), which a rerun must not
 * override; anything else (404 from a wrong base path, 405, ...) is worth another try. */
static bool is_verdict_on_the_call(long status)
{
    return status == 400 || status == 422;
}

/* What the store holds under each valid row's key: sent -> ROW_ALREADY; rejected as invalid
 * -> ROW_REJECTED; rejected otherwise -> refused_status (to be queued again); pending,
 * sending or unknown -> is_queued. st NULL (a dry run with no store yet): nothing stored.
 * 0, or an exit code after printing a store failure. */
static int look_up_stored_rows(struct cmd_ctx *c, struct store *st, struct row *rows,
                               size_t nrows)
{
    char *err = NULL;

    for (size_t i = 0; st && i < nrows; i++) {
        struct row *r = &rows[i];
        struct store_row sr;
        long long id = 0;
        int got;

        if (r->state != ROW_VALID)
            continue;
        got = store_id_for_key(st, r->key, &id, &err);
        store_row_init(&sr);
        if (got == 1)
            got = store_get(st, id, &sr, &err);
        if (got < 0) {
            cmd_error(c, "cannot read the local store: %s", err);
            free(err);
            store_row_done(&sr);
            return EXIT_INTERNAL;
        }
        if (got == 1) {
            r->local_id = id;
            if (sr.state == STORE_SENT) {
                r->state = ROW_ALREADY;
                r->remote_id = xstrdup(sr.remote_id);
            } else if (sr.state == STORE_REJECTED && is_verdict_on_the_call(sr.last_status)) {
                char *m =
                    sanitize_line(sr.last_error ? sr.last_error : "see 'amplecall history'");
                r->state = ROW_REJECTED;
                buf_printf(&r->problems, "rejected by an earlier run: %s\n", m);
                free(m);
            } else if (sr.state == STORE_REJECTED) {
                r->refused_status = sr.last_status;
            } else {
                r->is_queued = true;
            }
        }
        store_row_done(&sr);
    }
    return 0;
}

/* The store for a dry run: none when there is no database yet (a dry run creates nothing).
 * 0 with *st (NULL when absent), or an exit code after printing why. */
static int open_store(struct cmd_ctx *c, bool is_dry_run, struct store **st)
{
    char *err = NULL, *path;
    struct stat sb;

    *st = NULL;
    if (is_dry_run) {
        path = store_default_path(&err);
        if (!path) {
            cmd_error(c, "cannot open the local store: %s", err);
            free(err);
            return EXIT_INTERNAL;
        }
        if (stat(path, &sb) != 0 && errno == ENOENT) {
            free(path);
            return 0;
        }
        free(path);
    }
    *st = store_open(NULL, &err);
    if (!*st) {
        cmd_error(c, "cannot open the local store: %s", err);
        free(err);
        return EXIT_INTERNAL;
    }
    return 0;
}

/* The problems of a row on one line, "; " between them, sanitised once more. Owned. */
static char *problems_line(const struct row *r)
{
    struct buf b;
    const char *p = buf_str(&r->problems);
    char *out;

    buf_init(&b, 256 * 1024);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *one = xstrndup(p, n), *safe = sanitize_line(one);
        buf_printf(&b, "%s%s", b.len ? "; " : "", safe);
        free(one);
        free(safe);
        p += n + (nl ? 1 : 0);
    }
    out = xstrdup(buf_str(&b));
    buf_done(&b);
    return out;
}

/* What a dry run reports for a row. */
enum dry_verdict { DRY_SEND, DRY_RETRY, DRY_QUEUED, DRY_ALREADY, DRY_REJECTED, DRY_INVALID };

static const char *const dry_verdict_names[] = {
    "send", "retry", "queued", "already_logged", "rejected", "invalid",
};

static enum dry_verdict dry_verdict_of(const struct row *r)
{
    switch (r->state) {
    case ROW_ALREADY:
        return DRY_ALREADY;
    case ROW_REJECTED:
        return DRY_REJECTED;
    case ROW_VALID:
        return r->refused_status ? DRY_RETRY : r->is_queued ? DRY_QUEUED : DRY_SEND;
    default:
        return DRY_INVALID;
    }
}

static void report_dry_row(const struct row *r, bool is_json, json_object *arr)
{
    enum dry_verdict v = dry_verdict_of(r);
    char *why;

    if (is_json) {
        json_object *o = json_object_new_object();
        json_object *probs = problems_json(r);
        json_object_object_add(o, "row", json_object_new_int(r->number));
        json_object_object_add(o, "line", json_object_new_int(r->line));
        json_object_object_add(o, "status", json_object_new_string(dry_verdict_names[v]));
        json_object_object_add(o, "local_id", r->local_id ? json_object_new_int64(r->local_id)
                                                          : NULL);
        json_object_object_add(o, "id", cmd_json_str(r->remote_id));
        json_object_object_add(o, "refused_status",
                               r->refused_status ? json_object_new_int64(r->refused_status)
                                                 : NULL);
        json_object_object_add(o, "problems", probs);
        json_object_array_add(arr, o);
        return;
    }
    switch (v) {
    case DRY_SEND:
        printf("row %d: send\n", r->number);
        break;
    case DRY_RETRY:
        printf("row %d: retry (refused before: HTTP %ld)\n", r->number, r->refused_status);
        break;
    case DRY_QUEUED:
        printf("row %d: queued already (#%lld)\n", r->number, r->local_id);
        break;
    case DRY_ALREADY:
        printf("row %d: already sent (#%lld)\n", r->number, r->local_id);
        break;
    case DRY_REJECTED:
        why = problems_line(r);
        printf("row %d: rejected before (#%lld): %s\n", r->number, r->local_id, why);
        free(why);
        break;
    case DRY_INVALID:
        why = problems_line(r);
        printf("row %d: invalid: %s\n", r->number, why);
        free(why);
        break;
    }
}

/* The configured user's id for the key; an email is looked up once (and remembered for the
 * rows). 0, or an exit code when the look-up failed for a reason other than "no such user". */
static int key_user(struct cmd_ctx *c, struct lookups *lk, char **out)
{
    const char *u = c->settings.user;
    char *uuid = NULL, *err = NULL, *t;
    enum resolve_status st;

    if (!u || !*u) {
        *out = xstrdup("");
        return 0;
    }
    t = str_trim(u);
    if (!strchr(t, '@')) {
        *out = ascii_lower(t);
        free(t);
        return 0;
    }
    st = resolve_user_st(c->api, t, &uuid, &err);
    if (st == RESOLVE_AUTH_FAILED || st == RESOLVE_TEMP_FAILED || st == RESOLVE_FAILED) {
        cmd_error(c, "%s", err);
        free(err);
        free(t);
        return resolve_exit_code(st);
    }
    free(err);
    if (uuid) {
        lk->emails = xrealloc(lk->emails, (lk->n_users + 1) * sizeof(*lk->emails));
        lk->uuids = xrealloc(lk->uuids, (lk->n_users + 1) * sizeof(*lk->uuids));
        lk->emails[lk->n_users] = xstrdup(t);
        lk->uuids[lk->n_users] = xstrdup(uuid);
        lk->n_users++;
    }
    *out = uuid ? ascii_lower(uuid) : ascii_lower(t);
    free(uuid);
    free(t);
    return 0;
}

/* The file's identity for the key. 0, or an exit code after printing why. */
static int key_file(struct cmd_ctx *c, const char *path, const char *text, size_t len,
                    char **out)
{
    char hex[65], *real;

    if (!strcmp(path, "-")) {
        sha256_hex(text, len, hex);
        *out = xasprintf("stdin:%s", hex);
        return 0;
    }
    real = realpath(path, NULL);
    if (!real) {
        char *sp = sanitize_line(path);
        cmd_error(c, "cannot resolve the path of %s: %s", sp, strerror(errno));
        free(sp);
        return EXIT_USAGE;
    }
    *out = xasprintf("path:%s", real);
    free(real);
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
    struct key_scope scope = {0};
    json_object *report = NULL;
    const char *path = NULL;
    bool is_json = false, is_dry_run = false, is_help = false, has_col[FIELD_COUNT] = {0};
    char *text = NULL, *err = NULL;
    size_t text_len = 0;
    int rc = 0, stop_rc = 0, counts[ROW_NOT_SENT + 1] = {0}, dry_counts[DRY_INVALID + 1] = {0};

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
    scope.base = baseurl_normalise(http_client_base_url(api_http(c.api)));
    rc = key_file(&c, path, text, text_len, &scope.file);
    if (!rc)
        rc = key_user(&c, &lk, &scope.user);
    if (rc)
        goto out;

    /* every row as written (plus configured defaults), keyed by import_key; the key is taken
     * before names are resolved, because logging a row can change what a name resolves to
     * (a completed task leaves the list) */
    nrows = csv.n - 1;
    rows = xcalloc(nrows ? nrows : 1, sizeof(*rows));
    for (size_t i = 0; i < nrows; i++) {
        const struct csv_record *rec = &csv.v[i + 1];
        struct row *r = &rows[i];
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
        r->content = row_content_hash(&r->call);
        for (size_t j = 0; j < i; j++)
            if (rows[j].content && !strcmp(rows[j].content, r->content))
                occurrence++;
        r->key = import_key(&scope, r->content, occurrence);
        r->state = ROW_VALID;
    }

    /* rows an earlier run finished are reported from the store, not checked again */
    rc = open_store(&c, is_dry_run, &st);
    if (!rc)
        rc = look_up_stored_rows(&c, st, rows, nrows);
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
            /* refused before, not for its content: queued again (0: someone else did, or
             * it changed meanwhile; send_row sees what it is now) */
            if (rows[i].refused_status &&
                store_requeue(st, rows[i].local_id, store_now_ms(), &err) < 0) {
                cmd_error(&c, "cannot queue row %d again: %s", rows[i].number, err);
                free(err);
                err = NULL;
                stop_rc = EXIT_INTERNAL;
                rows[i].state = ROW_NOT_SENT;
                continue;
            }
            stop_rc = send_row(&c, st, ob, &rows[i]);
        }
    }

    report = is_json ? json_object_new_array() : NULL;
    for (size_t i = 0; i < nrows; i++) {
        counts[rows[i].state]++;
        if (is_dry_run) {
            dry_counts[dry_verdict_of(&rows[i])]++;
            report_dry_row(&rows[i], is_json, report);
        } else {
            report_row(&rows[i], is_json, report);
        }
    }
    if (is_json) {
        cmd_print_json(stdout, report);
        report = NULL;
    } else if (is_dry_run) {
        printf("%zu row%s (dry run, nothing sent): %d to send, %d to retry, %d queued already, "
               "%d already sent, %d rejected, %d invalid\n",
               nrows, nrows == 1 ? "" : "s", dry_counts[DRY_SEND], dry_counts[DRY_RETRY],
               dry_counts[DRY_QUEUED], dry_counts[DRY_ALREADY], dry_counts[DRY_REJECTED],
               dry_counts[DRY_INVALID]);
    } else {
        printf("%zu row%s: %d logged, %d already logged, %d invalid, %d rejected", nrows,
               nrows == 1 ? "" : "s", counts[ROW_LOGGED], counts[ROW_ALREADY], counts[ROW_INVALID],
               counts[ROW_REJECTED]);
        if (counts[ROW_PENDING] || counts[ROW_NOT_SENT])
            printf(", %d not logged yet", counts[ROW_PENDING] + counts[ROW_NOT_SENT]);
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
        free(rows[i].content);
        free(rows[i].key);
        free(rows[i].remote_id);
    }
    free(rows);
    free(cols);
    lookups_done(&lk);
    key_scope_done(&scope);
    csv_table_done(&csv);
    free(text);
    free(err);
    cmd_ctx_done(&c);
    return rc;
}
