/* The spool of write-ahead records (see spool.h): writing one, reading one back, and
 * adopting the abandoned or finished ones into the store. */
#include "config.h"
#include "spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "util.h"

#define SUFFIX ".call"
/* a dot file older than this, that nobody holds, is a writer's unfinished record */
#define STALE_TMP_SECONDS 60

struct spool_file {
    int fd;
    int dir_fd;
    char *name; /* final name inside the directory */
    char *key;
};

char *spool_dir_for(const char *db_path)
{
    const char *slash;

    if (!db_path || !strcmp(db_path, ":memory:"))
        return NULL;
    slash = strrchr(db_path, '/');
    if (!slash)
        return xstrdup("spool");
    return xasprintf("%.*s/spool", (int)(slash - db_path), db_path);
}

/* ---- writing ---- */

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void add_str(json_object *o, const char *key, const char *val)
{
    if (val)
        json_object_object_add(o, key, json_object_new_string(val));
}

/* One JSON object as one line; owned. */
static char *to_line(json_object *o)
{
    char *line = xasprintf("%s\n", json_object_to_json_string_ext(
                                       o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
    return line;
}

static char *record_line(const struct call *c, const char *api_base,
                         const struct store_lease *l, long long at)
{
    json_object *o = json_object_new_object(), *lease = json_object_new_object();
    char *call_json = call_to_store_json(c);

    json_object_object_add(o, "v", json_object_new_int(1));
    json_object_object_add(o, "at", json_object_new_int64(at));
    add_str(o, "api_base", api_base ? api_base : "");
    add_str(o, "call", call_json);
    add_str(lease, "token", l->token);
    add_str(lease, "host", l->host);
    json_object_object_add(lease, "pid", json_object_new_int64(l->pid));
    json_object_object_add(lease, "start", json_object_new_int64(l->start));
    json_object_object_add(lease, "duration_ms", json_object_new_int64(l->duration_ms));
    json_object_object_add(o, "lease", lease);
    free(call_json);
    return to_line(o);
}

static char *outcome_line(const struct store_outcome *oc, long long at)
{
    json_object *o = json_object_new_object();

    add_str(o, "state", store_state_name(oc->state));
    json_object_object_add(o, "at", json_object_new_int64(at));
    json_object_object_add(o, "status", json_object_new_int64(oc->status));
    json_object_object_add(o, "next_attempt_at", json_object_new_int64(oc->next_attempt_at));
    add_str(o, "error", oc->error);
    add_str(o, "remote_id", oc->remote_id);
    add_str(o, "response", oc->response);
    add_str(o, "errors_json", oc->errors_json);
    add_str(o, "resolved_by", oc->resolved_by);
    return to_line(o);
}

/* mkdir -p with 0700 for what it creates (the state directory may not exist yet). */
static int mkdir_parents(const char *dir)
{
    const char *slash;

    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    slash = strrchr(dir, '/');
    if (errno != ENOENT || !slash || slash == dir)
        return -1;
    {
        char *parent = xstrndup(dir, (size_t)(slash - dir));
        int rc = mkdir_parents(parent);
        free(parent);
        if (rc != 0)
            return -1;
    }
    return mkdir(dir, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static bool make_dir(const char *dir, char **err)
{
    struct stat sb;

    if (mkdir_parents(dir) != 0) {
        *err = xasprintf("cannot create %s: %s", dir, strerror(errno));
        return false;
    }
    if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        *err = xasprintf("%s is not a directory", dir);
        return false;
    }
    if ((sb.st_mode & 077) && chmod(dir, 0700) != 0) {
        *err = xasprintf("cannot make %s private: %s", dir, strerror(errno));
        return false;
    }
    return true;
}

void spool_close(struct spool_file *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd); /* releases the flock */
    if (f->dir_fd >= 0)
        close(f->dir_fd);
    free(f->name);
    free(f->key);
    free(f);
}

struct spool_file *spool_begin(const char *dir, const struct call *c, const char *api_base,
                               const struct store_lease *lease, long long at, char **err)
{
    struct spool_file *f;
    char *tmp, *line;
    bool ok;

    *err = NULL;
    if (!make_dir(dir, err))
        return NULL;
    f = xcalloc(1, sizeof(*f));
    f->fd = -1;
    f->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f->dir_fd < 0) {
        *err = xasprintf("cannot open %s: %s", dir, strerror(errno));
        spool_close(f);
        return NULL;
    }
    /* time, then pid and the lease's random token: unique without asking anyone */
    f->name = xasprintf("%013lld-%ld-%.8s" SUFFIX, at, (long)lease->pid, lease->token);
    f->key = xasprintf("spool:%s", f->name);
    tmp = xasprintf(".%s.tmp", f->name);
    f->fd = openat(f->dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f->fd < 0) {
        *err = xasprintf("cannot create %s/%s: %s", dir, tmp, strerror(errno));
        free(tmp);
        spool_close(f);
        return NULL;
    }
    line = record_line(c, api_base, lease, at);
    /* lock first: from the rename on, an adopter must find it held */
    ok = flock(f->fd, LOCK_EX) == 0 && write_all(f->fd, line, strlen(line)) &&
         fdatasync(f->fd) == 0 && renameat(f->dir_fd, tmp, f->dir_fd, f->name) == 0 &&
         fsync(f->dir_fd) == 0;
    if (!ok) {
        *err = xasprintf("cannot write %s/%s: %s", dir, f->name, strerror(errno));
        unlinkat(f->dir_fd, tmp, 0);
        unlinkat(f->dir_fd, f->name, 0); /* not sent: no record may claim it was */
        spool_close(f);
        f = NULL;
    }
    free(line);
    free(tmp);
    return f;
}

const char *spool_key(const struct spool_file *f)
{
    return f->key;
}

/* Not synced: the call itself was on disk before its request left. If the system goes down
 * before the page cache reaches the disk, the record reads as an attempt of unknown outcome,
 * which the outbox resolves by looking the call up, never by a blind resend. A process
 * killed after the write() loses nothing: the kernel has the line. */
bool spool_finish(struct spool_file *f, const struct store_outcome *o, long long at, char **err)
{
    char *line = outcome_line(o, at);
    bool ok = write_all(f->fd, line, strlen(line));

    if (!ok)
        *err = xasprintf("cannot record the outcome in %s: %s", f->name, strerror(errno));
    free(line);
    return ok;
}

/* ---- reading ---- */

void spool_record_init(struct spool_record *r)
{
    memset(r, 0, sizeof(*r));
    call_init(&r->call);
}

void spool_record_done(struct spool_record *r)
{
    if (!r)
        return;
    call_done(&r->call);
    free(r->api_base);
    for (size_t i = 0; i < ARRAY_LEN(r->strs); i++)
        free(r->strs[i]);
    spool_record_init(r);
}

/* The value of key when it has type t, else NULL. */
static json_object *get_typed(json_object *o, const char *key, json_type t)
{
    json_object *v;

    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, t) ? v : NULL;
}

