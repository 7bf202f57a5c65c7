"""ctypes metadata -> ctabi signature text and per-value conversion kinds.

Everything here runs once, when a thunk or callback is built; the call path
is C++ (_ctabi). A ctypes type maps to
  - its C type in ctabi's signature text (structures and unions with the
    offsets, size and alignment ctypes itself computed, so _pack_ and
    nesting are exactly ctypes' layout), and
  - a conversion kind: how a Python value becomes that C value (arguments)
    or the C value a Python object (results).
"""

import ctypes
import sys
import types
import weakref

# ctypes' simple type codes (the `_type_` of _SimpleCData subclasses).
_INT_CODES = "bBhHiIlLqQ"
_SIGNED = set("bhilq")


class UnsupportedType(TypeError):
    """A ctypes type ctabi cannot pass (bitfields by value, for instance)."""


# The conversion kind of each simple type code; integer codes are "int".
_SIMPLE_KINDS = {"?": "bool", "c": "char", "u": "wchar", "z": "charp", "Z": "wcharp",
                 "P": "voidp", "O": "pyobject", "f": "float", "d": "float", "g": "float"}


def simple_kind(t):
    """The conversion kind of a simple ctypes type (both directions)."""
    return _SIMPLE_KINDS.get(t._type_, "int")


def _type_name(t):
    return getattr(t, "__name__", repr(t))


def _is_simple(t):
    return isinstance(t, type) and issubclass(t, ctypes._SimpleCData)


# The attribute that leads from a simple type to its host-order twin.
_NATIVE_ORDER = "__ctype_le__" if sys.byteorder == "little" else "__ctype_be__"


def is_swapped(t):
    """True for a simple type of the other byte order (c_int.__ctype_be__
    on x86, or a subclass of one). As an argument ctypes converts a value
    for it in host order all the same; as a result (and as a callback's
    argument or result) it reverses the bytes."""
    return _is_simple(t) and getattr(t, _NATIVE_ORDER, t) is not t


def _int_text(size, signed):
    return ("i" if signed else "u") + str(8 * size)


def _simple_text(t):
    code = t._type_
    size = ctypes.sizeof(t)
    if code in _INT_CODES:
        return _int_text(size, code in _SIGNED)
    if code == "f":
        return "f32"
    if code == "d":
        return "f64"
    if code == "g":
        # x87 extended precision on x86; where long double is double, f64.
        return "f80" if size > 8 else "f64"
    if code == "?":
        return "bool"
    if code == "c":
        return "i8"
    if code == "u":
        return _int_text(size, False)
    if code in "zZPO":
        return "ptr"
    if code == "v":  # VARIANT_BOOL (Windows)
        return "i16"
    raise UnsupportedType("ctypes type %s (code %r) is not supported" % (_type_name(t), code))


def _is_aggregate(t):
    return isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union))


def _is_array(t):
    return isinstance(t, type) and issubclass(t, ctypes.Array)


def _is_pointer(t):
    return isinstance(t, type) and issubclass(t, ctypes._Pointer)


def _is_funcptr(t):
    return isinstance(t, type) and issubclass(t, ctypes._CFuncPtr)


# The text of each complete structure or union type, and whether ctypes
# mishandles it (see ctypes_mishandles). Both follow from the layout alone,
# and ctypes makes a layout final once _fields_ is set (setting it again
# raises "_fields_ is final", and so does setting the _fields_ of a type used
# as a field), so each type is mapped once. Weak keys: a program that makes
# types on the fly does not keep them alive. Incomplete and empty types are
# errors, and never stored.
_AGGREGATES = weakref.WeakKeyDictionary()


def value_text(t, where):
    """The signature text of a ctypes type held by value (as a field, or an
    argument or result passed by value)."""
    if _is_simple(t):
        return _simple_text(t)
    if _is_pointer(t) or _is_funcptr(t):
        return "ptr"
    if _is_array(t):
        if t._length_ == 0:
            # ctabi's types have no zero-sized members, as ISO C has none (a
            # zero-length array is a GNU C extension).
            raise UnsupportedType("%s: %s is a zero-length array, which cannot be passed by "
                                  "value" % (where, _type_name(t)))
        return "[%d x %s]" % (t._length_, value_text(t._type_, where))
    if _is_aggregate(t):
        return _aggregate(t, where)[0]
    raise UnsupportedType("%s: %r is not a ctypes type" % (where, t))


