"""What ctabi does right where ctypes cannot or does not: unions and
structures holding arrays or unions by value, packed structures, ms_abi
(Win64) functions in a System V library, variadic functions. Everything is
checked against what the C side computes, never against ctypes."""

import ctypes
from ctypes import (POINTER, byref, c_char, c_char_p, c_double, c_float, c_int, c_long,
                    c_longlong, c_size_t, c_ushort, c_byte, c_void_p, pointer)

import pytest

import ctabi
from ctypes_types import (AGGREGATES, S128, S2d, S2i, S24, S3f, SArr, SBig, SPacked, SPacked3,
                          UBig, UDL, UIF, aggregate_case, expected_fields, make_value, weighted)
from helpers import fn

BEYOND = ["UIF", "UDL", "UFD", "UBig", "ULarge", "SWithU", "SBig", "SArr", "SArrF", "SChars",
          "SNest2", "SPacked", "SPacked3"]


@pytest.mark.parametrize("name", BEYOND)
def test_aggregate_by_value_against_c(lib, name):
    info, cls, fields, value, total = aggregate_case(name)

    s = ctabi.thunk(fn(lib, name + "_sum", [cls], c_double))
    assert s(value) == total

    b = ctabi.thunk(fn(lib, name + "_bump", [cls, c_int], cls))
    assert info["fields"](b(value, 3)) == info["bump"](fields, 3)
    assert info["fields"](value) == fields  # passed by value: the original is untouched

    mid = ctabi.thunk(fn(lib, name + "_mid", [c_int, cls, c_double], c_double))
    scale = 1e9 if name in ("SChars", "SNest2") else 1e5
    assert mid(7, value, 2.0) == 7 + 10 * total + scale * 2.0

    m = ctabi.thunk(fn(lib, name + "_make", info["make"], cls))
    made = m(*info["args"])
    assert type(made) is cls
    assert info["fields"](made) == fields
    # The round trip: what C made, C reads back.
    assert s(made) == total


def test_big_arguments_and_result(lib):
    """384 bytes of arguments and a 128-byte result (arrays inside)."""
    make = ctabi.thunk(fn(lib, "S128_make", [c_double], S128))
    a, b, c = make(1.0), make(2.0), make(3.0)
    assert list(a.d) == [1.0 + i for i in range(16)]
    f = ctabi.thunk(fn(lib, "S128_sum3", [S128, c_int, S128, S128], c_double))
    expected = sum((i + 1) * ((1 + i) + 100 * (2 + i) + 10000 * (3 + i)) for i in range(16))
    assert f(a, 2, b, c) == 2 * expected


def test_union_members_seen_by_c(lib):
    getf = ctabi.thunk(fn(lib, "UIF_getf", [UIF], c_float))
    assert getf(UIF(f=2.5)) == 2.5
    makef = ctabi.thunk(fn(lib, "UIF_makef", [c_float], UIF))
    assert makef(-0.75).f == -0.75
    getl = ctabi.thunk(fn(lib, "UDL_getl", [UDL], c_long))
    u = UDL(d=1.0)
    assert getl(u) == UDL.from_buffer_copy(bytes(u)).l == 0x3FF0000000000000
    byte = ctabi.thunk(fn(lib, "UBig_byte", [UBig, c_int], c_int))
    ub = UBig()
    ub.c = bytes(range(1, 17))
    for i in range(16):
        assert byte(ub, i) == i + 1


def test_union_where_ctypes_is_wrong(lib):
    """UBig (a union of two doubles and 16 chars) is INTEGER class: in rdi/rsi
    (or on the stack), never in xmm registers."""
    f = fn(lib, "UBig_mid", [c_int, UBig, c_double], c_double)
    u = UBig()
    u.s.x, u.s.y = 1.5, 2.5
    assert ctabi.thunk(f)(1, u, 3.0) == 1 + 10 * 26.5 + 300000.0


