"""How ctabi reads ctypes metadata: structure and union subclasses (laid
out as their bases' fields followed by their own), the per-type mapping
ctabi keeps of final layouts, and from_param looked up the way ctypes looks
it up. Results are checked against the C side."""

import ctypes
import gc
from ctypes import CFUNCTYPE, Structure, Union, c_double, c_int, c_long

import pytest

import ctabi
from helpers import fn


# SMix in clib/common.h is {long a; double b}: INTEGER, SSE.
class MixBase(Structure):
    _fields_ = [("a", c_long)]


class MixSub(MixBase):
    _fields_ = [("b", c_double)]


class MixSubSub(MixSub):
    """No _fields_ of its own: laid out as MixSub."""


def test_structure_subclass_text():
    # ctypes: a subclass's fields follow its base's (MixSub.b at offset 8).
    assert MixSub.b.offset == 8 and ctypes.sizeof(MixSub) == 16
    text = "{i64 @0, f64 @8 | size 16 align 8}"
    assert ctabi.signature_of([MixSub, MixSubSub], MixSub) == \
        "sysv64 %s(%s, %s)" % (text, text, text)


def test_structure_subclass_against_c(lib):
    # Passed by value in rdi (a) and xmm0 (b); with only its own fields the
    # structure would have seemed to hold one double at offset 8.
    s = ctabi.thunk(fn(lib, "SMix_sum", [MixSub], c_double))
    v = MixSub()
    v.a, v.b = -(1 << 40), 0.75
    assert s(v) == -(1 << 40) + 7.5
    assert s(MixSubSub(7, 0.5)) == 12.0

    mid = ctabi.thunk(fn(lib, "SMix_mid", [c_int, MixSub, c_double], c_double))
    assert mid(1, MixSub(2, 3.0), 4.0) == 1 + 20 + 300 + 4000

    make = ctabi.thunk(fn(lib, "SMix_make", [c_long, c_double], MixSub))
    r = make(5, 2.5)
    assert type(r) is MixSub and (r.a, r.b) == (5, 2.5)

    bump = ctabi.thunk(fn(lib, "SMix_bump", [MixSubSub, c_int], MixSubSub))
    r = bump(MixSubSub(1, 1.0), 3)
    assert type(r) is MixSubSub and (r.a, r.b) == (4, 7.0)


def test_structure_subclass_callback(lib):
    proto = CFUNCTYPE(MixSub, MixSub, c_int)
    seen = []

    def handler(s, k):
        seen.append((s.a, s.b, k))
        return MixSub(s.a + k, s.b * 2)

    cb = ctabi.callback(proto, handler)
    call = fn(lib, "call_SMix", [proto], c_double)
    # call_SMix passes {-7, 0.25} and 3, and returns r.a + 10 * r.b.
    assert call(cb) == -4 + 10 * 0.5
    assert seen == [(-7, 0.25, 3)]


# UDL in clib/common.h is union {double d; long l}: INTEGER, since the long
# is a member. With only the subclass's own member it would seem SSE.
class UDLBase(Union):
    _fields_ = [("l", c_long)]


class UDLSub(UDLBase):
    _fields_ = [("d", c_double)]


def test_union_subclass_against_c(lib):
    assert UDLSub.d.offset == 0 and ctypes.sizeof(UDLSub) == 8
    assert ctabi.signature_of([UDLSub], None) == \
        "sysv64 void(union{i64, f64 | size 8 align 8})"
    s = ctabi.thunk(fn(lib, "UDL_sum", [UDLSub], c_double))
    u = UDLSub()
    u.d = 6.5
    assert s(u) == 6.5
    mid = ctabi.thunk(fn(lib, "UDL_mid", [c_int, UDLSub, c_double], c_double))
    assert mid(1, u, 2.0) == 1 + 65 + 200000


def test_subclass_given_fields_later_is_mapped_afresh():
    """A subclass without _fields_ is laid out as its base until it is given
    its own (once): what ctabi maps for it follows."""

    class Base(Structure):
        _fields_ = [("a", c_int)]

    class Later(Base):
        pass

    assert ctabi.signature_of([Later], None) == "sysv64 void({i32 @0 | size 4 align 4})"
    Later._fields_ = [("b", c_double)]
    assert ctabi.signature_of([Later], None) == \
        "sysv64 void({i32 @0, f64 @8 | size 16 align 8})"


def test_incomplete_type_completed_later():
    class Node(Structure):
        pass

    with pytest.raises(ctabi.UnsupportedType, match="Node has no _fields_"):
        ctabi.signature_of([Node], None)
    Node._fields_ = [("x", c_int), ("y", c_int)]
    assert ctabi.signature_of([Node], None) == "sysv64 void({i32 @0, i32 @4 | size 8 align 4})"


