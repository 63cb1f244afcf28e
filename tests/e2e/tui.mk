# SPDX-License-Identifier: GPL-3.0-or-later
# The call form driven on a real pty (libvterm) against the fake API.
check_PROGRAMS += tests/e2e/test_form
TESTS += tests/e2e/test_form
tests_e2e_test_form_SOURCES = tests/e2e/test_form.c tests/e2e/form_check.c tests/e2e/form_check.h
tests_e2e_test_form_CFLAGS = $(E2E_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fake
tests_e2e_test_form_LDADD = tests/e2e/libe2e.a $(FAKECTL_LIBS) $(AMPLECALL_LIBS) \
	$(VTERM_LIBS) $(CMOCKA_LIBS)
# The tests run the program and the fake server, so both must be built first.
tests_e2e_test_form_DEPENDENCIES = tests/e2e/libe2e.a tests/fake/libfakectl.a \
	$(AMPLECALL_LIBS) src/amplecall tests/fake/fakeapi

# The form with its store (issue 5): drafts across SIGKILL, the outbox behind submit, history.
check_PROGRAMS += tests/e2e/test_form_store
TESTS += tests/e2e/test_form_store
tests_e2e_test_form_store_SOURCES = tests/e2e/test_form_store.c tests/e2e/form_check.c \
	tests/e2e/form_check.h
tests_e2e_test_form_store_CFLAGS = $(E2E_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fake
tests_e2e_test_form_store_LDADD = tests/e2e/libe2e.a $(FAKECTL_LIBS) $(AMPLECALL_LIBS) \
	$(VTERM_LIBS) $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)
tests_e2e_test_form_store_DEPENDENCIES = tests/e2e/libe2e.a tests/fake/libfakectl.a \
	$(AMPLECALL_LIBS) src/amplecall tests/fake/fakeapi
