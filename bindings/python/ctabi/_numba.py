"""ctabi.Thunk in numba's nopython mode (@njit, @vectorize, @guvectorize,
@cfunc).

A thunk's `address` is a host-native C function with the canonical signature
(ctabi's DESIGN: scalars as they are, structures, unions and x87 long double
by pointer, such a result through a first pointer argument). numba code calls
that address directly: the call is one native call, no Python and no boxing;
when the target is itself canonical and native, `address` is the target, so
the call is exactly numba's own call of a ctypes function.

This module is loaded by numba's `numba_extensions` entry point, on
`import ctabi` when numba is already imported, and otherwise the first time
numba types a Thunk (Thunk._numba_type_).

Everything here runs at compile time except the code it generates. The type
of a thunk is decided once, from its ctypes metadata, into a `ThunkType`
(plain data: one `_Slot` per argument and one for the result); typing a call
checks the numba types of its arguments against the slots, and lowering reads
the slots.
"""

import ctypes

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.errors import TypingError
from numba.core.extending import (NativeValue, lower_builtin, models, register_model,
                                  typeof_impl, unbox)
from numba.core.imputils import lower_constant
from numba.core.registry import cpu_target
from numba.core.typing.templates import signature as _signature
from numba.np import numpy_support

from . import _ctabi
from ._ctypes_map import (_INT_CODES, _SIGNED, _has_own_from_param, fields_of, has_paramflags,
                          is_swapped)

_HELPERS = _ctabi.numba_helpers()
_I8P = ir.IntType(8).as_pointer()
_I32 = ir.IntType(32)

# Thunks whose address numba code holds as a constant: compiled code lives
# as long as the process, so the thunks it calls do too.
_KEPT_ALIVE = {}


# --------------------------------------------------------------------------
# Slots: how one argument or the result crosses between numba and C.

class _Slot:
    """One value of a thunk's C signature, seen from numba.

    kind:
      "int"      integer of `numba` type (bool, char, wchar and enums included)
      "bool"     C _Bool, numba boolean
      "float"    float or double (numba float32 / float64)
      "f80"      x87 long double: numba float64, converted; by pointer in the
                 canonical signature
      "pointer"  void*, T*, an array argtype (a pointer to its first element),
                 char* and wchar_t*; `elem` is the numba type pointed to when
                 known (None for void* and opaque structures)
      "funcptr"  a C function pointer (CFUNCTYPE)
      "aggregate" a structure or union by value: a numba Record of the same
                 layout, by pointer in the canonical signature
      "void"     no result
      "unsupported" `reason` says why
    """

    __slots__ = ("kind", "numba", "elem", "ctype", "size", "align", "text", "reason")

    def __init__(self, kind, numba=None, elem=None, ctype=None, text="", reason=None):
        self.kind = kind
        self.numba = numba
        self.elem = elem
        self.ctype = ctype
        self.text = text
        self.reason = reason
        self.size = ctypes.sizeof(ctype) if isinstance(ctype, type) else 0
        self.align = ctypes.alignment(ctype) if isinstance(ctype, type) else 0

    @property
    def by_pointer(self):
        # ctabi DESIGN, canonical signature: aggregates and x87 long double
        # travel by pointer.
        return self.kind in ("aggregate", "f80")


def _type_name(t):
    return getattr(t, "__name__", repr(t))


def _int_type(size, signed):
    return types.Integer.from_bitwidth(8 * size, signed)


