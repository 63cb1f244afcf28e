/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Seeded data and the API endpoints of the fake Amplemarket server: users, dispositions,
 * tasks, and the calls logged through POST /calls. Answers already-authenticated requests
 * only; auth, faults and the network live in fakeapi.c. */
#include "config.h"
#include "fake.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "fake_ids.h"
#include "core/util.h"

#define PAGE_SIZE_DEFAULT 20
#define PAGE_SIZE_MAX 100

/* Terminal attacks for --hostile: title set, colour, clear + home, clipboard write, a C1 CSI
 * (U+009B as UTF-8) with its parameters, a bare CR, then invalid UTF-8. */
#define HOSTILE                                                                                    \
    "\033]0;pwned\007\033[31m\033[2J\033[H\033]52;c;aGVsbG8=\007\xc2\x9b"                          \
    "1;1H\rover\xff\xfe\xc3("

struct task {
    char id[40];
    bool is_automatic;
    const char *type;
    const char *seeded_status;
    const char *status; /* current; a "complete" disposition sets "completed" */
    char due_on[24];
    char finished_on[24]; /* "" for null */
    const char *notes;    /* NULL for null */
    const char *seq_key;  /* NULL for null */
    const char *seq_name;
    const char *user_id;
    const char *user_email;
    bool has_contact;
    char contact_id[40];
    const char *contact_name; /* NULL for null */
    char contact_email[64];
};

struct user {
    const char *id, *name, *email, *status, *role, *mailbox_id;
};

struct dispo {
    const char *id, *name, *action;
};

struct call {
    json_object *obj; /* the call as returned by POST /calls */
    time_t start;
};

static const struct user users[] = {
    {FAKE_USER_ID, FAKE_USER_NAME, FAKE_USER_EMAIL, "active", "sales_rep",
     "0199f0a2-0b40-7e55-9f66-7a8b9c0d1e2f"},
    {FAKE_USER2_ID, "Łukasz Nowak", FAKE_USER2_EMAIL, "active", "manager",
     "0199f0a2-0b41-7e55-9f66-7a8b9c0d1e30"},
    {FAKE_USER3_ID, "Former Rep", FAKE_USER3_EMAIL, "inactive", "sales_rep",
     "0199f0a2-0b42-7e55-9f66-7a8b9c0d1e31"},
};

static struct dispo dispos[] = {
    {FAKE_DISPO_COMPLETE_ID, "Interested", "complete"},
    {FAKE_DISPO_NOT_INTERESTED_ID, "Not interested", "complete"},
    {FAKE_DISPO_NEXT_ID, "No answer", "next_stage"},
    {FAKE_DISPO_VOICEMAIL_ID, "Left voicemail", "next_stage"},
    {FAKE_DISPO_CALLBACK_ID, "Call back later", "next_stage"},
};

/* Contact names cycle through these: accented Latin, CJK, Hangul, Cyrillic, Greek, emoji
 * (with a ZWJ sequence and a variation selector), and a few plain ones. */
static const char *const contact_names[] = {
    "Pat Lee",       "José Álvarez",         "王小明",
    "佐藤 花子",     "Zoë Brontë 🚀",         "Ольга Петрова",
    "Jürgen Müller", "Ana 😀 Silva",          "Nguyễn Văn An",
    "김민준",        "Søren Ødegaard",       "👩‍💻 Dev Person",
    "Ελένη Παππά",   "Chloé ☎️ Dubois", "María-José O'Neil",
    "李雷",
};

static const char *const notes_cycle[] = {
    "Asked for a demo.\nPrefers mornings (CET).",
    "Call back about pricing",
    NULL,
    "",
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct task *tasks; /* guarded by lock: API order */
static size_t ntasks;
static struct call *calls; /* guarded by lock: oldest first */
static size_t ncalls;
static bool hostile;
static bool all_errors;
static unsigned long generation; /* guarded by lock: bumped by every reset */

/* --- helpers ----------------------------------------------------------------------------- */

const char *fake_args_get(const struct fake_args *args, const char *key)
{
    const char *v = NULL;

    for (size_t i = 0; args && i < args->n; i++)
        if (!strcmp(args->keys[i], key))
            v = args->vals[i];
    return v;
}

void fake_args_done(struct fake_args *args)
{
    for (size_t i = 0; i < args->n; i++) {
        free(args->keys[i]);
        free(args->vals[i]);
    }
    free(args->keys);
    free(args->vals);
    args->n = 0;
    args->keys = args->vals = NULL;
}

void fake_reply_done(struct fake_reply *r)
{
    free(r->body);
    r->body = NULL;
    free(r->echo_auth);
    r->echo_auth = NULL;
}

static void reply_json(struct fake_reply *r, int status, json_object *o)
{
    r->status = status;
    free(r->body);
    r->body = fake_json_text(o);
    r->content_type = "application/json; charset=utf-8";
    json_object_put(o);
}

static json_object *error_item(const char *code, const char *title, const char *detail,
                               const char *src_kind, const char *src_val)
{
    json_object *item = json_object_new_object();

    json_object_object_add(item, "code", json_object_new_string(code));
    json_object_object_add(item, "title", json_object_new_string(title));
    json_object_object_add(item, "detail", json_object_new_string(detail));
    if (src_kind) {
        json_object *src = json_object_new_object();

        json_object_object_add(src, src_kind, json_object_new_string(src_val));
        json_object_object_add(item, "source", src);
    }
    return item;
}

/* Seed key order: "_errors" first, then "object". Takes items. */
static void reply_errors(struct fake_reply *r, int status, json_object *items)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "_errors", items);
    json_object_object_add(o, "object", json_object_new_string("error"));
    reply_json(r, status, o);
}

