# cmocka unit tests of the core library's pure modules (TAP output).
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
UNIT_LDADD = src/libamplecall.a $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)

EXTRA_DIST += tests/unit/unit.h
CORE_UNIT_TESTS = \
	tests/unit/test_util \
	tests/unit/test_sanitize \
	tests/unit/test_call \
	tests/unit/test_validate \
	tests/unit/test_baseurl \
	tests/unit/test_apierr \
	tests/unit/test_api_parse \
	tests/unit/test_http
check_PROGRAMS += $(CORE_UNIT_TESTS)
TESTS += $(CORE_UNIT_TESTS)

tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_util_LDADD = $(UNIT_LDADD)
tests_unit_test_sanitize_SOURCES = tests/unit/test_sanitize.c
tests_unit_test_sanitize_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_sanitize_LDADD = $(UNIT_LDADD)
tests_unit_test_call_SOURCES = tests/unit/test_call.c
tests_unit_test_call_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_call_LDADD = $(UNIT_LDADD)
tests_unit_test_validate_SOURCES = tests/unit/test_validate.c
tests_unit_test_validate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_validate_LDADD = $(UNIT_LDADD)
tests_unit_test_baseurl_SOURCES = tests/unit/test_baseurl.c
tests_unit_test_baseurl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_baseurl_LDADD = $(UNIT_LDADD)
tests_unit_test_apierr_SOURCES = tests/unit/test_apierr.c
tests_unit_test_apierr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_apierr_LDADD = $(UNIT_LDADD)
tests_unit_test_api_parse_SOURCES = tests/unit/test_api_parse.c
tests_unit_test_api_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_api_parse_LDADD = $(UNIT_LDADD)
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_http_LDADD = $(UNIT_LDADD) -lpthread

# StrictModes for the state and config directories (issue 13).
CORE_UNIT_TESTS += tests/unit/test_safepath
tests_unit_test_safepath_SOURCES = tests/unit/test_safepath.c
tests_unit_test_safepath_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_safepath_LDADD = $(UNIT_LDADD)
# The key out of everything a server sends (issue 13).
CORE_UNIT_TESTS += tests/unit/test_redact
tests_unit_test_redact_SOURCES = tests/unit/test_redact.c
tests_unit_test_redact_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_redact_LDADD = $(UNIT_LDADD)
# api_key_command bounded in time and output (issue 13).
CORE_UNIT_TESTS += tests/unit/test_keycmd
tests_unit_test_keycmd_SOURCES = tests/unit/test_keycmd.c
tests_unit_test_keycmd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_keycmd_LDADD = $(UNIT_LDADD)
