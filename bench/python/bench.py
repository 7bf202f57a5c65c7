"""The Python benchmark of ctabi: ctabi.thunk and ctabi.callback against
ctypes, cffi's ABI mode and a hand-written METH_FASTCALL extension, all in
one process, interleaved. Run through bench/python/run, which builds the C
parts (the targets library and the baseline extension) and passes their
folder as --build-dir.

Method. Each contender is timed by a Python `for` loop of n calls
(`for _ in repeat(None, n): f(x)`, the callable and the arguments in local
variables, one freshly compiled loop per contender so no two share a call
site's specialization); nothing is subtracted, so the loop's own cost
(shown as "empty loop") is in every figure. n is calibrated per contender so
one sample takes about --sample-ms. One repetition times every contender
once (A B C D ...; the starting point rotates from one repetition to the
next); the ns figures are medians over the repetitions and every ratio is
the median of the per-repetition ratios (or differences; the two figures of a ratio always
come from the same repetition, which cancels the drift of a noisy VM).
Callbacks: a C function (run_callback) calls the function pointer m times in
a loop; the figure is the driver's time / m.
"""

import argparse
import ctypes
import ctypes.util
import gc
import itertools
import os
import platform
import statistics
import sys
import time

import cffi
import ctabi

TARGETS_LIB = "libctabi_pybench_targets.so"

# Targets (see the brief in bench/python/run).
HELD_VS_CTYPES = 6.0
REL_VS_CTYPES = 3.0
REL_VS_CFFI = 2.0
VS_EXT = 1.3
CB_VS_CTYPES = 3.0


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build-dir", required=True,
                   help="folder holding the targets library and the baseline extension")
    p.add_argument("--reps", type=int, default=61, help="repetitions (default 61)")
    p.add_argument("--sample-ms", type=float, default=10.0,
                   help="target duration of one sample, ms (default 10)")
    p.add_argument("--list", action="store_true", help="list the contenders and exit")
    p.add_argument("--spin", metavar="KEY",
                   help="only call one contender in a loop (for perf record -p PID)")
    p.add_argument("--seconds", type=float, default=10.0, help="how long --spin runs")
    p.add_argument("--json-out", metavar="FILE",
                   help="also write every contender's per-repetition times as JSON"
                        " (read by bench/report.py)")
    return p.parse_args()


def make_loop(nargs):
    """A fresh function `loop(f, a0, ..., n)` calling f(a0, ...) n times."""
    names = ", ".join("a%d" % i for i in range(nargs))
    params = "f, " + (names + ", " if nargs else "") + "n"
    src = ("def loop(%s, repeat=repeat):\n"
           "    for _ in repeat(None, n):\n"
           "        f(%s)\n") % (params, names)
    ns = {"repeat": itertools.repeat}
    exec(compile(src, "<loop>", "exec"), ns)
    return ns["loop"]


def make_empty_loop():
    ns = {"repeat": itertools.repeat}
    exec(compile("def loop(n, repeat=repeat):\n"
                 "    for _ in repeat(None, n):\n"
                 "        pass\n", "<loop>", "exec"), ns)
    return ns["loop"]


class Contender:
    """One thing timed: sample(n) returns the ns per call of n calls."""

    def __init__(self, key, sample, check=None):
        self.key = key
        self.sample = sample
        self.check = check  # () -> a result to compare among a case's contenders
        self.n = 1
        self.times = []  # ns per call, one per repetition


def call_contender(key, f, args):
    loop = make_loop(len(args))

    def sample(n):
        t0 = time.perf_counter_ns()
        loop(f, *args, n)
        return (time.perf_counter_ns() - t0) / n

    return Contender(key, sample, lambda: f(*args))


def callback_contender(key, driver, cbptr):
    def sample(n):
        t0 = time.perf_counter_ns()
        driver(cbptr, n)
        return (time.perf_counter_ns() - t0) / n

    return Contender(key, sample, lambda: driver(cbptr, 1000))


