/* SPDX-License-Identifier: GPL-3.0-or-later */
/* verdict.c and lease.c: the send protocol's rules that need no network: the verdict table
 * (what an HTTP outcome means for a call), the backoff, the match of a server call against
 * ours, the ISO time reader, and lease liveness. Each test names the rule it protects. */
#include "config.h"
#include "unit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/call.h"
#include "core/util.h"
#include "net/api.h"
#include "store/outbox.h"
#include "store/store.h"

static enum store_state verdict(enum http_outcome o, long status, bool is_sent, bool has_call,
                                const char *pointer)
{
    struct api_result r;
    struct api_error e = {0};
    enum store_state st;

    memset(&r, 0, sizeof r);
    r.outcome = o;
    r.status = status;
    r.is_body_sent = is_sent;
    api_errors_init(&r.errors);
    if (pointer) {
        e.pointer = (char *)pointer;
        r.errors.v = &e;
        r.errors.n = 1;
    }
    st = outbox_verdict(&r, has_call);
    return st;
}

/* Rule "nothing twice": a call the server may have stored is never resent blind: 5xx, other
 * statuses, and a failure after the body went out are UNKNOWN (look it up first). */
static void verdict__maybe_stored_is_unknown_never_pending(void **state)
{
    static const enum http_outcome transport[] = {HTTP_OUT_TIMEOUT, HTTP_OUT_CONNECT,
                                                  HTTP_OUT_TRANSPORT, HTTP_OUT_TOO_LARGE,
                                                  HTTP_OUT_CANCELLED};

    assert_int_equal(verdict(HTTP_OUT_SERVER_ERROR, 500, true, false, NULL), STORE_UNKNOWN);
    assert_int_equal(verdict(HTTP_OUT_OTHER_STATUS, 302, true, false, NULL), STORE_UNKNOWN);
    assert_int_equal(verdict(HTTP_OUT_OK, 201, true, false, NULL), STORE_UNKNOWN);
    for (size_t i = 0; i < sizeof transport / sizeof transport[0]; i++) {
        assert_int_equal(verdict(transport[i], 0, true, false, NULL), STORE_UNKNOWN);
        /* rule "nothing lost": nothing went out, so sending again is safe */
        assert_int_equal(verdict(transport[i], 0, false, false, NULL), STORE_PENDING);
    }
    assert_int_equal(verdict((enum http_outcome)99, 0, false, false, NULL), STORE_UNKNOWN);
}

/* Rule: a 2xx with the call in its body is SENT; 4xx is REJECTED (never retried) except the
 * statuses that say nothing about the call (408, 421, 425; 404/405 without a field), which
 * stay PENDING; a refused key and a rate limit keep the call PENDING. */
static void verdict__rejections_and_retries(void **state)
{
    static const long pending4xx[] = {408, 421, 425};
    static const long rejected4xx[] = {400, 407, 409, 420, 422, 424, 426, 499};

    assert_int_equal(verdict(HTTP_OUT_OK, 201, true, true, NULL), STORE_SENT);
    for (size_t i = 0; i < sizeof pending4xx / sizeof pending4xx[0]; i++)
        assert_int_equal(verdict(HTTP_OUT_CLIENT_ERROR, pending4xx[i], true, false, "/to"),
                         STORE_PENDING);
    for (size_t i = 0; i < sizeof rejected4xx / sizeof rejected4xx[0]; i++)
        assert_int_equal(verdict(HTTP_OUT_CLIENT_ERROR, rejected4xx[i], true, false, NULL),
                         STORE_REJECTED);
    assert_int_equal(verdict(HTTP_OUT_CLIENT_ERROR, 404, true, false, NULL), STORE_PENDING);
    assert_int_equal(verdict(HTTP_OUT_CLIENT_ERROR, 405, true, false, ""), STORE_PENDING);
    assert_int_equal(verdict(HTTP_OUT_CLIENT_ERROR, 404, true, false, "/task_id"),
                     STORE_REJECTED);
    assert_int_equal(verdict(HTTP_OUT_CLIENT_ERROR, 405, true, false, "/to"), STORE_REJECTED);
    assert_int_equal(verdict(HTTP_OUT_AUTH, 401, true, false, NULL), STORE_PENDING);
    assert_int_equal(verdict(HTTP_OUT_RATE_LIMITED, 429, true, false, NULL), STORE_PENDING);
}

