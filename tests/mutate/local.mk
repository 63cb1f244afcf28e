# SPDX-License-Identifier: GPL-3.0-or-later
# tests/mutate (local.mk): mutation testing (issue 19; doc/testing.md).
# `make mutate` runs the runner over every mutant of every file of src/ in a sanitizer
# scratch tree (hours: MUTATE_FLAGS, e.g. "--per-file 40 src/core/sanitize.c", narrows it);
# `make mutate-ci` runs the fixed CI sample there and fails below the targets (90% on the
# guarded modules, 80% over src/). CI runs the same sample in its own sanitizer clone
# (.ci/run, step 6).
TESTS += tests/mutate/check-paths.sh
EXTRA_DIST += tests/mutate/check-paths.sh tests/mutate/mutate.py tests/mutate/equivalent.txt tests/mutate/map.txt

MUTATE = python3 $(top_srcdir)/tests/mutate/mutate.py --sanitize --jobs 2
mutate:
	$(MUTATE) $${MUTATE_FLAGS:-}
mutate-ci:
	$(MUTATE) --ci
.PHONY: mutate mutate-ci
