"""Scaling of ctabi's Python binding against ctypes and cffi (issue 9).

Run through bench/scaling/run, which builds the targets library
(scaling_targets.c: scaling_{int,dbl,s16}_N for N = 1..32 arguments of
int64_t, double or struct {int64_t a; double b;} by value, each returning the
sum of its arguments weighted by position) and passes it as --lib.

(a) Call cost against the argument count N (1, 2, 4, 8, 16, 32) for the three
    families, "int", "double" and "struct". Contenders, all releasing the GIL:
      ctypes   a CDLL function with argtypes and restype
      ctabi    ctabi.thunk() of that ctypes function
      cffi     cffi's ABI mode (ffi.dlopen), structs as cdata values
    Every contender's result is checked against the expected value first: a
    wrong ctabi result stops the program; a wrong ctypes or cffi one is timed
    all the same and flagged "correct": false (both call through libffi, and
    libffi 3.4.4, Debian 12's, passes six or more {i64, f64} structs wrongly:
    libffi PR #848). Each contender is timed by a Python loop of n calls (one
    freshly compiled loop per contender, the arguments in local variables; the
    loop's own cost, "empty_loop_ns", is in every figure), n calibrated so one
    sample takes about --sample-ms of the thread's CPU time
    (time.thread_time_ns, so time descheduled on a shared machine is not
    counted); one repetition samples every contender once, the order rotating;
    figures are medians over --reps repetitions, ratios medians of the
    per-repetition ratios.

(b) Creation against the number K of distinct prototypes (1, 10, ...,
    --max-k): prototype i is double(S16, t1, ..., t7), t1..t7 the base-7
    digits of i over (c_int32, c_int64, c_float, c_double, c_void_p, c_uint8,
    c_int16), as in scaling_bench. Each measurement runs in a fresh
    interpreter (this script with --creation-child): inputs made untimed, 16
    other prototypes made to warm up, then K made with the garbage collector
    off, timed in the thread's CPU time, the resident set (/proc/self/statm)
    read before and after. Contenders:
      ctypes_proto   ctypes.CFUNCTYPE(restype, *argtypes)(address): a ctypes
                     function object of a new prototype
      ctabi_thunk    ctabi.thunk(f) for such a ctypes function f (made untimed:
                     a ctabi user pays ctypes_proto + ctabi_thunk)
      cffi_cast      ffi.cast("double(*)(...)", address): a cffi function
                     pointer of a new C type (its libffi cif included); up to
                     K = 10000 only (about 1 ms each: cffi parses the type)

JSON (schema 1):
  {"schema": 1, "kind": "scaling_python", "tool": "py_scaling.py",
   "machine": {"python": str, "implementation": str, "ctabi": str,
               "cffi": str, "cpus": int, "platform": str, "date": str},
   "params": {"reps": int, "sample_ms": float, "quick": bool, "n": [int],
              "k": [int], "creation_reps": {"<k>": int}, "seconds": float},
   "empty_loop_ns": float,
   "call_cost": [{"family": "int"|"double"|"struct", "n": int,
                  "contender": "ctypes"|"ctabi"|"cffi", "ns": float (median,
                  per call, the Python loop included), "ns_q1": float,
                  "ns_q3": float, "vs_ctabi": float (median over repetitions
                  of this contender's time / ctabi's), "correct": bool}],
   "creation": [{"k": int, "contender": str, "reps": int, "total_ms": float,
                 "us_per_sig": float (medians, CPU time), "wall_ms": float,
                 "rss_kib_delta": float (median), "bytes_per_sig": float}]}
"""

import argparse
import ctypes
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import cffi
import ctabi

