"""tools/python-leak-check.py - LeakSanitizer on the ctabi Python package:
makes, calls and drops thousands of thunks and callbacks (scalars,
structures by value in and out, errcheck, callbacks called from C and
wrapped in thunks, and the error paths that throw inside the extension),
then asks LeakSanitizer whether any heap block is unreachable. Run by
`tools/sanitize python-asan` against the ASan build of the extension:

    PYTHONMALLOC=malloc LD_PRELOAD="libasan.so libstdc++.so.6" \
    ASAN_OPTIONS=detect_leaks=1 python tools/python-leak-check.py [--count N]

Exit status 0 when LeakSanitizer finds nothing, 1 when it reports a leak
(the report is on stderr), 2 when it cannot check (not under LeakSanitizer,
detect_leaks=0, or without PYTHONMALLOC=malloc).
--leak-on-purpose leaks one malloc'ed block, to show that the check sees it.

Why the check is not simply detect_leaks=1 at exit: CPython does not free
everything at exit (static types, interned strings, module state), so
LeakSanitizer at exit always reports the interpreter's own "leaks". Here the
check runs while the interpreter is alive and everything it holds is still
reachable, with two conditions, both CPython's and not ctabi's:
  - PYTHONMALLOC=malloc: pymalloc's arenas are mmap'ed, and LeakSanitizer
    does not scan mmap'ed memory, so blocks referenced only from small
    Python objects would look leaked;
  - the check runs at module level after the work's functions have
    returned: CPython keeps running frames (their local variables, and the
    frame object a traceback makes of them) in per-thread stack chunks that
    it also mmaps, so what only a live function's locals refer to would look
    leaked too. Exceptions are caught inside functions for the same reason (a
    traceback through the module's own frame leaves a frame object that only
    that chunk refers to).
No suppressions are needed.
"""

import argparse
import ctypes
import gc
import os
import re
import sys
from ctypes import CFUNCTYPE, POINTER, Structure, c_double, c_int, c_long, c_longdouble, c_void_p

import ctabi


class S24(Structure):  # 24 bytes: passed in memory under System V
    _fields_ = [("a", c_long), ("b", c_double), ("c", c_int)]


class LDiv(Structure):  # ldiv_t: returned in rax:rdx
    _fields_ = [("quot", c_long), ("rem", c_long)]


CMP = CFUNCTYPE(c_int, c_void_p, c_void_p)
CB_S24 = CFUNCTYPE(S24, S24, c_int)
CB_II = CFUNCTYPE(c_long, c_long, c_double)
SCALARS = [ctypes.c_byte, ctypes.c_short, c_int, c_long, ctypes.c_float, c_double,
           c_void_p, POINTER(c_int)]


def _fresh(lib, name, argtypes, restype, errcheck=None):
    f = lib[name]  # a new function object each time
    f.argtypes = argtypes
    f.restype = restype
    if errcheck is not None:
        f.errcheck = errcheck
    return f


def _expect_error(make):
    try:
        make()
    except Exception:  # noqa: BLE001 - any refusal will do; it must not leak
        return
    raise AssertionError("expected an error")