void fake_reply_error(struct fake_reply *r, int status, const char *code, const char *title,
                      const char *detail)
{
    json_object *items = json_object_new_array();

    json_object_array_add(items, error_item(code, title, detail, NULL, NULL));
    reply_errors(r, status, items);
}

/* One error with a source member; detail gets the hostile suffix in --hostile mode. */
static void reply_error_src(struct fake_reply *r, int status, const char *code, const char *title,
                            const char *detail, const char *src_kind, const char *src_val)
{
    json_object *items = json_object_new_array();
    char *d = xasprintf("%s%s", detail, hostile ? HOSTILE : "");

    json_object_array_add(items, error_item(code, title, d, src_kind, src_val));
    free(d);
    reply_errors(r, status, items);
}

static void format_time(time_t t, char out[24])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ISO 8601 "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" or a date alone. */
static bool parse_time(const char *s, time_t *out)
{
    struct tm tm = {0};
    int n = 0, oh = 0, om = 0;
    const char *p;
    long off = 0;

    if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3 || n != 10)
        return false;
    p = s + n;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (sscanf(p + 1, "%2d:%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 3 || n != 8)
            return false;
        p += 1 + n;
        if (*p == '.')
            for (p++; *p >= '0' && *p <= '9'; p++)
                ;
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5)
                return false;
            off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
            p += 1 + n;
        } else {
            return false;
        }
    }
    if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm) - off;
    return true;
}

/* A fresh UUIDv7: 48-bit Unix milliseconds, then random bits. */
static void new_uuid(char out[40])
{
    unsigned char b[16];
    struct timespec ts;
    unsigned long long ms;

    if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
        die("fakeapi: getrandom failed");
    clock_gettime(CLOCK_REALTIME, &ts);
    ms = (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL;
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* ASCII case-insensitive substring test (strcasestr is a GNU extension). */
static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);

    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return n == 0;
}

static json_object *str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* --- seed -------------------------------------------------------------------------------- */

static void seed_phone_task(struct task *t, int n, time_t due)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), FAKE_TASK_ID_FMT, n);
    t->type = "phone_call";
    t->seeded_status = t->status = "scheduled";
    format_time(due, t->due_on);
    t->notes = notes_cycle[n % ARRAY_LEN(notes_cycle)];
    if (n % 6 == 0) {
        t->seq_key = "q3-outbound";
        t->seq_name = "Q3 Outbound 🚀";
    }
    t->user_id = FAKE_USER_ID;
    t->user_email = FAKE_USER_EMAIL;
    t->has_contact = true;
    snprintf(t->contact_id, sizeof(t->contact_id), FAKE_CONTACT_ID_FMT, n);
    t->contact_name = n % 13 == 0 ? NULL : contact_names[(n - 1) % ARRAY_LEN(contact_names)];
    if (n == 1 && hostile)
        t->contact_name = "Evil " HOSTILE " Eve";
    snprintf(t->contact_email, sizeof(t->contact_email), "contact%d@prospect.example", n);
}

static void seed_extra_task(struct task *t, int k, time_t due)
{
    static const char *const ids[FAKE_EXTRA_TASKS] = {
        FAKE_TASK_EMAIL_ID,     FAKE_TASK_COMPLETED_ID, FAKE_TASK_SKIPPED_ID,
        FAKE_TASK_AUTOMATIC_ID, FAKE_TASK_USER2_ID,
    };

    memset(t, 0, sizeof(*t));
    snprintf(t->id, sizeof(t->id), "%s", ids[k]);
    t->type = k == 0 ? "email" : "phone_call";
    t->seeded_status = k == 1 ? "completed" : k == 2 ? "skipped" : "scheduled";
    t->status = t->seeded_status;
    format_time(due, t->due_on);
    if (k == 1 || k == 2)
        format_time(due + 600, t->finished_on);
    t->notes = k == 2 ? "Wrong number" : NULL;
    t->is_automatic = k == 3;
    if (k == 3) {
        t->seq_key = "q3-outbound";
        t->seq_name = "Q3 Outbound 🚀";
    }
    t->user_id = k == 4 ? FAKE_USER2_ID : FAKE_USER_ID;
    t->user_email = k == 4 ? FAKE_USER2_EMAIL : FAKE_USER_EMAIL;
    t->has_contact = k != 3;
    snprintf(t->contact_id, sizeof(t->contact_id), "0199f0a2-3e61-7d01-b123-%012d", k + 1);
    t->contact_name = k == 4 ? "Émilie Zola" : "Extra Contact";
    snprintf(t->contact_email, sizeof(t->contact_email), "extra%d@prospect.example", k + 1);
}

void fake_data_init(int n, bool is_hostile, bool is_all_errors)
{
    /* The extras sit after these phone tasks (or at the end when there are fewer). */
    static const int anchors[FAKE_EXTRA_TASKS] = {2, 5, 10, 19, 21};
    const time_t base = 1780477200; /* 2026-06-03T09:00:00Z */
    size_t k = 0;

    pthread_mutex_lock(&lock);
    hostile = is_hostile;
    all_errors = is_all_errors;
    if (hostile)
        dispos[3].name = "Left voicemail " HOSTILE;
    ntasks = 0;
    tasks = xcalloc((size_t)n + FAKE_EXTRA_TASKS, sizeof(*tasks));
    for (int i = 1; i <= n; i++) {
        time_t due = base + (time_t)(i - 1) * 900;

        seed_phone_task(&tasks[ntasks++], i, due);
        while (k < FAKE_EXTRA_TASKS && anchors[k] == i) {
            seed_extra_task(&tasks[ntasks++], (int)k, due + 300);
            k++;
        }
    }
    for (; k < FAKE_EXTRA_TASKS; k++)
        seed_extra_task(&tasks[ntasks++], (int)k, base + (time_t)(n + (int)k) * 900);
    pthread_mutex_unlock(&lock);
}

