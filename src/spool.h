#ifndef AMPLECALL_SPOOL_H
#define AMPLECALL_SPOOL_H
/* The spool: the write-ahead record of one call kept as a small file beside the database, so
 * that a one-shot `amplecall log` which succeeds never has to open SQLite (about 1.9 M
 * instructions and 1.2 MB of pages a run; doc/performance.md).
 *
 * A record holds the call, the lease of the process sending it and, once known, the outcome
 * of that attempt. Every store_open adopts the records nobody holds into the calls table
 * (store_adopt, keyed "spool:<file name>" so a record is adopted once) and deletes their
 * files, so the outbox and the history show them as if they had been written there.
 *
 * Safety: the writer writes the record under a dot name, syncs it, renames it into place and
 * syncs the directory before its request leaves, and holds an exclusive flock on it until
 * it has appended the outcome (unsynced: an outcome lost to a system crash only means a
 * lookup); an adopter takes only files it can lock. So a call in flight is never adopted, a
 * record is never seen half written, and a writer killed mid-request leaves a record
 * without an outcome: adopted as a sending row under a dead owner's lease, which the outbox
 * turns unknown and resolves by lookup, never by a blind resend.
 * No network, no curses. */
#include <stdbool.h>
#include <stddef.h>
#include "call.h"
#include "store.h"

/* Records bigger than this are not read (a response body is capped at 8 MiB by http.c). */
#define SPOOL_MAX_BYTES (16u << 20)

/* <directory of db_path>/spool, owned; NULL for ":memory:" or a path without a directory. */
char *spool_dir_for(const char *db_path);

struct spool_file;

/* Create dir (0700) if needed, write and sync the record of c for api_base under lease at
 * time `at`, and keep it locked. NULL with *err (owned) on failure; nothing is left behind
 * then and the caller must not send the call on the strength of this record. */
struct spool_file *spool_begin(const char *dir, const struct call *c, const char *api_base,
                               const struct store_lease *lease, long long at, char **err);
/* "spool:<file name>": the external key the record is adopted under; borrowed. */
const char *spool_key(const struct spool_file *f);
/* Append the attempt's outcome (at time `at`); not synced (see spool.c). false with *err
 * (owned) when it could not be written; the record then reads as an attempt of unknown
 * outcome. */
bool spool_finish(struct spool_file *f, const struct store_outcome *o, long long at, char **err);
/* Unlock and free; the file stays for adoption. NULL is a no-op. */
void spool_close(struct spool_file *f);

/* A record as read back. */
struct spool_record {
    struct call call;
    char *api_base;            /* owned */
    struct store_lease lease;
    long long at;              /* when the attempt started */
    bool has_outcome;
    struct store_outcome outcome; /* its strings point into the owned copies below */
    long long outcome_at;
    char *strs[5];             /* owned: error, remote_id, response, errors_json, resolved_by */
};
void spool_record_init(struct spool_record *r);
void spool_record_done(struct spool_record *r);
/* Parse a record file's text (len bytes, not necessarily NUL-terminated). A missing, torn or
 * malformed outcome line leaves has_outcome false. false with *err (owned) when the first
 * line is not a complete, valid record. r must be initialised. */
bool spool_parse(const char *text, size_t len, struct spool_record *r, char **err);

/* A one-shot sender opens the store (adopting the spool) once this many records wait, so
 * the directory stays short when nothing else ever opens the store. */
#define SPOOL_ADOPT_AT 64

/* Number of records waiting in dir, counting no further than cap; 0 when dir is missing. */
int spool_count(const char *dir, int cap);

/* Adopt every record in dir that no live writer holds into s, then delete its file. A file
 * that cannot be parsed is renamed to <name>.bad and kept for a human; a dot file left by a
 * writer that died before its record was complete (so before its request) is deleted after
 * a minute. Returns the number adopted, or -1 with *err (owned); a missing dir is 0. */
int spool_adopt_all(struct store *s, const char *dir, long long now, char **err);

#endif
