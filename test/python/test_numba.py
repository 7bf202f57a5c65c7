"""ctabi thunks in numba's nopython mode: @njit, @vectorize, @guvectorize and
@cfunc call a thunk's canonical entry point directly. Every result is checked
against the same C function called from Python (ctypes, or a ctabi thunk
where ctypes itself is wrong)."""

import ctypes
import math
import subprocess
import sys
import textwrap

import pytest

numba = pytest.importorskip("numba", reason="numba is not installed (bindings/python/requirements-dev.txt installs it)")
np = pytest.importorskip("numpy")

from numba.core.errors import TypingError  # noqa: E402

import ctabi  # noqa: E402
from ctabi import _numba as cn  # noqa: E402

import ctypes_types as ct  # noqa: E402
from helpers import fn  # noqa: E402

C = ctypes

# (suffix in clib/scalars.c, ctypes type, two values whose sum fits)
SCALARS = [
    ("byte", C.c_byte, -100, 27), ("ubyte", C.c_ubyte, 200, 55), ("short", C.c_short, -30000, 2767),
    ("ushort", C.c_ushort, 60000, 5535), ("int", C.c_int, -2**31 + 5, 2**30),
    ("uint", C.c_uint, 2**32 - 10, 9), ("long", C.c_long, -2**62, 2**61),
    ("ulong", C.c_ulong, 2**64 - 10, 9), ("longlong", C.c_longlong, 2**62, -2**61),
    ("ulonglong", C.c_ulonglong, 2**63, 2**62), ("size_t", C.c_size_t, 2**40, 7),
    ("ssize_t", C.c_ssize_t, -2**40, 7), ("int8", C.c_int8, -128, 127), ("uint8", C.c_uint8, 255, 0),
    ("int16", C.c_int16, -32768, 1), ("uint16", C.c_uint16, 65535, 0),
    ("int32", C.c_int32, -7, 8), ("uint32", C.c_uint32, 4000000000, 5),
    ("int64", C.c_int64, -2**63, 2**62), ("uint64", C.c_uint64, 2**64 - 1, 0),
    ("float", C.c_float, 1.5, 2.25), ("double", C.c_double, 1e300, -1e299),
    ("longdouble", C.c_longdouble, 1.0 / 3, 2.5), ("wchar", C.c_wchar, 0x1F600, 1),
]


def _thunk(lib, name, argtypes, restype, **kw):
    return ctabi.thunk(fn(lib, name, argtypes, restype), **kw)


@pytest.mark.parametrize("suffix,ctype,a,b", SCALARS, ids=[s[0] for s in SCALARS])
def test_every_scalar_type_through_njit(lib, suffix, ctype, a, b):
    add = _thunk(lib, "add_" + suffix, [ctype, ctype], ctype)
    ident = _thunk(lib, "id_" + suffix, [ctype], ctype)
    last = _thunk(lib, "last_" + suffix, [C.c_int] * 6 + [C.c_double] * 8 + [ctype], ctype)

    @numba.njit
    def calls(x, y):
        return add(x, y), ident(x), last(1, 2, 3, 4, 5, 6, 1., 2., 3., 4., 5., 6., 7., 8., y)

    if suffix == "wchar":  # ctypes passes c_wchar as a 1-character str
        ref = fn(lib, "add_wchar", [ctype, ctype], ctype)(chr(a), chr(b))
        want = (ord(ref), a, b)
    else:
        want = (fn(lib, "add_" + suffix, [ctype, ctype], ctype)(a, b), a, b)
    got = calls(a, b)
    if ctype in (C.c_float, C.c_double, C.c_longdouble):
        assert got == pytest.approx(want, rel=1e-15)
    else:
        assert got == want


def test_narrow_arguments_are_widened_as_the_callee_expects(lib):
    wb = _thunk(lib, "widen_byte", [C.c_byte], C.c_long)
    wus = _thunk(lib, "widen_ushort", [C.c_ushort], C.c_ulong)

    @numba.njit
    def f(x, y):
        return wb(x), wus(y)

    assert f(-5, 65535) == (-5, 65535)


