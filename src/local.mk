# SPDX-License-Identifier: GPL-3.0-or-later
# src (local.mk): the program. One library per layer (src/<layer>/local.mk); dependencies
# point down only: main -> cli, tui -> app -> store -> net -> conf -> core.
include src/core/local.mk
include src/conf/local.mk
include src/net/local.mk
include src/store/local.mk
include src/app/local.mk
include src/tui/local.mk
include src/cli/local.mk

# Every layer's library, top first (the order the linker needs).
AMPLECALL_LIBS = src/cli/libcli.a src/tui/libtui.a src/app/libapp.a src/store/libstore.a \
	src/net/libnet.a src/conf/libconf.a src/core/libcore.a
# Flags for code that may see every layer (main.c, tests, benchmarks).
AMPLECALL_ALL_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) \
	$(NCURSES_CFLAGS) $(READLINE_CFLAGS)

# Every program that links the libraries links the same dependencies.
AMPLECALL_DEP_LIBS = $(NCURSES_LIBS) $(READLINE_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(SQLITE_LIBS) \
	$(UNISTRING_LIBS)

bin_PROGRAMS += src/amplecall
src_amplecall_SOURCES = src/main.c
src_amplecall_CFLAGS = $(AMPLECALL_ALL_CFLAGS)
# No $(CURL_LIBS): the program loads libcurl after its first paint (src/net/curl_dl.c).
# PROGRAM_DEP_LIBS: every library shared; SQLite, ncursesw, readline static with
# --enable-static-deps (configure.ac).
src_amplecall_LDADD = $(AMPLECALL_LIBS) $(PROGRAM_DEP_LIBS)
