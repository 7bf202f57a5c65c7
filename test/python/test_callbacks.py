"""ctabi.callback: C code (the test library, libc's qsort) calling Python
through ctabi trampolines, compared with ctypes callbacks where ctypes can
do it, and against the C side where it cannot (aggregates, ms_abi)."""

import ctypes
import gc
import sys
import threading
import weakref
from ctypes import (CFUNCTYPE, POINTER, c_bool, c_byte, c_char, c_char_p, c_double, c_float,
                    c_int, c_long, c_longdouble, c_longlong, c_short, c_size_t, c_ubyte, c_uint,
                    c_ulonglong, c_ushort, c_void_p, c_wchar)

import pytest

import ctabi
from ctypes_types import (S2d, S2i, S24, S3f, SArr, SBig, SMix, SNested, SPacked, UBig, UFD, UIF,
                          ULarge, SWithU, WithBitfield)
from helpers import fn

CB_II = CFUNCTYPE(c_int, c_int, c_int)
CMP_INT = CFUNCTYPE(c_int, POINTER(c_int), POINTER(c_int))
CMP_VOIDP = CFUNCTYPE(c_int, c_void_p, c_void_p)


def expected_call_ii(f, n):
    acc = 0
    for i in range(n):
        acc = acc * 31 + f(i, 100 - i)
        acc = ctypes.c_long(acc).value
    return acc


@pytest.fixture
def unraisable(monkeypatch):
    """The calls to sys.unraisablehook during a test."""
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(u))
    return seen


# ---------------------------------------------------------------------------
# Basic: C calling a Python function several times


def test_call_ii(lib):
    seen = []

    def py(a, b):
        seen.append((a, b))
        return a * 3 - b

    cb = ctabi.callback(CB_II, py)
    assert isinstance(cb, CB_II)
    f = fn(lib, "call_ii", [CB_II, c_int], c_long)
    assert f(cb, 10) == expected_call_ii(py, 10)
    assert seen[:10] == [(i, 100 - i) for i in range(10)]
    assert ctabi.thunk(f)(cb, 10) == expected_call_ii(py, 10)


def test_callback_called_by_pydll_function(pylib):
    """The GIL held during the C call (PyDLL): the callback takes it again."""
    cb = ctabi.callback(CB_II, lambda a, b: a + b)
    f = fn(pylib, "call_ii", [CB_II, c_int], c_long)
    assert ctabi.thunk(f)(cb, 5) == expected_call_ii(lambda a, b: a + b, 5)
    assert f(cb, 5) == expected_call_ii(lambda a, b: a + b, 5)


def test_callback_called_from_python(lib):
    cb = ctabi.callback(CB_II, lambda a, b: a - b)
    assert cb(10, 3) == 7
    assert ctabi.thunk(cb)(10, 3) == 7


def test_callback_address_is_a_c_function(lib):
    cb = ctabi.callback(CB_II, lambda a, b: a * b)
    address = ctypes.cast(cb, c_void_p).value
    assert address == cb._ctabi_callback.address
    apply = fn(lib, "apply_ii", [c_void_p, c_int, c_int], c_int)
    assert apply(address, 6, 7) == 42


def test_float_arguments(lib):
    FT = CFUNCTYPE(c_double, c_double, c_float)
    seen = []

    def py(d, f):
        seen.append((d, f))
        return d * f

    cb = ctabi.callback(FT, py)
    assert fn(lib, "call_df", [FT], c_double)(cb) == 0.5 * 1.5 + 10 * (2.25 * -3.0)
    assert seen == [(0.5, 1.5), (2.25, -3.0)]
    assert all(type(a) is float and type(b) is float for a, b in seen)


SCALAR_TYPES = [c_byte, c_ubyte, c_short, c_ushort, c_int, c_uint, c_longlong, c_ulonglong,
                c_float, c_double, c_bool, c_char, c_size_t, c_wchar]


