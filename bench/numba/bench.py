"""The numba benchmark (run it with bench/numba/run).

Each contender makes the same number of calls of a cheap C function; the
contenders run interleaved, `--reps` times each, and the table shows the
best time per call and the ratio to numba's own ctypes call. Ratios, not
absolute times, are the result: the machines are shared and noisy.
"""

import argparse
import ctypes
import time

import numba
import numpy as np

import ctabi

TARGET_RATIO = 1.05  # (b) ctabi thunk within 5% of (a) numba's ctypes call


class Vec2(ctypes.Structure):
    _fields_ = [("x", ctypes.c_double), ("y", ctypes.c_double)]


def load(path):
    lib = ctypes.CDLL(path)
    cheap = lib.cheap
    cheap.argtypes, cheap.restype = [ctypes.c_double], ctypes.c_double
    dot = lib.vec2_dot
    dot.argtypes, dot.restype = [Vec2, Vec2], ctypes.c_double
    dot_ptr = lib.vec2_dot_ptr
    dot_ptr.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    dot_ptr.restype = ctypes.c_double
    cheap_ms = lib.cheap_ms
    cheap_ms.argtypes, cheap_ms.restype = [ctypes.c_double], ctypes.c_double
    return cheap, dot, dot_ptr, cheap_ms


def contenders(path, calls):
    cheap, dot, dot_ptr, cheap_ms = load(path)
    cheap_thunk = ctabi.thunk(cheap)
    dot_thunk = ctabi.thunk(dot)
    ms_thunk = ctabi.thunk(cheap_ms, abi="win64")

    def njit_loop(f):
        @numba.njit
        def loop(n):
            s = 0.0
            for i in range(n):
                s += f(i * 1e-7)
            return s
        return loop

    loop_numba_ctypes = njit_loop(cheap)
    loop_ctabi = njit_loop(cheap_thunk)
    loop_ctabi_ms = njit_loop(ms_thunk)

    dt = np.dtype([("x", "f8"), ("y", "f8")], align=True)
    vecs = np.zeros(1024, dt)
    vecs["x"] = np.linspace(0, 1, 1024)
    vecs["y"] = 2.0

    @numba.njit
    def loop_struct_ctabi(n, v):
        s = 0.0
        m = v.shape[0]
        for i in range(n):
            s += dot_thunk(v[i % m], v[(i + 1) % m])
        return s

    @numba.njit
    def loop_struct_numba_ptr(n, v):
        s = 0.0
        m = v.shape[0]
        base = v.ctypes.data
        for i in range(n):
            s += dot_ptr(base + (i % m) * 16, base + ((i + 1) % m) * 16)
        return s

    vectorized = np.vectorize(cheap, otypes=[np.float64])
    xs = np.arange(calls) * 1e-7

    def python_loop(f):
        def run(n):
            s = 0.0
            for i in range(n):
                s += f(i * 1e-7)
            return s
        return run

    # (key, description, callable taking n, group)
    return [
        ("a", "@njit loop, numba's own ctypes call", loop_numba_ctypes, "cheap"),
        ("b", "@njit loop, ctabi thunk", loop_ctabi, "cheap"),
        ("c", "np.vectorize(ctypes function)", lambda n: vectorized(xs[:n]).sum(), "cheap"),
        ("d", "Python loop over the ctypes function", python_loop(cheap), "cheap"),
        ("d'", "Python loop over the ctabi thunk", python_loop(cheap_thunk), "cheap"),
        ("e", "@njit loop, ctabi thunk of an ms_abi function", loop_ctabi_ms, "cheap"),
        ("s", "@njit loop, vec2_dot(Vec2, Vec2) by value, ctabi thunk",
         lambda n: loop_struct_ctabi(n, vecs), "struct"),
        ("s*", "@njit loop, vec2_dot_ptr(&a, &b), numba's ctypes call",
         lambda n: loop_struct_numba_ptr(n, vecs), "struct"),
    ]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True, help="the compiled targets.c")
    ap.add_argument("--calls", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json-out", metavar="FILE",
                    help="also write the figures as JSON (read by bench/report.py)")
    args = ap.parse_args()
    rows = contenders(args.lib, args.calls)
    for key, _, f, _ in rows:  # compile, and check they agree
        f(1000)
    assert rows[0][2](1000) == rows[1][2](1000) == rows[5][2](1000)
    assert rows[6][2](1000) == rows[7][2](1000)
    best = {key: float("inf") for key, *_ in rows}
    times = {key: [] for key, *_ in rows}
    for _ in range(args.reps):
        for key, _, f, _ in rows:
            t0 = time.perf_counter()
            f(args.calls)
            dt = time.perf_counter() - t0
            times[key].append(dt)
            best[key] = min(best[key], dt)
    print("numba %s, ctabi %s: %d calls per contender, best of %d" %
          (numba.__version__, ctabi.__version__, args.calls, args.reps))
    print()
    print("| | contender | ns per call | vs (a) |")
    print("|---|---|---:|---:|")
    for key, desc, _, group in rows:
        ns = best[key] / args.calls * 1e9
        base = best["a"] if group == "cheap" else best["s*"]
        print("| %s | %s | %.2f | %.2fx |" % (key, desc, ns, best[key] / base))
    print()
    print("(s) and (s*) compare with (s*): the by-value call against the pointer call a "
          "numba user writes by hand today.")
    ratio = best["b"] / best["a"]
    print("(b)/(a) = %.3f: %s (target: within 5%%)" % (ratio, "PASS" if ratio <= TARGET_RATIO
                                                      else "MISS"))
    if args.json_out:
        write_json(args.json_out, rows, best, times, args)


def write_json(path, rows, best, times, args):
    """The figures, machine-readable: per contender the best and every
    repetition's time per call (ns), its description and its group."""
    import json
    doc = {
        "tool": "bench/numba/bench.py",
        "method": "best of the repetitions; contenders interleaved",
        "unit": "ns/call",
        "numba": numba.__version__,
        "numpy": np.__version__,
        "ctabi": ctabi.__version__,
        "calls": args.calls,
        "reps": args.reps,
        "contenders": {
            key: {"description": desc, "group": group,
                  "best_ns": best[key] / args.calls * 1e9,
                  "times_ns": [t / args.calls * 1e9 for t in times[key]]}
            for key, desc, _, group in rows
        },
    }
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
