#!/usr/bin/env python3
"""Run CPython's own ctypes test suite on the system libffi and on a drop-in
libffi.so.8, and compare the outcome of every test.

Usage:
    python3 test/ffi/run_ctypes_suite.py --ffi-dir DIR [--python PY]
        [--timeout SECONDS] [--min-tests N] [--suite NAME]
        [--json-out FILE] [--work-dir DIR2] [--keep]

DIR is the folder holding the replacement library, DIR/libffi.so.8 (for
instance a CMake build's bindings/ffi). PY is the interpreter to test
(default: the one running this script); its `_ctypes` extension must link
`libffi.so.8` dynamically (check with `ldd`).

What it does:

1. Two runs, each a fresh subprocess of PY running a small inline driver
   (DRIVER below, passed with `-c`):
   - "system": the environment as is, so `_ctypes` loads the system libffi;
   - "ffi-dir": the same environment with DIR prepended to LD_LIBRARY_PATH,
     so the dynamic loader finds DIR/libffi.so.8 first (LD_LIBRARY_PATH is
     searched before the extension's DT_RUNPATH and the system folders).
   The children run with a scratch folder as their working directory.
2. The driver imports `_ctypes`, then reads /proc/self/maps and reports
   every mapped file named libffi.so.8 or libffi.so.8.* (or the same file
   as DIR/libffi.so.8, whatever its name) with its real path. It then loads
   the suite exactly as `python -m unittest ctypes.test` does
   (`unittest.defaultTestLoader.loadTestsFromName("ctypes.test")`, which
   goes through the package's `load_tests`; warnings filter "default" unless
   -W options were given) and runs it with a result class that records each
   test id and its outcome: pass, fail, error, skip, expected failure,
   unexpected success. A test whose subtests failed counts as fail (or
   error). Errors outside a test (setUpClass, setUpModule, an import error
   of a test module) are recorded under the id unittest gives them. On
   Python 3.12+, where the suite moved to `test.test_ctypes`, --suite auto
   (the default) picks that one.
   Before each test the driver appends "start <test id>" to a progress file
   (unbuffered, so it survives a crash), and faulthandler is enabled, so a
   segfault points at the test and its Python traceback is in the child's
   stderr. The results go to a JSON file.
3. The parent checks that
   - the "system" run loaded exactly one libffi.so.8 and that it is not
     DIR/libffi.so.8 and not in DIR;
   - the "ffi-dir" run loaded exactly DIR/libffi.so.8 (real paths compared,
     or the same device and inode);
   - both runs finished (a crash by a signal, an exit without results or a
     timeout is reported with the run, the signal, the last test started
     and the child's stderr from faulthandler's report on, else its tail; a
     child past --timeout, default 600 s, gets SIGABRT so that faulthandler
     shows where it hangs, then SIGKILL) and ran at least --min-tests tests
     (default 401, i.e. more than 400);
   - every test id has the same outcome in both runs (a test present in one
     run only is a difference too).
   It prints the libraries loaded, a table of counts per outcome for both
   runs, the tests whose outcome differs (with the tail of the failure's
   traceback) and, for information, the tests that fail identically in both.

Exit status: 0 if every check passed, 1 if one failed, 2 for a usage or
setup error (e.g. DIR/libffi.so.8 missing). The scratch folder (child logs,
progress files, JSON results) is removed on success and kept, with its path
printed, on failure or with --keep.

Note: if DIR/libffi.so.8 is a symlink to the system libffi the two runs
cannot be told apart and the check fails; use a copy to test this script.

Python 3.9+ standard library only.
"""

import argparse
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

LIB_NAME = "libffi.so.8"

OUTCOMES = (
    "pass",
    "fail",
    "error",
    "skip",
    "expected failure",
    "unexpected success",
)

