/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Test-side control of the fake API: process start/stop and the /_fake/ control requests
 * (plain libcurl, no API key). Owns the child process and its temp log file. */
#include "config.h"
#include "fakectl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "core/util.h"

#define START_TIMEOUT_MS 5000
#define STOP_TIMEOUT_MS 5000

struct fake {
    pid_t pid;
    int port;
    char base_url[64];
    char *log_path;
};

struct sink {
    char *data;
    size_t len;
};

static long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static size_t sink_write(char *p, size_t size, size_t n, void *cls)
{
    struct sink *s = cls;

    s->data = xrealloc(s->data, s->len + size * n + 1);
    memcpy(s->data + s->len, p, size * n);
    s->len += size * n;
    s->data[s->len] = '\0';
    return size * n;
}

/* One control request; returns the HTTP status (0 on transport failure), *out owned. */
static long ctl(struct fake *f, const char *method, const char *path, const char *body, char **out)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = NULL;
    struct sink s = {xstrdup(""), 0};
    char *url;
    long status = 0;
    CURLcode rc;

    if (!h)
        die("curl_easy_init failed");
    url = xasprintf("%s%s", f->base_url, path);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    } else if (!strcmp(method, "POST")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    rc = curl_easy_perform(h);
    if (rc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    else
        fprintf(stderr, "fakectl: %s %s: %s\n", method, path, curl_easy_strerror(rc));
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    free(url);
    if (out)
        *out = s.data;
    else
        free(s.data);
    return status;
}

static json_object *ctl_json(struct fake *f, const char *path)
{
    char *text = NULL;
    json_object *o = NULL;

    if (ctl(f, "GET", path, NULL, &text) == 200)
        o = json_tokener_parse(text);
    if (!o || !json_object_is_type(o, json_type_array)) {
        fprintf(stderr, "fakectl: GET %s: no JSON array\n", path);
        json_object_put(o);
        o = NULL;
    }
    free(text);
    return o;
}

/* Exit status of pid, or -1 if it had to be killed (or could not be waited for). */
static int reap(pid_t pid)
{
    long deadline = now_ms() + STOP_TIMEOUT_MS;
    struct timespec pause = {0, 5 * 1000000L};
    int status;
    pid_t got;

    while ((got = waitpid(pid, &status, WNOHANG)) == 0) {
        if (now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        nanosleep(&pause, NULL); /* bounded poll for the exit condition */
    }
    if (got != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* Read the "port=N" line from fd within the start timeout; 0 on failure. */
static int read_port(int fd)
{
    char line[64];
    size_t len = 0;
    long deadline = now_ms() + START_TIMEOUT_MS;
    int port = 0;

    while (len < sizeof(line) - 1) {
        struct pollfd p = {fd, POLLIN, 0};
        long left = deadline - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return 0;
        n = read(fd, line + len, 1);
        if (n <= 0)
            return 0;
        if (line[len] == '\n')
            break;
        len++;
    }
    line[len] = '\0';
    if (sscanf(line, "port=%d", &port) != 1 || port <= 0 || port > 65535)
        return 0;
    return port;
}

struct fake *fake_start(const char *const *extra_args)
{
    const char *dir = getenv("AMPLECALL_TEST_BUILDDIR");
    const char *tmp = getenv("TMPDIR");
    char *bin = getenv("FAKEAPI_BIN") ? xstrdup(getenv("FAKEAPI_BIN"))
                                      : xasprintf("%s/tests/fake/fakeapi", dir ? dir : ".");
    struct fake *f = xcalloc(1, sizeof(*f));
    size_t nextra = 0, i;
    const char **argv;
    int pipefd[2], logfd;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    f->log_path = xasprintf("%s/fakeapi-log-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    logfd = mkstemp(f->log_path);
    if (logfd < 0) {
        fprintf(stderr, "fakectl: mkstemp: %s\n", strerror(errno));
        goto fail;
    }
    close(logfd);
    while (extra_args && extra_args[nextra])
        nextra++;
    argv = xcalloc(nextra + 6, sizeof(*argv));
    argv[0] = bin;
    argv[1] = "--port";
    argv[2] = "0";
    argv[3] = "--log";
    argv[4] = f->log_path;
    for (i = 0; i < nextra; i++)
        argv[5 + i] = extra_args[i];
    if (pipe(pipefd) != 0) {
        free(argv);
        goto fail;
    }
    fflush(NULL);
    f->pid = fork();
    if (f->pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(bin, (char *const *)argv);
        fprintf(stderr, "fakectl: cannot run %s: %s\n", bin, strerror(errno));
        _exit(127);
    }
    free(argv);
    close(pipefd[1]);
    if (f->pid < 0) {
        close(pipefd[0]);
        goto fail;
    }
    f->port = read_port(pipefd[0]);
    close(pipefd[0]);
    if (!f->port) {
        fprintf(stderr, "fakectl: %s did not report its port within %d ms\n", bin,
                START_TIMEOUT_MS);
        kill(f->pid, SIGKILL);
        reap(f->pid);
        f->pid = 0;
        goto fail;
    }
    snprintf(f->base_url, sizeof(f->base_url), "http://127.0.0.1:%d", f->port);
    free(bin);
    return f;
fail:
    if (logfd >= 0)
        unlink(f->log_path);
    free(f->log_path);
    free(f);
    free(bin);
    return NULL;
}

int fake_stop(struct fake *f)
{
    int rc = -1;

    if (!f)
        return -1;
    if (f->pid > 0) {
        kill(f->pid, SIGTERM);
        rc = reap(f->pid);
    }
    unlink(f->log_path);
    free(f->log_path);
    free(f);
    return rc;
}

const char *fake_base_url(const struct fake *f)
{
    return f->base_url;
}

int fake_port(const struct fake *f)
{
    return f->port;
}

const char *fake_log_path(const struct fake *f)
{
    return f->log_path;
}

bool fake_set_faults(struct fake *f, const char *json)
{
    char *text = NULL;
    long status = ctl(f, "POST", "/_fake/faults", json, &text);

    if (status != 200)
        fprintf(stderr, "fakectl: faults rejected (%ld): %s\n", status, text ? text : "");
    free(text);
    return status == 200;
}

bool fake_reset(struct fake *f)
{
    return ctl(f, "POST", "/_fake/reset", NULL, NULL) == 200;
}

json_object *fake_requests(struct fake *f)
{
    return ctl_json(f, "/_fake/requests");
}

json_object *fake_stored_calls(struct fake *f)
{
    return ctl_json(f, "/_fake/calls");
}

json_object *fake_seed_calls(struct fake *f, const char *json)
{
    char *text = NULL;
    long status = ctl(f, "POST", "/_fake/calls", json, &text);
    json_object *o = NULL;

    if (status == 200)
        o = json_tokener_parse(text ? text : "");
    else
        fprintf(stderr, "fakectl: planted calls rejected (%ld): %s\n", status, text ? text : "");
    free(text);
    return o;
}

static bool entry_matches(json_object *e, const char *method, const char *path)
{
    json_object *m, *p;

    if (!json_object_object_get_ex(e, "method", &m) || !json_object_object_get_ex(e, "path", &p))
        return false;
    return (!method || !strcmp(json_object_get_string(m), method)) &&
           (!path || !strcmp(json_object_get_string(p), path));
}

size_t fake_request_count(struct fake *f, const char *method, const char *path)
{
    json_object *log = fake_requests(f);
    size_t n = 0;

    for (size_t i = 0; log && i < json_object_array_length(log); i++)
        if (entry_matches(json_object_array_get_idx(log, i), method, path))
            n++;
    json_object_put(log);
    return n;
}

json_object *fake_last_request(struct fake *f, const char *method, const char *path)
{
    json_object *log = fake_requests(f), *hit = NULL;

    for (size_t i = log ? json_object_array_length(log) : 0; i-- > 0;) {
        json_object *e = json_object_array_get_idx(log, i);

        if (entry_matches(e, method, path)) {
            hit = json_object_get(e);
            break;
        }
    }
    json_object_put(log);
    return hit;
}

size_t fake_connection_count(struct fake *f)
{
    json_object *log = fake_requests(f);
    size_t n = log ? json_object_array_length(log) : 0, distinct = 0;
    int64_t *seen = xcalloc(n, sizeof(*seen));

    for (size_t i = 0; i < n; i++) {
        json_object *c;
        int64_t id;
        size_t j;

        if (!json_object_object_get_ex(json_object_array_get_idx(log, i), "connection", &c))
            continue;
        id = json_object_get_int64(c);
        for (j = 0; j < distinct && seen[j] != id; j++)
            ;
        if (j == distinct)
            seen[distinct++] = id;
    }
    free(seen);
    json_object_put(log);
    return distinct;
}

void fake_task_id(int n, char out[FAKE_ID_LEN])
{
    snprintf(out, FAKE_ID_LEN, FAKE_TASK_ID_FMT, n);
}