def test_packed_struct_slow_argument_is_not_handed_to_ctypes(lib):
    """A float subclass is not on the fast path; ctabi must still not let
    ctypes make this call, since ctypes passes packed structures wrongly."""
    class MyFloat(float):
        pass

    f = fn(lib, "SPacked_mid", [c_int, SPacked, c_double], c_double)
    value = make_value("SPacked")
    total = weighted(expected_fields("SPacked"), AGGREGATES["SPacked"]["weights"])
    t = ctabi.thunk(f)
    assert t(7, value, 2.0) == 7 + 10 * total + 200000.0
    assert t(7, value, MyFloat(2.0)) == 7 + 10 * total + 200000.0


def test_aggregate_bad_arguments(lib):
    """No ctypes fallback here: ctabi raises ctypes' exception types itself."""
    t = ctabi.thunk(fn(lib, "UIF_mid", [c_int, UIF, c_double], c_double))
    for args in [(1, UDL(), 2.0), (1, None, 2.0), (1, 5, 2.0), (1, (1,), 2.0),
                 ("x", UIF(), 2.0), (1, UIF(), "y"), (1.5, UIF(), 2.0), (1, pointer(UIF()), 2.0)]:
        with pytest.raises(ctypes.ArgumentError):
            t(*args)
    for args in [(), (1, UIF()), (1, UIF(), 2.0, 3)]:
        with pytest.raises(TypeError):
            t(*args)


def test_aggregate_bad_argument_messages(lib):
    """The messages of those errors: ctypes' own, naming the argument."""
    # ctypes calls these bad values correctly (it raises before any call),
    # so its messages can be compared with ctabi's.
    f = fn(lib, "UIF_mid", [c_int, UIF, c_double], c_double)
    _assert_same_errors(f, ctabi.thunk(f), [(1, UDL(), 2.0), (1, 5, 2.0), ("x", UIF(), 2.0),
                                            (1, UIF(), "y"), (1.5, UIF(), 2.0), (1, UIF())])


def _assert_same_errors(f, t, arg_lists):
    """f (ctypes) raises for every argument list before calling anything;
    t must raise the same exception type with the same message."""
    mismatches = []
    for args in arg_lists:
        with pytest.raises(Exception) as expected:
            f(*args)
        try:
            t(*args)
            got = None
        except Exception as e:  # noqa: BLE001
            got = (type(e).__name__, str(e))
        want = (type(expected.value).__name__, str(expected.value))
        if got != want:
            mismatches.append("%r: ctypes %r, ctabi %r" % (args, want, got))
    assert not mismatches, "\n".join(mismatches)


# ---------------------------------------------------------------------------
# Conversions ctabi does itself (no ctypes fallback): the values ctypes takes


class Wrapped:
    def __init__(self, value):
        self._as_parameter_ = value


class MyInt(int):
    pass


class MyFloat(float):
    pass


class Indexable:
    def __index__(self):
        return 5


class Floatable:
    def __float__(self):
        return 2.5


INT_VALUES = [5, c_int(5), MyInt(5), Wrapped(5), Indexable(), True and 5]
DOUBLE_VALUES = [2.5, c_double(2.5), MyFloat(2.5), Wrapped(2.5), Floatable()]


def _self_check_values():
    """Every value here is one ctypes itself accepts for the type."""
    f = ctypes.CFUNCTYPE(c_double, c_int, c_double)(lambda a, b: a + b)
    for i in INT_VALUES:
        for d in DOUBLE_VALUES:
            assert f(i, d) == 7.5