/* Rule: backoff doubles from the base per attempt up to the cap, with "equal jitter" (never
 * sooner than half); Retry-After wins when given. */
static void backoff__doubles_to_the_cap_with_equal_jitter(void **state)
{
    struct outbox_options o = {0};

    o.backoff_base_ms = 1000;
    o.backoff_max_ms = 8000;
    /* rnd 0: exactly half the delay; rnd delay/2: exactly the delay */
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 0), 500);
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 500), 1000);
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 501), 500); /* modulo delay/2 + 1 */
    assert_int_equal(outbox_backoff_ms(&o, 0, -1, 0), 500);
    assert_int_equal(outbox_backoff_ms(&o, 2, -1, 0), 1000);
    assert_int_equal(outbox_backoff_ms(&o, 3, -1, 0), 2000);
    assert_int_equal(outbox_backoff_ms(&o, 4, -1, 0), 4000);
    assert_int_equal(outbox_backoff_ms(&o, 4, -1, 4000), 8000);
    assert_int_equal(outbox_backoff_ms(&o, 5, -1, 4000), 8000);
    assert_int_equal(outbox_backoff_ms(&o, 60, -1, 4000), 8000);
    o.backoff_max_ms = 3000; /* a cap that is no power of two of the base */
    assert_int_equal(outbox_backoff_ms(&o, 3, -1, 1500), 3000);
    assert_int_equal(outbox_backoff_ms(&o, 2, -1, 1000), 2000);
    assert_int_equal(outbox_backoff_ms(&o, 9, 0, 77), 0);
    assert_int_equal(outbox_backoff_ms(&o, 9, 1, 77), 1000);
    assert_int_equal(outbox_backoff_ms(&o, 1, 120, 77), 120000);
    /* defaults: base 2 s, cap 15 min */
    assert_int_equal(outbox_backoff_ms(NULL, 1, -1, 0), OUTBOX_BACKOFF_BASE_MS / 2);
    assert_int_equal(outbox_backoff_ms(NULL, 1, -1, 1000), OUTBOX_BACKOFF_BASE_MS);
    assert_int_equal(outbox_backoff_ms(NULL, 40, -1, 0), OUTBOX_BACKOFF_MAX_MS / 2);
    o.backoff_base_ms = -5;
    o.backoff_max_ms = 0;
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 0), OUTBOX_BACKOFF_BASE_MS / 2);
    assert_int_equal(outbox_backoff_ms(&o, 40, -1, 0), OUTBOX_BACKOFF_MAX_MS / 2);
}