def test_bool_and_char(lib):
    not_bool = _thunk(lib, "not_bool", [C.c_bool], C.c_bool)
    to_int = _thunk(lib, "bool_to_int", [C.c_bool], C.c_int)
    nonzero = _thunk(lib, "int_is_nonzero", [C.c_int], C.c_bool)
    id_char = _thunk(lib, "id_char", [C.c_char], C.c_char)

    @numba.njit
    def f(b, i):
        return not_bool(b), to_int(b), nonzero(i), id_char(65)

    assert f(True, 0) == (False, 1, False, 65)
    assert f(False, -3) == (True, 0, True, 65)


def test_long_double_from_and_to_float64(lib):
    third = _thunk(lib, "ld_third", [C.c_longdouble], C.c_longdouble)
    mix = _thunk(lib, "ld_mix", [C.c_int, C.c_longdouble, C.c_double, C.c_longdouble],
                 C.c_longdouble)

    @numba.njit
    def f(x):
        return third(x), mix(1, x, 2.0, 0.5)

    assert f(1.0) == (1.0 / 3, 1 + 10.0 + 200 + 500)
    assert f(float("inf"))[0] == float("inf")
    assert math.isnan(f(float("nan"))[0])


# ---------------------------------------------------------------- structures

AGGREGATES = ["S2i", "S2d", "SMix", "S3f", "SSmall", "S24", "SBig", "SArr", "SArrF", "SNested",
              "SNest2", "SPacked", "SPacked3", "UIF", "UDL", "UFD", "UBig", "ULarge"]


def _instances(lib, name, n):
    """n distinct values of the structure, made by C (X_bump of a zero)."""
    t = getattr(ct, name)
    bump = _thunk(lib, name + "_bump", [t, C.c_int], t)
    return [bump(t(), k + 1) for k in range(n)]


def _same(a, b):
    """Structured arrays equal field by field (padding is not data)."""
    if a.dtype.names is None:
        return np.array_equal(a, b)
    return all(_same(a[n], b[n]) for n in a.dtype.names)


def _as_array(values, t):
    dt = cn._dtype_of(t, "test")
    return np.frombuffer(b"".join(bytes(v) for v in values), dtype=dt).copy()


@pytest.mark.parametrize("name", AGGREGATES)
def test_struct_by_value_from_records_and_back(lib, name):
    t = getattr(ct, name)
    ssum = _thunk(lib, name + "_sum", [t], C.c_double)
    bump = _thunk(lib, name + "_bump", [t, C.c_int], t)
    mid = _thunk(lib, name + "_mid", [C.c_int, t, C.c_double], C.c_double)
    values = _instances(lib, name, 5)
    arr = _as_array(values, t)

    @numba.njit
    def run(a, sums, mids, out, k):
        for i in range(a.shape[0]):
            sums[i] = ssum(a[i])
            mids[i] = mid(i, a[i], 0.5)
            out[i] = bump(a[i], k)

    sums, mids, out = np.zeros(len(values)), np.zeros(len(values)), np.zeros_like(arr)
    run(arr, sums, mids, out, 7)
    assert list(sums) == [ssum(v) for v in values]
    assert list(mids) == [mid(i, v, 0.5) for i, v in enumerate(values)]
    assert _same(out, _as_array([bump(v, 7) for v in values], t))
    # By value: the callee's copy, not the caller's record, is bumped.
    assert _same(arr, _as_array(values, t))


def test_structure_subclasses_are_laid_out_with_their_bases_fields(lib):
    """A ctypes subclass's fields follow its base's: the record numba gets
    for it has both, and the C side sees the whole structure."""

    class MixBase(C.Structure):
        _fields_ = [("a", C.c_long)]

    class MixSub(MixBase):
        _fields_ = [("b", C.c_double)]

    dt = cn._dtype_of(MixSub, "test")
    assert dt.names == ("a", "b") and dt.fields["b"][1] == 8 and dt.itemsize == 16
    ssum = _thunk(lib, "SMix_sum", [MixSub], C.c_double)
    make = _thunk(lib, "SMix_make", [C.c_long, C.c_double], MixSub)

    @numba.njit
    def f(a):
        made = make(4, 0.5)
        return ssum(a[0]), made.a, made.b

    a = np.zeros(1, dt)
    a[0]["a"], a[0]["b"] = 3, 0.25
    assert f(a) == (5.5, 4, 0.5)


