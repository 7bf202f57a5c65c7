"""A ctabi thunk behaves as the ctypes function it was made from: the same
results, the same exceptions (types and messages) for bad arguments, and
the C side receives what it should."""

import ctypes
import math
import sys
from ctypes import (POINTER, byref, c_bool, c_byte, c_char, c_char_p, c_double, c_float, c_int,
                    c_int8, c_int16, c_int32, c_int64, c_long, c_longdouble, c_longlong, c_short,
                    c_size_t, c_ssize_t, c_ubyte, c_uint, c_uint8, c_uint16, c_uint32, c_uint64,
                    c_ulong, c_ulonglong, c_ushort, c_void_p, c_wchar, c_wchar_p, pointer,
                    py_object, Structure)

import pytest

import ctabi
from ctypes_types import (AGGREGATES, S2d, S2i, S24, SMix, SArr, aggregate_case, expected_fields,
                          make_value, weighted)
from helpers import assert_same, both, fn, normalize, outcome

# ---------------------------------------------------------------------------
# Fundamental types

INT_TYPES = {
    "byte": c_byte, "ubyte": c_ubyte, "short": c_short, "ushort": c_ushort, "int": c_int,
    "uint": c_uint, "long": c_long, "ulong": c_ulong, "longlong": c_longlong,
    "ulonglong": c_ulonglong, "size_t": c_size_t, "ssize_t": c_ssize_t, "int8": c_int8,
    "uint8": c_uint8, "int16": c_int16, "uint16": c_uint16, "int32": c_int32,
    "uint32": c_uint32, "int64": c_int64, "uint64": c_uint64,
}
FLOAT_TYPES = {"float": c_float, "double": c_double, "longdouble": c_longdouble}


def int_values(t):
    bits = 8 * ctypes.sizeof(t)
    signed = t(-1).value == -1
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    # In range, at the edges, and out of range (ctypes masks to the width).
    return [0, 1, -1, 42, lo, hi, lo - 1, hi + 1, 1 << 70, -(1 << 70) - 3, True, False,
            (1 << 64) + 5]


BAD_INT_VALUES = [1.5, "1", None, b"1", object(), [1], 2.0, c_double(1.0)]
FLOAT_VALUES = [0.0, -0.0, 1.5, -2.25, 1e308, -1e-308, 1e39, math.inf, -math.inf, math.nan, 3,
                -7, True, 1 << 60, 1 / 3]
BAD_FLOAT_VALUES = ["1.0", None, b"1", object(), 1 << 1100, [1.0]]


def mask(value, t):
    """What C receives for int `value` passed as integer ctypes type t."""
    bits = 8 * ctypes.sizeof(t)
    v = int(value) & ((1 << bits) - 1)
    if t(-1).value == -1 and v >= 1 << (bits - 1):
        v -= 1 << bits
    return v


@pytest.mark.parametrize("name", sorted(INT_TYPES))
def test_int_identity(lib, name):
    t = INT_TYPES[name]
    f = fn(lib, "id_" + name, [t], t)
    for v in int_values(t) + BAD_INT_VALUES + [t(7)]:
        got = assert_same(f, v)
        if isinstance(v, int):
            assert got == ("ok", (int, mask(v, t))), v


@pytest.mark.parametrize("name", sorted(INT_TYPES))
def test_int_add_wraps(lib, name):
    t = INT_TYPES[name]
    f = fn(lib, "add_" + name, [t, t], t)
    for a, b in [(1, 2), (-5, 3), (int_values(t)[5], 1), (int_values(t)[4], -1), (1 << 40, 1 << 40)]:
        got = assert_same(f, a, b)
        assert got == ("ok", (int, mask(mask(a, t) + mask(b, t), t)))


@pytest.mark.parametrize("name", sorted(INT_TYPES) + sorted(FLOAT_TYPES) + ["char", "wchar"])
def test_scalar_on_the_stack(lib, name):
    """The value after six integer and eight double arguments: on the stack."""
    t = {**INT_TYPES, **FLOAT_TYPES, "char": c_char, "wchar": c_wchar}[name]
    f = fn(lib, "last_" + name, [c_int] * 6 + [c_double] * 8 + [t], t)
    fillers = list(range(6)) + [0.5] * 8
    if t is c_char:
        values = [b"a", b"\xff", 0, 255]
    elif t is c_wchar:
        values = ["a", "\u00e9", "\U0001F600"]
    elif name in FLOAT_TYPES:
        values = [1.5, -1e300, 3]
    else:
        values = int_values(t)
    for v in values:
        assert_same(f, *fillers, v)


@pytest.mark.parametrize("name", sorted(FLOAT_TYPES))
def test_float_identity(lib, name):
    t = FLOAT_TYPES[name]
    f = fn(lib, "id_" + name, [t], t)
    for v in FLOAT_VALUES + BAD_FLOAT_VALUES + [t(2.5)]:
        got = assert_same(f, v)
        if t is c_double and isinstance(v, float) and not math.isnan(v):
            assert got == ("ok", (float, v))


@pytest.mark.parametrize("name", sorted(FLOAT_TYPES))
def test_float_add(lib, name):
    t = FLOAT_TYPES[name]
    f = fn(lib, "add_" + name, [t, t], t)
    for a, b in [(1.5, 2.25), (1e308, 1e308), (0.1, 0.2), (3, 4), (-1, 0.5)]:
        assert_same(f, a, b)
    assert ctabi.thunk(f)(1.5, 2.25) == 3.75


