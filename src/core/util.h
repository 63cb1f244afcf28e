/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_UTIL_H
#define AMPLECALL_UTIL_H
/* Core layer: allocation that cannot fail (out of memory is fatal), die(), small string helpers. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/* owned; xstrdup(NULL) returns NULL */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Runs before die() prints, e.g. to restore the terminal. One hook; NULL clears it. */
void util_set_die_hook(void (*hook)(void));
/* Print "amplecall: <msg>" to stderr and exit(70). */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Replace *dst (freeing the old value) with a copy of src (may be NULL). */
void str_set(char **dst, const char *src);
/* true for NULL, "" and strings of only spaces/tabs */
bool str_blank(const char *s);
/* Trim leading and trailing ASCII whitespace; returns owned copy. */
char *str_trim(const char *s);
/* Parse a non-negative decimal integer with nothing else around it (spaces trimmed). */
bool str_to_nonneg(const char *s, long long max, long long *out);

#endif
