/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: parse the API's {"_errors":[...]} envelope and RFC 6901 pointers into field ids.
 * Tolerant by design: the docs disagree on the envelope's exact shape, so only the
 * "_errors" array is required and every member is optional. */
#include "config.h"
#include "core/apierr.h"

#include <stdlib.h>
#include <string.h>

#include "core/jsonx.h"
#include "core/util.h"

#define MAX_ERRORS 100
#define MAX_TEXT 4096 /* a detail longer than this is cut: it is for humans, not data */

void api_errors_init(struct api_errors *e)
{
    e->v = NULL;
    e->n = 0;
}

void api_errors_done(struct api_errors *e)
{
    for (size_t i = 0; i < e->n; i++) {
        struct api_error *x = &e->v[i];
        free(x->code);
        free(x->title);
        free(x->detail);
        free(x->pointer);
        free(x->parameter);
        free(x->header);
    }
    free(e->v);
    api_errors_init(e);
}

static char *capped(const char *s)
{
    return s ? xstrndup(s, MAX_TEXT) : NULL;
}

int json_pointer_parse(const char *ptr, char ***toks)
{
    char **v = NULL;
    int n = 0;
    const char *p;

    *toks = NULL;
    if (!ptr || (*ptr && *ptr != '/'))
        return -1;
    p = ptr;
    while (*p == '/') {
        const char *end = strchr(p + 1, '/');
        size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);
        char *tok = xmalloc(len + 1), *w = tok;

        for (size_t i = 0; i < len; i++) {
            char c = p[1 + i];
            if (c == '~') {
                char d = i + 1 < len ? p[2 + i] : '\0';
                if (d != '0' && d != '1') {
                    free(tok);
                    json_pointer_free(v, n);
                    return -1;
                }
                *w++ = d == '0' ? '~' : '/';
                i++;
            } else {
                *w++ = c;
            }
        }
        *w = '\0';
        v = xrealloc(v, (size_t)(n + 1) * sizeof(*v));
        v[n++] = tok;
        p += 1 + len;
    }
    *toks = v;
    return n;
}

void json_pointer_free(char **toks, int n)
{
    for (int i = 0; i < n; i++)
        free(toks[i]);
    free(toks);
}

enum field_id apierr_pointer_field(const char *ptr)
{
    char **toks;
    int n = json_pointer_parse(ptr, &toks);
    enum field_id f = FIELD_NONE;

    /* "/task_id" names a field; "/task_id/0" or deeper still points into that field */
    if (n >= 1)
        f = field_from_json_name(toks[0]);
    if (n >= 0)
        json_pointer_free(toks, n);
    return f;
}

bool apierr_parse(const char *body, size_t len, struct api_errors *out)
{
    json_object *root = jsonx_parse(body, len);
    json_object *arr;
    size_t n;

    if (!root)
        return false;
    arr = jsonx_get(root, "_errors", json_type_array);
    if (!arr) {
        json_object_put(root);
        return false;
    }
    n = json_object_array_length(arr);
    for (size_t i = 0; i < n && out->n < MAX_ERRORS; i++) {
        json_object *item = json_object_array_get_idx(arr, i);
        json_object *src;
        struct api_error *e;

        if (!json_object_is_type(item, json_type_object))
            continue;
        out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
        e = &out->v[out->n++];
        memset(e, 0, sizeof(*e));
        e->code = capped(jsonx_str(item, "code"));
        e->title = capped(jsonx_str(item, "title"));
        e->detail = capped(jsonx_str(item, "detail"));
        src = jsonx_get(item, "source", json_type_object);
        e->pointer = capped(jsonx_str(src, "pointer"));
        e->parameter = capped(jsonx_str(src, "parameter"));
        e->header = capped(jsonx_str(src, "header"));
        e->field = e->pointer ? apierr_pointer_field(e->pointer) : FIELD_NONE;
    }
    json_object_put(root);
    return true;
}

char *apierr_message(const struct api_error *e)
{
    if (e->detail && *e->detail)
        return xstrdup(e->detail);
    if (e->title && *e->title)
        return xstrdup(e->title);
    if (e->code && *e->code)
        return xstrdup(e->code);
    return xstrdup("unspecified error");
}