def test_records_made_in_jitted_code_and_struct_results(lib):
    make = _thunk(lib, "S2d_make", [C.c_double, C.c_double], ct.S2d)
    ssum = _thunk(lib, "S2d_sum", [ct.S2d], C.c_double)
    dt = cn._dtype_of(ct.S2d, "test")

    @numba.njit
    def f(x):
        r = np.zeros(1, dt)[0]
        r.x = x
        r.y = 2.0
        made = make(3.0, x)
        return ssum(r), made.x, made.y, ssum(make(1.0, 1.0))

    assert f(5.0) == (25.0, 3.0, 5.0, 11.0)


def test_a_record_of_the_same_layout_under_other_names_is_accepted(lib):
    ssum = _thunk(lib, "S2i_sum", [ct.S2i], C.c_double)
    a = np.array([(1, 2), (3, 4)], dtype=[("first", "i4"), ("second", "u4")])

    @numba.njit
    def f(a):
        return ssum(a[0]) + ssum(a[1])

    assert f(a) == 21.0 + 43.0


def test_a_record_of_another_layout_is_a_typing_error(lib):
    ssum = _thunk(lib, "SSmall_sum", [ct.SSmall], C.c_double)
    packed = np.zeros(1, dtype=[("c", "i1"), ("s", "i2"), ("i", "i4")])  # offsets 0, 1, 3

    @numba.njit
    def f(a):
        return ssum(a[0])

    with pytest.raises(TypingError, match=r"argument 1: cannot pass .* as SSmall .*offsets"):
        f(packed)
    floats = np.zeros(1, dtype=[("a", "f4"), ("b", "f4")])
    s2i = _thunk(lib, "S2i_sum", [ct.S2i], C.c_double)

    @numba.njit
    def g(a):
        return s2i(a[0])

    with pytest.raises(TypingError, match="argument 1"):
        g(floats)


def test_pointer_to_structure_takes_a_record_or_an_array_of_them(lib):
    s24p = _thunk(lib, "s24_sum_ptr", [C.POINTER(ct.S24)], C.c_long)
    fill = _thunk(lib, "fill_s24", [C.POINTER(ct.S24), C.c_long, C.c_long, C.c_long], None)
    arrsum = _thunk(lib, "sum_s2d_array", [C.POINTER(ct.S2d), C.c_size_t], C.c_double)
    a = np.zeros(2, cn._dtype_of(ct.S24, "t"))
    b = np.array([(1.0, 2.0), (3.0, 4.0)], cn._dtype_of(ct.S2d, "t"))

    @numba.njit
    def f(a, b):
        fill(a[1], 1, 2, 3)  # the record's address, as ctypes.byref
        return s24p(a[1]), arrsum(b, 2)

    assert f(a, b) == (321, fn(lib, "sum_s2d_array", [C.POINTER(ct.S2d), C.c_size_t], C.c_double)(
        (ct.S2d * 2)(ct.S2d(1, 2), ct.S2d(3, 4)), 2))
    assert a[1].tolist() == (1, 2, 3)


# ---------------------------------------------------------- pointers, strings