def test_mapped_types_are_not_kept_alive():
    """The mapping of layouts holds its types weakly."""
    import weakref

    class Temp(Structure):
        _fields_ = [("a", c_int), ("b", c_double)]

    ctabi.signature_of([Temp], Temp)
    ref = weakref.ref(Temp)
    del Temp
    gc.collect()
    assert ref() is None


def test_from_param_set_after_a_thunk(lib):
    """from_param is looked up each time a thunk is made, as ctypes looks it
    up at each call: one given to a class later is honoured."""

    class Number(c_int):
        pass

    plain = ctabi.thunk(fn(lib, "add_int", [Number, c_int], c_int))
    assert plain(2, 3) == 5

    calls = []

    def from_param(cls, value):
        calls.append(value)
        return c_int(value * 10)

    Number.from_param = classmethod(from_param)
    custom = ctabi.thunk(fn(lib, "add_int", [Number, c_int], c_int))
    assert custom(2, 3) == 23
    assert calls == [2]


def test_from_param_of_a_metaclass(lib):
    """ctypes finds from_param on the metaclass too (where its own
    Structure.from_param lives), so ctabi does."""

    class Meta(type(Structure)):
        def from_param(cls, value):
            return value if isinstance(value, cls) else cls(*value)

    class Pair(Structure, metaclass=Meta):
        _fields_ = [("a", c_int), ("b", c_int)]

    f = fn(lib, "S2i_sum", [Pair], c_double)
    assert f((1, 2)) == 21.0
    t = ctabi.thunk(f)
    assert t((1, 2)) == 21.0
    assert t(Pair(3, 4)) == 43.0


def test_repeated_thunks_agree(lib):
    """The same types mapped again (from the per-type mapping) give the same
    signature and the same results."""
    first = ctabi.thunk(fn(lib, "SMix_mid", [c_int, MixSub, c_double], c_double))
    again = ctabi.thunk(fn(lib, "SMix_mid", [c_int, MixSub, c_double], c_double))
    assert first.signature == again.signature
    assert first(1, MixSub(2, 3.0), 4.0) == again(1, MixSub(2, 3.0), 4.0)


def test_a_thunk_keeps_the_metadata_it_was_made_with(lib):
    """A thunk is specialised to the argtypes and restype the function had
    when it was made: changing them on the ctypes function afterwards does
    not change the thunk (make a new one)."""
    f = fn(lib, "int_to_double", [c_int], c_double)
    t = ctabi.thunk(f)
    f.argtypes = [c_double]
    f.restype = c_int
    assert tuple(t.argtypes) == (c_int,) and t.restype is c_double
    assert t(7) == 7.0
    assert ctabi.thunk(f).signature == "sysv64 i32(f64)"


def test_zero_length_array_field_is_refused_by_name(lib):
    class Tail(Structure):
        _fields_ = [("n", c_int), ("items", c_int * 0)]

    with pytest.raises(ctabi.UnsupportedType,
                       match=r"argument 1: field Tail.items: c_int_Array_0 is a zero-length array"):
        ctabi.thunk(fn(lib, "S2i_sum", [Tail], c_double))
    # By pointer it is an ordinary structure.
    assert ctabi.signature_of([ctypes.POINTER(Tail)], None) == "sysv64 void(ptr)"


# Simple types of the other byte order (c_int.__ctype_be__ on x86): ctypes
# converts an argument for one in host order, but reverses the bytes of a
# result, of a callback's arguments and of a callback's result.
BE_INT = ctypes.c_int.__ctype_be__
BE_DOUBLE = ctypes.c_double.__ctype_be__


def test_swapped_types_as_ctypes_treats_them(lib):
    from helpers import both

    for name, argtypes, restype, args in [
            ("int_to_double", [BE_INT], c_double, (1,)),
            ("double_to_int", [c_double], BE_INT, (1.0,)),
            ("double_to_int", [c_double], BE_INT, (-5.0,)),
            ("double_to_int", [BE_DOUBLE], c_int, (2.0,)),
            ("int_to_double", [c_int], BE_DOUBLE, (3,))]:
        f = fn(lib, name, argtypes, restype)
        expected, got = both(f, *args)
        assert got == expected, (name, argtypes, restype, expected, got)
    assert ctabi.thunk(fn(lib, "double_to_int", [c_double], BE_INT))(1.0) == 1 << 24


def test_swapped_types_in_callbacks(lib):
    seen = {}

    def py(a, b):
        seen.setdefault(make, []).append((a, b))
        return a + b

    results = {}
    for make in ("ctypes", "ctabi"):
        proto = CFUNCTYPE(BE_INT, BE_INT, c_int)
        cb = proto(py) if make == "ctypes" else ctabi.callback(proto, py)
        call = fn(lib, "call_ii", [proto, c_int], c_long)
        results[make] = call(cb, 3)
    assert results["ctabi"] == results["ctypes"]
    assert seen["ctabi"] == seen["ctypes"] and seen["ctabi"][1] == (1 << 24, 99)
