/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_TEST_PHONE_ENV_H
#define AMPLECALL_TEST_PHONE_ENV_H
/* Shared by the softphone tests: one environment (fresh HOME, a private XDG_RUNTIME_DIR,
 * optional config) for the form on a pty (tests/e2e harness) and the `amplecall ctl` runs
 * beside it, against the fake API on 127.0.0.1. Every wait is bounded. */
#include <stdbool.h>

#include "fakectl.h"
#include "pty.h"

/* Screen rows of the fields (nothing marked) and the value column (tests/e2e). */
#define ROW_FROM 2
#define ROW_TO 3
#define ROW_DURATION 4
#define ROW_ANSWERED 5
#define ROW_HUMAN 6
#define ROW_DISPOSITION 7

struct phone_env {
    struct fake *fake;
    char **env;     /* owned (term_env) */
    char *run_dir;  /* owned: XDG_RUNTIME_DIR, 0700 */
    char *config;   /* owned path or NULL */
    struct term *t; /* the form, NULL until phone_form_start */
};

/* config_text NULL = no config file. */
struct phone_env *phone_env_new(const char *config_text);
void phone_env_free(struct phone_env *e);
/* Start the form and wait until it is ready (lists loaded). */
void phone_form_start(struct phone_env *e);
/* Run `amplecall ctl ARGS...` (NULL-terminated) in the environment, at most 10 s; the exit
 * status, *out and *err owned (may be NULL to discard). */
int phone_ctl(struct phone_env *e, char **out, char **err, ...);
/* The whole seconds at the start of field row's value (Duration), -1 when none. */
long long phone_duration(struct term *t);
/* Wait (bounded) until Duration shows a number; it, or -1. */
long long see_some_duration(struct term *t);
/* Wait (bounded) until Duration shows want seconds. */
void see_duration(struct term *t, long long want);

#endif