def test_pointers_from_arrays_pointers_addresses_and_none(lib):
    sum_ints = _thunk(lib, "sum_ints", [C.POINTER(C.c_int), C.c_size_t], C.c_long)
    scale = _thunk(lib, "scale_doubles", [C.POINTER(C.c_double), C.c_size_t, C.c_double], None)
    deref = _thunk(lib, "deref_int", [C.POINTER(C.c_int)], C.c_int)
    is_null = _thunk(lib, "is_null", [C.c_void_p], C.c_int)
    echo = _thunk(lib, "ptr_echo", [C.c_void_p], C.c_void_p)
    static_ptr = _thunk(lib, "static_int_ptr", [], C.POINTER(C.c_int))

    @numba.njit
    def f(ints, dbl):
        scale(dbl, dbl.size, 2.0)
        p = static_ptr()
        return (sum_ints(ints, ints.size), deref(None), is_null(None), is_null(ints),
                echo(ints.ctypes.data) == ints.ctypes.data, deref(p) == p[0], deref(ints[1:].ctypes.data))

    ints = np.arange(5, dtype=np.int32)
    dbl = np.ones(3)
    assert f(ints, dbl) == (sum_ints(ints.ctypes.data_as(C.POINTER(C.c_int)), 5), -12345, 1, 0,
                            True, True, 1)
    assert list(dbl) == [2.0, 2.0, 2.0]


def test_pointer_to_other_elements_is_a_typing_error(lib):
    sum_ints = _thunk(lib, "sum_ints", [C.POINTER(C.c_int), C.c_size_t], C.c_long)

    @numba.njit
    def f(a):
        return sum_ints(a, 3)

    with pytest.raises(TypingError, match=r"argument 1: cannot pass .*float64.* as LP_c_int"):
        f(np.zeros(3))
    with pytest.raises(TypingError, match="may not be contiguous"):
        f(np.zeros(6, np.int32)[::2])


def test_c_char_p_from_bytes_str_and_byte_arrays(lib):
    strlen = _thunk(lib, "my_strlen", [C.c_char_p], C.c_long)
    static_str = _thunk(lib, "static_str", [C.c_int], C.c_char_p)
    equal = _thunk(lib, "str_equal", [C.c_char_p, C.c_char_p], C.c_int)

    @numba.njit
    def f(b, s, buf):
        return strlen(b), strlen(s), strlen(buf), strlen(None), strlen(static_str(1)), equal(b, s)

    buf = np.frombuffer(b"abc\0", dtype=np.uint8).copy()
    assert f(b"hello", "hello", buf) == (5, 5, 3, -1, len(fn(lib, "static_str", [C.c_int], C.c_char_p)(1)), 1)

    @numba.njit
    def g(s):
        return strlen(s)

    with pytest.raises(ValueError, match="argument 1: a str passed as c_char_p must be ASCII"):
        g("h\u00e9llo")


# ----------------------------------------------- vectorize, guvectorize, cfunc

def test_vectorize_over_arrays(lib):
    add = _thunk(lib, "add_double", [C.c_double, C.c_double], C.c_double)
    addf = _thunk(lib, "add_float", [C.c_float, C.c_float], C.c_float)

    @numba.vectorize(["float32(float32, float32)", "float64(float64, float64)"])
    def vadd(x, y):
        return add(x, y) + addf(x, y)

    x = np.linspace(0, 1, 1001)
    assert np.allclose(vadd(x, x), 4 * x)
    xf = x.astype(np.float32)
    got = vadd(xf, xf)
    assert got.dtype == np.float32 and np.allclose(got, 4 * xf)


def test_guvectorize_with_records(lib):
    ssum = _thunk(lib, "S2d_sum", [ct.S2d], C.c_double)
    dt = cn._dtype_of(ct.S2d, "t")
    rec = numba.from_dtype(dt)

    @numba.guvectorize([(rec[:], numba.float64[:])], "(n)->()")
    def total(a, out):
        out[0] = 0.0
        for i in range(a.shape[0]):
            out[0] += ssum(a[i])

    a = np.array([[(1.0, 2.0), (3.0, 4.0)], [(0.5, 0.0), (0.0, 0.5)]], dtype=dt)
    assert list(total(a)) == [21.0 + 43.0, 0.5 + 5.0]


