#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# `make deb`: build the Debian package from a clean tree, the release tarball of this build
# tree unpacked in a temporary directory (dpkg-buildpackage -us -uc -b there), so the build
# tree itself is left as it is. Usage: build-deb.sh BUILDDIR [OUTDIR]; the .deb files land
# in OUTDIR (default BUILDDIR). Extra dpkg-buildpackage flags: DEB_FLAGS.
set -eu
builddir=$(cd "$1" && pwd)
outdir=$(cd "${2:-$builddir}" && pwd)
for t in dpkg-buildpackage dh; do
    command -v $t >/dev/null 2>&1 ||
        { echo "make deb: $t not found (Debian: apt-get install dpkg-dev debhelper)" >&2; exit 1; }
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-deb-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
${MAKE:-make} -C "$builddir" distdir distdir="$tmp/src" >/dev/null
cd "$tmp/src"
# shellcheck disable=SC2086
dpkg-buildpackage -us -uc -b ${DEB_FLAGS:-} >"$tmp/build.log" 2>&1 ||
    { tail -n 60 "$tmp/build.log" >&2; echo "make deb: dpkg-buildpackage failed" >&2; exit 1; }
cp "$tmp"/*.deb "$outdir"/
ls "$tmp"/*.deb | sed 's|.*/|make deb: |'
