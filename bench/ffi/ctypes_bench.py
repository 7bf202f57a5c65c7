#!/usr/bin/env python3
"""Compare the cost of ctypes calls with the interpreter running on the
system libffi and on a drop-in DIR/libffi.so.8, side by side.

Usage:
    python3 bench/ffi/ctypes_bench.py --ffi-dir DIR [--reps N] [--calls M]
        [--samples K] [--python PY] [--cpu K] [--timeout SECONDS] [--json-out FILE]

DIR holds the replacement library, DIR/libffi.so.8 (for instance a CMake
build's bindings/ffi). PY (default: the interpreter running this script)
must have a `_ctypes` that links libffi.so.8 dynamically.

Method (simple and robust rather than clever):

- One measurement child is a fresh `PY -c CHILD` process. It imports
  `_ctypes`, reads /proc/self/maps and reports which libffi.so.8 (or
  libffi.so.8.*) is mapped, with its real path; then, for every signature
  below, it checks the call's result once (a wrong result is reported, not
  timed) and warms up with M/10 calls; then it makes K passes (--samples,
  default 3) over all the signatures, each pass timing one sample of M calls
  (default 200000) per signature with time.perf_counter, the garbage
  collector off, and keeps each signature's best sample (passes rather than
  K samples in a row, so a burst of load elsewhere on the machine hits
  different signatures in different passes). The loop is
  `for _ in repeat(None, M): f(a, b)`, compiled afresh for every signature,
  the function and the arguments in local variables; nothing is subtracted,
  so the loop's own cost (the "empty loop" row) is in every figure.
- The parent runs N rounds (--reps, default 5). Each round starts one child
  on the system libffi (the environment as is) and then one with DIR
  prepended to LD_LIBRARY_PATH (the loader then finds DIR/libffi.so.8
  before the extension's DT_RUNPATH and the system folders), so the two
  sides alternate: system 1, ffi-dir 1, system 2, ffi-dir 2, ... Each
  child's libffi is checked: the system children must not load
  DIR/libffi.so.8 (nor any file in DIR), the ffi-dir children must load
  exactly DIR/libffi.so.8 (real paths, or device and inode, compared).
- The figure per signature and side is the best (minimum) ns per call over
  the N x K samples of that side; speed-up = system / ffi-dir (> 1: the
  replacement is faster). Fresh processes each round also average over
  address-space layout and allocator luck; --cpu K pins every child to CPU K
  to cut scheduler noise. On a quiet machine two identical libraries come
  out within a few per cent (speed-up ~1.00x); on a busy or shared one the
  ratios can swing by 10% or more: raise --reps (and --samples), pin with
  --cpu, and trust only differences well beyond that.

Signatures (all in libc/libm, no compiled helper; argtypes and restype set):
    __errno_location()            no arguments, pointer result
    abs(int), labs(long)          integer
    cos(double)                   double
    ldexp(double, int)            mixed
    fma(double, double, double)   three doubles
    __mbsnrtowcs_chk(p, p, size_t, size_t, p, size_t)
                                  six arguments (glibc's fortified
                                  mbsnrtowcs; with nmc = 0 it returns at once)
    strlen(c_char_p)              a bytes argument converted to char*
    div(int, int) -> div_t        8-byte struct returned by value
    ldiv(long, long) -> ldiv_t    16-byte struct returned by value
    cabs(struct {double re, im})  struct passed by value (double complex
                                  has the same ABI on x86-64 and AArch64;
                                  only measured there)
    qsort comparator              a CFUNCTYPE(c_int, POINTER(c_int),
                                  POINTER(c_int)) callback called by
                                  libc.qsort sorting 1000 shuffled c_ints:
                                  the sorts' total time / the number of
                                  comparator calls (counted in Python in a
                                  calibration sort; glibc's qsort is
                                  deterministic), Python body included.
A signature whose function is missing is shown as "n/a".

Exit status: 0 if every child ran on the expected libffi and every call
gave the right result, 1 otherwise, 2 for a usage or setup error (e.g.
DIR/libffi.so.8 missing).

Python 3.9+ standard library only. The libffi check is the same logic as
test/ffi/run_ctypes_suite.py (duplicated so each script stands alone).
"""

import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

LIB_NAME = "libffi.so.8"
MARKER = "CTYPES_BENCH_RESULT "