static bool get_int(json_object *o, const char *key, long long *out)
{
    json_object *v = get_typed(o, key, json_type_int);

    if (!v)
        return false;
    *out = json_object_get_int64(v);
    return true;
}

static const char *get_str(json_object *o, const char *key)
{
    json_object *v = get_typed(o, key, json_type_string);

    return v ? json_object_get_string(v) : NULL;
}

/* One complete line as a JSON object (owned), or NULL. */
static json_object *parse_line(const char *p, size_t len)
{
    json_tokener *tok = json_tokener_new();
    json_object *o;

    if (!tok)
        return NULL;
    o = json_tokener_parse_ex(tok, p, (int)len);
    if (o && (json_tokener_get_error(tok) != json_tokener_success ||
              (size_t)json_tokener_get_parse_end(tok) != len ||
              !json_object_is_type(o, json_type_object))) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

static bool parse_record(json_object *o, struct spool_record *r)
{
    json_object *lease = get_typed(o, "lease", json_type_object);
    const char *call = get_str(o, "call"), *base = get_str(o, "api_base");
    const char *token = lease ? get_str(lease, "token") : NULL;
    const char *host = lease ? get_str(lease, "host") : NULL;
    long long v = 0, pid = 0;

    if (!get_int(o, "v", &v) || v != 1 || !get_int(o, "at", &r->at) || r->at <= 0 || !call ||
        !base || !token || !host || strlen(token) >= sizeof(r->lease.token) ||
        strlen(host) >= sizeof(r->lease.host) || !get_int(lease, "pid", &pid) ||
        !get_int(lease, "start", &r->lease.start) ||
        !get_int(lease, "duration_ms", &r->lease.duration_ms) ||
        !call_from_store_json(&r->call, call))
        return false;
    memcpy(r->lease.token, token, strlen(token) + 1);
    memcpy(r->lease.host, host, strlen(host) + 1);
    r->lease.pid = (pid_t)pid;
    r->api_base = xstrdup(base);
    return true;
}

static bool parse_outcome(json_object *o, struct spool_record *r)
{
    static const char *const keys[] = {"error", "remote_id", "response", "errors_json",
                                       "resolved_by"};
    const char *state = get_str(o, "state");
    enum store_state st = store_state_from_name(state);
    long long status = 0;

    if (st == STORE_STATE_COUNT || st == STORE_SENDING || !get_int(o, "at", &r->outcome_at) ||
        !get_int(o, "status", &status) ||
        !get_int(o, "next_attempt_at", &r->outcome.next_attempt_at))
        return false;
    if (st == STORE_SENT && !get_str(o, "remote_id"))
        return false; /* a sent call names what the server made of it */
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        const char *s = get_str(o, keys[i]);
        r->strs[i] = s ? xstrdup(s) : NULL;
    }
    r->outcome.state = st;
    r->outcome.status = (long)status;
    r->outcome.error = r->strs[0];
    r->outcome.remote_id = r->strs[1];
    r->outcome.response = r->strs[2];
    r->outcome.errors_json = r->strs[3];
    r->outcome.resolved_by = r->strs[4];
    return true;
}