def test_float_rounding_to_float32(lib):
    f = fn(lib, "float_half", [c_float], c_float)
    for v in [0.1, 1 / 3, 16777217.0, 1e-45, 3.4e38]:
        assert_same(f, v)


def test_longdouble(lib):
    f = fn(lib, "ld_third", [c_longdouble], c_longdouble)
    for v in [1.0, 2.0, -7.5, 1e300, 1e-300, 3]:
        assert_same(f, v)
    g = fn(lib, "ld_mix", [c_int, c_longdouble, c_double, c_longdouble], c_longdouble)
    got = assert_same(g, 1, 2.5, 3.25, -4.0)
    assert got == ("ok", (float, 1 + 25 + 325 - 4000.0))


def test_bool(lib):
    f = fn(lib, "id_bool", [c_bool], c_bool)
    g = fn(lib, "not_bool", [c_bool], c_bool)
    h = fn(lib, "bool_to_int", [c_bool], c_int)
    k = fn(lib, "int_is_nonzero", [c_int], c_bool)
    for v in [True, False, 0, 1, 2, 256, -1, "", "x", None, [], [0], 0.0, 0.5, object()]:
        assert_same(f, v)
        assert_same(g, v)
        got = assert_same(h, v)
        assert got == ("ok", (int, 1 if v else 0))
    for v in [0, 1, 256, -1, 1 << 32]:
        got = assert_same(k, v)
        assert got == ("ok", (bool, mask(v, c_int) != 0))


def test_char(lib):
    f = fn(lib, "id_char", [c_char], c_char)
    for v in [b"a", b"\x00", b"\xff", 65, 0, 255, 256, -1, "a", b"ab", b"", bytearray(b"x"),
              None, 1.0, c_char(b"z")]:
        got = assert_same(f, v)
    assert ctabi.thunk(f)(b"q") == b"q"


def test_wchar(lib):
    f = fn(lib, "id_wchar", [c_wchar], c_wchar)
    for v in ["a", "\u00e9", "\U0001F600", "\0", "ab", "", b"a", 65, None, c_wchar("z")]:
        assert_same(f, v)
    assert ctabi.thunk(f)("\u2713") == "\u2713"


@pytest.mark.parametrize("name,t,value,expected", [
    ("widen_byte", c_byte, -5, -5), ("widen_byte", c_byte, 200, -56),
    ("widen_ubyte", c_ubyte, 250, 250), ("widen_ubyte", c_ubyte, -1, 255),
    ("widen_short", c_short, -1000, -1000), ("widen_short", c_short, 40000, 40000 - 65536),
    ("widen_ushort", c_ushort, 60000, 60000), ("widen_int", c_int, -(1 << 31), -(1 << 31)),
    ("widen_uint", c_uint, (1 << 32) - 1, (1 << 32) - 1), ("widen_uint", c_uint, -1, (1 << 32) - 1),
])
def test_narrow_ints_reach_c(lib, name, t, value, expected):
    """The callee reads a narrow argument's low bytes: C sees the masked value."""
    res = c_ulong if name.startswith("widen_u") else c_long
    f = fn(lib, name, [t], res)
    got = assert_same(f, value)
    assert got == ("ok", (int, expected))


def test_mixed_many_arguments(lib):
    types = [c_byte, c_short, c_int, c_long, c_float, c_double, c_ubyte, c_ushort, c_uint,
             c_ulong, c_float, c_double, c_longlong, c_double, c_float, c_double, c_int,
             c_double, c_long, c_float]
    f = fn(lib, "mixed_many", types, c_double)
    args = [-1, -2, -3, -4, 5.5, 6.5, 7, 8, 9, 10, 11.5, 12.5, -13, 14.5, 15.5, 16.5, 17, 18.5,
            -19, 20.5]
    got = assert_same(f, *args)
    assert got == ("ok", (float, sum((i + 1) * a for i, a in enumerate(args))))


def test_ten_longs(lib):
    f = fn(lib, "sum10", [c_long] * 10, c_long)
    got = assert_same(f, *range(1, 11))
    assert got == ("ok", (int, sum(i * i for i in range(1, 11))))


def test_int_double_conversions(lib):
    f = fn(lib, "int_to_double", [c_int], c_double)
    g = fn(lib, "double_to_int", [c_double], c_int)
    for v in [0, 7, -7, 1 << 31, 2.5]:
        assert_same(f, v)
    for v in [0.0, 7.9, -7.9, 3, "3"]:
        assert_same(g, v)


def test_no_arguments(lib):
    v = fn(lib, "noargs_void", [], None)
    c = fn(lib, "noargs_counter", [], c_int)
    before = c()
    assert ctabi.thunk(v)() is None
    assert ctabi.thunk(c)() == before + 1
    assert_same(v)


# ---------------------------------------------------------------------------
# Argument counts and keywords


def test_argument_count(lib):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    for args in [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3.5), (1, 2, "x", None)]:
        assert_same(f, *args)


def test_keyword_arguments(lib):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    t = ctabi.thunk(f)
    with pytest.raises(TypeError) as expected:
        f(1, b=2)
    with pytest.raises(TypeError) as got:
        t(1, b=2)
    assert str(got.value) == str(expected.value)


