"""Plots and a Markdown summary of the scaling benchmarks (bench/scaling).

Reads the JSON of scaling_bench (C++, kind "scaling") and of py_scaling.py
(kind "scaling_python"); either may be left out. Writes into --out-dir:

  scaling_call_cost.png          C++: ns per call against the argument count,
                                 one panel per family, a line per contender
  scaling_creation.png           C++: creation time per signature, resident
                                 set growth and malloc'd bytes per signature,
                                 against the number of distinct signatures
  scaling_python_call_cost.png   Python: the same as scaling_call_cost.png
  scaling_python_creation.png    Python: time per prototype, resident set growth

and the summary (tables at N = 1, 8, 32, the cost of each added argument
from a least-squares fit, creation at the largest K) to --md.

    python bench/scaling/plot.py --cpp scaling.json --python scaling_python.json \\
        --out-dir bench/results --md bench/results/scaling.md

Points whose result was wrong (libffi 3.4.4 with six or more {i64, f64}
structs; "correct": false in the JSON) are drawn hollow and marked in the
tables.
"""

import argparse
import json
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

FAMILIES = ("int", "double", "struct")
FAMILY_TITLE = {"int": "N x int64_t", "double": "N x double",
                "struct": "N x struct {int64_t, double} by value"}

CPP_CALL = [  # contender, label, colour, marker
    ("direct", "direct C call", "#444444", "o"),
    ("ctabi_thunk", "ctabi forward thunk", "#2ca02c", "^"),
    ("ctabi_invoker", "ctabi invoker (pointer array)", "#1f77b4", "s"),
    ("ctabi_packed", "ctabi packed invoker", "#17becf", "D"),
    ("libffi_call", "libffi ffi_call (prepared cif)", "#d62728", "v"),
]
CPP_CREATION = [
    ("ctabi_thunk", "ctabi make_thunk", "#2ca02c", "^"),
    ("ctabi_invoker", "ctabi make_invoker", "#1f77b4", "s"),
    ("ctabi_callback", "ctabi make_callback", "#9467bd", "P"),
    ("libffi_cif", "libffi ffi_prep_cif", "#ff7f0e", "v"),
    ("libffi_closure", "libffi cif + closure", "#d62728", "X"),
]
PY_CALL = [
    ("ctypes", "ctypes (CDLL, argtypes)", "#d62728", "v"),
    ("ctabi", "ctabi.thunk", "#1f77b4", "s"),
    ("cffi", "cffi ABI mode", "#ff7f0e", "D"),
]
PY_CREATION = [
    ("ctypes_proto", "ctypes CFUNCTYPE(...)(addr)", "#d62728", "v"),
    ("ctabi_thunk", "ctabi.thunk(ctypes function)", "#1f77b4", "s"),
    ("cffi_cast", "cffi ffi.cast(new type, addr)", "#ff7f0e", "D"),
]


def load(path):
    if not path:
        return None
    with open(path) as f:
        return json.load(f)


def machine_note(doc):
    m = doc.get("machine", {})
    if doc.get("kind") == "scaling":
        return "%s, %s CPUs, libffi %s, %s" % (m.get("cpu", "?"), m.get("cpus", "?"),
                                               m.get("libffi", "?"), m.get("date", "?"))
    return "CPython %s, ctabi %s, cffi %s, %s CPUs, %s" % (
        m.get("python", "?"), m.get("ctabi", "?"), m.get("cffi", "?"), m.get("cpus", "?"),
        m.get("date", "?"))


