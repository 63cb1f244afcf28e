# SPDX-License-Identifier: GPL-3.0-or-later
# src/core (local.mk): the layer under everything: the call model, validation, the error
# envelope, JSON and text helpers, CSV, clock, buffers. libc, json-c and libunistring only:
# built without curl, SQLite, curses or readline flags, so it cannot reach them.
noinst_LIBRARIES += src/core/libcore.a
src_core_libcore_a_SOURCES = \
	src/core/exitcode.h \
	src/core/util.c src/core/util.h \
	src/core/buf.c src/core/buf.h \
	src/core/jsonx.c src/core/jsonx.h \
	src/core/sanitize.c src/core/sanitize.h \
	src/core/safepath.c src/core/safepath.h \
	src/core/redact.c src/core/redact.h \
	src/core/text.c src/core/text.h \
	src/core/fold.c src/core/fold.h \
	src/core/charset.c src/core/charset.h \
	src/core/call.c src/core/call.h \
	src/core/validate.c src/core/validate.h \
	src/core/baseurl.c src/core/baseurl.h \
	src/core/apierr.c src/core/apierr.h \
	src/core/clock.c src/core/clock.h \
	src/core/csv.c src/core/csv.h \
	src/core/sha256.c src/core/sha256.h
src_core_libcore_a_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
