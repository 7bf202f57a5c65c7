"""Memory and threads: thunks and callbacks made and dropped by the hundred
thousand leave the resident set flat; thunks called from several threads at
once give the right results. Budget: well under 20 s for the module."""

import ctypes
import gc
import threading
import time
import weakref
from ctypes import CFUNCTYPE, POINTER, c_double, c_int, c_long, c_size_t

import pytest

import ctabi
from ctypes_types import S24, UIF
from helpers import fn, vmrss_kb

N = 100_000
# Growth allowed over N objects after a warm-up: 8 MiB, i.e. a leak of about
# 80 bytes per object or more fails.
TOLERANCE_KB = 8 * 1024
CB_II = CFUNCTYPE(c_int, c_int, c_int)
# Under AddressSanitizer (tools/sanitize python-asan preloads its runtime)
# freed memory stays resident in ASan's quarantine, so the resident set
# cannot stay flat; there LeakSanitizer checks the same thing instead
# (tools/python-leak-check.py), as the C++ suites' flat-memory tests skip
# under ASan too.
flat_rss = pytest.mark.skipif(
    hasattr(ctypes.CDLL(None), "__asan_init"),
    reason="AddressSanitizer's quarantine keeps freed memory resident; "
           "tools/sanitize python-asan checks for leaks with LeakSanitizer instead")


def _rss_growth(make, n=N, warmup=5_000):
    for _ in range(warmup):
        make()
    gc.collect()
    before = vmrss_kb()
    start = time.perf_counter()
    for _ in range(n):
        make()
    gc.collect()
    return vmrss_kb() - before, time.perf_counter() - start


@flat_rss
def test_thunks_made_and_dropped(lib):
    f = fn(lib, "S24_bump", [S24, c_int], S24)
    value = S24(1, 2, 3)

    def make():
        t = ctabi.thunk(f)
        t(value, 1)

    growth, seconds = _rss_growth(make)
    assert growth < TOLERANCE_KB, "RSS grew by %d KiB over %d thunks" % (growth, N)
    assert seconds < 15


