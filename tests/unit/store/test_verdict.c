/* SPDX-License-Identifier: GPL-3.0-or-later */
/* verdict.c and lease.c: the send protocol's rules that need no network: the verdict table
 * (what an HTTP outcome means for a call), the backoff, the match of a server call against
 * ours, the ISO time reader, and lease liveness. Each test names the rule it protects. */
#include "config.h"
#include "unit.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(verdict__maybe_stored_is_unknown_never_pending),
        cmocka_unit_test(verdict__rejections_and_retries),
        cmocka_unit_test(backoff__doubles_to_the_cap_with_equal_jitter),
        cmocka_unit_test(match__every_field_must_agree),
        cmocka_unit_test(parse_iso__fields_offsets_and_ranges),
        cmocka_unit_test(lease__owner_liveness),
    };
    return RUN_TAP(tests);
}