def test_paramflags_prototype(lib):
    """A function made from a prototype with paramflags: output parameters
    and keyword arguments, as ctypes does them."""
    proto = ctypes.CFUNCTYPE(c_int, c_int, c_int, POINTER(c_int), POINTER(c_int))
    f = proto(("divmod", lib), ((1, "a"), (1, "b"), (2, "q"), (2, "r")))
    t = ctabi.thunk(f)
    assert f(17, 5) == (3, 2)
    assert outcome(t, 17, 5) == outcome(f, 17, 5)
    assert t(a=17, b=5) == f(a=17, b=5)
    q, r = c_int(), c_int()
    assert outcome(t, 17, 5, byref(q), byref(r)) == outcome(f, 17, 5, byref(q), byref(r))


# ---------------------------------------------------------------------------
# Strings


def test_char_p_arguments(lib):
    f = fn(lib, "my_strlen", [c_char_p], c_long)
    buf = ctypes.create_string_buffer(b"buffer", 20)
    for v in [b"hello", b"", b"with\0nul", None, "str", 5.0, bytearray(b"ba"), buf,
              c_char_p(b"inst"), ctypes.cast(buf, POINTER(c_char)), (c_char * 3)(b"a", b"b"),
              byref(buf), object()]:
        assert_same(f, v)
    assert ctabi.thunk(f)(b"hello") == 5
    assert ctabi.thunk(f)(None) == -1


def test_char_p_results(lib):
    f = fn(lib, "static_str", [c_int], c_char_p)
    for which in range(4):
        assert_same(f, which)
    t = ctabi.thunk(f)
    assert t(0) == b"hello"
    assert t(1) == "world, with \u00e9 bytes".encode()
    assert t(2) == b""
    assert t(3) is None
    g = fn(lib, "static_str", [c_int], c_void_p)
    for which in range(4):
        assert_same(g, which)
    assert ctabi.thunk(g)(3) is None


def test_char_p_echo(lib):
    f = fn(lib, "str_echo", [c_char_p], c_char_p)
    for v in [b"abc", b"", None, b"\xff\xfe"]:
        got = assert_same(f, v)
    assert ctabi.thunk(f)(b"abc") == b"abc"


def test_wchar_p(lib):
    f = fn(lib, "my_wcslen", [c_wchar_p], c_long)
    s = fn(lib, "wstr_codepoint_sum", [c_wchar_p], c_long)
    for v in ["hello", "", "h\u00e9llo \u2713 \U0001F600", None, b"bytes", 3, "nul\0inside",
              c_wchar_p("inst"), ctypes.create_unicode_buffer("buf")]:
        assert_same(f, v)
        assert_same(s, v)
    text = "h\u00e9llo \u2713 \U0001F600"
    assert ctabi.thunk(f)(text) == len(text)
    assert ctabi.thunk(s)(text) == sum(map(ord, text))
    g = fn(lib, "static_wstr", [c_int], c_wchar_p)
    for which in range(4):
        assert_same(g, which)
    assert ctabi.thunk(g)(1) == "h\u00e9llo \u2713 \U0001F600"
    assert ctabi.thunk(g)(3) is None
    e = fn(lib, "wstr_echo", [c_wchar_p], c_wchar_p)
    assert_same(e, "\u00e9cho")
    assert ctabi.thunk(e)("\u00e9cho") == "\u00e9cho"


def test_first_char_results(lib):
    f = fn(lib, "first_char", [c_char_p], c_char)
    for v in [b"xyz", b"\xff", None]:
        assert_same(f, v)
    g = fn(lib, "first_wchar", [c_wchar_p], c_wchar)
    for v in ["\u00e9t\u00e9", "\U0001F600", None]:
        assert_same(g, v)


def test_buffers_written_by_c(lib):
    for argtype in [c_char_p, POINTER(c_char), c_void_p]:
        f = fn(lib, "str_fill", [argtype, c_size_t], c_int)
        a, b = ctypes.create_string_buffer(16), ctypes.create_string_buffer(16)
        assert f(a, 16) == ctabi.thunk(f)(b, 16) == 6
        assert a.value == b.value == b"filled"
    up = fn(lib, "str_upper", [c_char_p], None)
    buf = ctypes.create_string_buffer(b"mixed Case")
    assert ctabi.thunk(up)(buf) is None
    assert buf.value == b"MIXED CASE"


def test_str_equal_two_strings(lib):
    f = fn(lib, "str_equal", [c_char_p, c_char_p], c_int)
    for a, b in [(b"a", b"a"), (b"a", b"b"), (None, b"a"), (b"a", "a")]:
        assert_same(f, a, b)


# ---------------------------------------------------------------------------
# Pointers, byref, arrays


def test_byref_out_parameters(lib):
    for name, t, v in [("out_int", c_int, -77), ("out_double", c_double, 2.5),
                       ("out_char", c_char, b"k"), ("out_longlong", c_longlong, -(1 << 50))]:
        f = fn(lib, name, [POINTER(t), t], None)
        th = ctabi.thunk(f)
        for make_arg in [byref, pointer]:
            x = t()
            assert th(make_arg(x), v) is None
            assert x.value == v
        # The instance itself: ctypes passes it by reference (not for c_char).
        x1, x2 = t(), t()
        assert outcome(th, x2, v) == outcome(f, x1, v)
        assert x1.value == x2.value
        # Wrong pointee type: ctypes' error.
        assert_same(f, byref(c_ubyte()), v)
        assert_same(f, pointer(c_ubyte()), v)
        assert_same(f, 5, v)


