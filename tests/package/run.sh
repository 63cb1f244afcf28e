#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Install test of the Debian package on a clean Debian root (issue 17), run by .ci/run:
# builds the package (make deb), checks it with lintian, makes a minimal Debian root with
# debootstrap (cached between runs), installs the .deb there with `apt-get install
# ./amplecall_*.deb` so its Depends resolve from the mirror, and inside runs `amplecall
# --version`, `man -w amplecall` and `amplecall log` against the fake API, which runs outside
# the root on 127.0.0.1 (a chroot shares the network namespace). The key reaches the program through
# its environment only. Needs root. TAP.
#   run.sh BUILDDIR
# Environment: AMPLECALL_PKG_CACHE (default /var/cache/amplecall-test, else
# $XDG_CACHE_HOME/amplecall-test), AMPLECALL_PKG_MIRROR / AMPLECALL_PKG_SUITE (default: the
# first Debian mirror and suite of /etc/apt/sources.list*), AMPLECALL_PKG_DEB (a .deb to test
# instead of building one).
set -u
B=$(cd "${1:-.}" && pwd) || exit 1
S=$(cd "$(dirname "$0")/../.." && pwd)
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
bail() { echo "Bail out! $1"; exit 1; }
# step DESCRIPTION COMMAND...: one TAP line; the command's output goes to the log.
step() {
    local what=$1
    shift
    if "$@" >>"$T/log" 2>&1; then ok "$what"; else notok "$what"; tail -n 30 "$T/log" | sed 's/^/# /'; fi
}

