#!/usr/bin/env python3
"""ctabi-inspect's CLI tests: golden output, the JSON schema, errors.

    run_golden.py --cli PATH            compare with test/inspect/golden/
    run_golden.py --cli PATH --bless    rewrite the golden files (after a
                                        change to the classifiers, emitters
                                        or the output format: review the diff)

The listings are deterministic: code is relocated to 0x10000 and forward
thunks call 0x7f0000001000 (i386: 0x08001000). Exit status 0 when all pass.
"""

import argparse
import json
import os
import pathlib
import shlex
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent

# Schema 1 of --json: every key, and the type of its value.
SCHEMA = {
    "schema": int, "signature": str, "convention": str, "platform": str, "arch": str,
    "layout": str, "arguments": list, "result": dict, "stack": dict,
    "vector_count": (int, type(None)), "code": (list, type(None)),
}
ARGUMENT = {"index": (int, type(None)), "sret": bool, "type": str, "size": int, "align": int,
            "passed": str, "pieces": list, "copy": (dict, type(None))}
PIECE = {"offset": int, "size": int, "location": str, "extend": str}
RESULT = {"type": str, "size": int, "passed": str, "pieces": list,
          "returns_sret_pointer": (str, type(None))}
STACK = {"size": int, "shadow_space": int, "copy_area_size": int, "copy_area_align": int,
         "alignment": int, "callee_pops": int}
CODE = {"name": str, "arch": str, "base": int, "size": int, "note": (str, type(None)),
        "instructions": list}
INSTRUCTION = {"address": int, "bytes": str, "text": str}


def check_keys(what, obj, spec, problems):
    if not isinstance(obj, dict):
        problems.append("%s is not an object" % what)
        return
    if set(obj) != set(spec):
        problems.append("%s keys %s, expected %s" % (what, sorted(obj), sorted(spec)))
    for key, kind in spec.items():
        if key in obj and not isinstance(obj[key], kind):
            problems.append("%s.%s is %r" % (what, key, obj[key]))


def check_schema(doc):
    problems = []
    check_keys("document", doc, SCHEMA, problems)
    if doc.get("schema") != 1:
        problems.append("schema is %r, not 1" % doc.get("schema"))
    for i, a in enumerate(doc.get("arguments", [])):
        check_keys("arguments[%d]" % i, a, ARGUMENT, problems)
        for j, p in enumerate(a.get("pieces", [])):
            check_keys("arguments[%d].pieces[%d]" % (i, j), p, PIECE, problems)
    check_keys("result", doc.get("result"), RESULT, problems)
    check_keys("stack", doc.get("stack"), STACK, problems)
    for i, c in enumerate(doc.get("code") or []):
        check_keys("code[%d]" % i, c, CODE, problems)
        for j, ins in enumerate(c.get("instructions", [])):
            check_keys("code[%d].instructions[%d]" % (i, j), ins, INSTRUCTION, problems)
    return problems


def run(cli, args, env=None):
    return subprocess.run([cli] + args, capture_output=True, text=True, env=env)


def cases():
    for line in (HERE / "cases.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, args = line.split("|", 1)
        yield name.strip(), shlex.split(args)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cli", required=True)
    ap.add_argument("--bless", action="store_true")
    opts = ap.parse_args()
    failures = []
    for name, args in cases():
        proc = run(opts.cli, args)
        if proc.returncode != 0:
            failures.append("%s: exit %d: %s" % (name, proc.returncode, proc.stderr.strip()))
            continue
        is_json = "--json" in args
        if is_json:
            problems = check_schema(json.loads(proc.stdout))
            failures += ["%s: %s" % (name, p) for p in problems]
        golden = HERE / "golden" / (name + (".json" if is_json else ".txt"))
        if opts.bless:
            golden.write_text(proc.stdout)
            continue
        if not golden.exists():
            failures.append("%s: no %s (run with --bless)" % (name, golden.name))
        elif golden.read_text() != proc.stdout:
            import difflib
            diff = "".join(difflib.unified_diff(golden.read_text().splitlines(True),
                                                proc.stdout.splitlines(True),
                                                "golden/" + golden.name, "ctabi-inspect"))
            failures.append("%s: output differs from %s:\n%s" % (name, golden.name, diff))

    # Errors: a clear message, the offending column, a non-zero status.
    errors = [
        (["i32(i32, foo)"], 1, ["unknown type 'foo'", "at column 10", "           ^"]),
        (["win64 i32(i32"], 1, ["expected ',' or ')'", "at column 14"]),
        (["i32({i32 @4 | size 2 align 2})"], 1, ["past the struct's size 2"]),
        (["--conv", "win64", "sysv64 i32()"], 1, ["names its convention"]),
        (["--conv", "pascal", "i32()"], 1, ["unknown convention 'pascal'"]),
        (["--frobnicate", "i32()"], 1, ["unknown option --frobnicate"]),
        ([], 1, ["no signature given"]),
        (["win64 f80(i32)"], 1, ["no agreed win64 return convention"]),
    ]
    for args, code, needles in errors:
        proc = run(opts.cli, args)
        text = proc.stderr
        if proc.returncode != code or any(n not in text for n in needles):
            failures.append("error case %r: exit %d, stderr:\n%s" % (args, proc.returncode, text))
    # Without LLVM: --no-code still works; code listings fail clearly.
    env = dict(os.environ, CTABI_LLVM_LIBRARY="/nonexistent/libLLVM.so")
    proc = run(opts.cli, ["--no-code", "i32(i32)"], env)
    if proc.returncode != 0:
        failures.append("--no-code without LLVM: exit %d: %s" % (proc.returncode, proc.stderr))
    proc = run(opts.cli, ["i32(i32)"], env)
    if proc.returncode != 2 or "LLVM 14's shared library" not in proc.stderr:
        failures.append("without LLVM: exit %d: %s" % (proc.returncode, proc.stderr))
    proc = run(opts.cli, ["--help"])
    if proc.returncode != 0 or "--json" not in proc.stdout or "Exit status" not in proc.stdout:
        failures.append("--help: exit %d" % proc.returncode)

    for f in failures:
        print("FAIL " + f)
    n = sum(1 for _ in cases())
    print("ctabi-inspect: %d golden cases%s, %d error cases; %d failures"
          % (n, " blessed" if opts.bless else "", len(errors) + 3, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
