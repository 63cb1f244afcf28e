/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fakeapi: a fake Amplemarket API on 127.0.0.1 for tests and `make demo`. Owns the HTTP side:
 * options, libmicrohttpd glue, bearer auth, fault application, control endpoints (/_fake/...)
 * and the request log entries. Data and endpoints are in fake_data.c. Never logs the key. */
#include "config.h"
#include "fake.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "fake_ids.h"
#include "core/util.h"

#define BODY_MAX (4 * 1024 * 1024)
#define JSON_TYPE "application/json; charset=utf-8"

/* One TCP connection; its id lets tests count connections. */
struct conn {
    unsigned long id;
};

/* One request, created by the URI callback (so the raw query is known). */
struct req {
    char *uri; /* request-target as sent, query included */
    unsigned long conn_id;
    bool is_started;
    char *body; /* NUL-terminated */
    size_t body_len;
    bool is_too_big;
};

/* A body sent in part and then cut (fault reset_mid_body). */
struct partial {
    char *data;
    size_t send_len;
};

static const char *api_key;
static pthread_mutex_t conn_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long next_conn_id = 1;
static pthread_mutex_t stop_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stop_cond = PTHREAD_COND_INITIALIZER;
static bool stopping; /* guarded by stop_lock */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct conn *cn;

    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        cn = xmalloc(sizeof(*cn));
        pthread_mutex_lock(&conn_lock);
        cn->id = next_conn_id++;
        pthread_mutex_unlock(&conn_lock);
        *socket_context = cn;
    } else {
        free(*socket_context);
        *socket_context = NULL;
    }
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct req *r = xcalloc(1, sizeof(*r));
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

    r->uri = xstrdup(uri);
    if (ci && ci->socket_context)
        r->conn_id = ((struct conn *)ci->socket_context)->id;
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct req *r = *req_cls;

    if (!r)
        return;
    free(r->uri);
    free(r->body);
    free(r);
    *req_cls = NULL;
}

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    struct fake_args *a = cls;

    a->keys = xrealloc(a->keys, (a->n + 1) * sizeof(*a->keys));
    a->vals = xrealloc(a->vals, (a->n + 1) * sizeof(*a->vals));
    a->keys[a->n] = xstrdup(key);
    a->vals[a->n] = xstrdup(value ? value : "");
    a->n++;
    return MHD_YES;
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    json_object *headers = cls;
    char *lower;

    /* The key must never reach the log: auth is summarised as valid/invalid/missing. */
    if (!strcasecmp(key, MHD_HTTP_HEADER_AUTHORIZATION))
        return MHD_YES;
    lower = xstrdup(key);
    for (char *p = lower; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    json_object_object_add(headers, lower, json_object_new_string(value ? value : ""));
    free(lower);
    return MHD_YES;
}

static const char *auth_state(struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);

    if (!h)
        return "missing";
    if (strncasecmp(h, "Bearer ", 7) == 0 && strcmp(h + 7, api_key) == 0)
        return "valid";
    return "invalid";
}

/* Sleep up to ms, but wake at shutdown so a delayed request never holds the server. */
static void fault_sleep(int ms)
{
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&stop_lock);
    while (!stopping && pthread_cond_timedwait(&stop_cond, &stop_lock, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&stop_lock);
}

static json_object *log_entry(struct MHD_Connection *c, const char *method, const char *path,
                              const struct req *r)
{
    json_object *e = json_object_new_object(), *headers = json_object_new_object(), *body;
    const char *q = strchr(r->uri, '?');

    /* Null members fix the key order; the values are set when the request ends. */
    json_object_object_add(e, "seq", NULL);
    json_object_object_add(e, "method", json_object_new_string(method));
    json_object_object_add(e, "path", json_object_new_string(path));
    json_object_object_add(e, "query", json_object_new_string(q ? q + 1 : ""));
    json_object_object_add(e, "auth", json_object_new_string(auth_state(c)));
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, headers);
    json_object_object_add(e, "headers", headers);
    body = r->body_len ? json_tokener_parse(r->body) : NULL;
    if (!body && r->body_len)
        body = json_object_new_string_len(r->body, (int)r->body_len);
    json_object_object_add(e, "body", body);
    json_object_object_add(e, "status", NULL);
    json_object_object_add(e, "fault", NULL);
    json_object_object_add(e, "connection", json_object_new_int64((int64_t)r->conn_id));
    return e;
}

