#!/usr/bin/env python3
"""bench/report.py - the benchmark report: reads the raw outputs that
bench/run leaves in DIR/raw/ and writes

    DIR/results.json   every figure, with its unit and source, the derived
                       ratios and the machine (schema below)
    DIR/results.md     the ratio tables (one per section), the details, the
                       machine, the scaling report (DIR/scaling.md, from
                       bench/scaling/run, when it ran)
    DIR/*.png          bar charts (matplotlib; left out without it)

and prints the ratio tables. Run by bench/run; by hand:

    bench/report.py [DIR]              re-make the report from DIR/raw (default
                                       bench/results)
    bench/report.py --readme [DIR]     print a README-ready block (machine,
                                       command, chart, tables) from
                                       DIR/results.json, writing nothing
    bench/report.py --fill FILE [DIR]  print FILE with {{MACHINE}}, {{TABLE}}
                                       (compact), {{TABLE_FULL}}, {{DETAILS}},
                                       {{HOW_TO_READ}}, {{DATE}}, {{COMMAND}},
                                       {{MODE}}, {{RESULTS}} (the folder)
                                       replaced from DIR/results.json

Raw inputs (each optional; a missing one leaves its section out):
    raw/ctabi_bench.json, raw/ctabi_bench_i386.json   Google Benchmark JSON
    raw/ffi_bench.txt          ffi_bench's Markdown table (system vs ctabi libffi.so.8)
    raw/ctypes_bench.json      bench/ffi/ctypes_bench.py --json-out
    raw/python.json            bench/python/bench.py --json-out
    raw/numba.json             bench/numba/bench.py --json-out
    raw/steps.tsv              bench/run's steps: status and seconds
    raw/started, raw/commit    when bench/run started, and the checkout's commit then
    scaling.md, scaling.json, scaling_python.json   bench/scaling/run --out DIR

How to read the ratios. Against a rival (libffi, ctypes, cffi, numba's
ctypes call, the system libffi): rival's time / ctabi's time, "x faster",
> 1 means ctabi is faster. Against a floor (the direct call, the
hand-written C extension): ctabi's time / the floor's, the overhead,
1.00 means none. A figure marked with a dagger varied by more than 10%
between repetitions.

results.json schema ("schema": "ctabi-bench-results/1"):
{
  "schema": "ctabi-bench-results/1",
  "generated": ISO 8601 UTC time the report was made,
  "run_started": when bench/run started (raw/started), ISO 8601 UTC,
  "mode": "full" | "quick" (few repetitions: not for publication),
  "command": the command that produced the raw outputs ("bench/run"),
  "machine": {
     "description": one line for humans,
     "cpu_model", "logical_cpus", "physical_cores", "threads_per_core",
     "cpu_mhz" (Google Benchmark's figure), "caches" (list of strings),
     "virtualization" (systemd-detect-virt, or "hypervisor flag" / null),
     "memory_gib", "kernel", "arch", "distro",
     "compilers": {"cxx", "c", "cxx_i386", "c_python"}: `--version` lines,
     "versions": {"python", "numba", "numpy", "cffi", "matplotlib", "ctabi",
                  "libffi" (system, x86-64), "libffi_i386", "google_benchmark",
                  "asmjit"},
     "commit": the checkout's commit when bench/run started (raw/commit; read
               from .git, null when unknown),
     "load_avg": [1, 5, 15 min] when the first benchmark started (Google
                 Benchmark's context) and "load_avg_at_report"
  },
  "steps": [{"step", "status" ("ok" | "failed" | "skipped"), "seconds"}],
  "sources": {source id: {"file" (relative to DIR), "tool", "method", ...}},
  "figures": {figure id: {
     "value": number, "unit": "ns/call" | "ns",
     "stat": "median" | "best", "source": a source id, "label": text,
     "spread": coefficient of variation (Google Benchmark) or interquartile
               range / median (Python) over the repetitions, or null,
     "noisy": spread > 0.10}},
  "columns": {column id: {"title", "kind": "rival" | "floor", "definition"}},
  "tables": [{"id", "title", "note", "rows": [{
     "scenario": text, "ctabi": the ctabi path (text), "ctabi_figure": figure id,
     "ctabi_ns": number, "note": text (optional),
     "detail": true when the row is left out of the README's compact tables,
     "ratios": {column id: {"value": number, "figure": the rival's or floor's
                figure id, "definition": "rival/ctabi" | "ctabi/floor",
                "method": "ratio of medians" | "median of per-repetition
                ratios" | "ratio of bests", "noisy": bool}}}]}],
  "details": [{"id", "title", "columns": [text], "rows": [[cell text]]}],
  "scaling": {"markdown": "scaling.md", "json": "scaling.json",
              "python_json": "scaling_python.json"} (the files present) or null
}
Figure ids: cxx/<case>/<path>, cxx/callback/<case>/<path> (per call),
cxx/build/<name>, i386/..., python/<case>/<contender>, numba/<key>,
ffi_bench/<system|ctabi>/<row>, ctypes_bench/<system|ctabi>/<row>.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SCHEMA = "ctabi-bench-results/1"
NOISY = 0.10
DAGGER = "\u2020"
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}

COLUMNS = {
    "ffi_call": ("vs `ffi_call`", "rival",
                 "libffi ffi_call with a prepared cif / ctabi"),
    "ffi_prep_call": ("vs prep + call", "rival",
                      "libffi ffi_prep_cif + ffi_call per call (what ctypes does) / ctabi"),
    "ffi_closure": ("vs libffi closure", "rival", "libffi closure / ctabi callback"),
    "libffi": ("vs system libffi", "rival",
               "the system libffi.so.8 / ctabi's drop-in libffi.so.8, same API, same process"),
    "ctypes": ("vs ctypes", "rival", "ctypes / ctabi (same GIL mode)"),
    "cffi": ("vs cffi", "rival", "cffi ABI mode (ffi.dlopen) / ctabi"),
    "numba": ("vs numba ctypes", "rival", "numba's own ctypes call in @njit code / ctabi"),
    "c_ext": ("over C ext", "floor",
              "ctabi / a hand-written METH_FASTCALL C extension doing the same call"),
    "direct": ("over direct", "floor", "ctabi / a direct C call of the same function"),
}
COLUMN_ORDER = ["ffi_call", "ffi_prep_call", "ffi_closure", "libffi", "ctypes", "cffi",
                "numba", "c_ext", "direct"]

CXX_CASES = [
    ("s1_i32_i32", "`i32(i32, i32)`"),
    ("s2_mixed8", "`f64(i32, f64, i64, f64 x2)` (8 args)"),
    ("s3_struct16", "`{i64, f64}({i64, f64})`"),
    ("s4_struct40", "`i64({40-byte struct})`"),
    ("s5_win64", "Win64 `f64(i32, f64, i64, f64)`"),
]
I386_CONVS = [("c", "cdecl", "FFI_SYSV"), ("s", "stdcall", "FFI_STDCALL"),
              ("f", "fastcall", "FFI_FASTCALL")]
I386_SIGS = [("1_i32", "`i32(i32, i32)`"), ("2_mixed8", "`f64(i32, f64, i64, f64 x2)`"),
             ("3_s16in", "`f64({i32, i32, f64})`"), ("4_t12out", "`{i32, i32, i32}(i32, i32)`")]
I386_CASES = [(p + k, "%s %s" % (conv, label), ffi) for p, conv, ffi in I386_CONVS
              for k, label in I386_SIGS]
I386_CASES += [("t1_i32", "thiscall `i32(ptr, i32)`", "FFI_THISCALL"),
               ("t4_t12out", "thiscall `{i32, i32, i32}(ptr, i32)`", "FFI_THISCALL"),
               ("m4_t12out", "windows cdecl `{i32, i32, i32}(i32, i32)`", "FFI_MS_CDECL")]
I386_CB = [("c1_i32", "cdecl `i32(i32, i32)`"), ("s1_i32", "stdcall `i32(i32, i32)`"),
           ("c2_mixed8", "cdecl `f64(i32, f64, i64, f64 x2)`"),
           ("s2_mixed8", "stdcall `f64(i32, f64, i64, f64 x2)`")]
CALL_PATHS = [("direct", "direct"), ("thunk", "thunk"), ("invoker", "invoker"),
              ("packed_invoker", "packed invoker"), ("ffi_call", "ffi_call"),
              ("ffi_prep_call", "ffi prep + call")]
CB_PATHS = [("direct", "direct"), ("typed", "typed callback"), ("generic", "generic callback"),
            ("ffi_closure", "libffi closure")]
BUILDS = [
    ("build/thunk_first_fresh_sig", "first make_thunk, fresh 8-arg Win64 signature"),
    ("build/thunk_first_fresh_target", "first make_thunk, known signature, fresh target"),
    ("build/invoker_first_fresh_sig", "first make_invoker, fresh 8-arg Win64 signature"),
    ("build/thunk_cached", "make_thunk, cached (same key)"),
    ("build/invoker_cached", "make_invoker, cached (same key)"),
    ("build/thunk_cached_struct40", "make_thunk, cached, 40-byte struct signature"),
    ("build/thunk_cached_text", "make_thunk(text), cached"),
    ("build/part_parse", "part: parse_signature"),
    ("build/part_classify", "part: classify"),
    ("build/part_signature_copy", "part: Signature copy"),
    ("build/part_emit_thunk", "part: emit_forward_thunk + free"),
    ("callback/create_typed", "create + destroy: make_callback<F>(lambda)"),
    ("callback/create_generic", "create + destroy: make_callback(sig, handler)"),
    ("callback/create_generic_text", "create + destroy: make_callback(text, handler)"),
    ("callback/create_ffi_closure", "create + destroy: libffi closure (cif prepared once)"),
    ("callback/create_ffi_closure_prep_cif", "create + destroy: libffi closure + ffi_prep_cif"),
]
PY_CASES = [("cos", "`cos(double)` (libm)"),
            ("f6", "`f6(int, double, int, double, long, double)`")]
PY_LABELS = {
    "ctypes_held": "ctypes, PyDLL (GIL held)", "ctabi_held": "ctabi Thunk, GIL held",
    "ctabifast_held": "ctabi Thunk.fast, GIL held", "ext_held": "C extension, GIL held",
    "extvc_held": "C extension behind a vectorcall type, GIL held",
    "ctypes_rel": "ctypes, CDLL (GIL released)", "ctabi_rel": "ctabi Thunk, GIL released",
    "ctabifast_rel": "ctabi Thunk.fast, GIL released", "cffi_rel": "cffi ABI mode (releases)",
    "ext_rel": "C extension, GIL released", "math_cos": "math.cos (builtin)",
    "empty": "empty loop", "ctypes": "ctypes CFUNCTYPE", "ctabi": "ctabi.callback",
    "cffi": "cffi ffi.callback", "ext": "C extension's own callback",
}
NUMBA_ORDER = ["a", "b", "e", "s*", "s", "c", "d", "d'"]


# ----------------------------------------------------------------- helpers

def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        warn("cannot read %s: %s" % (path, e))
        return None


def warn(msg):
    print("bench/report.py: warning: %s" % msg, file=sys.stderr)


def run(cmd):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    out = p.stdout.decode("utf-8", "replace").strip()
    return out if p.returncode == 0 and out else None


def first_line(text):
    return text.splitlines()[0].strip() if text else None


def slug(text):
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def fmt_ns(v):
    if v is None:
        return ""
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def fmt_ratio(r):
    if r is None:
        return ""
    v = r["value"]
    s = ("%.1fx" % v) if v >= 10 else ("%.2fx" % v)
    return s + (DAGGER if r.get("noisy") else "")


# ----------------------------------------------------------------- machine

def cpuinfo():
    model, logical, cores, flags = None, 0, set(), ""
    try:
        with open("/proc/cpuinfo") as f:
            phys = core = None
            for line in f:
                k, _, v = line.partition(":")
                k, v = k.strip(), v.strip()
                if k == "processor":
                    logical += 1
                elif k == "model name" and model is None:
                    model = v
                elif k == "physical id":
                    phys = v
                elif k == "core id":
                    core = v
                    cores.add((phys, core))
                elif k == "flags" and not flags:
                    flags = v
    except OSError:
        pass
    return model, logical or os.cpu_count(), len(cores) or None, flags.split()


def os_release():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return None


def mem_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError):
        pass
    return None


def dpkg_version(package):
    return run(["dpkg-query", "-W", "-f=${Version}", package])


def pkg_version(name):
    try:
        from importlib import metadata
        return metadata.version(name)
    except Exception:
        return None


def cmake_cache(build_dir, var):
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith(var + ":"):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


def compiler_short(line):
    """'c++ (Debian 12.2.0-14) 12.2.0' -> 'GCC 12.2.0'."""
    if not line:
        return None
    vers = re.findall(r"\b\d+\.\d+(?:\.\d+)?\b", re.sub(r"\(.*?\)", "", line)) or \
        re.findall(r"\b\d+\.\d+(?:\.\d+)?\b", line)
    name = "Clang" if "clang" in line.lower() else "GCC" if re.search(
        r"g\+\+|gcc|c\+\+|\bcc\b", line) else line.split()[0]
    return "%s %s" % (name, vers[-1]) if vers else line


def compiler_version(path):
    return first_line(run([path, "--version"])) if path else None


def git_commit():
    """The checkout's commit, read from .git (git itself is not run)."""
    git = os.path.join(REPO, ".git")
    try:
        if os.path.isfile(git):  # a worktree: "gitdir: PATH"
            with open(git) as f:
                git = f.read().split(":", 1)[1].strip()
        with open(os.path.join(git, "HEAD")) as f:
            head = f.read().strip()
        if not head.startswith("ref:"):
            return head
        ref = head.split(None, 1)[1]
        path = os.path.join(git, ref)
        if os.path.isfile(path):
            with open(path) as f:
                return f.read().strip()
        with open(os.path.join(git, "packed-refs")) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[1] == ref:
                    return parts[0]
    except (OSError, IndexError):
        pass
    return None