def exercise(count):
    libc = ctypes.CDLL(None)
    arr = (c_int * 16)(*range(16, 0, -1))
    for i in range(count):
        # Thunks: a fresh function object (and errcheck) each time; scalar
        # signatures varied so that the code cache makes new code too.
        labs = ctabi.thunk(_fresh(libc, "labs", [c_long], c_long, lambda r, f, a: r))
        assert labs(-i) == i
        sig = [SCALARS[(i + j) % len(SCALARS)] for j in range(1 + i % 6)]
        ctabi.thunk(_fresh(libc, "abs", sig, c_int))
        ldiv = ctabi.thunk(_fresh(libc, "ldiv", [c_long, c_long], LDiv))
        r = ldiv(i + 7, 3)
        assert (r.quot, r.rem) == ((i + 7) // 3, (i + 7) % 3)
        # Callbacks: called from C (qsort through a thunk), called through
        # ctypes, and wrapped in a thunk of their own.
        cmp = ctabi.callback(CMP, lambda a, b: (ctypes.cast(a, POINTER(c_int))[0] -
                                                ctypes.cast(b, POINTER(c_int))[0]))
        if i % 10 == 0:
            qsort = ctabi.thunk(_fresh(libc, "qsort", [c_void_p, ctypes.c_size_t,
                                                       ctypes.c_size_t, CMP], None))
            qsort(arr, len(arr), ctypes.sizeof(c_int), cmp)
            assert list(arr) == sorted(arr)
            arr[0], arr[15] = arr[15], arr[0]
        bump = ctabi.callback(CB_S24, lambda s, k: S24(s.a + k, s.b, s.c - k))
        got = bump(S24(i, 0.5, 3), 2)
        assert (got.a, got.c) == (i + 2, 1)
        mix = ctabi.callback(CB_II, lambda a, d: a + int(d))
        assert ctabi.thunk(mix)(i, 2.0) == i + 2
        # Refusals, some thrown inside the extension (C++ exceptions turned
        # into Python ones).
        _expect_error(lambda: ctabi.thunk(_fresh(libc, "abs", [c_int], c_longdouble),
                                          abi="win64"))
        _expect_error(lambda: ctabi.thunk(libc.abs, abi="nonsense"))
        _expect_error(lambda: ctabi.callback(CMP, 42))
        _expect_error(lambda: labs("not a number"))


def live_callbacks():
    stats = getattr(ctabi._ctabi, "callback_stats", None)
    return stats()[0] if stats else None


parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--count", type=int, default=10_000)
parser.add_argument("--leak-on-purpose", action="store_true")
ARGS = parser.parse_args()

LIBC = ctypes.CDLL(None)
if not hasattr(LIBC, "__lsan_do_recoverable_leak_check"):
    print("python-leak-check: not running under LeakSanitizer (LD_PRELOAD libasan)",
          file=sys.stderr)
    sys.exit(2)
# With detect_leaks=0 the check below returns "nothing found" unchecked.
LEAK_OPTIONS = [o for o in re.split(r"[:,\s]+", os.environ.get("ASAN_OPTIONS", ""))
                if o.startswith("detect_leaks=")]
if LEAK_OPTIONS[-1:] == ["detect_leaks=0"]:
    print("python-leak-check: ASAN_OPTIONS has detect_leaks=0", file=sys.stderr)
    sys.exit(2)
if os.environ.get("PYTHONMALLOC") != "malloc":
    print("python-leak-check: needs PYTHONMALLOC=malloc (see the comment at the top)",
          file=sys.stderr)
    sys.exit(2)
print("python-leak-check: ctabi extension %s" % ctabi._ctabi.__file__, flush=True)

LIVE_BEFORE = live_callbacks()
exercise(ARGS.count)
gc.collect()
LIVE_AFTER = live_callbacks()
if ARGS.leak_on_purpose:
    LIBC.malloc.restype = c_void_p
    LIBC.malloc(64)  # the address is only in a Python int: unreachable

CHECK = LIBC.__lsan_do_recoverable_leak_check
CHECK.restype = c_int
LEAKED = CHECK()
if LIVE_BEFORE != LIVE_AFTER:
    print("python-leak-check: %s callbacks live before, %s after" % (LIVE_BEFORE, LIVE_AFTER),
          file=sys.stderr, flush=True)
    LEAKED = 1
print("python-leak-check: %d rounds of thunks and callbacks made and dropped: %s"
      % (ARGS.count, "LEAKS" if LEAKED else "no leaks"), flush=True)
# os._exit: no LeakSanitizer check at exit (which reports the interpreter's
# own unfreed memory, see above).
os._exit(1 if LEAKED else 0)
