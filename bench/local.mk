# SPDX-License-Identifier: GPL-3.0-or-later
# bench (local.mk): `make bench`, the speed and footprint suite (bench/README.md). Not part of
# `make check` or `make all`: its programs are EXTRA_PROGRAMS, built only when `bench` needs
# them. It writes doc/performance.md in the source tree.
EXTRA_PROGRAMS = bench/bench_tty bench/bench_scale bench/bench_call bench/screens

# pty + libvterm driver from tests/e2e (bench_tty.c includes it by relative path, so that no
# -I hides the system <pty.h>).
bench_bench_tty_SOURCES = bench/bench_tty.c
bench_bench_tty_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS)
bench_bench_tty_LDADD = tests/e2e/libe2e.a $(AMPLECALL_LIBS) $(AMPLECALL_DEP_LIBS) $(VTERM_LIBS)

# A rep's typical calls through the form on a pty: keys, bytes, time (issue 16).
bench_bench_call_SOURCES = bench/bench_call.c
bench_bench_call_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS)
bench_bench_call_LDADD = tests/e2e/libe2e.a $(AMPLECALL_LIBS) $(AMPLECALL_DEP_LIBS) $(VTERM_LIBS)

# README screenshots from the real screen (make screenshots).
bench_screens_SOURCES = bench/screens.c
bench_screens_CFLAGS = $(AM_CFLAGS) $(VTERM_CFLAGS)
bench_screens_LDADD = tests/e2e/libe2e.a $(AMPLECALL_LIBS) $(AMPLECALL_DEP_LIBS) $(VTERM_LIBS)

# Links the core library the form uses (api_tasks, picker_fill, picker_filter_append).
bench_bench_scale_SOURCES = bench/bench_scale.c
bench_bench_scale_CFLAGS = $(AMPLECALL_ALL_CFLAGS)
bench_bench_scale_LDADD = $(AMPLECALL_LIBS) $(AMPLECALL_DEP_LIBS)

CLEANFILES += $(EXTRA_PROGRAMS)
EXTRA_DIST += bench/run.sh bench/report.sh bench/call.sh bench/screens.sh bench/analysis.md bench/README.md \
	doc/performance.md

# BENCH_RUNS (default 15) sets the runs per figure.
bench: src/amplecall tests/fake/fakeapi bench/bench_tty bench/bench_scale bench/bench_call
	@BENCH_CFLAGS='$(CFLAGS)' CC='$(CC)' bash $(top_srcdir)/bench/run.sh '$(abs_top_builddir)' '$(abs_top_srcdir)'
.PHONY: bench

# Only the keystroke figures (bench/bench_call.c), printed as a table; quick to re-run.
bench-call: src/amplecall tests/fake/fakeapi bench/bench_call
	@bash $(top_srcdir)/bench/call.sh '$(abs_top_builddir)' '$(abs_top_srcdir)'
.PHONY: bench-call
CLEANFILES += bench/call-samples.tsv

# README.md's screens, generated from the form on a pty (bench/screens.c).
screenshots: src/amplecall tests/fake/fakeapi bench/screens
	@bash $(top_srcdir)/bench/screens.sh '$(abs_top_builddir)' '$(abs_top_srcdir)'
.PHONY: screenshots