def test_scalar_arguments_as_ctypes(lib):
    FT = CFUNCTYPE(c_longlong, *SCALAR_TYPES)
    f = fn(lib, "call_scalars", [FT], c_longlong)
    got = {}

    def recorder(key):
        def py(*args):
            got[key] = [(type(a), a) for a in args]
            return -123456789012
        return py

    keep = FT(recorder("ctypes"))
    assert f(keep) == -123456789012
    cb = ctabi.callback(FT, recorder("ctabi"))
    assert f(cb) == -123456789012
    assert got["ctabi"] == got["ctypes"]
    assert [v for _, v in got["ctabi"]] == [-5, 250, -1000, 60000, -100000, 4000000000,
                                            -(1 << 40), 1 << 63, 1.5, 2.25, True, b"x",
                                            (1 << 64) - 1, "\u00e9"]


def test_longdouble_callback(lib):
    FT = CFUNCTYPE(c_longdouble, c_longdouble)
    f = fn(lib, "call_ld", [FT, c_longdouble], c_longdouble)
    seen = []
    cb = ctabi.callback(FT, lambda x: seen.append(x) or x + 1)
    assert f(cb, 2.5) == 7.0
    assert seen == [2.5]


@pytest.mark.parametrize("restype,caller,returns", [
    (c_byte, "call_ret_byte", [5, -5, 127, 128, 300, -129, True]),
    (c_ushort, "call_ret_ushort", [0, 65535, 65536, -1, 70000]),
    (c_ulonglong, "call_ret_ulonglong", [0, (1 << 64) - 1, 1 << 64, -1, (1 << 70) + 3]),
    (c_float, "call_ret_float", [1.5, 3, -0.1, 1e39, True]),
    (c_bool, "call_ret_bool", [True, False, 0, 5, "", "x", None, [1]]),
    (c_char, "call_ret_char", [b"a", b"\xff", 65, 0]),
    (c_void_p, "call_ret_voidp", [None, 0, 1234, (1 << 64) - 1]),
], ids=["c_byte", "c_ushort", "c_ulonglong", "c_float", "c_bool", "c_char", "c_void_p"])
def test_scalar_results_as_ctypes(lib, restype, caller, returns):
    FT = CFUNCTYPE(restype)
    f = fn(lib, caller, [FT], c_ulonglong if caller == "call_ret_ulonglong" else
           (c_double if caller == "call_ret_float" else c_long))
    mismatches = []
    for value in returns:
        expected = f(FT(lambda: value))
        got = f(ctabi.callback(FT, lambda: value))
        if got != expected:
            mismatches.append("callback returned %r: C got %r with ctypes, %r with ctabi"
                              % (value, expected, got))
    assert not mismatches, "\n".join(mismatches)


def test_bad_result_value_gives_zero(lib, unraisable):
    FT = CFUNCTYPE(c_byte)
    f = fn(lib, "call_ret_byte", [FT], c_long)
    assert f(ctabi.callback(FT, lambda: "not an int")) == 0
    assert len(unraisable) == 1
    assert issubclass(unraisable[0].exc_type, TypeError)


def test_char_p_arguments(lib):
    FT = CFUNCTYPE(c_int, c_char_p)
    seen = []

    def py(s):
        seen.append(s)
        return len(s) if s is not None else 7

    assert fn(lib, "call_str", [FT], c_int)(ctabi.callback(FT, py)) == 5 + 70
    assert seen == [b"hello", None]


def test_char_p_result(lib):
    FT = CFUNCTYPE(c_char_p, c_int)
    f = fn(lib, "call_ret_str_len", [FT, c_int], c_long)
    kept = b"twelve chars"  # alive: the C caller reads it after the callback returns
    cb = ctabi.callback(FT, lambda which: kept if which else None)
    assert f(cb, 0) == -1
    with pytest.warns(RuntimeWarning, match="memory leak"):
        assert f(cb, 1) == 12