def machine(args, gb_context, pyjson, numbajson):
    model, logical, cores, flags = cpuinfo()
    virt = [v for v in (run(["systemd-detect-virt", "--container"]),
                        run(["systemd-detect-virt", "--vm"])) if v and v != "none"]
    if "hypervisor" in flags and len(virt) < 2:
        virt.append("hypervisor")
    virt = ", ".join(dict.fromkeys(virt)) or None
    caches = []
    for c in (gb_context or {}).get("caches", []):
        size = c.get("size", 0)
        size = "%d MiB" % (size >> 20) if size >= 1 << 20 else "%d KiB" % (size >> 10)
        caches.append("L%d %s %s" % (c.get("level", 0), c.get("type", ""), size))
    cxx = cmake_cache(args.build_dir, "CMAKE_CXX_COMPILER") if args.build_dir else None
    cc = cmake_cache(args.build_dir, "CMAKE_C_COMPILER") if args.build_dir else None
    cxx386 = cmake_cache(args.build_dir_i386, "CMAKE_CXX_COMPILER") if args.build_dir_i386 else None
    py = pyjson or {}
    nb = numbajson or {}
    asmjit = None
    try:
        with open(os.path.join(REPO, ".deps", "asmjit", "ctabi-asmjit-version")) as f:
            asmjit = f.read().strip()
    except OSError:
        pass
    try:
        import matplotlib
        mpl = matplotlib.__version__
    except Exception:
        mpl = None
    m = {
        "cpu_model": model,
        "logical_cpus": logical,
        "physical_cores": cores,
        "threads_per_core": (logical // cores) if cores and logical else None,
        "cpu_mhz": (gb_context or {}).get("mhz_per_cpu"),
        "caches": caches,
        "virtualization": virt,
        "memory_gib": mem_gib(),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "distro": os_release(),
        "compilers": {
            "cxx": compiler_version(cxx or shutil.which("c++")),
            "c": compiler_version(cc or shutil.which("cc")),
            "cxx_i386": (compiler_version(cxx386) + " -m32") if compiler_version(cxx386) else None,
            "c_python": compiler_version(os.environ.get("CC") or shutil.which("cc")),
        },
        "versions": {
            "python": py.get("python") or platform.python_version(),
            "numba": nb.get("numba") or pkg_version("numba"),
            "numpy": nb.get("numpy") or pkg_version("numpy"),
            "cffi": py.get("cffi") or pkg_version("cffi"),
            "matplotlib": mpl,
            "ctabi": py.get("ctabi") or nb.get("ctabi") or pkg_version("ctabi"),
            "libffi": dpkg_version("libffi8:amd64") or dpkg_version("libffi8")
            or run(["pkg-config", "--modversion", "libffi"]),
            "libffi_i386": dpkg_version("libffi8:i386"),
            "google_benchmark": dpkg_version("libbenchmark-dev:amd64")
            or dpkg_version("libbenchmark-dev") or run(["pkg-config", "--modversion", "benchmark"]),
            "asmjit": asmjit,
        },
        "commit": args.commit or git_commit(),
        "load_avg": (gb_context or {}).get("load_avg"),
        "load_avg_at_report": [round(x, 2) for x in os.getloadavg()],
    }
    m["description"] = describe(m)
    return m


def describe(m):
    cpu = m["cpu_model"] or "unknown CPU"
    cpu = re.sub(r"\((R|TM)\)", "", cpu).replace("  ", " ")
    n = m["logical_cpus"]
    parts = ["%s, %s logical CPUs" % (cpu, n)]
    if m["physical_cores"] and m["threads_per_core"] and m["threads_per_core"] > 1:
        parts[0] += " (%d cores)" % m["physical_cores"]
    if m["cpu_mhz"]:
        parts[0] += " at %s MHz" % m["cpu_mhz"]
    if m["virtualization"]:
        parts.append("virtualized (%s)" % m["virtualization"])
    if m["memory_gib"]:
        parts.append("%g GiB" % m["memory_gib"])
    parts.append("%s, Linux %s" % (m["distro"] or "unknown distribution", m["kernel"]))
    cxx = compiler_short(m["compilers"]["cxx"])
    if cxx:
        parts.append(cxx)
    v = m["versions"]
    libs = []
    for key, name in (("python", "CPython"), ("numba", "numba"), ("cffi", "cffi"),
                      ("libffi", "libffi"), ("google_benchmark", "Google Benchmark")):
        if v.get(key):
            libs.append("%s %s" % (name, v[key]))
    parts.append(", ".join(libs))
    return "; ".join(p for p in parts if p)


# ----------------------------------------------------------------- readers

def gb_figures(path, prefix, source, figures):
    """Medians (and cv) of a Google Benchmark JSON, into figures; returns its context."""
    data = read_json(path)
    if data is None:
        return None
    ctx = data.get("context", {})
    per_iter = int(ctx.get("callback_calls_per_iteration", "1") or 1)
    median, cv, samples = {}, {}, {}
    for b in data.get("benchmarks", []):
        name = b.get("run_name", b.get("name", "")).split("/iterations:")[0]
        ns = b["real_time"] * UNIT_NS.get(b.get("time_unit", "ns"), 1.0)
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                median[name] = ns
            elif b.get("aggregate_name") == "cv":
                cv[name] = b["real_time"]
        elif b.get("run_type", "iteration") == "iteration" and not b.get("error_occurred"):
            samples.setdefault(name, []).append(ns)
    for name, v in samples.items():  # one repetition: no aggregates
        if name not in median:
            median[name] = statistics.median(v)
    for name, v in median.items():
        is_cb_call = name.startswith("callback/") and not name.startswith("callback/create")
        value = v / per_iter if is_cb_call else v
        spread = cv.get(name)
        figures["%s/%s" % (prefix, name)] = {
            "value": value, "unit": "ns/call" if not name.startswith(("build/", "callback/create"))
            else "ns", "stat": "median", "source": source, "label": name,
            "spread": spread, "noisy": bool(spread is not None and spread > NOISY)}
    ctx = {k: v for k, v in ctx.items()}
    ctx["_reps"] = max((b.get("repetitions", 1) for b in data.get("benchmarks", [])), default=1)
    return ctx


def ffi_bench_figures(path, figures):
    """ffi_bench's Markdown table: | what | system ns | ctabi ns | speed-up |."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0] or cells[0].startswith("-"):
            continue
        try:
            sys_ns, ctabi_ns = float(cells[1]), float(cells[2])
        except ValueError:
            continue
        key = slug(cells[0])
        for side, v in (("system", sys_ns), ("ctabi", ctabi_ns)):
            figures["ffi_bench/%s/%s" % (side, key)] = {
                "value": v, "unit": "ns/call", "stat": "best", "source": "ffi_bench",
                "label": "%s (%s libffi.so.8)" % (cells[0], side), "spread": None,
                "noisy": False}
        rows.append((key, cells[0]))
    m = re.search(r"(\d+) calls per round, best of (\d+) rounds", text)
    info = {"calls": int(m.group(1)), "rounds": int(m.group(2))} if m else {}
    return rows, info


def ctypes_bench_figures(doc, figures):
    rows = []
    ns = doc.get("ns_per_call", {})
    for name in ns.get("system", {}):
        if name not in ns.get("ffi-dir", {}):
            continue
        key = slug(name)
        for side, src in (("system", "system"), ("ctabi", "ffi-dir")):
            figures["ctypes_bench/%s/%s" % (side, key)] = {
                "value": ns[src][name], "unit": "ns/call", "stat": "best",
                "source": "ctypes_bench",
                "label": "ctypes %s (%s libffi.so.8)" % (name, side), "spread": None,
                "noisy": False}
        rows.append((key, name))
    return rows


def iqr_spread(v):
    if len(v) < 4:
        return None
    q = statistics.quantiles(v, n=4)
    m = statistics.median(v)
    return (q[2] - q[0]) / m if m else None


def python_figures(doc, figures):
    for key, c in doc.get("contenders", {}).items():
        spread = iqr_spread(c.get("times_ns", []))
        case, _, who = key.partition("/")
        figures["python/" + key] = {
            "value": c["median_ns"], "unit": "ns/call", "stat": "median", "source": "python",
            "label": key, "spread": spread,
            "noisy": bool(spread is not None and spread > NOISY)}


def numba_figures(doc, figures):
    for key, c in doc.get("contenders", {}).items():
        figures["numba/" + key] = {
            "value": c["best_ns"], "unit": "ns/call", "stat": "best", "source": "numba",
            "label": "(%s) %s" % (key, c["description"]), "spread": None, "noisy": False}


# ----------------------------------------------------------------- tables

class Tables:
    def __init__(self, figures):
        self.figures = figures
        self.tables = []
        self.py_times = {}

    def table(self, tid, title, note=""):
        t = {"id": tid, "title": title, "note": note, "rows": []}
        self.tables.append(t)
        return t

    def fig(self, fid):
        f = self.figures.get(fid)
        return f["value"] if f else None

    def row(self, table, scenario, ctabi_path, ctabi_fid, ratios, note=None):
        """ratios: {column: (figure id, method)}; a ratio whose figures are missing is left out."""
        c = self.fig(ctabi_fid)
        if c is None:
            return None
        r = {"scenario": scenario, "ctabi": ctabi_path, "ctabi_figure": ctabi_fid,
             "ctabi_ns": c, "ratios": {}}
        if note:
            r["note"] = note
        for col, spec in ratios.items():
            fid, method = spec
            v = self.fig(fid)
            if v is None or v <= 0 or c <= 0:
                continue
            kind = COLUMNS[col][1]
            noisy = self.figures[fid]["noisy"] or self.figures[ctabi_fid]["noisy"]
            if method == "paired":
                value = self.paired(fid, ctabi_fid, kind)
                method = "median of per-repetition ratios"
                if value is None:
                    continue
            else:
                value = (v / c) if kind == "rival" else (c / v)
            r["ratios"][col] = {"value": value, "figure": fid,
                                "definition": "rival/ctabi" if kind == "rival" else "ctabi/floor",
                                "method": method, "noisy": noisy}
        table["rows"].append(r)
        return r

    def paired(self, fid, ctabi_fid, kind):
        a = self.py_times.get(fid)
        b = self.py_times.get(ctabi_fid)
        if not a or not b or len(a) != len(b):
            return None
        if kind == "rival":
            return statistics.median([x / y for x, y in zip(a, b)])
        return statistics.median([y / x for x, y in zip(a, b)])


def build_tables(figures, ctx, ctx386, ffi_rows, ctypes_rows, pydoc, numbadoc):
    T = Tables(figures)
    RM = "ratio of medians"
    details = []

    if ctx is not None:
        t = T.table("cxx_calls", "C++ calls, x86-64 (ctabi_bench)",
                    "invoker: ctabi's replacement for ffi_call (arguments through an array of "
                    "pointers, as ffi_call takes them); thunk: a native C function pointer "
                    "forwarding to the target (\"= target\" when the target already has the "
                    "host convention and a canonical signature: no code at all)")
        for key, label in CXX_CASES:
            p = "cxx/%s/" % key
            T.row(t, label, "invoker", p + "invoker",
                  {"ffi_call": (p + "ffi_call", RM), "ffi_prep_call": (p + "ffi_prep_call", RM),
                   "direct": (p + "direct", RM)})
            ident = ctx.get("thunk_identity:" + key) == "yes"
            T.row(t, label, "thunk (= target)" if ident else "thunk", p + "thunk",
                  {"direct": (p + "direct", RM)})
        t = T.table("cxx_callbacks", "C++ callbacks, x86-64 (ctabi_bench)",
                    "C code in a shared library calls the function pointer in a loop; ns per "
                    "call. typed: make_callback<F>(lambda); generic: a handler reading an "
                    "argument buffer, as a libffi closure's does")
        for key, label in CXX_CASES:
            p = "cxx/callback/%s/" % key
            for path, name in (("typed", "typed callback"), ("generic", "generic callback")):
                r = T.row(t, label, name, p + path,
                          {"ffi_closure": (p + "ffi_closure", RM), "direct": (p + "direct", RM)})
                if r and path == "generic":
                    r["detail"] = True
        details.append(path_table("cxx_calls_all", "C++ calls, x86-64: every path, ns per call",
                                  figures, "cxx", CXX_CASES, CALL_PATHS))
        details.append(path_table("cxx_callbacks_all",
                                  "C++ callbacks, x86-64: every path, ns per call",
                                  figures, "cxx/callback", CXX_CASES, CB_PATHS))
        rows = []
        for name, label in BUILDS:
            f = figures.get("cxx/" + name)
            if f:
                v = f["value"]
                rows.append([label, ("%.2f us" % (v / 1e3)) if v >= 1000 else ("%.1f ns" % v)])
        if rows:
            details.append({"id": "cxx_build", "title": "Building and looking up (x86-64)",
                            "columns": ["what", "time"], "rows": rows})

    if ctx386 is not None:
        t = T.table("i386_calls", "C++ calls, i386 (the i386 build's ctabi_bench)",
                    "against libffi's i386 ffi_call with the matching ABI (FFI_SYSV, "
                    "FFI_STDCALL, FFI_FASTCALL, FFI_THISCALL, FFI_MS_CDECL); the `f64(... x2)` "
                    "and struct-argument rows are dominated by the target's own x87 "
                    "arithmetic")
        for key, label, abi in I386_CASES:
            p = "i386/%s/" % key
            x87 = key.endswith(("mixed8", "s16in"))
            r = T.row(t, label, "invoker", p + "invoker",
                      {"ffi_call": (p + "ffi_call", RM), "direct": (p + "direct", RM)},
                      note="libffi " + abi)
            if r and x87:
                r["detail"] = True
            ident = ctx386.get("thunk_identity:" + key) == "yes"
            r = T.row(t, label, "thunk (= target)" if ident else "thunk", p + "thunk",
                      {"direct": (p + "direct", RM)})
            if r:
                r["detail"] = True
        t = T.table("i386_callbacks", "C++ callbacks, i386", "called from C; ns per call")
        for key, label in I386_CB:
            p = "i386/callback/%s/" % key
            for path, name in (("typed", "typed callback"), ("generic", "generic callback")):
                r = T.row(t, label, name, p + path,
                          {"ffi_closure": (p + "ffi_closure", RM), "direct": (p + "direct", RM)})
                if r and path == "generic":
                    r["detail"] = True
        cases = [(k, "%s (%s)" % (l, abi)) for k, l, abi in I386_CASES]
        details.append(path_table("i386_calls_all", "C++ calls, i386: every path, ns per call",
                                  figures, "i386", cases, CALL_PATHS[:5]))
        details.append(path_table("i386_callbacks_all", "C++ callbacks, i386: ns per call",
                                  figures, "i386/callback", I386_CB, CB_PATHS))

    if pydoc is not None:
        for key, c in pydoc.get("contenders", {}).items():
            T.py_times["python/" + key] = c.get("times_ns", [])
        P = "paired"
        t = T.table("python_calls", "Python calls (bench/python)",
                    "ns per call from a Python loop (the loop's own cost, the \"empty loop\" "
                    "detail, is in every figure); ratios are medians of per-repetition "
                    "ratios. GIL held: ctypes.PyDLL functions and ctabi.thunk of them; "
                    "released: CDLL (cffi always releases it); the C extension floor is a "
                    "hand-written METH_FASTCALL function making the same call")
        for case, label in PY_CASES:
            p = "python/%s/" % case
            for mode, mlabel in (("held", "GIL held"), ("rel", "GIL released")):
                for who, wlabel in (("ctabi", "Thunk"), ("ctabifast", "Thunk.fast")):
                    ratios = {"ctypes": (p + "ctypes_" + mode, P),
                              "c_ext": (p + "ext_" + mode, P)}
                    if mode == "rel":
                        ratios["cffi"] = (p + "cffi_rel", P)
                    T.row(t, "%s, %s" % (label, mlabel), "ctabi %s" % wlabel,
                          p + "%s_%s" % (who, mode), ratios)
        t = T.table("python_callbacks", "Python callbacks (bench/python)",
                    "a C loop calls a Python function `double(int, double)` through a pointer; "
                    "the driver is called through ctypes, CDLL (the callback retakes the GIL) "
                    "or PyDLL (holds it)")
        for mode, mlabel in (("rel", "GIL retaken"), ("held", "GIL held")):
            p = "python/cb_%s/" % mode
            T.row(t, "callback called from C, %s" % mlabel, "ctabi.callback", p + "ctabi",
                  {"ctypes": (p + "ctypes", P), "cffi": (p + "cffi", P), "c_ext": (p + "ext", P)})
        rows = []
        for key in pydoc.get("contenders", {}):
            f = figures["python/" + key]
            case, _, who = key.partition("/")
            case_label = dict(PY_CASES).get(case) or {
                "cb_rel": "callback, GIL retaken", "cb_held": "callback, GIL held",
                "loop": "(reference)"}.get(case, case)
            rows.append([case_label, PY_LABELS.get(who, who), fmt_ns(f["value"]),
                         "" if f["spread"] is None else "%.0f%%" % (100 * f["spread"])])
        details.append({"id": "python_all", "title": "Python: every contender, ns per call "
                        "(median; spread = interquartile range / median)",
                        "columns": ["case", "contender", "ns", "spread"], "rows": rows})

    if numbadoc is not None:
        t = T.table("numba", "numba (bench/numba)",
                    "%s calls of a cheap C function (`x * 1.5 + 1.0`) per contender, best of %s"
                    % (format(numbadoc.get("calls", 0), ","), numbadoc.get("reps")))
        T.row(t, "`@njit` loop calling `cheap(double)`", "ctabi thunk", "numba/b",
              {"numba": ("numba/a", "ratio of bests")})
        T.row(t, "`@njit` loop, the same function built `ms_abi`", "ctabi thunk (Win64)",
              "numba/e", {"numba": ("numba/a", "ratio of bests")},
              note="numba cannot call ms_abi: its rival is numba's call of the System V twin")
        T.row(t, "`@njit` loop, `vec2_dot(Vec2, Vec2)` by value", "ctabi thunk", "numba/s",
              {"numba": ("numba/s*", "ratio of bests")},
              note="numba cannot pass structs by value: its rival is numba calling the "
                   "pointer-taking twin `vec2_dot_ptr(&a, &b)`")
        T.row(t, "Python loop calling `cheap(double)`", "ctabi thunk", "numba/d'",
              {"ctypes": ("numba/d", "ratio of bests")})
        rows = []
        for key in NUMBA_ORDER + [k for k in numbadoc.get("contenders", {}) if k not in NUMBA_ORDER]:
            c = numbadoc.get("contenders", {}).get(key)
            if c:
                rows.append(["(%s)" % key, c["description"], fmt_ns(c["best_ns"])])
        details.append({"id": "numba_all", "title": "numba: every contender, ns per call (best)",
                        "columns": ["", "contender", "ns"], "rows": rows})

    if ffi_rows or ctypes_rows:
        t = T.table("ffi_dropin", "The drop-in libffi.so.8 (ffi_bench, bench/ffi/ctypes_bench.py)",
                    "ctabi's libffi.so.8 against the system libffi: the libffi API in one "
                    "process (ffi_bench), and CPython's ctypes running on each "
                    "(ctypes_bench: fresh processes, LD_LIBRARY_PATH); best of the rounds")
        for key, label in ffi_rows or []:
            if key.startswith("ffi_call_prepared_cif"):
                what, path = label.split(": ", 1)[-1], "ffi_call, prepared cif"
            elif key.startswith("ffi_prep_cif_ffi_call"):
                what, path = label.split(": ", 1)[-1], "ffi_prep_cif + ffi_call"
            elif key.startswith("closure"):
                what = label.replace("closure ", "").replace(" called from C", "")
                path = "closure called from C"
            else:
                what, path = label, "libffi API"
            r = T.row(t, "`%s`" % what, "libffi API: " + path, "ffi_bench/ctabi/" + key,
                      {"libffi": ("ffi_bench/system/" + key, "ratio of bests")})
            if r and path == "ffi_prep_cif + ffi_call":
                r["detail"] = True
        for key, label in ctypes_rows or []:
            if key.startswith("empty_loop"):
                continue
            r = T.row(t, "`%s`" % label, "ctypes on the drop-in", "ctypes_bench/ctabi/" + key,
                      {"libffi": ("ctypes_bench/system/" + key, "ratio of bests")})
            if r and not re.match(r"(abs|cos|div|qsort|cabs)_", key):
                r["detail"] = True
    order = ["cxx_calls", "cxx_callbacks", "python_calls", "python_callbacks", "numba",
             "i386_calls", "i386_callbacks", "ffi_dropin"]
    T.tables.sort(key=lambda t: order.index(t["id"]) if t["id"] in order else len(order))
    for t in T.tables:
        t["rows"] = [r for r in t["rows"] if r]
    return [t for t in T.tables if t["rows"]], details


def path_table(tid, title, figures, prefix, cases, paths):
    rows = []
    for key, label in cases:
        vals = [figures.get("%s/%s/%s" % (prefix, key, p)) for p, _ in paths]
        if all(v is None for v in vals):
            continue
        rows.append([label] + [("" if v is None else fmt_ns(v["value"])
                                + (DAGGER if v["noisy"] else "")) for v in vals])
    return {"id": tid, "title": title, "columns": ["signature"] + [n for _, n in paths],
            "rows": rows}


# ----------------------------------------------------------------- markdown

def md_table(header, rows, align=None):
    align = align or ["---"] * len(header)
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


TABLE_CHARTS = {"cxx_calls": "calls_cxx.png", "cxx_callbacks": "callbacks.png",
                "python_callbacks": "python.png", "numba": "numba.png",
                "i386_calls": "calls_i386.png", "ffi_dropin": "ffi_dropin.png"}


def md_ratio_tables(doc, level="###", compact=False, charts_dir=None):
    """The ratio tables; compact: without the rows marked "detail" (for the
    README); charts_dir: each table followed by its chart, when drawn."""
    parts = []
    for t in doc["tables"]:
        trows = [r for r in t["rows"] if not (compact and r.get("detail"))]
        if not trows:
            continue
        cols = [c for c in COLUMN_ORDER if any(c in r["ratios"] for r in trows)]
        notes = any(r.get("note") for r in trows)
        header = ["scenario", "ctabi path", "ctabi ns"] + [COLUMNS[c][0] for c in cols]
        align = ["---", "---", "---:"] + ["---:"] * len(cols)
        if notes:
            header.append("note")
            align.append("---")
        rows = []
        for r in trows:
            row = [r["scenario"], r["ctabi"], fmt_ns(r["ctabi_ns"])
                   + (DAGGER if doc["figures"][r["ctabi_figure"]]["noisy"] else "")]
            row += [fmt_ratio(r["ratios"].get(c)) for c in cols]
            if notes:
                row.append(r.get("note", ""))
            rows.append(row)
        parts.append("%s %s\n\n%s%s" % (level, t["title"], (t["note"] + "\n\n") if t["note"]
                                         else "", md_table(header, rows, align)))
        chart = TABLE_CHARTS.get(t["id"])
        if charts_dir and chart and os.path.exists(os.path.join(charts_dir, chart)):
            parts.append("![%s](%s)" % (dict(CHARTS)[chart], chart))
    return "\n\n".join(parts)


HOW_TO_READ = (
    "How to read the tables: **vs _rival_** = the rival's time / ctabi's, how many times "
    "faster ctabi is (> 1: ctabi faster); **over _floor_** = ctabi's time / the floor's "
    "(the direct C call, the hand-written C extension), ctabi's overhead (1.00: none). "
    "All figures come from one run, each section's contenders interleaved in one process "
    "(ctypes on the two libffis: alternating processes); medians of repetitions unless "
    "the section says best-of. %s marks a ratio resting on a figure that varied by more "
    "than 10%% between repetitions." % DAGGER)


def md_machine(doc):
    m = doc["machine"]
    lines = ["- machine: " + m["description"]]
    c = m["compilers"]
    if c.get("cxx"):
        lines.append("- compilers: %s (C++ benchmarks, Release)%s" % (
            c["cxx"], "; i386: the same with -m32" if c.get("cxx_i386") else ""))
    v = m["versions"]
    extra = ", ".join("%s %s" % (k, v[k]) for k in ("ctabi", "numpy", "matplotlib",
                                                   "libffi_i386", "asmjit") if v.get(k))
    if extra:
        lines.append("- also: " + extra)
    la = m.get("load_avg")
    if la:
        lines.append("- load average when ctabi_bench started: %s" % ", ".join("%.2f" % x for x in la))
    bad = [st["step"] for st in doc.get("steps", []) if st["status"] == "failed"]
    if bad:
        lines.append("- **failed**: %s (their figures are missing)" % ", ".join(bad))
    when = doc.get("run_started") or doc["generated"]
    lines.append("- run: `%s` (%s mode), started %s%s" % (
        doc["command"], doc["mode"], when[:16].replace("T", " ") + " UTC",
        (", commit " + m["commit"][:12]) if m.get("commit") else ""))
    return "\n".join(lines)


def md_details(doc, level="###"):
    parts = []
    for d in doc["details"]:
        if not d["rows"]:
            continue
        align = ["---"] + ["---:" if i else "---" for i in range(1, len(d["columns"]))]
        parts.append("%s %s\n\n%s" % (level, d["title"], md_table(d["columns"], d["rows"], align)))
    return "\n\n".join(parts)


def shift_headings(text, by=1):
    out, fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
        m = re.match(r"(#{1,6}) ", line)
        if not fence and m:
            line = "#" * max(1, min(6, len(m.group(1)) + by)) + line[len(m.group(1)):]
        out.append(line)
    return "\n".join(out)


def md_full(doc, out_dir):
    s = ["# ctabi benchmark report", ""]
    if doc["mode"] == "quick":
        s += ["**Quick run** (few repetitions, for checking the pipeline): not figures to "
              "publish. `bench/run` makes the real report.", ""]
    s += [md_machine(doc), "", HOW_TO_READ, ""]
    s += ["## Ratios against each rival", "", md_ratio_tables(doc, charts_dir=out_dir), ""]
    det = md_details(doc)
    if det:
        s += ["## Details", "", det, ""]
    sc = doc.get("scaling") or {}
    if sc.get("markdown"):
        try:
            with open(os.path.join(out_dir, sc["markdown"])) as f:
                text = f.read().strip()
            levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,6}) ", text, re.M)]
            if text.startswith("#"):  # its own title: made a section of this report
                s += [shift_headings(text, 2 - min(levels)), ""]
            else:
                s += ["## Scaling (bench/scaling)", "",
                      shift_headings(text, 3 - min(levels)) if levels else text, ""]
            pngs = sorted(n for n in os.listdir(out_dir)
                          if n.startswith("scaling") and n.endswith(".png") and n not in text)
            if pngs:
                s += [" ".join("![%s](%s)" % (n[:-4].replace("_", " "), n) for n in pngs), ""]
        except OSError:
            pass
    steps = [st for st in doc.get("steps", []) if st["step"] != "total"]
    if steps:
        s += ["## The run", "", md_table(
            ["step", "status", "seconds"],
            [[st["step"], st["status"], st["seconds"]] for st in doc["steps"]],
            ["---", "---", "---:"]), ""]
    s += ["Raw outputs: `raw/` (not committed); machine-readable figures: `results.json`. "
          "Re-make this report: `bench/report.py %s`." % os.path.relpath(out_dir, REPO)
          if out_dir.startswith(REPO) else "", ""]
    return "\n".join(s)


def readme_block(doc, out_dir):
    rel = os.path.relpath(out_dir, REPO) if out_dir.startswith(REPO) else out_dir
    s = ["<!-- made by bench/report.py --readme from %s/results.json -->" % rel, ""]
    s += [md_machine(doc), ""]
    if os.path.exists(os.path.join(out_dir, "calls_cxx.png")):
        s += ["![C++ calls: ctabi against libffi](%s/calls_cxx.png)" % rel, ""]
    s += [HOW_TO_READ, "", md_ratio_tables(doc, "####", compact=True), "",
          "Every row, the charts and the details: [%s/results.md](%s/results.md)." % (rel, rel), ""]
    return "\n".join(s)


# ----------------------------------------------------------------- charts

CHARTS = [("calls_cxx.png", "C++ calls, x86-64"), ("callbacks.png", "callbacks"),
          ("calls_i386.png", "C++ calls, i386"), ("python.png", "Python"),
          ("numba.png", "numba"), ("ffi_dropin.png", "drop-in libffi.so.8")]


def charts(doc, out_dir):
    for name, _ in CHARTS:  # never leave a chart of an earlier run
        p = os.path.join(out_dir, name)
        if os.path.exists(p):
            os.remove(p)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:
        warn("no matplotlib (%s): no charts" % e)
        return []
    F = doc["figures"]
    foot = "%s\n%s (%s mode), %s" % (doc["machine"]["description"], doc["command"], doc["mode"],
                                       (doc.get("run_started") or doc["generated"])[:10])
    if doc["mode"] == "quick":
        foot = "QUICK RUN (few repetitions): not for publication. " + foot
    made = []

    def val(fid):
        f = F.get(fid)
        return f["value"] if f else None

    def grouped(ax, groups, series, title, log=None):
        """groups: [(label, [value per series])]; series: [(name, color)]."""
        import numpy as np
        n = len(series)
        width = 0.8 / n
        x = np.arange(len(groups))
        allv = [v for _, vs in groups for v in vs if v]
        if log is None:
            log = bool(allv) and max(allv) / max(min(allv), 1e-9) > 40
        for i, (name, color) in enumerate(series):
            vs = [vs[i] for _, vs in groups]
            pos = [xx + (i - (n - 1) / 2) * width for xx in x]
            bars = ax.bar([p for p, v in zip(pos, vs) if v], [v for v in vs if v], width * 0.92,
                          label=name, color=color)
            for b in bars:
                h = b.get_height()
                ax.annotate(fmt_ns(h), (b.get_x() + b.get_width() / 2, h), ha="center",
                            va="bottom", fontsize=6, rotation=90 if n > 4 else 0,
                            xytext=(0, 2), textcoords="offset points")
        ax.set_xticks(x)
        ax.set_xticklabels([g for g, _ in groups], fontsize=8)
        ax.set_ylabel("ns per call (lower is better)" + (", log scale" if log else ""))
        if log:
            ax.set_yscale("log")
        top = max(allv) if allv else 1
        ax.set_ylim(top=top * (3.0 if log else 1.25))
        ax.set_title(title, fontsize=11)
        ax.legend(fontsize=7, ncol=min(n, 6), loc="upper left")
        ax.grid(axis="y", alpha=0.3)

    def save(fig, name):
        import textwrap
        width = int(fig.get_figwidth() * 20)  # characters of 6-point text per line
        text = "\n".join(textwrap.fill(p, width) for p in foot.split("\n"))
        fig.text(0.01, 0.005, text, fontsize=6, color="#555555", va="bottom")
        fig.tight_layout(rect=(0, 0.02 + 0.018 * text.count("\n"), 1, 1))
        path = os.path.join(out_dir, name)
        fig.savefig(path, dpi=110)
        plt.close(fig)
        try:  # a 128-colour palette: a third of the size, the same look (the PNGs are committed)
            from PIL import Image
            with Image.open(path) as im:
                q = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
            q.save(path, optimize=True)
        except Exception:
            pass
        made.append(name)

    def plain(label):
        return label.replace("`", "")

    def i386_short(key):
        conv = {"c": "cdecl", "s": "stdcall", "f": "fastcall", "t": "thiscall",
                "m": "windows\ncdecl"}[key[0]]
        sig = {"1_i32": "i32(i32, i32)", "2_mixed8": "f64(8 mixed)",
               "3_s16in": "f64({i32,\ni32, f64})", "4_t12out": "{i32, i32, i32}\n(i32, i32)"}[key[1:]]
        if key[0] == "t":
            sig = sig.replace("(i32, i32)", "(ptr, i32)")
        return conv + "\n" + sig

    colors = {"direct": "#444444", "thunk": "#1f77b4", "invoker": "#2ca02c",
              "packed_invoker": "#98df8a", "ffi_call": "#d62728", "ffi_prep_call": "#ff9896",
              "typed": "#1f77b4", "generic": "#2ca02c", "ffi_closure": "#d62728"}
    short = {"s1_i32_i32": "i32(i32, i32)", "s2_mixed8": "f64(8 mixed\nint/double)",
             "s3_struct16": "{i64, f64}\n({i64, f64})", "s4_struct40": "i64(40-byte\nstruct)",
             "s5_win64": "Win64 f64\n(i32,f64,i64,f64)"}

    # C++ calls, x86-64
    groups = [(short[k], [val("cxx/%s/%s" % (k, p)) for p, _ in CALL_PATHS]) for k, _ in CXX_CASES]
    if any(v for _, vs in groups for v in vs):
        fig, ax = plt.subplots(figsize=(11, 5.2))
        grouped(ax, groups, [(n, colors[p]) for p, n in CALL_PATHS],
                "C++ calls on x86-64: ctabi (thunk, invoker) against libffi and a direct call",
                log=False)
        save(fig, "calls_cxx.png")

    # callbacks: x86-64 and i386 panels
    g64 = [(short[k], [val("cxx/callback/%s/%s" % (k, p)) for p, _ in CB_PATHS])
           for k, _ in CXX_CASES]
    g32 = [(i386_short(k), [val("i386/callback/%s/%s" % (k, p)) for p, _ in CB_PATHS])
           for k, _ in I386_CB]
    g64 = [g for g in g64 if any(g[1])]
    g32 = [g for g in g32 if any(g[1])]
    if g64 or g32:
        panels = [(g, t) for g, t in ((g64, "x86-64"), (g32, "i386")) if g]
        fig, axes = plt.subplots(1, len(panels), figsize=(1.6 * sum(len(g) for g, _ in panels) + 2, 5.2),
                                 gridspec_kw={"width_ratios": [len(g) for g, _ in panels]},
                                 squeeze=False)
        for ax, (g, arch) in zip(axes[0], panels):
            grouped(ax, g, [(n, colors[p]) for p, n in CB_PATHS],
                    "Callbacks called from C, %s: ctabi against libffi closures" % arch, log=False)
        save(fig, "callbacks.png")

    # i386 calls
    g = [(i386_short(k), [val("i386/%s/%s" % (k, p)) for p, _ in CALL_PATHS[:5]])
         for k, _, _ in I386_CASES]
    g = [x for x in g if any(x[1])]
    if g:
        fig, ax = plt.subplots(figsize=(15, 5.5))
        grouped(ax, g, [(n, colors[p]) for p, n in CALL_PATHS[:5]],
                "C++ calls on i386: ctabi against libffi's i386 ffi_call and a direct call")
        for lab in ax.get_xticklabels():
            lab.set_fontsize(6.5)
        save(fig, "calls_i386.png")

    # Python
    series = [("ctypes", "#d62728"), ("cffi ABI mode", "#ff7f0e"), ("ctabi Thunk", "#1f77b4"),
              ("ctabi Thunk.fast", "#aec7e8"), ("C extension (floor)", "#444444")]
    g = []
    for case, _ in PY_CASES:
        for mode, mlabel in (("held", "GIL held"), ("rel", "GIL released")):
            p = "python/%s/" % case
            g.append(("%s\n%s" % ({"cos": "cos(double)", "f6": "f6(6 int/double)"}[case], mlabel),
                      [val(p + "ctypes_" + mode), val(p + "cffi_rel") if mode == "rel" else None,
                       val(p + "ctabi_" + mode), val(p + "ctabifast_" + mode),
                       val(p + "ext_" + mode)]))
    for mode, mlabel in (("rel", "GIL retaken"), ("held", "GIL held")):
        p = "python/cb_%s/" % mode
        g.append(("callback from C\n%s" % mlabel,
                  [val(p + "ctypes"), val(p + "cffi"), val(p + "ctabi"), None, val(p + "ext")]))
    g = [x for x in g if any(x[1])]
    if g:
        fig, ax = plt.subplots(figsize=(11, 5.2))
        grouped(ax, g, series, "Python: ctabi against ctypes, cffi and a hand-written C extension",
                log=True)
        save(fig, "python.png")

    # numba: horizontal bars
    nb = [(k, F.get("numba/" + k)) for k in NUMBA_ORDER]
    nb = [(k, f) for k, f in nb if f]
    if nb:
        fig, ax = plt.subplots(figsize=(10, 4.6))
        labels = [re.sub(r"^\((\S+)\) ", r"(\1) ", f["label"]) for _, f in nb][::-1]
        vals = [f["value"] for _, f in nb][::-1]
        cols = ["#1f77b4" if "ctabi" in lab else "#d62728" for lab in labels]
        bars = ax.barh(range(len(vals)), vals, color=cols)
        for b, v in zip(bars, vals):
            ax.annotate(fmt_ns(v), (v, b.get_y() + b.get_height() / 2), va="center", fontsize=7,
                        xytext=(3, 0), textcoords="offset points")
        ax.set_yticks(range(len(vals)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.set_xscale("log")
        ax.set_xlim(right=max(vals) * 3)
        ax.set_xlabel("ns per call (lower is better), log scale")
        ax.set_title("numba: calling C from @njit code (ctabi blue, numba/ctypes red)", fontsize=11)
        ax.grid(axis="x", alpha=0.3)
        save(fig, "numba.png")

    # the drop-in libffi.so.8: horizontal bars, system and ctabi's per row
    t = next((t for t in doc["tables"] if t["id"] == "ffi_dropin"), None)
    rows = []
    for r in (t["rows"] if t else []):
        ratio = r["ratios"].get("libffi")
        if ratio is None:
            continue
        path = r["ctabi"].replace("libffi API: ", "").replace("ctypes on the drop-in", "ctypes")
        path = path.replace("called from C", "").replace(", prepared cif", "").strip()
        path = path.replace("ffi_prep_cif + ffi_call", "prep + call")
        lab = plain(r["scenario"])
        lab = (lab[:40] + "...") if len(lab) > 43 else lab
        rows.append(("%s: %s" % (path, lab), val(ratio["figure"]), r["ctabi_ns"]))
    if rows:
        rows = rows[::-1]
        fig, ax = plt.subplots(figsize=(10, 0.32 * len(rows) + 1.8))
        h = 0.4
        ys = range(len(rows))
        for off, idx, name, color in ((h / 2, 1, "system libffi.so.8", "#d62728"),
                                      (-h / 2, 2, "ctabi's libffi.so.8", "#1f77b4")):
            bars = ax.barh([y + off for y in ys], [r[idx] for r in rows], h * 0.95,
                           label=name, color=color)
            for b_, r in zip(bars, rows):
                ax.annotate(fmt_ns(r[idx]), (r[idx], b_.get_y() + b_.get_height() / 2),
                            va="center", fontsize=6, xytext=(2, 0), textcoords="offset points")
        ax.set_yticks(list(ys))
        ax.set_yticklabels([r[0] for r in rows], fontsize=7)
        ax.set_xscale("log")
        ax.set_xlim(right=max(max(r[1], r[2]) for r in rows) * 3)
        ax.set_xlabel("ns per call (lower is better), log scale")
        ax.set_title("The drop-in libffi.so.8 against the system libffi: libffi's API "
                     "(ffi_bench) and ctypes on each", fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
        save(fig, "ffi_dropin.png")
    return made


# ----------------------------------------------------------------- main

def rounded(obj):
    """Floats to 5 significant digits: results.json is meant to be committed."""
    if isinstance(obj, float):
        return float("%.5g" % obj)
    if isinstance(obj, dict):
        return {k: rounded(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [rounded(v) for v in obj]
    return obj


def repo_relative(obj):
    """Paths inside the checkout written relative to it: the committed report
    must not name the machine's directories."""
    if isinstance(obj, str):
        return obj.replace(REPO + os.sep, "") if REPO + os.sep in obj else obj
    if isinstance(obj, dict):
        return {k: repo_relative(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [repo_relative(v) for v in obj]
    return obj


def dumps(obj, indent=0, width=160):
    """JSON, one line per object that fits in `width` (a figure, a ratio row), so
    that the committed file stays small and its diffs readable."""
    flat = json.dumps(obj, ensure_ascii=False)
    if len(flat) + indent <= width or not isinstance(obj, (dict, list)) or not obj:
        return flat
    pad = " " * (indent + 1)
    if isinstance(obj, dict):
        items = ["%s%s: %s" % (pad, json.dumps(k), dumps(v, indent + 1, width))
                 for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
    items = [pad + dumps(v, indent + 1, width) for v in obj]
    return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"


def label_figures(figures):
    """Human labels for the Google Benchmark figures (their names otherwise)."""
    cases = {"cxx": dict(CXX_CASES), "i386": {k: l for k, l, _ in I386_CASES}}
    cases["i386"].update(dict(I386_CB))
    names = dict(CALL_PATHS + CB_PATHS)
    builds = dict(BUILDS)
    for fid, f in figures.items():
        prefix, _, rest = fid.partition("/")
        if prefix not in cases:
            continue
        arch = {"cxx": "x86-64"}.get(prefix, prefix)
        parts = rest.split("/")
        if rest in builds:
            f["label"] = "%s (%s)" % (builds[rest], arch)
        elif parts[0] == "callback" and len(parts) == 3 and parts[1] in cases[prefix]:
            f["label"] = "%s, %s: %s, per call" % (arch, cases[prefix][parts[1]],
                                                  names.get(parts[2], parts[2]))
        elif len(parts) == 2 and parts[0] in cases[prefix]:
            f["label"] = "%s, %s: %s" % (arch, cases[prefix][parts[0]],
                                         names.get(parts[1], parts[1]))


def steps_tsv(path):
    steps = []
    try:
        with open(path) as f:
            for line in f.read().splitlines()[1:]:
                parts = line.split("\t")
                if len(parts) >= 3:
                    steps.append({"step": parts[0], "status": parts[1],
                                  "seconds": int(parts[2]) if parts[2].isdigit() else None})
    except OSError:
        pass
    return steps


def collect(args, out_dir):
    raw = os.path.join(out_dir, "raw")
    figures, sources = {}, {}
    ctx = gb_figures(os.path.join(raw, "ctabi_bench.json"), "cxx", "ctabi_bench", figures)
    if ctx is not None:
        sources["ctabi_bench"] = {
            "file": "raw/ctabi_bench.json", "tool": "bench/ctabi_bench.cpp (Google Benchmark)",
            "method": "median of %d repetitions, random interleaving; callbacks per call "
                      "(%s calls per iteration)" % (ctx["_reps"],
                                                    ctx.get("callback_calls_per_iteration", 1)),
            "repetitions": ctx["_reps"], "date": ctx.get("date")}
    ctx386 = gb_figures(os.path.join(raw, "ctabi_bench_i386.json"), "i386", "ctabi_bench_i386",
                        figures)
    if ctx386 is not None:
        sources["ctabi_bench_i386"] = {
            "file": "raw/ctabi_bench_i386.json",
            "tool": "bench/ctabi_bench_i386.cpp (Google Benchmark, -m32 build)",
            "method": "median of %d repetitions, random interleaving" % ctx386["_reps"],
            "repetitions": ctx386["_reps"], "date": ctx386.get("date")}
    ffi = ffi_bench_figures(os.path.join(raw, "ffi_bench.txt"), figures)
    ffi_rows = None
    if ffi:
        ffi_rows, info = ffi
        sources["ffi_bench"] = dict(file="raw/ffi_bench.txt", tool="bench/ffi/ffi_bench.cpp",
                                    method="best of %s alternating rounds of %s calls"
                                    % (info.get("rounds"), info.get("calls")), **info)
    ct = read_json(os.path.join(raw, "ctypes_bench.json"))
    ctypes_rows = None
    if ct:
        ctypes_rows = ctypes_bench_figures(ct, figures)
        sources["ctypes_bench"] = {
            "file": "raw/ctypes_bench.json", "tool": "bench/ffi/ctypes_bench.py",
            "method": "best of %s alternating child processes per side, %s calls per sample"
                      % (ct.get("reps"), ct.get("calls")), "python": ct.get("python"),
            "libffi": ct.get("libffi"), "ok": ct.get("ok")}
    py = read_json(os.path.join(raw, "python.json"))
    if py:
        python_figures(py, figures)
        sources["python"] = {"file": "raw/python.json", "tool": "bench/python/bench.py",
                             "method": "median of %s repetitions, ~%s ms samples, contenders "
                                       "interleaved; Python loop included"
                                       % (py.get("reps"), py.get("sample_ms")),
                             "repetitions": py.get("reps")}
    nb = read_json(os.path.join(raw, "numba.json"))
    if nb:
        numba_figures(nb, figures)
        sources["numba"] = {"file": "raw/numba.json", "tool": "bench/numba/bench.py",
                            "method": "best of %s repetitions of %s calls, interleaved"
                                      % (nb.get("reps"), nb.get("calls")),
                            "calls": nb.get("calls"), "repetitions": nb.get("reps")}
    def small_file(name):
        try:
            with open(os.path.join(raw, name)) as f:
                return f.read().strip() or None
        except OSError:
            return None
    args.commit = small_file("commit")
    started = small_file("started") or (ctx or ctx386 or {}).get("date")
    label_figures(figures)
    tables, details = build_tables(figures, ctx, ctx386, ffi_rows, ctypes_rows, py, nb)
    steps = steps_tsv(os.path.join(raw, "steps.tsv"))
    ran = {s["step"]: s["status"] for s in steps}
    scaling = {}
    if ran.get("scaling", "ok") == "ok":  # no steps.tsv: take what is there
        for key, name in (("markdown", "scaling.md"), ("json", "scaling.json"),
                          ("python_json", "scaling_python.json")):
            if os.path.exists(os.path.join(out_dir, name)):
                scaling[key] = name
    quick = [(k, n) for k, n in (("ctabi_bench", 5), ("ctabi_bench_i386", 5), ("python", 31))
             if k in sources and (sources[k].get("repetitions") or 0) < n]
    mode = args.mode or ("quick" if quick else "full")
    doc = {
        "schema": SCHEMA,
        "generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "run_started": started,
        "mode": mode,
        "command": args.command or ("bench/run --quick" if mode == "quick" else "bench/run"),
        "machine": machine(args, ctx or ctx386, py, nb),
        "steps": steps,
        "sources": sources,
        "figures": figures,
        "columns": {k: {"title": v[0], "kind": v[1], "definition": v[2]}
                    for k, v in COLUMNS.items()},
        "tables": tables,
        "details": details,
        "scaling": scaling or None,
    }
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", nargs="?", default=os.path.join(HERE, "results"),
                    help="the results folder (default bench/results); raw inputs in DIR/raw")
    ap.add_argument("--mode", choices=["full", "quick"], help="how the raw outputs were made")
    ap.add_argument("--command", help="the command that made them (for the record)")
    ap.add_argument("--build-dir", default=os.path.join(REPO, "build", "bench-release"),
                    help="the x86-64 benchmark build (for the compiler version)")
    ap.add_argument("--build-dir-i386", default=os.path.join(REPO, "build-i386", "bench-release"))
    ap.add_argument("--readme", action="store_true",
                    help="print a README-ready block from DIR/results.json; write nothing")
    ap.add_argument("--fill", metavar="TEMPLATE",
                    help="print TEMPLATE with {{MACHINE}}, {{TABLE}}, {{TABLE_FULL}}, "
                         "{{DETAILS}}, {{HOW_TO_READ}}, {{DATE}}, {{COMMAND}}, {{MODE}}, "
                         "{{RESULTS}} filled in from DIR/results.json")
    ap.add_argument("--no-charts", action="store_true", help="do not (re)draw the PNGs")
    ap.add_argument("--quiet", action="store_true", help="do not print the tables")
    ap.add_argument("--print-commit", action="store_true",
                    help="print the checkout's commit (read from .git) and exit; bench/run "
                         "records it in raw/commit when it starts")
    args = ap.parse_args()
    if args.print_commit:
        print(git_commit() or "")
        return 0
    out_dir = os.path.abspath(args.dir)

    if args.readme or args.fill:
        doc = read_json(os.path.join(out_dir, "results.json"))
        if doc is None:
            sys.exit("bench/report.py: no %s/results.json: run bench/run (or bench/report.py "
                     "DIR) first" % out_dir)
        if args.readme:
            print(readme_block(doc, out_dir))
        if args.fill:
            with open(args.fill) as f:
                text = f.read()
            rel = os.path.relpath(out_dir, REPO) if out_dir.startswith(REPO) else out_dir
            subst = {
                "MACHINE": md_machine(doc),
                "TABLE": md_ratio_tables(doc, "####", compact=True),
                "TABLE_FULL": md_ratio_tables(doc, "####"),
                "DETAILS": md_details(doc, "####"), "DATE": (doc.get("run_started") or doc["generated"])[:10],
                "COMMAND": doc["command"], "MODE": doc["mode"], "RESULTS": rel,
                "HOW_TO_READ": HOW_TO_READ,
            }
            for k, v in subst.items():
                text = text.replace("{{%s}}" % k, v)
            print(text, end="")
        return 0

    if not os.path.isdir(os.path.join(out_dir, "raw")):
        sys.exit("bench/report.py: no %s/raw: run bench/run first" % out_dir)
    doc = collect(args, out_dir)
    if not doc["tables"]:
        warn("no benchmark figures in %s/raw" % out_dir)
    if not args.no_charts:
        charts(doc, out_dir)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        f.write(dumps(repo_relative(rounded(doc))) + "\n")
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write(md_full(doc, out_dir))
    if not args.quiet:
        print("# ctabi benchmark report%s" % (" (QUICK RUN: few repetitions)"
                                             if doc["mode"] == "quick" else ""))
        print()
        print(md_machine(doc))
        print()
        print(HOW_TO_READ)
        print()
        print(md_ratio_tables(doc, compact=True))
        print()
        hidden = sum(1 for t in doc["tables"] for r in t["rows"] if r.get("detail"))
        where = os.path.relpath(out_dir, REPO) if out_dir.startswith(REPO + os.sep) else out_dir
        print("(%d more rows, the charts and the details: %s)" % (
            hidden, os.path.join(where, "results.md")))
        print()
    made = [n for n, _ in CHARTS if os.path.exists(os.path.join(out_dir, n))]
    print("bench/report.py: wrote %s: results.json, results.md%s" % (
        out_dir, "".join(", " + n for n in made)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
