/* SPDX-License-Identifier: GPL-3.0-or-later */
#ifndef AMPLECALL_EDITOR_H
#define AMPLECALL_EDITOR_H
/* TUI layer: edit a field's text in $VISUAL or $EDITOR (vi when neither is set). */
#include "core/call.h"

/* The edited text of field f (one line unless it is the transcription), owned; NULL with
 * *error (owned, why) when the editor failed or its file cannot be read. The caller
 * repaints the whole terminal afterwards. */
char *editor_edit(enum field_id f, const char *value, char **error);

#endif