def plot_call(doc, contenders, path, title):
    rows = doc["call_cost"]
    fig, axes = plt.subplots(1, len(FAMILIES), figsize=(15, 4.8), sharey=False)
    for ax, fam in zip(axes, FAMILIES):
        for key, label, colour, marker in contenders:
            pts = sorted((r["n"], r["ns"], r.get("correct", True)) for r in rows
                         if r["family"] == fam and r["contender"] == key)
            if not pts:
                continue
            ns = [p[0] for p in pts]
            ts = [p[1] for p in pts]
            ax.plot(ns, ts, color=colour, label=label, linewidth=1.5)
            ok = [(n, t) for n, t, c in pts if c]
            bad = [(n, t) for n, t, c in pts if not c]
            if ok:
                ax.scatter(*zip(*ok), color=colour, marker=marker, s=28, zorder=3)
            if bad:
                ax.scatter(*zip(*bad), facecolors="none", edgecolors=colour, marker=marker,
                           s=40, zorder=3, label=label + ": wrong result")
        ax.set_title(FAMILY_TITLE[fam])
        ax.set_xlabel("arguments (N)")
        ax.set_yscale("log")
        ax.set_xticks(sorted({r["n"] for r in rows}))
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel("ns per call (median, log scale)")
    fig.suptitle("%s\n%s" % (title, machine_note(doc)), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_creation(doc, contenders, path, title, heap=False):
    rows = doc["creation"]
    panels = 3 if heap else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.6))
    series = [("us_per_sig", "CPU time per signature, us (median)", False),
              ("rss_kib_delta", "resident set growth, KiB (median)", False)]
    if heap:
        series.append(("heap_bytes_delta", "malloc bytes in use per signature", True))
    for ax, (field, ylabel, per_sig) in zip(axes, series):
        for key, label, colour, marker in contenders:
            pts = sorted((r["k"], r[field] / (r["k"] if per_sig else 1)) for r in rows
                         if r["contender"] == key and r.get(field) is not None)
            pts = [(k, v) for k, v in pts if v > 0]  # log scale
            if pts:
                # Dashed: libffi's cif alone, often under its closure line.
                ax.plot(*zip(*pts), color=colour, marker=marker, label=label, linewidth=1.5,
                        markersize=5, linestyle="--" if key == "libffi_cif" else "-")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("distinct signatures (K)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("%s\n%s" % (title, machine_note(doc)), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ---------------------------------------------------------------- Markdown

def fmt(v, spec="{:.2f}"):
    return "-" if v is None else spec.format(v)


def slope(points):
    """Least-squares ns per added argument over (n, ns) points."""
    if len(points) < 2:
        return None
    mx = sum(p[0] for p in points) / len(points)
    my = sum(p[1] for p in points) / len(points)
    sxx = sum((p[0] - mx) ** 2 for p in points)
    return sum((p[0] - mx) * (p[1] - my) for p in points) / sxx if sxx else None


def call_tables(doc, contenders, ref, ratio_key, show_n, spec):
    rows = doc["call_cost"]
    idx = {(r["family"], r["n"], r["contender"]): r for r in rows}
    present = [c for c in contenders if any(r["contender"] == c[0] for r in rows)]
    rivals = [c for c in present if c[0] != ref and not c[0].startswith(ref.split("_")[0] + "_")
              and c[0] != "direct"]
    out = []
    head = ["family", "N"] + [c[1] for c in present] + ["%s / %s" % (c[0], ref) for c in rivals]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + " --- |" * len(head))
    wrong_seen = False
    for fam in FAMILIES:
        for n in show_n:
            cells = [fam, str(n)]
            for key, *_ in present:
                r = idx.get((fam, n, key))
                if r is None:
                    cells.append("= direct" if key.endswith("thunk") and
                                 doc.get("thunk_is_target", {}).get(fam) else "-")
                    continue
                mark = "" if r.get("correct", True) else " †"
                wrong_seen = wrong_seen or bool(mark)
                cells.append(fmt(r["ns"], spec) + mark)
            for key, *_ in rivals:
                r = idx.get((fam, n, key))
                cells.append(fmt(r.get(ratio_key) if r else None, "{:.1f}x"))
            out.append("| " + " | ".join(cells) + " |")
    out.append("")
    # Cost of each added argument.
    head = ["family"] + [c[1] for c in present]
    out.append("Cost of each added argument (ns, least-squares slope over N = %s):" %
               ", ".join(str(n) for n in sorted({r["n"] for r in rows})))
    out.append("")
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + " --- |" * len(head))
    for fam in FAMILIES:
        cells = [fam]
        for key, *_ in present:
            pts = sorted((r["n"], r["ns"]) for r in rows
                         if r["family"] == fam and r["contender"] == key)
            cells.append(fmt(slope(pts), "{:.2f}"))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out, wrong_seen