static void fill(struct call *c, struct call_record *r)
{
    call_init(c);
    call_set(c, FIELD_FROM, "+1 415-555 0100");
    call_set(c, FIELD_TO, "+1 212 555 0199");
    call_set(c, FIELD_DURATION, "42");
    call_set(c, FIELD_ANSWERED, "yes");
    call_set(c, FIELD_HUMAN, "no");
    call_set(c, FIELD_TASK, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
    call_set(c, FIELD_USER, "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d");
    call_set(c, FIELD_DISPOSITION, "0199f0a2-0b11-7c22-8d33-000000000001");
    call_set(c, FIELD_TRANSCRIPTION, "Hello,\nworld");
    call_set(c, FIELD_RECORDING_URL, "https://rec.example/a.mp3");
    call_record_init(r);
    r->from = xstrdup("14155550100");
    r->to = xstrdup("+12125550199");
    r->duration = 42;
    r->answered = 1;
    r->human = 0;
    r->task_id = xstrdup("0199F0A2-1C3E-7A10-9B7E-2F4C5D6E7A81");
    r->user_id = xstrdup("0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d");
    r->disposition_id = xstrdup("0199f0a2-0b11-7c22-8d33-000000000001");
    r->transcription = xstrdup("  Hello,\r\nworld \n");
    r->recording_url = xstrdup("https://rec.example/a.mp3");
}

static void set(char **field, const char *v)
{
    free(*field);
    *field = v ? xstrdup(v) : NULL;
}

/* Rule: a server call is ours only when every field it reports equals what we sent (ids in
 * any case, phones by digits, free text without CRs and end blanks); a field it leaves out
 * makes the match partial, never full; one that differs makes it another call. */
static void match__every_field_must_agree(void **state)
{
    struct call c;
    struct call_record r;

    fill(&c, &r);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    assert_int_equal(outbox_record_match(NULL, &r), OUTBOX_MATCH_NONE);
    /* each field differing, one at a time */
    set(&r.to, "+12125550198");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.to, "+12125550199");
    set(&r.from, "4155550100");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.from, "+1 (415) 555-0100");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    r.duration = 43;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.duration = 41;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.duration = -1;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    r.duration = 42;
    r.answered = 0;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.answered = -1;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    r.answered = 1;
    r.human = 1;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.human = 0;
    set(&r.user_id, "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9e");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.user_id, NULL);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    set(&r.user_id, "0199f0a2-0b11-7c22-8d33-4e5f6a7b8c9d");
    set(&r.disposition_id, "");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    set(&r.disposition_id, "0199f0a2-0b11-7c22-8d33-000000000002");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.disposition_id, "0199f0a2-0b11-7c22-8d33-000000000001");
    set(&r.transcription, "Hello, world");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.transcription, "Hello,\nworld!");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.transcription, "Hello,\nworl");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.transcription, "\r\nHello,\r\r\nworld\r");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    set(&r.recording_url, "https://rec.example/A.mp3"); /* not an id: case counts */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.recording_url, "https://rec.example/a.mp3");
    set(&r.task_id, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a82");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.task_id, "0199f0a2-1c3e-7a10-9b7e-2f4c5d6e7a81");
    assert_true(outbox_record_matches(&c, &r));
    /* a value the server has that we never sent: another call */
    call_set(&c, FIELD_RECORDING_URL, "");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.recording_url, NULL);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    set(&r.to, NULL);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    assert_false(outbox_record_matches(&c, &r));
    call_done(&c);
    call_record_done(&r);
}

/* The look-up window reads the server's times: Z or +hh:mm/-hh:mm, optional fraction; any
 * field out of its range or trailing text is no time at all. */
static void parse_iso__fields_offsets_and_ranges(void **state)
{
    assert_int_equal(outbox_parse_iso_ms("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(outbox_parse_iso_ms("1970-01-01T00:00:01.999Z"), 1000);
    assert_int_equal(outbox_parse_iso_ms("1970-01-01T01:00:00+01:00"), 0);
    assert_int_equal(outbox_parse_iso_ms("1970-01-01T00:00:00-00:30"), 1800000);
    assert_int_equal(outbox_parse_iso_ms("2026-06-03T17:45:16Z"), 1780508716000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-12-31T23:59:60Z"), 1798761600000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-01-31T00:00:00Z"), 1769817600000LL);
    assert_int_equal(outbox_parse_iso_ms("2026-13-01T00:00:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-00-01T00:00:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-00T00:00:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-32T00:00:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T24:00:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T00:60:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T00:00:61Z"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T00:00:00"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T00:00:00Zx"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T00:00:00+01:001"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-01-01T00:00:00+0100"), -1);
    assert_int_equal(outbox_parse_iso_ms("2026-1-01T00:00:00Z"), -1);
    assert_int_equal(outbox_parse_iso_ms(NULL), -1);
}

/* Rule "no two senders": a lease's owner is dead only when it is on this host and its pid is
 * gone or reused (another start time); another host's lease only expires. */
static void lease__owner_liveness(void **state)
{
    struct store_lease l;
    pid_t child;
    int st;

    store_lease_init_self(&l, 1234);
    assert_int_equal(l.pid, getpid());
    assert_int_equal(l.duration_ms, 1234);
    assert_int_equal(strlen(l.token), 32);
    assert_true(l.start > 0);
    assert_true(l.host[0] != '\0');
    assert_false(store_lease_owner_is_dead(l.host, l.pid, l.start));
    assert_false(store_lease_owner_is_dead(l.host, l.pid, 0)); /* start unknown: alive */
    assert_true(store_lease_owner_is_dead(l.host, l.pid, l.start + 1)); /* pid reused */
    assert_true(store_lease_owner_is_dead(l.host, l.pid, l.start - 1));
    assert_false(store_lease_owner_is_dead("another-host.invalid", l.pid, l.start + 1));
    assert_false(store_lease_owner_is_dead(NULL, l.pid, l.start));
    assert_false(store_lease_owner_is_dead(l.host, 0, l.start));
    assert_false(store_lease_owner_is_dead(l.host, -1, l.start));
    child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, &st, 0), child);
    assert_true(store_lease_owner_is_dead(l.host, child, 0)); /* gone */
    /* pid 1 exists and is not ours to signal, or is ours (root): alive either way */
    assert_false(store_lease_owner_is_dead(l.host, 1, 0));
    {
        struct store_lease m;
        store_lease_init_self(&m, 0);
        assert_string_not_equal(m.token, l.token);
        assert_int_equal(m.start, l.start);
    }
}

