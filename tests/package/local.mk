# SPDX-License-Identifier: GPL-3.0-or-later
# tests/package (local.mk): the Debian package (issue 17). `make deb` builds it from the
# release tarball of this tree; tests/package/run.sh (from .ci/run, not make check: it needs
# root and minutes) installs it in a fresh Debian root and runs it there.
EXTRA_DIST += debian/changelog debian/control debian/copyright debian/docs debian/rules \
	debian/source/format tests/package/build-deb.sh tests/package/run.sh

deb:
	@MAKE='$(MAKE)' $(SHELL) $(srcdir)/tests/package/build-deb.sh '$(abs_top_builddir)'
.PHONY: deb
CLEANFILES += amplecall_*.deb amplecall-dbgsym_*.deb
