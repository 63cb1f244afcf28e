# tests/unit (store.mk): the SQLite store and the outbox engine (issue 5).
STORE_UNIT_TESTS = tests/unit/test_store tests/unit/test_outbox
check_PROGRAMS += $(STORE_UNIT_TESTS)
TESTS += $(STORE_UNIT_TESTS)

tests_unit_test_store_SOURCES = tests/unit/test_store.c tests/unit/tmptree.h
tests_unit_test_store_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_test_store_LDADD = $(UNIT_LDADD)


# The engine runs against the fake API server (a separate process on 127.0.0.1).
tests_unit_test_outbox_SOURCES = tests/unit/test_outbox.c tests/unit/tmptree.h
tests_unit_test_outbox_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_test_outbox_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_test_outbox_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi

# End-to-end tests of the outbox live in their own directory.
include $(top_srcdir)/tests/outbox/local.mk
