# SPDX-License-Identifier: GPL-3.0-or-later
# tests/phone (local.mk): the softphone drives the form. test_ctl: `amplecall ctl` against
# the form on a pty (no softphone). test_baresip: two real baresip instances calling each
# other inside a private network namespace the test makes (unshare -n, a tun address
# 198.51.100.1; nothing leaves the machine); it needs root and baresip, and fails without.
PHONE_CFLAGS = $(E2E_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/fake -I$(top_srcdir)/tests/e2e
PHONE_LDADD = tests/e2e/libe2e.a $(FAKECTL_LIBS) $(AMPLECALL_LIBS) $(VTERM_LIBS) \
	$(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)
PHONE_DEPS = tests/e2e/libe2e.a tests/fake/libfakectl.a $(AMPLECALL_LIBS) src/amplecall \
	tests/fake/fakeapi
PHONE_SOURCES = tests/phone/phone_env.c tests/phone/phone_env.h tests/e2e/form_check.c \
	tests/e2e/form_check.h

check_PROGRAMS += tests/phone/test_ctl tests/phone/test_baresip
TESTS += tests/phone/test_ctl tests/phone/test_baresip
tests_phone_test_ctl_SOURCES = tests/phone/test_ctl.c $(PHONE_SOURCES)
tests_phone_test_ctl_CFLAGS = $(PHONE_CFLAGS)
tests_phone_test_ctl_LDADD = $(PHONE_LDADD)
tests_phone_test_ctl_DEPENDENCIES = $(PHONE_DEPS)
tests_phone_test_baresip_SOURCES = tests/phone/test_baresip.c $(PHONE_SOURCES)
tests_phone_test_baresip_CFLAGS = $(PHONE_CFLAGS)
tests_phone_test_baresip_LDADD = $(PHONE_LDADD)
tests_phone_test_baresip_DEPENDENCIES = $(PHONE_DEPS)
