# SPDX-License-Identifier: GPL-3.0-or-later
# tests/outbox (local.mk): nothing lost, nothing duplicated (issue 5). The real binary against
# the fake API: failure modes, concurrent flushes and the SIGKILL crash test.
check_PROGRAMS += tests/outbox/test_outbox_cli
TESTS += tests/outbox/test_outbox_cli
tests_outbox_test_outbox_cli_SOURCES = tests/outbox/test_outbox_cli.c \
	tests/cli/cli_env.c tests/cli/cli_env.h
tests_outbox_test_outbox_cli_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) \
	-I$(top_srcdir)/tests/fake -I$(top_srcdir)/tests/unit -I$(top_srcdir)/tests/cli
tests_outbox_test_outbox_cli_LDADD = $(FAKECTL_LIBS) $(AMPLECALL_LIBS) $(CMOCKA_LIBS) \
	$(AMPLECALL_DEP_LIBS)
# It runs the program and the server, so both must be built first.
tests_outbox_test_outbox_cli_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a \
	tests/fake/fakeapi src/amplecall