def test_pointer_results_take_what_ctypes_takes(lib, unraisable):
    """A callback's c_char_p result converts as ctypes' setfunc of the type
    converts it (ctypes has no from_param there): bytes, an int address or
    None. A c_char_p instance or an object with _as_parameter_ is a
    TypeError, and the C caller gets NULL (where ctypes' caller gets
    whatever was in the result's memory)."""
    FT = CFUNCTYPE(c_char_p, c_int)
    f = fn(lib, "call_ret_str_len", [FT, c_int], c_long)

    class Param:
        @property
        def _as_parameter_(self):
            return b"as parameter!" * 3

    for make in [lambda: ctypes.c_char_p(b"instance value" * 2), lambda: Param()]:
        unraisable.clear()
        assert f(ctabi.callback(FT, lambda which, make=make: make()), 1) == -1
        assert [u.exc_type for u in unraisable] == [TypeError]
    keep = ctypes.create_string_buffer(b"by address")
    assert f(ctabi.callback(FT, lambda which: ctypes.addressof(keep)), 1) == 10
    assert f(ctabi.callback(FT, lambda which: None), 1) == -1


@pytest.mark.parametrize("restype, caller", [(c_byte, "call_ret_byte"),
                                             (c_ushort, "call_ret_ushort"),
                                             (c_ulonglong, "call_ret_ulonglong"),
                                             (c_float, "call_ret_float"),
                                             (c_bool, "call_ret_bool"),
                                             (c_char, "call_ret_char"),
                                             (c_void_p, "call_ret_voidp")])
def test_scalar_results_convert_as_ctypes_setfunc(lib, unraisable, restype, caller):
    """Every value a callback may return for a simple restype, beside
    ctypes' own callback: the same C value, or for both an exception (to
    sys.unraisablehook; then ctypes' C caller gets garbage, so only the
    exception is compared)."""

    class Param:
        _as_parameter_ = 3

    values = [0, 1, -1, 255, 256, 2 ** 63, 2 ** 64, -2 ** 70, True, 1.5, None, b"a", b"ab", "a",
              c_int(5), c_byte(3), c_double(1.5), c_char(b"q"), c_bool(True), c_void_p(16),
              Param(), object()]
    FT = CFUNCTYPE(restype)
    call = fn(lib, caller, [FT], {"call_ret_float": c_double, "call_ret_ulonglong": c_ulonglong,
                                  "call_ret_voidp": c_size_t}.get(caller, c_long))
    for v in values:
        got = {}
        for name, make in (("ctypes", FT), ("ctabi", lambda py: ctabi.callback(FT, py))):
            unraisable.clear()
            r = call(make(lambda v=v: v))
            got[name] = ("raised", unraisable[0].exc_type) if unraisable else ("ok", r)
        assert got["ctabi"] == got["ctypes"], (restype, v, got)


def test_pointer_arguments(lib):
    FT = CFUNCTYPE(None, POINTER(c_int))
    seen = []

    def py(p):
        seen.append(type(p))
        p[0] = p[0] + 1

    assert fn(lib, "call_ptr", [FT], c_int)(ctabi.callback(FT, py)) == 8
    assert seen == [POINTER(c_int)]


def test_void_result(lib):
    FT = CFUNCTYPE(None, c_int)
    seen = []
    cb = ctabi.callback(FT, seen.append)
    assert fn(lib, "call_void", [FT, c_int], c_int)(cb, 5) == 5
    assert seen == [0, 1, 2, 3, 4]


def test_many_arguments(lib):
    FT = CFUNCTYPE(c_double, *([c_int, c_double] * 9))
    seen = []

    def py(*args):
        seen.append(args)
        return sum((i + 1) * a for i, a in enumerate(args))

    assert fn(lib, "call_many", [FT], c_double)(ctabi.callback(FT, py)) == py(*seen[0])
    assert seen[0] == (1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13, 14.5, 15, 16.5,
                       17, 18.5)


# ---------------------------------------------------------------------------
# qsort-style comparators