bool spool_parse(const char *text, size_t len, struct spool_record *r, char **err)
{
    const char *nl = memchr(text, '\n', len);
    json_object *o;
    bool ok;

    *err = NULL;
    if (!nl) {
        *err = xstrdup("no complete record");
        return false;
    }
    o = parse_line(text, (size_t)(nl - text));
    ok = o && parse_record(o, r);
    json_object_put(o);
    if (!ok) {
        *err = xstrdup("not a valid record");
        call_done(&r->call);
        call_init(&r->call);
        free(r->api_base);
        r->api_base = NULL;
        return false;
    }
    /* the outcome counts only when its line is whole: a torn append means "unknown" */
    {
        const char *p = nl + 1, *end = text + len, *nl2 = memchr(p, '\n', (size_t)(end - p));
        json_object *oc = nl2 ? parse_line(p, (size_t)(nl2 - p)) : NULL;

        r->has_outcome = oc && parse_outcome(oc, r);
        json_object_put(oc);
    }
    return true;
}

/* ---- adopting ---- */

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n > m && !strcmp(s + n - m, suffix);
}

/* The whole file, NUL-terminated, owned; NULL when unreadable or too big. */
static char *read_fd(int fd, size_t *len)
{
    struct stat sb;
    char *buf;
    size_t got = 0;

    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
        (unsigned long long)sb.st_size > SPOOL_MAX_BYTES)
        return NULL;
    buf = xmalloc((size_t)sb.st_size + 1);
    while (got < (size_t)sb.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

/* A writer's dot file nobody holds and older than a minute: its record never became
 * complete, so its request never left. */
static void drop_stale_tmp(int dir_fd, const char *name, long long now)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat sb;

    if (fd < 0)
        return;
    if (flock(fd, LOCK_EX | LOCK_NB) == 0 && fstat(fd, &sb) == 0 &&
        (long long)sb.st_mtime * 1000 + STALE_TMP_SECONDS * 1000LL < now)
        unlinkat(dir_fd, name, 0);
    close(fd);
}

/* 1 adopted, 0 skipped (held by a writer, or gone), -1 store error with *err. */
static int adopt_one(struct store *s, int dir_fd, const char *name, long long now, char **err)
{
    int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct spool_record r;
    char *text, *why = NULL, *key;
    size_t len = 0;
    long long id;
    int rc = 0;

    if (fd < 0)
        return 0;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd); /* its writer is still at work */
        return 0;
    }
    spool_record_init(&r);
    text = read_fd(fd, &len);
    if (!text || !spool_parse(text, len, &r, &why)) {
        /* keep it for a human rather than lose or guess at a call */
        char *bad = xasprintf("%s.bad", name);
        renameat(dir_fd, name, dir_fd, bad);
        free(bad);
    } else {
        struct store_new n = {.call = &r.call, .api_base = r.api_base};
        key = xasprintf("spool:%s", name);
        n.external_key = key;
        rc = store_adopt(s, &n, &r.lease, r.at, r.has_outcome ? &r.outcome : NULL,
                         r.has_outcome ? r.outcome_at : now, &id, err);
        if (rc >= 0) {
            unlinkat(dir_fd, name, 0); /* adopted now or before: the row is the record */
            rc = 1;
        }
        free(key);
    }
    free(why);
    free(text);
    spool_record_done(&r);
    close(fd);
    return rc;
}

int spool_count(const char *dir, int cap)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while (n < cap && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.' && has_suffix(e->d_name, SUFFIX);
    closedir(d);
    return n;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int spool_adopt_all(struct store *s, const char *dir, long long now, char **err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL;
    size_t n_names = 0, cap = 0;
    int n, n_adopted = 0;

    *err = NULL;
    if (!d) {
        if (errno == ENOENT)
            return 0;
        *err = xasprintf("cannot read %s: %s", dir, strerror(errno));
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            if (has_suffix(e->d_name, SUFFIX ".tmp"))
                drop_stale_tmp(dirfd(d), e->d_name, now);
            continue;
        }
        if (!has_suffix(e->d_name, SUFFIX))
            continue;
        if (n_names == cap) {
            cap = cap ? 2 * cap : 16;
            names = xrealloc(names, cap * sizeof(*names));
        }
        names[n_names++] = xstrdup(e->d_name);
    }
    /* names begin with the time of the attempt: adopt in the order the calls were made */
    if (n_names > 1)
        qsort(names, n_names, sizeof(*names), by_name);
    /* one record the store refuses must not hold back the others */
    for (size_t i = 0; i < n_names; i++) {
        char *why = NULL;
        int rc = adopt_one(s, dirfd(d), names[i], now, &why);

        if (rc < 0 && !*err)
            *err = why;
        else
            free(why);
        n_adopted += rc > 0;
        free(names[i]);
    }
    n = *err ? -1 : n_adopted;
    free(names);
    closedir(d);
    return n;
}