static void calls_clear_locked(void)
{
    for (size_t i = 0; i < ncalls; i++)
        json_object_put(calls[i].obj);
    free(calls);
    calls = NULL;
    ncalls = 0;
}

void fake_data_reset(void)
{
    pthread_mutex_lock(&lock);
    generation++; /* a delayed commit still on its way is forgotten */
    calls_clear_locked();
    for (size_t i = 0; i < ntasks; i++) {
        tasks[i].status = tasks[i].seeded_status;
        if (!strcmp(tasks[i].status, "scheduled"))
            tasks[i].finished_on[0] = '\0';
    }
    pthread_mutex_unlock(&lock);
}

void fake_data_done(void)
{
    pthread_mutex_lock(&lock);
    generation++;
    calls_clear_locked();
    free(tasks);
    tasks = NULL;
    ntasks = 0;
    pthread_mutex_unlock(&lock);
}

json_object *fake_data_calls(void)
{
    json_object *arr = json_object_new_array();

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < ncalls; i++)
        json_object_array_add(arr, json_object_get(calls[i].obj));
    pthread_mutex_unlock(&lock);
    return arr;
}

/* --- JSON of seeded objects -------------------------------------------------------------- */

static json_object *contact_json(const char *id, const char *name, const char *email)
{
    json_object *c = json_object_new_object();

    json_object_object_add(c, "id", json_object_new_string(id));
    json_object_object_add(c, "name", str_or_null(name));
    json_object_object_add(c, "email", str_or_null(email));
    return c;
}

static json_object *task_json(const struct task *t)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_string(t->id));
    json_object_object_add(o, "automatic", json_object_new_boolean(t->is_automatic));
    json_object_object_add(o, "type", json_object_new_string(t->type));
    json_object_object_add(o, "status", json_object_new_string(t->status));
    json_object_object_add(o, "due_on", json_object_new_string(t->due_on));
    json_object_object_add(o, "finished_on",
                           t->finished_on[0] ? json_object_new_string(t->finished_on) : NULL);
    json_object_object_add(o, "notes", str_or_null(t->notes));
    json_object_object_add(o, "sequence_key", str_or_null(t->seq_key));
    json_object_object_add(o, "sequence_name", str_or_null(t->seq_name));
    json_object_object_add(o, "user_id", json_object_new_string(t->user_id));
    json_object_object_add(o, "user_email", json_object_new_string(t->user_email));
    json_object_object_add(
        o, "contact",
        t->has_contact ? contact_json(t->contact_id, t->contact_name, t->contact_email) : NULL);
    return o;
}

static json_object *user_json(const struct user *u)
{
    json_object *o = json_object_new_object(), *boxes = json_object_new_array();
    json_object *box = json_object_new_object();

    json_object_object_add(o, "id", json_object_new_string(u->id));
    json_object_object_add(o, "name", json_object_new_string(u->name));
    json_object_object_add(o, "email", json_object_new_string(u->email));
    json_object_object_add(o, "status", json_object_new_string(u->status));
    json_object_object_add(o, "role", json_object_new_string(u->role));
    json_object_object_add(box, "id", json_object_new_string(u->mailbox_id));
    json_object_object_add(box, "email", json_object_new_string(u->email));
    json_object_array_add(boxes, box);
    json_object_object_add(o, "mailboxes", boxes);
    return o;
}

/* --- pagination -------------------------------------------------------------------------- */

static void append_encoded(char **s, const char *key, const char *val)
{
    size_t len = strlen(*s), vlen = strlen(val);
    char *out = xrealloc(*s, len + strlen(key) + 3 * vlen + 3);
    char *p = out + len;

    p += sprintf(p, "%s%s=", strchr(out, '?') ? "&" : "?", key);
    for (size_t i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)val[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            *p++ = (char)c;
        else
            p += sprintf(p, "%%%02X", c);
    }
    *p = '\0';
    *s = out;
}

/* Relative link like the docs: page params first, brackets not encoded, then the filters. */
static json_object *link_json(const char *path, long size, const char *cursor_key,
                              const char *cursor, const char *const *filters,
                              const struct fake_args *args)
{
    char *href = xstrdup(path), num[24];
    json_object *o = json_object_new_object();

    snprintf(num, sizeof(num), "%ld", size);
    append_encoded(&href, "page[size]", num);
    if (cursor)
        append_encoded(&href, cursor_key, cursor);
    for (size_t i = 0; filters[i]; i++) {
        const char *v = fake_args_get(args, filters[i]);

        if (v)
            append_encoded(&href, filters[i], v);
    }
    json_object_object_add(o, "href", json_object_new_string(href));
    free(href);
    return o;
}

/* Slice items (takes it, each with an "id") into a page under key, with _links, as reply. */
#define ENDLESS_CURSOR "endless-"