@pytest.mark.parametrize("where", ["win64", "union"])
@pytest.mark.parametrize("kind", ["int", "double"])
def test_values_ctypes_accepts(lib, where, kind):
    _self_check_values()
    if where == "win64":
        t = ctabi.thunk(fn(lib, "ms_mix", [c_int, c_double, c_longlong, c_float, c_int, c_double],
                           c_double), abi="win64")
        call = lambda i, d: t(i, d, 0, 0.0, 0, 0.0)  # noqa: E731
        expect = lambda i, d: i + 10 * d  # noqa: E731
    else:
        t = ctabi.thunk(fn(lib, "UIF_mid", [c_int, UIF, c_double], c_double))
        call = lambda i, d: t(i, UIF(i=1), d)  # noqa: E731
        expect = lambda i, d: i + 10 + 100000.0 * d  # noqa: E731
    failures = []
    values = INT_VALUES if kind == "int" else DOUBLE_VALUES
    for v in values:
        args = (v, 2.5) if kind == "int" else (5, v)
        try:
            got = call(*args)
        except Exception as e:  # noqa: BLE001
            got = "%s: %s" % (type(e).__name__, e)
        if got != expect(5, 2.5):
            failures.append((v, got))
    assert not failures, "values ctypes accepts for c_%s, refused or mis-converted: %r" % (
        kind, failures)


@pytest.mark.parametrize("where", ["win64", "union"])
def test_pointer_values_ctypes_accepts(lib, where):
    """byref, pointer(), the instance itself, arrays: for POINTER(c_int)."""
    if where == "win64":
        t = ctabi.thunk(fn(lib, "ms_out_int", [POINTER(c_int), c_int], None), abi="win64")
        call = lambda p: t(p, 77)  # noqa: E731
    else:
        # A union argument makes the thunk do every conversion itself.
        t = ctabi.thunk(fn(lib, "out_int", [POINTER(c_int), c_int, UIF], None))
        call = lambda p: t(p, 77, UIF())  # noqa: E731
    failures = []
    makers = [("byref(x)", byref), ("pointer(x)", pointer), ("x itself", lambda x: x),
              ("_as_parameter_ = byref(x)", lambda x: Wrapped(byref(x))),
              ("cast(pointer(x), POINTER(c_int))", lambda x: ctypes.cast(pointer(x), POINTER(c_int)))]
    for label, make in makers:
        x = c_int()
        try:
            call(make(x))
            if x.value != 77:
                failures.append((label, x.value))
        except Exception as e:  # noqa: BLE001
            failures.append((label, "%s: %s" % (type(e).__name__, e)))
    arr = (c_int * 2)()
    call(arr)
    assert arr[0] == 77
    assert not failures, failures


def test_string_and_void_p_values_without_fallback(lib):
    t = ctabi.thunk(fn(lib, "ms_strlen", [c_char_p], c_long), abi="win64")
    buf = ctypes.create_string_buffer(b"sixsix", 10)
    assert t(b"four") == 4
    assert t(None) == -1
    assert t(c_char_p(b"abc")) == 3
    assert t(buf) == 6
    with pytest.raises(ctypes.ArgumentError):
        t("str")
    v = ctabi.thunk(fn(lib, "ptr_value", [c_void_p, UIF], c_size_t))
    arr = (c_int * 2)()
    for value, expected in [(None, 0), (1234, 1234), (arr, ctypes.addressof(arr)),
                            (byref(arr), ctypes.addressof(arr)),
                            (pointer(arr), ctypes.addressof(arr)),
                            (c_void_p(99), 99)]:
        assert v(value, UIF()) == expected, value


class IntList(ctypes.c_void_p):
    @classmethod
    def from_param(cls, value):
        if isinstance(value, list):
            return (c_int * len(value))(*value)
        return value


def test_from_param_without_fallback(lib):
    t = ctabi.thunk(fn(lib, "sum_ints", [IntList, c_size_t, UIF], c_long))
    assert t([1, 2, 3], 3, UIF()) == 14
    assert t(None, 0, UIF()) == 0
    w = ctabi.thunk(fn(lib, "sum_ints", [IntList, c_size_t], c_long), fixed_args=2)
    assert w([4, 5], 2) == 14


# ---------------------------------------------------------------------------
# ms_abi (Win64) functions, abi="win64"


