# SPDX-License-Identifier: GPL-3.0-or-later
# src/store (local.mk): local state in SQLite: the store, the outbox (the send protocol),
# how stored calls read. Uses net, conf and core; no curses or readline.
noinst_LIBRARIES += src/store/libstore.a
src_store_libstore_a_SOURCES = \
	src/store/store.c src/store/store.h src/store/store_impl.h \
	src/store/drafts.c \
	src/store/lease.c \
	src/store/lookup.c \
	src/store/query.c \
	src/store/today.c src/store/today.h \
	src/store/outbox.c src/store/outbox.h \
	src/store/verdict.c \
	src/store/history.c src/store/history.h \
	src/store/numbers.c src/store/numbers.h
src_store_libstore_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)
