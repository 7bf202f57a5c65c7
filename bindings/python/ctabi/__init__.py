"""ctabi: call C through ctypes' metadata, without libffi.

    import ctypes, ctabi
    libm = ctypes.CDLL("libm.so.6")
    libm.cos.restype = ctypes.c_double
    libm.cos.argtypes = [ctypes.c_double]
    cos = ctabi.thunk(libm.cos)      # behaves as libm.cos, several times faster
    cos(1.0)

ctabi.thunk(cfunc) reads argtypes, restype, errcheck and _flags_ of a ctypes
function and returns a Thunk: a callable with the ctypes function's
semantics, called through code generated for that one signature.
ctabi.callback(functype, pyfunc) makes a C function pointer of a CFUNCTYPE
type that calls a Python function.
"""

import ctypes as _ctypes
import sys as _sys
import re as _re

from . import _ctabi
from ._ctypes_map import (_CTYPES_BASES, UnsupportedType, arg_kind, ctypes_mishandles,
                          has_paramflags, is_swapped, result_kind, simple_kind, value_text)

__all__ = ["thunk", "callback", "Thunk", "UnsupportedType", "signature_of", "classify"]
__version__ = "0.1.0"

Thunk = _ctabi.Thunk

_FUNCFLAG_CDECL = 0x1
_FUNCFLAG_PYTHONAPI = 0x4
_FUNCFLAG_USE_ERRNO = 0x8

# Conventions by name. The host's is the default: System V on x86-64 Linux,
# win64 on 64-bit Windows, cdecl in a 32-bit process.
_CONVS = ("sysv64", "win64", "cdecl", "stdcall", "fastcall", "thiscall")
_I386_CONVS = ("cdecl", "stdcall", "fastcall", "thiscall")
_PLATFORMS = ("linux", "windows")
_HOST_PLATFORM = "windows" if _sys.platform == "win32" else "linux"
if _ctypes.sizeof(_ctypes.c_void_p) == 4:
    _HOST_ABI = "cdecl"
else:
    _HOST_ABI = "win64" if _HOST_PLATFORM == "windows" else "sysv64"
_ABIS = _CONVS


def _check_abi(abi, flags=None):
    """The convention text for abi= (a name, optionally after a platform:
    "stdcall", "windows thiscall"); by default the host's, or, in a 32-bit
    process on Windows, stdcall for a function whose ctypes _flags_ lack
    FUNCFLAG_CDECL (WinDLL, WINFUNCTYPE)."""
    if abi is None:
        if (_HOST_ABI == "cdecl" and _HOST_PLATFORM == "windows" and flags is not None and
                not flags & _FUNCFLAG_CDECL):
            return "stdcall"
        return _HOST_ABI
    if not isinstance(abi, str):
        raise TypeError("abi must be a convention name such as 'win64', not %r" % (abi,))
    words = abi.split()
    if len(words) == 2 and words[0] in _PLATFORMS and words[1] in _I386_CONVS:
        return abi if words[0] != _HOST_PLATFORM else words[1]
    if len(words) == 2 and words[0] in _PLATFORMS and words[1] in _CONVS:
        raise ValueError("abi %r: the platform (linux or windows) applies only to the i386 "
                         "conventions (%s)" % (abi, ", ".join(_I386_CONVS)))
    if abi not in _CONVS:
        raise ValueError("unknown abi %r; known: %s, each i386 one optionally after a platform "
                         "('windows stdcall')" % (abi, ", ".join(_CONVS)))
    return abi


def _is_host_abi(conv):
    return conv == _HOST_ABI


def _name_of(cfunc, address=None):
    name = getattr(cfunc, "__name__", None)
    if name:
        return name
    return "<C function at %#x>" % (_address_of(cfunc) if address is None else address)


def _address_of(cfunc):
    return _ctypes.cast(cfunc, _ctypes.c_void_p).value or 0


def signature_of(argtypes, restype, abi=None, fixed_args=None):
    """The ctabi signature text for ctypes argtypes and restype."""
    conv = _check_abi(abi)
    rtext = result_kind(restype)[0]
    texts = [arg_kind(t, i)[0] for i, t in enumerate(argtypes)]
    return _signature_text(conv, rtext, texts, fixed_args)


def _signature_text(conv, rtext, texts, fixed_args):
    if fixed_args is not None:
        if not 0 <= fixed_args <= len(texts):
            raise ValueError("fixed_args=%d, but there are %d argtypes" % (fixed_args, len(texts)))
        texts = texts[:fixed_args] + ["..."] + texts[fixed_args:]
    return "%s %s(%s)" % (conv, rtext, ", ".join(texts))


def classify(signature):
    """The CallLayout of a signature text, as ctabi prints it."""
    return _ctabi.classify(signature)