def test_divmod(lib):
    f = fn(lib, "divmod", [c_int, c_int, POINTER(c_int), POINTER(c_int)], c_int)
    t = ctabi.thunk(f)
    q, r = c_int(), c_int()
    assert t(17, 5, byref(q), byref(r)) == 0
    assert (q.value, r.value) == (3, 2)
    assert t(17, 0, None, None) == -1


def test_pointer_arguments(lib):
    f = fn(lib, "deref_int", [POINTER(c_int)], c_int)
    arr = (c_int * 3)(7, 8, 9)
    for v in [None, pointer(c_int(5)), byref(c_int(6)), c_int(4), arr, 5, c_long(3),
              pointer(c_double(1.0)), byref(c_double()), (c_double * 2)(), b"abcd",
              ctypes.cast(arr, POINTER(c_int)), ctypes.cast(arr, c_void_p)]:
        assert_same(f, v)
    t = ctabi.thunk(f)
    assert t(None) == -12345
    assert t(arr) == 7
    assert t(pointer(c_int(5))) == 5


def test_pointer_to_pointer(lib):
    out = fn(lib, "out_ptr", [POINTER(POINTER(c_int))], None)
    d2 = fn(lib, "deref2", [POINTER(POINTER(c_int))], c_int)
    p = POINTER(c_int)()
    assert ctabi.thunk(out)(byref(p)) is None
    assert p.contents.value == 42
    assert ctabi.thunk(d2)(byref(pointer(c_int(9)))) == 9
    assert ctabi.thunk(d2)(pointer(pointer(c_int(10)))) == 10


def test_arrays_decay(lib):
    f = fn(lib, "sum_ints", [POINTER(c_int), c_size_t], c_long)
    g = fn(lib, "sum_ints", [c_int * 5, c_size_t], c_long)
    h = fn(lib, "sum_ints", [c_void_p, c_size_t], c_long)
    arr = (c_int * 5)(1, 2, 3, 4, 5)
    expected = sum((i + 1) * v for i, v in enumerate(arr))
    for func in (f, g, h):
        got = assert_same(func, arr, 5)
        assert got == ("ok", (int, expected))
    for func in (f, h):
        assert_same(func, (c_int * 4)(1, 2, 3, 4), 4)
        assert_same(func, (c_long * 5)(), 5)
        assert_same(func, byref(arr), 5)
        assert_same(func, [1, 2, 3], 3)
    d = fn(lib, "sum_doubles", [POINTER(c_double), c_size_t], c_double)
    darr = (c_double * 3)(0.5, 1.5, 2.5)
    assert ctabi.thunk(d)(darr, 3) == 0.5 + 3.0 + 7.5
    s = fn(lib, "scale_doubles", [POINTER(c_double), c_size_t, c_double], None)
    ctabi.thunk(s)(darr, 3, 2.0)
    assert list(darr) == [1.0, 3.0, 5.0]


def test_array_argtype_bad_arguments(lib):
    """An array type in argtypes (passed as a pointer): ctypes' errors."""
    g = fn(lib, "sum_ints", [c_int * 5, c_size_t], c_long)
    arr = (c_int * 5)(1, 2, 3, 4, 5)
    assert ctabi.thunk(g)(arr, 5) == 1 + 4 + 9 + 16 + 25
    for bad in [byref(arr), (c_int * 4)(1, 2, 3, 4), (c_long * 5)(), [1, 2, 3], None,
                pointer(c_int())]:
        assert_same(g, bad, 5)


def test_pointer_results(lib):
    f = fn(lib, "static_int_ptr", [], POINTER(c_int))
    g = fn(lib, "null_int_ptr", [], POINTER(c_int))
    h = fn(lib, "static_doubles_ptr", [], POINTER(c_double))
    for func in (f, g, h):
        assert_same(func)
    r = ctabi.thunk(f)()
    assert isinstance(r, POINTER(c_int)) and r.contents.value == 42
    assert not ctabi.thunk(g)()
    assert ctabi.thunk(h)()[2] == 3.5
    s = fn(lib, "static_int_ptr", [], POINTER(S24))
    assert_same(s)


def test_void_p(lib):
    f = fn(lib, "ptr_value", [c_void_p], c_size_t)
    buf = ctypes.create_string_buffer(8)
    arr = (c_int * 2)()
    cb = ctypes.CFUNCTYPE(None)(lambda: None)
    for v in [None, 0, 1, 0xDEADBEEF, (1 << 64) - 1, 1 << 64, -1, buf, arr, byref(arr),
              pointer(c_int()), c_void_p(1234), c_char_p(b"x"), cb, b"bytes", 1.5, object(),
              S2i()]:
        assert_same(f, v)
    e = fn(lib, "ptr_echo", [c_void_p], c_void_p)
    for v in [None, 0, 77, c_void_p(5), (1 << 64) - 1]:
        assert_same(e, v)
    w = fn(lib, "my_wcslen", [c_void_p], c_long)
    assert_same(w, "h\u00e9llo")
    assert ctabi.thunk(w)("h\u00e9llo") == 5
    n = fn(lib, "my_strlen", [c_void_p], c_long)
    assert ctabi.thunk(n)(b"four") == 4


