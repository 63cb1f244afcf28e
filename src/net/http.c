/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: libcurl glue. One CURLM per client, so consecutive requests share a keep-alive
 * connection.
 * Each struct http_req owns its easy handle, header list, request body and capped response
 * buffer; it is found again through CURLOPT_PRIVATE and freed after its callback. Everything
 * a server sends (body, headers, error text) has the API key redacted here, where it enters,
 * so no consumer can show, log or store it. Knows nothing about JSON or the screen. */
#include "config.h"
#include "net/http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/buf.h"
#include "net/curl_dl.h" /* after http.h: curl_* calls go through the loaded table */
#include "core/redact.h"
#include "core/util.h"

struct http_req {
    struct http_client *client;
    CURL *easy;
    struct curl_slist *headers;
    char *body; /* request body, owned */
    size_t body_len;
    size_t body_read; /* bytes of body handed to libcurl so far */
    struct buf resp;
    char errbuf[CURL_ERROR_SIZE];
    long retry_after;
    long long server_date_ms; /* Date header, 0 none */
    char *early_error; /* set when the request failed before reaching libcurl */
    enum http_outcome early_outcome;
    long long start_at_ms; /* CLOCK_MONOTONIC ms when a delayed request goes out */
    bool is_waiting;       /* delayed: set up, but not yet handed to the multi handle */
    http_done_fn done;
    void *ud;
    struct http_req *prev, *next; /* in-flight list */
};

struct http_client {
    CURLM *multi;
    char *base_url; /* without trailing slash */
    char *origin;   /* scheme://host[:port], to check absolute hrefs */
    char *host;
    char *auth_header;
    struct redact *redact; /* the key and its encodings, out of all a server sends */
    bool is_plain_http;    /* http:// to a loopback host: never through a proxy */
    char *ca_file;
    long connect_timeout_ms;
    long timeout_ms;
    struct http_req *reqs;
    int pending;
    int early;   /* requests with early_error, completed on the next perform */
    int waiting; /* delayed requests not yet started (http_start_after) */
};

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *http_outcome_name(enum http_outcome o)
{
    switch (o) {
    case HTTP_OUT_OK:
        return "ok";
    case HTTP_OUT_CLIENT_ERROR:
        return "rejected";
    case HTTP_OUT_AUTH:
        return "authentication rejected";
    case HTTP_OUT_RATE_LIMITED:
        return "rate limited";
    case HTTP_OUT_SERVER_ERROR:
        return "server error";
    case HTTP_OUT_OTHER_STATUS:
        return "unexpected response";
    case HTTP_OUT_TIMEOUT:
        return "timed out";
    case HTTP_OUT_CONNECT:
        return "connection failed";
    case HTTP_OUT_TOO_LARGE:
        return "response too large";
    case HTTP_OUT_TRANSPORT:
        return "transport error";
    case HTTP_OUT_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

bool http_outcome_is_temporary(enum http_outcome o)
{
    return o == HTTP_OUT_RATE_LIMITED || o == HTTP_OUT_SERVER_ERROR || o == HTTP_OUT_TIMEOUT ||
           o == HTTP_OUT_CONNECT || o == HTTP_OUT_TRANSPORT;
}

bool http_host_is_loopback(const char *host)
{
    char buf[64];
    size_t len;
    struct in_addr a4;
    struct in6_addr a6;

    if (!host)
        return false;
    if (!strcasecmp(host, "localhost"))
        return true;
    len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        if (len - 2 >= sizeof(buf))
            return false;
        memcpy(buf, host + 1, len - 2);
        buf[len - 2] = '\0';
        host = buf;
    }
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&a6);
    return false;
}

char *http_url_host(const char *url)
{
    const char *p = url ? strstr(url, "://") : NULL;
    size_t len;

    if (!p)
        return xstrdup("");
    p += 3;
    if (*p == '[') /* IPv6 literal: up to the bracket */
        len = strcspn(p, "]") + (p[strcspn(p, "]")] == ']');
    else
        len = strcspn(p, ":/?#");
    return xstrndup(p, len);
}

