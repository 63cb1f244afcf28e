# tests/cli (local.mk): `amplecall log` end to end against the fake API server.
CLI_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fake \
	-I$(top_srcdir)/tests/unit
CLI_TEST_LDADD = $(FAKECTL_LIBS) $(AMPLECALL_LIBS) $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)

check_PROGRAMS += tests/cli/test_cli_log
TESTS += tests/cli/test_cli_log
tests_cli_test_cli_log_SOURCES = tests/cli/test_cli_log.c tests/cli/cli_env.c tests/cli/cli_env.h
tests_cli_test_cli_log_CFLAGS = $(CLI_TEST_CFLAGS)
tests_cli_test_cli_log_LDADD = $(CLI_TEST_LDADD)

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