def test_struct_pointers(lib):
    fill = fn(lib, "fill_s24", [POINTER(S24), c_long, c_long, c_long], None)
    s = S24()
    ctabi.thunk(fill)(byref(s), 1, 2, 3)
    assert (s.a, s.b, s.c) == (1, 2, 3)
    sp = fn(lib, "s24_sum_ptr", [POINTER(S24)], c_long)
    for v in [s, byref(s), pointer(s)]:
        assert_same(sp, v)
    assert ctabi.thunk(sp)(pointer(s)) == 321
    arr = (S2d * 3)(S2d(1, 2), S2d(3, 4), S2d(5, 6))
    sa = fn(lib, "sum_s2d_array", [POINTER(S2d), c_size_t], c_double)
    got = assert_same(sa, arr, 3)
    assert got == ("ok", (float, 21.0 + 2 * 43 + 3 * 65))


# ---------------------------------------------------------------------------
# Structures by value (those ctypes passes correctly: no arrays, no unions)

# (Packed structures: ctypes passes them wrongly; see test_beyond_ctypes.py.)
PLAIN = ["S2i", "S2d", "SMix", "S3f", "SSmall", "S24", "SNested"]


@pytest.mark.parametrize("name", PLAIN)
def test_struct_by_value(lib, name):
    info, cls, fields, value, total = aggregate_case(name)

    s = fn(lib, name + "_sum", [cls], c_double)
    assert assert_same(s, value) == ("ok", (float, total))

    m = fn(lib, name + "_make", info["make"], cls)
    got = assert_same(m, *info["args"])
    assert info["fields"](ctabi.thunk(m)(*info["args"])) == fields

    b = fn(lib, name + "_bump", [cls, c_int], cls)
    assert_same(b, value, 3)
    assert info["fields"](ctabi.thunk(b)(value, 3)) == info["bump"](fields, 3)

    mid = fn(lib, name + "_mid", [c_int, cls, c_double], c_double)
    got = assert_same(mid, 7, value, 2.0)
    assert got[0] == "ok"

    # Wrong types: another structure, a tuple, None, a pointer to it.
    other = S2d if cls is not S2d else S2i
    for bad in [other(), (1, 2), None, 5, pointer(value)]:
        assert_same(s, bad)

    class Sub(cls):
        pass

    sub = Sub.from_buffer_copy(bytes(value))
    assert assert_same(s, sub) == ("ok", (float, total))


def test_struct_arguments_exhaust_registers(lib):
    f = fn(lib, "regs_exhausted", [c_long] * 5 + [SMix, S2d], c_double)
    got = assert_same(f, 1, 2, 3, 4, 5, SMix(6, 7.5), S2d(8.5, 9.5))
    assert got == ("ok", (float, 1 + 4 + 9 + 16 + 25 + 10 * (6 + 75) + 1000 * (8.5 + 95)))


def test_two_aggregates(lib):
    f = fn(lib, "two_aggregates", [S2d, SMix, S24, SArr, c_double, c_long], c_double)
    a, b, c = S2d(1, 2), SMix(3, 4.5), S24(5, 6, 7)
    d = SArr((c_int * 4)(1, 2, 3, 4))
    expected = 21 + 2 * 48 + 3 * 765 + 4 * 4321 + 5 * 0.5 + 6 * 9
    assert ctabi.thunk(f)(a, b, c, d, 0.5, 9) == expected


# ---------------------------------------------------------------------------
# errcheck, use_errno, restypes


def test_errcheck_called_with_result_func_args(lib):
    seen = []

    def check(result, func, args):
        seen.append((result, func, args))
        return result * 10

    f = fn(lib, "add_int", [c_int, c_int], c_int, errcheck=check)
    t = ctabi.thunk(f)
    assert t(2, 3) == 50
    assert len(seen) == 1
    result, func, args = seen[0]
    assert result == 5 and func is f and args == (2, 3)
    assert f(2, 3) == 50
    assert seen[1][2] == seen[0][2]


def test_errcheck_returning_args(lib):
    """The ctypes idiom: an errcheck that returns its `args` unchanged."""
    def check(result, func, args):
        return args

    f = fn(lib, "add_int", [c_int, c_int], c_int, errcheck=check)
    assert_same(f, 2, 3)


def test_errcheck_raising(lib):
    class Failed(Exception):
        pass

    def check(result, func, args):
        if result < 0:
            raise Failed("negative: %d" % result)
        return result

    f = fn(lib, "add_int", [c_int, c_int], c_int, errcheck=check)
    t = ctabi.thunk(f)
    assert t(1, 2) == 3
    with pytest.raises(Failed, match="negative: -1"):
        t(1, -2)
    assert_same(f, 1, -2)


class Status(c_int):
    """A restype with a result checker, as ctypes' HRESULT on Windows: ctypes
    calls _check_retval_ with every result and returns what it returns."""

    @staticmethod
    def _check_retval_(value):
        # A subclass of a simple type: the result is an instance of it.
        assert type(value) is Status
        if value.value < 0:
            raise OSError("status %d" % value.value)
        return ("ok", value.value)


class Checked(Structure):
    _fields_ = [("a", c_int), ("b", c_int)]

    @classmethod
    def _check_retval_(cls, value):
        return (type(value).__name__, value.a, value.b)