static void log_finish(json_object *e, int status, const struct fake_fault *f)
{
    json_object_object_add(e, "status", status ? json_object_new_int(status) : NULL);
    json_object_object_add(e, "fault", f ? json_object_new_string(f->label) : NULL);
    fake_log_record(e, api_key);
}

static ssize_t partial_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct partial *p = cls;
    size_t n;

    if (pos >= p->send_len)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = p->send_len - (size_t)pos;
    if (n > max)
        n = max;
    memcpy(buf, p->data + pos, n);
    return (ssize_t)n;
}

static void partial_free(void *cls)
{
    struct partial *p = cls;

    free(p->data);
    free(p);
}

static const char *const garbage_html =
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n"
    "<body><h1>Bad Gateway</h1><p>The proxy received an invalid response.</p></body></html>\n";

/* Rewrite the reply body as the fault asks (verbatim body, garbage, truncation, padding). */
static void mangle(struct fake_reply *rep, const struct fake_fault *f)
{
    if (f->body) {
        free(rep->body);
        rep->body = xstrdup(f->body);
        rep->content_type = f->content_type ? f->content_type : JSON_TYPE;
    }
    if (f->is_garbage) {
        free(rep->body);
        rep->body = xstrdup(garbage_html);
        rep->content_type = "text/html";
    }
    if (f->oversize_mib > 0) {
        /* Valid JSON: the reply object with a big string member added before its last '}'. */
        size_t len = strlen(rep->body), pad = (size_t)f->oversize_mib * 1024 * 1024;
        char *big = xmalloc(len + pad + 32), *p;

        if (len > 2 && rep->body[len - 1] == '}') {
            memcpy(big, rep->body, len - 1);
            p = big + len - 1;
            p += sprintf(p, ",\"_padding\":\"");
        } else {
            p = big + sprintf(big, "{\"_padding\":\"");
        }
        memset(p, 'x', pad);
        p += pad;
        strcpy(p, "\"}");
        free(rep->body);
        rep->body = big;
    }
    if (f->is_truncated) {
        size_t len = strlen(rep->body);

        rep->body[len > 1 ? len / 2 : 0] = '\0';
    }
}

/* s percent-encoded (RFC 3986 unreserved kept, upper-case hex); owned */
static char *percent_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(s) * 3 + 1), *w = out;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            *w++ = (char)*p;
        } else {
            *w++ = '%';
            *w++ = hex[*p >> 4];
            *w++ = hex[*p & 15];
        }
    }
    *w = '\0';
    return out;
}

/* s in standard base64 with padding; owned */
static char *base64(const char *s)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t len = strlen(s);
    char *out = xmalloc(len / 3 * 4 + 8), *w = out;

    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)(unsigned char)s[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)(unsigned char)s[i + 1] << 8;
        if (i + 2 < len)
            v |= (unsigned char)s[i + 2];
        *w++ = al[v >> 18 & 63];
        *w++ = al[v >> 12 & 63];
        *w++ = i + 1 < len ? al[v >> 6 & 63] : '=';
        *w++ = i + 2 < len ? al[v & 63] : '=';
    }
    *w = '\0';
    return out;
}

/* Fault echo_key: the credential the request carried comes back the ways a careless server
 * might send it: in every _errors item's title and detail, in an "_echo" member holding it
 * plain, percent-encoded and base64 (of "Bearer KEY" and of KEY), and in response headers
 * (send_reply). A body that is not a JSON object gets the same text appended. */