def test_libc_qsort(libc):
    calls = []

    def cmp(a, b):
        calls.append(1)
        return (a[0] > b[0]) - (a[0] < b[0])

    cb = ctabi.callback(CMP_INT, cmp)
    qsort = fn(libc, "qsort", [c_void_p, c_size_t, c_size_t, CMP_INT], None)
    values = [5, -3, 99, 0, 42, 7, -100, 8, 8, 1]
    arr = (c_int * len(values))(*values)
    qsort(arr, len(arr), ctypes.sizeof(c_int), cb)
    assert list(arr) == sorted(values)
    assert calls
    arr = (c_int * len(values))(*values)
    ctabi.thunk(qsort)(arr, len(arr), ctypes.sizeof(c_int), cb)
    assert list(arr) == sorted(values)


def test_libc_qsort_void_p_comparator(libc):
    def cmp(a, b):
        x, y = c_int.from_address(a).value, c_int.from_address(b).value
        return (x < y) - (x > y)  # descending

    cb = ctabi.callback(CMP_VOIDP, cmp)
    qsort = fn(libc, "qsort", [c_void_p, c_size_t, c_size_t, CMP_VOIDP], None)
    values = list(range(50))
    arr = (c_int * 50)(*values)
    ctabi.thunk(qsort)(arr, 50, 4, cb)
    assert list(arr) == sorted(values, reverse=True)


@pytest.mark.parametrize("caller", ["my_sort", "sort_with_qsort"])
def test_sort_with_comparator(lib, caller):
    cb = ctabi.callback(CMP_INT, lambda a, b: a[0] - b[0])
    f = ctabi.thunk(fn(lib, caller, [POINTER(c_int), c_size_t, CMP_INT], None))
    values = [(i * 7919) % 1000 - 500 for i in range(200)]
    arr = (c_int * 200)(*values)
    f(arr, 200, cb)
    assert list(arr) == sorted(values)


# ---------------------------------------------------------------------------
# Structures and unions by value: arguments and results


AGG_CASES = {
    # name: (class, C's argument as fields, read fields, write fields, C's fold of the result)
    "S2d": (S2d, (1.5, 2.5), lambda s: (s.x, s.y), ("x", "y"), (1, 10)),
    "S2i": (S2i, (4, -5), lambda s: (s.a, s.b), ("a", "b"), (1, 10)),
    "SMix": (SMix, (-7, 0.25), lambda s: (s.a, s.b), ("a", "b"), (1, 10)),
    "S3f": (S3f, (1.0, 2.0, 3.0), lambda s: (s.a, s.b, s.c), ("a", "b", "c"), (1, 10, 100)),
    "S24": (S24, (1, 2, 3), lambda s: (s.a, s.b, s.c), ("a", "b", "c"), (1, 10, 100)),
    "SNested": (SNested, (1, 2, 3.5), lambda s: (s.inner.a, s.inner.b, s.z),
                ("inner.a", "inner.b", "z"), (1, 10, 100)),
    "SPacked": (SPacked, (1, 2, 3.5), lambda s: (s.c[0], s.i, s.d), ("c", "i", "d"), (1, 10, 100)),
    "SArr": (SArr, (1, 2, 3, 4), lambda s: tuple(s.a), ("a[0]", "a[1]", "a[2]", "a[3]"),
             (1, 10, 100, 1000)),
    "SBig": (SBig, (1.0, 2.0, 3.0, 4.0, 5.0, 6), lambda s: tuple(s.d) + (s.tag,),
             ("d[0]", "d[1]", "d[2]", "d[3]", "d[4]", "tag"), (1, 2, 3, 4, 5, 100)),
    "UIF": (UIF, (41,), lambda u: (u.i,), ("i",), (1,)),
    "UFD": (UFD, (1.5, 2.5), lambda u: tuple(u.f), ("f[0]", "f[1]"), (1, 10)),
    "UBig": (UBig, (1.5, 2.5), lambda u: (u.s.x, u.s.y), ("s.x", "s.y"), (1, 10)),
    "ULarge": (ULarge, (1.0, 2.0, 3.0), lambda u: tuple(u.d), ("d[0]", "d[1]", "d[2]"),
               (1, 10, 100)),
    "SWithU": (SWithU, (1, 2, 3.5), lambda s: (s.tag, s.u.i, s.x), ("tag", "u.i", "x"),
               (1, 10, 100)),
}


