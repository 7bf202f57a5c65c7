"""ctypes twins of the C types in clib/common.h (keep the two in step)."""

import ctypes
from ctypes import (c_char, c_double, c_float, c_int, c_long, c_short, Structure, Union)


class S2i(Structure):
    _fields_ = [("a", c_int), ("b", c_int)]


class S2d(Structure):
    _fields_ = [("x", c_double), ("y", c_double)]


class SMix(Structure):
    _fields_ = [("a", c_long), ("b", c_double)]


class S3f(Structure):
    _fields_ = [("a", c_float), ("b", c_float), ("c", c_float)]


class SSmall(Structure):
    _fields_ = [("c", c_char), ("s", c_short), ("i", c_int)]


class S24(Structure):
    _fields_ = [("a", c_long), ("b", c_long), ("c", c_long)]


class SBig(Structure):
    _fields_ = [("d", c_double * 5), ("tag", c_int)]


class SArr(Structure):
    _fields_ = [("a", c_int * 4)]


class SChars(Structure):
    _fields_ = [("name", c_char * 10), ("id", c_short)]


class SArrF(Structure):
    _fields_ = [("f", c_float * 3)]


class SNested(Structure):
    _fields_ = [("inner", S2i), ("z", c_double)]


class SNest2(Structure):
    _fields_ = [("m", SMix), ("arr", S2i * 2)]


class SPacked(Structure):
    _pack_ = 1
    _fields_ = [("c", c_char), ("i", c_int), ("d", c_double)]


class SPacked3(Structure):
    _pack_ = 1
    _fields_ = [("c", c_char), ("s", c_short)]


class UIF(Union):
    _fields_ = [("i", c_int), ("f", c_float)]


class UDL(Union):
    _fields_ = [("d", c_double), ("l", c_long)]


class UFD(Union):
    _fields_ = [("f", c_float * 2), ("d", c_double)]


class UBig(Union):
    _fields_ = [("s", S2d), ("c", c_char * 16)]


class ULarge(Union):
    _fields_ = [("d", c_double * 3), ("l", c_long)]


class SWithU(Structure):
    _fields_ = [("tag", c_int), ("u", UIF), ("x", c_double)]


class S128(Structure):
    _fields_ = [("d", c_double * 16)]


class WithBitfield(Structure):
    _fields_ = [("a", c_int, 3), ("b", c_int, 5)]