@flat_rss
def test_thunks_of_fresh_function_objects(lib):
    """Each thunk has its own ctypes function object and errcheck (freed
    with it)."""
    def make():
        f = fn(lib, "add_int", [c_int, c_int], c_int, errcheck=lambda r, f_, a: r)
        ctabi.thunk(f)(1, 2)

    growth, _ = _rss_growth(make, n=N // 2, warmup=5_000)
    assert growth < TOLERANCE_KB, "RSS grew by %d KiB" % growth


@flat_rss
def test_callbacks_made_and_dropped(lib):
    apply = ctabi.thunk(fn(lib, "apply_ii", [CB_II, c_int, c_int], c_int))

    def make():
        cb = ctabi.callback(CB_II, lambda a, b: a + b)
        assert apply(cb, 1, 2) == 3

    growth, seconds = _rss_growth(make)
    assert growth < TOLERANCE_KB, "RSS grew by %d KiB over %d callbacks" % (growth, N)
    assert seconds < 15


@flat_rss
def test_aggregate_callbacks_made_and_dropped(lib):
    FT = CFUNCTYPE(S24, S24, c_int)
    call = ctabi.thunk(fn(lib, "call_S24", [FT], c_double))

    def make():
        cb = ctabi.callback(FT, lambda s, k: s)
        call(cb)

    growth, _ = _rss_growth(make, n=N // 2, warmup=5_000)
    assert growth < TOLERANCE_KB, "RSS grew by %d KiB" % growth


def test_callback_is_freed_with_its_object(lib):
    """Dropping the returned object frees the trampoline and the Python
    function (the pool's live count goes back)."""
    stats = getattr(ctabi._ctabi, "callback_stats", None)
    # Garbage of earlier tests (callbacks in reference cycles) is collected
    # first, so that only this test's callback changes the count below.
    gc.collect()
    live_before = stats()[0] if stats else None

    def pyfunc(a, b):
        return a

    ref = weakref.ref(pyfunc)
    cb = ctabi.callback(CB_II, pyfunc)
    del pyfunc
    if stats:
        assert stats()[0] == live_before + 1
    del cb
    gc.collect()
    assert ref() is None
    if stats:
        assert stats()[0] == live_before


def test_callback_reference_cycle_is_collected(lib):
    """A Python function that refers to its own callback object: a cycle,
    which the garbage collector must be able to break (as it does for
    ctypes' own callbacks)."""
    def make():
        box = {}

        def pyfunc(a, b):
            return box["cb"] is not None

        box["cb"] = ctabi.callback(CB_II, pyfunc)
        return weakref.ref(pyfunc)

    refs = [make() for _ in range(100)]
    gc.collect()
    alive = sum(r() is not None for r in refs)
    assert alive == 0, "%d of 100 callbacks in a reference cycle were never freed" % alive


def test_ctypes_callback_reference_cycle_is_collected_for_comparison():
    def make():
        box = {}

        def pyfunc(a, b):
            return box["cb"] is not None

        box["cb"] = CB_II(pyfunc)
        return weakref.ref(pyfunc)

    refs = [make() for _ in range(100)]
    gc.collect()
    assert sum(r() is not None for r in refs) == 0


# ---------------------------------------------------------------------------
# Threads


def _run_threads(target, n=4):
    errors = []

    def guarded(i):
        try:
            target(i)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_thunks_from_several_threads(lib):
    add = ctabi.thunk(fn(lib, "add_long", [c_long, c_long], c_long))
    bump = ctabi.thunk(fn(lib, "S24_bump", [S24, c_int], S24))
    sums = ctabi.thunk(fn(lib, "sum_ints", [POINTER(c_int), c_size_t], c_long))
    union = ctabi.thunk(fn(lib, "UIF_mid", [c_int, UIF, c_double], c_double))

    def work(i):
        arr = (c_int * 8)(*range(i, i + 8))
        expected_sum = sum((k + 1) * v for k, v in enumerate(range(i, i + 8)))
        for k in range(20_000):
            assert add(i, k) == i + k
            if k % 4 == 0:
                r = bump(S24(i, k, -k), 2)
                assert (r.a, r.b, r.c) == (i + 2, k + 4, -k + 6)
                assert sums(arr, 8) == expected_sum
                assert union(i, UIF(i=k), 0.5) == i + 10 * k + 50000.0

    _run_threads(work)


def test_thunks_made_in_several_threads(lib):
    """The code cache under concurrent thunk creation of many signatures."""
    types = [ctypes.c_byte, ctypes.c_short, c_int, c_long, ctypes.c_float, c_double]

    def work(i):
        for k in range(300):
            argtypes = [types[(i + k + j) % len(types)] for j in range(1 + k % 5)]
            f = fn(lib, "noargs_counter", [], c_int)
            f.argtypes = argtypes
            t = ctabi.thunk(fn(lib, "add_int", [c_int, c_int], c_int))
            assert t(i, k) == i + k
            assert ctabi.thunk(f).signature.startswith("sysv64 i32(")

    _run_threads(work)


def test_callbacks_from_several_threads(lib):
    call_ii = ctabi.thunk(fn(lib, "call_ii", [CB_II, c_int], c_long))

    def work(i):
        cb = ctabi.callback(CB_II, lambda a, b: a * i + b)
        expected = 0
        for j in range(10):
            expected = ctypes.c_long(expected * 31 + (j * i + 100 - j)).value
        for _ in range(500):
            assert call_ii(cb, 10) == expected

    _run_threads(work)


@pytest.mark.parametrize("release_gil", [True, False])
def test_gil_released_lets_other_threads_run(lib, release_gil):
    """A thunk that releases the GIL lets a callback-free C loop run in
    parallel with Python: check the flag is honoured, not the speed."""
    gil = ctabi.thunk(fn(lib, "gil_held", [], c_int), release_gil=release_gil)
    results = []
    _run_threads(lambda i: results.append(gil()), n=2)
    assert results == [0 if release_gil else 1] * 2