def _simple_slot(t, where):
    code = t._type_
    size = ctypes.sizeof(t)
    name = _type_name(t)
    if code in _INT_CODES:
        return _Slot("int", _int_type(size, code in _SIGNED), ctype=t, text=name)
    if code == "c":
        return _Slot("int", types.int8, ctype=t, text=name)
    if code == "u":
        return _Slot("int", _int_type(size, False), ctype=t, text=name)
    if code == "v":
        return _Slot("int", types.int16, ctype=t, text=name)
    if code == "?":
        return _Slot("bool", types.boolean, ctype=t, text=name)
    if code == "f":
        return _Slot("float", types.float32, ctype=t, text=name)
    if code == "d":
        return _Slot("float", types.float64, ctype=t, text=name)
    if code == "g":
        if size > 8:
            return _Slot("f80", types.float64, ctype=t, text=name)
        return _Slot("float", types.float64, ctype=t, text=name)
    if code == "z":
        return _Slot("pointer", types.voidptr, elem=types.int8, ctype=t, text=name)
    if code == "Z":
        return _Slot("pointer", types.voidptr, elem=_int_type(ctypes.sizeof(ctypes.c_wchar), False),
                     ctype=t, text=name)
    if code == "P":
        return _Slot("pointer", types.voidptr, ctype=t, text=name)
    if code == "O":
        return _Slot("unsupported", ctype=t, text=name,
                     reason="%s: py_object needs a Python object and the GIL, which numba's "
                     "nopython code does not pass to C" % where)
    return _Slot("unsupported", ctype=t, text=name,
                 reason="%s: ctypes type %s has no numba equivalent" % (where, name))


def _leaf_class(dt):
    # Bit-compatible classes: integers (any signedness), bools and bytes of
    # one size are interchangeable; floats are not integers.
    return "f" if dt.kind in "fc" else "i"


def _leaves(dt, base=0):
    """(offset, class, size) of every scalar in a numpy dtype, in order."""
    if dt.fields:
        out = []
        for name in dt.names:
            sub, off = dt.fields[name][:2]
            out.extend(_leaves(sub, base + off))
        return out
    if dt.subdtype is not None:
        elem, shape = dt.subdtype
        out = []
        for k in range(int(np.prod(shape))):
            out.extend(_leaves(elem, base + k * elem.itemsize))
        return out
    return [(base, _leaf_class(dt), dt.itemsize)]


def _dtype_of(t, where):
    """The numpy dtype with the layout of a ctypes type (numpy's own
    conversion refuses pointer fields; ctabi reads them as uintp)."""
    if isinstance(t, type) and issubclass(t, ctypes._SimpleCData):
        code = t._type_
        if code in "zZP" or code == "O":
            return np.dtype(np.uintp)
        if code == "c":
            return np.dtype(np.int8)
        if code == "u":
            return np.dtype("u%d" % ctypes.sizeof(t))
        if code == "g" and ctypes.sizeof(t) > 8:
            raise TypingError("%s: long double field: numba records have no long double" % where)
        return np.dtype(t)
    if isinstance(t, type) and issubclass(t, (ctypes._Pointer, ctypes._CFuncPtr)):
        return np.dtype(np.uintp)
    if isinstance(t, type) and issubclass(t, ctypes.Array):
        return np.dtype((_dtype_of(t._type_, where), (t._length_,)))
    if isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union)):
        fields = fields_of(t)
        if not fields:
            raise TypingError("%s: %s has no fields (an incomplete or empty type)"
                              % (where, _type_name(t)))
        names, formats, offsets = [], [], []
        for f in fields:
            if len(f) > 2:
                raise TypingError("%s: %s.%s is a bitfield" % (where, _type_name(t), f[0]))
            names.append(f[0])
            formats.append(_dtype_of(f[1], "%s: field %s.%s" % (where, _type_name(t), f[0])))
            offsets.append(getattr(t, f[0]).offset)
        return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                         "itemsize": ctypes.sizeof(t)})
    raise TypingError("%s: %r has no numpy layout" % (where, t))


def _record_of(t, where):
    """The numba Record of a ctypes structure or union (TypingError if numba
    has no record for it)."""
    try:
        return numpy_support.from_dtype(_dtype_of(t, where))
    except TypingError:
        raise
    except Exception as e:  # numba's own refusal (a field type it lacks)
        raise TypingError("%s: %s has no numba record equivalent (%s)" % (where, _type_name(t), e))


def _pointee(t, where):
    """The numba type a ctypes pointer's target maps to, or None (opaque)."""
    if isinstance(t, type) and issubclass(t, ctypes._SimpleCData):
        s = _simple_slot(t, where)
        if s.kind in ("int", "bool", "float"):
            return s.numba
        return None
    if isinstance(t, type) and issubclass(t, (ctypes.Structure, ctypes.Union)):
        try:
            return _record_of(t, where)
        except TypingError:
            return None
    if isinstance(t, type) and issubclass(t, (ctypes._Pointer, ctypes._CFuncPtr)):
        return types.voidptr
    return None


