/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Store layer: the send protocol's rules that need no network or store: the backoff, how a
 * server call is matched against ours (every field sent), and the verdict table of
 * doc/outbox.md (what an HTTP outcome means for a call). Declared in outbox.h. */
#include "config.h"
#include "store/outbox.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/util.h"

/* ---- pure helpers ---- */

long long outbox_backoff_ms(const struct outbox_options *opt, int attempts, long retry_after,
                            unsigned rnd)
{
    long long base = opt && opt->backoff_base_ms > 0 ? opt->backoff_base_ms
                                                     : OUTBOX_BACKOFF_BASE_MS;
    long long max = opt && opt->backoff_max_ms > 0 ? opt->backoff_max_ms : OUTBOX_BACKOFF_MAX_MS;
    long long delay = base;

    if (retry_after >= 0)
        return (long long)retry_after * 1000;
    for (int i = 1; i < attempts && delay < max; i++)
        delay *= 2;
    if (delay > max)
        delay = max;
    /* "equal jitter": never sooner than half the delay, so a down server is not hammered,
     * yet processes that failed together spread out */
    return delay / 2 + (long long)(rnd % (unsigned long long)(delay / 2 + 1));
}

/* Digits only, so "+1 415-555 0100" equals "14155550100" (a server may drop the "+"). */
static void phone_key(const char *s, char *out, size_t cap)
{
    size_t n = 0;

    for (; s && *s && n + 1 < cap; s++)
        if (*s >= '0' && *s <= '9')
            out[n++] = *s;
    out[n] = '\0';
}

static bool same_phone(const char *a, const char *b)
{
    char ka[64], kb[64];

    phone_key(a, ka, sizeof(ka));
    phone_key(b, kb, sizeof(kb));
    return !strcmp(ka, kb);
}

/* Free text compared as a server may store it: line ends and the ends' blanks aside. */
static bool same_free_text(const char *a, const char *b)
{
    char *ta = str_trim(a), *tb = str_trim(b);
    const char *p = ta, *q = tb;
    bool same;

    for (;;) {
        while (*p == '\r')
            p++;
        while (*q == '\r')
            q++;
        if (!*p || !*q || *p != *q)
            break;
        p++;
        q++;
    }
    same = !*p && !*q;
    free(ta);
    free(tb);
    return same;
}

/* One field's comparison: ours (empty = not sent) against theirs (NULL = not reported). */
enum cmp { CMP_SAME, CMP_UNREPORTED, CMP_DIFFERENT };

static enum cmp cmp_text(const char *ours, const char *theirs, bool is_id, bool is_free)
{
    bool is_sent = ours && *ours;

    if (!theirs || !*theirs)
        return is_sent ? CMP_UNREPORTED : CMP_SAME;
    if (!is_sent)
        return CMP_DIFFERENT; /* the server's call has a value ours never had */
    if (is_id)
        return !strcasecmp(ours, theirs) ? CMP_SAME : CMP_DIFFERENT;
    if (is_free)
        return same_free_text(ours, theirs) ? CMP_SAME : CMP_DIFFERENT;
    return !strcmp(ours, theirs) ? CMP_SAME : CMP_DIFFERENT;
}

static enum cmp cmp_phone(const char *ours, const char *theirs)
{
    if (!theirs)
        return CMP_UNREPORTED;
    return same_phone(ours, theirs) ? CMP_SAME : CMP_DIFFERENT;
}

static enum cmp cmp_int(long long ours, long long theirs)
{
    if (theirs < 0)
        return CMP_UNREPORTED;
    return ours == theirs ? CMP_SAME : CMP_DIFFERENT;
}

enum outbox_match outbox_record_match(const struct call *c, const struct call_record *r)
{
    long long duration = -1;
    enum cmp cmps[10];
    bool is_partial = false;

