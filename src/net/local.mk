# SPDX-License-Identifier: GPL-3.0-or-later
# src/net (local.mk): libcurl glue, the API's endpoints, and loading libcurl at run time.
# Uses conf and core; no SQLite, curses or readline.
noinst_LIBRARIES += src/net/libnet.a
src_net_libnet_a_SOURCES = \
	src/net/curl_dl.c src/net/curl_dl.h \
	src/net/http.c src/net/http.h \
	src/net/api.c src/net/api.h \
	src/net/lists.c \
	src/net/connect.c src/net/connect.h \
	src/net/ctlsock.c src/net/ctlsock.h \
	src/net/baresip.c src/net/baresip.h
src_net_libnet_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
