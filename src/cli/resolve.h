/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_RESOLVE_H
#define AMPLECALL_RESOLVE_H
/* CLI layer: names and unique prefixes where a UUID is expected: "--disposition Interested",
 * "--task 'Pat Lee'", "--user dana@acme.example". A value that already is a UUID is used as
 * is, without any request. Otherwise the list is loaded through the API and matched:
 * exact id, then exact name, then a unique prefix of a name or of the id (at least 4
 * characters). Names compare folded (case and accents aside: "jose" is "José"). No curses. */
#include <stdbool.h>
#include <stddef.h>

struct api;
struct disposition_list;
struct task_list;

enum resolve_status {
    RESOLVE_FOUND = 0,
    RESOLVE_UNKNOWN,     /* nothing matches */
    RESOLVE_AMBIGUOUS,   /* several match */
    RESOLVE_AUTH_FAILED, /* the API rejected the key while listing */
    RESOLVE_TEMP_FAILED, /* network, timeout, 5xx, 429 while listing */
    RESOLVE_FAILED,      /* any other failure of the list request */
};

/* The sysexits code for a failed resolution: 65, 77, 75 or 70. */
int resolve_exit_code(enum resolve_status st);

/* One thing a query can match. Strings are borrowed. */
struct resolve_candidate {
    const char *id;
    const char *names[3]; /* NULL-padded: the names the query may equal or prefix */
    const char *label;    /* shown when ambiguous; NULL = names[0] */
};

/* Pick the candidate query names. RESOLVE_FOUND sets *index; otherwise *err (owned) says
 * what went wrong, naming kind ("disposition") and listing ambiguous matches (sanitised). */
enum resolve_status resolve_pick(const char *kind, const char *query,
                                 const struct resolve_candidate *c, size_t n, size_t *index,
                                 char **err);

/* Matching against lists already loaded (borrowed); *uuid owned on RESOLVE_FOUND. */
enum resolve_status resolve_disposition_in(const struct disposition_list *l, const char *query,
                                           char **uuid, char **err);
enum resolve_status resolve_task_in(const struct task_list *l, const char *query, char **uuid,
                                    char **err);

/* Through the API (GET /calls/dispositions; GET /tasks?user_id&type=phone_call&
 * status=scheduled; GET /users?email=). user_id must be a UUID. */
enum resolve_status resolve_disposition_st(struct api *a, const char *name_or_uuid, char **uuid,
                                           char **err);
enum resolve_status resolve_task_st(struct api *a, const char *user_id, const char *name_or_uuid,
                                    char **uuid, char **err);
/* A UUID is kept; an email is looked up with GET /users?email=&status=active and only the
 * one active user whose email equals it (users_match_email) is taken: none or several is
 * RESOLVE_UNKNOWN / RESOLVE_AMBIGUOUS, whatever the server returned. Anything else is
 * unknown. Every command that takes a user by email comes through here. */
enum resolve_status resolve_user_st(struct api *a, const char *uuid_or_email, char **uuid,
                                    char **err);

/* The same, true on RESOLVE_FOUND. *uuid and *err owned. */
bool resolve_disposition(struct api *a, const char *name_or_uuid, char **uuid, char **err);
bool resolve_task(struct api *a, const char *user_id, const char *name_or_uuid, char **uuid,
                  char **err);
bool resolve_user(struct api *a, const char *uuid_or_email, char **uuid, char **err);

#endif