static void reply_page(struct fake_reply *r, const char *path, const char *key, json_object *items,
                       const char *const *filters, const struct fake_args *args,
                       const struct fake_fault *f)
{
    bool is_next_loop = f && f->is_next_loop, is_endless = f && f->is_endless_pages;
    const char *size_s = fake_args_get(args, "page[size]");
    const char *after = fake_args_get(args, "page[after]");
    const char *before = fake_args_get(args, "page[before]");
    size_t n = json_object_array_length(items), start = 0, end, i;
    long size = PAGE_SIZE_DEFAULT;
    json_object *o, *page, *links, *self;
    char *endp;

    if (size_s) {
        size = strtol(size_s, &endp, 10);
        if (!*size_s || *endp || size < 1) {
            json_object_put(items);
            reply_error_src(r, 400, "unsupported_value", "Unsupported Value",
                            "page[size] must be a positive integer", "parameter", "page[size]");
            return;
        }
        if (size > PAGE_SIZE_MAX)
            size = PAGE_SIZE_MAX;
    }
    if (is_endless && after && !strncmp(after, ENDLESS_CURSOR, strlen(ENDLESS_CURSOR))) {
        /* endless_pages: past the real items, every page is empty and links to another */
        char cur[48];

        snprintf(cur, sizeof(cur), ENDLESS_CURSOR "%ld",
                 strtol(after + strlen(ENDLESS_CURSOR), NULL, 10) + 1);
        json_object_put(items);
        links = json_object_new_object();
        json_object_object_add(links, "self",
                               link_json(path, size, "page[after]", after, filters, args));
        json_object_object_add(links, "next",
                               link_json(path, size, "page[after]", cur, filters, args));
        o = json_object_new_object();
        json_object_object_add(o, f->list_key ? f->list_key : key, json_object_new_array());
        json_object_object_add(o, "_links", links);
        reply_json(r, 200, o);
        return;
    }
    if (after || before) {
        const char *cursor = after ? after : before;

        for (i = 0; i < n; i++) {
            json_object *id;

            json_object_object_get_ex(json_object_array_get_idx(items, i), "id", &id);
            if (!strcmp(json_object_get_string(id), cursor))
                break;
        }
        if (i == n) {
            json_object_put(items);
            reply_error_src(r, 400, "unsupported_value", "Unsupported Value",
                            "Unknown pagination cursor", "parameter",
                            after ? "page[after]" : "page[before]");
            return;
        }
        if (after) {
            start = i + 1;
        } else {
            start = i > (size_t)size ? i - (size_t)size : 0;
        }
        end = after ? start + (size_t)size : i;
    } else {
        end = (size_t)size;
    }
    if (end > n)
        end = n;
    page = json_object_new_array();
    for (i = start; i < end; i++) {
        json_object *item = json_object_array_get_idx(items, i);

        if (f && f->is_extra_fields && !json_object_object_get_ex(item, "x_extra", NULL)) {
            /* members the docs do not name, as a newer API would send */
            json_object *x = json_object_new_object(), *arr = json_object_new_array();

            json_object_array_add(arr, json_object_new_int(1));
            json_object_array_add(arr, json_object_new_string("zwei"));
            json_object_object_add(x, "nested", arr);
            json_object_object_add(x, "flag", json_object_new_boolean(1));
            json_object_object_add(item, "x_extra", x);
            json_object_object_add(item, "x_score", json_object_new_double(0.25));
        }
        json_object_array_add(page, json_object_get(item));
    }
    links = json_object_new_object();
    self = link_json(path, size, after ? "page[after]" : "page[before]", after ? after : before,
                     filters, args);
    json_object_object_add(links, "self", self);
    if (is_next_loop) {
        json_object_object_add(links, "next", json_object_get(self));
    } else if (is_endless && end >= n) {
        json_object_object_add(links, "next",
                               link_json(path, size, "page[after]", ENDLESS_CURSOR "1", filters,
                                         args));
    } else if (end < n) {
        json_object *id;

        json_object_object_get_ex(json_object_array_get_idx(items, end - 1), "id", &id);
        json_object_object_add(
            links, "next",
            link_json(path, size, "page[after]", json_object_get_string(id), filters, args));
    }
    if (start > 0 && start < n) {
        json_object *id;

        json_object_object_get_ex(json_object_array_get_idx(items, start), "id", &id);
        json_object_object_add(
            links, "prev",
            link_json(path, size, "page[before]", json_object_get_string(id), filters, args));
    }
    o = json_object_new_object();
    json_object_object_add(o, f && f->list_key ? f->list_key : key, page);
    json_object_object_add(o, "_links", links);
    json_object_put(items);
    reply_json(r, 200, o);
}

/* --- endpoints --------------------------------------------------------------------------- */

static void get_tasks(const struct fake_args *args, const struct fake_fault *f,
                      struct fake_reply *r)
{
    static const char *const filters[] = {"automatic", "keyword", "sequence_key", "status", "type",
                                          "user_id",   NULL};
    const char *user = fake_args_get(args, "user_id");
    const char *type = fake_args_get(args, "type");
    const char *status = fake_args_get(args, "status");
    const char *automatic = fake_args_get(args, "automatic");
    const char *keyword = fake_args_get(args, "keyword");
    const char *seq = fake_args_get(args, "sequence_key");
    json_object *items;

