/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fuzz the error envelope parser and the RFC 6901 pointer decoder with server-controlled
 * bytes. Properties: no crash or leak; every parsed error yields a message and a field id in
 * range; a pointer that parses re-encodes to exactly the input (the encoding is unique). */
#include "config.h"
#include "fuzz.h"

#include <string.h>

#include "core/apierr.h"
#include "core/buf.h"
#include "core/util.h"

static void check_pointer(const char *s)
{
    char **toks;
    int n = json_pointer_parse(s, &toks);
    enum field_id f = apierr_pointer_field(s);

    FUZZ_CHECK(f >= FIELD_NONE && f < FIELD_COUNT);
    if (n < 0) {
        FUZZ_CHECK(toks == NULL);
        FUZZ_CHECK(f == FIELD_NONE);
        return;
    }
    {
        struct buf b;
        buf_init(&b, strlen(s) * 2 + 16);
        for (int i = 0; i < n; i++) {
            FUZZ_CHECK(toks[i] != NULL);
            buf_append(&b, "/", 1);
            for (const char *p = toks[i]; *p; p++) {
                if (*p == '~')
                    buf_appends(&b, "~0");
                else if (*p == '/')
                    buf_appends(&b, "~1");
                else
                    buf_append(&b, p, 1);
            }
        }
        FUZZ_CHECK(strcmp(buf_str(&b), s) == 0);
        buf_done(&b);
    }
    if (n >= 1)
        FUZZ_CHECK(f == field_from_json_name(toks[0]));
    json_pointer_free(toks, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct api_errors e;
    char *text;
    bool is_envelope;

    api_errors_init(&e);
    is_envelope = apierr_parse((const char *)data, size, &e);
    FUZZ_CHECK(is_envelope || e.n == 0);
    FUZZ_CHECK(e.n <= 100);
    for (size_t i = 0; i < e.n; i++) {
        char *m = apierr_message(&e.v[i]);
        FUZZ_CHECK(m != NULL && *m);
        FUZZ_CHECK(e.v[i].field >= FIELD_NONE && e.v[i].field < FIELD_COUNT);
        if (e.v[i].pointer)
            check_pointer(e.v[i].pointer);
        free(m);
    }
    api_errors_done(&e);
    FUZZ_CHECK(e.n == 0 && e.v == NULL);

    /* the same bytes as a pointer (up to the first NUL, as a C string would be) */
    text = xstrndup((const char *)data, size);
    check_pointer(text);
    free(text);
    return 0;
}