# The measurement child (python -c CHILD CONFIG_JSON); stdlib only.
CHILD = r'''
import faulthandler
import json
import os
import sys

faulthandler.enable()  # a crash dumps the Python traceback to stderr

cfg = json.loads(sys.argv[1])
if cfg.get("cpu") is not None:
    os.sched_setaffinity(0, {cfg["cpu"]})


# (mapped_libffi: pasted from test/ffi/mapped_libffi.py)


import _ctypes  # loads libffi

libffi = mapped_libffi(cfg["lib_name"], set(cfg.get("extra_realpaths", [])))

import ctypes
import ctypes.util
import gc
import math
import platform
import random
import time
from itertools import repeat

from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int,
                    c_long, c_size_t, c_void_p)

CALLS = cfg["calls"]


def load(name, fallback):
    return ctypes.CDLL(ctypes.util.find_library(name) or fallback)


libc = load("c", "libc.so.6")
libm = load("m", "libm.so.6")


def fn(lib, name, restype, argtypes):
    f = getattr(lib, name)  # AttributeError: "n/a"
    f.restype = restype
    f.argtypes = argtypes
    return f


def make_loop(nargs):
    """A freshly compiled timing loop calling f with nargs arguments."""
    names = ", ".join("a%d" % i for i in range(nargs))
    body = "f(%s)" % names if nargs >= 0 else "pass"
    src = ("def loop(n, f%s):\n"
           "    for _ in repeat(None, n):\n"
           "        %s\n") % ("".join(", a%d" % i for i in range(max(nargs, 0))), body)
    ns = {"repeat": repeat}
    exec(compile(src, "<loop>", "exec"), ns)
    return ns["loop"]


def time_loop(loop, f, args, n):
    gc.disable()
    try:
        t0 = time.perf_counter()
        loop(n, f, *args)
        t1 = time.perf_counter()
    finally:
        gc.enable()
    return (t1 - t0) * 1e9 / n


class DivT(Structure):
    _fields_ = [("quot", c_int), ("rem", c_int)]


class LDivT(Structure):
    _fields_ = [("quot", c_long), ("rem", c_long)]


class Complex(Structure):  # same ABI as double complex on x86-64 / AArch64
    _fields_ = [("re", c_double), ("im", c_double)]


def expect(got, want):
    if got != want:
        raise ValueError("wrong result: got %r, expected %r" % (got, want))


def sig_errno():
    f = fn(libc, "__errno_location", c_void_p, [])
    if not f():
        raise ValueError("wrong result: NULL")
    return f, ()


def sig_abs():
    f = fn(libc, "abs", c_int, [c_int])
    expect(f(-7), 7)
    return f, (-7,)


def sig_labs():
    f = fn(libc, "labs", c_long, [c_long])
    expect(f(-(1 << 40)), 1 << 40)
    return f, (-(1 << 40),)


def sig_cos():
    f = fn(libm, "cos", c_double, [c_double])
    expect(f(0.5), math.cos(0.5))
    return f, (0.5,)


def sig_ldexp():
    f = fn(libm, "ldexp", c_double, [c_double, c_int])
    expect(f(1.5, 3), 12.0)
    return f, (1.5, 3)


def sig_fma():
    f = fn(libm, "fma", c_double, [c_double, c_double, c_double])
    expect(f(1.5, 2.0, 0.25), 3.25)
    return f, (1.5, 2.0, 0.25)


def sig_six():
    f = fn(libc, "__mbsnrtowcs_chk", c_size_t,
           [c_void_p, POINTER(c_char_p), c_size_t, c_size_t, c_void_p, c_size_t])
    src = c_char_p(b"abc")
    psrc = ctypes.pointer(src)
    buf = (ctypes.c_wchar * 8)()
    expect(f(ctypes.addressof(buf), psrc, 3, 8, None, 8), 3)
    expect(buf.value, "abc")
    src.value = b"abc"  # mbsnrtowcs advanced it
    args = (ctypes.addressof(buf), psrc, 0, 0, None, 0)
    expect(f(*args), 0)
    sig_six.keep = (src, buf)
    return f, args


def sig_strlen():
    f = fn(libc, "strlen", c_size_t, [c_char_p])
    expect(f(b"hello, world"), 12)
    return f, (b"hello, world",)


def sig_div():
    f = fn(libc, "div", DivT, [c_int, c_int])
    r = f(47, 5)
    expect((r.quot, r.rem), (9, 2))
    return f, (47, 5)


def sig_ldiv():
    f = fn(libc, "ldiv", LDivT, [c_long, c_long])
    r = f(-(1 << 40) - 3, 1 << 20)
    expect((r.quot, r.rem), (-(1 << 20), -3))
    return f, (-(1 << 40) - 3, 1 << 20)


def sig_cabs():
    if platform.machine() not in ("x86_64", "AMD64", "aarch64", "arm64"):
        raise AttributeError("struct-as-complex ABI only assumed on x86-64/AArch64")
    f = fn(libm, "cabs", c_double, [Complex])
    z = Complex(3.0, 4.0)
    expect(f(z), 5.0)
    return f, (z,)


SIGNATURES = [
    ("empty loop (reference)", None),
    ("__errno_location() -> void*", sig_errno),
    ("abs(int) -> int", sig_abs),
    ("labs(long) -> long", sig_labs),
    ("cos(double) -> double", sig_cos),
    ("ldexp(double, int) -> double", sig_ldexp),
    ("fma(double, double, double) -> double", sig_fma),
    ("__mbsnrtowcs_chk(p, p, size_t, size_t, p, size_t): 6 args", sig_six),
    ("strlen(c_char_p <- bytes) -> size_t", sig_strlen),
    ("div(int, int) -> div_t (8-byte struct by value)", sig_div),
    ("ldiv(long, long) -> ldiv_t (16-byte struct by value)", sig_ldiv),
    ("cabs(struct {double, double} by value) -> double", sig_cabs),
]

def setup_calls(setup):
    """A measure() timing CALLS calls of the signature, after a warm-up."""
    if setup is None:
        f, args, loop = None, (), make_loop(-1)
    else:
        f, args = setup()
        loop = make_loop(len(args))
    loop(max(CALLS // 10, 1), f, *args)

    def measure():
        return time_loop(loop, f, args, CALLS)
    return measure


def setup_qsort():
    """A measure() timing qsort's comparator calls (about CALLS of them)."""
    CMP = CFUNCTYPE(c_int, POINTER(c_int), POINTER(c_int))
    qsort = fn(libc, "qsort", None, [c_void_p, c_size_t, c_size_t, CMP])
    count = [0]

    def counting(a, b):
        count[0] += 1
        x = a[0]
        y = b[0]
        return (x > y) - (x < y)

    def plain(a, b):
        x = a[0]
        y = b[0]
        return (x > y) - (x < y)

    n = 1000
    width = ctypes.sizeof(c_int)
    data = random.Random(20240601).sample(range(10 ** 6), n)
    pristine = (c_int * n)(*data)
    arr = (c_int * n)()
    size = ctypes.sizeof(arr)
    c_counting, c_plain = CMP(counting), CMP(plain)
    per_sort = []
    for _ in range(2):  # calibration: count the comparator calls of one sort
        ctypes.memmove(arr, pristine, size)
        count[0] = 0
        qsort(arr, n, width, c_counting)
        per_sort.append(count[0])
        if list(arr) != sorted(data):
            raise ValueError("wrong result: the array is not sorted")
    if per_sort[0] != per_sort[1] or per_sort[0] == 0:
        raise ValueError("comparator call counts differ between sorts: %r" % per_sort)
    calls_per_sort = per_sort[0]
    sorts = max(1, -(-CALLS // calls_per_sort))
    for _ in range(max(1, sorts // 10)):  # warm-up
        ctypes.memmove(arr, pristine, size)
        qsort(arr, n, width, c_plain)

    def measure():
        total = 0.0
        gc.disable()
        try:
            for _ in range(sorts):
                ctypes.memmove(arr, pristine, size)
                t0 = time.perf_counter()
                qsort(arr, n, width, c_plain)
                total += time.perf_counter() - t0
        finally:
            gc.enable()
        return total * 1e9 / (sorts * calls_per_sort)
    measure.keep = (c_plain, c_counting, arr, pristine)
    return measure


BENCHES = [(name, (lambda setup=setup: setup_calls(setup))) for name, setup in SIGNATURES]
BENCHES.append(("qsort(1000 c_int) -> CFUNCTYPE comparator, per call", setup_qsort))

results = {}
errors = {}
missing = []
order = []
measures = []
def progress(what):  # so that a crash points at the signature
    sys.stderr.write("ctypes_bench: %s\n" % what)
    sys.stderr.flush()


for name, setup in BENCHES:
    order.append(name)
    progress("setting up " + name)
    try:
        measures.append((name, setup()))
    except AttributeError:
        missing.append(name)
    except Exception as e:
        errors[name] = "%s: %s" % (type(e).__name__, e)

# cfg["samples"] passes over every signature; the best sample is kept.
for sample in range(cfg["samples"]):
    for name, measure in measures:
        if sample == 0:
            progress("timing " + name)
        ns = measure()
        results[name] = min(ns, results.get(name, ns))

sys.stdout.write("\n" + cfg["marker"] + json.dumps({
    "python": sys.version,
    "executable": sys.executable,
    "libffi": libffi,
    "order": order,
    "results": results,
    "errors": errors,
    "missing": missing,
}) + "\n")
sys.stdout.flush()
'''
# The driver's mapped_libffi() is the shared one, pasted in (the child
# runs with -c and imports nothing of this project).
_MAPPED_LIBFFI_PATH = pathlib.Path(__file__).resolve().parent / '../../test/ffi/mapped_libffi.py'
_MAPPED_LIBFFI = _MAPPED_LIBFFI_PATH.read_text()
CHILD = CHILD.replace("# (mapped_libffi: pasted from test/ffi/mapped_libffi.py)\n", _MAPPED_LIBFFI)


