# SPDX-License-Identifier: GPL-3.0-or-later
# tests/fuzz (local.mk): libFuzzer targets (issue 8).
# `make fuzz` builds every target with clang -fsanitize=fuzzer,address,undefined straight from
# the pure sources (see run.sh; the configured compiler is not used) and runs each for
# FUZZ_SECONDS (default 60) on a copy of its corpus in a temp dir. `make check` replays each
# corpus through its target with the configured compiler, one TAP line per input.
fuzz:
	@FUZZ_SECONDS="$${FUZZ_SECONDS:-60}" $(SHELL) $(top_srcdir)/tests/fuzz/run.sh
.PHONY: fuzz

EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/fuzz.h tests/fuzz/corpus

FUZZ_REPLAYS = \
	tests/fuzz/replay_apierr \
	tests/fuzz/replay_lists \
	tests/fuzz/replay_call_record \
	tests/fuzz/replay_sanitize \
	tests/fuzz/replay_validate \
	tests/fuzz/replay_config \
	tests/fuzz/replay_csv
check_PROGRAMS += $(FUZZ_REPLAYS)
TESTS += $(FUZZ_REPLAYS)

FUZZ_REPLAY_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(CURL_CFLAGS)
FUZZ_REPLAY_LDADD = $(AMPLECALL_LIBS) $(AMPLECALL_DEP_LIBS)

tests_fuzz_replay_apierr_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_apierr.c
tests_fuzz_replay_apierr_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_apierr"'
tests_fuzz_replay_apierr_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_apierr_LDADD = $(FUZZ_REPLAY_LDADD)

tests_fuzz_replay_lists_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_lists.c
tests_fuzz_replay_lists_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_lists"'
tests_fuzz_replay_lists_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_lists_LDADD = $(FUZZ_REPLAY_LDADD)

tests_fuzz_replay_call_record_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_call_record.c
tests_fuzz_replay_call_record_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_call_record"'
tests_fuzz_replay_call_record_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_call_record_LDADD = $(FUZZ_REPLAY_LDADD)

tests_fuzz_replay_sanitize_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_sanitize.c
tests_fuzz_replay_sanitize_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_sanitize"'
tests_fuzz_replay_sanitize_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_sanitize_LDADD = $(FUZZ_REPLAY_LDADD)

tests_fuzz_replay_validate_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_validate.c
tests_fuzz_replay_validate_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_validate"'
tests_fuzz_replay_validate_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_validate_LDADD = $(FUZZ_REPLAY_LDADD)

tests_fuzz_replay_config_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_config.c
tests_fuzz_replay_config_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_config"'
tests_fuzz_replay_config_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_config_LDADD = $(FUZZ_REPLAY_LDADD)

# csv.c is compiled here directly: the import command that adds it to the library is not in
# yet, and an object given here takes precedence over the library's copy.
tests_fuzz_replay_csv_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz_csv.c src/core/csv.c
tests_fuzz_replay_csv_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_NAME='"fuzz_csv"'
tests_fuzz_replay_csv_CFLAGS = $(FUZZ_REPLAY_CFLAGS)
tests_fuzz_replay_csv_LDADD = $(FUZZ_REPLAY_LDADD)