def thunk(cfunc, *, abi=None, release_gil=None, fixed_args=None):
    """A Thunk calling the ctypes function `cfunc` with its semantics.

    abi: the function's convention by name ("sysv64", "win64", "cdecl",
      "stdcall", "fastcall", "thiscall"), when it is not the host's; for
      example an ms_abi function in a Linux library with abi="win64". An
      i386 convention may name its platform's rules first ("windows
      stdcall"); by default they are the host's. In a 32-bit process on
      Windows, a function whose _flags_ lack FUNCFLAG_CDECL (WinDLL,
      WINFUNCTYPE) is stdcall without abi=.
    release_gil: whether calls release the GIL; by default as ctypes does
      (released for CDLL functions, held for PyDLL ones).
    fixed_args: for a variadic C function, how many of argtypes are its
      fixed arguments (the rest describe the variadic ones of this thunk's
      one call shape).
    """
    if not isinstance(cfunc, _ctypes._CFuncPtr):
        cfunc = _ctypes_function_of(cfunc)
    address = _address_of(cfunc)
    name = _name_of(cfunc, address)
    argtypes = cfunc.argtypes
    if argtypes is None:
        raise TypeError("%s: argtypes is not set; ctabi builds a thunk for one signature, so set "
                        "argtypes (an empty list for a function of no arguments)" % name)
    argtypes = tuple(argtypes)
    restype = cfunc.restype
    flags = cfunc._flags_
    conv = _check_abi(abi, flags)
    if not address:
        raise ValueError("%s: the function pointer is NULL" % name)
    try:
        kinds = [arg_kind(t, i) for i, t in enumerate(argtypes)]
        rtext, rkind = result_kind(restype)
    except UnsupportedType as e:
        raise UnsupportedType("%s: %s" % (name, e)) from None
    signature = _signature_text(conv, rtext, [text for text, _ in kinds], fixed_args)
    # Hand values the fast path does not take to ctypes, unless ctypes would
    # call this function wrongly (another convention, variadic, or values
    # ctypes itself passes wrongly).
    fallback = (_is_host_abi(conv) and fixed_args is None and
                not any(ctypes_mishandles(t) for t in argtypes) and
                not (isinstance(restype, type) and ctypes_mishandles(restype)))
    if fixed_args is not None:
        for i in range(fixed_args, len(argtypes)):
            t = argtypes[i]
            if isinstance(t, type) and issubclass(t, _ctypes._SimpleCData) and t._type_ == "f":
                raise UnsupportedType(
                    "%s: argument %d: c_float as a variadic argument; C promotes float to "
                    "double there, so use c_double" % (name, i + 1))
    # A function made from a prototype with paramflags takes and returns its
    # arguments in ctypes' own way (output parameters, keywords): every call
    # goes to ctypes, so the semantics stay ctypes'.
    always_ctypes = bool(has_paramflags(cfunc))
    if always_ctypes and not fallback:
        raise UnsupportedType("%s: a function with paramflags (output parameters) can only be "
                              "called the way ctypes calls it, which this signature or abi "
                              "does not allow" % name)
    if release_gil is None:
        release_gil = not (flags & _FUNCFLAG_PYTHONAPI)
    kind_names = []
    for (text, kind), t in zip(kinds, argtypes):
        if kind == "custom":
            kind = "custom:" + _base_kind(t)
        elif kind == "pointer":
            # ctypes gives POINTER(c_char) and POINTER(c_wchar) c_char_p's and
            # c_wchar_p's from_param: they take bytes and str, as those do.
            kind = _STRING_FROM_PARAM.get(t.from_param, kind)
        kind_names.append(kind)
    try:
        return _ctabi.make_thunk(signature, address, argtypes, kind_names, restype, rkind, cfunc,
                                 cfunc.errcheck if hasattr(cfunc, "errcheck") else None,
                                 _check_retval_of(restype), bool(release_gil),
                                 bool(flags & _FUNCFLAG_USE_ERRNO),
                                 bool(flags & _FUNCFLAG_PYTHONAPI), fallback, always_ctypes, name)
    except TypeError as e:
        raise TypeError(_one_based(str(e))) from None


_STRING_FROM_PARAM = {_ctypes.c_char_p.from_param: "charp", _ctypes.c_wchar_p.from_param: "wcharp"}


def _check_retval_of(restype):
    """The restype's _check_retval_, which ctypes calls with each converted
    result (before errcheck), or None. ctypes looks it up when restype is
    set (HRESULT's raises OSError for a failure code)."""
    if not (isinstance(restype, type) and issubclass(restype, _CTYPES_BASES)):
        return None  # ctypes' GetResult returns restype(int) at once for a callable
    return getattr(restype, "_check_retval_", None)


