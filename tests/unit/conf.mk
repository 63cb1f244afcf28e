# tests/unit (conf.mk): configuration, profiles, name resolution, CSV and the table printer
# (issue 6).
CONF_UNIT_TESTS = \
	tests/unit/test_settings
check_PROGRAMS += $(CONF_UNIT_TESTS)
TESTS += $(CONF_UNIT_TESTS)

tests_unit_test_settings_SOURCES = tests/unit/test_settings.c
tests_unit_test_settings_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_settings_LDADD = $(UNIT_LDADD)

# (listed once: CONF_UNIT_TESTS is expanded lazily into check_PROGRAMS and TESTS above)
CONF_UNIT_TESTS += tests/unit/test_conf_helpers
tests_unit_test_conf_helpers_SOURCES = tests/unit/test_conf_helpers.c
tests_unit_test_conf_helpers_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_conf_helpers_LDADD = $(UNIT_LDADD)

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
