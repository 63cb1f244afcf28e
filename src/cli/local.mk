# SPDX-License-Identifier: GPL-3.0-or-later
# src/cli (local.mk): one file per command, the helpers they share, the table printer and
# line mode. Uses app and the layers below it.
noinst_LIBRARIES += src/cli/libcli.a
src_cli_libcli_a_SOURCES = \
	src/cli/commands.h \
	src/cli/exitmap.c src/cli/exitmap.h \
	src/cli/cmdutil.c src/cli/cmdutil.h \
	src/cli/out.c src/cli/out.h \
	src/cli/resolve.c src/cli/resolve.h \
	src/cli/table.c src/cli/table.h \
	src/cli/lineprompt.c src/cli/lineprompt.h \
	src/cli/cmd_log.c \
	src/cli/cmd_lists.c \
	src/cli/cmd_config.c \
	src/cli/cmd_import.c \
	src/cli/cmd_outbox.c \
	src/cli/cmd_history.c \
	src/cli/cmd_ctl.c
src_cli_libcli_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) \
	$(NCURSES_CFLAGS) $(READLINE_CFLAGS)