char *http_escape(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    char *out = xmalloc(strlen((const char *)p) * 3 + 1), *w = out;

    /* RFC 3986 unreserved characters stay, every other byte is percent-encoded */
    for (; *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
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

struct http_client *http_client_new(const struct http_options *opt, char **err)
{
    CURLU *u;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    struct http_client *c = NULL;
    size_t plen;

    *err = NULL;
    if (!curl_dl_load(err))
        return NULL;
    u = curl_url();
    if (!u)
        die("out of memory");
    if (!opt->base_url || curl_url_set(u, CURLUPART_URL, opt->base_url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        *err = xasprintf("the API base URL '%s' is not a valid URL",
                         opt->base_url ? opt->base_url : "");
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0) {
        if (strcasecmp(scheme, "http") != 0) {
            *err = xasprintf("the API base URL must start with https:// (got %s://)", scheme);
            goto out;
        }
        if (!http_host_is_loopback(host)) {
            *err = xasprintf("refusing to send the API key over plain http:// to %s; use "
                             "https:// (plain http is only allowed to 127.0.0.1, ::1 or "
                             "localhost)",
                             host);
            goto out;
        }
    }
    if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
        port = NULL;
    if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
        path = NULL;

    c = xcalloc(1, sizeof(*c));
    c->multi = curl_multi_init();
    if (!c->multi)
        die("cannot create a libcurl multi handle");
    c->host = xstrdup(host);
    c->origin = port ? xasprintf("%s://%s:%s", scheme, host, port)
                     : xasprintf("%s://%s", scheme, host);
    c->base_url = xasprintf("%s%s", c->origin, (path && strcmp(path, "/")) ? path : "");
    plen = strlen(c->base_url);
    while (plen > 0 && c->base_url[plen - 1] == '/')
        c->base_url[--plen] = '\0';
    c->auth_header = opt->api_key ? xasprintf("Authorization: Bearer %s", opt->api_key) : NULL;
    c->redact = redact_new(opt->api_key);
    c->is_plain_http = strcasecmp(scheme, "https") != 0;
    c->ca_file = xstrdup(opt->ca_file);
    c->connect_timeout_ms = opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : 10000;
    c->timeout_ms = opt->timeout_ms > 0 ? opt->timeout_ms : 30000;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_url_cleanup(u);
    return c;
}

const char *http_client_host(const struct http_client *c)
{
    return c->host;
}

long http_client_timeout_ms(const struct http_client *c)
{
    return c->timeout_ms;
}

const char *http_client_base_url(const struct http_client *c)
{
    return c->base_url;
}

int http_client_pending(const struct http_client *c)
{
    return c->pending;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;

    /* returning less than given aborts the transfer with CURLE_WRITE_ERROR */
    if (buf_append(&r->resp, data, size * n) != 0)
        return 0;
    return size * n;
}

static size_t on_body_read(char *dst, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t left = r->body_len - r->body_read;
    size_t len = size * n < left ? size * n : left;

    memcpy(dst, r->body + r->body_read, len);
    r->body_read += len;
    return len;
}

static int on_body_seek(void *ud, curl_off_t offset, int origin)
{
    struct http_req *r = ud;

    /* Rewinding a body nobody has read yet is harmless; anything else could resend it. */
    if (origin == SEEK_SET && offset == 0 && r->body_read == 0)
        return CURL_SEEKFUNC_OK;
    return CURL_SEEKFUNC_CANTSEEK;
}

static long parse_retry_after(const char *v)
{
    long long secs;
    time_t when;

    if (str_to_nonneg(v, 365LL * 24 * 3600, &secs))
        return (long)secs;
    when = curl_getdate(v, NULL);
    if (when != -1) {
        time_t now = time(NULL);
        return when > now ? (long)(when - now) : 0;
    }
    return -1;
}

/* The trimmed value of header line data when it is header `name` (with its colon). */
static char *header_value(const char *data, size_t len, const char *name)
{
    size_t nlen = strlen(name);
    char *v, *t;

    if (len <= nlen || len >= 256 || strncasecmp(data, name, nlen) != 0)
        return NULL;
    v = xstrndup(data + nlen, len - nlen);
    t = str_trim(v);
    free(v);
    return t;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct http_req *r = ud;
    size_t len = size * n, clean_len;
    char *line = redact_text(r->client->redact, data, len, &clean_len);
    char *v;

    if ((v = header_value(line, clean_len, "retry-after:"))) {
        r->retry_after = parse_retry_after(v);
        free(v);
    } else if ((v = header_value(line, clean_len, "date:"))) {
        /* the server's clock, for the outbox's look-up window (doc/outbox.md) */
        time_t when = curl_getdate(v, NULL);
        r->server_date_ms = when > 0 ? (long long)when * 1000 : 0;
        free(v);
    }
    free(line);
    return len;
}

/* Resolve target against the base URL. Absolute hrefs must stay on the same origin, so a
 * hostile "next" link cannot send our key elsewhere. NULL if it would leave. */
static char *resolve_target(const struct http_client *c, const char *target)
{
    size_t olen = strlen(c->origin);

    if (!strncasecmp(target, "http://", 7) || !strncasecmp(target, "https://", 8)) {
        if (strncasecmp(target, c->origin, olen) != 0 ||
            (target[olen] != '/' && target[olen] != '?' && target[olen] != '\0'))
            return NULL;
        return xstrdup(target);
    }
    if (target[0] == '/' && target[1] == '/')
        return NULL; /* scheme-relative: another host */
    /* The docs' relative hrefs ("/tasks?...") include the base path already when the base
     * has none; with a base path (a proxy), prefix it unless already present. */
    if (target[0] == '/') {
        const char *path = c->base_url + olen;
        if (*path && !strncmp(target, path, strlen(path)))
            return xasprintf("%s%s", c->origin, target);
        return xasprintf("%s%s", c->base_url, target);
    }
    return xasprintf("%s/%s", c->base_url, target);
}

static void link_req(struct http_client *c, struct http_req *r)
{
    r->next = c->reqs;
    if (c->reqs)
        c->reqs->prev = r;
    c->reqs = r;
    c->pending++;
}

static void unlink_req(struct http_client *c, struct http_req *r)
{
    if (r->prev)
        r->prev->next = r->next;
    else
        c->reqs = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->prev = r->next = NULL;
    c->pending--;
}

static void free_req(struct http_req *r)
{
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    free(r->body);
    free(r->early_error);
    buf_done(&r->resp);
    free(r);
}

/* s (owned, *len bytes) with the key redacted, replacing it */
static void redact_in_place(const struct redact *rd, char **s, size_t *len)
{
    size_t n = *len;
    char *clean = redact_text(rd, *s, n, &n);

    explicit_bzero(*s, *len);
    free(*s);
    *s = clean;
    *len = n;
}

static void finish(struct http_req *r, struct http_response *resp)
{
    if (!resp->body) {
        resp->body_len = r->resp.len;
        resp->body = buf_steal(&r->resp);
    }
    /* the one door server text comes in by: nothing past it holds the key */
    redact_in_place(r->client->redact, &resp->body, &resp->body_len);
    if (resp->error) {
        size_t elen = strlen(resp->error);
        redact_in_place(r->client->redact, &resp->error, &elen);
    }
    resp->retry_after = r->retry_after;
    resp->server_date_ms = r->server_date_ms;
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        resp->local_date_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    if (r->done)
        r->done(resp, r->ud);
    free(resp->body);
    free(resp->error);
    free_req(r);
}

/* A request that fails before reaching libcurl still completes from http_client_perform,
 * never from inside http_start, so callers see one code path and one moment. */
static void fail_later(struct http_client *c, struct http_req *r, enum http_outcome o,
                       const char *msg)
{
    r->early_outcome = o;
    r->early_error = xstrdup(msg);
    c->early++;
}

static enum http_outcome classify_status(long status)
{
    if (status >= 200 && status < 300)
        return HTTP_OUT_OK;
    if (status == 401 || status == 403)
        return HTTP_OUT_AUTH;
    if (status == 429)
        return HTTP_OUT_RATE_LIMITED;
    if (status >= 400 && status < 500)
        return HTTP_OUT_CLIENT_ERROR;
    if (status >= 500 && status < 600)
        return HTTP_OUT_SERVER_ERROR;
    return HTTP_OUT_OTHER_STATUS;
}

static enum http_outcome classify_curl(CURLcode rc, const struct http_req *r)
{
    switch (rc) {
    case CURLE_WRITE_ERROR:
        return r->resp.is_truncated ? HTTP_OUT_TOO_LARGE : HTTP_OUT_TRANSPORT;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_OUT_TIMEOUT;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_SEND_FAIL_REWIND: /* a resend on a new connection was refused */
        return HTTP_OUT_CONNECT;
    default:
        return HTTP_OUT_TRANSPORT;
    }
}

static bool setup_easy(struct http_client *c, struct http_req *r, const char *method,
                       const char *url)
{
    CURL *e = curl_easy_init();

    if (!e)
        return false;
    r->easy = e;
    r->headers = curl_slist_append(r->headers, "Accept: application/json");
    if (r->body) {
        r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
        /* no "Expect: 100-continue" round trip for long transcriptions */
        r->headers = curl_slist_append(r->headers, "Expect:");
    }
    if (c->auth_header)
        r->headers = curl_slist_append(r->headers, c->auth_header);
    if (!r->headers)
        return false;

    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "amplecall/" PACKAGE_VERSION);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* a redirect must not carry the key */
    if (c->is_plain_http) {
        /* Plain http goes to loopback only, and never through a proxy: libcurl would honour
         * http_proxy, ALL_PROXY and all_proxy (NO_PROXY aside) and hand the key, in clear
         * text, to whatever listens there. "" disables every proxy, NOPROXY "*" again. */
        curl_easy_setopt(e, CURLOPT_PROXY, "");
        curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    } else {
        /* https may go through a proxy, but only as a CONNECT tunnel with TLS to the server
         * end to end; our headers (the key) go to the server alone, never to the proxy. */
        curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
        curl_easy_setopt(e, CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE);
    }
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* whatever this libcurl can decode */
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (c->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
    if (r->body) {
        /* The body goes out through a read callback, not POSTFIELDS: libcurl silently resends
         * a request whose reused keep-alive connection died before any answer, and for a POST
         * the server may already have stored the call. It must rewind the body to resend,
         * and on_body_seek refuses once any of it was handed over, so the attempt ends as
         * "maybe sent" instead of becoming a duplicate. The connection stays shared. */
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, on_body_read);
        curl_easy_setopt(e, CURLOPT_READDATA, r);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, on_body_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, r);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    }
    if (strcmp(method, "GET") && strcmp(method, "POST"))
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    else if (!strcmp(method, "POST") && !r->body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, "");
    return true;
}

bool http_target_is_allowed(const struct http_client *c, const char *target)
{
    char *url = target ? resolve_target(c, target) : NULL;
    bool ok = url != NULL;

    free(url);
    return ok;
}

struct http_req *http_start(struct http_client *c, const char *method, const char *target,
                            const char *body, http_done_fn done, void *ud)
{
    return http_start_after(c, 0, method, target, body, done, ud);
}

struct http_req *http_start_after(struct http_client *c, long delay_ms, const char *method,
                                  const char *target, const char *body, http_done_fn done,
                                  void *ud)
{
    struct http_req *r = xcalloc(1, sizeof(*r));
    char *url;

    r->client = c;
    r->done = done;
    r->ud = ud;
    r->retry_after = -1;
    r->body = xstrdup(body);
    r->body_len = body ? strlen(body) : 0;
    buf_init(&r->resp, HTTP_MAX_BODY);
    link_req(c, r);
    url = resolve_target(c, target);
    if (!url)
        fail_later(c, r, HTTP_OUT_TRANSPORT, "refusing to follow a link to another host");
    else if (!setup_easy(c, r, method, url))
        fail_later(c, r, HTTP_OUT_TRANSPORT, "cannot start the request (libcurl)");
    else if (delay_ms > 0) {
        /* handed to libcurl by http_client_perform once due; until then only a timer */
        r->is_waiting = true;
        r->start_at_ms = mono_ms() + delay_ms;
        c->waiting++;
    } else if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK)
        fail_later(c, r, HTTP_OUT_TRANSPORT, "cannot start the request (libcurl)");
    free(url);
    return r;
}

