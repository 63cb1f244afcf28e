/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tests/model/outbox.pml: the send protocol of doc/outbox.md as a Promela model, checked
 * exhaustively by spin (tests/model/run.sh, under `make check`).
 *
 * Two amplecall processes (say the form and `amplecall log`) share one SQLite store. Each
 * enters one call; the two calls have identical content (two unanswered calls to one task),
 * so the look-up cannot tell them apart and only the accounting rule keeps them apart.
 * Another machine may create a third identical call on the server. Either process may crash
 * at any step and be restarted, at most MAXCRASH times in all. A human settles review rows.
 *
 * Names follow the code: the row states are enum store_state (src/store.h) with the names
 * they are stored under; the transactions are the store_* functions (src/store.c); the
 * verdict is outbox_verdict() (src/outbox.c); the look-up is on_lookup_done().
 *
 * Properties, checked when everything has come to rest (proctype Quiescence):
 *   no call lost     every entered call is sent or rejected (none left pending, sending,
 *                    unknown or in review), and a sent row's remote_id names a server call
 *                    that exists and that no other row owns;
 *   none twice       the server holds no more calls made by our POSTs than there are sent
 *                    rows: every server call is owned by a sent row except at most the third
 *                    party's. (Records with the same content are interchangeable, so this is
 *                    counted over the content, not per record: record A may take the server
 *                    call of B's POST while B posts again; each call is still logged once.)
 * An inconclusive look-up never leads to a POST here, so no duplicate is allowed at all.
 *
 * Where this model departs from doc/outbox.md, because spin found the rule as written unsafe
 * (run.sh keeps each counterexample, selected by the macro named):
 *   - a call named among a review row's candidates is NOT owned by it: it still counts in
 *     other rows' look-ups (k), and the review row in their u (-DDOC_REVIEW_OWNS);
 *   - `outbox resolve` refuses while another row of the same content is sending, as the
 *     look-up does (-DHUMAN_WHILE_SENDING).
 * Not in the correct model: a lease that expires while its holder lives (a laptop asleep
 * mid-request); -DLEASE_EXPIRY adds it, and the "a sent outcome is recorded even if the lease
 * was lost" rule of store_finish then lets two rows own one call.
 *
 * Broken variants (each must produce a counterexample; run.sh checks that it does):
 *   -DBUG_RESEND_ON_5XX           a 5xx is taken as "not stored" (pending), and resent
 *   -DBUG_NO_OWNERSHIP            the look-up takes server calls other rows already own
 *   -DBUG_INCONCLUSIVE_IS_ABSENT  an incomplete look-up counts as "not on the server"
 *   -DBUG_NO_SETTLE               an unknown row is looked up while its POST is in flight
 *   -DBUG_NO_SENDING_CHECK        the look-up concludes while a same-content row is sending
 *   -DDOC_REVIEW_OWNS, -DHUMAN_WHILE_SENDING, -DLEASE_EXPIRY   the findings above
 *
 * Bounds: 2 processes, 2 rows, server ids 1..NSRV, MAXCRASH crashes (and lease expiries) in
 * all. Retries are not counted: a row that keeps getting 429 goes round a cycle of states,
 * which spin visits once, so every retry count is covered.
 */

#ifndef MAXCRASH
#define MAXCRASH 3 /* crashes of the two processes (and lease expiries) together */
#endif

#define NREC 2  /* local records = client processes; record c is entered by client c */
#define NSRV 4  /* server call ids 1..NSRV (ours, ours again, the third party's, spare) */
#define THIRD 9 /* srv_origin of a call another machine created */

/* enum store_state, as stored; 0 is "not entered yet" (no row). */
mtype = { STORE_PENDING, STORE_SENDING, STORE_UNKNOWN, STORE_REVIEW, STORE_SENT, STORE_REJECTED };

/* What the client gets back from one POST /calls (0: nothing yet). ANS_TIMEOUT is the
 * client's own: CURLOPT_TIMEOUT_MS fired, or the connection was reset or closed. */
mtype = { ANS_201, ANS_5XX, ANS_429, ANS_REFUSED, ANS_400, ANS_TIMEOUT };

/* ---- the store (SQLite; every transaction below is one atomic step) ---- */

