# SPDX-License-Identifier: GPL-3.0-or-later
# src/app (local.mk): the form's controller: its state, lists, drafts, submit and outcomes.
# No curses, no readline, no terminal: built without their flags.
noinst_LIBRARIES += src/app/libapp.a
src_app_libapp_a_SOURCES = \
	src/app/form.c src/app/form.h \
	src/app/duration.c src/app/duration.h \
	src/app/flow.c src/app/flow.h \
	src/app/worklist.c src/app/worklist.h \
	src/app/calltable.c src/app/calltable.h \
	src/app/app.h src/app/app_impl.h \
	src/app/app.c \
	src/app/lists.c \
	src/app/cache.c \
	src/app/drafts.c \
	src/app/submit.c \
	src/app/phone.c src/app/phone.h \
	src/app/softphone.c src/app/softphone.h
src_app_libapp_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS)