static void echo_key(struct fake_reply *rep, const char *auth)
{
    const char *key = auth && !strncasecmp(auth, "Bearer ", 7) ? auth + 7 : (auth ? auth : "");
    char *url = percent_encode(key), *b64_auth = base64(auth ? auth : ""), *b64_key = base64(key);
    char *text = xasprintf("you sent Authorization: %s (key %s, url %s, base64 %s / %s)",
                           auth ? auth : "", key, url, b64_auth, b64_key);
    json_object *o = rep->body ? json_tokener_parse(rep->body) : NULL, *errs, *echo;

    if (o && json_object_is_type(o, json_type_object)) {
        if (json_object_object_get_ex(o, "_errors", &errs) &&
            json_object_is_type(errs, json_type_array)) {
            for (size_t i = 0; i < json_object_array_length(errs); i++) {
                json_object *e = json_object_array_get_idx(errs, i), *v;
                char *title, *detail;
                if (!json_object_is_type(e, json_type_object))
                    continue;
                title = xasprintf("%s for %s", json_object_object_get_ex(e, "title", &v)
                                                   ? json_object_get_string(v)
                                                   : "Error",
                                  key);
                detail = xasprintf("%s; %s", json_object_object_get_ex(e, "detail", &v)
                                                 ? json_object_get_string(v)
                                                 : "",
                                   text);
                json_object_object_add(e, "title", json_object_new_string(title));
                json_object_object_add(e, "detail", json_object_new_string(detail));
                free(title);
                free(detail);
            }
        }
        echo = json_object_new_object();
        json_object_object_add(echo, "authorization", json_object_new_string(auth ? auth : ""));
        json_object_object_add(echo, "key", json_object_new_string(key));
        json_object_object_add(echo, "url", json_object_new_string(url));
        json_object_object_add(echo, "base64_authorization", json_object_new_string(b64_auth));
        json_object_object_add(echo, "base64_key", json_object_new_string(b64_key));
        json_object_object_add(o, "_echo", echo);
        free(rep->body);
        rep->body = fake_json_text(o);
    } else {
        char *body = xasprintf("%s\n%s\n", rep->body ? rep->body : "", text);
        free(rep->body);
        rep->body = body;
    }
    json_object_put(o);
    str_set(&rep->echo_auth, auth ? auth : "");
    free(url);
    free(b64_auth);
    free(b64_key);
    free(text);
}

static enum MHD_Result send_reply(struct MHD_Connection *c, const struct fake_reply *rep,
                                  bool is_reset_mid_body)
{
    struct MHD_Response *resp;
    size_t len = strlen(rep->body);
    enum MHD_Result ret;
    char num[24];

    if (is_reset_mid_body) {
        struct partial *p = xmalloc(sizeof(*p));

        p->data = xstrdup(rep->body);
        p->send_len = len / 2;
        resp = MHD_create_response_from_callback(len, 4096, partial_read, p, partial_free);
    } else {
        resp = MHD_create_response_from_buffer(len, xstrdup(rep->body), MHD_RESPMEM_MUST_FREE);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rep->content_type ? rep->content_type : JSON_TYPE);
    if (rep->retry_after >= 0) {
        snprintf(num, sizeof(num), "%d", rep->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, num);
    }
    if (rep->echo_auth) {
        const char *key = strncasecmp(rep->echo_auth, "Bearer ", 7) ? rep->echo_auth
                                                                     : rep->echo_auth + 7;
        char *b64 = base64(rep->echo_auth), *url = percent_encode(key);
        char *link = xasprintf("<https://api.example/retry?key=%s>; rel=\"retry\"", url);
        char *www = xasprintf("Bearer error=\"invalid_token\", token=\"%s\"", key);

        MHD_add_response_header(resp, "X-Echo-Authorization", rep->echo_auth);
        MHD_add_response_header(resp, "X-Echo-Authorization-Base64", b64);
        MHD_add_response_header(resp, "Link", link);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, www);
        free(b64);
        free(url);
        free(link);
        free(www);
    }
    if (rep->has_date) {
        /* the server's clock, off by the skew (libmicrohttpd then adds no Date of its own) */
        char date[64];
        time_t t = time(NULL) + rep->date_skew_s;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_DATE, date);
    }
    ret = MHD_queue_response(c, (unsigned int)rep->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, int status, const char *text)
{
    struct fake_reply rep = {status, xstrdup(text), JSON_TYPE, -1, false, false, 0, NULL};
    enum MHD_Result ret = send_reply(c, &rep, false);

    fake_reply_done(&rep);
    return ret;
}