def test_restype_check_retval(lib):
    f = fn(lib, "add_int", [c_int, c_int], Status)
    t = ctabi.thunk(f)
    assert t(2, 3) == ("ok", 5) == f(2, 3)
    with pytest.raises(OSError, match="status -1"):
        t(1, -2)
    assert_same(f, 1, -2)
    assert_same(f, 2, 3)
    # The fallback path (a value ctabi hands to ctypes) gives the same.
    assert_same(f, c_int(2), 3)
    # Structures too; and the checker runs before errcheck.
    g = fn(lib, "S2i_make", [c_int, c_int], Checked,
           errcheck=lambda result, func, args: ("checked",) + result)
    assert ctabi.thunk(g)(4, 5) == ("checked", "Checked", 4, 5) == g(4, 5)


def test_callable_restype_has_no_result_checker(lib):
    """ctypes calls a Python callable restype with the C int result and
    returns what it returns: its _check_retval_, if any, is not called."""
    def restype(value):
        return ("restype", value)

    restype._check_retval_ = lambda value: "checked"
    f = fn(lib, "add_int", [c_int, c_int], restype)
    assert assert_same(f, 2, 3) == ("ok", normalize(("restype", 5)))


def test_char_argument_takes_a_bytearray(lib):
    f = fn(lib, "id_char", [c_char], c_char)
    assert assert_same(f, bytearray(b"q")) == ("ok", (bytes, b"q"))
    # Without ctypes to hand values to (fixed_args: the variadic path).
    assert ctabi.thunk(f, fixed_args=1)(bytearray(b"q")) == b"q"


def test_char_pointer_arguments_take_what_c_char_p_takes(lib):
    """ctypes gives POINTER(c_char) and POINTER(c_wchar) c_char_p's and
    c_wchar_p's from_param, so they take bytes and str as those do; checked
    also without ctypes to hand values to (fixed_args: the variadic path)."""
    class Wrapped:
        def __init__(self, value):
            self._as_parameter_ = value

    for name, argtype, values in [
            ("my_strlen", POINTER(c_char),
             [b"abc", Wrapped(b"four"), ctypes.create_string_buffer(b"xy"),
              ctypes.cast(c_char_p(b"hello"), POINTER(c_char)), c_char_p(b"zz"), "str", 3]),
            ("my_wcslen", POINTER(c_wchar),
             ["abc", Wrapped("four"), ctypes.create_unicode_buffer("xyz"), c_wchar_p("ww"),
              b"x"])]:
        f = fn(lib, name, [argtype], c_long)
        variadic = ctabi.thunk(f, fixed_args=1)
        for v in values:
            expected = assert_same(f, v)
            assert outcome(variadic, v) == outcome(f, v), (argtype, v, expected)


def test_errcheck_not_called_on_bad_arguments(lib):
    calls = []
    f = fn(lib, "add_int", [c_int, c_int], c_int,
           errcheck=lambda r, fn_, a: calls.append(1) or r)
    assert_same(f, "x", 1)
    assert calls == []


def test_use_errno(errno_lib):
    f = fn(errno_lib, "set_errno_ret", [c_int], c_int)
    g = fn(errno_lib, "read_errno", [], c_int)
    tf, tg = ctabi.thunk(f), ctabi.thunk(g)
    ctypes.set_errno(0)
    assert tf(33) == -1
    assert ctypes.get_errno() == 33
    ctypes.set_errno(0)
    assert f(34) == -1 and ctypes.get_errno() == 34
    ctypes.set_errno(44)
    assert tg() == 44
    ctypes.set_errno(45)
    assert g() == 45
    assert tg() == 45
    ctypes.set_errno(0)
    assert tg() == 0


def test_use_errno_from_prototype(lib):
    proto = ctypes.CFUNCTYPE(c_int, c_int, use_errno=True)
    f = proto(("set_errno_ret", lib))
    t = ctabi.thunk(f)
    ctypes.set_errno(0)
    assert t(12) == -1
    assert ctypes.get_errno() == 12


def test_without_use_errno_private_errno_untouched(lib):
    f = fn(lib, "set_errno_ret", [c_int], c_int)
    ctypes.set_errno(5)
    assert ctabi.thunk(f)(99) == -1
    assert ctypes.get_errno() == 5


def test_restype_none_and_default(lib):
    f = fn(lib, "out_int", [POINTER(c_int), c_int], None)
    assert_same(f, byref(c_int()), 3)
    g = lib["add_int"]  # restype left at ctypes' default: c_int
    g.argtypes = [c_int, c_int]
    assert_same(g, 2, 3)
    assert ctabi.thunk(g)(2, 3) == 5


def test_restype_subclass_of_simple_type(lib):
    class MyInt(c_int):
        pass

    f = fn(lib, "add_int", [c_int, c_int], MyInt)
    r = ctabi.thunk(f)(2, 3)
    assert type(r) is MyInt and r.value == 5
    assert_same(f, 2, 3)


def test_restype_callable(lib):
    f = fn(lib, "add_int", [c_int, c_int], lambda v: ("wrapped", v))
    assert_same(f, 2, 3)
    assert ctabi.thunk(f)(2, 3) == ("wrapped", 5)