# The driver each child runs (python -c DRIVER CONFIG_JSON). It must stay
# runnable on its own: stdlib only, no import of this file.
DRIVER = r'''
import faulthandler
import json
import os
import sys
import time

faulthandler.enable()  # a crash dumps the Python traceback to stderr

cfg = json.loads(sys.argv[1])
progress_fd = os.open(cfg["progress"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)


def progress(line):
    os.write(progress_fd, (line.replace("\n", " ") + "\n").encode("utf-8", "replace"))


# (mapped_libffi: pasted from test/ffi/mapped_libffi.py)


import _ctypes  # loads libffi

libffi = mapped_libffi(cfg["lib_name"], set(cfg.get("extra_realpaths", [])))
progress("libffi " + json.dumps(libffi))

import importlib.util
import unittest
import warnings

def have_module(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ImportError:
        return False


suite_name = cfg["suite"]
if suite_name == "auto":
    for suite_name in ("ctypes.test", "test.test_ctypes"):
        if have_module(suite_name):
            break
    else:
        sys.stderr.write(
            "no ctypes test suite in this Python (neither ctypes.test nor "
            "test.test_ctypes can be imported); a distribution's Python may ship "
            "it in a separate package (Debian: libpython3.X-testsuite)\n")
        sys.exit(3)

SEVERITY = {"pass": 0, "skip": 1, "expected failure": 2,
            "unexpected success": 3, "fail": 4, "error": 5}


class Recorder(unittest.TestResult):
    """Records the outcome of every test id (no output of its own)."""

    def __init__(self):
        super().__init__()
        self.records = {}   # id -> {"outcome", "detail"}
        self.order = []
        self.current = None

    def _key(self, test, starting=False):
        tid = test.id()
        if starting and tid in self.records:  # the same id run twice
            n = 2
            while "%s#%d" % (tid, n) in self.records:
                n += 1
            tid = "%s#%d" % (tid, n)
        elif not starting and self.current is not None and self.current[0] is test:
            tid = self.current[1]
        return tid

    def _set(self, test, outcome, detail=None):
        tid = self._key(test)
        rec = self.records.get(tid)
        if rec is None:
            rec = self.records[tid] = {"outcome": None, "detail": None}
            self.order.append(tid)
        if rec["outcome"] is None or SEVERITY[outcome] > SEVERITY[rec["outcome"]]:
            rec["outcome"] = outcome
        if detail:
            detail = detail[-4000:]
            rec["detail"] = detail if not rec["detail"] else (rec["detail"] + "\n" + detail)[-8000:]

    def _err(self, err, test):
        return self._exc_info_to_string(err, test)

    def startTest(self, test):
        super().startTest(test)
        tid = self._key(test, starting=True)
        self.current = (test, tid)
        self.records[tid] = {"outcome": None, "detail": None}
        self.order.append(tid)
        progress("start " + tid)

    def stopTest(self, test):
        tid = self._key(test)
        rec = self.records.get(tid)
        if rec is not None and rec["outcome"] is None:
            rec["outcome"] = "error"
            rec["detail"] = "the test reported no outcome to unittest"
        self.current = None
        super().stopTest(test)

    def addSuccess(self, test):
        super().addSuccess(test)
        self._set(test, "pass")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._set(test, "fail", self._err(err, test))

    def addError(self, test, err):
        super().addError(test, err)
        self._set(test, "error", self._err(err, test))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._set(test, "skip", "skipped: %s" % (reason,))

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self._set(test, "expected failure")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self._set(test, "unexpected success")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            kind = "fail" if issubclass(err[0], test.failureException) else "error"
            self._set(test, kind, "subtest %s:\n%s" % (subtest.id(), self._err(err, test)))


t0 = time.monotonic()
suite = unittest.defaultTestLoader.loadTestsFromName(suite_name)
result = Recorder()
with warnings.catch_warnings():
    if not sys.warnoptions:   # what unittest.main / TextTestRunner do
        warnings.simplefilter("default")
    result.startTestRun()
    try:
        suite(result)
    finally:
        result.stopTestRun()
elapsed = time.monotonic() - t0
progress("finished")

doc = {
    "python": sys.version,
    "executable": sys.executable,
    "suite": suite_name,
    "libffi": libffi,
    "seconds": elapsed,
    "tests": {tid: result.records[tid] for tid in result.order},
}
tmp = cfg["out"] + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f)
os.replace(tmp, cfg["out"])
sys.stdout.flush()
'''
# The driver's mapped_libffi() is the shared one, pasted in (the child
# runs with -c and imports nothing of this project).
_MAPPED_LIBFFI_PATH = pathlib.Path(__file__).resolve().parent / 'mapped_libffi.py'
_MAPPED_LIBFFI = _MAPPED_LIBFFI_PATH.read_text()
DRIVER = DRIVER.replace("# (mapped_libffi: pasted from test/ffi/mapped_libffi.py)\n", _MAPPED_LIBFFI)


