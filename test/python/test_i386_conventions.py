"""The i386 conventions in the Python package: picked by name (abi=), with
their Linux or Windows rules, classified on any host; in a 64-bit process a
thunk or callback of one is a clear error (its code could not run here)."""

import ctypes
import sys
from ctypes import CFUNCTYPE, Structure, c_double, c_int, c_longlong, c_void_p

import pytest

import ctabi
from helpers import fn

IS_64BIT = ctypes.sizeof(c_void_p) == 8


class Pair(Structure):
    _fields_ = [("a", c_int), ("b", c_int)]


@pytest.mark.parametrize("abi", ["cdecl", "stdcall", "fastcall", "thiscall"])
def test_signature_text_names_the_convention(abi):
    assert ctabi.signature_of([c_int, c_longlong], c_int, abi=abi) == "%s i32(i32, i64)" % abi


def test_platform_prefix():
    host = "windows" if sys.platform == "win32" else "linux"
    other = "linux" if host == "windows" else "windows"
    assert ctabi.signature_of([c_int], c_int, abi="%s stdcall" % other) == \
        "%s stdcall i32(i32)" % other
    # The host's own platform is the default, so it is not repeated.
    assert ctabi.signature_of([c_int], c_int, abi="%s stdcall" % host) == "stdcall i32(i32)"


def test_classify_i386_layouts_on_any_host():
    # stdcall: the callee pops its 8 argument bytes (ret 8).
    assert ctabi.classify("stdcall i32(i32, i32)") == \
        "stdcall; a0 sp+0; a1 sp+4; ret eax; stack 8; pops 8"
    # fastcall: the first two 32-bit integers in ecx and edx.
    assert ctabi.classify("fastcall i32(i32, f64, i32, i32)") == \
        "fastcall; a0 ecx; a1 sp+0; a2 edx; a3 sp+8; ret eax; stack 12; pops 12"
    # Linux: an 8-byte struct comes back through a hidden pointer the callee
    # pops; Windows (MSVC): in edx:eax.
    assert ctabi.classify("linux cdecl {i32, i32}()") == \
        "cdecl; sret sp+0; ret sret->eax; stack 4; pops 4"
    assert ctabi.classify("windows cdecl {i32, i32}()") == \
        "windows cdecl; ret eax[0:4] edx[4:4]; stack 0"


@pytest.mark.parametrize("bad", ["linux win64", "windows sysv64", "macos stdcall", "stdcal",
                                 "windows  fastcall x"])
def test_bad_abi_names(bad):
    with pytest.raises(ValueError) as e:
        ctabi.signature_of([c_int], c_int, abi=bad)
    assert repr(bad) in str(e.value)


@pytest.mark.skipif(not IS_64BIT, reason="in a 32-bit process i386 thunks run for real")
@pytest.mark.parametrize("abi", ["cdecl", "stdcall", "fastcall", "thiscall", "windows stdcall"])
def test_i386_thunk_in_a_64bit_process_is_a_clear_error(lib, abi):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    with pytest.raises(Exception) as e:
        ctabi.thunk(f, abi=abi)
    message = str(e.value)
    assert abi.split()[-1] in message and "i386" in message and "x86-64" in message


@pytest.mark.skipif(not IS_64BIT, reason="in a 32-bit process i386 callbacks run for real")
def test_i386_callback_in_a_64bit_process_is_a_clear_error():
    with pytest.raises(Exception) as e:
        ctabi.callback(CFUNCTYPE(c_int, c_int, Pair), lambda a, p: 0, abi="stdcall")
    assert "stdcall" in str(e.value) and "i386" in str(e.value)


@pytest.mark.skipif(IS_64BIT, reason="needs a 32-bit Python")
def test_i386_thunk_runs_in_a_32bit_process(lib):
    f = fn(lib, "add_int", [c_int, c_int], c_int)
    assert ctabi.thunk(f)(2, 3) == f(2, 3)
    cb = ctabi.callback(CFUNCTYPE(c_double, c_double), lambda x: x * 2)
    assert cb(1.5) == 3.0
