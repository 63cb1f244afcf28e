# SPDX-License-Identifier: GPL-3.0-or-later
# tests/campaign (local.mk): the outbox fault campaign. The real binary against a hostile fake
# API, many randomised runs per fault class, every call counted on the server (see campaign.c).
check_PROGRAMS += tests/campaign/campaign
TESTS += tests/campaign/campaign
tests_campaign_campaign_SOURCES = tests/campaign/campaign.c \
	tests/cli/cli_env.c tests/cli/cli_env.h
tests_campaign_campaign_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(SQLITE_CFLAGS) -pthread \
	-I$(top_srcdir)/tests/fake -I$(top_srcdir)/tests/cli
tests_campaign_campaign_LDADD = $(FAKECTL_LIBS) $(AMPLECALL_LIBS) $(AMPLECALL_DEP_LIBS) -lpthread
# It runs the program and the server, so both must be built first.
tests_campaign_campaign_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a \
	tests/fake/fakeapi src/amplecall
