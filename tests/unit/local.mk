# SPDX-License-Identifier: GPL-3.0-or-later
# tests/unit (local.mk): cmocka unit tests (TAP), one folder per layer of src/, each test
# named after the module it covers. They link the layers' libraries; none needs a terminal.
UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS) -I$(top_srcdir)/tests/unit
UNIT_LDADD = $(AMPLECALL_LIBS) $(CMOCKA_LIBS) $(AMPLECALL_DEP_LIBS)
EXTRA_DIST += tests/unit/unit.h tests/unit/tmptree.h tests/unit/noskip.h
UNIT_TESTS = \
	tests/unit/core/test_util \
	tests/unit/core/test_sanitize \
	tests/unit/core/test_call \
	tests/unit/core/test_validate \
	tests/unit/core/test_baseurl \
	tests/unit/core/test_apierr \
	tests/unit/core/test_clock \
	tests/unit/core/test_text \
	tests/unit/core/test_fold \
	tests/unit/core/test_charset \
	tests/unit/core/test_safepath \
	tests/unit/core/test_redact \
	tests/unit/conf/test_keycmd \
	tests/unit/conf/test_settings \
	tests/unit/net/test_api_parse \
	tests/unit/net/test_http \
	tests/unit/net/test_api_load \
	tests/unit/net/test_baresip \
	tests/unit/store/test_store \
	tests/unit/store/test_outbox \
	tests/unit/store/test_verdict \
	tests/unit/store/test_numbers \
	tests/unit/store/test_lookup \
	tests/unit/store/test_outbox_rules \
	tests/unit/store/test_outbox_when \
	tests/unit/app/test_form \
	tests/unit/app/test_app \
	tests/unit/app/test_submit \
	tests/unit/app/test_phone \
	tests/unit/app/test_duration \
	tests/unit/app/test_flow \
	tests/unit/tui/test_tui_text \
	tests/unit/tui/test_escseq \
	tests/unit/cli/test_conf_helpers
check_PROGRAMS += $(UNIT_TESTS)
TESTS += $(UNIT_TESTS)

# core
tests_unit_core_test_util_SOURCES = tests/unit/core/test_util.c
tests_unit_core_test_util_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_util_LDADD = $(UNIT_LDADD)
tests_unit_core_test_sanitize_SOURCES = tests/unit/core/test_sanitize.c
tests_unit_core_test_sanitize_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_sanitize_LDADD = $(UNIT_LDADD)
tests_unit_core_test_call_SOURCES = tests/unit/core/test_call.c
tests_unit_core_test_call_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_call_LDADD = $(UNIT_LDADD)
tests_unit_core_test_validate_SOURCES = tests/unit/core/test_validate.c
tests_unit_core_test_validate_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_validate_LDADD = $(UNIT_LDADD)
tests_unit_core_test_baseurl_SOURCES = tests/unit/core/test_baseurl.c
tests_unit_core_test_baseurl_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_baseurl_LDADD = $(UNIT_LDADD)
tests_unit_core_test_apierr_SOURCES = tests/unit/core/test_apierr.c
tests_unit_core_test_apierr_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_apierr_LDADD = $(UNIT_LDADD)
tests_unit_core_test_clock_SOURCES = tests/unit/core/test_clock.c
tests_unit_core_test_clock_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_clock_LDADD = $(UNIT_LDADD)

tests_unit_core_test_text_SOURCES = tests/unit/core/test_text.c
tests_unit_core_test_text_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_text_LDADD = $(UNIT_LDADD)

tests_unit_core_test_fold_SOURCES = tests/unit/core/test_fold.c
tests_unit_core_test_fold_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_fold_LDADD = $(UNIT_LDADD)

# conf
tests_unit_conf_test_settings_SOURCES = tests/unit/conf/test_settings.c
tests_unit_conf_test_settings_CFLAGS = $(UNIT_CFLAGS)
tests_unit_conf_test_settings_LDADD = $(UNIT_LDADD)

# net
tests_unit_net_test_api_parse_SOURCES = tests/unit/net/test_api_parse.c
tests_unit_net_test_api_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_net_test_api_parse_LDADD = $(UNIT_LDADD)
tests_unit_net_test_http_SOURCES = tests/unit/net/test_http.c
tests_unit_net_test_http_CFLAGS = $(UNIT_CFLAGS)
tests_unit_net_test_http_LDADD = $(UNIT_LDADD) -lpthread

