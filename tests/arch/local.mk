# SPDX-License-Identifier: GPL-3.0-or-later
# tests/arch (local.mk): the layer rules of src/ (doc/architecture.md), the licence (COPYING,
# NEWS, --version) and the SPDX line of every source file (build-aux/add-spdx.sh adds it).
TESTS += tests/arch/check-layers.sh tests/arch/check-spdx.sh tests/arch/check-license.sh
EXTRA_DIST += tests/arch/check-layers.sh tests/arch/check-spdx.sh tests/arch/check-license.sh \
	build-aux/add-spdx.sh COPYING NEWS