def win64(lib, name, argtypes, restype):
    return ctabi.thunk(fn(lib, name, argtypes, restype), abi="win64")


def test_win64_scalars(lib):
    assert win64(lib, "ms_add", [c_int, c_int], c_int)(2, 40) == 42
    assert win64(lib, "ms_add", [c_int, c_int], c_int)(1 << 31, 0) == -(1 << 31)
    mix = win64(lib, "ms_mix", [c_int, c_double, c_longlong, c_float, c_int, c_double], c_double)
    assert mix(1, 2.5, 3, 4.5, 5, 6.5) == 1 + 25 + 300 + 4500 + 50000 + 650000
    many = win64(lib, "ms_many", [c_double] * 8, c_double)
    assert many(*[float(i) for i in range(1, 9)]) == sum(i * i for i in range(1, 9))
    s10 = win64(lib, "ms_sum10", [c_long] * 10, c_long)
    assert s10(*range(1, 11)) == sum(i * i for i in range(1, 11))
    assert win64(lib, "ms_byte", [c_byte], c_byte)(-3) == -3
    assert win64(lib, "ms_byte", [c_byte], c_byte)(200) == -56
    assert win64(lib, "ms_ushort", [c_ushort], c_ushort)(65535) == 65535
    assert win64(lib, "ms_float", [c_float], c_float)(1.25) == 2.5


def test_win64_string_result(lib):
    st = win64(lib, "ms_str", [c_int], c_char_p)
    assert st(1) == b"ms" and st(0) is None


def test_win64_string_argument(lib):
    assert win64(lib, "ms_strlen", [c_char_p], c_long)(b"hello") == 5
    assert win64(lib, "ms_strlen", [c_char_p], c_long)(None) == -1


def test_win64_pointer_arguments(lib):
    out = win64(lib, "ms_out_int", [POINTER(c_int), c_int], None)
    x = c_int()
    out(byref(x), -9)
    assert x.value == -9
    out(pointer(x), 9)
    assert x.value == 9


def test_win64_aggregates(lib):
    b = win64(lib, "ms_S2i_bump", [S2i, c_int], S2i)
    r = b(S2i(1, 2), 10)
    assert (r.a, r.b) == (11, 22)
    assert win64(lib, "ms_S2i_sum", [S2i], c_double)(S2i(3, 4)) == 43
    b = win64(lib, "ms_S24_bump", [S24, c_int], S24)
    r = b(S24(1, 2, 3), 10)
    assert (r.a, r.b, r.c) == (11, 22, 33)
    assert win64(lib, "ms_S24_sum", [S24], c_double)(S24(1, 2, 3)) == 321
    assert win64(lib, "ms_S2d_sum", [S2d], c_double)(S2d(1.5, 2.5)) == 26.5
    r = win64(lib, "ms_S2d_make", [c_double, c_double], S2d)(1.5, 2.5)
    assert (r.x, r.y) == (1.5, 2.5)
    r = win64(lib, "ms_S3f_make", [c_float] * 3, S3f)(1, 2, 3)
    assert (r.a, r.b, r.c) == (1, 2, 3)
    assert win64(lib, "ms_S3f_sum", [S3f], c_double)(S3f(1, 2, 3)) == 321
    assert win64(lib, "ms_UIF_bump", [UIF, c_int], UIF)(UIF(i=5), 3).i == 8
    assert win64(lib, "ms_SArr_sum", [SArr], c_double)(SArr((c_int * 4)(1, 2, 3, 4))) == 4321
    r = win64(lib, "ms_SPacked3_bump", [SPacked3, c_int], SPacked3)(SPacked3(b"\x01", 300), 2)
    assert (r.c, r.s) == (b"\x03", 304)


