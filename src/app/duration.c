/* SPDX-License-Identifier: GPL-3.0-or-later */
/* App layer: parsing a typed call length (duration.h). Every part is checked before it is
 * multiplied, so no input can overflow. */
#include "config.h"
#include "app/duration.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define MAX_PARTS 3

bool duration_has_colon(const char *s)
{
    return s && strchr(s, ':') != NULL;
}

/* One run of digits at *p (advanced past it); false when there is none or it exceeds cap. */
static bool read_part(const char **p, long long cap, long long *out, int *n_digits)
{
    long long v = 0;
    int n = 0;

    while (isdigit((unsigned char)**p)) {
        v = v * 10 + (**p - '0');
        if (v > cap)
            return false;
        (*p)++;
        n++;
    }
    *out = v;
    *n_digits = n;
    return n > 0;
}

bool duration_parse(const char *s, long long *secs, char **why)
{
    long long part[MAX_PARTS], total = 0;
    int digits[MAX_PARTS], n = 0;
    const char *p = s ? s : "";
    const char *start, *end;
    char *shown;

    *why = NULL;
    *secs = 0;
    while (*p == ' ' || *p == '\t')
        p++;
    start = p;
    end = start + strlen(start);
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    shown = xstrndup(start, (size_t)(end - start));
    if (end == start) {
        *why = xstrdup("Duration is empty");
        goto fail;
    }
    for (;;) {
        if (n == MAX_PARTS) {
            *why = xasprintf("%s: too many parts; use 95, 1:35 or 1:02:03", shown);
            goto fail;
        }
        if (!isdigit((unsigned char)*p)) {
            *why = xasprintf("%s is not a length: use seconds (95), m:ss (1:35) or "
                             "h:mm:ss (1:02:03)",
                             shown);
            goto fail;
        }
        if (!read_part(&p, DURATION_MAX_S, &part[n], &digits[n])) {
            *why = xasprintf("%s is longer than the longest call (10 years)", shown);
            goto fail;
        }
        n++;
        if (p == end)
            break;
        if (*p != ':') {
            *why = xasprintf("%s is not a length: use seconds (95), m:ss (1:35) or "
                             "h:mm:ss (1:02:03)",
                             shown);
            goto fail;
        }
        p++;
    }
    for (int i = 1; i < n; i++) {
        const char *unit = i == n - 1 ? "seconds" : "minutes";
        if (digits[i] > 2) {
            *why = xasprintf("%s: %s after a colon take at most two digits", shown, unit);
            goto fail;
        }
        if (part[i] >= 60) {
            *why = xasprintf("%s: %s must be under 60", shown, unit);
            goto fail;
        }
    }
    for (int i = 0; i < n; i++) /* each part is at most the cap: no overflow in 3 parts */
        total = total * 60 + part[i];
    if (total > DURATION_MAX_S) {
        *why = xasprintf("%s is longer than the longest call (10 years)", shown);
        goto fail;
    }
    free(shown);
    *secs = total;
    return true;
fail:
    free(shown);
    return false;
}