def _arg_slot(t, where):
    if not isinstance(t, type):
        return _Slot("unsupported", reason="%s: argtypes entry %r is not a type" % (where, t))
    name = _type_name(t)
    if _has_own_from_param(t):
        return _Slot("unsupported", ctype=t, text=name,
                     reason="%s: %s converts values with its own from_param, a Python method "
                     "that numba's nopython code cannot call" % (where, name))
    if issubclass(t, ctypes._SimpleCData):
        return _simple_slot(t, where)
    if issubclass(t, ctypes._Pointer):
        return _Slot("pointer", types.voidptr, elem=_pointee(t._type_, where), ctype=t, text=name)
    if issubclass(t, ctypes._CFuncPtr):
        return _Slot("funcptr", types.voidptr, ctype=t, text=name)
    if issubclass(t, ctypes.Array):
        # An array in argtypes is a pointer to its first element (C 6.7.6.3).
        return _Slot("pointer", types.voidptr, elem=_pointee(t._type_, where), ctype=t, text=name)
    if issubclass(t, (ctypes.Structure, ctypes.Union)):
        try:
            record = _record_of(t, where)
        except TypingError as e:
            return _Slot("unsupported", ctype=t, text=name, reason=str(e))
        return _Slot("aggregate", record, ctype=t, text=name)
    return _Slot("unsupported", ctype=t, text=name, reason="%s: %r is not a ctypes type" % (where, t))


def _result_slot(t):
    where = "result"
    if t is None:
        return _Slot("void", types.none, text="None")
    if not isinstance(t, type):
        return _Slot("unsupported", reason="restype %r is a Python callable, which numba's "
                     "nopython code cannot call" % (t,))
    if is_swapped(t):
        return _Slot("unsupported", ctype=t, text=_type_name(t),
                     reason="restype %s is of the other byte order, whose value ctypes reads "
                     "with its bytes reversed; numba's types have no byte order"
                     % _type_name(t))
    s = _arg_slot(t, where)
    if s.kind == "pointer" and t is ctypes.c_void_p:
        # As numba's own ctypes support: a void* result is an integer (uintp).
        s.numba = types.uintp
    elif s.kind == "pointer" and issubclass(t, ctypes._Pointer) and s.elem is not None:
        s.numba = types.CPointer(s.elem)
    return s


# --------------------------------------------------------------------------
# The numba type of a thunk.

class ThunkType(types.Callable):
    """The numba type of a ctabi.Thunk: its C signature and the ctypes
    metadata it came from. The value is the canonical entry point."""

    def __init__(self, key, signature, canonical, args, result, problem):
        self._key = key
        self.c_signature = signature
        self.canonical = canonical
        self.arg_slots = args
        self.result_slot = result
        self.problem = problem  # why no call can be made, or None
        super().__init__(name="ctabi.Thunk(%s)" % signature)

    @property
    def key(self):
        return self._key

    def get_call_signatures(self):
        return [], True

    def get_impl_key(self, sig):
        return type(self)

    def get_call_type(self, context, args, kws):
        name = self.c_signature
        if self.problem:
            raise TypingError("ctabi thunk %s: %s" % (name, self.problem))
        if kws:
            raise TypingError("ctabi thunk %s: keyword arguments (%s) are not supported; pass "
                              "the arguments by position" % (name, ", ".join(sorted(kws))))
        if len(args) != len(self.arg_slots):
            raise TypingError("ctabi thunk %s: takes %d argument%s, %d given"
                              % (name, len(self.arg_slots),
                                 "" if len(self.arg_slots) == 1 else "s", len(args)))
        formal = []
        for i, (slot, actual) in enumerate(zip(self.arg_slots, args)):
            formal.append(_type_argument(context, slot, actual, "argument %d" % (i + 1), name))
        ret = self.result_slot
        if ret.kind == "unsupported":
            raise TypingError("ctabi thunk %s: %s" % (name, ret.reason))
        return _signature(ret.numba, *formal, recvr=self)


