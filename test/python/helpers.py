"""Helpers of the ctabi Python tests."""

import ctypes
import math

import ctabi


def fn(lib, name, argtypes, restype, errcheck=None):
    """A fresh ctypes function object for `name` (lib[name] makes a new one
    each time, so tests do not share argtypes)."""
    f = lib[name]
    if argtypes is not None:
        f.argtypes = argtypes
    f.restype = restype
    if errcheck is not None:
        f.errcheck = errcheck
    return f


def normalize(value):
    """A comparable form of a call's result."""
    if isinstance(value, ctypes._Pointer):
        return ("pointer", type(value), ctypes.cast(value, ctypes.c_void_p).value)
    if isinstance(value, (ctypes._SimpleCData, ctypes.Structure, ctypes.Union, ctypes.Array,
                          ctypes._CFuncPtr)):
        return ("cdata", type(value), bytes(value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    if isinstance(value, tuple):
        return tuple(normalize(v) for v in value)
    return (type(value), value)


def outcome(call, *args):
    """('ok', normalized result) or ('raise', exception type, message)."""
    try:
        return ("ok", normalize(call(*args)))
    except Exception as e:  # noqa: BLE001 - the exception is what is compared
        return ("raise", type(e), str(e))


def both(f, *args, **thunk_kwargs):
    """The outcomes of the ctypes function and of its ctabi thunk."""
    t = ctabi.thunk(f, **thunk_kwargs)
    return outcome(f, *args), outcome(t, *args)


def assert_same(f, *args, **thunk_kwargs):
    expected, got = both(f, *args, **thunk_kwargs)
    assert got == expected, "ctypes gave %r, ctabi %r" % (expected, got)
    return got


def vmrss_kb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")