def setup(build_dir):
    """The contenders: {key: Contender} in timing order, and what keeps them alive."""
    sys.path.insert(0, build_dir)
    import _pybench_baseline as ext

    libm_name = ctypes.util.find_library("m") or "libm.so.6"
    targets_path = os.path.join(build_dir, TARGETS_LIB)
    D, I, L = ctypes.c_double, ctypes.c_int, ctypes.c_long
    CB = ctypes.CFUNCTYPE(D, I, D)

    def declare(lib, name, restype, argtypes):
        f = getattr(lib, name)
        f.restype = restype
        f.argtypes = argtypes
        return f

    sigs = {
        "cos": (D, [D]),
        "f6": (D, [I, D, I, D, L, D]),
    }
    args = {"cos": (0.5,), "f6": (1, 2.0, 3, 4.0, 5, 6.0)}
    libs = {"cos": libm_name, "f6": targets_path}

    ffi = cffi.FFI()
    ffi.cdef("double cos(double);"
             "double f6(int, double, int, double, long, double);")
    cffi_libs = {"cos": ffi.dlopen(libm_name), "f6": ffi.dlopen(targets_path)}

    contenders = []
    for case in ("cos", "f6"):
        restype, argtypes = sigs[case]
        held = declare(ctypes.PyDLL(libs[case]), case, restype, argtypes)
        rel = declare(ctypes.CDLL(libs[case]), case, restype, argtypes)
        t_held = ctabi.thunk(held)
        t_rel = ctabi.thunk(rel)
        assert t_held.release_gil is False and t_rel.release_gil is True
        a = args[case]
        contenders += [
            call_contender(case + "/ctypes_held", held, a),
            call_contender(case + "/ctabi_held", t_held, a),
            call_contender(case + "/ext_held", getattr(ext, case + "_gil"), a),
            call_contender(case + "/extvc_held", getattr(ext, case + "_gil_vc"), a),
            call_contender(case + "/ctypes_rel", rel, a),
            call_contender(case + "/ctabi_rel", t_rel, a),
            call_contender(case + "/ctabifast_held", t_held.fast, a),
            call_contender(case + "/ctabifast_rel", t_rel.fast, a),
            call_contender(case + "/cffi_rel", getattr(cffi_libs[case], case), a),
            call_contender(case + "/ext_rel", getattr(ext, case + "_nogil"), a),
        ]
        if case == "cos":
            import math
            contenders.append(call_contender("cos/math_cos", math.cos, a))

    empty = make_empty_loop()

    def empty_sample(n):
        t0 = time.perf_counter_ns()
        empty(n)
        return (time.perf_counter_ns() - t0) / n

    contenders.append(Contender("loop/empty", empty_sample))

    # Callbacks: one Python function, four ways to make a C pointer to it,
    # the same drivers (a ctypes CDLL one releasing the GIL and a PyDLL one
    # holding it) for all.
    def pycb(i, x):
        return x

    drivers = {
        "rel": declare(ctypes.CDLL(targets_path), "run_callback", D, [CB, I]),
        "held": declare(ctypes.PyDLL(targets_path), "run_callback", D, [CB, I]),
    }
    cffi_cb = ffi.callback("double(int, double)", pycb)
    pointers = {
        "ctypes": CB(pycb),
        "ctabi": ctabi.callback(CB, pycb),
        "cffi": CB(int(ffi.cast("uintptr_t", cffi_cb))),
        "ext": CB(ext.set_callback(pycb)),
    }
    for mode, driver in drivers.items():
        for name, ptr in pointers.items():
            contenders.append(callback_contender("cb_%s/%s" % (mode, name), driver, ptr))
    keep = (ffi, cffi_libs, cffi_cb, pointers, drivers)
    return {c.key: c for c in contenders}, keep


def check_results(contenders):
    """Every contender of a case computes the same value."""
    by_case = {}
    for c in contenders.values():
        if c.check is None:
            continue
        by_case.setdefault(c.key.split("/")[0], []).append((c.key, c.check()))
    for case, results in by_case.items():
        ref = results[0][1]
        for key, value in results:
            if abs(value - ref) > 1e-9 * max(1.0, abs(ref)):
                sys.exit("bench/python: %s gives %r, %s gives %r" % (key, value, results[0][0], ref))


def calibrate(contenders, sample_ms):
    for c in contenders.values():
        n = 200
        c.sample(n)  # warm up (specialization, first-call costs)
        while True:
            ns = c.sample(n) * n
            if ns >= 2e6 or n >= 1 << 24:
                break
            n *= 4
        c.n = max(200, int(n * sample_ms * 1e6 / ns))