def _describe(slot):
    if slot.kind == "aggregate":
        return "%s (a numba record with its layout: %s)" % (slot.text, slot.numba)
    if slot.kind == "pointer":
        return "%s (a pointer%s)" % (slot.text, " to %s" % slot.elem if slot.elem else "")
    return "%s (%s)" % (slot.text, slot.numba)


def _fail(name, where, slot, actual, why=""):
    raise TypingError("ctabi thunk %s: %s: cannot pass %s as %s%s"
                      % (name, where, actual, _describe(slot), why))


def _record_layout_matches(record, slot):
    try:
        mine = sorted(_leaves(numpy_support.as_dtype(record)))
    except Exception:
        return False
    return mine == sorted(_leaves(numpy_support.as_dtype(slot.numba)))


def _type_argument(context, slot, actual, where, name):
    """The type the argument is lowered from: numba converts the value to it
    (scalars) or ctabi's lowering takes it as it is (pointers, records)."""
    kind = slot.kind
    if kind == "unsupported":
        raise TypingError("ctabi thunk %s: %s" % (name, slot.reason))
    if kind in ("int", "bool", "float", "f80"):
        if isinstance(actual, (types.Integer, types.Float, types.Boolean)):
            if context.can_convert(actual, slot.numba) is not None:
                return slot.numba
        if isinstance(actual, types.IntegerLiteral) or isinstance(actual, types.BooleanLiteral):
            return slot.numba
        _fail(name, where, slot, actual)
    if kind == "aggregate":
        if isinstance(actual, types.Record):
            if _record_layout_matches(actual, slot):
                return actual
            _fail(name, where, slot, actual, ": the fields' offsets and types differ")
        _fail(name, where, slot, actual)
    if kind == "funcptr":
        if isinstance(actual, (types.ExternalFunctionPointer, types.Integer)) or actual == types.voidptr:
            return actual
        if isinstance(actual, types.NoneType):
            return actual
        _fail(name, where, slot, actual, "; pass a ctypes function, a void pointer or an address")
    if kind == "pointer":
        return _type_pointer_argument(slot, actual, where, name)
    raise AssertionError("slot kind %r" % kind)


def _same_elem(elem, got):
    if elem is None or got == elem:
        return True
    if isinstance(elem, types.Record) and isinstance(got, types.Record):
        return _record_layout_matches(got, _Slot("aggregate", elem))
    if isinstance(elem, types.Integer) and isinstance(got, types.Integer):
        return elem.bitwidth == got.bitwidth
    return False


def _type_pointer_argument(slot, actual, where, name):
    is_charp = slot.ctype is ctypes.c_char_p
    if actual == types.voidptr or isinstance(actual, (types.Integer, types.NoneType)):
        return actual
    if isinstance(actual, types.CPointer):
        if _same_elem(slot.elem, actual.dtype):
            return actual
        _fail(name, where, slot, actual, ": it points to %s" % actual.dtype)
    if is_charp and actual == types.unicode_type:
        return actual  # ASCII only, checked when called
    if isinstance(actual, types.Bytes) and is_charp:
        return actual
    if isinstance(actual, types.Array):
        if actual.layout not in "CF":
            _fail(name, where, slot, actual,
                  ": the array may not be contiguous (pass np.ascontiguousarray of it)")
        if _same_elem(slot.elem, actual.dtype):
            return actual
        _fail(name, where, slot, actual, ": its elements are %s" % actual.dtype)
    if isinstance(actual, types.Record) and slot.elem is not None and _same_elem(slot.elem, actual):
        return actual  # the record's address (ctypes.byref of a structure)
    if isinstance(actual, types.ExternalFunctionPointer) and slot.elem is None:
        return actual
    _fail(name, where, slot, actual)


register_model(ThunkType)(models.OpaqueModel)

_TYPES = {}


