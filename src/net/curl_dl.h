/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_CURL_DL_H
#define AMPLECALL_CURL_DL_H
/* Net layer: libcurl, loaded with dlopen on first use instead of linked (see curl_dl.c for why).
 * Only http.c includes this: after the include, calls to the curl_* functions it lists go
 * through the table. */
#include <stdbool.h>
#include <time.h>
#include <curl/curl.h>

struct curl_dl {
    CURLcode (*curl_global_init)(long flags);
    CURL *(*curl_easy_init)(void);
    CURLcode (*curl_easy_setopt)(CURL *e, CURLoption opt, ...);
    CURLcode (*curl_easy_getinfo)(CURL *e, CURLINFO info, ...);
    void (*curl_easy_cleanup)(CURL *e);
    const char *(*curl_easy_strerror)(CURLcode rc);
    void (*curl_free)(void *p);
    time_t (*curl_getdate)(const char *s, const time_t *unused);
    CURLM *(*curl_multi_init)(void);
    CURLMcode (*curl_multi_add_handle)(CURLM *m, CURL *e);
    CURLMcode (*curl_multi_remove_handle)(CURLM *m, CURL *e);
    CURLMcode (*curl_multi_cleanup)(CURLM *m);
    CURLMsg *(*curl_multi_info_read)(CURLM *m, int *left);
    CURLMcode (*curl_multi_perform)(CURLM *m, int *running);
    CURLMcode (*curl_multi_poll)(CURLM *m, struct curl_waitfd extra[], unsigned n, int ms,
                                 int *ret);
    struct curl_slist *(*curl_slist_append)(struct curl_slist *l, const char *s);
    void (*curl_slist_free_all)(struct curl_slist *l);
    CURLU *(*curl_url)(void);
    void (*curl_url_cleanup)(CURLU *u);
    CURLUcode (*curl_url_get)(CURLU *u, CURLUPart what, char **part, unsigned int flags);
    CURLUcode (*curl_url_set)(CURLU *u, CURLUPart what, const char *part, unsigned int flags);
};

extern struct curl_dl curl_dl;

/* Load libcurl and run curl_global_init, once. false with *err (owned) when it is missing. */
bool curl_dl_load(char **err);

#ifndef AMPLECALL_CURL_DL_NO_MACROS
/* curl.h may define the first two as type-checking macros; the table takes their place. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init curl_dl.curl_global_init
#define curl_easy_init curl_dl.curl_easy_init
#define curl_easy_setopt curl_dl.curl_easy_setopt
#define curl_easy_getinfo curl_dl.curl_easy_getinfo
#define curl_easy_cleanup curl_dl.curl_easy_cleanup
#define curl_easy_strerror curl_dl.curl_easy_strerror
#define curl_free curl_dl.curl_free
#define curl_getdate curl_dl.curl_getdate
#define curl_multi_init curl_dl.curl_multi_init
#define curl_multi_add_handle curl_dl.curl_multi_add_handle
#define curl_multi_remove_handle curl_dl.curl_multi_remove_handle
#define curl_multi_cleanup curl_dl.curl_multi_cleanup
#define curl_multi_info_read curl_dl.curl_multi_info_read
#define curl_multi_perform curl_dl.curl_multi_perform
#define curl_multi_poll curl_dl.curl_multi_poll
#define curl_slist_append curl_dl.curl_slist_append
#define curl_slist_free_all curl_dl.curl_slist_free_all
#define curl_url curl_dl.curl_url
#define curl_url_cleanup curl_dl.curl_url_cleanup
#define curl_url_get curl_dl.curl_url_get
#define curl_url_set curl_dl.curl_url_set
#endif

#endif
