/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_HTTP_H
#define AMPLECALL_HTTP_H
/* Net layer: libcurl multi glue: one client (one CURLM, so one keep-alive connection pool) per
 * process, requests with capped response bodies, outcome classification. No JSON, no curses.
 * Drive it either from an event loop (http_client_poll + http_client_perform) or
 * blocking (http_client_wait). */
#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#define HTTP_MAX_BODY (8u * 1024u * 1024u)

enum http_outcome {
    HTTP_OUT_OK = 0,       /* 2xx */
    HTTP_OUT_CLIENT_ERROR, /* 4xx other than 401/403/429: the request was rejected */
    HTTP_OUT_AUTH,         /* 401 or 403 */
    HTTP_OUT_RATE_LIMITED, /* 429 */
    HTTP_OUT_SERVER_ERROR, /* 5xx */
    HTTP_OUT_OTHER_STATUS, /* 1xx/3xx: unexpected */
    HTTP_OUT_TIMEOUT,      /* connect or total timeout */
    HTTP_OUT_CONNECT,      /* refused, unresolvable, reset/closed before a full response */
    HTTP_OUT_TOO_LARGE,    /* response body past HTTP_MAX_BODY */
    HTTP_OUT_TRANSPORT,    /* other transport failure (TLS, protocol) */
    HTTP_OUT_CANCELLED,    /* http_cancel() or client freed */
};

/* borrowed, e.g. "timed out" */
const char *http_outcome_name(enum http_outcome o);
/* true for outcomes worth retrying later (timeout, connect, 5xx, 429, transport) */
bool http_outcome_is_temporary(enum http_outcome o);

struct http_response {
    enum http_outcome outcome;
    long status;       /* HTTP status, 0 if none received */
    char *body;        /* owned by the response; NUL-terminated, never NULL */
    size_t body_len;
    long retry_after;  /* seconds from Retry-After (delta or HTTP date), -1 if absent */
    char *error;       /* owned transport error text, NULL when a status arrived */
    bool is_body_sent; /* some of the request went out: a POST may have reached the server */
    long long server_date_ms; /* the server's Date header (1 s precision), 0 if absent */
    long long local_date_ms;  /* our wall clock when the response ended, for the skew */
};

struct http_client;
struct http_req;

struct http_options {
    const char *base_url;   /* e.g. "https://api.amplemarket.com"; no trailing slash needed */
    const char *api_key;    /* copied; never logged */
    long connect_timeout_ms; /* 0 = default 10000 */
    long timeout_ms;         /* whole request; 0 = default 30000 */
    const char *ca_file;     /* extra CA bundle, NULL = system default */
};

/* Called once when a request ends, from inside http_client_perform/wait. resp is borrowed;
 * a callback that wants the body may take it (set resp->body = NULL). The request is freed
 * after the callback returns. */
typedef void (*http_done_fn)(struct http_response *resp, void *ud);

/* NULL with *err (owned) set when the options are unusable, e.g. a plain http:// base URL
 * that is not loopback (the key would travel in clear text). */
struct http_client *http_client_new(const struct http_options *opt, char **err);
/* Cancels (callbacks run with HTTP_OUT_CANCELLED) and frees everything. NULL is a no-op. */
void http_client_free(struct http_client *c);
/* borrowed: the base URL's host, for the status bar */
const char *http_client_host(const struct http_client *c);
/* borrowed */
const char *http_client_base_url(const struct http_client *c);
/* The whole-request timeout in force, in ms. */
long http_client_timeout_ms(const struct http_client *c);

/* Start a request. target is a path ("/calls"), a path with query, or an absolute href on
 * the same base; body (copied) may be NULL. Never NULL; failures arrive via done. */
struct http_req *http_start(struct http_client *c, const char *method, const char *target,
                            const char *body, http_done_fn done, void *ud);
/* The same, sent delay_ms from now (0 = at once): until then the request only waits, so an
 * event loop keeps running; http_client_poll wakes up when it is due. Counts as pending. */
struct http_req *http_start_after(struct http_client *c, long delay_ms, const char *method,
                                  const char *target, const char *body, http_done_fn done,
                                  void *ud);
/* true when http_start would send target (a path, or an absolute href on the base's origin);
 * false for a link to another host, which is never followed (it would carry the key). */
bool http_target_is_allowed(const struct http_client *c, const char *target);
/* Abort a request still in flight; its callback runs with HTTP_OUT_CANCELLED. */
void http_cancel(struct http_client *c, struct http_req *r);
/* Number of requests in flight. */
int http_client_pending(const struct http_client *c);

/* Wait up to timeout_ms for network activity or for one of the extra fds (curl_multi_poll). */
void http_client_poll(struct http_client *c, struct curl_waitfd *extra, unsigned n_extra,
                      int timeout_ms);
/* Make progress and run the callbacks of finished requests. */
void http_client_perform(struct http_client *c);
/* Block until no request is in flight. */
void http_client_wait(struct http_client *c);

/* The host part of a URL ("https://h:1/x" -> "h"), without loading libcurl; owned, "" if
 * there is none. For display only: http_client_new does the real parsing. */
char *http_url_host(const char *url);
/* Percent-encode a query value (owned). */
char *http_escape(const char *s);
/* true for 127.0.0.0/8, ::1 and "localhost" */
bool http_host_is_loopback(const char *host);

#endif