def test_cfunc_calls_a_thunk(lib):
    msadd = _thunk(lib, "ms_add", [C.c_int, C.c_int], C.c_int, abi="win64")
    bump = _thunk(lib, "S2i_bump", [ct.S2i, C.c_int], ct.S2i)
    ssum = _thunk(lib, "S2i_sum", [ct.S2i], C.c_double)
    dt = cn._dtype_of(ct.S2i, "t")

    @numba.cfunc("float64(int32, int32)")
    def c(a, b):
        r = np.zeros(1, dt)[0]
        r.a = a
        return ssum(bump(r, b)) + msadd(a, b)

    proto = C.CFUNCTYPE(C.c_double, C.c_int, C.c_int)
    assert proto(c.address)(2, 3) == (2 + 3) + 10.0 * 6 + 5


# ------------------------------------------- callbacks, abi=, variadic, args

def test_thunk_of_a_ctabi_callback(lib):
    proto = C.CFUNCTYPE(C.c_double, C.c_double, C.c_int)
    cb = ctabi.callback(proto, lambda x, k: x * k)
    t = ctabi.thunk(cb)

    @numba.njit
    def f(x):
        return t(x, 3)

    @numba.njit(nogil=True)
    def g(x):
        return t(x, 4)

    assert f(2.0) == 6.0
    assert g(2.0) == 8.0


def test_foreign_convention_thunks(lib):
    mix = _thunk(lib, "ms_mix", [C.c_int, C.c_double, C.c_longlong, C.c_float, C.c_int, C.c_double],
                 C.c_double, abi="win64")
    bump = _thunk(lib, "ms_S24_bump", [ct.S24, C.c_int], ct.S24, abi="win64")
    s24sum = _thunk(lib, "ms_S24_sum", [ct.S24], C.c_double, abi="win64")
    vsum = _thunk(lib, "ms_va_sum_doubles", [C.c_int, C.c_double, C.c_double], C.c_double,
                  abi="win64", fixed_args=1)
    dt = cn._dtype_of(ct.S24, "t")

    @numba.njit
    def f(a):
        b = bump(a[0], 2)
        return mix(1, 2.0, 3, 4.0, 5, 6.0), b.a, b.b, b.c, s24sum(a[0]), vsum(2, 1.5, 2.5)

    a = np.array([(1, 2, 3)], dtype=dt)
    want = (mix(1, 2.0, 3, 4.0, 5, 6.0), 3, 6, 9, 321.0, vsum(2, 1.5, 2.5))
    assert f(a) == want


def test_thunk_as_an_argument(lib):
    add = _thunk(lib, "add_int", [C.c_int, C.c_int], C.c_int)
    add2 = _thunk(lib, "add_int", [C.c_int, C.c_int], C.c_int)

    @numba.njit
    def call(t, x):
        return t(x, x)

    assert call(add, 4) == 8
    assert call(add2, 5) == 10  # same type, other thunk: no recompilation
    assert len(call.signatures) == 1


def test_canonical_native_call_is_numbas_own_direct_call(lib):
    raw = fn(lib, "add_double", [C.c_double, C.c_double], C.c_double)
    t = ctabi.thunk(raw)
    assert t.address == C.cast(raw, C.c_void_p).value

    @numba.njit
    def via_ctabi(x):
        return t(x, x)

    @numba.njit
    def via_numba(x):
        return raw(x, x)

    assert via_ctabi(1.5) == via_numba(1.5) == 3.0
    symbol = "numba.dynamic.globals.%x" % t.address
    for f in (via_ctabi, via_numba):
        ir_text = f.inspect_llvm(f.signatures[0])
        assert symbol in ir_text
        assert ir_text.count("call double") >= 1


def test_pyopengl_like_lazy_wrappers_resolve():
    """ctabi.thunk takes PyOpenGL-style lazy function objects (load() gives
    the ctypes function, wrappedOperation leads to it)."""
    libm = C.CDLL("libm.so.6")

    class Platform:
        __name__ = "cos"
        argtypes = (C.c_double,)
        restype = C.c_double

        def load(self):
            f = C.CFUNCTYPE(C.c_double, C.c_double)(("cos", libm))
            f.errcheck = lambda r, f, a: r + 100
            return f

    class Wrapper:
        wrappedOperation = Platform()

    t = ctabi.thunk(Wrapper())
    assert t(0.0) == 1.0  # the errcheck of load() is not kept
    with pytest.raises(TypeError, match="or a PyOpenGL function, not int"):
        ctabi.thunk(3)