def test_py_object(lib):
    f = fn(lib, "ptr_echo", [py_object], py_object)
    t = ctabi.thunk(f)
    obj = object()
    before = sys.getrefcount(obj)
    assert t(obj) is obj
    assert sys.getrefcount(obj) == before
    # A NULL py_object result: ctypes' documented ValueError (ctypes itself
    # crashes on this call, so only ctabi is called).
    g = fn(lib, "ptr_echo", [c_void_p], py_object)
    with pytest.raises(ValueError, match="PyObject is NULL"):
        ctabi.thunk(g)(None)


def test_restype_function_pointer(lib):
    FT = ctypes.CFUNCTYPE(c_int, c_int, c_int)
    f = fn(lib, "get_c_add", [], FT)
    assert_same(f)
    add = ctabi.thunk(f)()
    assert isinstance(add, FT)
    assert add(2, 3) == 5
    assert ctabi.thunk(FT(ctypes.cast(add, c_void_p).value))(4, 5) == 9


def test_function_pointer_arguments(lib):
    FT = ctypes.CFUNCTYPE(c_int, c_int, c_int)
    f = fn(lib, "apply_ii", [FT, c_int, c_int], c_int)
    add = fn(lib, "get_c_add", [], FT)()
    py = FT(lambda a, b: a * b)
    for v in [add, py]:
        assert_same(f, v, 6, 7)
    assert ctabi.thunk(f)(py, 6, 7) == 42
    assert_same(f, lambda a, b: 0, 6, 7)
    assert_same(f, ctypes.CFUNCTYPE(c_int, c_int)(lambda a: a), 6, 7)


def test_function_pointer_none(lib):
    """ctypes refuses None for a CFUNCTYPE argument (it is not a pointer type)."""
    FT = ctypes.CFUNCTYPE(c_int, c_int, c_int)
    f = fn(lib, "store_ii", [FT], None)
    assert_same(f, None)
    fn(lib, "store_ii", [c_void_p], None)(None)


def test_thunk_of_a_ctypes_callback(lib):
    """A CFUNCTYPE instance wrapping a Python function is a C function too."""
    FT = ctypes.CFUNCTYPE(c_double, c_int, c_double)
    py = FT(lambda a, b: a * 10 + b)
    t = ctabi.thunk(py)
    assert t(3, 0.5) == 30.5
    assert_same(py, 3, 0.5)
    assert_same(py, "x", 0.5)


# ---------------------------------------------------------------------------
# from_param and _as_parameter_


class IntList(c_void_p):
    """c_void_p taking a list of ints (as a C int array) or an address."""

    @classmethod
    def from_param(cls, value):
        if isinstance(value, list):
            return (c_int * len(value))(*value)
        if isinstance(value, int):
            return c_void_p(value)
        if value is None:
            return None
        raise TypeError("IntList wants a list, not %s" % type(value).__name__)


def test_from_param_on_c_void_p_subclass(lib):
    f = fn(lib, "sum_ints", [IntList, c_size_t], c_long)
    t = ctabi.thunk(f)
    assert t([1, 2, 3], 3) == 1 + 4 + 9
    arr = (c_int * 2)(5, 6)
    assert t(ctypes.addressof(arr), 2) == 5 + 12
    for v in ([1, 2, 3], "bad", 2.5):
        assert_same(f, v, 3 if isinstance(v, list) else 0)
    n = fn(lib, "is_null", [IntList], c_int)
    assert_same(n, None)
    assert ctabi.thunk(n)(None) == 1
    assert ctabi.thunk(n)([1]) == 0


def test_from_param_returning_int_and_bytes(lib):
    class Text(c_char_p):
        @classmethod
        def from_param(cls, value):
            if isinstance(value, str):
                return value.encode("utf-8")
            return value

    f = fn(lib, "my_strlen", [Text], c_long)
    assert ctabi.thunk(f)("h\u00e9") == 3
    for v in ["h\u00e9", b"ab", None, 3.5]:
        assert_same(f, v)


class Wrapped:
    def __init__(self, value):
        self._as_parameter_ = value


class Lazy:
    def __init__(self, value):
        self.value = value

    @property
    def _as_parameter_(self):
        return self.value


def test_as_parameter(lib):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    for a, b in [(Wrapped(2), 3), (Wrapped(Wrapped(4)), Lazy(5)), (Wrapped("x"), 1),
                 (Lazy(c_int(9)), 1), (Wrapped(1.5), 1)]:
        assert_same(f, a, b)
    assert ctabi.thunk(f)(Wrapped(2), Lazy(3)) == 5
    s = fn(lib, "my_strlen", [c_char_p], c_long)
    assert_same(s, Wrapped(b"four"))
    assert ctabi.thunk(s)(Lazy(b"four")) == 4
    st = fn(lib, "S2d_sum", [S2d], c_double)
    assert_same(st, Wrapped(S2d(1, 2)))
    assert ctabi.thunk(st)(Wrapped(S2d(1, 2))) == 21.0
    p = fn(lib, "deref_int", [POINTER(c_int)], c_int)
    x = c_int(31)
    assert_same(p, Wrapped(byref(x)))
    assert_same(p, Wrapped(pointer(x)))
    # A POINTER type takes from _as_parameter_ only a pointer or a byref():
    # ctypes resolves it with CDataType_from_param, not the pointer type's
    # own from_param, which also takes None, an array or an int to pass by
    # reference.
    for v in (Wrapped(x), Wrapped(None), Wrapped((c_int * 2)(1, 2)), Lazy(Wrapped(x))):
        assert assert_same(p, v)[0] == "raise"