def test_win64_aggregates_between_scalars(lib):
    f = win64(lib, "ms_aggregates_mid", [c_int, S24, c_double, S2i, c_float, SBig], c_double)
    big = SBig()
    big.d[:] = [1, 2, 3, 4, 5]
    big.tag = 2
    bs = sum((i + 1) * v for i, v in enumerate([1, 2, 3, 4, 5])) + 200
    got = f(1, S24(1, 2, 3), 0.5, S2i(4, 5), 0.25, big)
    assert got == 1 + 10 * 321 + 1e5 * 0.5 + 1e6 * 54 + 1e8 * 0.25 + 1e9 * bs


def test_win64_errcheck_and_address(lib):
    calls = []
    f = fn(lib, "ms_add", [c_int, c_int], c_int,
           errcheck=lambda r, func, args: calls.append((r, func, args)) or r + 1)
    t = ctabi.thunk(f, abi="win64")
    assert t(1, 2) == 4
    assert calls == [(3, f, (1, 2))]
    assert t.signature == "win64 i32(i32, i32)"
    # The address is a System V function: callable as a plain CFUNCTYPE.
    native = ctypes.CFUNCTYPE(c_int, c_int, c_int)(t.address)
    assert native(5, 6) == 11
    s = win64(lib, "ms_S24_bump", [S24, c_int], S24)
    native = ctypes.CFUNCTYPE(None, POINTER(S24), POINTER(S24), c_int)(s.address)
    out = S24()
    native(byref(out), byref(S24(1, 2, 3)), 1)
    assert (out.a, out.b, out.c) == (2, 4, 6)


def test_win64_bad_arguments(lib):
    f = fn(lib, "ms_add", [c_int, c_int], c_int)
    t = ctabi.thunk(f, abi="win64")
    for args in [("x", 1), (1.5, 1), (None, 1), (1, object())]:
        with pytest.raises(ctypes.ArgumentError) as got:
            t(*args)
        with pytest.raises(ctypes.ArgumentError) as expected:
            f(*args)  # ctypes raises before calling
        assert str(got.value).startswith(str(expected.value).split(":")[0])
    for args in [(), (1,)]:
        with pytest.raises(TypeError):
            t(*args)
    with pytest.raises(TypeError):
        t(1, b=2)


def test_win64_bad_argument_messages(lib):
    f = fn(lib, "ms_add", [c_int, c_int], c_int)
    _assert_same_errors(f, ctabi.thunk(f, abi="win64"), [("x", 1), (1.5, 1), (None, 1), (1,)])


def test_win64_callback_signature_text(lib):
    assert ctabi.signature_of([c_int, S24], c_double, "win64") == \
        "win64 f64(i32, {i64 @0, i64 @8, i64 @16 | size 24 align 8})"


def test_unknown_abi(lib):
    f = fn(lib, "ms_add", [c_int, c_int], c_int)
    with pytest.raises(ValueError, match="unknown abi"):
        ctabi.thunk(f, abi="pascal")
    with pytest.raises(TypeError):
        ctabi.thunk(f, abi=64)


def test_i386_conventions_refused_clearly(lib):
    f = fn(lib, "ms_add", [c_int, c_int], c_int)
    for abi in ["stdcall", "cdecl", "fastcall", "thiscall"]:
        with pytest.raises((TypeError, ValueError)) as e:
            ctabi.thunk(f, abi=abi)
        assert str(e.value)


# ---------------------------------------------------------------------------
# Variadic functions: fixed_args


@pytest.mark.parametrize("n", [0, 1, 5, 12])
def test_variadic_ints(lib, n):
    t = ctabi.thunk(fn(lib, "va_sum_ints", [c_int] + [c_int] * n, c_long), fixed_args=1)
    values = [(-1) ** i * (i + 3) for i in range(n)]
    assert t(n, *values) == sum((i + 1) * v for i, v in enumerate(values))
    assert "..." in t.signature


