"""The Python package under os.fork() and its memory protections: a child
and its parent each make thunks and callbacks of their own after the fork,
at the same addresses of their copied allocators, and both keep working;
and no mapping is ever writable and executable at once."""

import ctypes
import os
import subprocess
import sys
import textwrap

import pytest

import ctabi


def _callbacks(factor, argtype, n):
    """n callbacks f(x, a1..aj) = x * factor of distinct signatures, each
    with a thunk calling it."""
    made = []
    for j in range(n):
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, *([argtype] * j))
        cb = ctabi.callback(proto, lambda x, *rest, f=factor: x * f)
        made.append((cb, ctabi.thunk(cb), j))
    return made


def _check(made, factor, argtype):
    return all(t(7, *([argtype(0)] * j)) == 7 * factor for _, t, j in made)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_parent_and_child_code_stay_their_own():
    before = _callbacks(11, ctypes.c_short, 4)
    assert _check(before, 11, ctypes.c_short)
    to_parent_r, to_parent_w = os.pipe()
    to_child_r, to_child_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        status = 1
        try:
            mine = _callbacks(3, ctypes.c_double, 30)
            os.write(to_parent_w, b"x")
            os.read(to_child_r, 1)  # the parent has made its own now
            status = 0 if _check(mine, 3, ctypes.c_double) and _check(before, 11, ctypes.c_short) else 4
            del mine
            again = _callbacks(13, ctypes.c_void_p, 10)
            if status == 0 and not _check(again, 13, ctypes.c_void_p):
                status = 6
        finally:
            os._exit(status)
    os.read(to_parent_r, 1)
    mine = _callbacks(5, ctypes.c_byte, 30)
    os.write(to_child_w, b"x")
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), "the child died: signal %d" % os.WTERMSIG(status)
    assert os.WEXITSTATUS(status) == 0
    assert _check(mine, 5, ctypes.c_byte)
    assert _check(before, 11, ctypes.c_short)
    for fd in (to_parent_r, to_parent_w, to_child_r, to_child_w):
        os.close(fd)


def test_no_mapping_is_writable_and_executable():
    # In a process of its own: other tests load numba, whose JIT is not ours.
    code = textwrap.dedent("""
        import ctypes, ctabi
        libm = ctypes.CDLL("libm.so.6")
        keep = []
        for j in range(20):
            f = libm["cos"]
            f.argtypes = [ctypes.c_double] + [ctypes.c_int] * j
            f.restype = ctypes.c_double
            keep.append(ctabi.thunk(f, abi="win64"))
            proto = ctypes.CFUNCTYPE(ctypes.c_double, *([ctypes.c_double] * (j + 1)))
            keep.append(ctabi.callback(proto, lambda *a: 0.0))
        bad = [l for l in open("/proc/self/maps") if l.split()[1][1:3] == "wx"]
        execs = [l for l in open("/proc/self/maps") if l.split()[1][2] == "x"]
        print(len(bad), len(execs) > 0)
        print("".join(bad))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    first = out.stdout.splitlines()[0]
    assert first == "0 True", out.stdout