def _set(obj, path, value):
    """obj.<path> = value, path like 'a', 'inner.b', 'd[3]'."""
    *parents, last = path.split(".")
    for p in parents:
        obj = getattr(obj, p)
    if "[" in last:
        name, index = last[:-1].split("[")
        getattr(obj, name)[int(index)] = value
    elif isinstance(getattr(obj, last), bytes):
        setattr(obj, last, bytes([value]))
    else:
        setattr(obj, last, value)


@pytest.mark.parametrize("name", sorted(AGG_CASES))
def test_aggregate_argument_and_result(lib, name):
    cls, c_fields, read, paths, weights = AGG_CASES[name]
    FT = CFUNCTYPE(cls, cls, c_int)
    seen = []

    def py(value, k):
        seen.append((type(value), read(value), k))
        out = cls()
        for i, (path, v) in enumerate(zip(paths, read(value))):
            _set(out, path, v + k * (i + 1))
        return out

    cb = ctabi.callback(FT, py)
    f = fn(lib, "call_" + name, [FT], c_double)
    got = f(cb)
    assert seen == [(cls, c_fields, 3)]
    assert got == sum(w * (v + 3 * (i + 1)) for i, (v, w) in enumerate(zip(c_fields, weights)))
    assert ctabi.thunk(f)(cb) == got


def test_aggregate_result_of_wrong_type_gives_zero(lib, unraisable):
    FT = CFUNCTYPE(S24, S24, c_int)
    cb = ctabi.callback(FT, lambda s, k: S2d(1, 2))
    assert fn(lib, "call_S24", [FT], c_double)(cb) == 0.0
    assert len(unraisable) == 1
    assert issubclass(unraisable[0].exc_type, TypeError)


# ---------------------------------------------------------------------------
# Exceptions: sys.unraisablehook, and a zero result


def test_exception_goes_to_unraisablehook(lib, unraisable):
    class Boom(Exception):
        pass

    def py(a, b):
        raise Boom("boom %d" % a)

    cb = ctabi.callback(CB_II, py)
    assert fn(lib, "call_ii", [CB_II, c_int], c_long)(cb, 3) == 0
    assert len(unraisable) == 3
    assert all(u.exc_type is Boom for u in unraisable)
    assert str(unraisable[0].exc_value) == "boom 0"
    assert unraisable[0].object is py


@pytest.mark.parametrize("make", ["ctypes", "ctabi"])
def test_use_errno_callback(lib, make, unraisable):
    """CFUNCTYPE(..., use_errno=True): inside the callback ctypes.get_errno()
    is the C caller's errno, and what ctypes.set_errno() sets is the errno
    the caller sees after the callback returns (ctypes' private errno and
    the real one trade places around the call)."""
    proto = CFUNCTYPE(c_int, c_int, use_errno=True)
    seen = []

    def py(before):
        seen.append(ctypes.get_errno())
        ctypes.set_errno(42)
        return before

    cb = proto(py) if make == "ctypes" else ctabi.callback(proto, py)
    call = fn(lib, "call_keeping_errno", [proto, c_int], c_int)
    ctypes.set_errno(5)
    assert call(cb, 7) == 42 * 1000 + 7
    assert call(cb, 9) == 42 * 1000 + 9
    assert seen == [7, 9]
    assert ctypes.get_errno() == 5  # the private copy is back where it was

    # A raising callback: errno is still traded back, and ctabi's caller
    # gets 0 (ctypes' gets whatever was in the result's memory).
    def boom(before):
        ctypes.set_errno(11)
        raise ValueError("boom")

    if make == "ctabi":
        assert call(ctabi.callback(proto, boom), 3) == 11 * 1000
        assert len(unraisable) == 1