CALL_NS = (1, 2, 4, 8, 16, 32)
SIG_COUNTS = (1, 10, 100, 1000, 10000, 100000)
FAMILIES = ("int", "double", "struct")
SYMBOL = {"int": "int", "double": "dbl", "struct": "s16"}
CALL_CONTENDERS = ("ctypes", "ctabi", "cffi")
CREATION_CONTENDERS = ("ctypes_proto", "ctabi_thunk", "cffi_cast")
# cffi parses a C declaration per new type, about 1 ms each: beyond this K
# it would take minutes.
CFFI_MAX_K = 10000
WARMUP_BASE = 800000
WARMUPS = 16

CDEF_S16 = "typedef struct { int64_t a; double b; } scaling_s16;"
KIND_CTYPES = (ctypes.c_int32, ctypes.c_int64, ctypes.c_float, ctypes.c_double,
               ctypes.c_void_p, ctypes.c_uint8, ctypes.c_int16)
KIND_C = ("int32_t", "int64_t", "float", "double", "void*", "uint8_t", "int16_t")


class S16(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int64), ("b", ctypes.c_double)]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lib", help="the targets library (libctabi_scaling_targets.so)")
    p.add_argument("--json-out", help="where to write the results")
    p.add_argument("--quick", action="store_true",
                   help="5 repetitions of 2 ms samples, K up to 1000, fewer creation repeats")
    p.add_argument("--reps", type=int, help="repetitions of the call samples (default 15)")
    p.add_argument("--sample-ms", type=float, help="CPU time of one call sample (default 5)")
    p.add_argument("--max-k", type=int, help="largest K for creation (default 100000)")
    p.add_argument("--only", choices=("call", "creation"), help="run one part only")
    p.add_argument("--creation-child", nargs=2, metavar=("CONTENDER", "K"),
                   help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.reps is None:
        a.reps = 5 if a.quick else 15
    if a.sample_ms is None:
        a.sample_ms = 2.0 if a.quick else 5.0
    if a.max_k is None:
        a.max_k = 1000 if a.quick else 100000
    return a


# ---------------------------------------------------------------- (a) calls

def values(family, n):
    """The arguments of a call (as Python values) and the expected result."""
    if family == "int":
        vals = [(i + 1) * 1000003 - 17 for i in range(n)]
        return vals, sum(v * (i + 1) for i, v in enumerate(vals))
    if family == "double":
        vals = [0.25 * i - 1.5 for i in range(n)]
        expect = 0.0
        for i, v in enumerate(vals):
            expect += v * (i + 1.0)
        return vals, expect
    pairs = [(i * 7 - 3, 0.5 * i + 0.125) for i in range(n)]
    expect = 0.0
    for i, (a, b) in enumerate(pairs):
        expect += (float(a) + b) * (i + 1.0)
    return pairs, expect


# The timing loops are bench/python's: one freshly compiled loop per
# contender, so no two share a call site's specialization.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from bench import make_empty_loop, make_loop  # noqa: E402


class Contender:
    """One thing timed: sample(n) returns the CPU ns per call of n calls."""

    def __init__(self, family, n, name, func, args, correct):
        self.family, self.n, self.name = family, n, name
        self.correct = correct
        self.iters = 1
        self.times = []
        loop = make_loop(len(args)) if args else None

        if loop is None:
            empty = make_empty_loop()

            def sample(iters):
                t0 = time.thread_time_ns()
                empty(iters)
                return (time.thread_time_ns() - t0) / iters
        else:
            def sample(iters):
                t0 = time.thread_time_ns()
                loop(func, *args, iters)
                return (time.thread_time_ns() - t0) / iters
        self.sample = sample


def close(a, b):
    return a == b if isinstance(b, int) else abs(a - b) <= 1e-12 * max(1.0, abs(b))


def setup_calls(lib_path):
    """The call contenders, and what keeps their objects alive."""
    lib = ctypes.CDLL(lib_path)
    ffi = cffi.FFI()
    decls = [CDEF_S16]
    for n in CALL_NS:
        decls.append("int64_t scaling_int_%d(%s);" % (n, ", ".join(["int64_t"] * n)))
        decls.append("double scaling_dbl_%d(%s);" % (n, ", ".join(["double"] * n)))
        decls.append("double scaling_s16_%d(%s);" % (n, ", ".join(["scaling_s16"] * n)))
    ffi.cdef("\n".join(decls))
    cffi_lib = ffi.dlopen(lib_path)

    contenders, keep, warnings = [], [ffi, cffi_lib, lib], []
    for family in FAMILIES:
        for n in CALL_NS:
            name = "scaling_%s_%d" % (SYMBOL[family], n)
            vals, expect = values(family, n)
            f = getattr(lib, name)
            if family == "int":
                f.argtypes, f.restype = [ctypes.c_int64] * n, ctypes.c_int64
                args = {c: vals for c in CALL_CONTENDERS}
            elif family == "double":
                f.argtypes, f.restype = [ctypes.c_double] * n, ctypes.c_double
                args = {c: vals for c in CALL_CONTENDERS}
            else:
                f.argtypes, f.restype = [S16] * n, ctypes.c_double
                structs = [S16(a, b) for a, b in vals]
                cdatas = []
                for a, b in vals:
                    p = ffi.new("scaling_s16*", {"a": a, "b": b})
                    keep.append(p)
                    cdatas.append(p[0])
                args = {"ctypes": structs, "ctabi": structs, "cffi": cdatas}
            funcs = {"ctypes": f, "ctabi": ctabi.thunk(f), "cffi": getattr(cffi_lib, name)}
            for c in CALL_CONTENDERS:
                got = funcs[c](*args[c])
                ok = close(got, expect)
                if not ok:
                    if c == "ctabi":
                        sys.exit("py_scaling: %s/%d: ctabi returned %r, expected %r"
                                 % (family, n, got, expect))
                    warnings.append("%s/%d/%s returned %r, expected %r" % (family, n, c, got,
                                                                            expect))
                contenders.append(Contender(family, n, c, funcs[c], args[c], ok))
            keep.append(funcs)
    for w in warnings:
        print("py_scaling: warning: %s (timed all the same, flagged \"correct\": false)" % w,
              file=sys.stderr)
    return contenders, keep


def calibrate(contenders, sample_ms):
    for c in contenders:
        n = 64
        c.sample(n)  # warm up (specialisation, first-call costs)
        while True:
            ns = c.sample(n) * n
            if ns >= 1e6 or n >= 1 << 24:
                break
            n *= 4
        c.iters = max(32, int(n * sample_ms * 1e6 / max(ns, 1.0)))


def measure(contenders, reps):
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(reps):
            k = (r * 7) % len(contenders)
            for c in contenders[k:] + contenders[:k]:
                c.times.append(c.sample(c.iters))
    finally:
        if gc_was:
            gc.enable()


def quartiles(v):
    if len(v) < 2:
        return v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def call_rows(contenders):
    by_key = {(c.family, c.n, c.name): c for c in contenders}
    rows = []
    for c in contenders:
        ref = by_key.get((c.family, c.n, "ctabi"))
        ratios = [a / b for a, b in zip(c.times, ref.times)] if ref else []
        q1, q3 = quartiles(c.times)
        rows.append({"family": c.family, "n": c.n, "contender": c.name,
                     "ns": statistics.median(c.times), "ns_q1": q1, "ns_q3": q3,
                     "vs_ctabi": statistics.median(ratios) if ratios else None,
                     "correct": c.correct})
    return rows


# ------------------------------------------------------------- (b) creation

def prototype(i):
    """Prototype i: ctypes argtypes and the cffi function pointer type."""
    argtypes, cnames = [S16], ["scaling_s16"]
    for _ in range(7):
        argtypes.append(KIND_CTYPES[i % 7])
        cnames.append(KIND_C[i % 7])
        i //= 7
    return argtypes, "double(*)(%s)" % ", ".join(cnames)


def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGESIZE") / 1024.0


def creation_child(lib_path, contender, k):
    """Makes k entries of `contender` after a warm-up; prints what it measured."""
    lib = ctypes.CDLL(lib_path)
    addr = ctypes.cast(lib.scaling_dbl_1, ctypes.c_void_p).value  # never called
    indices = [WARMUP_BASE + j for j in range(WARMUPS)] + list(range(k))
    protos = [prototype(i) for i in indices]
    out = [None] * len(indices)
    if contender == "ctypes_proto":
        def make(j):
            out[j] = ctypes.CFUNCTYPE(ctypes.c_double, *protos[j][0])(addr)
    elif contender == "ctabi_thunk":
        cfuncs = [ctypes.CFUNCTYPE(ctypes.c_double, *p[0])(addr) for p in protos]

        def make(j):
            out[j] = ctabi.thunk(cfuncs[j])
    elif contender == "cffi_cast":
        ffi = cffi.FFI()
        ffi.cdef(CDEF_S16)

        def make(j):
            out[j] = ffi.cast(protos[j][1], addr)
    else:
        sys.exit("py_scaling: unknown creation contender %r" % contender)
    for j in range(WARMUPS):
        make(j)
    gc.collect()
    gc.disable()
    for _ in range(2):
        rss_kib(), time.thread_time_ns(), time.perf_counter_ns()
    rss0 = rss_kib()
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    for j in range(WARMUPS, len(indices)):
        make(j)
    c1, t1 = time.thread_time_ns(), time.perf_counter_ns()
    rss1 = rss_kib()
    print(json.dumps({"cpu_ns": c1 - c0, "wall_ns": t1 - t0, "rss_kib_delta": rss1 - rss0}))


def creation_reps(k, quick):
    if quick:
        return 3 if k <= 100 else 1
    if k <= 100:
        return 5
    if k <= 1000:
        return 3
    return 1


def run_child(cmd, attempts=3):
    """A creation child's measurement. A child that dies is run again (the
    venv is shared: a concurrent `pip install .` can replace the extension
    module under a starting interpreter, which then dies of SIGBUS)."""
    for attempt in range(1, attempts + 1):
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode == 0:
            return json.loads(res.stdout.strip().splitlines()[-1])
        why = res.stderr.strip().splitlines()[-1:] or ["exit status %d" % res.returncode]
        print("py_scaling: warning: creation child %s failed (%s), attempt %d of %d"
              % (" ".join(cmd[-2:]), why[0], attempt, attempts), file=sys.stderr)
    sys.exit("py_scaling: creation child %s failed %d times" % (" ".join(cmd[-2:]), attempts))


def run_creation(lib_path, ks, quick):
    reps = {k: creation_reps(k, quick) for k in ks}
    samples = {(k, c): [] for k in ks for c in CREATION_CONTENDERS}
    for r in range(max(reps.values())):
        for k in ks:
            if r >= reps[k]:
                continue
            for j in range(len(CREATION_CONTENDERS)):
                c = CREATION_CONTENDERS[(r + j) % len(CREATION_CONTENDERS)]
                if c == "cffi_cast" and k > CFFI_MAX_K:
                    continue
                cmd = [sys.executable, os.path.abspath(__file__), "--lib", lib_path,
                       "--creation-child", c, str(k)]
                samples[(k, c)].append(run_child(cmd))
    rows = []
    for k in ks:
        for c in CREATION_CONTENDERS:
            s = samples[(k, c)]
            if not s:
                continue
            cpu = statistics.median(x["cpu_ns"] for x in s)
            rss = statistics.median(x["rss_kib_delta"] for x in s)
            rows.append({"k": k, "contender": c, "reps": len(s), "total_ms": cpu / 1e6,
                         "us_per_sig": cpu / 1e3 / k,
                         "wall_ms": statistics.median(x["wall_ns"] for x in s) / 1e6,
                         "rss_kib_delta": rss, "bytes_per_sig": rss * 1024 / k})
    return rows, reps


# ------------------------------------------------------------------ report

def print_tables(calls, creation, reps):
    if calls:
        print("py_scaling: call cost, ns per call (medians of %d; Python loop included;"
              " x = time / ctabi's)" % reps)
        print("%-8s %3s %9s %9s %9s %8s %8s" % ("family", "N", "ctypes", "ctabi", "cffi",
                                              "ctypes x", "cffi x"))
        idx = {(r["family"], r["n"], r["contender"]): r for r in calls}
        for fam in FAMILIES:
            for n in CALL_NS:
                r = [idx.get((fam, n, c)) for c in CALL_CONTENDERS]
                if None in r:
                    continue
                wrong = [x["contender"] for x in r if not x["correct"]]
                print("%-8s %3d %9.1f %9.1f %9.1f %7.1fx %7.1fx%s" % (
                    fam, n, r[0]["ns"], r[1]["ns"], r[2]["ns"], r[0]["vs_ctabi"],
                    r[2]["vs_ctabi"], ("  (wrong: %s)" % ", ".join(wrong)) if wrong else ""))
    if creation:
        print()
        print("py_scaling: creation, us per prototype (CPU), resident set growth per prototype")
        ks = sorted({r["k"] for r in creation})
        print("%-14s" % "K" + "".join("%20d" % k for k in ks))
        for c in CREATION_CONTENDERS:
            line = "%-14s" % c
            for k in ks:
                r = next((x for x in creation if x["k"] == k and x["contender"] == c), None)
                line += ("%9.2f us %6.0f B" % (r["us_per_sig"], r["bytes_per_sig"]) if r
                         else "%20s" % "-")
            print(line)


def main():
    args = parse_args()
    if not args.lib:
        sys.exit("py_scaling: --lib is required (the targets library)")
    if args.creation_child:
        creation_child(args.lib, args.creation_child[0], int(args.creation_child[1]))
        return
    t_start = time.monotonic()
    calls, empty_ns, keep = [], None, None
    if args.only != "creation":
        contenders, keep = setup_calls(args.lib)
        empty = Contender("loop", 0, "empty", None, [], True)
        calibrate(contenders + [empty], args.sample_ms)
        print("py_scaling: %d call contenders, %d repetitions of %g ms samples"
              % (len(contenders), args.reps, args.sample_ms), file=sys.stderr)
        measure(contenders + [empty], args.reps)
        calls = call_rows(contenders)
        empty_ns = statistics.median(empty.times)
    creation, creation_reps_of = [], {}
    ks = [k for k in SIG_COUNTS if k <= args.max_k]
    if args.only != "call":
        print("py_scaling: creation, K up to %d, a fresh interpreter each" % ks[-1],
              file=sys.stderr)
        creation, creation_reps_of = run_creation(args.lib, ks, args.quick)
    print_tables(calls, creation, args.reps)
    seconds = time.monotonic() - t_start
    print("py_scaling: done in %.1f s" % seconds, file=sys.stderr)
    if args.json_out:
        doc = {
            "schema": 1, "kind": "scaling_python", "tool": "py_scaling.py",
            "machine": {
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "ctabi": ctabi.__version__, "cffi": cffi.__version__,
                "cpus": os.cpu_count() or 0, "platform": platform.platform(),
                "date": datetime.datetime.now(datetime.timezone.utc).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"),
            },
            "params": {"reps": args.reps, "sample_ms": args.sample_ms, "quick": args.quick,
                       "n": list(CALL_NS), "k": ks if creation else [],
                       "creation_reps": {str(k): v for k, v in creation_reps_of.items()},
                       "seconds": round(seconds, 1)},
            "empty_loop_ns": empty_ns,
            "call_cost": calls,
            "creation": creation,
        }
        with open(args.json_out, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
    del keep


if __name__ == "__main__":
    main()
