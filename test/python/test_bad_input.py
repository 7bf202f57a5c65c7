"""Bad input to ctabi: a clear exception at thunk build (naming the
argument where there is one), never a crash; and what a Thunk keeps alive."""

import ctypes
import gc
import shutil
import weakref
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_double, c_int,
                    c_long, c_longdouble, c_void_p, c_wchar_p)

import pytest

import ctabi
from ctypes_types import S24, UIF, WithBitfield
from helpers import fn


def test_not_a_ctypes_function(lib):
    for bad in [5, None, lambda: 0, lib, c_int, CFUNCTYPE(c_int), "add_int"]:
        with pytest.raises(TypeError, match="ctypes function"):
            ctabi.thunk(bad)


def test_missing_argtypes(lib):
    f = lib["add_int"]
    with pytest.raises(TypeError) as e:
        ctabi.thunk(f)
    assert "add_int" in str(e.value) and "argtypes" in str(e.value)


def test_empty_argtypes_is_a_function_of_no_arguments(lib):
    f = fn(lib, "noargs_counter", [], c_int)
    t = ctabi.thunk(f)
    assert isinstance(t(), int)
    with pytest.raises(TypeError):
        ctabi.thunk(fn(lib, "noargs_counter", [], c_int), abi="win64")(1)
    with pytest.raises(ValueError, match="fixed_args"):
        ctabi.thunk(fn(lib, "noargs_counter", [], c_int), fixed_args=1)


def test_bitfield_by_value(lib):
    f = fn(lib, "S2i_sum", [c_int, WithBitfield], c_double)
    with pytest.raises(ctabi.UnsupportedType) as e:
        ctabi.thunk(f)
    msg = str(e.value)
    assert "argument 2" in msg and "bitfield" in msg and "WithBitfield" in msg
    assert isinstance(e.value, TypeError)


def test_bitfield_nested_and_as_result(lib):
    class Outer(Structure):
        _fields_ = [("x", c_int), ("inner", WithBitfield)]

    with pytest.raises(ctabi.UnsupportedType, match="argument 1.*bitfield"):
        ctabi.thunk(fn(lib, "S2i_sum", [Outer], c_double))
    with pytest.raises(ctabi.UnsupportedType, match="bitfield"):
        ctabi.thunk(fn(lib, "S2i_make", [c_int, c_int], WithBitfield))


def test_bitfield_through_a_pointer_is_fine(lib):
    t = ctabi.thunk(fn(lib, "ptr_value", [POINTER(WithBitfield)], ctypes.c_size_t))
    w = WithBitfield()
    assert t(byref(w)) == ctypes.addressof(w)


def test_incomplete_and_empty_structures(lib):
    class Incomplete(Structure):
        pass

    class Empty(Structure):
        _fields_ = []

    with pytest.raises(ctabi.UnsupportedType, match="argument 1.*Incomplete"):
        ctabi.thunk(fn(lib, "S2i_sum", [Incomplete], c_double))
    with pytest.raises(TypeError) as e:
        ctabi.thunk(fn(lib, "S2i_sum", [c_int, Empty], c_double))
    assert "argument 2" in str(e.value)


def test_non_ctypes_from_param_object(lib):
    """ctypes takes any object with from_param in argtypes; its C type is
    unknown to ctabi, which says so."""
    class Converter:
        @staticmethod
        def from_param(value):
            return c_int(value)

    f = fn(lib, "add_int", [c_int, Converter()], c_int)
    assert f(1, 2) == 3
    with pytest.raises(ctabi.UnsupportedType, match="argument 2"):
        ctabi.thunk(f)

    class ConverterClass:
        @classmethod
        def from_param(cls, value):
            return c_int(value)

    g = fn(lib, "add_int", [ConverterClass, c_int], c_int)
    assert g(1, 2) == 3
    with pytest.raises(ctabi.UnsupportedType, match="argument 1"):
        ctabi.thunk(g)


def test_array_restype(lib):
    f = fn(lib, "static_int_ptr", [], c_int * 2)
    with pytest.raises(ctabi.UnsupportedType, match="array"):
        ctabi.thunk(f)


def test_null_function_pointer():
    null = CFUNCTYPE(c_int, c_int)()
    null.argtypes = [c_int]
    with pytest.raises(ValueError, match="NULL"):
        ctabi.thunk(null)


def test_win64_longdouble_result_refused(lib):
    f = fn(lib, "ms_add", [c_int, c_int], c_longdouble)
    with pytest.raises((TypeError, ValueError)) as e:
        ctabi.thunk(f, abi="win64")
    assert "f80" in str(e.value) or "long double" in str(e.value)


def test_bad_keyword_arguments(lib):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    with pytest.raises(TypeError):
        ctabi.thunk(f, fixed_args="1")
    with pytest.raises(TypeError):
        ctabi.thunk(f, 1)
    with pytest.raises(TypeError):
        ctabi.thunk(f, unknown=True)