/* Rule: phones compare by their digits, '0' and '9' included and every other byte left out,
 * up to 63 digits (the key's capacity). Both sides of each boundary. */
static void match__phones_compare_by_every_digit_and_only_digits(void **state)
{
    struct call c;
    struct call_record r;
    char ours[80], theirs[80];

    fill(&c, &r);
    call_set(&c, FIELD_TO, "2125550100");
    set(&r.to, "212555010"); /* a '0' is a digit */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.to, "2125550100");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    call_set(&c, FIELD_TO, "2125550199");
    set(&r.to, "212555019"); /* a '9' is a digit */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    set(&r.to, "/2125550199:"); /* the bytes next to '0' and '9' are not */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    set(&r.to, ""); /* reported empty: no digits, another number */
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    /* 63 digits are compared: a difference in the 63rd counts, one in the 64th does not */
    memset(ours, '5', 64);
    ours[64] = '\0';
    memcpy(theirs, ours, 65);
    theirs[62] = '6';
    call_set(&c, FIELD_TO, ours);
    set(&r.to, theirs);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    theirs[62] = '5';
    theirs[63] = '6';
    set(&r.to, theirs);
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    call_done(&c);
    call_record_done(&r);
}

/* Rule: a reported 0 is a value (0 s, not answered), only a negative one is "not reported";
 * an id in another case is the same id; an empty value from the server is not reported. */
static void match__zero_is_reported_and_empty_text_is_not(void **state)
{
    struct call c;
    struct call_record r;

    fill(&c, &r);
    call_set(&c, FIELD_DURATION, "0");
    r.duration = 0;
    call_set(&c, FIELD_ANSWERED, "no");
    r.answered = 0;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    r.duration = 1;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    r.duration = 0;
    set(&r.user_id, "0199F0A2-0B11-7C22-8D33-4E5F6A7B8C9D");
    set(&r.disposition_id, "0199F0A2-0B11-7C22-8D33-000000000001");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    set(&r.transcription, "");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    set(&r.transcription, "Hello,\nworld");
    set(&r.recording_url, "");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_PARTIAL);
    set(&r.recording_url, "https://rec.example/a.mp3");
    /* ours empty and theirs empty: the same (nothing sent, nothing there) */
    call_set(&c, FIELD_DISPOSITION, "");
    set(&r.disposition_id, "");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    /* a duration ours cannot be read as compares as none against a reported one */
    call_set(&c, FIELD_DURATION, "x");
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    /* durations are read up to 2^40 s: at the cap it compares, past it it is none */
    call_set(&c, FIELD_DURATION, "1099511627776");
    r.duration = 1099511627776LL;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_FULL);
    call_set(&c, FIELD_DURATION, "1099511627777");
    r.duration = 1099511627777LL;
    assert_int_equal(outbox_record_match(&c, &r), OUTBOX_MATCH_NONE);
    assert_int_equal(outbox_record_match(&c, NULL), OUTBOX_MATCH_NONE);
    call_done(&c);
    call_record_done(&r);
}

