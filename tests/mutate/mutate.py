#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Mutation runner for amplecall's C sources (no mutation tool for C is in Debian's archive).
# One small change at a time (a flipped comparison, a dropped condition, a widened cap, a
# deleted statement, a changed return value) is made in a scratch copy of the source tree,
# which is configured once and rebuilt incrementally (-j1); the test programs that cover the
# file then run, each under a time limit (3x the program's time in the tree's own last
# `make check`, when that run is recorded and newer than the binary; else an unmutated run
# measures it).  A mutant no test notices "survived".  Survivors are
# re-run against every unit and security test program when the budget allows.  Equivalent
# mutants (no test can tell them from the original) come from the reviewed list
# tests/mutate/equivalent.txt and are counted apart, never silently dropped.
#
# Usage: tests/mutate/mutate.py [--seed N] [--per-file N] [--budget SECONDS] [--ci]
#                               [--target PCT] [--guarded-target PCT] [FILE...]
import argparse
import fnmatch
import hashlib
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.path.join(HERE, "..", ".."))

# The modules that guard calls, keys and the terminal (issue 19): their own, higher target.
GUARDED = [
    "src/core/sanitize.c", "src/core/validate.c", "src/core/apierr.c", "src/core/call.c",
    "src/net/http.c", "src/conf/settings.c", "src/conf/keycmd.c", "src/core/redact.c",
    "src/store/lease.c", "src/store/outbox.c", "src/store/verdict.c", "src/app/submit.c",
    "src/store/lookup.c",
]

# The CI sample (make mutate-ci): at most 10 minutes on two cores.
CI_SEED = 19
CI_PER_GUARDED = 4
CI_OTHERS = 20
CI_BUDGET = 450

# Test programs every survivor is re-run against (the "whole suite" below the pty and fake
# API end-to-end tests, which take minutes each).
ESCALATE_DIRS = ("tests/unit/", "tests/security/", "tests/outbox/")

# --------------------------------------------------------------------------------------------
# Scanning C: which characters are code (not a comment, string or character literal).