# Its helpers for this process too.
_probe = {}
exec(compile(_MAPPED_LIBFFI, str(_MAPPED_LIBFFI_PATH), "exec"), _probe)
same_file = _probe["same_file"]
signal_name = _probe["signal_name"]


class SetupError(Exception):
    """A usage or environment problem: exit status 2."""


def stderr_excerpt(path, lines=30):
    """The child's stderr from faulthandler's "Fatal Python error" on (the
    innermost frames come first), else its last lines."""
    try:
        with open(path, errors="replace") as f:
            text = f.read().splitlines()
    except OSError:
        return []
    for i in range(len(text) - 1, -1, -1):
        if text[i].startswith("Fatal Python error"):
            return text[i:i + lines]
    return text[-lines:]


def run_child(label, python, env, work, suite, timeout, extra_realpaths):
    """Run the driver once; returns a dict describing the run."""
    rundir = os.path.join(work, label)
    os.makedirs(rundir, exist_ok=True)
    cwd = os.path.join(rundir, "cwd")
    os.makedirs(cwd, exist_ok=True)
    cfg = {
        "out": os.path.join(rundir, "results.json"),
        "progress": os.path.join(rundir, "progress.txt"),
        "lib_name": LIB_NAME,
        "suite": suite,
        "extra_realpaths": extra_realpaths,
    }
    stdout_path = os.path.join(rundir, "stdout.txt")
    stderr_path = os.path.join(rundir, "stderr.txt")
    run = {"label": label, "rundir": rundir, "stderr": stderr_path,
           "problem": None, "doc": None, "returncode": None, "libffi": None}
    print("[%s] running the ctypes suite (LD_LIBRARY_PATH=%s) ..."
          % (label, env.get("LD_LIBRARY_PATH", "")), flush=True)
    t0 = time.monotonic()
    with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
        try:
            proc = subprocess.Popen([python, "-c", DRIVER, json.dumps(cfg)],
                                    env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=err)
        except OSError as e:
            raise SetupError("cannot start %s: %s" % (python, e))
        try:
            run["returncode"] = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            # SIGABRT first: faulthandler then dumps the stuck test's
            # traceback to stderr; SIGKILL if that does not end it.
            run["problem"] = "timed out after %g s (killed)" % timeout
            proc.send_signal(signal.SIGABRT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    run["seconds"] = time.monotonic() - t0

    # Progress: which libffi, which tests started.
    started = []
    try:
        with open(cfg["progress"], encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("libffi "):
                    run["libffi"] = json.loads(line[len("libffi "):])
                elif line.startswith("start "):
                    started.append(line[len("start "):])
    except (OSError, ValueError):
        pass
    run["started"] = started

    rc = run["returncode"]
    if run["problem"] is None and rc is not None and rc < 0:
        run["problem"] = "was killed by %s" % signal_name(-rc)
    elif run["problem"] is None and rc:
        run["problem"] = "exited with status %d" % rc
    if os.path.exists(cfg["out"]):
        with open(cfg["out"]) as f:
            run["doc"] = json.load(f)
        run["libffi"] = run["doc"]["libffi"]
    elif run["problem"] is None:
        run["problem"] = "exited without writing results"
    return run


def describe_problem(run):
    lines = ["[%s] the child %s" % (run["label"], run["problem"])]
    if run["doc"] is not None:
        lines.append("  (after the suite had finished and its results were written)")
    elif run["started"]:
        lines.append("  last test started: %s (test #%d)" % (run["started"][-1], len(run["started"])))
    elif run["libffi"] is not None:
        lines.append("  no test had started (while loading the suite)")
    else:
        lines.append("  before or while importing _ctypes")
    err = stderr_excerpt(run["stderr"])
    if err:
        lines.append("  its stderr (%s):" % run["stderr"])
        lines.extend("    " + l for l in err)
    return "\n".join(lines)


def check_libffi(run, dir_lib, ffi_dir, expect_dir):
    """A list of problems with the libffi the run loaded."""
    libs = run["libffi"]
    if libs is None:
        return ["[%s] no report of the loaded libffi (the child failed early)" % run["label"]]
    if not libs:
        return ["[%s] no %s is mapped after importing _ctypes (is libffi linked "
                "statically into _ctypes?)" % (run["label"], LIB_NAME)]
    if len(libs) > 1:
        return ["[%s] more than one libffi is mapped: %s"
                % (run["label"], ", ".join(l["realpath"] for l in libs))]
    lib = libs[0]
    is_dir_lib = same_file(lib["realpath"], dir_lib) or same_file(lib["path"], dir_lib)
    if expect_dir:
        if not is_dir_lib:
            return ["[%s] loaded %s, not %s" % (run["label"], lib["realpath"], dir_lib)]
    else:
        if is_dir_lib:
            if os.path.islink(dir_lib) and not os.path.realpath(dir_lib).startswith(
                    os.path.realpath(ffi_dir) + os.sep):
                why = "%s is a link to the system library (use a copy)" % dir_lib
            else:
                why = "does LD_LIBRARY_PATH already point at DIR?"
            return ["[%s] the system run loaded %s, the same file as %s: %s"
                    % (run["label"], lib["realpath"], dir_lib, why)]
        real_dir = os.path.realpath(ffi_dir)
        if os.path.dirname(lib["realpath"]) == real_dir:
            return ["[%s] the system run loaded %s, which is in DIR"
                    % (run["label"], lib["realpath"])]
    return []


def counts(tests):
    c = {o: 0 for o in OUTCOMES}
    for rec in tests.values():
        c[rec["outcome"]] = c.get(rec["outcome"], 0) + 1
    return c


def detail_tail(rec, lines=12):
    if not rec or not rec.get("detail"):
        return []
    return rec["detail"].rstrip().splitlines()[-lines:]


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Run CPython's ctypes test suite on the system libffi and on "
                    "DIR/libffi.so.8 and compare every test's outcome.")
    ap.add_argument("--ffi-dir", required=True, metavar="DIR",
                    help="folder holding the replacement libffi.so.8")
    ap.add_argument("--python", default=sys.executable, metavar="PY",
                    help="interpreter to test (default: this one)")
    ap.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                    help="per-run timeout (default 600)")
    ap.add_argument("--min-tests", type=int, default=401, metavar="N",
                    help="each run must record at least N tests (default 401)")
    ap.add_argument("--suite", default="auto",
                    help="test package to run (default: ctypes.test, or "
                         "test.test_ctypes on Python 3.12+)")
    ap.add_argument("--json-out", metavar="FILE",
                    help="also write the comparison as JSON to FILE")
    ap.add_argument("--work-dir", metavar="DIR2",
                    help="scratch folder (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the scratch folder even on success")
    args = ap.parse_args(argv)

    try:
        return compare(args)
    except SetupError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2


