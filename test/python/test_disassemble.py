"""Thunk.disassemble() and a callback's disassemble(): the generated code
as text, through LLVM MC, which is loaded only when first asked for."""

import ctypes
import subprocess
import sys
import textwrap

import pytest

import ctabi
import ctypes_types as ct
from helpers import fn


def test_thunk_listing_shows_the_thunk_and_the_invoker(lib):
    t = ctabi.thunk(fn(lib, "ms_S24_sum", [ct.S24], ctypes.c_double), abi="win64")
    text = t.disassemble()
    assert text.startswith("ctabi.Thunk ms_S24_sum: win64 f64({i64, i64, i64})")
    assert "forward thunk (sysv64 f64(ptr))" in text
    assert "packed invoker (the Python call path)" in text
    # The thunk calls the target: its address is in the code.
    assert "%x" % ctypes.cast(t.cfunc, ctypes.c_void_p).value in text
    assert text.count("ret") >= 2
    lines = [l for l in text.splitlines() if l.startswith("  ") and ":" in l]
    assert len(lines) > 10


def test_a_canonical_thunk_says_it_is_the_target(lib):
    t = ctabi.thunk(fn(lib, "add_int", [ctypes.c_int, ctypes.c_int], ctypes.c_int))
    text = t.disassemble()
    assert "none, the target is already canonical and native" in text
    assert "packed invoker" in text


def test_callback_listing_shows_the_stub_and_the_body():
    proto = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double, ctypes.c_int)
    cb = ctabi.callback(proto, lambda x, k: x * k, abi="win64")
    text = cb.disassemble()
    assert text.startswith("ctabi callback: win64 f64(f64, i32)")
    assert "stub (the callback's address)" in text
    assert "lea r10, [rip" in text  # the stub points r10 at its slot
    assert "trampoline body" in text
    for r in range(6, 16):  # Win64: the System V handler may clobber xmm6-15
        assert "xmm%d" % r in text


def test_llvm_is_loaded_only_by_disassemble():
    code = textwrap.dedent("""
        import ctypes, ctabi
        def llvm():
            return any("libLLVM" in line for line in open("/proc/self/maps"))
        libm = ctypes.CDLL("libm.so.6")
        libm.cos.argtypes = [ctypes.c_double]; libm.cos.restype = ctypes.c_double
        t = ctabi.thunk(libm.cos)
        t(0.5)
        before = llvm()
        t.disassemble()
        print(before, llvm())
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]


def test_without_llvm_disassemble_is_a_clear_error():
    code = textwrap.dedent("""
        import ctypes, ctabi
        libm = ctypes.CDLL("libm.so.6")
        libm.cos.argtypes = [ctypes.c_double]; libm.cos.restype = ctypes.c_double
        try:
            ctabi.thunk(libm.cos).disassemble()
        except RuntimeError as e:
            print("RuntimeError:", e)
    """)
    env = {"CTABI_LLVM_LIBRARY": "/nonexistent/libLLVM.so", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "RuntimeError: disassembly needs LLVM 14's shared library" in out.stdout, out.stderr