[ "$(id -u)" = 0 ] || bail "needs root (debootstrap, chroot)"
T=$(mktemp -d "${TMPDIR:-/tmp}/amplecall-pkgtest-XXXXXX") || exit 1
root=$T/root
fake_pid=
cleanup() {
    [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null && wait "$fake_pid" 2>/dev/null
    for m in "$root/proc" "$root/dev/pts"; do
        mountpoint -q "$m" 2>/dev/null && umount -l "$m"
    done
    rm -rf --one-file-system "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Tools, installed only when missing (CI runs on a fresh Debian machine).
missing=
for p in debootstrap dpkg-dev debhelper fakeroot lintian zsh fish; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q " installed$" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing; } >>"$T/log" 2>&1 ||
        bail "apt-get install$missing failed"
fi

# The mirror and suite this machine uses (deb822 .sources or one-line lists).
mirror=${AMPLECALL_PKG_MIRROR:-}
suite=${AMPLECALL_PKG_SUITE:-}
if [ -z "$mirror" ] || [ -z "$suite" ]; then
    read -r m s < <(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^deb / && $2 ~ /^http/ && $3 !~ /-(security|updates|backports)/ && $2 ~ /debian\/?$/ { print $2, $3; exit }
             /^Types:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
             /^URIs:/ { uri = $2 }
             /^Suites:/ && deb && uri ~ /debian\/?$/ && uri !~ /security/ { print uri, $2; exit }')
    mirror=${mirror:-${m:-http://deb.debian.org/debian}}
    suite=${suite:-${s:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}}
fi
arch=$(dpkg --print-architecture)

echo "1..8"
echo "# mirror $mirror, suite $suite, $arch"

# 1. The package.
if [ -n "${AMPLECALL_PKG_DEB:-}" ]; then
    cp "$AMPLECALL_PKG_DEB" "$T/" && ok "package given: $(basename "$AMPLECALL_PKG_DEB")" || notok "package given"
else
    step "make deb builds the package" bash "$S/tests/package/build-deb.sh" "$B" "$T"
fi
deb=$(ls "$T"/amplecall_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || bail "no amplecall_*.deb"

# 2. lintian finds no error and no warning (its notes about running as root aside).
lint() {
    local out
    out=$(lintian --fail-on error,warning "$deb" 2>&1)
    local rc=$?
    printf '%s\n' "$out" | grep -v 'running with root privileges' | sed 's/^/# lintian: /'
    [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^[EW]: '
}
if lint >"$T/lintian" 2>&1; then ok "lintian: no errors or warnings"; else notok "lintian: no errors or warnings"; fi
cat "$T/lintian"

# 3. A minimal Debian root with man-db, made once and kept as a tarball. The lock keeps two
#    runs from building the cache at once; a half-made cache is never kept.
cache=${AMPLECALL_PKG_CACHE:-}
if [ -z "$cache" ]; then
    cache=/var/cache/amplecall-test
    mkdir -p "$cache" 2>/dev/null || cache=${XDG_CACHE_HOME:-$HOME/.cache}/amplecall-test
fi
mkdir -p "$cache" || bail "cannot create $cache"
tarball=$cache/root-$suite-$arch-$(printf '%s' "$mirror" | cksum | cut -d' ' -f1).tar
make_root() {
    (
        flock 9
        [ -s "$tarball" ] && exit 0
        rm -rf "$T/new"
        debootstrap --variant=minbase --include=man-db "$suite" "$T/new" "$mirror" &&
            chroot "$T/new" apt-get clean &&
            tar -C "$T/new" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rc=$?
        rm -rf --one-file-system "$T/new" "$tarball.tmp"
        exit $rc
    ) 9>"$cache/lock"
}
if [ -s "$tarball" ]; then
    ok "minimal Debian root ($suite, cached in $cache)"
else
    step "debootstrap a minimal Debian root ($suite, cached in $cache)" make_root
fi
mkdir -p "$root" && tar -C "$root" -xf "$tarball" 2>>"$T/log" || bail "cannot unpack $tarball"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null
mount -t proc proc "$root/proc" 2>>"$T/log"
cp "$deb" "$root/tmp/"

# 4. apt resolves the Depends from the mirror: computed ones plus the dlopened libcurl.
install_deb() {
    chroot "$root" apt-get update -qq &&
        chroot "$root" sh -c "cd /tmp && apt-get install -y -q --no-install-recommends ./$(basename "$deb")" &&
        chroot "$root" dpkg-query -W -f='${Status}\n' amplecall | grep -q ' installed$' &&
        chroot "$root" sh -c 'dpkg-query -W libcurl4 || dpkg-query -W libcurl3-gnutls'
}
step "apt-get install ./$(basename "$deb") in the root (Depends resolve, libcurl comes too)" install_deb

# 5. The licence line, from the installed program.
version() { chroot "$root" amplecall --version | grep -qx 'License GPLv3+: GNU GPL version 3 or later <https://gnu.org/licenses/gpl.html>.'; }
step "amplecall --version prints the licence line" version

# 6. The man page is where man finds it.
manpage() { [ "$(chroot "$root" man -w amplecall)" = /usr/share/man/man1/amplecall.1.gz ]; }
step "man -w amplecall finds /usr/share/man/man1/amplecall.1.gz" manpage

# 7. The completions are where bash-completion, zsh and fish look.
completions() {
    for f in /usr/share/bash-completion/completions/amplecall /usr/share/zsh/vendor-completions/_amplecall \
        /usr/share/fish/vendor_completions.d/amplecall.fish; do
        [ -s "$root$f" ] || { echo "missing $f"; return 1; }
    done
}
step "bash, zsh and fish completions installed in their standard places" completions

# 8. A call logged by the installed program reaches the fake API on loopback.
log_call() {
    local port
    "$B/tests/fake/fakeapi" --port 0 --log "$T/requests.log" --max-lifetime 300 >"$T/port" &
    fake_pid=$!
    for _ in $(seq 100); do grep -q '^port=' "$T/port" 2>/dev/null && break; sleep 0.05; done
    port=$(sed -n 's/^port=//p' "$T/port")
    [ -n "$port" ] || { echo "the fake API did not start"; return 1; }
    # The key through the environment (chroot passes it on), never on a command line.
    AMPLEMARKET_API_KEY=test-key AMPLECALL_BASE_URL=http://127.0.0.1:$port AMPLECALL_USER=dana@acme.example \
        HOME=/root XDG_STATE_HOME=/tmp/state XDG_CONFIG_HOME=/tmp/config \
        chroot "$root" amplecall log --from '+1 415 555 0100' --to '+1 212 555 0199' --duration 184 \
        --answered yes --human yes --task 0199f0a2-1c3e-7a10-9b7e-000000000001 \
        --disposition 0199f0a2-2d4f-7b21-8c90-3a5b6c7d8e9f || return 1
    grep -q '"method":"POST","path":"/calls"' "$T/requests.log" || { echo "no POST /calls reached the fake"; return 1; }
    ! grep -q 'test-key' "$T/log" "$T/requests.log"
}
step "amplecall log in the root logs a call to the fake API on 127.0.0.1" log_call

[ $failed -eq 0 ]