def test_as_parameter_without_argtypes_is_refused_but_ctypes_works(lib):
    f = lib["add_int"]
    f.restype = c_int
    assert f(Wrapped(2), 3) == 5
    with pytest.raises(TypeError, match="argtypes"):
        ctabi.thunk(f)


# ---------------------------------------------------------------------------
# The GIL: released for CDLL, held for PyDLL, as ctypes


def test_gil(lib, pylib):
    c = fn(lib, "gil_held", [], c_int)
    p = fn(pylib, "gil_held", [], c_int)
    assert c() == 0 and p() == 1
    tc, tp = ctabi.thunk(c), ctabi.thunk(p)
    assert tc.release_gil is True and tp.release_gil is False
    assert tc() == 0
    assert tp() == 1
    assert ctabi.thunk(c, release_gil=False)() == 1
    assert ctabi.thunk(p, release_gil=True)() == 0


def _python_api(name, argtypes, restype, errcheck=None):
    f = getattr(ctypes.PyDLL(None), name)  # a fresh function object
    f.argtypes, f.restype = argtypes, restype
    if errcheck is not None:
        f.errcheck = errcheck
    return f


def test_python_api_error_is_raised(lib, pylib):
    """ctypes raises the Python error a PyDLL function set, dropping its
    result, and calls neither _check_retval_ nor errcheck then."""
    calls = []
    as_long = _python_api("PyLong_AsLong", [py_object], c_long,
                          errcheck=lambda r, f, a: calls.append(r) or r)
    t = ctabi.thunk(as_long)
    assert t(5) == 5 and as_long(5) == 5 and calls == [5, 5]
    for bad in ("x", 2 ** 70):
        expected, got = both(as_long, bad)
        assert expected[0] == "raise" and got == expected
    assert calls == [5, 5]
    as_double = _python_api("PyFloat_AsDouble", [py_object], c_double)
    expected, got = both(as_double, "x")
    assert expected[0] == "raise" and got == expected
    to_double = _python_api("PyOS_string_to_double", [c_char_p, c_void_p, py_object], c_double)
    assert ctabi.thunk(to_double)(b"2.5", None, None) == 2.5
    expected, got = both(to_double, b"x", None, None)
    assert expected[0] == "raise" and got == expected
    # Through the fast path (ints in and out) as well.
    check = fn(pylib, "py_check_nonnegative", [c_int], c_int)
    assert ctabi.thunk(check)(3) == 3
    expected, got = both(check, -1)
    assert expected == ("raise", ValueError, "negative") and got == expected
    # Only for PyDLL's functions, as in ctypes: a CDLL function that leaves
    # an error set is the caller's business (ctypes raises SystemError).
    cdll = fn(ctypes.CDLL(None), "PyLong_AsLong", [py_object], c_long)
    assert not cdll._flags_ & ctypes._FUNCFLAG_PYTHONAPI
    assert ctabi.thunk(cdll, release_gil=False)(7) == 7


# ---------------------------------------------------------------------------
# The Thunk object


def test_thunk_attributes(lib):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    t = ctabi.thunk(f)
    assert isinstance(t, ctabi.Thunk)
    assert isinstance(t.address, int) and t.address
    assert t.signature == "sysv64 i32(i32, i32)"
    assert "add_int" in repr(t) and t.signature in repr(t)
    assert t.cfunc is f
    assert tuple(t.argtypes) == (c_int, c_int)
    assert t.restype is c_int
    # The address is a native function of the same (canonical) signature.
    native = ctypes.CFUNCTYPE(c_int, c_int, c_int)(t.address)
    assert native(20, 22) == 42
    with pytest.raises(TypeError):
        ctabi.Thunk()


def test_thunk_address_canonical_for_structs(lib):
    f = fn(lib, "S24_bump", [S24, c_int], S24)
    t = ctabi.thunk(f)
    # canonical: void(S24* result, const S24* s, int k)
    native = ctypes.CFUNCTYPE(None, POINTER(S24), POINTER(S24), c_int)(t.address)
    out = S24()
    native(byref(out), byref(S24(1, 2, 3)), 10)
    assert (out.a, out.b, out.c) == (11, 22, 33)
    assert "ptr" in t.canonical_signature


def test_thunk_is_reusable_and_equivalent(lib):
    f = fn(lib, "add_double", [c_double, c_double], c_double)
    t = ctabi.thunk(f)
    for i in range(1000):
        assert t(i, 0.5) == i + 0.5


# ---------------------------------------------------------------------------
# Thunk.fast: the same call as a builtin bound to the thunk


def test_fast_form_behaves_as_the_thunk(lib):
    libm = ctypes.CDLL("libm.so.6")
    cos = libm.cos
    cos.restype, cos.argtypes = c_double, [c_double]
    t = ctabi.thunk(cos)
    fast = t.fast
    assert type(fast).__name__ == "builtin_function_or_method"
    assert fast.__self__ is t
    assert fast(0.5) == t(0.5) == cos(0.5)
    assert fast(1) == cos(1)
    for bad in ["x", None]:
        assert outcome(fast, bad) == outcome(cos, bad)
    assert outcome(fast) == outcome(cos)