/* One row of the outbox table. */
typedef Row {
    mtype state;  /* 0 until store_insert_sending */
    byte lease_c; /* sending: the client holding the lease (struct store_lease) */
    byte lease_e; /* ... and its incarnation: a restarted process is a new pid */
    byte remote;  /* sent: remote_id, a server call id 1..NSRV */
    byte cand;    /* review: the candidate server calls, bit i for id i */
};
Row row[NREC];
byte epoch[NREC]; /* client c's current incarnation; bumped when it crashes */
byte crashes;     /* crashes so far, at most MAXCRASH */
bool done[NREC];  /* client c has seen every row final and exited */

/* ---- the server (the Amplemarket API) ---- */

byte srv_n;               /* calls on the server: ids 1..srv_n, oldest first (append-only) */
byte srv_origin[NSRV + 1]; /* the record whose POST created call i, or THIRD */
byte third;               /* 1 once the other machine created its call */
byte inflight[NREC];      /* POSTs of record r the server has not processed or discarded */
chan post = [3] of { byte, byte, byte }; /* POST /calls in flight: record, client, epoch */

/* Client c's connection: which record's answer it waits for (r + 1, 0 none) and the answer. */
byte wtag[NREC];
mtype ans[NREC];
byte ans_id[NREC]; /* ANS_201: the created call's id */

/* Scratch for d_step computations; hidden, so not part of the state. */
hidden byte i, k, u, first, cands, other;

/* A sending row whose holder is gone: store_reap_stale turns it unknown. */
#define STALE(j) (row[j].state == STORE_SENDING && row[j].lease_e != epoch[row[j].lease_c])

/* store_claim's due filter: pending, or unknown after the settle wait, modelled exactly:
 * no POST of that record is still in flight at the server. */
#ifdef BUG_NO_SETTLE
#define SETTLED(j) true
#else
#define SETTLED(j) (inflight[j] == 0)
#endif
#define DUE(j) (row[j].state == STORE_PENDING || (row[j].state == STORE_UNKNOWN && SETTLED(j)))

#define FINAL(j) (row[j].state == STORE_SENT || row[j].state == STORE_REJECTED)
#define QUIESCENT (FINAL(0) && FINAL(1))

/* store_remote_id_is_known: a sent row carries server call id. */
#define OWNS_SENT(j, id) (row[j].state == STORE_SENT && row[j].remote == (id))
#define OWNED_SENT(id) (OWNS_SENT(0, id) || OWNS_SENT(1, id))

/* Ownership as the look-up sees it. doc/outbox.md says a call "named in a review" is owned
 * too; with that rule a second row's look-up finds k = 0 while its own call sits among the
 * first row's candidates, and posts it again (-DDOC_REVIEW_OWNS shows the trace). So here a
 * review's candidates stay in every look-up's k, and the review row in its u. */
#ifdef BUG_NO_OWNERSHIP
#define OWNED_IN_LOOKUP(id) false
#elif defined(DOC_REVIEW_OWNS)
#define OWNS_REVIEW(j, id) (row[j].state == STORE_REVIEW && (row[j].cand & (1 << (id))))
#define OWNED_IN_LOOKUP(id) (OWNED_SENT(id) || OWNS_REVIEW(0, id) || OWNS_REVIEW(1, id))
#else
#define OWNED_IN_LOOKUP(id) OWNED_SENT(id)
#endif

/* A sent row's remote_id exists and no other row carries it. */
#define SENT_OK(j) (row[j].remote >= 1 && row[j].remote <= srv_n && \
                    !(row[1 - (j)].state == STORE_SENT && row[1 - (j)].remote == row[j].remote))

/* Client c still holds the lease on row r. */
#define HOLDS(r) (row[r].state == STORE_SENDING && row[r].lease_c == c && row[r].lease_e == epoch[c])

inline release(r)
{
    row[r].lease_c = 0;
    row[r].lease_e = 0
}

/* store_finish: record the verdict on client c's POST of row r and release the lease. The
 * verdict table is outbox_verdict(): only a readable 2xx is sent, only a verdict on the
 * content is rejected, anything that can have reached the server is unknown. */
inline store_finish(r, got, gid)
{
    printf("MSC: c%d: row %d answer %e\n", c, r, got);
#ifdef LEASE_EXPIRY
    if
    :: !HOLDS(r) && got != ANS_201 ->
        printf("MSC: c%d: row %d lease lost, outcome dropped\n", c, r);
        goto finish_done
    :: else
    fi;
#else
    assert(HOLDS(r));
#endif
    release(r);
    if
    :: got == ANS_201 ->
        row[r].state = STORE_SENT;
        row[r].remote = gid;
        assert(SENT_OK(r))
    :: got == ANS_5XX ->
#ifdef BUG_RESEND_ON_5XX
        row[r].state = STORE_PENDING
#else
        row[r].state = STORE_UNKNOWN
#endif
    :: got == ANS_TIMEOUT -> row[r].state = STORE_UNKNOWN
    :: got == ANS_429 || got == ANS_REFUSED -> row[r].state = STORE_PENDING
    :: got == ANS_400 -> row[r].state = STORE_REJECTED
    fi;
    printf("MSC: c%d: store_finish row %d %e remote %d\n", c, r, row[r].state, row[r].remote);
finish_done:
    skip
}

