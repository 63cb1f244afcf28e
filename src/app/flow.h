/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_FLOW_H
#define AMPLECALL_FLOW_H
/* App layer: the form's flow, so a call takes few keys: where focus goes after a yes/no,
 * what Answered = no implies for Human, the one question "not answered but a human?", a
 * typed m:ss or h:mm:ss Duration rewritten as seconds, and whether a form is blank enough
 * to quit without asking. */
#include <stdbool.h>

#include "app/app.h"

/* y or n set Answered or Human: Answered = yes moves to Human; Answered = no sets Human =
 * no and moves past it; Human moves on to Disposition, asking once (ASK_ODD_HUMAN) when
 * the call was not answered but a human is said to be on it. */
void flow_after_bool(struct app *a, enum field_id f);
/* After a Space or arrow toggle on Answered or Human: the same implications, focus stays. */
void flow_after_toggle(struct app *a, enum field_id f);
/* The answer to ASK_ODD_HUMAN: yes keeps Human = yes for this call (never asked again),
 * no sets Human = no. Focus moves on either way. */
void flow_answer_odd_human(struct app *a, bool is_yes);
/* Focus leaves Duration (or the call is sent): "1:35" becomes "95"; a bad length gets an
 * error mark saying why. false when Duration is written with colons and is not a length. */
bool flow_normalise_duration(struct app *a);
/* A disposition was chosen: the next picker for a call answered (or not) alike starts on
 * it (app_pick_start), so a day of "No answer" costs one Enter each. */
void flow_note_disposition(struct app *a, const char *id);
/* Remember the fresh form's From (kept from the last call or the config). */
void flow_mark_fresh(struct app *a);
/* Whether the form is back to what it was fresh: nothing but the kept From (unchanged) and
 * the User (a pick, set again in a key or by AMPLECALL_USER). Quitting then loses nothing
 * typed. */
bool flow_is_form_blank(const struct app *a);

#endif