# Its helpers for this process too.
_probe = {}
exec(compile(_MAPPED_LIBFFI, str(_MAPPED_LIBFFI_PATH), "exec"), _probe)
same_file = _probe["same_file"]
signal_name = _probe["signal_name"]


class SetupError(Exception):
    """A usage or environment problem: exit status 2."""


def check_libffi(label, libs, dir_lib, ffi_dir, expect_dir):
    """None if the child loaded the expected libffi, else the problem."""
    if not libs:
        return "%s: no %s mapped after importing _ctypes" % (label, LIB_NAME)
    if len(libs) > 1:
        return "%s: more than one libffi mapped: %s" % (
            label, ", ".join(l["realpath"] for l in libs))
    lib = libs[0]
    is_dir_lib = same_file(lib["realpath"], dir_lib) or same_file(lib["path"], dir_lib)
    if expect_dir and not is_dir_lib:
        return "%s: loaded %s, not %s" % (label, lib["realpath"], dir_lib)
    if not expect_dir:
        if is_dir_lib:
            return ("%s: loaded %s, the same file as %s (is DIR/%s a link to the "
                    "system library, or LD_LIBRARY_PATH already set to DIR?)"
                    % (label, lib["realpath"], dir_lib, LIB_NAME))
        if os.path.dirname(lib["realpath"]) == os.path.realpath(ffi_dir):
            return "%s: loaded %s, which is in DIR" % (label, lib["realpath"])
    return None


