# SPDX-License-Identifier: GPL-3.0-or-later
# tests/model (local.mk): the send protocol of doc/outbox.md as a Promela model, verified by
# spin; the broken variants must each give a counterexample. pan is built in a temporary
# directory, never in the source or build tree (TAP from bash).
TESTS += tests/model/run.sh
EXTRA_DIST += tests/model/run.sh tests/model/outbox.pml