def measure(contenders, reps):
    order = list(contenders.values())
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(reps):
            k = r % len(order)
            for c in order[k:] + order[:k]:
                c.times.append(c.sample(c.n))
    finally:
        if gc_was:
            gc.enable()


def spin(contenders, key, seconds):
    c = contenders.get(key)
    if c is None:
        sys.exit("bench/python: no contender %r (see --list)" % key)
    print("bench/python: pid %d calling %s for %.0f s" % (os.getpid(), key, seconds), flush=True)
    n = 100000
    end = time.monotonic() + seconds
    count = 0
    while time.monotonic() < end:
        c.sample(n)
        count += n
    print("bench/python: %d calls" % count)


# ---------------------------------------------------------------- report

def med(values):
    return statistics.median(values) if values else None


def report(contenders, reps, sample_ms):
    T = {k: c.times for k, c in contenders.items()}
    used = set()

    def t(key):
        used.add(key)
        return med(T[key]) if key in T else None

    def ratio(num, den):
        """Median over repetitions of num/den, both from the same repetition."""
        if num not in T or den not in T:
            return None
        used.update((num, den))
        return med([a / b for a, b in zip(T[num], T[den])])

    def fmt(v, spec="{:.1f}"):
        return "-" if v is None else spec.format(v)

    def verdict(ok):
        return "PASS" if ok else "MISS"

    print("bench/python: CPython %s, ctabi %s, cffi %s, %s, %d CPUs" % (
        platform.python_version(), ctabi.__version__, cffi.__version__, platform.machine(),
        os.cpu_count() or 0))
    print("%d repetitions, contenders interleaved, ~%g ms per sample; ns figures are medians,"
          % (reps, sample_ms))
    print("ratios medians of the per-repetition ratios. Every figure includes the Python loop"
          " (empty loop %s ns per iteration)" % fmt(t("loop/empty")))
    print()

    cases = [("cos", "cos(double) libm"), ("f6", "f6(i32,f64,i32,f64,long,f64)")]
    cols = [("ctypes_held", "ctypes"), ("ctabi_held", "ctabi"), ("ext_held", "C ext"),
            ("ctypes_rel", "ctypes"), ("ctabi_rel", "ctabi"), ("cffi_rel", "cffi"),
            ("ext_rel", "C ext")]
    w = 30
    print("call time, ns per call")
    print(f"{'':{w}} {'GIL held (PyDLL)':^23} | {'GIL released (CDLL)':^31}")
    hdr = f"{'function':{w}} " + " ".join(f"{lab:>7}" for _, lab in cols[:3]) + " | " + \
        " ".join(f"{lab:>7}" for _, lab in cols[3:])
    print(hdr)
    print("-" * len(hdr))
    for case, label in cases:
        vals = [fmt(t(case + "/" + k)) for k, _ in cols]
        print(f"{label:{w}} " + " ".join(f"{v:>7}" for v in vals[:3]) + " | " +
              " ".join(f"{v:>7}" for v in vals[3:]))
    if "cos/math_cos" in T:
        print(f"{'  info: math.cos (builtin)':{w}} {fmt(t('cos/math_cos')):>7}")
    print()

    print("ratios (x = times faster; ctabi/ext = ctabi's time over the extension's)")
    rhdr = (f"{'function':{w}} {'ctypes/ctabi held':>17} {'ctypes/ctabi rel':>16} "
            f"{'cffi/ctabi rel':>14} | {'ctabi/ext held':>14} {'ctabi/ext rel':>13} | "
            f"{'ctypes/ext held':>15} {'ctypes/ext rel':>14} {'cffi/ext':>8}")
    print(rhdr)
    print("-" * len(rhdr))
    R = {}
    for case, label in cases:
        r = R[case] = {
            "held": ratio(case + "/ctypes_held", case + "/ctabi_held"),
            "rel": ratio(case + "/ctypes_rel", case + "/ctabi_rel"),
            "cffi": ratio(case + "/cffi_rel", case + "/ctabi_rel"),
            "ext_held": ratio(case + "/ctabi_held", case + "/ext_held"),
            "ext_rel": ratio(case + "/ctabi_rel", case + "/ext_rel"),
            "fast_ext_held": ratio(case + "/ctabifast_held", case + "/ext_held"),
            "fast_ext_rel": ratio(case + "/ctabifast_rel", case + "/ext_rel"),
            "fast_held": ratio(case + "/ctypes_held", case + "/ctabifast_held"),
            "ctypes_ext_held": ratio(case + "/ctypes_held", case + "/ext_held"),
            "ctypes_ext_rel": ratio(case + "/ctypes_rel", case + "/ext_rel"),
            "cffi_ext": ratio(case + "/cffi_rel", case + "/ext_rel"),
        }
        x = "{:.2f}x"
        print(f"{label:{w}} {fmt(r['held'], x):>17} {fmt(r['rel'], x):>16} "
              f"{fmt(r['cffi'], x):>14} | {fmt(r['ext_held'], x):>14} "
              f"{fmt(r['ext_rel'], x):>13} | {fmt(r['ctypes_ext_held'], x):>15} "
              f"{fmt(r['ctypes_ext_rel'], x):>14} {fmt(r['cffi_ext'], x):>8}")
    print()

    def beyond(need, ceiling):
        # A speed-up larger than the rival's own over the hand-written
        # extension would make ctabi faster than the extension.
        if ceiling is not None and need > ceiling:
            return "  (out of reach: %.1fx would beat the C extension, which is %.2fx)" % (
                need, ceiling)
        return ""

    print("targets")
    print(f"  ctabi >= {HELD_VS_CTYPES:g}x faster than ctypes, both holding the GIL"
          " (PyDLL; ctabi.thunk release_gil False)")
    for case, label in cases:
        v = R[case]["held"]
        if v is not None:
            print(f"    {label:{w}} {v:6.2f}x  {verdict(v >= HELD_VS_CTYPES)}"
                  + beyond(HELD_VS_CTYPES, R[case]["ctypes_ext_held"]))
    print(f"  ctabi >= {REL_VS_CTYPES:g}x faster than ctypes, both releasing the GIL (CDLL)")
    for case, label in cases:
        v = R[case]["rel"]
        if v is not None:
            print(f"    {label:{w}} {v:6.2f}x  {verdict(v >= REL_VS_CTYPES)}"
                  + beyond(REL_VS_CTYPES, R[case]["ctypes_ext_rel"]))
    print(f"  ctabi >= {REL_VS_CFFI:g}x faster than cffi ABI mode (ffi.dlopen), both releasing"
          " the GIL")
    for case, label in cases:
        v = R[case]["cffi"]
        if v is not None:
            print(f"    {label:{w}} {v:6.2f}x  {verdict(v >= REL_VS_CFFI)}"
                  + beyond(REL_VS_CFFI, R[case]["cffi_ext"]))
    print(f"  ctabi within {VS_EXT:g}x of a METH_FASTCALL C extension (time ratio, like with like)")
    for case, label in cases:
        h, r = R[case]["ext_held"], R[case]["ext_rel"]
        if h is not None and r is not None:
            print(f"    {label:{w}} held {h:5.2f}x  {verdict(h <= VS_EXT)}"
                  f"   released {r:5.2f}x  {verdict(r <= VS_EXT)}")
    print("  the same through Thunk.fast (a builtin bound to the thunk; info)")
    for case, label in cases:
        h, r, c = R[case]["fast_ext_held"], R[case]["fast_ext_rel"], R[case]["fast_held"]
        if h is not None and r is not None:
            print(f"    {label:{w}} held {h:5.2f}x  {verdict(h <= VS_EXT)}"
                  f"   released {r:5.2f}x  {verdict(r <= VS_EXT)}"
                  f"   (vs ctypes held {c:5.2f}x)")
    print("  info: ctabi's extra time over the extension (GIL held), split: the call of a")
    print("  vectorcall-type object (the extension's function behind one, as Thunk is) vs a")
    print("  METH_FASTCALL builtin, and what remains (ctabi's own conversions and call)")
    for case, label in cases:
        keys = [case + "/ext_held", case + "/extvc_held", case + "/ctabi_held"]
        if any(k not in T for k in keys):
            continue
        used.update(keys)
        e, v, c = (T[k] for k in keys)
        extra = med([b - a for a, b in zip(e, c)])
        dispatch = med([b - a for a, b in zip(e, v)])
        work = med([b - a for a, b in zip(v, c)])
        print(f"    {label:{w}} extra {extra:+6.1f} ns = type dispatch {dispatch:+5.1f} ns"
              f" + ctabi's work {work:+5.1f} ns  (vectorcall-type ext {med(v):.1f} ns)")

    # Callbacks.
    cb_cols = ["ctypes", "ctabi", "cffi", "ext"]
    if any(k.startswith("cb_") for k in T):
        print()
        print("callbacks: C calls a Python function double(int, double) through a pointer, in a loop")
        print("(the driver is called through ctypes; ns per callback call)")
        chdr = (f"{'driver':{w}} {'ctypes':>7} {'ctabi':>7} {'cffi':>7} {'C ext':>7} | "
                f"{'ctypes/ctabi':>12} {'cffi/ctabi':>10} {'ctabi/ext':>9} {'ctypes/ext':>10}")
        print(chdr)
        print("-" * len(chdr))
        modes = [("rel", "CDLL (GIL released, retaken)"), ("held", "PyDLL (GIL held)")]
        CR = {}
        for mode, label in modes:
            vals = [fmt(t("cb_%s/%s" % (mode, k))) for k in cb_cols]
            cr = CR[mode] = {
                "ctypes": ratio("cb_%s/ctypes" % mode, "cb_%s/ctabi" % mode),
                "cffi": ratio("cb_%s/cffi" % mode, "cb_%s/ctabi" % mode),
                "ext": ratio("cb_%s/ctabi" % mode, "cb_%s/ext" % mode),
                "ctypes_ext": ratio("cb_%s/ctypes" % mode, "cb_%s/ext" % mode),
            }
            x = "{:.2f}x"
            print(f"{label:{w}} " + " ".join(f"{v:>7}" for v in vals) + " | " +
                  f"{fmt(cr['ctypes'], x):>12} {fmt(cr['cffi'], x):>10} {fmt(cr['ext'], x):>9} "
                  f"{fmt(cr['ctypes_ext'], x):>10}")
        print()
        print(f"  ctabi.callback >= {CB_VS_CTYPES:g}x faster than a ctypes CFUNCTYPE callback"
              " (cffi's ffi.callback: info)")
        for mode, label in modes:
            v = CR[mode]["ctypes"]
            if v is None:
                continue
            c = CR[mode]["cffi"]
            print(f"    {label:{w}} {v:6.2f}x  {verdict(v >= CB_VS_CTYPES)}"
                  f"   (vs cffi {fmt(c, '{:.2f}x')})" + beyond(CB_VS_CTYPES, CR[mode]["ctypes_ext"]))

    # Noise: the interquartile range over the median, per figure used.
    noisy = []
    for k in sorted(used):
        v = T.get(k)
        if not v or len(v) < 4:
            continue
        q = statistics.quantiles(v, n=4)
        spread = (q[2] - q[0]) / statistics.median(v)
        if spread > 0.10:
            noisy.append("%s %.0f%%" % (k, 100 * spread))
    if noisy:
        print()
        print("note: noisy figures (interquartile range > 10% of the median): " + ", ".join(noisy))


