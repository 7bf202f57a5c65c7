"""Fixtures of the ctabi Python tests: the C test library (clib/*.c),
compiled once per session into pytest's temporary directory."""

import ctypes
import ctypes.util
import os
import pathlib
import shlex
import subprocess

import pytest

HERE = pathlib.Path(__file__).resolve().parent
CLIB = HERE / "clib"


@pytest.fixture(scope="session")
def lib_path(tmp_path_factory):
    out = tmp_path_factory.mktemp("clib") / "libctabitest.so"
    cc = shlex.split(os.environ.get("CC", "cc"))
    sources = sorted(str(p) for p in CLIB.glob("*.c"))
    cmd = cc + ["-O2", "-shared", "-fPIC", "-o", str(out)] + sources + ["-lpthread"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail("compiling the C test library failed:\n%s\n%s" % (" ".join(cmd), proc.stderr))
    return str(out)


@pytest.fixture(scope="session")
def lib(lib_path):
    return ctypes.CDLL(lib_path)


@pytest.fixture(scope="session")
def pylib(lib_path):
    return ctypes.PyDLL(lib_path)


@pytest.fixture(scope="session")
def errno_lib(lib_path):
    return ctypes.CDLL(lib_path, use_errno=True)


@pytest.fixture(scope="session")
def libc():
    name = ctypes.util.find_library("c") or "libc.so.6"
    return ctypes.CDLL(name)
