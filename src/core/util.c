/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layer: allocation wrappers that treat out-of-memory as fatal, die(), and small string
 * helpers. Owns nothing global but the die hook. */
#include "config.h"
#include "core/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*die_hook)(void);

void util_set_die_hook(void (*hook)(void))
{
    die_hook = hook;
}

_Noreturn void die(const char *fmt, ...)
{
    va_list ap;
    void (*hook)(void) = die_hook;

    die_hook = NULL; /* a failing hook must not recurse */
    if (hook)
        hook();
    fputs("amplecall: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(70);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory");
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory");
    return q;
}

char *xstrdup(const char *s)
{
    return s ? xstrndup(s, strlen(s)) : NULL;
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        die("formatting failed");
    p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void str_set(char **dst, const char *src)
{
    char *copy = xstrdup(src);
    free(*dst);
    *dst = copy;
}

bool str_blank(const char *s)
{
    if (!s)
        return true;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

char *str_trim(const char *s)
{
    const char *end;

    if (!s)
        return xstrdup("");
    while (*s && isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    return xstrndup(s, (size_t)(end - s));
}

bool str_to_nonneg(const char *s, long long max, long long *out)
{
    long long v = 0;
    bool has_digit = false;

    if (!s)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    for (; *s >= '0' && *s <= '9'; s++) {
        int d = *s - '0';
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
        has_digit = true;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (!has_digit || *s)
        return false;
    *out = v;
    return true;
}