def code_mask(text):
    """One bool per character of text: True where it is code."""
    mask = [True] * len(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            for k in range(i, j):
                mask[k] = False
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                mask[k] = False
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            for k in range(i, j):
                mask[k] = False
            i = j
        else:
            i += 1
    return mask


class Mutant:
    __slots__ = ("file", "line", "op", "desc", "old", "new", "key", "status", "why")

    def __init__(self, file, line, op, desc, old, new):
        self.file, self.line, self.op, self.desc = file, line, op, desc
        self.old, self.new = old, new
        self.key = "%s\t%s\t%s" % (file, line_hash(old), desc)
        self.status, self.why = None, ""


def line_hash(s):
    return hashlib.sha1(s.strip().encode()).hexdigest()[:12]


# Relational, logical and arithmetic swaps: (token, replacement).  Binary arithmetic only where
# clang-format spaced it (" + "), so a unary minus, a pointer star or "->" is never touched.
SWAPS = [
    ("<=", "<"), ("<", "<="), (">=", ">"), (">", ">="), ("==", "!="), ("!=", "=="),
    ("&&", "||"), ("||", "&&"),
    (" + ", " - "), (" - ", " + "), (" * ", " / "), (" / ", " * "), (" % ", " * "),
    ("+=", "-="), ("-=", "+="),
]
TOKEN_RE = re.compile(r"<<=|>>=|<<|>>|->|<=|>=|==|!=|&&|\|\||\+=|-=|\+\+|--|[<>]")
NUM_RE = re.compile(r"(?<![\w.])(0[xX][0-9a-fA-F]+|\d+)([uUlL]*)(?![\w.])")
COND_RE = re.compile(r"\b(if|while)\s*\(")
STMT_RE = re.compile(r"^(\s*)([A-Za-z_][\w]*(?:(?:->|\.)[\w]+|\[[^\]]*\])*\s*(?:\(|=[^=]|\+=|-=|\|=|&=|\+\+|--).*;)\s*$")
RET_RE = re.compile(r"\breturn\s+([^;]+);")
KEYWORDS = {"return", "if", "while", "for", "switch", "case", "else", "do", "goto", "break",
            "continue", "sizeof", "static", "const", "struct", "enum", "union", "typedef"}


def matching_paren(s, i):
    """Index of the ')' closing the '(' at s[i], or -1 if it is not on this line."""
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "(":
            depth += 1
        elif s[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return -1


def line_mutants(path, lineno, line, mask):
    """Every mutant of one source line (mask: which of its characters are code)."""
    out = []
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or not any(mask):
        return out

    def add(op, desc, new):
        if new != line:
            out.append(Mutant(path, lineno, op, desc, line, new))

    # Operator swaps, by occurrence.
    seen = {}
    for m in TOKEN_RE.finditer(line):
        tok = m.group(0)
        if not mask[m.start()] or tok in ("->", "++", "--", "<<", ">>", "<<=", ">>="):
            continue
        seen[tok] = seen.get(tok, 0) + 1
        for a, b in SWAPS:
            if a == tok:
                add("ROR" if tok not in ("&&", "||", "+=", "-=") else "LCR",
                    "'%s'->'%s' #%d" % (a, b, seen[tok]),
                    line[:m.start()] + b + line[m.end():])
    for a, b in SWAPS:
        if not a.startswith(" "):
            continue
        k = 0
        for m in re.finditer(re.escape(a), line):
            if not mask[m.start() + 1]:
                continue
            k += 1
            add("AOR", "'%s'->'%s' #%d" % (a.strip(), b.strip(), k),
                line[:m.start()] + b + line[m.end():])
    # Constants and caps: off by one either side; 0 and 1 also swap.
    k = 0
    for m in NUM_RE.finditer(line):
        if not mask[m.start()]:
            continue
        k += 1
        text, suffix = m.group(1), m.group(2)
        val = int(text, 16) if text.lower().startswith("0x") else int(text)
        fmt = (lambda v: "0x%X" % v) if text.lower().startswith("0x") else str
        for v in {val + 1, val - 1} if val > 0 else {1}:
            add("CRP", "%s->%s #%d" % (text, fmt(v), k),
                line[:m.start()] + fmt(v) + suffix + line[m.end():])
    # Conditions: negated, always true, always false.
    for m in COND_RE.finditer(line):
        if not mask[m.start()]:
            continue
        p = m.end() - 1
        q = matching_paren(line, p)
        if q < 0:
            continue
        cond = line[p + 1:q]
        kw = m.group(1)
        add("NEG", "%s(!cond)" % kw, line[:p + 1] + "!(" + cond + ")" + line[q:])
        if kw == "if":
            add("CDR", "if(1)", line[:p + 1] + "1" + line[q:])
            add("CDR", "if(0)", line[:p + 1] + "0" + line[q:])
    # Return values.
    m = RET_RE.search(line)
    if m and mask[m.start()]:
        val = m.group(1).strip()
        repl = {"true": ["false"], "false": ["true"], "0": ["1", "-1"], "-1": ["0"],
                "1": ["0"], "NULL": []}.get(val)
        if repl is None:
            repl = ["!(%s)" % val] if not re.match(r"^[\"']", val) else []
            if re.match(r"^-?\d+$", val):
                repl = ["0"]
        for r in repl:
            add("RET", "return %s->%s" % (val, r), line[:m.start(1)] + r + line[m.end(1):])
    # Statement deletion: a call or an assignment standing alone on its line.
    sm = STMT_RE.match(line)
    if sm and mask[len(sm.group(1))]:
        first = re.match(r"[A-Za-z_]\w*", sm.group(2)).group(0)
        if first not in KEYWORDS and stripped.count("(") == stripped.count(")"):
            add("SDL", "delete statement", sm.group(1) + "(void)0;\n")
    return out


def file_mutants(path):
    with open(os.path.join(SRCDIR, path), encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    mask = code_mask(text)
    out, pos, seen = [], 0, {}
    for lineno, line in enumerate(text.splitlines(keepends=True), 1):
        ms = line_mutants(path, lineno, line, mask[pos:pos + len(line)])
        h = line_hash(line)
        seen[h] = seen.get(h, 0) + 1
        if seen[h] > 1:
            # the same text on another line of the file is another place in the program: its
            # key says which occurrence, so an entry for one never covers the other
            for m in ms:
                m.key = "%s\t%s~%d\t%s" % (m.file, h, seen[h], m.desc)
        out.extend(ms)
        pos += len(line)
    return out


# --------------------------------------------------------------------------------------------
# Which test programs cover a file: the programs whose sources call one of the functions the
# file exports (a test links every layer library, so the link line says nothing), plus the
# entries of tests/mutate/map.txt.

def test_programs():
    """{program path: [its source files]} for every check program in tests/."""
    progs = {}
    for root, _, files in os.walk(os.path.join(SRCDIR, "tests")):
        for fn in files:
            if fn != "local.mk" and not fn.endswith(".mk"):
                continue
            text = open(os.path.join(root, fn)).read().replace("\\\n", " ")
            names = set(re.findall(r"\btests/[\w/]+", text))
            canon = {re.sub(r"[^\w]", "_", n): n for n in names}
            for m in re.finditer(r"^(\w+)_SOURCES\s*=\s*(.*)$", text, re.M):
                if m.group(1) in canon:
                    progs[canon[m.group(1)]] = [s for s in m.group(2).split() if s.endswith(".c")]
    tests = set()
    for root, _, files in os.walk(os.path.join(SRCDIR, "tests")):
        for fn in files:
            if fn.endswith(".mk"):
                text = open(os.path.join(root, fn)).read().replace("\\\n", " ")
                for m in re.finditer(r"^\w*TESTS\s*\+?=\s*(.*)$", text, re.M):
                    tests.update(t for t in m.group(1).split() if t.startswith("tests/"))
    return {p: s for p, s in progs.items() if p in tests}


def exported_functions(path):
    text = open(os.path.join(SRCDIR, path), errors="replace").read()
    names = set()
    for m in re.finditer(r"^(?!static\b)[A-Za-z_][\w \*]*?\b([a-z_]\w*)\s*\([^;{]*\)\s*\{", text, re.M):
        names.add(m.group(1))
    return names - {"main"}


def read_map():
    m = {}
    p = os.path.join(HERE, "map.txt")
    if os.path.exists(p):
        for line in open(p):
            line = line.split("#", 1)[0].strip()
            if ":" in line:
                f, progs = line.split(":", 1)
                m.setdefault(f.strip(), []).extend(progs.split())
    return m


def mapped(path, extra):
    """The map.txt programs for path (an entry may be a glob: src/cli/*.c)."""
    out = []
    for pat, progs in extra.items():
        if fnmatch.fnmatch(path, pat):
            out.extend(progs)
    return out


def covering_programs(path, progs, extra):
    extra = {path: mapped(path, extra)}
    names = exported_functions(path)
    pat = re.compile(r"\b(%s)\b" % "|".join(map(re.escape, sorted(names)))) if names else None
    chosen = set()
    for prog, srcs in progs.items():
        if not prog.startswith(ESCALATE_DIRS) and prog not in extra.get(path, []):
            continue
        for s in srcs:
            fp = os.path.join(SRCDIR, s)
            if pat and os.path.exists(fp) and pat.search(open(fp, errors="replace").read()):
                chosen.add(prog)
    chosen.update(p for p in extra.get(path, []) if p in progs)
    return sorted(chosen)


# --------------------------------------------------------------------------------------------
# The scratch tree: a copy of the tracked sources, configured once, built incrementally.

def run(cmd, cwd, timeout, env=None):
    try:
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout, env=env)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        return "timeout", ""


def prepare_from_build(scratch, log):
    """The scratch tree as a copy of the configured, built tree (make mutate-ci in CI: the
    suite was just built there), so nothing is configured or rebuilt but what a mutant changes."""
    log("mutate: copying the built tree %s to %s" % (SRCDIR, scratch))
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(SRCDIR, scratch, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    open(os.path.join(scratch, ".mutate-ready"), "w").close()


def prepare(scratch, log, sanitize=False):
    stamp = os.path.join(scratch, ".mutate-ready")
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=SRCDIR, stdout=subprocess.PIPE, check=True).stdout.decode().split("\0")
    for f in files:
        if not f or not os.path.isfile(os.path.join(SRCDIR, f)):
            continue
        src, dst = os.path.join(SRCDIR, f), os.path.join(scratch, f)
        with open(src, "rb") as fh:
            if fh.read(4) == b"\x7fELF":
                continue  # a built program that got tracked: the scratch tree builds its own
        if os.path.exists(dst) and open(dst, "rb").read() == open(src, "rb").read():
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
        os.utime(dst)
    if not os.path.exists(stamp):
        log("mutate: configuring the scratch tree %s (once)" % scratch)
        rc, out = run(["sh", "-c", "autoreconf -fi >/dev/null 2>&1 && ./configure --quiet" +
                       (" --enable-sanitizers" if sanitize else "")], scratch, 1800)
        if rc != 0:
            sys.exit("mutate: configure failed in %s:\n%s" % (scratch, out[-3000:]))
        open(stamp, "w").close()


def build(bld, progs, timeout):
    return run(["make", "-j1", "-s"] + progs, bld, timeout)


def is_sanitized(bld):
    mk = os.path.join(bld, "Makefile")
    return os.path.exists(mk) and "-fsanitize=address" in open(mk, errors="replace").read()


def test_env(src, bld):
    env = dict(os.environ)
    env.update(AMPLECALL_TEST_BUILDDIR=bld, AMPLECALL_TEST_SRCDIR=src,
               CMOCKA_MESSAGE_OUTPUT="TAP")
    if is_sanitized(bld):
        # as tests/sanitize-check.sh: a leak, an overflow or undefined behaviour fails the test,
        # so a deleted free() or a widened copy is killed as CI's sanitizer build would kill it
        env.update(ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1:strict_init_order=1",
                   UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
                   LSAN_OPTIONS="suppressions=%s:print_suppressions=0"
                   % os.path.join(src, "tests", "lsan.supp"),
                   AMPLECALL_NO_VALGRIND="1")
    return env


FAIL_RE = re.compile(rb"(^|\n)(not ok|Bail out!)")


class Running:
    """One test program running for a mutant, in its own process group (so the fake API or
    the program it started dies with it)."""

    def __init__(self, prog, bld, timeout, env):
        self.prog = prog
        self.p = subprocess.Popen([os.path.join(bld, prog)], cwd=bld, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, env=env, start_new_session=True)
        os.set_blocking(self.p.stdout.fileno(), False)
        self.deadline = time.time() + timeout
        self.tail = b""

    def read(self):
        """None while it runs; else "ok", "failed" or "timeout"."""
        chunk = self.p.stdout.read(65536)
        if chunk:
            self.tail = (self.tail + chunk)[-65536:]
            if FAIL_RE.search(self.tail):
                return "failed"  # one failed case is enough: no need to wait for the rest
        if chunk is None or chunk:
            return "timeout" if time.time() > self.deadline else None
        self.p.wait()  # end of output: the program has ended or is about to
        return "failed" if self.p.returncode != 0 or FAIL_RE.search(self.tail) else "ok"

    def stop(self):
        if self.p.poll() is None:
            try:
                os.killpg(self.p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.p.wait()
        self.p.stdout.close()


RAN_RE = re.compile(r"^# timelimit: ran for (\d+) ms$", re.M)


def recorded_time(bld, prog):
    """Seconds the program took in the build tree's own make check (tests/timelimit.sh ends
    each log with it), when that run passed and the program was not rebuilt since; else None."""
    path = os.path.join(bld, prog)
    try:
        with open(path + ".trs", encoding="utf-8", errors="replace") as fh:
            trs = fh.read()
        with open(path + ".log", encoding="utf-8", errors="replace") as fh:
            ran = RAN_RE.findall(fh.read())
        fresh = os.path.getmtime(path + ".log") >= os.path.getmtime(path)
    except OSError:
        return None
    if ":global-test-result: PASS" not in trs or not ran or not fresh:
        return None
    return int(ran[-1]) / 1000.0


def reap_strays(bld):
    """Kill what a stopped test left running from the build tree: a pty test's program runs
    in a session of its own, out of reach of the group kill, and a mutant may have made it
    loop for ever."""
    prefix = os.path.join(bld, "")
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            exe = os.readlink("/proc/%s/exe" % pid)
        except OSError:
            continue
        if exe.startswith(prefix):
            try:
                os.kill(int(pid), signal.SIGKILL)
            except OSError:
                pass


def run_tests(src, bld, progs, limits, jobs=2):
    """None when every program passes; else the first that failed (and how).  Up to jobs
    programs run at once (as make -j2 check runs them); all stop at the first failure."""
    env = test_env(src, bld)
    queue, running, result = list(progs), [], None
    try:
        while (queue or running) and result is None:
            while queue and len(running) < jobs:
                p = queue.pop(0)
                running.append(Running(p, bld, limits.get(p, 60), env))
            select.select([r.p.stdout for r in running], [], [], 0.5)
            for r in list(running):
                v = r.read()
                if v is None:
                    continue
                running.remove(r)
                r.stop()
                if v != "ok":
                    result = r.prog + (" (timeout)" if v == "timeout" else "")
                    break
    finally:
        for r in running:
            r.stop()
        reap_strays(bld)
    return result


# --------------------------------------------------------------------------------------------

def read_equivalent():
    """{key: reason} for single mutants, and [(file glob, line regex, mutation glob, reason)]
    for reviewed classes (the hash field written /regex/, matched on the original line)."""
    eq, classes = {}, []
    p = os.path.join(HERE, "equivalent.txt")
    for line in open(p, encoding="utf-8"):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 4 or not parts[3].strip():
            sys.exit("mutate: %s: an entry needs file, line hash, mutation and a reason:\n%s"
                     % (p, line))
        if parts[1].startswith("/") and parts[1].endswith("/") and len(parts[1]) > 2:
            classes.append((parts[0], re.compile(parts[1][1:-1]), parts[2], parts[3]))
        else:
            eq["\t".join(parts[:3])] = parts[3]
    return eq, classes


def equivalent_reason(m, eq, classes):
    """Why m is a reviewed equivalent mutant, or None.  Outside --ci only a survivor is asked,
    so a listed mutant that a test kills is reported; --ci asks first and skips the run."""
    if m.key in eq:
        return eq[m.key]
    for fglob, rx, dglob, why in classes:
        if fnmatch.fnmatch(m.file, fglob) and fnmatch.fnmatch(m.desc, dglob) and \
                rx.search(m.old.strip()):
            return why
    return None


def on_stop_signal(signum, frame):
    # SIGTERM (timeout(1), CI) or SIGHUP: leave through the finally that undoes the mutant
    raise SystemExit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, on_stop_signal)
    signal.signal(signal.SIGHUP, on_stop_signal)
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--seed", type=int, default=19)
    ap.add_argument("--per-file", type=int, default=0, help="sample at most N mutants per file")
    ap.add_argument("--total", type=int, default=0, help="sample at most N mutants in all")
    ap.add_argument("--budget", type=float, default=0, help="stop after SECONDS (0: none)")
    ap.add_argument("--scratch", default=os.environ.get("MUTATE_SCRATCH"),
                    help="the scratch tree (default /tmp/amplecall-mutate, -asan with --sanitize)")
    ap.add_argument("--target", type=float, default=80.0)
    ap.add_argument("--guarded-target", type=float, default=90.0)
    ap.add_argument("--no-escalate", action="store_true")
    ap.add_argument("--list", action="store_true", help="list the mutants, build nothing")
    ap.add_argument("--survivors", help="write the survivors' keys here")
    ap.add_argument("--jobs", type=int, default=1, help="make -j for the first, whole build")
    ap.add_argument("--test-jobs", type=int, default=2,
                    help="test programs run at once for a mutant (default 2, as make -j2 check)")
    ap.add_argument("--from-build", action="store_true",
                    help="copy the configured, built source tree (objects too) as the scratch tree")
    ap.add_argument("--sanitize", action="store_true",
                    help="configure the scratch tree with --enable-sanitizers (ASan, LSan, UBSan) "
                         "and run the tests with leaks fatal, as CI's sanitizer build does")
    ap.add_argument("--in-place", metavar="BUILDDIR",
                    help="mutate this source tree itself (a throwaway clone: CI's sanitizer "
                         "clone) and build and test in BUILDDIR, its configured VPATH build")
    ap.add_argument("--ci", action="store_true",
                    help="the CI sample: %d mutants of each guarded module and %d of the rest of "
                         "src/, seed %d, %d s, no re-run of survivors" % (CI_PER_GUARDED, CI_OTHERS,
                                                                      CI_SEED, CI_BUDGET))
    args = ap.parse_args()
    if not args.scratch:
        args.scratch = "/tmp/amplecall-mutate" + ("-asan" if args.sanitize else "")
    if args.ci:
        args.seed, args.budget, args.no_escalate = CI_SEED, CI_BUDGET, True
        if not args.in_place and not args.sanitize:
            args.from_build = args.from_build or os.path.exists(os.path.join(SRCDIR, "config.status"))
    start = time.time()

    def log(s):
        print(s, flush=True)

    # Every path is relative to SRCDIR, the tree mutated.  A file named on the command line
    # may be given from the current directory; the default list never is (CI runs this from
    # another checkout, whose src/ a cwd-relative test would pick, so the mutants went there).
    files = [os.path.relpath(os.path.abspath(f), SRCDIR) if os.path.exists(f) else f
             for f in args.files] or sorted(
        os.path.relpath(os.path.join(r, f), SRCDIR)
        for r, _, fs in os.walk(os.path.join(SRCDIR, "src")) for f in fs if f.endswith(".c"))
    for f in files:
        if not f.startswith("src/") or not os.path.isfile(os.path.join(SRCDIR, f)):
            sys.exit("mutate: %s is not a source file under %s/src" % (f, SRCDIR))
    rng = random.Random(args.seed)
    mutants = []
    if args.ci:
        # The fixed CI sample: seeded, so the same source gives the same mutants.
        for f in GUARDED:
            ms = file_mutants(f)
            mutants.extend(sorted(rng.sample(ms, min(CI_PER_GUARDED, len(ms))),
                                  key=lambda m: (m.line, m.desc)))
        rest = [m for f in files if f not in GUARDED for m in file_mutants(f)]
        mutants.extend(sorted(rng.sample(rest, min(CI_OTHERS, len(rest))),
                              key=lambda m: (m.file, m.line, m.desc)))
        # in a seeded order of their own, so that a budget spent on a slow machine leaves out a
        # spread of the sample, not all of its last files
        rng.shuffle(mutants)
        files = sorted({m.file for m in mutants})
    for f in ([] if args.ci else files):
        ms = file_mutants(f)
        if args.per_file and len(ms) > args.per_file:
            ms = sorted(rng.sample(ms, args.per_file), key=lambda m: (m.line, m.desc))
        mutants.extend(ms)
    if args.total and len(mutants) > args.total:
        mutants = sorted(rng.sample(mutants, args.total), key=lambda m: (m.file, m.line, m.desc))
    equivalent, eq_classes = read_equivalent()
    if args.list:
        for m in mutants:
            print("%s:%d: %s %s\n    %s" % (m.file, m.line, m.op, m.desc, m.new.strip()))
        print("%d mutants" % len(mutants))
        return 0

    progs = test_programs()
    extra = read_map()
    if args.in_place:
        # the tree mutated is this one; every mutant is undone in a finally, and a tree left
        # changed by a killed run is refused rather than measured
        src, bld = SRCDIR, os.path.abspath(args.in_place)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "src"],
                               cwd=src, stdout=subprocess.PIPE).stdout.decode().strip()
        if dirty:
            sys.exit("mutate: --in-place: src/ of %s has changes (a killed run?):\n%s"
                     % (src, dirty))
        if not os.path.exists(os.path.join(bld, "config.status")):
            sys.exit("mutate: --in-place: %s is not a configured build" % bld)
    else:
        os.makedirs(args.scratch, exist_ok=True)
        src = bld = os.path.abspath(args.scratch)
        if args.from_build and args.sanitize:
            sys.exit("mutate: --from-build copies a plain build; --sanitize configures its own")
        if args.from_build:
            prepare_from_build(src, log)
        else:
            prepare(src, log, args.sanitize)
    if args.sanitize and not is_sanitized(bld):
        sys.exit("mutate: %s was configured without sanitizers: remove it or pick another "
                 "--scratch" % bld)
    log("mutate: %s build in %s" % ("sanitizer (ASan, LSan, UBSan)" if is_sanitized(bld)
                                    else "plain", bld))
    cover = {f: covering_programs(f, progs, extra) for f in files}
    allprogs = sorted({p for ps in cover.values() for p in ps})
    escalate = sorted(p for p in progs if p.startswith(ESCALATE_DIRS))
    log("mutate: building the scratch tree")
    rc, out = run(["make", "-j%d" % args.jobs, "-s", "all"] +
                  (escalate if not args.no_escalate else allprogs), bld, 3600)
    if rc != 0:
        sys.exit("mutate: the unmutated tree does not build:\n" + out[-3000:])
    # Baseline: each program passes unmutated; its time sets its limit (3x + 10 s).  Two at
    # a time, as make -j2 check runs them.
    limits = {}
    env = test_env(src, bld)
    todo = []
    for p in (escalate if not args.no_escalate else allprogs):
        t = recorded_time(bld, p)
        if t is None:
            todo.append(p)
        else:
            limits[p] = 3 * t + 10
    if limits:
        log("mutate: %d test programs passed unmutated in this tree's own make check, "
            "timed there" % len(limits))
    log("mutate: [%4.0f s] the unmutated run of %d test programs" % (time.time() - start, len(todo)))
    running = {}
    while todo or running:
        while todo and len(running) < max(1, args.test_jobs):
            p = todo.pop(0)
            running[p] = (time.time(), subprocess.Popen(
                [os.path.join(bld, p)], cwd=bld, env=env, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True))
        time.sleep(0.05)
        for p, (t0, proc) in list(running.items()):
            rc = proc.poll()
            if rc is None and time.time() - t0 > 300:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
            if rc is None:
                continue
            del running[p]
            if rc != 0:
                log("mutate: %s fails unmutated (rc %s); not used" % (p, rc))
            else:
                limits[p] = 3 * (time.time() - t0) + 10
    reap_strays(bld)
    # the budget is the mutants': what came before is the build (none in CI, whose tree is
    # built) and this run
    start_mutants = time.time()
    log("mutate: [%4.0f s] mutants from here" % (start_mutants - start))
    for f in files:
        # the quickest first: most mutants die in the first program that runs
        cover[f] = sorted((p for p in cover[f] if p in limits), key=lambda p: limits[p])

    stats = {}
    survivors = []
    done = 0
    for m in mutants:
        if args.budget and time.time() - start_mutants > args.budget:
            log("mutate: time budget spent after %d of %d mutants" % (done, len(mutants)))
            break
        done += 1
        st = stats.setdefault(m.file, {"mutants": 0, "killed": 0, "survived": 0,
                                       "equivalent": 0, "stillborn": 0})
        full = os.path.join(src, m.file)
        with open(full, encoding="utf-8", errors="surrogateescape") as fh:
            lines = fh.read().splitlines(keepends=True)
        orig = "".join(lines)
        if lines[m.line - 1] != m.old:
            sys.exit("mutate: %s:%d changed under the runner" % (m.file, m.line))
        lines[m.line - 1] = m.new
        eq_why = equivalent_reason(m, equivalent, eq_classes)
        if args.ci and eq_why:
            # the CI sample trusts the reviewed list; make mutate runs these too, and says so
            # when a test kills one
            m.status, m.why = "equivalent", eq_why
            st["mutants"] += 1
            st["equivalent"] += 1
            log("  [%4.0f s] %-9s %s:%d %s %s  (listed; not run in the CI sample)"
                % (time.time() - start, m.status, m.file, m.line, m.op, m.desc))
            continue
        try:
            with open(full, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write("".join(lines))
            need = cover[m.file] or ["all"]
            if any(not p.startswith("tests/unit/") for p in need):
                need = need + ["src/amplecall", "tests/fake/fakeapi"]  # the programs they run
            rc, out = build(bld, need, 600)
            if rc != 0:
                m.status = "stillborn"  # does not compile: not a mutant of the program
            elif not cover[m.file]:
                m.status = "survived"
                m.why = "no test program covers this file"
            else:
                failed = run_tests(src, bld, cover[m.file], limits, args.test_jobs)
                if failed is None and not args.no_escalate and \
                        (not args.budget or time.time() - start_mutants < args.budget):
                    rest = [p for p in escalate if p in limits and p not in cover[m.file]]
                    if build(bld, rest, 600)[0] == 0:
                        failed = run_tests(src, bld, rest, limits, args.test_jobs)
                m.status = "killed" if failed else "survived"
                m.why = failed or ""
        finally:
            with open(full, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(orig)
            os.utime(full)
        eq_why = equivalent_reason(m, equivalent, eq_classes) if m.status != "stillborn" else None
        if m.status == "survived" and eq_why:
            m.status = "equivalent"
            m.why = eq_why
        if m.status == "killed" and m.key in equivalent:
            log("mutate: %s:%d %s is listed as equivalent but %s kills it: fix the list"
                % (m.file, m.line, m.desc, m.why))
        if m.status != "stillborn":
            st["mutants"] += 1
        st[m.status] += 1
        if m.status == "survived":
            survivors.append(m)
        log("  [%4.0f s] %-9s %s:%d %s %s%s" % (time.time() - start, m.status, m.file, m.line, m.op, m.desc,
                                      "  [%s]" % m.why if m.why and m.status == "killed" else ""))

    # The tree as it was: the last mutant's objects are rebuilt from the restored source.
    if build(bld, ["all"] + allprogs, 3600)[0] != 0:
        log("mutate: the restored tree does not build")
    # Report.
    log("\n%-26s %7s %7s %8s %10s %9s %6s" % ("file", "mutants", "killed", "survived",
                                              "equivalent", "stillborn", "score"))
    tot = {"mutants": 0, "killed": 0, "survived": 0, "equivalent": 0, "stillborn": 0}
    gtot = dict(tot)

    def score(s):
        d = s["mutants"] - s["equivalent"]
        return 100.0 * s["killed"] / d if d else 100.0

    for f in sorted(stats):
        s = stats[f]
        log("%-26s %7d %7d %8d %10d %9d %5.1f%%" % (f, s["mutants"], s["killed"], s["survived"],
                                                   s["equivalent"], s["stillborn"], score(s)))
        for k in tot:
            tot[k] += s[k]
            if f in GUARDED:
                gtot[k] += s[k]
    log("%-26s %7d %7d %8d %10d %9d %5.1f%%" % ("all", tot["mutants"], tot["killed"],
                                               tot["survived"], tot["equivalent"],
                                               tot["stillborn"], score(tot)))
    if gtot["mutants"]:
        log("%-26s %7d %7d %8d %10d %9d %5.1f%%" % ("guarded modules", gtot["mutants"],
                                                   gtot["killed"], gtot["survived"],
                                                   gtot["equivalent"], gtot["stillborn"],
                                                   score(gtot)))
    if survivors:
        log("\nsurvivors:")
        for m in survivors:
            log("%s:%d: %s %s\n    - %s\n    + %s" % (m.file, m.line, m.op, m.desc,
                                                      m.old.strip(), m.new.strip()))
            log("    equivalent.txt key: %s" % m.key)
    if args.survivors:
        with open(args.survivors, "w") as fh:
            for m in survivors:
                fh.write(m.key + "\n")
    log("mutate: %d mutants in %.0f s" % (done, time.time() - start))
    ok = score(tot) >= args.target and (not gtot["mutants"] or score(gtot) >= args.guarded_target)
    if not ok:
        log("mutate: FAIL: below target (src/ %.0f%%, guarded modules %.0f%%)"
            % (args.target, args.guarded_target))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
