/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FAKECTL_H
#define AMPLECALL_FAKECTL_H
/* Test-side control of the fake Amplemarket API (tests/fake/fakeapi): start it on a free
 * loopback port, inject faults, read its request log and stored calls, stop it. Also
 * run_capture() to run a command with a time bound. Failures print why to stderr. Link with
 * $(FAKECTL_LIBS) and xmalloc & co (src/util.c). */
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "fake_ids.h"

/* Bytes for a UUID string and its NUL. */
#define FAKE_ID_LEN 37

struct fake;

/* Fork/exec $AMPLECALL_TEST_BUILDDIR/tests/fake/fakeapi (or $FAKEAPI_BIN) with --port 0, a temp
 * --log file and extra_args (NULL-terminated, may be NULL); waits at most 5 s for its port.
 * owned (fake_stop frees); NULL on failure. */
struct fake *fake_start(const char *const *extra_args);
/* SIGTERM, wait (SIGKILL after 5 s), remove the log file, free. Returns the server's exit
 * status (0 = clean stop), -1 if it had to be killed or was gone. NULL is a no-op (-1). */
int fake_stop(struct fake *f);

/* borrowed: "http://127.0.0.1:PORT" */
const char *fake_base_url(const struct fake *f);
int fake_port(const struct fake *f);
/* borrowed: the JSON-lines request log file */
const char *fake_log_path(const struct fake *f);

/* Replace the fault queue with json (an object or an array of objects, see README.md). */
bool fake_set_faults(struct fake *f, const char *json);
/* Clear faults, stored calls, task changes and the request log. */
bool fake_reset(struct fake *f);

/* owned: the request log as a JSON array (NULL on failure) */
json_object *fake_requests(struct fake *f);
/* Logged requests with this method and path (NULL matches any). */
size_t fake_request_count(struct fake *f, const char *method, const char *path);
/* owned: the last logged request with this method and path (NULL matches any), or NULL */
json_object *fake_last_request(struct fake *f, const char *method, const char *path);
/* Distinct TCP connections among the logged requests. */
size_t fake_connection_count(struct fake *f);
/* owned: JSON array of the calls the server stored, oldest first (NULL on failure) */
json_object *fake_stored_calls(struct fake *f);
/* Plant calls on the server as if another client had logged them (POST /_fake/calls): json is
 * a call object or an array of them, see README.md. owned: the planted calls with their ids
 * and start dates (NULL on failure). */
json_object *fake_seed_calls(struct fake *f, const char *json);

/* Id of seeded phone-call task n (1-based, API order) into out, e.g. n=1 -> FAKE_TASK_ID_FIRST. */
void fake_task_id(int n, char out[FAKE_ID_LEN]);

/* Run argv (argv[0] a path or a name looked up in PATH) with envp (NULL: inherit), stdin_text
 * on stdin (NULL: /dev/null), at most timeout_ms. *out and *err get stdout/stderr (owned,
 * NUL-terminated; either pointer may be NULL to discard). Returns the exit status, 128+signal
 * if killed by a signal, -1 on timeout (the child's process group is then killed and reaped)
 * or if it could not be started. */
int run_capture(const char *const argv[], const char *const envp[], const char *stdin_text,
                int timeout_ms, char **out, char **err);

#endif
