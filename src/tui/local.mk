# SPDX-License-Identifier: GPL-3.0-or-later
# src/tui (local.mk): the terminal: the poll loop, curses set-up, the readline field and one
# file per view. Uses app and the layers below it.
noinst_LIBRARIES += src/tui/libtui.a
src_tui_libtui_a_SOURCES = \
	src/tui/tui.c src/tui/tui.h \
	src/tui/loop.c src/tui/loop.h \
	src/tui/field.c src/tui/field.h \
	src/tui/keys.c src/tui/keys.h \
	src/tui/escseq.c src/tui/escseq.h \
	src/tui/editor.c src/tui/editor.h \
	src/tui/view.h \
	src/tui/view_form.c \
	src/tui/view_picker.c src/tui/view_picker.h \
	src/tui/view_result.c \
	src/tui/view_help.c \
	src/tui/view_history.c \
	src/tui/form_main.c src/tui/form_main.h
src_tui_libtui_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) \
	$(NCURSES_CFLAGS) $(READLINE_CFLAGS)