def test_classify_and_signature_of_errors():
    with pytest.raises(ValueError):
        ctabi.classify("not a signature")
    with pytest.raises(ValueError):
        ctabi.classify("sysv64 i32(i33)")
    assert "rdi" in ctabi.classify("sysv64 i32(i32)")
    with pytest.raises(ctabi.UnsupportedType, match="argument 1"):
        ctabi.signature_of([WithBitfield], None)


def test_self_referencing_as_parameter(lib):
    class Loop:
        @property
        def _as_parameter_(self):
            return self

    for argtypes, args in [([c_int, c_int], (Loop(), 1)),
                           ([c_int, c_int, UIF], (Loop(), 1, UIF()))]:
        t = ctabi.thunk(fn(lib, "add_int", argtypes, c_int))
        with pytest.raises((ctypes.ArgumentError, RecursionError, TypeError)):
            t(*args)


def test_from_param_raising(lib):
    class Picky(c_void_p):
        @classmethod
        def from_param(cls, value):
            raise KeyError("no %r" % (value,))

    for argtypes, args in [([Picky], (1,)), ([Picky, UIF], (1, UIF()))]:
        t = ctabi.thunk(fn(lib, "is_null", argtypes, c_int))
        with pytest.raises(ctypes.ArgumentError, match="KeyError"):
            t(*args)


def test_bad_values_without_fallback_do_not_crash(lib):
    """Every conversion error on the paths ctabi takes alone is an exception."""
    t = ctabi.thunk(fn(lib, "ms_add", [c_int, c_int], c_int), abi="win64")
    w = ctabi.thunk(fn(lib, "my_wcslen", [c_wchar_p, UIF], c_long))
    for call, args in [(t, ("1", 2)), (t, (1.0, 2)), (t, (object(), 2)),
                       (w, (b"bytes", UIF())), (w, (5.5, UIF())), (w, ("x", None))]:
        with pytest.raises((ctypes.ArgumentError, TypeError)):
            call(*args)


# ---------------------------------------------------------------------------
# What a Thunk keeps alive


def test_thunk_keeps_cfunc_and_library_alive(lib_path, tmp_path):
    # A private copy: nothing else in the session holds this library.
    path = tmp_path / "libprivate.so"
    shutil.copy(lib_path, path)
    dll = ctypes.CDLL(str(path))
    dll_ref = weakref.ref(dll)
    f = dll["S24_bump"]
    f.argtypes = [S24, c_int]
    f.restype = S24
    t = ctabi.thunk(f)
    s = ctabi.thunk(fn(dll, "static_str", [c_int], c_char_p))
    del dll, f
    gc.collect()
    for _ in range(3):
        r = t(S24(1, 2, 3), 1)
        assert (r.a, r.b, r.c) == (2, 4, 6)
        assert s(0) == b"hello"
        gc.collect()
    assert t.cfunc.restype is S24
    assert dll_ref() is not None, "the CDLL object died while a thunk of its function lives"


def test_thunk_keeps_ctypes_callback_alive():
    FT = CFUNCTYPE(c_int, c_int, c_int)
    t = ctabi.thunk(FT(lambda a, b: a - b))
    gc.collect()
    assert t(10, 4) == 6


def test_thunk_keeps_errcheck_and_types_alive(lib):
    def make():
        class Local(Structure):
            _fields_ = [("a", c_long), ("b", c_long), ("c", c_long)]

        f = fn(lib, "S24_bump", [Local, c_int], Local, errcheck=lambda r, f, a: (r.a, r.b, r.c))
        return ctabi.thunk(f), Local

    t, Local = make()
    value = Local(1, 2, 3)
    del Local
    gc.collect()
    assert t(value, 1) == (2, 4, 6)


def test_thunk_errcheck_cycle_is_collected(lib):
    """An errcheck that refers to its own thunk: a cycle the GC must break."""
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    holder = {}

    def check(result, func, args):
        return holder["t"], result

    f.errcheck = check
    holder["t"] = ctabi.thunk(f)
    assert holder["t"](1, 2)[1] == 3
    ref = weakref.ref(check)
    del f, check, holder
    gc.collect()
    assert ref() is None


def test_argument_object_for_a_function_pointer_is_refused(lib):
    """A byref() (or another ctypes argument object, such as what
    c_int.from_param makes) for a CFUNCTYPE argument: ctypes 3.11 crashes
    on it (a NULL type in its CDataType_from_param); ctabi raises the error
    ctypes means to raise, also when the object comes from _as_parameter_."""
    proto = ctypes.CFUNCTYPE(c_int)
    t = ctabi.thunk(fn(lib, "is_null", [proto], c_int))
    x = c_int(1)

    class Wrapped:
        def __init__(self, value):
            self._as_parameter_ = value

    for value, what in [(ctypes.byref(x), "pointer to c_int"),
                        (Wrapped(ctypes.byref(x)), "pointer to c_int"),
                        (ctypes.c_char_p.from_param(b"x"), "pointer to bytes"),
                        (c_int.from_param(3), "CArgObject")]:
        with pytest.raises(ctypes.ArgumentError,
                           match=r"argument 1: TypeError: expected CFunctionType instance "
                                 r"instead of %s$" % what):
            t(value)
    assert t(proto(lambda: 0)) == 0
