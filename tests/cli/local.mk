# SPDX-License-Identifier: GPL-3.0-or-later
# tests/cli (local.mk): `amplecall log` end to end against the fake API server.
CLI_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fake \
	-I$(top_srcdir)/tests/unit
CLI_TEST_LDADD = $(FAKECTL_LIBS) $(AMPLECALL_LIBS) $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)

check_PROGRAMS += tests/cli/test_cli_log
TESTS += tests/cli/test_cli_log
tests_cli_test_cli_log_SOURCES = tests/cli/test_cli_log.c tests/cli/cli_env.c tests/cli/cli_env.h
tests_cli_test_cli_log_CFLAGS = $(CLI_TEST_CFLAGS)
tests_cli_test_cli_log_LDADD = $(CLI_TEST_LDADD)

# Commands end to end against the fake API (tests/cli/test_cli_cmds.c), registered here so
# tests/cli/local.mk stays with `log`; it reuses that fragment's CLI_TEST_* and cli_env.c.
check_PROGRAMS += tests/cli/test_cli_cmds
TESTS += tests/cli/test_cli_cmds
tests_cli_test_cli_cmds_SOURCES = tests/cli/test_cli_cmds.c tests/cli/cli_env.c \
	tests/cli/cli_env.h
tests_cli_test_cli_cmds_CFLAGS = $(CLI_TEST_CFLAGS)
tests_cli_test_cli_cmds_LDADD = $(CLI_TEST_LDADD)
tests_cli_test_cli_cmds_DEPENDENCIES = src/amplecall tests/fake/fakeapi \
	tests/fake/libfakectl.a $(AMPLECALL_LIBS)

# Line mode through a pty (tests/e2e/pty.h) against the fake API.
check_PROGRAMS += tests/cli/test_lineprompt
TESTS += tests/cli/test_lineprompt
tests_cli_test_lineprompt_SOURCES = tests/cli/test_lineprompt.c
tests_cli_test_lineprompt_CFLAGS = $(E2E_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fake \
	-I$(top_srcdir)/tests/unit
tests_cli_test_lineprompt_LDADD = tests/e2e/libe2e.a $(FAKECTL_LIBS) $(AMPLECALL_LIBS) \
	$(VTERM_LIBS) $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)
tests_cli_test_lineprompt_DEPENDENCIES = src/amplecall tests/fake/fakeapi \
	tests/fake/libfakectl.a tests/e2e/libe2e.a $(AMPLECALL_LIBS)

# The bash completion script, with bash-completion's helpers stubbed (TAP from bash).
TESTS += tests/cli/test_completion.sh
EXTRA_DIST += tests/cli/test_completion.sh
# Every option of every --help text is completed in bash, zsh and fish (real shells).
TESTS += tests/cli/test_completion_help.sh
EXTRA_DIST += tests/cli/test_completion_help.sh tests/cli/zsh-complete.zsh

check_PROGRAMS += tests/cli/test_cli_api
TESTS += tests/cli/test_cli_api
tests_cli_test_cli_api_SOURCES = tests/cli/test_cli_api.c tests/cli/cli_env.c tests/cli/cli_env.h
tests_cli_test_cli_api_CFLAGS = $(CLI_TEST_CFLAGS)
tests_cli_test_cli_api_LDADD = $(CLI_TEST_LDADD)

check_PROGRAMS += tests/cli/test_cli_charset
TESTS += tests/cli/test_cli_charset
tests_cli_test_cli_charset_SOURCES = tests/cli/test_cli_charset.c tests/cli/cli_env.c \
	tests/cli/cli_env.h
tests_cli_test_cli_charset_CFLAGS = $(CLI_TEST_CFLAGS)
tests_cli_test_cli_charset_LDADD = $(CLI_TEST_LDADD)