/* on_lookup_done, the accounting rule of doc/outbox.md, applied to the server list read to
 * the end (calls 1..snap) in one store transaction. k: matches no other row owns; u: rows of
 * the same content that may be on the server (unknown or review, this one included). Sets
 * repost when the call is not there (k = 0): the row stays sending and is posted now. */
inline lookup_conclude(r, snap, repost)
{
    d_step {
#ifndef LEASE_EXPIRY
        assert(HOLDS(r));
#endif
        other = 1 - r;
        repost = 0;
        if
#ifdef LEASE_EXPIRY
        :: !HOLDS(r) -> printf("MSC: c%d: row %d lease lost, look-up dropped\n", c, r)
#endif
#ifndef BUG_NO_SENDING_CHECK
        :: row[other].state == STORE_SENDING ->
            /* another same-content row is being sent right now: conclude nothing */
            release(r);
            row[r].state = STORE_UNKNOWN;
            printf("MSC: c%d: look-up of row %d: row %d is sending, nothing concluded\n", c, r, other)
#endif
        :: else ->
            k = 0;
            first = 0;
            cands = 0;
            i = 1;
            do
            :: i <= snap ->
                if
                :: !OWNED_IN_LOOKUP(i) ->
                    k++;
                    cands = cands | (1 << i);
                    if
                    :: first == 0 -> first = i
                    :: else
                    fi
                :: else
                fi;
                i++
            :: else -> break
            od;
            u = 1 + ((row[other].state == STORE_UNKNOWN || row[other].state == STORE_REVIEW) -> 1 : 0);
            printf("MSC: c%d: look-up of row %d, calls 1..%d: k=%d u=%d\n", c, r, snap, k, u);
            if
            :: k == 0 -> repost = 1 /* not on the server: the only resend */
            :: k > 0 && k <= u ->
                /* the oldest unowned match is this call: resolved_by = lookup */
                release(r);
                row[r].state = STORE_SENT;
                row[r].remote = first;
                assert(SENT_OK(r))
            :: k > u ->
                release(r);
                row[r].state = STORE_REVIEW;
                row[r].cand = cands
            fi
        fi;
        printf("MSC: c%d: row %d now %e remote %d\n", c, r, row[r].state, row[r].remote);
        i = 0;
        k = 0;
        u = 0;
        first = 0;
        cands = 0;
        other = 0
    }
}

/* store_claim, in the transaction that found row j due: the row becomes sending under our
 * lease; its former state says whether a look-up comes first. */
inline store_claim(j)
{
    r = j;
    printf("MSC: c%d: store_claim row %d (%e)\n", c, j, row[j].state);
    row[j].lease_c = c;
    row[j].lease_e = epoch[c];
    if
    :: row[j].state == STORE_UNKNOWN ->
        row[j].state = STORE_SENDING;
        goto lookup
    :: else ->
        row[j].state = STORE_SENDING;
        goto attempt
    fi
}

/* The crash points: client c dies here (its lease dies with it, its connection closes) and
 * starts again from the top, as a new process would. */
#define CRASH                                                                   \
    if                                                                          \
    :: crashes < MAXCRASH ->                                                    \
        atomic { crashes++; epoch[c]++; wtag[c] = 0; ans[c] = 0; ans_id[c] = 0; \
                 printf("MSC: c%d: CRASH (restarts)\n", c) };                      \
        goto restart                                                            \
    :: true                                                                     \
    fi

/* An amplecall process: it enters call c (outbox_submit: store_insert_sending, then the
 * immediate attempt), then drives the outbox (outbox_flush / outbox_tick: store_reap_stale,
 * store_claim, a look-up for unknown rows, a POST for pending ones) until every row is final.
 * Declared first so that the two clients are pids 0 and 1. */