    if (!user) {
        reply_error_src(r, 400, "missing_field", "Missing Field", "Missing parameter: user_id",
                        "parameter", "user_id");
        return;
    }
    if (automatic && strcmp(automatic, "true") && strcmp(automatic, "false")) {
        reply_error_src(r, 400, "unsupported_value", "Unsupported Value",
                        "automatic must be true or false", "parameter", "automatic");
        return;
    }
    items = json_object_new_array();
    pthread_mutex_lock(&lock);
    {
        /* Only the tasks around the page become JSON: building all of them for every page
         * made a 10,000-task list cost 50 ms a page. The window keeps one item beyond each
         * side of the largest page, so reply_page() still sees whether more exist. */
        const char *cursor = fake_args_get(args, "page[after]");
        size_t n = 0, lo = 0, hi, ci = 0;
        const struct task **m = xcalloc(ntasks ? ntasks : 1, sizeof(*m));

        if (!cursor)
            cursor = fake_args_get(args, "page[before]");
        for (size_t i = 0; i < ntasks; i++) {
            const struct task *t = &tasks[i];

            if (strcmp(t->user_id, user) || (type && strcmp(t->type, type)) ||
                (status && strcmp(t->status, status)) ||
                (automatic && t->is_automatic != !strcmp(automatic, "true")) ||
                (seq && (!t->seq_key || strcmp(t->seq_key, seq))))
                continue;
            if (keyword && *keyword &&
                !(t->has_contact &&
                  ((t->contact_name && contains_nocase(t->contact_name, keyword)) ||
                   contains_nocase(t->contact_email, keyword))))
                continue;
            m[n++] = t;
        }
        if (cursor) {
            while (ci < n && strcmp(m[ci]->id, cursor))
                ci++;
            if (ci == n) {
                hi = 0; /* unknown cursor: an empty window, which reply_page() rejects */
            } else {
                lo = ci > PAGE_SIZE_MAX + 1 ? ci - PAGE_SIZE_MAX - 1 : 0;
                hi = ci + PAGE_SIZE_MAX + 2 < n ? ci + PAGE_SIZE_MAX + 2 : n;
            }
        } else {
            hi = PAGE_SIZE_MAX + 1 < n ? PAGE_SIZE_MAX + 1 : n;
        }
        for (size_t i = lo; i < hi; i++)
            json_object_array_add(items, task_json(m[i]));
        free(m);
    }
    pthread_mutex_unlock(&lock);
    reply_page(r, "/tasks", "tasks", items, filters, args, f);
}

static void get_users(const struct fake_args *args, const struct fake_fault *f,
                      struct fake_reply *r)
{
    static const char *const filters[] = {"email", "role", "status", NULL};
    const char *email = fake_args_get(args, "email");
    const char *role = fake_args_get(args, "role");
    const char *status = fake_args_get(args, "status");
    const char *loose = f ? f->loose_email : NULL;
    json_object *items = json_object_new_array();

    if (loose && !strcmp(loose, "all"))
        email = NULL; /* a server that ignores the filter */
    for (size_t i = 0; i < ARRAY_LEN(users); i++) {
        if (loose && !strcmp(loose, "other") && email) {
            /* a server that answers with its "nearest" user: one, with another email */
            if (!strcasecmp(users[i].email, email))
                continue;
            json_object_array_add(items, user_json(&users[i]));
            break;
        }
        if ((email && strcasecmp(users[i].email, email)) || (role && strcmp(users[i].role, role)) ||
            (status && strcmp(users[i].status, status)))
            continue;
        json_object_array_add(items, user_json(&users[i]));
    }
    reply_page(r, "/users", "users", items, filters, args, f);
}

static void get_dispositions(const struct fake_fault *f, struct fake_reply *r)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    json_object *links = json_object_new_object(), *self = json_object_new_object();

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < ARRAY_LEN(dispos); i++) {
        json_object *d = json_object_new_object();

        json_object_object_add(d, "id", json_object_new_string(dispos[i].id));
        json_object_object_add(d, "name", json_object_new_string(dispos[i].name));
        json_object_object_add(d, "action", json_object_new_string(dispos[i].action));
        if (f && f->is_extra_fields)
            json_object_object_add(d, "x_colour", json_object_new_string("#00ff00"));
        json_object_array_add(arr, d);
    }
    pthread_mutex_unlock(&lock);
    json_object_object_add(o, "dispositions", arr);
    json_object_object_add(self, "href", json_object_new_string("/calls/dispositions"));
    json_object_object_add(links, "self", self);
    json_object_object_add(o, "_links", links);
    reply_json(r, 200, o);
}

static void get_calls(const struct fake_args *args, const struct fake_fault *f,
                      struct fake_reply *r)
{
    static const char *const filters[] = {"from", "start_date_from", "start_date_to",
                                          "to",   "user_id",         NULL};
    const char *user = fake_args_get(args, "user_id");
    const char *from = fake_args_get(args, "from");
    const char *to = fake_args_get(args, "to");
    const char *t_from = fake_args_get(args, "start_date_from");
    const char *t_to = fake_args_get(args, "start_date_to");
    time_t lo = 0, hi = 0;
    json_object *items;

    if (t_from && !parse_time(t_from, &lo)) {
        reply_error_src(r, 400, "unsupported_value", "Unsupported Value",
                        "start_date_from is not an ISO 8601 date-time", "parameter",
                        "start_date_from");
        return;
    }
    if (t_to && !parse_time(t_to, &hi)) {
        reply_error_src(r, 400, "unsupported_value", "Unsupported Value",
                        "start_date_to is not an ISO 8601 date-time", "parameter", "start_date_to");
        return;
    }
    items = json_object_new_array();
    pthread_mutex_lock(&lock);
    for (size_t i = ncalls; i-- > 0;) {
        json_object *o = calls[i].obj, *v;

        json_object_object_get_ex(o, "user_id", &v);
        if (user && strcmp(json_object_get_string(v), user))
            continue;
        json_object_object_get_ex(o, "from", &v);
        if (from && strcmp(json_object_get_string(v), from))
            continue;
        json_object_object_get_ex(o, "to", &v);
        if (to && strcmp(json_object_get_string(v), to))
            continue;
        if ((t_from && calls[i].start < lo) || (t_to && calls[i].start > hi))
            continue;
        json_object_array_add(items, json_object_get(o));
    }
    pthread_mutex_unlock(&lock);
    reply_page(r, "/calls", "calls", items, filters, args, f);
}