def write_json(path, contenders, args, seconds):
    """The figures behind the report, machine-readable: per contender the ns
    per call of every repetition (in repetition order, so ratios can be taken
    per repetition as report() does), their median and the calls per sample."""
    import json
    doc = {
        "tool": "bench/python/bench.py",
        "method": "median over repetitions; contenders interleaved, the start rotating;"
                  " every figure includes the Python loop",
        "unit": "ns/call",
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "ctabi": ctabi.__version__,
        "cffi": cffi.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "reps": args.reps,
        "sample_ms": args.sample_ms,
        "seconds": round(seconds, 1),
        "contenders": {
            k: {"median_ns": med(c.times), "calls_per_sample": c.n, "times_ns": c.times}
            for k, c in contenders.items()
        },
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


def main():
    args = parse_args()
    contenders, keep = setup(args.build_dir)
    if args.list:
        print("\n".join(contenders))
        return
    check_results(contenders)
    if args.spin:
        spin(contenders, args.spin, args.seconds)
        return
    t0 = time.monotonic()
    calibrate(contenders, args.sample_ms)
    measure(contenders, args.reps)
    report(contenders, args.reps, args.sample_ms)
    print()
    print("(measured in %.0f s)" % (time.monotonic() - t0))
    if args.json_out:
        write_json(args.json_out, contenders, args, time.monotonic() - t0)
    del keep


if __name__ == "__main__":
    main()
