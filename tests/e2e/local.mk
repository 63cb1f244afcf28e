# SPDX-License-Identifier: GPL-3.0-or-later
# tests/e2e (local.mk): the pty + libvterm terminal driver (tests/e2e/pty.h) and its self-test.
# Other e2e fragments link $(E2E_LDADD) and add $(E2E_CFLAGS) to their programs' CFLAGS.
# check_LIBRARIES is declared in Makefile.am.
check_LIBRARIES += tests/e2e/libe2e.a
tests_e2e_libe2e_a_SOURCES = tests/e2e/pty.c tests/e2e/pty.h
tests_e2e_libe2e_a_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS)

# Test files in tests/e2e include "pty.h" with quotes; no -I for this directory, since it
# would hide the system <pty.h> (forkpty) from pty.c.
E2E_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS) $(CMOCKA_CFLAGS)
# Only src/core/libcore.a is needed here (util.c: xmalloc, die).
E2E_LDADD = tests/e2e/libe2e.a $(AMPLECALL_LIBS) $(VTERM_LIBS) $(CMOCKA_LIBS)

check_PROGRAMS += tests/e2e/test_pty
TESTS += tests/e2e/test_pty
tests_e2e_test_pty_SOURCES = tests/e2e/test_pty.c
tests_e2e_test_pty_CFLAGS = $(E2E_CFLAGS)
tests_e2e_test_pty_LDADD = $(E2E_LDADD)

# The form's key rules (issue 16): Esc, quitting, a too-small terminal, unknown escape
# sequences, F4, y/n moving on, Duration as m:ss.
check_PROGRAMS += tests/e2e/test_keys
TESTS += tests/e2e/test_keys
tests_e2e_test_keys_SOURCES = tests/e2e/test_keys.c tests/e2e/form_check.c tests/e2e/form_check.h
tests_e2e_test_keys_CFLAGS = $(E2E_CFLAGS) -I$(top_srcdir)/tests/fake
tests_e2e_test_keys_LDADD = tests/e2e/libe2e.a $(FAKECTL_LIBS) $(AMPLECALL_LIBS) \
	$(VTERM_LIBS) $(CMOCKA_LIBS)
tests_e2e_test_keys_DEPENDENCIES = tests/e2e/libe2e.a tests/fake/libfakectl.a \
	$(AMPLECALL_LIBS) src/amplecall tests/fake/fakeapi
