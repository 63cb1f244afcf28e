/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_KEYS_H
#define AMPLECALL_KEYS_H
/* TUI layer: what a key is: the config's key.ACTION bindings with their F-key and Control
 * fallbacks, and the keys that answer a question. */
#include <stdbool.h>

#include "app/app.h"
#include "conf/settings.h"
#include "tui/loop.h"

/* Whether k is the key of a form action: the config's key.ACTION binding (see
 * settings_key_actions), else the default F-key fkey or Control+ctrl (0 = none). */
bool keys_is_action(const struct settings *s, const struct loop_key *k, const char *action,
                    int fkey, char ctrl);
bool keys_is_ctrl(const struct loop_key *k, char letter);
bool keys_is_fkey(const struct loop_key *k, int n);
/* The answer k gives to question ask: 'y' or 'n' (r/d/l for ASK_RESUME, k/d/c for
 * ASK_QUIT_KEEP), 0 = none, the
 * key is ignored. */
char keys_answer(const struct settings *s, enum ask_kind ask, const struct loop_key *k);

#endif