# Per aggregate of clib/aggregates.c: its ctypes class, the argtypes of
# <name>_make and arguments for it, fields(value) -> the tuple of fields the
# C <name>_sum weighs with `weights`, and bump(fields, k) -> the fields
# <name>_bump(value, k) returns.
AGGREGATES = {
    "S2i": dict(cls=S2i, make=[c_int, c_int], args=(3, -4),
                fields=lambda s: (s.a, s.b),
                weights=(1, 10), bump=lambda f, k: (f[0] + k, f[1] + 2 * k)),
    "S2d": dict(cls=S2d, make=[c_double, c_double], args=(1.5, -2.25),
                fields=lambda s: (s.x, s.y),
                weights=(1, 10), bump=lambda f, k: (f[0] + k, f[1] + 2 * k)),
    "SMix": dict(cls=SMix, make=[c_long, c_double], args=(-(1 << 40), 0.75),
                 fields=lambda s: (s.a, s.b),
                 weights=(1, 10), bump=lambda f, k: (f[0] + k, f[1] + 2 * k)),
    "S3f": dict(cls=S3f, make=[c_float] * 3, args=(1.5, 2.5, -3.5),
                fields=lambda s: (s.a, s.b, s.c),
                weights=(1, 10, 100), bump=lambda f, k: (f[0] + k, f[1] + 2 * k, f[2] + 3 * k)),
    "SSmall": dict(cls=SSmall, make=[c_char, c_short, c_int], args=(b"A", -300, 70000),
                   fields=lambda s: (s.c[0], s.s, s.i),
                   weights=(1, 10, 100),
                   bump=lambda f, k: (f[0] + k, f[1] + 2 * k, f[2] + 3 * k)),
    "S24": dict(cls=S24, make=[c_long] * 3, args=(7, -8, 1 << 33),
                fields=lambda s: (s.a, s.b, s.c),
                weights=(1, 10, 100), bump=lambda f, k: (f[0] + k, f[1] + 2 * k, f[2] + 3 * k)),
    "SBig": dict(cls=SBig, make=[c_double, c_int], args=(0.5, 9),
                 fields=lambda s: tuple(s.d) + (s.tag,),
                 weights=(1, 2, 3, 4, 5, 100),
                 bump=lambda f, k: tuple(f[i] + k * (i + 1) for i in range(5)) + (f[5] + k,)),
    "SArr": dict(cls=SArr, make=[c_int] * 4, args=(1, -2, 3, -4),
                 fields=lambda s: tuple(s.a),
                 weights=(1, 10, 100, 1000),
                 bump=lambda f, k: tuple(f[i] + k * (i + 1) for i in range(4))),
    "SChars": dict(cls=SChars, make=[ctypes.c_char_p, c_short], args=(b"abcdefghij", 12),
                   fields=lambda s: tuple(bytes(s)[0:10]) + (s.id,),
                   weights=tuple(range(1, 11)) + (1000,),
                   bump=lambda f, k: tuple(c + k if c else 0 for c in f[:10]) + (f[10] + k,)),
    "SArrF": dict(cls=SArrF, make=[c_float] * 3, args=(0.5, -1.5, 2.5),
                  fields=lambda s: tuple(s.f),
                  weights=(1, 10, 100),
                  bump=lambda f, k: tuple(f[i] + k * (i + 1) for i in range(3))),
    "SNested": dict(cls=SNested, make=[c_int, c_int, c_double], args=(5, -6, 7.25),
                    fields=lambda s: (s.inner.a, s.inner.b, s.z),
                    weights=(1, 10, 100),
                    bump=lambda f, k: (f[0] + k, f[1] + 2 * k, f[2] + 3 * k)),
    "SNest2": dict(cls=SNest2, make=[c_long, c_double, c_int, c_int, c_int, c_int],
                   args=(1, 2.5, 3, 4, 5, 6),
                   fields=lambda s: (s.m.a, s.m.b, s.arr[0].a, s.arr[0].b, s.arr[1].a, s.arr[1].b),
                   weights=(1, 10, 100, 1000, 10000, 100000),
                   bump=lambda f, k: tuple(f[i] + k * (i + 1) for i in range(6))),
    "SPacked": dict(cls=SPacked, make=[c_char, c_int, c_double], args=(b"\x05", -77, 3.25),
                    fields=lambda s: (s.c[0], s.i, s.d),
                    weights=(1, 10, 100),
                    bump=lambda f, k: (f[0] + k, f[1] + 2 * k, f[2] + 3 * k)),
    "SPacked3": dict(cls=SPacked3, make=[c_char, c_short], args=(b"\x09", -1234),
                     fields=lambda s: (s.c[0], s.s),
                     weights=(1, 10), bump=lambda f, k: (f[0] + k, f[1] + 2 * k)),
    "UIF": dict(cls=UIF, make=[c_int], args=(123456,),
                fields=lambda u: (u.i,),
                weights=(1,), bump=lambda f, k: (f[0] + k,)),
    "UDL": dict(cls=UDL, make=[c_double], args=(-2.5,),
                fields=lambda u: (u.d,),
                weights=(1,), bump=lambda f, k: (f[0] + k,)),
    "UFD": dict(cls=UFD, make=[c_float, c_float], args=(1.25, -2.5),
                fields=lambda u: tuple(u.f),
                weights=(1, 10), bump=lambda f, k: (f[0] + k, f[1] + 2 * k)),
    "UBig": dict(cls=UBig, make=[c_double, c_double], args=(1.5, 2.5),
                 fields=lambda u: (u.s.x, u.s.y),
                 weights=(1, 10), bump=lambda f, k: (f[0] + k, f[1] + 2 * k)),
    "ULarge": dict(cls=ULarge, make=[c_double] * 3, args=(1.0, -2.0, 3.5),
                   fields=lambda u: tuple(u.d),
                   weights=(1, 10, 100),
                   bump=lambda f, k: tuple(f[i] + k * (i + 1) for i in range(3))),
    "SWithU": dict(cls=SWithU, make=[c_int, c_int, c_double], args=(1, 2, 3.5),
                   fields=lambda s: (s.tag, s.u.i, s.x),
                   weights=(1, 10, 100),
                   bump=lambda f, k: (f[0] + k, f[1] + 2 * k, f[2] + 3 * k)),
}


def weighted(fields, weights):
    return float(sum(f * w for f, w in zip(fields, weights)))


def make_value(name):
    """An instance of aggregate `name` holding the make arguments, built in
    Python (not by C)."""
    info = AGGREGATES[name]
    cls, args = info["cls"], info["args"]
    v = cls()
    if name == "SBig":
        for i in range(5):
            v.d[i] = args[0] + i
        v.tag = args[1]
    elif name == "SChars":
        v.name, v.id = args
    elif name == "SArr":
        v.a[:] = args
    elif name in ("SArrF",):
        v.f[:] = args
    elif name == "UFD":
        v.f[:] = args
    elif name == "ULarge":
        v.d[:] = args
    elif name == "UBig":
        v.s.x, v.s.y = args
    elif name == "UIF":
        v.i = args[0]
    elif name == "UDL":
        v.d = args[0]
    elif name == "SNested":
        v.inner.a, v.inner.b, v.z = args
    elif name == "SNest2":
        v.m.a, v.m.b = args[0], args[1]
        v.arr[0].a, v.arr[0].b, v.arr[1].a, v.arr[1].b = args[2:]
    elif name == "SWithU":
        v.tag, v.u.i, v.x = args
    else:
        for (fname, *_), a in zip(cls._fields_, args):
            setattr(v, fname, a)
    return v


def expected_fields(name):
    """The fields of make_value(name), as `fields` reads them."""
    info = AGGREGATES[name]
    args = info["args"]
    if name == "SBig":
        return tuple(args[0] + i for i in range(5)) + (args[1],)
    if name == "SChars":
        return tuple(args[0].ljust(10, b"\0")[:10]) + (args[1],)
    return tuple(a[0] if isinstance(a, bytes) else a for a in args)


# Structures with a union or an array inside, and unions: what ctypes may pass
# wrongly and ctabi must not hand back to it.
UNIONS = ["UIF", "UDL", "UFD", "UBig", "ULarge"]
WITH_ARRAYS = ["SBig", "SArr", "SArrF", "SChars", "SNest2"]


def aggregate_case(name):
    """(info, class, expected fields, a value, its weighted sum) of an
    aggregate of AGGREGATES: what the by-value tests start from."""
    info = AGGREGATES[name]
    fields = expected_fields(name)
    return info, info["cls"], fields, make_value(name), weighted(fields, info["weights"])