active [NREC] proctype Client()
{
    byte c = _pid; /* this process, and the call it enters */
    byte r;        /* the row it holds a lease on */
    mtype got;     /* the answer to its POST */
    byte gid;      /* ... and the created call's id */
    byte snap;     /* the server list as read by the look-up: calls 1..snap */
    bit repost;

restart:
    r = 0;
    got = 0;
    gid = 0;
    snap = 0;
    repost = 0;
    if
    :: row[c].state == 0 ->
        /* the rep's call, kept as a draft until it is in the store */
        CRASH; /* before the write-ahead insert */
        atomic {
            /* store_insert_sending: the row exists, under our lease, before any byte leaves */
            row[c].state = STORE_SENDING;
            row[c].lease_c = c;
            row[c].lease_e = epoch[c];
            r = c;
            printf("MSC: c%d: store_insert_sending row %d\n", c, c)
        };
        goto attempt
    :: else
    fi;

driver:
    do
    :: atomic { STALE(0) -> row[0].state = STORE_UNKNOWN; release(0);
                printf("MSC: c%d: store_reap_stale row 0\n", c) }
    :: atomic { STALE(1) -> row[1].state = STORE_UNKNOWN; release(1);
                printf("MSC: c%d: store_reap_stale row 1\n", c) }
#ifdef LEASE_EXPIRY
    :: atomic { crashes < MAXCRASH && row[0].state == STORE_SENDING && !STALE(0) ->
                crashes++; row[0].state = STORE_UNKNOWN; release(0);
                printf("MSC: c%d: store_reap_stale row 0, lease expired\n", c) }
    :: atomic { crashes < MAXCRASH && row[1].state == STORE_SENDING && !STALE(1) ->
                crashes++; row[1].state = STORE_UNKNOWN; release(1);
                printf("MSC: c%d: store_reap_stale row 1, lease expired\n", c) }
#endif
    :: atomic { DUE(0) -> store_claim(0) }
    :: atomic { DUE(1) -> store_claim(1) }
    :: QUIESCENT -> break
    od;
    done[c] = true;
    goto finished;

attempt:
    CRASH; /* after the insert (or claim), before the POST */
    atomic {
        post!r, c, epoch[c];
        inflight[r]++;
        wtag[c] = r + 1;
        printf("MSC: c%d: POST row %d\n", c, r)
    };
    CRASH; /* the POST has gone out, no answer yet */
    if
    :: atomic { ans[c] != 0 -> got = ans[c]; gid = ans_id[c]; ans[c] = 0; ans_id[c] = 0; wtag[c] = 0 }
    :: atomic {
           /* timeout, reset or closed connection: any answer still to come is ignored */
           wtag[c] = 0;
           ans[c] = 0;
           ans_id[c] = 0;
           got = ANS_TIMEOUT;
           printf("MSC: c%d: row %d timed out\n", c, r)
       }
    fi;
    CRASH; /* the answer is in, its outcome not recorded */
    atomic {
        store_finish(r, got, gid);
        r = 0;
        got = 0;
        gid = 0
    };
    goto driver;

lookup:
    /* GET /calls?user_id=U&to=T&start_date_from=F, read to the end */
    if
    :: atomic {
           /* inconclusive: transport error, non-2xx, a next loop, the page or item cap */
           printf("MSC: c%d: look-up of row %d inconclusive\n", c, r);
#ifdef BUG_INCONCLUSIVE_IS_ABSENT
           goto attempt
#else
           release(r);
           row[r].state = STORE_UNKNOWN;
           r = 0
#endif
       };
       goto driver
    :: snap = srv_n /* the whole list: every call created so far */
    fi;
    CRASH; /* the list is read, its outcome not recorded */
    lookup_conclude(r, snap, repost);
    snap = 0;
    if
    :: repost -> repost = 0; goto attempt
    :: else -> r = 0; goto driver
    fi;

finished:
    skip
}

/* The API. Each POST is stored or not and answered or not, nondeterministically; an answer
 * reaches the client only if it still waits for it (it may have timed out: the answer is
 * late, or crashed). Connection refused is modelled as the server's answer too. */
