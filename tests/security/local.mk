# SPDX-License-Identifier: GPL-3.0-or-later
# tests/security (local.mk): fault matrix, TLS, secrets, terminal safety, valgrind (issue 8).
# They run the real binary and the fake API, which `make check` builds first (all-am).
SECURITY_TESTS = \
	tests/security/test_faults \
	tests/security/test_tls \
	tests/security/test_secrets \
	tests/security/test_terminal \
	tests/security/test_valgrind \
	tests/security/test_proxy \
	tests/security/test_redaction \
	tests/security/test_strictmodes \
	tests/security/test_keycmd
check_PROGRAMS += $(SECURITY_TESTS)
TESTS += $(SECURITY_TESTS)
EXTRA_DIST += tests/sanitize-check.sh doc/security.md

SEC_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS) \
	-I$(top_srcdir)/tests/fake -I$(top_srcdir)/tests/unit -I$(top_srcdir)/tests/cli
SEC_TEST_LDADD = $(FAKECTL_LIBS) $(AMPLECALL_LIBS) $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)
SEC_HELPERS = tests/security/sec.c tests/security/sec.h tests/cli/cli_env.c tests/cli/cli_env.h
PROXY_HELPERS = tests/security/proxy.c tests/security/proxy.h

tests_security_test_faults_SOURCES = tests/security/test_faults.c $(SEC_HELPERS)
tests_security_test_faults_CFLAGS = $(SEC_TEST_CFLAGS)
tests_security_test_faults_LDADD = $(SEC_TEST_LDADD)

# An HTTPS server in the test (libmicrohttpd + GnuTLS), certificates from the openssl CLI.
tests_security_test_tls_SOURCES = tests/security/test_tls.c $(SEC_HELPERS) $(PROXY_HELPERS)
tests_security_test_tls_CFLAGS = $(SEC_TEST_CFLAGS) $(MHD_CFLAGS) -pthread
tests_security_test_tls_LDADD = $(SEC_TEST_LDADD) $(MHD_LIBS) -lpthread

tests_security_test_secrets_SOURCES = tests/security/test_secrets.c $(SEC_HELPERS)
tests_security_test_secrets_CFLAGS = $(SEC_TEST_CFLAGS)
tests_security_test_secrets_LDADD = $(SEC_TEST_LDADD)

# Drives the form on a pty with the e2e driver (tests/e2e/pty.h).
tests_security_test_terminal_SOURCES = tests/security/test_terminal.c $(SEC_HELPERS)
tests_security_test_terminal_CFLAGS = $(SEC_TEST_CFLAGS) $(VTERM_CFLAGS)
tests_security_test_terminal_LDADD = tests/e2e/libe2e.a $(SEC_TEST_LDADD) $(VTERM_LIBS)

tests_security_test_valgrind_SOURCES = tests/security/test_valgrind.c $(SEC_HELPERS)
tests_security_test_valgrind_CFLAGS = $(SEC_TEST_CFLAGS)
tests_security_test_valgrind_LDADD = $(SEC_TEST_LDADD)

# A recording proxy in the environment of plain-http and https runs (issue 13).
tests_security_test_proxy_SOURCES = tests/security/test_proxy.c $(SEC_HELPERS) $(PROXY_HELPERS)
tests_security_test_proxy_CFLAGS = $(SEC_TEST_CFLAGS) -pthread
tests_security_test_proxy_LDADD = $(SEC_TEST_LDADD) -lpthread

# A server that echoes the key; every output, file and database cell searched (issue 13).
tests_security_test_redaction_SOURCES = tests/security/test_redaction.c $(SEC_HELPERS)
tests_security_test_redaction_CFLAGS = $(SEC_TEST_CFLAGS) $(SQLITE_CFLAGS)
tests_security_test_redaction_LDADD = $(SEC_TEST_LDADD)

# StrictModes with a real second user (useradd/userdel; needs root, else one SKIP line).
tests_security_test_strictmodes_SOURCES = tests/security/test_strictmodes.c $(SEC_HELPERS)
tests_security_test_strictmodes_CFLAGS = $(SEC_TEST_CFLAGS)
tests_security_test_strictmodes_LDADD = $(SEC_TEST_LDADD)

# api_key_command bounded, through the real program (issue 13).
tests_security_test_keycmd_SOURCES = tests/security/test_keycmd.c $(SEC_HELPERS)
tests_security_test_keycmd_CFLAGS = $(SEC_TEST_CFLAGS) $(VTERM_CFLAGS)
tests_security_test_keycmd_LDADD = tests/e2e/libe2e.a $(SEC_TEST_LDADD) $(VTERM_LIBS)