/* Rule: a base or cap of 1 ms is a setting, not "use the default"; 0 is the default. */
static void backoff__a_one_millisecond_base_and_cap_are_honoured(void **state)
{
    struct outbox_options o = {.backoff_base_ms = 1, .backoff_max_ms = 1};

    /* a delay of 1 ms has no half: 0 */
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 0), 0);
    assert_int_equal(outbox_backoff_ms(&o, 9, -1, 0), 0);
    o.backoff_max_ms = 3;
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 1), 0);
    assert_int_equal(outbox_backoff_ms(&o, 2, -1, 1), 2);
    assert_int_equal(outbox_backoff_ms(&o, 3, -1, 0), 1);
    o.backoff_max_ms = 0;
    assert_int_equal(outbox_backoff_ms(&o, 2, -1, 0), 1);
    assert_int_equal(outbox_backoff_ms(&o, 40, -1, 0), OUTBOX_BACKOFF_MAX_MS / 2);
    o.backoff_base_ms = 0;
    o.backoff_max_ms = 2;
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 0), 1);
    assert_int_equal(outbox_backoff_ms(&o, 1, -1, 1), 2);
}

/* Field 22 of /proc/PID/stat read independently of lease.c, for comparison. */
static long long stat_start(pid_t pid)
{
    char path[64], buf[2048];
    FILE *f;
    size_t n;
    char *p;
    long long v = -1;

    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    if (!p)
        return -1;
    /* ") S ppid ..." : state is field 3; skip 19 more fields to field 22 */
    p += 2;
    for (int i = 3; i < 22; i++) {
        p = strchr(p, ' ');
        if (!p)
            return -1;
        p++;
    }
    sscanf(p, "%lld", &v);
    return v;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The token lease.c derives when /dev/urandom cannot be read: the time in ms, the pid and
 * the holder's address, stirred by xorshift, one byte a step. */
static void fallback_token(long long ms, pid_t pid, const void *out, char hex[33])
{
    unsigned long long x = (unsigned long long)ms * 1000003u ^ (unsigned long long)pid << 20 ^
                           (uintptr_t)out;

    for (size_t i = 0; i < 16; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        snprintf(hex + 2 * i, 3, "%02x", (unsigned char)x);
    }
}

/* Leave ')' bytes where the next call's locals will be. */
static __attribute__((noinline)) void poison_stack(void)
{
    volatile char junk[16384];

    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = ')';
}

/* Rule "no two senders": the lease names this process by pid, its start time (field 22 of
 * /proc/PID/stat), this host's name and a random token of 32 lower-case hex digits. */
static void lease__names_this_process_by_pid_start_time_and_host(void **state)
{
    struct store_lease l;
    char host[256] = "";
    int fds = open_fds();

    assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
    store_lease_init_self(&l, 5);
    assert_int_equal(l.start, stat_start(getpid()));
    /* only the bytes read count: whatever lies past them in memory is never parsed */
    poison_stack();
    store_lease_init_self(&l, 5);
    assert_int_equal(l.start, stat_start(getpid()));
    assert_string_equal(l.host, host);
    assert_int_equal(strlen(l.token), 32);
    for (size_t i = 0; i < 32; i++)
        assert_non_null(strchr("0123456789abcdef", l.token[i]));
    /* taking leases leaves no descriptor open */
    for (int i = 0; i < 50; i++)
        store_lease_init_self(&l, 5);
    assert_int_equal(open_fds(), fds);
}

/* Rule: a live process is the holder only with its own start time; a wrong start time means
 * its pid was reused (dead owner), for another process too, pid 1 included. */
static void lease__a_live_pid_is_the_holder_only_with_its_start_time(void **state)
{
    struct store_lease l;
    int pipefd[2], st;
    long long start;
    pid_t kid;
    char c;

    store_lease_init_self(&l, 5);
    assert_int_equal(pipe(pipefd), 0);
    fflush(NULL);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        close(pipefd[1]);
        while (read(pipefd[0], &c, 1) < 0)
            ;
        _exit(0);
    }
    close(pipefd[0]);
    start = stat_start(kid);
    assert_true(start > 0);
    assert_false(store_lease_owner_is_dead(l.host, kid, start));
    assert_true(store_lease_owner_is_dead(l.host, kid, start + 1));
    assert_true(store_lease_owner_is_dead(l.host, kid, start - 1));
    assert_false(store_lease_owner_is_dead(l.host, kid, 0));
    assert_false(store_lease_owner_is_dead("other-host.invalid", kid, start + 1));
    close(pipefd[1]);
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(store_lease_owner_is_dead(l.host, kid, start));
    start = stat_start(1);
    if (start > 0) {
        assert_false(store_lease_owner_is_dead(l.host, 1, start));
        assert_true(store_lease_owner_is_dead(l.host, 1, start + 1));
    }
}