def run_child(label, python, env, cfg, timeout):
    """One measurement child; returns its JSON document or raises RuntimeError."""
    try:
        proc = subprocess.run([python, "-c", CHILD, json.dumps(cfg)], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("%s: timed out after %g s" % (label, timeout))
    except OSError as e:
        raise SetupError("cannot start %s: %s" % (python, e))
    err = proc.stderr.decode("utf-8", "replace").rstrip().splitlines()
    steps = [l[len("ctypes_bench: "):] for l in err if l.startswith("ctypes_bench: ")]
    last = "\n    last step: %s" % steps[-1] if steps else ""
    err = [l for l in err if not l.startswith("ctypes_bench: ")]
    fatal = [i for i, l in enumerate(err) if l.startswith("Fatal Python error")]
    err = err[fatal[-1]:fatal[-1] + 15] if fatal else err[-15:]  # innermost frames first
    if proc.returncode < 0:
        raise RuntimeError("%s: the child was killed by %s%s\n    %s" % (
            label, signal_name(-proc.returncode), last, "\n    ".join(err)))
    doc = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith(MARKER):
            doc = json.loads(line[len(MARKER):])
    if proc.returncode != 0 or doc is None:
        raise RuntimeError("%s: the child exited with status %d%s%s\n    %s" % (
            label, proc.returncode, "" if doc else " without results", last,
            "\n    ".join(err)))
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="ctypes call cost on the system libffi vs on DIR/libffi.so.8.")
    ap.add_argument("--ffi-dir", required=True, metavar="DIR",
                    help="folder holding the replacement libffi.so.8")
    ap.add_argument("--reps", type=int, default=5, metavar="N",
                    help="children per side, alternating; the best is kept (default 5)")
    ap.add_argument("--calls", type=int, default=200000, metavar="M",
                    help="calls per timed sample (default 200000)")
    ap.add_argument("--samples", type=int, default=3, metavar="K",
                    help="passes over all signatures in each child; the best "
                         "sample is kept (default 3)")
    ap.add_argument("--python", default=sys.executable, metavar="PY",
                    help="interpreter to measure (default: this one)")
    ap.add_argument("--cpu", type=int, metavar="K",
                    help="pin every child to CPU K")
    ap.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS",
                    help="per-child timeout (default 300)")
    ap.add_argument("--json-out", metavar="FILE", help="also write the figures as JSON")
    args = ap.parse_args(argv)
    try:
        return bench(args)
    except SetupError as e:
        print("error: %s" % e, file=sys.stderr)
        return 2


