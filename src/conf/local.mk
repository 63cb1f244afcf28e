# SPDX-License-Identifier: GPL-3.0-or-later
# src/conf (local.mk): settings from flags, the environment, the config file and its
# profiles, and api_key_command. Uses core only.
noinst_LIBRARIES += src/conf/libconf.a
src_conf_libconf_a_SOURCES = \
	src/conf/settings.c src/conf/settings.h \
	src/conf/keycmd.c src/conf/keycmd.h
src_conf_libconf_a_CFLAGS = $(AM_CFLAGS)