/* Control endpoints: no auth, not logged, never faulted. */
static enum MHD_Result handle_control(struct MHD_Connection *c, const char *method,
                                      const char *path, const struct req *r)
{
    enum MHD_Result ret;
    char *text, *err;

    if (!strcmp(method, "POST") && !strcmp(path, "/_fake/faults")) {
        if (!fake_faults_set(r->body ? r->body : "", &err)) {
            json_object *o = json_object_new_object();

            json_object_object_add(o, "error", json_object_new_string(err));
            text = fake_json_text(o);
            json_object_put(o);
            free(err);
            ret = send_text(c, 400, text);
            free(text);
            return ret;
        }
        return send_text(c, 200, "{\"ok\":true}");
    }
    if (!strcmp(method, "POST") && !strcmp(path, "/_fake/reset")) {
        fake_faults_clear();
        fake_data_reset();
        fake_log_reset();
        return send_text(c, 200, "{\"ok\":true}");
    }
    if (!strcmp(method, "GET") && !strcmp(path, "/_fake/requests")) {
        text = fake_log_snapshot();
        ret = send_text(c, 200, text);
        free(text);
        return ret;
    }
    if (!strcmp(method, "POST") && !strcmp(path, "/_fake/calls")) {
        struct fake_clock clock;
        json_object *stored;

        fake_faults_clock("POST", "/calls", &clock);
        stored = fake_data_seed(r->body ? r->body : "", &clock, &err);
        if (!stored) {
            json_object *o = json_object_new_object();

            json_object_object_add(o, "error", json_object_new_string(err));
            text = fake_json_text(o);
            json_object_put(o);
            free(err);
            ret = send_text(c, 400, text);
            free(text);
            return ret;
        }
        text = fake_json_text(stored);
        json_object_put(stored);
        ret = send_text(c, 200, text);
        free(text);
        return ret;
    }
    if (!strcmp(method, "GET") && !strcmp(path, "/_fake/calls")) {
        json_object *calls = fake_data_calls();

        text = fake_json_text(calls);
        json_object_put(calls);
        ret = send_text(c, 200, text);
        free(text);
        return ret;
    }
    return send_text(c, 404, "{\"error\":\"unknown control endpoint\"}");
}