/* Start the delayed requests that are due. */
static void start_due(struct http_client *c)
{
    long long now;

    if (c->waiting == 0)
        return;
    now = mono_ms();
    for (struct http_req *r = c->reqs; r; r = r->next) {
        if (!r->is_waiting || r->start_at_ms > now)
            continue;
        r->is_waiting = false;
        c->waiting--;
        if (curl_multi_add_handle(c->multi, r->easy) != CURLM_OK)
            fail_later(c, r, HTTP_OUT_TRANSPORT, "cannot start the request (libcurl)");
    }
}

/* Milliseconds until the first delayed request is due, or -1 when none waits. */
static long long next_due_ms(const struct http_client *c)
{
    long long first = -1, now;

    if (c->waiting == 0)
        return -1;
    now = mono_ms();
    for (const struct http_req *r = c->reqs; r; r = r->next) {
        if (!r->is_waiting)
            continue;
        if (first < 0 || r->start_at_ms < first)
            first = r->start_at_ms;
    }
    return first < 0 ? -1 : first > now ? first - now : 0;
}

void http_cancel(struct http_client *c, struct http_req *r)
{
    struct http_response resp = {0};

    if (!r)
        return;
    if (r->early_error)
        c->early--;
    else if (r->is_waiting)
        c->waiting--;
    else
        curl_multi_remove_handle(c->multi, r->easy);
    unlink_req(c, r);
    resp.outcome = HTTP_OUT_CANCELLED;
    resp.error = xstrdup("cancelled");
    finish(r, &resp);
}

