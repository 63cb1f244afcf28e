# SPDX-License-Identifier: GPL-3.0-or-later
# tests/mutate (local.mk): mutation testing (issue 19; doc/testing.md).
# `make mutate` runs the runner over every file of src/ (MUTATE_FLAGS, e.g. "--per-file 40
# src/core/sanitize.c", narrows or widens it); `make mutate-ci` runs the fixed CI sample and
# fails below the targets (90% on the guarded modules, 80% over src/).
EXTRA_DIST += tests/mutate/mutate.py tests/mutate/equivalent.txt tests/mutate/map.txt

MUTATE = python3 $(top_srcdir)/tests/mutate/mutate.py
mutate:
	$(MUTATE) $${MUTATE_FLAGS:---per-file 40}
mutate-ci:
	$(MUTATE) --ci --jobs 2
.PHONY: mutate mutate-ci