/* Body of a `status` fault: the _errors envelope the real API would use for that code. */
static void fault_status_reply(struct fake_reply *rep, int status)
{
    char code[64], *p;
    const char *title;

    if (status >= 500) {
        fake_reply_error(rep, status, "internal_server_error", "Internal Server Error",
                         "Internal server error");
    } else if (status == 401) {
        fake_reply_error(rep, status, "unauthorized", "Unauthorized", "Invalid API key");
    } else {
        title = MHD_get_reason_phrase_for((unsigned int)status);
        if (!title || !*title)
            title = "Error";
        snprintf(code, sizeof(code), "%s", title);
        for (p = code; *p; p++)
            *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : (*p == ' ' ? '_' : *p);
        fake_reply_error(rep, status, code, title, title);
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **req_cls)
{
    struct req *r = *req_cls;
    struct fake_args args = {0};
    struct fake_reply rep = {0};
    struct fake_fault *f = NULL;
    struct fake_clock clock;
    json_object *entry;
    enum MHD_Result ret;
    bool is_drop = false, is_early;

    if (!r) { /* no URI callback ran (should not happen); make one */
        r = on_uri(NULL, url, c);
        *req_cls = r;
    }
    if (!r->is_started) {
        r->is_started = true;
        return MHD_YES;
    }
    if (*upload_size) {
        if (r->body_len + *upload_size > BODY_MAX) {
            r->is_too_big = true;
        } else {
            r->body = xrealloc(r->body, r->body_len + *upload_size + 1);
            memcpy(r->body + r->body_len, upload, *upload_size);
            r->body_len += *upload_size;
            r->body[r->body_len] = '\0';
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (!strncmp(url, "/_fake/", 7))
        return handle_control(c, method, url, r);

    rep.retry_after = -1;
    entry = log_entry(c, method, url, r);
    fake_faults_clock(method, url, &clock);
    f = fake_faults_take(method, url);
    /* With commit_delay_ms the call is handled at once (and stored commit_delay_ms after
     * receipt); delay_ms then holds only the reply. */
    is_early = f && f->commit_delay_ms > 0 && !f->is_drop;
    if (f && f->delay_ms > 0 && !is_early)
        fault_sleep(f->delay_ms);
    if (f && f->is_drop) {
        log_finish(entry, 0, f);
        fake_fault_free(f);
        return MHD_NO; /* MHD closes the connection without a response */
    }
    if (f && f->status) {
        fault_status_reply(&rep, f->status);
    } else if (strcmp(auth_state(c), "valid") != 0) {
        fake_reply_error(&rep, 401, "unauthorized", "Unauthorized", "Invalid API key");
    } else if (r->is_too_big) {
        fake_reply_error(&rep, 413, "unsupported_value", "Unsupported Value",
                         "Request body too large");
    } else {
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &args);
        fake_data_handle(method, url, &args, r->body, r->body_len, f, &clock, &rep);
        fake_args_done(&args);
        is_drop = f && f->is_accept_then_drop;
        if (f && f->store_then_status) {
            /* handled (a POST /calls stored its call); the client is told otherwise */
            bool is_stored = rep.is_call_stored;

            fake_reply_done(&rep);
            if (f->store_then_status >= 200 && f->store_then_status < 300) {
                rep.status = f->store_then_status;
                rep.body = xstrdup("");
                rep.content_type = JSON_TYPE;
            } else {
                fault_status_reply(&rep, f->store_then_status);
            }
            rep.is_call_stored = is_stored;
        }
    }
    if (is_early && f->delay_ms > 0)
        fault_sleep(f->delay_ms);
    if (clock.skew_s) {
        rep.has_date = true;
        rep.date_skew_s = clock.skew_s;
    }
    if (f) {
        if (f->retry_after >= 0)
            rep.retry_after = f->retry_after;
        mangle(&rep, f);
        if (f->is_echo_key)
            echo_key(&rep, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_AUTHORIZATION));
    }
    log_finish(entry, is_drop ? 0 : rep.status, f);
    ret = is_drop ? MHD_NO : send_reply(c, &rep, f && f->is_reset_mid_body);
    fake_reply_done(&rep);
    fake_fault_free(f);
    return ret;
}

static void usage(FILE *out)
{
    fputs("usage: fakeapi [--port N] [--key KEY] [--tasks N] [--log FILE] [--hostile]\n"
          "               [--all-errors] [--max-lifetime SECS] [--faults JSON]\n"
          "               [--fault-status N] [--fault-retry-after S] [--fault-delay-ms N]\n"
          "               [--fault-drop] [--fault-accept-then-drop] [--fault-truncated]\n"
          "               [--fault-reset-mid-body] [--fault-garbage] [--fault-oversize-mib N]\n"
          "               [--fault-next-loop] [--fault-times N] [--fault-path PREFIX]\n"
          "               [--fault-method M] [--fault-store-then-status N]\n"
          "               [--fault-store-then-drop] [--fault-commit-delay-ms N]\n"
          "               [--fault-date-skew-s N] [--fault-start-date-at-call-start]\n"
          "               [--fault-endless-pages] [--fault-list-key KEY] [--fault-body TEXT]\n"
          "               [--fault-echo-key]\n"
          "Prints \"port=N\" once listening on 127.0.0.1. See tests/fake/README.md.\n",
          out);
}

static long num_arg(const char *opt, const char *s, long min, long max)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || !*s || *end || v < min || v > max) {
        fprintf(stderr, "fakeapi: %s wants an integer in %ld..%ld\n", opt, min, max);
        exit(64);
    }
    return v;
}

enum {
    OPT_PORT = 256,
    OPT_KEY,
    OPT_TASKS,
    OPT_LOG,
    OPT_HOSTILE,
    OPT_ALL_ERRORS,
    OPT_LIFETIME,
    OPT_FAULTS,
    OPT_F_STATUS,
    OPT_F_RETRY,
    OPT_F_DELAY,
    OPT_F_DROP,
    OPT_F_ACCEPT_DROP,
    OPT_F_TRUNC,
    OPT_F_RESET,
    OPT_F_GARBAGE,
    OPT_F_OVERSIZE,
    OPT_F_NEXT_LOOP,
    OPT_F_TIMES,
    OPT_F_PATH,
    OPT_F_METHOD,
    OPT_F_STORE_STATUS,
    OPT_F_STORE_DROP,
    OPT_F_COMMIT_DELAY,
    OPT_F_DATE_SKEW,
    OPT_F_START_AT_CALL,
    OPT_F_ENDLESS,
    OPT_F_LIST_KEY,
    OPT_F_BODY,
    OPT_F_ECHO_KEY,
    OPT_HELP
};