/* Rule: without /dev/urandom or /proc (no descriptor left) a lease still gets a token of 32
 * hex digits unique per holder, and an unknown start time (0), never a made-up one. */
static void lease__without_descriptors_the_token_is_still_unique_and_start_unknown(void **state)
{
    int st;
    pid_t kid;

    fflush(NULL);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        struct rlimit rl = {0, 0};
        struct store_lease a, b;
        int bad = 0;

        long long t0, t1;
        bool is_derived = false;

        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(10);
        t0 = store_now_ms();
        store_lease_init_self(&a, 5);
        t1 = store_now_ms();
        store_lease_init_self(&b, 5);
        for (long long ms = t0; ms <= t1 && !is_derived; ms++) {
            char want[33];
            fallback_token(ms, getpid(), a.token, want);
            is_derived = !strcmp(want, a.token);
        }
        bad |= !is_derived ? 64 : 0;
        bad |= strlen(a.token) != 32 || strlen(b.token) != 32 ? 1 : 0;
        bad |= !strcmp(a.token, b.token) ? 2 : 0;
        bad |= a.start != 0 || b.start != 0 ? 4 : 0;
        bad |= strspn(a.token, "0123456789abcdef") != 32 ? 8 : 0;
        bad |= a.pid != getpid() ? 16 : 0;
        bad |= !a.host[0] ? 32 : 0;
        _exit(bad);
    }
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* Rule: the lease's random source is closed after use, whatever descriptor it got (0 too,
 * when stdin is closed). */
static void lease__the_random_source_is_closed_even_as_descriptor_0(void **state)
{
    int st;
    pid_t kid;

    fflush(NULL);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        struct store_lease a;
        int bad = 0;

        close(0);
        store_lease_init_self(&a, 5);
        bad |= fcntl(0, F_GETFD) != -1 || errno != EBADF ? 1 : 0;
        bad |= strspn(a.token, "0123456789abcdef") != 32 ? 2 : 0;
        bad |= a.start <= 0 ? 4 : 0;
        _exit(bad);
    }
    assert_int_equal(waitpid(kid, &st, 0), kid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict__maybe_stored_is_unknown_never_pending),
        cmocka_unit_test(verdict__rejections_and_retries),
        cmocka_unit_test(backoff__doubles_to_the_cap_with_equal_jitter),
        cmocka_unit_test(match__every_field_must_agree),
        cmocka_unit_test(parse_iso__fields_offsets_and_ranges),
        cmocka_unit_test(lease__owner_liveness),
        cmocka_unit_test(match__phones_compare_by_every_digit_and_only_digits),
        cmocka_unit_test(match__zero_is_reported_and_empty_text_is_not),
        cmocka_unit_test(backoff__a_one_millisecond_base_and_cap_are_honoured),
        cmocka_unit_test(lease__names_this_process_by_pid_start_time_and_host),
        cmocka_unit_test(lease__a_live_pid_is_the_holder_only_with_its_start_time),
        cmocka_unit_test(lease__without_descriptors_the_token_is_still_unique_and_start_unknown),
        cmocka_unit_test(lease__the_random_source_is_closed_even_as_descriptor_0),
    };
    return RUN_TAP(tests);
}