def bench(args):
    if args.reps < 1 or args.calls < 1 or args.samples < 1:
        raise SetupError("--reps, --calls and --samples must be positive")
    ffi_dir = os.path.abspath(args.ffi_dir)
    if not os.path.isdir(ffi_dir):
        raise SetupError("--ffi-dir %s: no such directory" % ffi_dir)
    dir_lib = os.path.join(ffi_dir, LIB_NAME)
    if not os.path.lexists(dir_lib):
        raise SetupError("%s does not exist: build the drop-in libffi first "
                         "(or point --ffi-dir at the folder that holds it)" % dir_lib)
    if not os.path.exists(dir_lib):
        raise SetupError("%s is a dangling symlink (to %s)" % (dir_lib, os.readlink(dir_lib)))
    python = args.python
    if os.sep not in python and shutil.which(python) is None:
        raise SetupError("--python %s: not found" % python)

    sys_env = dict(os.environ)
    dir_env = dict(os.environ)
    old = dir_env.get("LD_LIBRARY_PATH")
    dir_env["LD_LIBRARY_PATH"] = ffi_dir + (":" + old if old else "")
    cfg = {"marker": MARKER, "lib_name": LIB_NAME, "extra_realpaths": [os.path.realpath(dir_lib)],
           "calls": args.calls, "samples": args.samples, "cpu": args.cpu}

    sides = (("system", sys_env, False), ("ffi-dir", dir_env, True))
    best = {"system": {}, "ffi-dir": {}}
    loaded = {}
    order = []
    problems = []
    errors = {}
    missing = set()
    python_version = None
    print("python:  %s" % python)
    print("ffi-dir: %s" % ffi_dir)
    for rep in range(1, args.reps + 1):
        for side, env, expect_dir in sides:
            label = "%s #%d" % (side, rep)
            print("[%s] ..." % label, end=" ", flush=True)
            t0 = time.monotonic()
            try:
                doc = run_child(label, python, env, cfg, args.timeout)
            except RuntimeError as e:
                print("FAILED")
                problems.append(str(e))
                continue
            print("%.1f s" % (time.monotonic() - t0), flush=True)
            bad = check_libffi(label, doc["libffi"], dir_lib, ffi_dir, expect_dir)
            if bad:
                problems.append(bad)
                continue
            loaded.setdefault(side, doc["libffi"][0]["realpath"])
            python_version = doc["python"].split()[0]
            for name in doc["order"]:
                if name not in order:
                    order.append(name)
            for name, ns in doc["results"].items():
                prev = best[side].get(name)
                best[side][name] = ns if prev is None else min(prev, ns)
            for name, msg in doc["errors"].items():
                errors.setdefault((side, name), msg)
            missing.update(doc["missing"])
        if problems and rep == 1:
            break  # the setup is broken; do not repeat it N times

    print()
    for side in ("system", "ffi-dir"):
        print("%-8s libffi: %s" % (side, loaded.get(side, "?")))
    if len(loaded) == 2:  # both sides have figures
        print("Python %s; best of %d children per side (alternating) x %d samples of %d calls; "
              "ns per call, loop overhead included"
              % (python_version, args.reps, args.samples, args.calls))
        print()
        rows = [("signature", "system libffi (ns)", "ffi-dir libffi (ns)", "speed-up")]
        for name in order:
            s = best["system"].get(name)
            d = best["ffi-dir"].get(name)

            def cell(side, v):
                if v is not None:
                    return "%.1f" % v
                if (side, name) in errors:
                    return "error"
                return "n/a"

            up = "%.2fx" % (s / d) if s is not None and d else "n/a"
            rows.append((name, cell("system", s), cell("ffi-dir", d), up))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for i, r in enumerate(rows):
            print("| %s | %s | %s | %s |" % (
                r[0].ljust(widths[0]), r[1].rjust(widths[1]),
                r[2].rjust(widths[2]), r[3].rjust(widths[3])))
            if i == 0:
                print("|%s|%s:|%s:|%s:|" % ("-" * (widths[0] + 2), "-" * (widths[1] + 1),
                                            "-" * (widths[2] + 1), "-" * (widths[3] + 1)))
        if missing:
            print("\nn/a (function not available): %s" % ", ".join(sorted(missing)))
    for (side, name), msg in sorted(errors.items()):
        problems.append("%s: %s: %s" % (side, name, msg))

    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"ffi_dir": ffi_dir, "python": python_version, "reps": args.reps,
                       "calls": args.calls, "libffi": loaded, "ns_per_call": best,
                       "problems": problems, "ok": not problems}, f, indent=1)
    if problems:
        print()
        for p in problems:
            print("FAIL: " + p)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