# store
tests_unit_store_test_store_SOURCES = tests/unit/store/test_store.c tests/unit/tmptree.h
tests_unit_store_test_store_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_store_test_store_LDADD = $(UNIT_LDADD)
tests_unit_store_test_verdict_SOURCES = tests/unit/store/test_verdict.c
tests_unit_store_test_verdict_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_store_test_verdict_LDADD = $(UNIT_LDADD)
tests_unit_store_test_outbox_SOURCES = tests/unit/store/test_outbox.c tests/unit/tmptree.h
tests_unit_store_test_outbox_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_store_test_outbox_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_store_test_outbox_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi
tests_unit_store_test_outbox_rules_SOURCES = tests/unit/store/test_outbox_rules.c tests/unit/store/outbox_fixture.h tests/unit/tmptree.h
tests_unit_store_test_outbox_rules_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_store_test_outbox_rules_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_store_test_outbox_rules_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi
tests_unit_store_test_outbox_when_SOURCES = tests/unit/store/test_outbox_when.c tests/unit/store/outbox_fixture.h tests/unit/tmptree.h
tests_unit_store_test_outbox_when_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_store_test_outbox_when_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_store_test_outbox_when_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi
tests_unit_store_test_lookup_SOURCES = tests/unit/store/test_lookup.c tests/unit/tmptree.h
tests_unit_store_test_lookup_CFLAGS = $(UNIT_CFLAGS) $(SQLITE_CFLAGS)
tests_unit_store_test_lookup_LDADD = $(UNIT_LDADD)
tests_unit_store_test_numbers_SOURCES = tests/unit/store/test_numbers.c
tests_unit_store_test_numbers_CFLAGS = $(UNIT_CFLAGS)
tests_unit_store_test_numbers_LDADD = $(UNIT_LDADD)

# app
tests_unit_net_test_baresip_SOURCES = tests/unit/net/test_baresip.c
tests_unit_net_test_baresip_CFLAGS = $(UNIT_CFLAGS)
tests_unit_net_test_baresip_LDADD = $(UNIT_LDADD)
tests_unit_app_test_phone_SOURCES = tests/unit/app/test_phone.c
tests_unit_app_test_phone_CFLAGS = $(UNIT_CFLAGS)
tests_unit_app_test_phone_LDADD = $(UNIT_LDADD)
tests_unit_app_test_form_SOURCES = tests/unit/app/test_form.c
tests_unit_app_test_form_CFLAGS = $(UNIT_CFLAGS)
tests_unit_app_test_form_LDADD = $(UNIT_LDADD)
tests_unit_app_test_flow_SOURCES = tests/unit/app/test_flow.c
tests_unit_app_test_flow_CFLAGS = $(UNIT_CFLAGS)
tests_unit_app_test_flow_LDADD = $(UNIT_LDADD)
tests_unit_app_test_duration_SOURCES = tests/unit/app/test_duration.c
tests_unit_app_test_duration_CFLAGS = $(UNIT_CFLAGS)
tests_unit_app_test_duration_LDADD = $(UNIT_LDADD)
tests_unit_app_test_app_SOURCES = tests/unit/app/test_app.c
tests_unit_app_test_app_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_app_test_app_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_app_test_app_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi
tests_unit_app_test_submit_SOURCES = tests/unit/app/test_submit.c
tests_unit_app_test_submit_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_app_test_submit_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_app_test_submit_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi

# tui
tests_unit_tui_test_escseq_SOURCES = tests/unit/tui/test_escseq.c
tests_unit_tui_test_escseq_CFLAGS = $(UNIT_CFLAGS) $(NCURSES_CFLAGS)
tests_unit_tui_test_escseq_LDADD = $(UNIT_LDADD)
tests_unit_tui_test_tui_text_SOURCES = tests/unit/tui/test_tui_text.c
tests_unit_tui_test_tui_text_CFLAGS = $(UNIT_CFLAGS) $(NCURSES_CFLAGS)
tests_unit_tui_test_tui_text_LDADD = $(UNIT_LDADD)

# cli
tests_unit_cli_test_conf_helpers_SOURCES = tests/unit/cli/test_conf_helpers.c
tests_unit_cli_test_conf_helpers_CFLAGS = $(UNIT_CFLAGS)
tests_unit_cli_test_conf_helpers_LDADD = $(UNIT_LDADD)

# core/charset.c
tests_unit_core_test_charset_SOURCES = tests/unit/core/test_charset.c
tests_unit_core_test_charset_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_charset_LDADD = $(UNIT_LDADD)

# net/api.c list loads against the fake API server (a separate process on 127.0.0.1)
tests_unit_net_test_api_load_SOURCES = tests/unit/net/test_api_load.c
tests_unit_net_test_api_load_CFLAGS = $(UNIT_CFLAGS) -I$(top_srcdir)/tests/fake
tests_unit_net_test_api_load_LDADD = $(FAKECTL_LIBS) $(UNIT_LDADD)
tests_unit_net_test_api_load_DEPENDENCIES = $(AMPLECALL_LIBS) tests/fake/libfakectl.a tests/fake/fakeapi

# core/safepath.c (StrictModes) and core/redact.c (the key out of what the server sends)
tests_unit_core_test_safepath_SOURCES = tests/unit/core/test_safepath.c
tests_unit_core_test_safepath_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_safepath_LDADD = $(UNIT_LDADD)
tests_unit_core_test_redact_SOURCES = tests/unit/core/test_redact.c
tests_unit_core_test_redact_CFLAGS = $(UNIT_CFLAGS)
tests_unit_core_test_redact_LDADD = $(UNIT_LDADD)
tests_unit_conf_test_keycmd_SOURCES = tests/unit/conf/test_keycmd.c
tests_unit_conf_test_keycmd_CFLAGS = $(UNIT_CFLAGS)
tests_unit_conf_test_keycmd_LDADD = $(UNIT_LDADD)