def _aggregate(t, where):
    """(text, mishandled) of a structure or union type, mapped once it is
    final: a subclass that has no _fields_ of its own is laid out as its
    base until it is given some, so it is mapped afresh each time."""
    known = _AGGREGATES.get(t)
    if known is None:
        known = (_aggregate_text(t, where), _mishandled(t))
        if "_fields_" in vars(t):
            _AGGREGATES[t] = known
    return known


def fields_of(t):
    """All fields of a structure or union type, in layout order: ctypes
    lays out a subclass as its base's fields followed by its own _fields_
    (None when no class of it has _fields_: an incomplete type)."""
    fields = None
    for klass in reversed(t.__mro__):
        own = vars(klass).get("_fields_")
        if own is not None and _is_aggregate(klass):
            fields = (fields or []) + list(own)
    return fields


def _aggregate_text(t, where):
    fields = fields_of(t)
    if fields is None:
        raise UnsupportedType("%s: %s has no _fields_ (an incomplete type)"
                              % (where, _type_name(t)))
    if not fields or ctypes.sizeof(t) == 0:
        raise UnsupportedType("%s: %s is empty; C has no empty structures or unions to pass"
                              % (where, _type_name(t)))
    union = issubclass(t, ctypes.Union)
    parts = []
    for f in fields:
        name, ftype = f[0], f[1]
        if len(f) > 2:
            raise UnsupportedType(
                "%s: %s.%s is a bitfield; bitfields cannot be passed by value"
                % (where, _type_name(t), name))
        sub = value_text(ftype, "%s: field %s.%s" % (where, _type_name(t), name))
        if union:
            parts.append(sub)
        else:
            parts.append("%s @%d" % (sub, getattr(t, name).offset))
    layout = " | size %d align %d" % (ctypes.sizeof(t), ctypes.alignment(t))
    body = ", ".join(parts)
    if union:
        return "union{%s%s}" % (body, layout)
    return "{%s%s}" % (body, layout)


def ctypes_mishandles(t):
    """True when ctypes itself passes or returns a value of type t by value
    wrongly on x86-64: a union, or a structure holding an array, a union or
    a field off its natural alignment (_pack_). Calls with such values must
    never be handed back to ctypes."""
    if type(t) in _AGGREGATE_METAS:
        known = _AGGREGATES.get(t)
        if known is not None:
            return known[1]
    if not _is_aggregate(t):
        return False
    return _mishandled(t)


def _mishandled(t):
    if issubclass(t, ctypes.Union):
        return True
    for f in fields_of(t) or ():
        ftype = f[1]
        if _is_array(ftype) or ctypes_mishandles(ftype):
            return True
        if getattr(t, f[0]).offset % ctypes.alignment(ftype):
            return True
    return False


_CTYPES_BASES = (ctypes._SimpleCData, ctypes.Structure, ctypes.Union, ctypes.Array, ctypes._Pointer,
                 ctypes._CFuncPtr)


def _has_own_from_param(t):
    """True when the from_param ctypes calls for type t (the one attribute
    lookup finds: in t, its bases or its metaclass) is not one of ctypes'
    own, which are all built in (c_char_p's, POINTER types', Structure's,
    ...): its conversions are then its own business."""
    own = getattr(t, "from_param", None)
    return own is not None and not isinstance(own, types.BuiltinMethodType)


def _simple_args():
    """(text, kind) of each simple type code of this interpreter."""
    known = {}
    for code in "?cbBhHiIlLqQfdguzZPOv":
        try:
            t = type("c_" + code, (ctypes._SimpleCData,), {"_type_": code})
        except (AttributeError, TypeError, ValueError):  # a code this build lacks
            continue
        known[code] = (_simple_text(t), simple_kind(t))
    return known


# The common argtypes, found by the type of the type (ctypes' own
# metaclasses; a type with another metaclass takes the general path below)
# once its from_param is ctypes' own: what the general path gives, looked up.
_SIMPLE_ARGS = _simple_args()
_SIMPLE_META = type(ctypes.c_int)
_FIXED_ARGS = {type(ctypes.POINTER(ctypes.c_int)): ("ptr", "pointer"),
               type(ctypes.CFUNCTYPE(None)): ("ptr", "funcptr"),
               type(ctypes.c_int * 1): ("ptr", "array")}
