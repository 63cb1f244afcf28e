# SPDX-License-Identifier: GPL-3.0-or-later
# tests/fake (local.mk): the fake Amplemarket API server, its test-side control library and
# the tests that prove the server behaves.

# Built by plain `make` because `make demo` runs it.
noinst_PROGRAMS += tests/fake/fakeapi
tests_fake_fakeapi_SOURCES = \
	tests/fake/fakeapi.c tests/fake/fake.h tests/fake/fake_ids.h \
	tests/fake/fake_data.c tests/fake/fake_faults.c tests/fake/fake_log.c \
	src/core/util.c src/core/util.h
tests_fake_fakeapi_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(JSONC_CFLAGS) -pthread
tests_fake_fakeapi_LDADD = $(MHD_LIBS) $(JSONC_LIBS) -lpthread

# Test-side library: start/stop the server, set faults, read its log; run_capture() for CLIs.
# noinst rather than check_LIBRARIES: Makefile.am does not declare check_LIBRARIES and
# tests/e2e/local.mk (included later) assigns it with '='.
noinst_LIBRARIES += tests/fake/libfakectl.a
tests_fake_libfakectl_a_SOURCES = \
	tests/fake/fakectl.c tests/fake/fakectl.h tests/fake/fake_ids.h \
	tests/fake/run_capture.c
tests_fake_libfakectl_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
# What a program linking libfakectl.a must add (it also needs xmalloc & co from src/core/util.c,
# e.g. via $(AMPLECALL_LIBS)).
FAKECTL_LIBS = tests/fake/libfakectl.a $(CURL_LIBS) $(JSONC_LIBS)

check_PROGRAMS += tests/fake/test_fakeapi
TESTS += tests/fake/test_fakeapi
tests_fake_test_fakeapi_SOURCES = tests/fake/test_fakeapi.c src/core/util.c src/core/util.h
tests_fake_test_fakeapi_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) $(CMOCKA_CFLAGS)
tests_fake_test_fakeapi_LDADD = $(FAKECTL_LIBS) $(CMOCKA_LIBS)
# The tests start the server, so it must exist before they run.
tests_fake_test_fakeapi_DEPENDENCIES = tests/fake/libfakectl.a tests/fake/fakeapi

EXTRA_DIST += tests/fake/README.md