static const struct option long_opts[] = {
    {"port", required_argument, NULL, OPT_PORT},
    {"key", required_argument, NULL, OPT_KEY},
    {"tasks", required_argument, NULL, OPT_TASKS},
    {"log", required_argument, NULL, OPT_LOG},
    {"hostile", no_argument, NULL, OPT_HOSTILE},
    {"all-errors", no_argument, NULL, OPT_ALL_ERRORS},
    {"max-lifetime", required_argument, NULL, OPT_LIFETIME},
    {"faults", required_argument, NULL, OPT_FAULTS},
    {"fault-status", required_argument, NULL, OPT_F_STATUS},
    {"fault-retry-after", required_argument, NULL, OPT_F_RETRY},
    {"fault-delay-ms", required_argument, NULL, OPT_F_DELAY},
    {"fault-drop", no_argument, NULL, OPT_F_DROP},
    {"fault-accept-then-drop", no_argument, NULL, OPT_F_ACCEPT_DROP},
    {"fault-truncated", no_argument, NULL, OPT_F_TRUNC},
    {"fault-reset-mid-body", no_argument, NULL, OPT_F_RESET},
    {"fault-garbage", no_argument, NULL, OPT_F_GARBAGE},
    {"fault-oversize-mib", required_argument, NULL, OPT_F_OVERSIZE},
    {"fault-next-loop", no_argument, NULL, OPT_F_NEXT_LOOP},
    {"fault-times", required_argument, NULL, OPT_F_TIMES},
    {"fault-path", required_argument, NULL, OPT_F_PATH},
    {"fault-method", required_argument, NULL, OPT_F_METHOD},
    {"fault-store-then-status", required_argument, NULL, OPT_F_STORE_STATUS},
    {"fault-store-then-drop", no_argument, NULL, OPT_F_STORE_DROP},
    {"fault-commit-delay-ms", required_argument, NULL, OPT_F_COMMIT_DELAY},
    {"fault-date-skew-s", required_argument, NULL, OPT_F_DATE_SKEW},
    {"fault-start-date-at-call-start", no_argument, NULL, OPT_F_START_AT_CALL},
    {"fault-endless-pages", no_argument, NULL, OPT_F_ENDLESS},
    {"fault-list-key", required_argument, NULL, OPT_F_LIST_KEY},
    {"fault-body", required_argument, NULL, OPT_F_BODY},
    {"fault-echo-key", no_argument, NULL, OPT_F_ECHO_KEY},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
    long port = 0, ntasks = 45, lifetime = 600;
    const char *log_path = NULL, *faults_json = NULL;
    bool is_hostile = false, is_all_errors = false, has_fault = false;
    struct fake_fault *flag_fault = fake_fault_new();
    struct sockaddr_in sa;
    struct MHD_Daemon *d;
    const union MHD_DaemonInfo *info;
    sigset_t sigs;
    pid_t parent = getppid();
    time_t started = time(NULL);
    int opt, sig = 0;
    char *err;

    api_key = getenv("FAKEAPI_KEY");
    if (!api_key || !*api_key)
        api_key = FAKE_API_KEY;
    while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
        switch (opt) {
        case OPT_PORT:
            port = num_arg("--port", optarg, 0, 65535);
            break;
        case OPT_KEY:
            api_key = optarg;
            break;
        case OPT_TASKS:
            ntasks = num_arg("--tasks", optarg, 0, 1000000);
            break;
        case OPT_LOG:
            log_path = optarg;
            break;
        case OPT_HOSTILE:
            is_hostile = true;
            break;
        case OPT_ALL_ERRORS:
            is_all_errors = true;
            break;
        case OPT_LIFETIME:
            lifetime = num_arg("--max-lifetime", optarg, 0, 10000000);
            break;
        case OPT_FAULTS:
            faults_json = optarg;
            break;
        case OPT_F_STATUS:
            flag_fault->status = (int)num_arg("--fault-status", optarg, 100, 599);
            has_fault = true;
            break;
        case OPT_F_RETRY:
            flag_fault->retry_after = (int)num_arg("--fault-retry-after", optarg, 0, 86400);
            has_fault = true;
            break;
        case OPT_F_DELAY:
            flag_fault->delay_ms = (int)num_arg("--fault-delay-ms", optarg, 0, 600000);
            has_fault = true;
            break;
        case OPT_F_DROP:
            flag_fault->is_drop = has_fault = true;
            break;
        case OPT_F_ACCEPT_DROP:
            flag_fault->is_accept_then_drop = has_fault = true;
            break;
        case OPT_F_TRUNC:
            flag_fault->is_truncated = has_fault = true;
            break;
        case OPT_F_RESET:
            flag_fault->is_reset_mid_body = has_fault = true;
            break;
        case OPT_F_GARBAGE:
            flag_fault->is_garbage = has_fault = true;
            break;
        case OPT_F_NEXT_LOOP:
            flag_fault->is_next_loop = has_fault = true;
            break;
        case OPT_F_OVERSIZE:
            flag_fault->oversize_mib = (int)num_arg("--fault-oversize-mib", optarg, 1, 1024);
            has_fault = true;
            break;
        case OPT_F_TIMES:
            flag_fault->times = num_arg("--fault-times", optarg, 0, 1000000000);
            break;
        case OPT_F_PATH:
            str_set(&flag_fault->path, optarg);
            break;
        case OPT_F_METHOD:
            str_set(&flag_fault->method, optarg);
            break;
        case OPT_F_STORE_STATUS:
            flag_fault->store_then_status =
                (int)num_arg("--fault-store-then-status", optarg, 100, 999);
            has_fault = true;
            break;
        case OPT_F_STORE_DROP:
            flag_fault->is_accept_then_drop = has_fault = true;
            break;
        case OPT_F_COMMIT_DELAY:
            flag_fault->commit_delay_ms = (int)num_arg("--fault-commit-delay-ms", optarg, 0, 600000);
            has_fault = true;
            break;
        case OPT_F_DATE_SKEW:
            flag_fault->date_skew_s = num_arg("--fault-date-skew-s", optarg, -100000000, 100000000);
            flag_fault->has_date_skew = has_fault = true;
            break;
        case OPT_F_START_AT_CALL:
            flag_fault->is_start_at_call_start = has_fault = true;
            break;
        case OPT_F_ENDLESS:
            flag_fault->is_endless_pages = has_fault = true;
            break;
        case OPT_F_LIST_KEY:
            if (!*optarg) {
                fprintf(stderr, "fakeapi: --fault-list-key wants a name\n");
                return 64;
            }
            str_set(&flag_fault->list_key, optarg);
            has_fault = true;
            break;
        case OPT_F_BODY:
            str_set(&flag_fault->body, optarg);
            has_fault = true;
            break;
        case OPT_F_ECHO_KEY:
            flag_fault->is_echo_key = has_fault = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 64;
        }
    }
    if (optind < argc || !*api_key) {
        usage(stderr);
        return 64;
    }
    if (faults_json && !fake_faults_set(faults_json, &err)) {
        fprintf(stderr, "fakeapi: --faults: %s\n", err);
        return 64;
    }
    if (has_fault) {
        fake_fault_relabel(flag_fault);
        fake_faults_add(flag_fault);
    } else {
        fake_fault_free(flag_fault);
    }
    if (!fake_log_open(log_path)) {
        fprintf(stderr, "fakeapi: cannot open log %s: %s\n", log_path, strerror(errno));
        return 73;
    }
    fake_data_init((int)ntasks, is_hostile, is_all_errors);