def thunk_type_of(thunk):
    """The ThunkType of a ctabi.Thunk (one per distinct signature and ctypes
    metadata; the address is the value, not the type)."""
    argtypes = tuple(thunk.argtypes)
    restype = thunk.restype
    errcheck = thunk.errcheck
    check_retval = getattr(restype, "_check_retval_", None) if restype is not None else None
    paramflags = bool(has_paramflags(thunk.cfunc))
    key = (thunk.signature, argtypes, restype, errcheck is not None, check_retval is not None,
           paramflags)
    found = _TYPES.get(key)
    if found is not None:
        return found
    problem = None
    if errcheck is not None:
        problem = ("it has an errcheck (%r), a Python function that numba's nopython code cannot "
                   "call; build the thunk from a ctypes function without errcheck" % (errcheck,))
    elif check_retval is not None:
        problem = ("its restype %s has a _check_retval_ (%r), which ctypes calls with every "
                   "result; numba's nopython code cannot call it"
                   % (_type_name(restype), check_retval))
    elif paramflags:
        problem = ("its ctypes function has paramflags (output parameters), whose semantics "
                   "only ctypes' own call gives")
    args = tuple(_arg_slot(t, "argument %d" % (i + 1)) for i, t in enumerate(argtypes))
    result = _result_slot(restype)
    t = ThunkType(key, thunk.signature, thunk.canonical_signature, args, result, problem)
    _TYPES[key] = t
    return t


@typeof_impl.register(_ctabi.Thunk)
def _typeof_thunk(val, c):
    return thunk_type_of(val)


# --------------------------------------------------------------------------
# Lowering.

@lower_constant(ThunkType)
def _constant_thunk(context, builder, ty, pyval):
    _KEPT_ALIVE[id(pyval)] = pyval
    return context.add_dynamic_addr(builder, pyval.address, info="ctabi thunk %s" % ty.c_signature)


@unbox(ThunkType)
def _unbox_thunk(typ, obj, c):
    address = c.pyapi.object_getattr_string(obj, "address")
    ptr = cgutils.alloca_once_value(c.builder, ir.Constant(_I8P, None))
    with cgutils.if_likely(c.builder, cgutils.is_not_null(c.builder, address)):
        c.builder.store(c.pyapi.long_as_voidptr(address), ptr)
        c.pyapi.decref(address)
    return NativeValue(c.builder.load(ptr), is_error=c.pyapi.c_api_error())


def _helper(builder, context, name, fnty):
    addr = context.add_dynamic_addr(builder, _HELPERS[name], info="ctabi " + name)
    return builder.bitcast(addr, fnty.as_pointer())


def _stack_buffer(builder, size, align):
    """Storage in the calling function's frame (its entry block, so a call in
    a loop reuses it)."""
    buf = cgutils.alloca_once(builder, ir.ArrayType(ir.IntType(8), max(size, 1)))
    buf.align = max(align, 1)
    return builder.bitcast(buf, _I8P)


def _raise_value_error(context, builder, message):
    context.call_conv.return_user_exc(builder, ValueError, (message,))


def _lower_pointer(context, builder, slot, ty, val, where, name):
    if ty == types.voidptr or isinstance(ty, (types.CPointer, types.ExternalFunctionPointer)):
        return builder.bitcast(val, _I8P)
    if isinstance(ty, types.Integer):
        return builder.inttoptr(val, _I8P)
    if isinstance(ty, types.NoneType):
        return ir.Constant(_I8P, None)
    if isinstance(ty, types.Record):
        return builder.bitcast(val, _I8P)
    if ty == types.unicode_type:
        s = cgutils.create_struct_proxy(ty)(context, builder, value=val)
        ascii_ = builder.and_(builder.icmp_unsigned("==", s.kind, s.kind.type(1)),
                              builder.icmp_unsigned("!=", s.is_ascii, s.is_ascii.type(0)))
        with cgutils.if_unlikely(builder, builder.not_(ascii_)):
            _raise_value_error(context, builder,
                               "ctabi thunk %s: %s: a str passed as c_char_p must be ASCII; pass "
                               "s.encode() as bytes for other text" % (name, where))
        return builder.bitcast(s.data, _I8P)
    if isinstance(ty, (types.Array, types.Bytes)):
        arr = context.make_array(ty)(context, builder, value=val)
        return builder.bitcast(arr.data, _I8P)
    raise AssertionError("pointer argument of type %s passed typing" % ty)