def _ctypes_function_of(obj):
    """The ctypes function behind a wrapper that is not one itself.

    PyOpenGL's function objects (OpenGL.GL.glVertex3f, ...) are lazy
    wrappers: `wrappedOperation` leads from a Python-level wrapper to the
    platform function, whose load() builds the ctypes function (resolving
    extension entry points the platform's way) with PyOpenGL's glGetError
    check as errcheck. The thunk calls the C function itself: a fresh ctypes
    function of the same prototype and address, without that check.
    """
    seen = obj
    while hasattr(obj, "wrappedOperation") and not isinstance(obj, _ctypes._CFuncPtr):
        obj = obj.wrappedOperation
    if not isinstance(obj, _ctypes._CFuncPtr) and callable(getattr(obj, "load", None)) and \
            hasattr(obj, "argtypes") and hasattr(obj, "restype"):
        name = getattr(obj, "__name__", repr(obj))
        loaded = obj.load()
        while loaded is not None and not isinstance(loaded, _ctypes._CFuncPtr) and \
                hasattr(loaded, "__wrapped__"):
            loaded = loaded.__wrapped__
        if not isinstance(loaded, _ctypes._CFuncPtr):
            raise TypeError("ctabi.thunk(): %s could not be resolved to a ctypes function (its "
                            "load() gave %r; is there a current context?)" % (name, loaded))
        fresh = type(loaded)(_address_of(loaded))
        fresh.argtypes = loaded.argtypes
        fresh.restype = loaded.restype
        fresh.__name__ = name
        return fresh
    if isinstance(obj, _ctypes._CFuncPtr):
        return obj
    raise TypeError("ctabi.thunk() takes a ctypes function (from CDLL, PyDLL, CFUNCTYPE, "
                    "...) or a PyOpenGL function, not %s" % type(seen).__name__)


def _one_based(message):
    """ctabi's core numbers arguments from 0; Python users (and ctypes) from 1."""
    return _re.sub(r"\bargument (\d+)\b", lambda m: "argument %d" % (int(m.group(1)) + 1),
                   message)


def _base_kind(t):
    """The conversion kind of the ctypes class a custom type derives from."""
    ctypes = _ctypes
    if issubclass(t, ctypes._SimpleCData):
        return simple_kind(t)
    if issubclass(t, ctypes._Pointer):
        return "pointer"
    if issubclass(t, ctypes._CFuncPtr):
        return "funcptr"
    if issubclass(t, ctypes.Array):
        return "array"
    return "aggregate"


def callback(functype, pyfunc, *, abi=None):
    """An instance of `functype` (a CFUNCTYPE class) calling `pyfunc`.

    Usable wherever ctypes takes that type, and kept alive (with its
    trampoline) as long as the returned object. Arguments and the result are
    converted as ctypes callbacks convert them; beyond ctypes, structures
    and unions by value are accepted as arguments and results. An exception
    in pyfunc goes to sys.unraisablehook and the C caller gets a zero result.
    """
    if not (isinstance(functype, type) and issubclass(functype, _ctypes._CFuncPtr)):
        raise TypeError("ctabi.callback() takes a CFUNCTYPE type, not %r" % (functype,))
    if not callable(pyfunc):
        raise TypeError("ctabi.callback(): %r is not callable" % (pyfunc,))
    argtypes = tuple(functype._argtypes_ or ())
    restype = functype._restype_
    conv = _check_abi(abi, getattr(functype, "_flags_", None))
    try:
        # The arguments are converted as results are (C to Python), the
        # result as an argument is (Python to C).
        args = [result_kind(t) for t in argtypes]
        rtext = result_kind(restype)[0]
        res_kind = "void" if restype is None else arg_kind(restype, 0)[1]
        if res_kind == "custom":
            # ctypes stores a callback's result with the type's setfunc; a
            # from_param of its own plays no part.
            res_kind = _base_kind(restype)
    except UnsupportedType as e:
        raise UnsupportedType("callback: %s" % e) from None
    arg_kinds = [kind for _, kind in args]
    signature = _signature_text(conv, rtext, [text for text, _ in args], None)
    try:
        owner = _ctabi.make_callback(signature, argtypes, arg_kinds, restype, res_kind, pyfunc,
                                     bool(getattr(functype, "_flags_", 0) & _FUNCFLAG_USE_ERRNO),
                                     restype is not None and is_swapped(restype))
    except TypeError as e:
        raise TypeError(_one_based(str(e))) from None
    func = functype(owner.address)
    # The owner (the trampoline) holds pyfunc borrowed: the strong reference
    # is this attribute, which the garbage collector sees, so a pyfunc that
    # refers to its own callback is collected as with ctypes.
    func._ctabi_callback = owner
    func._ctabi_pyfunc = pyfunc
    # The generated code as text (LLVM MC, loaded on the first call).
    func.disassemble = owner.disassemble
    return func


# numba support (ctabi._numba) registers itself through numba's
# numba_extensions entry point, or here when numba is already loaded, or the
# first time numba types a Thunk (its _numba_type_).
if "numba.core.extending" in _sys.modules:
    try:
        from . import _numba  # noqa: F401
    except ImportError:
        pass