#ifdef PR_SET_PDEATHSIG
    /* Die with the parent, so a crashed test never leaks a server; the ppid check in the loop
     * below covers the race before this call and non-Linux systems. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    /* Block the stop signals in every thread; the main thread takes them synchronously. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* Thread per connection: a delayed request must not hold up other connections. */
    d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL,
                         NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_URI_LOG_CALLBACK,
                         on_uri, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
                         MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "fakeapi: cannot listen on 127.0.0.1:%ld\n", port);
        return 71;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("port=%u\n", info ? (unsigned)info->port : (unsigned)port);
    fflush(stdout);

    for (;;) {
        struct timespec tick = {0, 200 * 1000000L};

        sig = sigtimedwait(&sigs, NULL, &tick);
        if (sig > 0)
            break;
        if (getppid() != parent)
            break;
        if (lifetime > 0 && time(NULL) - started >= lifetime) {
            fprintf(stderr, "fakeapi: --max-lifetime %ld s reached, stopping\n", lifetime);
            break;
        }
    }
    pthread_mutex_lock(&stop_lock);
    stopping = true;
    pthread_cond_broadcast(&stop_cond);
    pthread_mutex_unlock(&stop_lock);
    MHD_stop_daemon(d);
    fake_faults_clear();
    fake_data_done();
    fake_log_close();
    return 0;
}