# ------------------------------------------------------------------ errors

def _typing_error(thunk, *args):
    @numba.njit
    def f(*a):
        return thunk(*a)

    with pytest.raises(TypingError) as info:
        f(*args)
    return str(info.value)


def test_clear_typing_errors(lib):
    add = _thunk(lib, "add_int", [C.c_int, C.c_int], C.c_int)
    assert "takes 2 arguments, 1 given" in _typing_error(add, 1)
    assert "argument 2: cannot pass array(float64, 1d, C) as c_int" in _typing_error(add, 1, np.zeros(2))
    errcheck = _thunk(lib, "add_int", [C.c_int, C.c_int], C.c_int)
    errcheck = ctabi.thunk(fn(lib, "add_int", [C.c_int, C.c_int], C.c_int, errcheck=lambda r, f, a: r))
    assert "errcheck" in _typing_error(errcheck, 1, 2)

    class Status(C.c_int):
        _check_retval_ = staticmethod(lambda v: v.value)

    checked = ctabi.thunk(fn(lib, "add_int", [C.c_int, C.c_int], Status))
    assert checked(1, 2) == 3
    assert "its restype Status has a _check_retval_" in _typing_error(checked, 1, 2)
    swapped = ctabi.thunk(fn(lib, "add_int", [C.c_int, C.c_int], C.c_int.__ctype_be__))
    assert swapped(1, 0) == 1 << 24
    assert "restype c_int_be is of the other byte order" in _typing_error(swapped, 1, 2)
    pyobj = ctabi.thunk(fn(lib, "ptr_echo", [C.py_object], C.c_void_p))
    assert "argument 1: py_object" in _typing_error(pyobj, 1)

    class Custom(C.c_int):
        @classmethod
        def from_param(cls, v):
            return C.c_int(v)

    custom = ctabi.thunk(fn(lib, "add_int", [C.c_int, Custom], C.c_int))
    assert "argument 2: Custom converts values with its own from_param" in _typing_error(custom, 1, 2)
    paramflags = C.CFUNCTYPE(C.c_int, C.c_int, C.c_int)(("add_int", lib), ((1, "a"), (1, "b")))
    assert "paramflags" in _typing_error(ctabi.thunk(paramflags), 1, 2)
    ld_struct = _thunk(lib, "S2d_sum", [ct.S2d], C.c_double)
    assert "argument 1: cannot pass float64 as S2d" in _typing_error(ld_struct, 1.0)
    strlen = _thunk(lib, "my_strlen", [C.c_char_p], C.c_long)
    assert "argument 1: cannot pass float64 as c_char_p" in _typing_error(strlen, 1.0)

    @numba.njit
    def kw():
        return add(1, b=2)

    with pytest.raises(TypingError):
        kw()


# ------------------------------------------------------------ registration

def _run(code):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_registered_by_the_numba_extensions_entry_point():
    out = _run("""
        import sys
        from numba.core import entrypoints
        entrypoints.init_all()
        print("ctabi._numba" in sys.modules)
    """)
    assert out == "True"


def test_registered_by_import_ctabi_after_numba():
    out = _run("""
        import sys, numba
        import ctabi
        print("ctabi._numba" in sys.modules)
    """)
    assert out == "True"


def test_typed_without_registration_through_numba_type_hook():
    out = _run("""
        import ctypes, sys
        import ctabi
        assert "ctabi._numba" not in sys.modules
        libm = ctypes.CDLL("libm.so.6")
        libm.cos.argtypes = [ctypes.c_double]; libm.cos.restype = ctypes.c_double
        t = ctabi.thunk(libm.cos)
        print(hasattr(t, "_numba_type_"))  # numba not loaded: not numba asking
        import numba
        from numba.core import entrypoints
        entrypoints._already_initialized = True  # as if ctabi were not installed
        print(numba.njit(lambda x: t(x))(0.0), "ctabi._numba" in sys.modules)
    """)
    assert out == "False\n1.0 True"