active proctype Server()
{
    byte r, c, e;
    mtype a;
    byte id;

end:
    do
    :: post?r, c, e ->
        atomic {
            inflight[r]--;
            if
            :: assert(srv_n < NSRV); srv_n++; srv_origin[srv_n] = r; id = srv_n; a = ANS_201 /* stored, 201 */
            :: assert(srv_n < NSRV); srv_n++; srv_origin[srv_n] = r; a = ANS_5XX /* stored, then 5xx (a proxy) */
            :: assert(srv_n < NSRV); srv_n++; srv_origin[srv_n] = r; a = 0 /* stored, then the connection dropped */
            :: a = ANS_5XX /* not stored, 5xx */
            :: a = 0 /* not stored, connection reset */
            :: a = ANS_429 /* not stored, rate limited */
            :: a = ANS_REFUSED /* not stored, connection refused */
            :: a = ANS_400 /* the call's content rejected */
            fi;
            if
            :: a != 0 && wtag[c] == r + 1 && epoch[c] == e -> ans[c] = a; ans_id[c] = id
            :: else /* nothing to say, or nobody listening */
            fi;
            printf("MSC: server: POST of row %d by c%d: %d calls, answer %e\n", r, c, srv_n, a);
            r = 0;
            c = 0;
            e = 0;
            a = 0;
            id = 0
        }
    od
}

/* Another machine of the rep's logs an identical call, at any moment, or never. */
active proctype ThirdParty()
{
    if
    :: atomic { srv_n < NSRV -> srv_n++; srv_origin[srv_n] = THIRD; third = 1;
                printf("MSC: third party: call %d\n", srv_n) }
    :: skip
    fi
}

/* `amplecall outbox resolve ID --sent REMOTE_ID` takes a server call no other row owns (it
 * may be the third party's: the human's choice, and the calls are alike); `--resend` makes
 * the row pending, and a human who can see the calls does that only when none of the free
 * ones came from our POSTs. Like the look-up, resolve refuses while another row of the same
 * content is sending (doc/outbox.md does not say so; -DHUMAN_WHILE_SENDING shows why: the
 * human names the call another row's POST has just created, whose 201 is on its way, and
 * both rows end up owning it, since store_finish records a sent outcome whatever happens). */
#ifdef HUMAN_WHILE_SENDING
#define CAN_RESOLVE(j) (row[j].state == STORE_REVIEW)
#else
#define CAN_RESOLVE(j) (row[j].state == STORE_REVIEW && row[1 - (j)].state != STORE_SENDING)
#endif
#define CAN_TAKE(j, id) ((id) <= srv_n && !OWNS_SENT(1 - (j), id))
#define OURS_FREE(j, id) (CAN_TAKE(j, id) && srv_origin[id] != THIRD)
#define CAN_RESEND(j) (!OURS_FREE(j, 1) && !OURS_FREE(j, 2) && !OURS_FREE(j, 3) && !OURS_FREE(j, 4))

inline resolve(j)
{
    if
    :: CAN_TAKE(j, 1) -> row[j].remote = 1; row[j].state = STORE_SENT
    :: CAN_TAKE(j, 2) -> row[j].remote = 2; row[j].state = STORE_SENT
    :: CAN_TAKE(j, 3) -> row[j].remote = 3; row[j].state = STORE_SENT
    :: CAN_TAKE(j, 4) -> row[j].remote = 4; row[j].state = STORE_SENT
    :: CAN_RESEND(j) -> row[j].state = STORE_PENDING
    fi;
    row[j].cand = 0;
    printf("MSC: human: resolve row %d: %e remote %d\n", j, row[j].state, row[j].remote);
    assert(row[j].state != STORE_SENT || SENT_OK(j))
}

active proctype Human()
{
end:
    do
    :: atomic { CAN_RESOLVE(0) -> resolve(0) }
    :: atomic { CAN_RESOLVE(1) -> resolve(1) }
    od
}

/* When both processes are done and nothing is in flight: the promises. A run that cannot
 * get here (a row stuck, a process blocked) is an invalid end state, which spin reports. */
active proctype Quiescence()
{
    byte ours, sent;

    atomic {
        done[0] && done[1] && len(post) == 0 ->
        /* no call lost: every entered call is final, and each sent row owns its own call */
        assert(FINAL(0) && FINAL(1));
        assert(row[0].state != STORE_SENT || SENT_OK(0));
        assert(row[1].state != STORE_SENT || SENT_OK(1));
        /* none twice: the calls our POSTs created are no more than the sent rows */
        i = 1;
        do
        :: i <= srv_n ->
            ours = ours + (srv_origin[i] != THIRD -> 1 : 0);
            i++
        :: else -> break
        od;
        i = 0;
        sent = (row[0].state == STORE_SENT -> 1 : 0) + (row[1].state == STORE_SENT -> 1 : 0);
        assert(ours <= sent);
        /* and the server holds the sent rows' calls and at most the third party's besides
         * (when a row took the third party's call instead, one of ours is not there:
         * identical calls cannot be told apart); without a third party, exactly those */
        assert(sent <= srv_n && srv_n <= sent + third)
    }
}