def _lower_argument(context, builder, slot, ty, val, where, name):
    """The canonical C value of one argument."""
    kind = slot.kind
    if kind == "int":
        # Clang-compiled callees read char and short arguments as extended to
        # 32 bits (the de-facto x86 ABI GCC also honours), so widen them.
        if slot.numba.bitwidth < 32:
            return (builder.sext if slot.numba.signed else builder.zext)(val, _I32)
        return val
    if kind == "bool":
        return builder.zext(val, _I32)
    if kind == "float":
        return val
    if kind == "f80":
        buf = _stack_buffer(builder, slot.size, slot.align)
        fnty = ir.FunctionType(ir.VoidType(), [ir.DoubleType(), _I8P])
        builder.call(_helper(builder, context, "f64_to_f80", fnty), [val, buf])
        return buf
    if kind == "aggregate":
        # By value: the callee gets its own copy, laid out as C lays it out
        # (padding zeroed, the record's bytes over it).
        buf = _stack_buffer(builder, slot.size, slot.align)
        cgutils.memset(builder, buf, ir.Constant(ir.IntType(64), slot.size), 0)
        cgutils.raw_memcpy(builder, buf, builder.bitcast(val, _I8P),
                           ir.Constant(ir.IntType(64), min(slot.size, ty.size)), 1)
        return buf
    if kind in ("pointer", "funcptr"):
        return _lower_pointer(context, builder, slot, ty, val, where, name)
    raise AssertionError("slot kind %r" % kind)


def _llvm_result(slot):
    kind = slot.kind
    if kind in ("void", "f80", "aggregate"):
        return ir.VoidType()
    if kind == "int":
        return ir.IntType(slot.numba.bitwidth)
    if kind == "bool":
        return ir.IntType(8)
    if kind == "float":
        return ir.FloatType() if slot.numba == types.float32 else ir.DoubleType()
    return _I8P


@lower_builtin(ThunkType, types.VarArg(types.Any))
def _lower_thunk_call(context, builder, sig, args):
    thunk_ty = sig.args[0]
    name = thunk_ty.c_signature
    fnptr, values = args[0], args[1:]
    rslot = thunk_ty.result_slot
    cargs = []
    sret = None
    if rslot.by_pointer:
        # Canonical signature: the result is written through a first pointer.
        sret = _stack_buffer(builder, rslot.size, rslot.align)
        cargs.append(sret)
    for i, (slot, ty, val) in enumerate(zip(thunk_ty.arg_slots, sig.args[1:], values)):
        cargs.append(_lower_argument(context, builder, slot, ty, val, "argument %d" % (i + 1), name))
    fnty = ir.FunctionType(_llvm_result(rslot), [a.type for a in cargs])
    res = builder.call(builder.bitcast(fnptr, fnty.as_pointer()), cargs)
    kind = rslot.kind
    if kind == "void":
        return context.get_dummy_value()
    if kind == "f80":
        fnty = ir.FunctionType(ir.DoubleType(), [_I8P])
        return builder.call(_helper(builder, context, "f80_to_f64", fnty), [sret])
    if kind == "aggregate":
        # The record lives in this function's frame, one per call site (see
        # the README: a struct result is valid until the function returns
        # and is overwritten by the next call at the same site).
        return builder.bitcast(sret, context.get_value_type(rslot.numba))
    if kind == "bool":
        return builder.icmp_unsigned("!=", res, res.type(0))
    if rslot.numba == types.uintp:
        return builder.ptrtoint(res, context.get_value_type(types.uintp))
    if kind in ("pointer", "funcptr"):
        return builder.bitcast(res, context.get_value_type(rslot.numba))
    return res


def _refresh():
    """Make registrations made after numba's contexts loaded them visible
    (this module may be imported in the middle of typing)."""
    cpu_target.typing_context.refresh()
    cpu_target.target_context.refresh()


def _init_extension():
    """numba's `numba_extensions` entry point: importing this module
    registers everything."""


_refresh()