def test_exception_zero_results_of_each_kind(lib, unraisable):
    def boom(*args):
        raise ValueError("no")

    DF = CFUNCTYPE(c_double, c_double, c_float)
    assert fn(lib, "call_df", [DF], c_double)(ctabi.callback(DF, boom)) == 0.0
    for name in ["S24", "SBig", "S2d", "UBig"]:
        cls = AGG_CASES[name][0]
        FT = CFUNCTYPE(cls, cls, c_int)
        assert fn(lib, "call_" + name, [FT], c_double)(ctabi.callback(FT, boom)) == 0.0
    P = CFUNCTYPE(c_void_p)
    assert fn(lib, "call_ret_voidp", [P], c_size_t)(ctabi.callback(P, boom)) == 0
    assert len(unraisable) == 2 + 4 + 1
    assert all(u.exc_type is ValueError for u in unraisable)


def test_wrong_arity_pyfunc(lib, unraisable):
    cb = ctabi.callback(CB_II, lambda a: a)
    assert fn(lib, "call_ii", [CB_II, c_int], c_long)(cb, 2) == 0
    assert len(unraisable) == 2 and unraisable[0].exc_type is TypeError


# ---------------------------------------------------------------------------
# Lifetime


def test_callback_keeps_pyfunc_alive(lib):
    class Func:
        def __call__(self, a, b):
            return a + b + 1000

    func = Func()
    ref = weakref.ref(func)
    cb = ctabi.callback(CB_II, func)
    del func
    gc.collect()
    assert ref() is not None
    store = fn(lib, "store_ii", [CB_II], None)
    call = fn(lib, "call_stored_ii", [c_int, c_int], c_int)
    store(cb)
    for _ in range(3):
        gc.collect()
        assert call(1, 2) == 1003
    fn(lib, "store_ii", [c_void_p], None)(None)
    del cb
    gc.collect()
    assert ref() is None, "the callback's Python function outlived the callback"


def test_callback_survives_reference_cycles(lib):
    class Holder:
        pass

    h = Holder()
    h.self = h
    h.cb = ctabi.callback(CB_II, lambda a, b: a * b)
    apply = fn(lib, "apply_ii", [CB_II, c_int, c_int], c_int)
    gc.collect()
    assert apply(h.cb, 6, 7) == 42


def test_many_live_callbacks(lib):
    apply = ctabi.thunk(fn(lib, "apply_ii", [CB_II, c_int, c_int], c_int))
    cbs = [ctabi.callback(CB_II, (lambda i: lambda a, b: a + b + i)(i)) for i in range(2000)]
    for i, cb in enumerate(cbs):
        assert apply(cb, 1, 2) == 3 + i


# ---------------------------------------------------------------------------
# Threads: a callback called from a thread Python never saw


def test_callback_from_foreign_thread(lib):
    thread_ids = []

    def py(a, b):
        thread_ids.append(threading.get_ident())
        return a * b

    cb = ctabi.callback(CB_II, py)
    f = ctabi.thunk(fn(lib, "call_ii_in_thread", [CB_II, c_int, c_int], c_int))
    assert f(cb, 6, 7) == 42
    assert thread_ids and thread_ids[0] != threading.get_ident()


def test_callbacks_from_python_threads(lib):
    f = ctabi.thunk(fn(lib, "call_ii", [CB_II, c_int], c_long))
    cb = ctabi.callback(CB_II, lambda a, b: a ^ b)
    expected = expected_call_ii(lambda a, b: a ^ b, 50)
    errors = []

    def work():
        try:
            for _ in range(200):
                assert f(cb, 50) == expected
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


# ---------------------------------------------------------------------------
# ms_abi callers: abi="win64"


def test_win64_callback(lib):
    cb = ctabi.callback(CB_II, lambda a, b: 2 * a + b, abi="win64")
    f = fn(lib, "call_ms_ii", [CB_II, c_int], c_long)
    assert f(cb, 20) == expected_call_ii(lambda a, b: 2 * a + b, 20)


def test_win64_callback_stack_arguments(lib):
    FT = CFUNCTYPE(c_double, c_int, c_double, c_longlong, c_float, c_int, c_double)
    seen = []

    def py(*args):
        seen.append(args)
        return sum((i + 1) * a for i, a in enumerate(args))

    cb = ctabi.callback(FT, py, abi="win64")
    assert fn(lib, "call_ms_mix", [FT], c_double)(cb) == py(1, 2.5, 3, 4.5, 5, 6.5)
    assert seen[0] == (1, 2.5, 3, 4.5, 5, 6.5)