def creation_table(doc, contenders, heap):
    rows = doc["creation"]
    ks = sorted({r["k"] for r in rows})
    show = [k for k in ks if k >= 1000] or ks[-1:]
    idx = {(r["k"], r["contender"]): r for r in rows}
    head = ["K", "contender", "total ms", "us per signature", "resident bytes per signature"]
    if heap:
        head += ["malloc bytes per signature", "code bytes per signature"]
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for k in show:
        for key, label, *_ in contenders:
            r = idx.get((k, key))
            if r is None:
                continue
            cells = [str(k), label, fmt(r["total_ms"], "{:.1f}"), fmt(r["us_per_sig"]),
                     fmt(r["bytes_per_sig"], "{:.0f}")]
            if heap:
                cells.append(fmt(r["heap_bytes_delta"] / k, "{:.0f}"))
                cells.append(fmt(r["code_bytes"] / k if r.get("code_bytes") is not None
                                 else None, "{:.0f}"))
            out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def summary(cpp, py):
    out = ["## Scaling", ""]
    if cpp:
        out += ["### C++: call cost against the argument count", "",
                "ns per call, medians of %d repetitions (thread CPU time); ratios are medians "
                "of the per-repetition ratios to the ctabi invoker. %s." % (
                    cpp["params"]["reps"], machine_note(cpp)), ""]
        table, wrong = call_tables(cpp, CPP_CALL, "ctabi_invoker", "vs_ctabi_invoker",
                                   [n for n in (1, 8, 32) if n in cpp["params"]["n"]], "{:.2f}")
        out += table
        if wrong:
            out += ["† libffi's result was wrong (checked against the direct call before "
                    "timing): libffi 3.4.4 passes six or more {i64, f64} structs wrongly "
                    "(libffi PR #848).", ""]
        if cpp.get("thunk_is_target"):
            same = [f for f in FAMILIES if cpp["thunk_is_target"].get(f)]
            if same:
                out += ["For the %s families the forward thunk is the target itself "
                        "(host convention, canonical signature): it costs the direct call." %
                        " and ".join(same), ""]
        if cpp.get("creation"):
            out += ["### C++: creation against the number of distinct signatures", "",
                    "Signature i is `f64({i64, f64}, t1, ..., t7)`, t1..t7 the base-7 digits "
                    "of i over i32, i64, f32, f64, ptr, u8, i16; each K measured in a fresh "
                    "process (runs per K: %s; medians), in the creating thread's CPU time. "
                    "Resident bytes include ctabi's dual-mapped code twice; libffi's closures "
                    "are not malloc'd." % ", ".join(
                        "%s: %s" % (k, v) for k, v in cpp["params"]["creation_reps"].items()),
                    ""]
            out += creation_table(cpp, CPP_CREATION, heap=True)
    if py:
        out += ["### Python: call cost against the argument count", "",
                "ns per call including the Python loop (empty loop %.1f ns), medians of %d "
                "repetitions (thread CPU time); ratios are medians of the per-repetition "
                "ratios to ctabi. %s." % (py.get("empty_loop_ns") or 0, py["params"]["reps"],
                                         machine_note(py)), ""]
        table, wrong = call_tables(py, PY_CALL, "ctabi", "vs_ctabi",
                                   [n for n in (1, 8, 32) if n in py["params"]["n"]], "{:.1f}")
        out += table
        if wrong:
            out += ["† wrong result (ctypes and cffi call through the system libffi 3.4.4: "
                    "libffi PR #848).", ""]
        if py.get("creation"):
            out += ["### Python: creation against the number of distinct prototypes", "",
                    "Prototype i is `double(S16, t1, ..., t7)` (as in C++); a fresh "
                    "interpreter per K (runs per K: %s; medians), thread CPU time. "
                    "ctabi.thunk() is of an existing ctypes function: a user pays both lines. "
                    "cffi runs up to K = 10000 only." % ", ".join(
                        "%s: %s" % (k, v) for k, v in py["params"]["creation_reps"].items()),
                    ""]
            out += creation_table(py, PY_CREATION, heap=False)
    return "\n".join(out).rstrip() + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cpp", help="scaling_bench's JSON (scaling.json)")
    p.add_argument("--python", help="py_scaling.py's JSON (scaling_python.json)")
    p.add_argument("--out-dir", required=True, help="where the PNGs go")
    p.add_argument("--md", help="where the Markdown summary goes")
    a = p.parse_args()
    cpp, py = load(a.cpp), load(a.python)
    if not cpp and not py:
        p.error("give --cpp and/or --python")
    os.makedirs(a.out_dir, exist_ok=True)
    written = []
    if cpp and cpp.get("call_cost"):
        path = os.path.join(a.out_dir, "scaling_call_cost.png")
        plot_call(cpp, CPP_CALL, path, "C++: call cost against the argument count")
        written.append(path)
    if cpp and cpp.get("creation"):
        path = os.path.join(a.out_dir, "scaling_creation.png")
        plot_creation(cpp, CPP_CREATION, path,
                      "C++: creating code for K distinct signatures f64({i64, f64}, 7 scalars)",
                      heap=True)
        written.append(path)
    if py and py.get("call_cost"):
        path = os.path.join(a.out_dir, "scaling_python_call_cost.png")
        plot_call(py, PY_CALL, path, "Python: call cost against the argument count "
                  "(Python loop included)")
        written.append(path)
    if py and py.get("creation"):
        path = os.path.join(a.out_dir, "scaling_python_creation.png")
        plot_creation(py, PY_CREATION, path,
                      "Python: K distinct prototypes double(S16, 7 scalars)")
        written.append(path)
    if a.md:
        with open(a.md, "w") as f:
            f.write(summary(cpp, py))
        written.append(a.md)
    for w in written:
        print("plot.py: wrote %s" % w)


if __name__ == "__main__":
    main()