enum kind { K_STRING, K_INT, K_BOOL };

struct field {
    const char *name;
    enum kind kind;
    bool is_required;
};

/* Schema order of the seed: required fields first, as listed under "required". */
static const struct field call_fields[] = {
    {"from", K_STRING, true},
    {"to", K_STRING, true},
    {"duration", K_INT, true},
    {"answered", K_BOOL, true},
    {"human", K_BOOL, true},
    {"task_id", K_STRING, true},
    {"user_id", K_STRING, true},
    {"disposition_id", K_STRING, false},
    {"transcription", K_STRING, false},
    {"recording_url", K_STRING, false},
};

static bool field_type_ok(json_object *v, enum kind kind)
{
    switch (kind) {
    case K_STRING:
        return json_object_is_type(v, json_type_string);
    case K_INT:
        return json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0;
    case K_BOOL:
        return json_object_is_type(v, json_type_boolean);
    }
    return false;
}

static const char *kind_name(enum kind kind)
{
    return kind == K_STRING ? "a string" : kind == K_INT ? "a non-negative integer" : "a boolean";
}

/* Adds one error to items; returns false when only the first error is wanted. */
static bool add_error(json_object *items, const char *code, const char *title, const char *detail,
                      const char *field)
{
    char *d = xasprintf("%s%s", detail, hostile ? HOSTILE : "");
    char *ptr = xasprintf("/%s", field);

    json_object_array_add(items, error_item(code, title, d, "pointer", ptr));
    free(d);
    free(ptr);
    return all_errors;
}

static const struct task *task_find_locked(const char *id)
{
    for (size_t i = 0; i < ntasks; i++)
        if (!strcmp(tasks[i].id, id))
            return &tasks[i];
    return NULL;
}

static const struct dispo *dispo_find(const char *id)
{
    for (size_t i = 0; i < ARRAY_LEN(dispos); i++)
        if (!strcmp(dispos[i].id, id))
            return &dispos[i];
    return NULL;
}