def test_win64_callback_aggregates(lib):
    FT = CFUNCTYPE(S24, S24, c_int)
    seen = []

    def py(s, k):
        seen.append((s.a, s.b, s.c, k))
        return S24(s.a + k, s.b + 2 * k, s.c + 3 * k)

    cb = ctabi.callback(FT, py, abi="win64")
    assert fn(lib, "call_ms_S24", [FT], c_double)(cb) == 4 + 10 * 8 + 100 * 12
    assert seen == [(1, 2, 3, 3)]
    FT2 = CFUNCTYPE(S2i, S2i, c_int)
    cb2 = ctabi.callback(FT2, lambda s, k: S2i(s.a * k, s.b * k), abi="win64")
    assert fn(lib, "call_ms_S2i", [FT2], c_double)(cb2) == 12 + 10 * -15


# ---------------------------------------------------------------------------
# Bad input to ctabi.callback


def test_callback_bad_input():
    with pytest.raises(TypeError, match="CFUNCTYPE"):
        ctabi.callback(c_int, lambda: 0)
    with pytest.raises(TypeError, match="CFUNCTYPE"):
        ctabi.callback(CB_II(lambda a, b: 0), lambda: 0)
    with pytest.raises(TypeError, match="not callable"):
        ctabi.callback(CB_II, 5)
    with pytest.raises(ctabi.UnsupportedType, match="bitfield"):
        ctabi.callback(CFUNCTYPE(c_int, c_int, WithBitfield), lambda a, b: 0)
    with pytest.raises(ValueError, match="unknown abi"):
        ctabi.callback(CB_II, lambda a, b: 0, abi="vectorcall")


def test_py_object_result_gives_the_caller_a_reference(lib):
    """As ctypes' O_set: the C caller of a py_object callback gets a new
    reference (here ctypes' own call of the function pointer takes it)."""
    P = CFUNCTYPE(ctypes.py_object)
    obj = object()
    f = ctabi.callback(P, lambda: obj)
    before = sys.getrefcount(obj)
    for _ in range(10):
        assert f() is obj
    assert sys.getrefcount(obj) == before
    assert ctabi.callback(P, lambda: [1, 2, 3])() == [1, 2, 3]


def test_use_errno_callback_whose_argument_fails(lib, unraisable):
    """An argument that cannot be converted: no call and no errno trade, and
    the conversion's own error goes to sys.unraisablehook."""
    class Refused(c_int):
        def __init__(self, *args):
            raise ValueError("refused")

    proto = CFUNCTYPE(c_int, Refused, c_int, use_errno=True)
    calls = []
    cb = ctabi.callback(proto, lambda a, b: calls.append(a) or 0)
    fn(lib, "call_ii", [proto, c_int], c_long)(cb, 2)
    assert calls == []
    assert [u.exc_type for u in unraisable] == [ValueError, ValueError]


def test_callback_restype_with_its_own_from_param(lib):
    """ctypes stores a callback's result with the restype's setfunc: its
    from_param plays no part."""
    class MyInt(c_int):
        @classmethod
        def from_param(cls, value):
            raise AssertionError("not called")

    results = {}
    for make in ("ctypes", "ctabi"):
        proto = CFUNCTYPE(MyInt, c_int, c_int)
        py = lambda a, b: a + b  # noqa: E731
        cb = proto(py) if make == "ctypes" else ctabi.callback(proto, py)
        results[make] = fn(lib, "call_ii", [proto, c_int], c_long)(cb, 5)
    assert results["ctabi"] == results["ctypes"] == expected_call_ii(lambda a, b: a + b, 5)


def test_char_result_takes_a_bytearray(lib, unraisable):
    FT = CFUNCTYPE(c_char)
    call = fn(lib, "call_ret_char", [FT], c_int)
    assert call(FT(lambda: bytearray(b"x"))) == ord("x")
    assert call(ctabi.callback(FT, lambda: bytearray(b"x"))) == ord("x")
    assert unraisable == []