@pytest.mark.parametrize("n", [0, 1, 3, 8, 11])
def test_variadic_doubles(lib, n):
    t = ctabi.thunk(fn(lib, "va_sum_doubles", [c_int] + [c_double] * n, c_double), fixed_args=1)
    values = [0.5 + i for i in range(n)]
    assert t(n, *values) == sum((i + 1) * v for i, v in enumerate(values))


def test_variadic_mixed(lib):
    types = [c_char_p, c_int, c_double, c_long, c_char_p, c_double, c_int, c_double, c_double,
             c_double, c_double, c_double, c_double, c_double, c_int, c_int, c_int, c_int]
    fmt = b"idlsdidddddddiiii"
    t = ctabi.thunk(fn(lib, "va_mixed", types, c_double), fixed_args=1)
    args = [3, 1.5, -(1 << 40), b"xyz", 2.5, 7, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8, 9, 10, 11]
    values = [3 if isinstance(a, bytes) else a for a in args]
    assert t(fmt, *args) == sum((i + 1) * v for i, v in enumerate(values))


def test_variadic_mixed_without_char_p(lib):
    """As test_variadic_mixed, the strings passed as POINTER(c_char)."""
    PC = POINTER(c_char)
    types = [PC, c_int, c_double, c_long, PC, c_double, c_int, c_double, c_double,
             c_double, c_double, c_double, c_double, c_double, c_int, c_int, c_int, c_int]
    fmt = ctypes.create_string_buffer(b"idlsdidddddddiiii")
    t = ctabi.thunk(fn(lib, "va_mixed", types, c_double), fixed_args=1)
    args = [3, 1.5, -(1 << 40), ctypes.create_string_buffer(b"xyz"), 2.5, 7, 1.0, 2.0, 3.0, 4.0,
            5.0, 6.0, 7.0, 8, 9, 10, 11]
    values = [3 if isinstance(a, ctypes.Array) else a for a in args]
    assert t(fmt, *args) == sum((i + 1) * v for i, v in enumerate(values))


def test_variadic_libc_snprintf(libc):
    f = fn(libc, "snprintf", [c_char_p, c_size_t, c_char_p, c_int, c_double, c_char_p], c_int)
    t = ctabi.thunk(f, fixed_args=3)
    buf = ctypes.create_string_buffer(64)
    n = t(buf, 64, b"%d|%.3f|%s", -42, 2.71828, b"end")
    assert buf.value == b"-42|2.718|end"
    assert n == len(buf.value)


def test_variadic_win64(lib):
    d = ctabi.thunk(fn(lib, "ms_va_sum_doubles", [c_int] + [c_double] * 6, c_double),
                    abi="win64", fixed_args=1)
    assert d(6, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0) == sum((i + 1) * (i + 1.0) for i in range(6))
    i = ctabi.thunk(fn(lib, "ms_va_sum_ints", [c_int] + [c_int] * 5, c_long),
                    abi="win64", fixed_args=1)
    assert i(5, 1, 2, 3, 4, 5) == 55


def test_variadic_float_is_refused(lib):
    """A C float cannot be a variadic argument (it is promoted to double)."""
    f = fn(lib, "va_sum_doubles", [c_int, c_float], c_double)
    with pytest.raises((TypeError, ValueError)) as e:
        ctabi.thunk(f, fixed_args=1)
    assert "argument 2" in str(e.value) and "variadic" in str(e.value)


def test_fixed_args_out_of_range(lib):
    f = fn(lib, "va_sum_ints", [c_int, c_int], c_long)
    for bad in [-1, 3]:
        with pytest.raises(ValueError, match="fixed_args"):
            ctabi.thunk(f, fixed_args=bad)


def test_variadic_wrong_count(lib):
    t = ctabi.thunk(fn(lib, "va_sum_ints", [c_int, c_int, c_int], c_long), fixed_args=1)
    assert t(2, 1, 2) == 5
    with pytest.raises(TypeError):
        t(2, 1)
    with pytest.raises(TypeError):
        t(2, 1, 2, 3)