_AGGREGATE_METAS = (type(ctypes.Structure), type(ctypes.Union))


def arg_kind(t, index):
    """(signature text, kind name) of argument `index` (0-based)."""
    meta = type(t)
    if meta is _SIMPLE_META:
        known = _SIMPLE_ARGS.get(t._type_)
        if known is not None and not _has_own_from_param(t):
            return known
    elif meta in _FIXED_ARGS:
        if not _has_own_from_param(t):
            return _FIXED_ARGS[meta]
    elif meta in _AGGREGATE_METAS:
        known = _AGGREGATES.get(t)
        if known is not None and not _has_own_from_param(t):
            return known[0], "aggregate"
    where = "argument %d" % (index + 1)
    if not isinstance(t, type):
        raise UnsupportedType("%s: argtypes entry %r is not a type" % (where, t))
    if issubclass(t, _CTYPES_BASES) and _has_own_from_param(t):
        return value_text(t, where) if not _is_array(t) else "ptr", "custom"
    if _is_simple(t):
        return _simple_text(t), simple_kind(t)
    if _is_pointer(t):
        return "ptr", "pointer"
    if _is_funcptr(t):
        return "ptr", "funcptr"
    if _is_array(t):
        # An array in argtypes is passed as a pointer to its first element.
        return "ptr", "array"
    if _is_aggregate(t):
        return value_text(t, where), "aggregate"
    if hasattr(t, "from_param"):
        raise UnsupportedType(
            "%s: %s is not a ctypes type (it only has from_param), so its C type is "
            "unknown; use a ctypes type whose from_param converts to it" % (where, _type_name(t)))
    raise UnsupportedType("%s: %r is not a ctypes type" % (where, t))


def result_kind(t):
    """(signature text, kind name) of a restype."""
    if t is None:
        return "void", "void"
    if not isinstance(t, type):
        if callable(t):
            # Deprecated ctypes feature: the C int result is passed to it.
            return "i32", "callable"
        raise UnsupportedType("restype %r is not a ctypes type" % (t,))
    if _is_simple(t):
        if t.__bases__[0] is not ctypes._SimpleCData:
            # A subclass of a simple type: ctypes returns an instance.
            return _simple_text(t), "instance"
        if is_swapped(t):
            return _simple_text(t), "swapped"
        return _simple_text(t), simple_kind(t)
    if _is_pointer(t) or _is_funcptr(t):
        return "ptr", "instance"
    if _is_aggregate(t):
        return value_text(t, "result"), "instance"
    if _is_array(t):
        raise UnsupportedType("restype: %s is an array; C functions cannot return arrays"
                              % _type_name(t))
    raise UnsupportedType("restype %r is not a ctypes type" % (t,))


def _paramflags_offset():
    """Where a ctypes function object keeps its paramflags (None when this
    interpreter's layout cannot be confirmed). ctypes exposes them nowhere,
    so two probe functions, with and without paramflags, locate the field."""
    try:
        libc = ctypes.CDLL(None)
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)
        flags = ((1, "x"),)
        with_flags = proto(("abs", libc), flags)
        without = proto(("abs", libc))
        size = type(with_flags).__basicsize__
        raw = ctypes.string_at(id(with_flags), size)
        plain = ctypes.string_at(id(without), size)
        want = id(flags).to_bytes(ctypes.sizeof(ctypes.c_void_p), "little")
        for off in range(0, size - len(want) + 1, ctypes.sizeof(ctypes.c_void_p)):
            if raw[off:off + len(want)] == want and not any(plain[off:off + len(want)]):
                return off
    except Exception:
        pass
    return None


_PARAMFLAGS_OFFSET = _paramflags_offset()


def has_paramflags(cfunc):
    """True when the ctypes function was made from a prototype with
    paramflags (output parameters, keyword arguments); None if unknown."""
    if _PARAMFLAGS_OFFSET is None or type(cfunc).__basicsize__ < _PARAMFLAGS_OFFSET + 8:
        return None
    return bool(ctypes.c_void_p.from_address(id(cfunc) + _PARAMFLAGS_OFFSET).value)