static const char *opt_str(json_object *body, const char *key)
{
    json_object *v;

    if (!json_object_object_get_ex(body, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Store call (takes it), stamped at now on the server's clock, and apply its disposition.
 * Caller holds lock. */
static void commit_locked(json_object *call, const struct fake_clock *clock)
{
    json_object *v;
    const char *task_id = NULL, *dispo_id = NULL;
    const struct dispo *dispo = NULL;
    time_t now = time(NULL) + clock->skew_s, start = now;
    char stamp[24];

    if (clock->is_start_at_call_start && json_object_object_get_ex(call, "duration", &v))
        start = now - (time_t)json_object_get_int64(v);
    format_time(start, stamp);
    json_object_object_add(call, "start_date", json_object_new_string(stamp));
    if (json_object_object_get_ex(call, "task_id", &v) && json_object_is_type(v, json_type_string))
        task_id = json_object_get_string(v);
    if (json_object_object_get_ex(call, "disposition_id", &v) &&
        json_object_is_type(v, json_type_string))
        dispo_id = json_object_get_string(v);
    if (dispo_id)
        dispo = dispo_find(dispo_id);
    /* A "complete" disposition completes the task (the docs: task and sequence lead). */
    for (size_t i = 0; task_id && dispo && !strcmp(dispo->action, "complete") && i < ntasks; i++)
        if (!strcmp(tasks[i].id, task_id) && strcmp(tasks[i].status, "completed")) {
            tasks[i].status = "completed";
            format_time(now, tasks[i].finished_on);
        }
    calls = xrealloc(calls, (ncalls + 1) * sizeof(*calls));
    calls[ncalls].obj = call;
    calls[ncalls].start = start;
    ncalls++;
}

/* A call accepted now and stored later (fault commit_delay_ms). */
struct late_commit {
    json_object *call;
    struct fake_clock clock;
    int delay_ms;
    unsigned long generation;
};

static void *late_commit_run(void *arg)
{
    struct late_commit *lc = arg;
    struct timespec ts = {lc->delay_ms / 1000, (long)(lc->delay_ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) == -1)
        ;
    pthread_mutex_lock(&lock);
    if (lc->generation == generation && tasks)
        commit_locked(lc->call, &lc->clock);
    else
        json_object_put(lc->call);
    pthread_mutex_unlock(&lock);
    free(lc);
    return NULL;
}

static void post_call(const char *text, size_t len, int commit_delay_ms,
                      const struct fake_clock *clock, struct fake_reply *r)
{
    json_tokener *tok = json_tokener_new();
    json_object *body = json_tokener_parse_ex(tok, text, (int)len);
    bool is_json = body && json_tokener_get_error(tok) == json_tokener_success &&
                   (size_t)json_tokener_get_parse_end(tok) == len;
    json_object *items = json_object_new_array(), *v, *call;
    const char *task_id, *user_id, *dispo_id;
    const struct task *task;
    const struct dispo *dispo = NULL;
    bool more = true;
    char id[40], start[24];
    time_t now;

    json_tokener_free(tok);
    if (!is_json || !json_object_is_type(body, json_type_object)) {
        json_object_put(items);
        json_object_put(body);
        reply_error_src(r, 400, "unsupported_value", "Unsupported Value",
                        "Request body must be a JSON object", NULL, NULL);
        return;
    }
    /* Missing (or null) required fields first, in schema order, then wrong types. */
    for (size_t i = 0; more && i < ARRAY_LEN(call_fields); i++) {
        char *d;

        if (!call_fields[i].is_required ||
            (json_object_object_get_ex(body, call_fields[i].name, &v) && v))
            continue;
        d = xasprintf("Missing field from request: %s", call_fields[i].name);
        more = add_error(items, "missing_field", "Missing Field", d, call_fields[i].name);
        free(d);
    }
    for (size_t i = 0; more && !json_object_array_length(items) && i < ARRAY_LEN(call_fields);
         i++) {
        char *d;

        if (!json_object_object_get_ex(body, call_fields[i].name, &v) || !v ||
            field_type_ok(v, call_fields[i].kind))
            continue;
        d = xasprintf("%s must be %s", call_fields[i].name, kind_name(call_fields[i].kind));
        more = add_error(items, "unsupported_value", "Unsupported Value", d, call_fields[i].name);
        free(d);
    }
    if (json_object_array_length(items)) {
        json_object_put(body);
        reply_errors(r, 400, items);
        return;
    }
    task_id = opt_str(body, "task_id");
    user_id = opt_str(body, "user_id");
    dispo_id = opt_str(body, "disposition_id");
    pthread_mutex_lock(&lock);
    task = task_find_locked(task_id);
    if (!task)
        more =
            add_error(items, "unsupported_value", "Unsupported Value", "Unknown task", "task_id");
    if (more) {
        size_t i;

        for (i = 0; i < ARRAY_LEN(users) && strcmp(users[i].id, user_id); i++)
            ;
        if (i == ARRAY_LEN(users))
            more = add_error(items, "unsupported_value", "Unsupported Value", "Unknown user",
                             "user_id");
    }
    if (more && dispo_id) {
        dispo = dispo_find(dispo_id);
        if (!dispo)
            add_error(items, "unsupported_value", "Unsupported Value", "Unknown disposition",
                      "disposition_id");
    }
    if (json_object_array_length(items)) {
        pthread_mutex_unlock(&lock);
        json_object_put(body);
        reply_errors(r, 422, items);
        return;
    }
    new_uuid(id);
    now = time(NULL) + clock->skew_s;
    format_time(now, start);
    call = json_object_new_object();
    json_object_object_add(call, "id", json_object_new_string(id));
    json_object_object_add(call, "disposition_id", str_or_null(dispo_id));
    json_object_object_get_ex(body, "duration", &v);
    json_object_object_add(call, "duration", json_object_get(v));
    json_object_object_add(call, "external", json_object_new_boolean(1));
    json_object_object_add(call, "start_date", json_object_new_string(start));
    json_object_object_add(call, "from", json_object_new_string(opt_str(body, "from")));
    json_object_object_add(call, "to", json_object_new_string(opt_str(body, "to")));
    json_object_object_add(call, "notes", NULL);
    json_object_object_add(call, "transcription", str_or_null(opt_str(body, "transcription")));
    if (opt_str(body, "recording_url"))
        json_object_object_add(call, "recording_url",
                               json_object_new_string(opt_str(body, "recording_url")));
    json_object_object_add(call, "task_id", json_object_new_string(task_id));
    json_object_object_add(call, "user_id", json_object_new_string(user_id));
    json_object_object_get_ex(body, "human", &v);
    json_object_object_add(call, "human", json_object_get(v));
    json_object_object_get_ex(body, "answered", &v);
    json_object_object_add(call, "answered", json_object_get(v));
    json_object_object_add(
        call, "contact",
        task->has_contact ? contact_json(task->contact_id, task->contact_name, task->contact_email)
                          : NULL);
    if (commit_delay_ms > 0) {
        /* stored later, by a thread of its own: the reply (and any fault) goes on now */
        struct late_commit *lc = xmalloc(sizeof(*lc));
        pthread_t th;
        pthread_attr_t attr;

        lc->call = json_object_get(call);
        lc->clock = *clock;
        lc->delay_ms = commit_delay_ms;
        lc->generation = generation;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&th, &attr, late_commit_run, lc) != 0)
            die("fakeapi: cannot start a thread");
        pthread_attr_destroy(&attr);
    } else {
        commit_locked(json_object_get(call), clock);
    }
    pthread_mutex_unlock(&lock);
    json_object_put(items);
    json_object_put(body);
    r->is_call_stored = true;
    reply_json(r, 201, call);
}

void fake_data_handle(const char *method, const char *path, const struct fake_args *args,
                      const char *body, size_t body_len, const struct fake_fault *f,
                      const struct fake_clock *clock, struct fake_reply *out)
{
    static const struct fake_clock real_clock = {0, false};

    bool is_get = !strcmp(method, "GET");
    char *detail;

    if (!strcmp(path, "/calls") && !strcmp(method, "POST"))
        post_call(body ? body : "", body_len, f ? f->commit_delay_ms : 0,
                  clock ? clock : &real_clock, out);
    else if (!strcmp(path, "/calls") && is_get)
        get_calls(args, f, out);
    else if (!strcmp(path, "/calls/dispositions") && is_get)
        get_dispositions(f, out);
    else if (!strcmp(path, "/tasks") && is_get)
        get_tasks(args, f, out);
    else if (!strcmp(path, "/users") && is_get)
        get_users(args, f, out);
    else {
        detail = xasprintf("No route matches %s %s", method, path);
        fake_reply_error(out, 404, "not_found", "Not Found", detail);
        free(detail);
    }
}

/* --- planted calls (POST /_fake/calls) --------------------------------------------------- */

static const char *const seed_fields[] = {
    "from", "to", "duration", "answered", "human", "task_id", "user_id",
    "disposition_id", "transcription", "recording_url", "notes", "start_date", "id",
};

static json_object *seed_one(json_object *in, const struct fake_clock *clock, char **err)
{
    json_object *call = json_object_new_object(), *v;
    const struct task *task = NULL;
    time_t start = 0;
    char id[40];

    json_object_object_foreach(in, key, val)
    {
        size_t i;

        (void)val;
        for (i = 0; i < ARRAY_LEN(seed_fields) && strcmp(key, seed_fields[i]); i++)
            ;
        if (i == ARRAY_LEN(seed_fields)) {
            *err = xasprintf("unknown call field \"%s\"", key);
            goto fail;
        }
    }
    for (size_t i = 0; i < 7; i++)
        if (!json_object_object_get_ex(in, call_fields[i].name, &v) || !v ||
            !field_type_ok(v, call_fields[i].kind)) {
            *err = xasprintf("a planted call needs %s as %s", call_fields[i].name,
                             kind_name(call_fields[i].kind));
            goto fail;
        }
    if (json_object_object_get_ex(in, "start_date", &v) &&
        (!json_object_is_type(v, json_type_string) || !parse_time(json_object_get_string(v), &start))) {
        *err = xstrdup("start_date must be an ISO 8601 date-time");
        goto fail;
    }
    if (json_object_object_get_ex(in, "id", &v) && json_object_is_type(v, json_type_string)) {
        snprintf(id, sizeof(id), "%s", json_object_get_string(v));
    } else {
        new_uuid(id);
    }
    json_object_object_add(call, "id", json_object_new_string(id));
    json_object_object_get_ex(in, "disposition_id", &v);
    json_object_object_add(call, "disposition_id", json_object_get(v));
    json_object_object_get_ex(in, "duration", &v);
    json_object_object_add(call, "duration", json_object_get(v));
    json_object_object_add(call, "external", json_object_new_boolean(1));
    json_object_object_add(call, "start_date", NULL); /* set on commit (key order) */
    json_object_object_get_ex(in, "from", &v);
    json_object_object_add(call, "from", json_object_get(v));
    json_object_object_get_ex(in, "to", &v);
    json_object_object_add(call, "to", json_object_get(v));
    v = NULL;
    json_object_object_get_ex(in, "notes", &v);
    json_object_object_add(call, "notes", json_object_get(v));
    v = NULL;
    json_object_object_get_ex(in, "transcription", &v);
    json_object_object_add(call, "transcription", json_object_get(v));
    if (json_object_object_get_ex(in, "recording_url", &v))
        json_object_object_add(call, "recording_url", json_object_get(v));
    json_object_object_get_ex(in, "task_id", &v);
    json_object_object_add(call, "task_id", json_object_get(v));
    task = task_find_locked(json_object_get_string(v));
    json_object_object_get_ex(in, "user_id", &v);
    json_object_object_add(call, "user_id", json_object_get(v));
    json_object_object_get_ex(in, "human", &v);
    json_object_object_add(call, "human", json_object_get(v));
    json_object_object_get_ex(in, "answered", &v);
    json_object_object_add(call, "answered", json_object_get(v));
    json_object_object_add(
        call, "contact",
        task && task->has_contact
            ? contact_json(task->contact_id, task->contact_name, task->contact_email)
            : NULL);
    commit_locked(json_object_get(call), clock);
    if (start) { /* an explicit start_date wins over the clock */
        char stamp[24];

        format_time(start, stamp);
        json_object_object_add(call, "start_date", json_object_new_string(stamp));
        calls[ncalls - 1].start = start;
    }
    return call;
fail:
    json_object_put(call);
    return NULL;
}

json_object *fake_data_seed(const char *body, const struct fake_clock *clock, char **err)
{
    json_object *in = json_tokener_parse(body ? body : ""), *out = json_object_new_array();
    size_t n, stored_before;

    *err = NULL;
    if (!in || !(json_object_is_type(in, json_type_object) ||
                 json_object_is_type(in, json_type_array))) {
        *err = xstrdup("a planted call must be a JSON object or an array of them");
        goto fail;
    }
    if (json_object_is_type(in, json_type_object)) {
        json_object *arr = json_object_new_array();

        json_object_array_add(arr, in);
        in = arr;
    }
    n = json_object_array_length(in);
    pthread_mutex_lock(&lock);
    stored_before = ncalls;
    for (size_t i = 0; i < n; i++) {
        json_object *item = json_object_array_get_idx(in, i), *c;

        if (!json_object_is_type(item, json_type_object)) {
            *err = xstrdup("a planted call must be a JSON object");
            c = NULL;
        } else {
            c = seed_one(item, clock, err);
        }
        if (!c) { /* all or nothing */
            while (ncalls > stored_before)
                json_object_put(calls[--ncalls].obj);
            pthread_mutex_unlock(&lock);
            goto fail;
        }
        json_object_array_add(out, c);
    }
    pthread_mutex_unlock(&lock);
    json_object_put(in);
    return out;
fail:
    json_object_put(in);
    json_object_put(out);
    return NULL;
}
