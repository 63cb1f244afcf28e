/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Net layer: load libcurl at run time. Debian's libcurl brings ~25 shared libraries (OpenSSL,
 * GnuTLS, Kerberos, LDAP, ...) whose loading took about 6 ms of a 14 ms start, all before main():
 * linked normally, the form could not paint until they were in. Loaded here, on the first
 * HTTP client, they arrive after the first paint. Owns the dlopen handle for the process. */
#define _GNU_SOURCE /* RTLD_DEEPBIND */
#include "config.h"
#define AMPLECALL_CURL_DL_NO_MACROS
#include "net/curl_dl.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/util.h"

struct curl_dl curl_dl;

/* The SONAMEs of libcurl's ABI 4 builds: the one we were built against first. */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4", "libcurl-nss.so.4",
                                      "libcurl.so"};

#define SYM(name) {#name, (void **)&curl_dl.name}
static const struct {
    const char *name;
    void **slot;
} symbols[] = {
    SYM(curl_global_init),      SYM(curl_easy_init),       SYM(curl_easy_setopt),
    SYM(curl_easy_getinfo),     SYM(curl_easy_cleanup),    SYM(curl_easy_strerror),
    SYM(curl_free),             SYM(curl_getdate),         SYM(curl_multi_init),
    SYM(curl_multi_add_handle), SYM(curl_multi_remove_handle), SYM(curl_multi_cleanup),
    SYM(curl_multi_info_read),  SYM(curl_multi_perform),   SYM(curl_multi_poll),
    SYM(curl_slist_append),     SYM(curl_slist_free_all),  SYM(curl_url),
    SYM(curl_url_cleanup),      SYM(curl_url_get),         SYM(curl_url_set),
};

/* RTLD_DEEPBIND makes libcurl's ~25 libraries look their symbols up among themselves before
 * the program's own libraries: the same bindings (we export nothing they use), found in
 * about 10% fewer instructions (measured: 12.07 M -> 10.85 M for the dlopen alone).
 * Sanitizer runtimes interpose malloc and refuse DEEPBIND, so their builds go without. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOAD_FLAGS (RTLD_LAZY | RTLD_LOCAL)
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                    \
    __has_feature(memory_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define LOAD_FLAGS (RTLD_LAZY | RTLD_LOCAL)
#endif
#endif
#ifndef LOAD_FLAGS
#define LOAD_FLAGS (RTLD_LAZY | RTLD_LOCAL | RTLD_DEEPBIND)
#endif

/* libcurl's librtmp and libldap link GnuTLS, whose constructor initialises it at load time
 * (priority files, RNG, about 0.6 MB of pages and 0.65 M instructions) although we only
 * allow http and https (http.c sets CURLOPT_PROTOCOLS_STR). GNUTLS_NO_IMPLICIT_INIT=1 skips
 * that constructor; a GnuTLS-flavoured libcurl still calls gnutls_global_init() itself.
 * Set only around the dlopen, and only when the user has not chosen a value. */
static void *open_libcurl(const char *soname)
{
    bool is_ours = !getenv("GNUTLS_NO_IMPLICIT_INIT");
    void *h;

    if (is_ours)
        setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 1);
    h = dlopen(soname, LOAD_FLAGS); /* bind functions on first call, as linking would */
    if (is_ours)
        unsetenv("GNUTLS_NO_IMPLICIT_INIT"); /* $EDITOR and api_key_command must not see it */
    return h;
}

bool curl_dl_load(char **err)
{
    static void *handle;
    static char *failure;

    *err = NULL;
    if (handle)
        return true;
    if (failure) {
        *err = xstrdup(failure);
        return false;
    }
    for (size_t i = 0; i < ARRAY_LEN(sonames) && !handle; i++)
        handle = open_libcurl(sonames[i]);
    if (!handle) {
        const char *why = dlerror();
        failure = xasprintf("cannot load libcurl (%s); install libcurl4", why ? why : "not found");
        *err = xstrdup(failure);
        return false;
    }
    for (size_t i = 0; i < ARRAY_LEN(symbols); i++) {
        *symbols[i].slot = dlsym(handle, symbols[i].name);
        if (!*symbols[i].slot) {
            failure = xasprintf("the libcurl found lacks %s (need 7.66 or later)",
                                symbols[i].name);
            goto fail;
        }
    }
    if (curl_dl.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        failure = xstrdup("cannot initialise libcurl");
        goto fail;
    }
    return true;
fail:
    dlclose(handle);
    handle = NULL;
    *err = xstrdup(failure);
    return false;
}