void http_client_free(struct http_client *c)
{
    if (!c)
        return;
    while (c->reqs)
        http_cancel(c, c->reqs);
    curl_multi_cleanup(c->multi);
    free(c->base_url);
    free(c->origin);
    free(c->host);
    if (c->auth_header)
        memset(c->auth_header, 0, strlen(c->auth_header));
    free(c->auth_header);
    redact_free(c->redact);
    free(c->ca_file);
    free(c);
}

void http_client_poll(struct http_client *c, struct curl_waitfd *extra, unsigned n_extra,
                      int timeout_ms)
{
    long long due = next_due_ms(c);

    if (c->early)
        timeout_ms = 0;
    else if (due >= 0 && (timeout_ms < 0 || due < timeout_ms))
        timeout_ms = (int)due; /* wake up for a delayed request */
    curl_multi_poll(c->multi, extra, n_extra, timeout_ms, NULL);
}

/* Failures that end a transfer before our request could leave: the TLS handshake comes
 * first. (Through a proxy, CURLINFO_REQUEST_SIZE counts the CONNECT request already.) */
static bool is_before_request(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
        return true;
    default:
        return false;
    }
}

static void complete(struct http_client *c, struct http_req *r, CURLcode rc)
{
    struct http_response resp = {0};
    curl_off_t up = 0;
    long req_size = 0, tunnel = 0;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &resp.status);
    curl_easy_getinfo(r->easy, CURLINFO_SIZE_UPLOAD_T, &up);
    curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &req_size);
    curl_easy_getinfo(r->easy, CURLINFO_HTTP_CONNECTCODE, &tunnel);
    resp.is_body_sent = up > 0 || req_size > 0 || r->body_read > 0;
    if (rc != CURLE_OK && (is_before_request(rc) || (tunnel != 0 && (tunnel < 200 || tunnel > 299))))
        resp.is_body_sent = r->body_read > 0; /* the proxy or the handshake stopped it */
    if (rc != CURLE_OK && tunnel != 0 && (tunnel < 200 || tunnel > 299)) {
        /* the proxy refused the CONNECT tunnel: only it saw anything, and no key */
        resp.outcome = HTTP_OUT_CONNECT;
        resp.error = xasprintf("the proxy refused the tunnel (HTTP %ld)", tunnel);
        buf_reset(&r->resp);
    } else if (rc == CURLE_OK) {
        resp.outcome = classify_status(resp.status);
    } else {
        resp.outcome = classify_curl(rc, r);
        if (resp.outcome == HTTP_OUT_TOO_LARGE)
            resp.error = xasprintf("the response is larger than %u MiB",
                                   HTTP_MAX_BODY / (1024u * 1024u));
        else
            resp.error = xstrdup(r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc));
        resp.status = 0; /* a partial response is not an answer */
        buf_reset(&r->resp);
    }
    curl_multi_remove_handle(c->multi, r->easy);
    unlink_req(c, r);
    finish(r, &resp);
}

void http_client_perform(struct http_client *c)
{
    int running, left;
    CURLMsg *m;

    start_due(c);
    while (c->early > 0) {
        struct http_req *r = c->reqs;
        struct http_response resp = {0};
        while (r && !r->early_error)
            r = r->next;
        if (!r)
            break;
        c->early--;
        unlink_req(c, r);
        resp.outcome = r->early_outcome;
        resp.error = xstrdup(r->early_error);
        finish(r, &resp);
    }
    curl_multi_perform(c->multi, &running);
    while ((m = curl_multi_info_read(c->multi, &left))) {
        struct http_req *r = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (r)
            complete(c, r, m->data.result);
    }
}

void http_client_wait(struct http_client *c)
{
    while (c->pending > 0) {
        http_client_poll(c, NULL, 0, 1000);
        http_client_perform(c);
    }
}