    if (!c || !r)
        return OUTBOX_MATCH_NONE;
    if (!str_to_nonneg(call_get(c, FIELD_DURATION), 1LL << 40, &duration))
        duration = -1;
    cmps[0] = cmp_text(call_get(c, FIELD_TASK), r->task_id, true, false);
    cmps[1] = cmp_phone(call_get(c, FIELD_TO), r->to);
    cmps[2] = cmp_phone(call_get(c, FIELD_FROM), r->from);
    cmps[3] = cmp_int(duration, r->duration);
    cmps[4] = cmp_int(call_parse_bool(call_get(c, FIELD_ANSWERED)), r->answered);
    cmps[5] = cmp_int(call_parse_bool(call_get(c, FIELD_HUMAN)), r->human);
    cmps[6] = cmp_text(call_get(c, FIELD_USER), r->user_id, true, false);
    cmps[7] = cmp_text(call_get(c, FIELD_DISPOSITION), r->disposition_id, true, false);
    cmps[8] = cmp_text(call_get(c, FIELD_TRANSCRIPTION), r->transcription, false, true);
    cmps[9] = cmp_text(call_get(c, FIELD_RECORDING_URL), r->recording_url, false, false);
    for (size_t i = 0; i < ARRAY_LEN(cmps); i++) {
        if (cmps[i] == CMP_DIFFERENT)
            return OUTBOX_MATCH_NONE;
        is_partial |= cmps[i] == CMP_UNREPORTED;
    }
    return is_partial ? OUTBOX_MATCH_PARTIAL : OUTBOX_MATCH_FULL;
}

bool outbox_record_matches(const struct call *c, const struct call_record *r)
{
    return outbox_record_match(c, r) == OUTBOX_MATCH_FULL;
}

/* "2026-06-03T17:45:16Z", with optional fraction and a Z or +hh:mm offset, as Unix ms;
 * -1 when it is not such a time. */
long long outbox_parse_iso_ms(const char *s)
{
    struct tm tm = {0};
    int n = 0, oh = 0, om = 0;
    long long ms;
    const char *p;

    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 || n != 19)
        return -1;
    if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    ms = (long long)timegm(&tm) * 1000;
    p = s + n;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    if (*p == 'Z' && !p[1])
        return ms;
    if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && strlen(p) == 6)
        return ms - (*p == '+' ? 1 : -1) * ((long long)oh * 3600 + om * 60) * 1000;
    return -1;
}

/* ---- the verdict table (doc/outbox.md) ---- */

/* A 404 or 405 that names a field is the API's word on the call; one that does not is a
 * wrong base path or a proxy, no verdict. */
static bool names_a_field(const struct api_result *res)
{
    for (size_t i = 0; i < res->errors.n; i++)
        if (res->errors.v[i].pointer && *res->errors.v[i].pointer)
            return true;
    return false;
}

enum store_state outbox_verdict(const struct api_result *res, bool has_call)
{
    switch (res->outcome) {
    case HTTP_OUT_OK:
        return has_call ? STORE_SENT : STORE_UNKNOWN;
    case HTTP_OUT_CLIENT_ERROR:
        switch (res->status) {
        case 408: /* the server gave up reading the request */
        case 421: /* sent to a server that does not serve this host */
        case 425: /* refused as too early to process */
            return STORE_PENDING;
        case 404:
        case 405:
            return names_a_field(res) ? STORE_REJECTED : STORE_PENDING;
        default:
            return STORE_REJECTED;
        }
    case HTTP_OUT_AUTH:
    case HTTP_OUT_RATE_LIMITED:
        return STORE_PENDING;
    case HTTP_OUT_SERVER_ERROR: /* a proxy may answer after the backend committed */
    case HTTP_OUT_OTHER_STATUS: /* 1xx, 3xx (never followed), a status beyond the RFCs */
        return STORE_UNKNOWN;
    case HTTP_OUT_TIMEOUT:
    case HTTP_OUT_CONNECT:
    case HTTP_OUT_TRANSPORT:
    case HTTP_OUT_TOO_LARGE:
    case HTTP_OUT_CANCELLED:
        return res->is_body_sent ? STORE_UNKNOWN : STORE_PENDING;
    }
    return STORE_UNKNOWN;
}