def compare(args):
    ffi_dir = os.path.abspath(args.ffi_dir)
    if not os.path.isdir(ffi_dir):
        raise SetupError("--ffi-dir %s: no such directory" % ffi_dir)
    dir_lib = os.path.join(ffi_dir, LIB_NAME)
    if not os.path.lexists(dir_lib):
        raise SetupError("%s does not exist: build the drop-in libffi first "
                         "(or point --ffi-dir at the folder that holds it)" % dir_lib)
    if not os.path.exists(dir_lib):
        raise SetupError("%s is a dangling symlink (to %s)" % (dir_lib, os.readlink(dir_lib)))
    try:
        with open(dir_lib, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise SetupError("cannot read %s: %s" % (dir_lib, e))
    if magic != b"\x7fELF":
        raise SetupError("%s is not an ELF file" % dir_lib)
    python = args.python
    if os.sep not in python and shutil.which(python) is None:
        raise SetupError("--python %s: not found" % python)

    if args.work_dir:
        work = os.path.abspath(args.work_dir)
        os.makedirs(work, exist_ok=True)
    else:
        work = tempfile.mkdtemp(prefix="ctypes-suite-")

    base_env = dict(os.environ)
    dir_env = dict(os.environ)
    old = dir_env.get("LD_LIBRARY_PATH")
    dir_env["LD_LIBRARY_PATH"] = ffi_dir + (":" + old if old else "")
    extra = [os.path.realpath(dir_lib)]

    print("python:   %s" % python)
    print("ffi-dir:  %s" % ffi_dir)
    print("scratch:  %s" % work, flush=True)
    runs = [
        run_child("system", python, base_env, work, args.suite, args.timeout, extra),
        run_child("ffi-dir", python, dir_env, work, args.suite, args.timeout, extra),
    ]

    problems = []
    print()
    for run, expect_dir in zip(runs, (False, True)):
        libs = run["libffi"]
        shown = ", ".join(l["realpath"] for l in libs) if libs else "?"
        print("[%s] libffi loaded: %s" % (run["label"], shown))
        print("[%s] %s in %.1f s%s" % (
            run["label"],
            "%d tests" % len(run["doc"]["tests"]) if run["doc"] else "no results",
            run["seconds"],
            "" if run["doc"] is None else " (suite %s, %s)" % (
                run["doc"]["suite"], run["doc"]["python"].split()[0])))
        problems.extend(check_libffi(run, dir_lib, ffi_dir, expect_dir))
        if run["problem"]:
            problems.append(describe_problem(run))
        if run["doc"] is not None and len(run["doc"]["tests"]) < args.min_tests:
            problems.append("[%s] only %d tests recorded (at least %d expected)"
                            % (run["label"], len(run["doc"]["tests"]), args.min_tests))

    sys_tests = runs[0]["doc"]["tests"] if runs[0]["doc"] else {}
    dir_tests = runs[1]["doc"]["tests"] if runs[1]["doc"] else {}
    diffs = []
    if runs[0]["doc"] is not None and runs[1]["doc"] is not None:
        for tid in list(sys_tests) + [t for t in dir_tests if t not in sys_tests]:
            a = sys_tests.get(tid, {}).get("outcome", "missing")
            b = dir_tests.get(tid, {}).get("outcome", "missing")
            if a != b:
                diffs.append((tid, a, b))

    # Table of counts.
    print()
    cs, cd = counts(sys_tests), counts(dir_tests)
    have = [r["doc"] is not None for r in runs]

    def cell(i, n):
        return "%7d" % n if have[i] else "%7s" % "-"

    w = max(len(o) for o in OUTCOMES + ("total",))
    print("| %-*s | %7s | %7s |" % (w, "outcome", "system", "ffi-dir"))
    print("|%s|%s:|%s:|" % ("-" * (w + 2), "-" * 8, "-" * 8))
    for o in dict.fromkeys(list(OUTCOMES) + list(cs) + list(cd)):
        print("| %-*s | %s | %s |" % (w, o, cell(0, cs.get(o, 0)), cell(1, cd.get(o, 0))))
    print("| %-*s | %s | %s |" % (w, "total", cell(0, len(sys_tests)), cell(1, len(dir_tests))))

    if runs[0]["doc"] is not None and runs[1]["doc"] is not None:
        print()
        if diffs:
            print("%d test(s) with a different outcome (system -> ffi-dir):" % len(diffs))
            for tid, a, b in diffs:
                print("  %s: %s -> %s" % (tid, a, b))
                rec = dir_tests.get(tid) if b not in ("pass", "missing") else sys_tests.get(tid)
                for l in detail_tail(rec):
                    print("      " + l)
            problems.append("%d test(s) have a different outcome" % len(diffs))
        else:
            print("every test has the same outcome in both runs")
        both_bad = [t for t in sys_tests if sys_tests[t]["outcome"] in ("fail", "error", "unexpected success")
                    and dir_tests.get(t, {}).get("outcome") == sys_tests[t]["outcome"]]
        if both_bad:
            print("(for information: %d test(s) fail the same way in both runs: %s)"
                  % (len(both_bad), ", ".join(both_bad)))

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({
                "ffi_dir": ffi_dir,
                "runs": [{"label": r["label"], "libffi": r["libffi"], "problem": r["problem"],
                          "returncode": r["returncode"], "seconds": r["seconds"],
                          "last_started": r["started"][-1] if r["started"] else None,
                          "counts": counts(r["doc"]["tests"]) if r["doc"] else None,
                          "tests": {t: v["outcome"] for t, v in r["doc"]["tests"].items()}
                          if r["doc"] else None} for r in runs],
                "differences": [{"test": t, "system": a, "ffi_dir": b} for t, a, b in diffs],
                "problems": problems,
                "ok": not problems,
            }, f, indent=1)

    print()
    if problems:
        for p in problems:
            print("FAIL: " + p)
        print("scratch folder kept: %s" % work)
        return 1
    print("OK: system run on %s, ffi-dir run on %s; %d tests (%s), identical outcomes"
          % (runs[0]["libffi"][0]["realpath"], runs[1]["libffi"][0]["realpath"], len(sys_tests),
             ", ".join("%d %s" % (n, o) for o, n in cs.items() if n)))
    if args.keep or args.work_dir:
        print("scratch folder kept: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
