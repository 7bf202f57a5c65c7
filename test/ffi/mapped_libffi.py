"""Which shared libraries named like libffi are mapped into this process.

Shared by test/ffi/run_ctypes_suite.py and bench/ffi/ctypes_bench.py: each
pastes this file's source into the driver it runs in a child interpreter
(python -c), so the children stay stdlib-only and need no import path, and
loads it for its own use (same_file, signal_name).
"""

import os
import signal


def same_file(a, b):
    """Whether paths a and b name the same file (real paths, then inodes)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def signal_name(num):
    try:
        return signal.Signals(num).name
    except ValueError:
        return "signal %d" % num


def mapped_libffi(lib_name, extra_realpaths):
    """The files named lib_name or lib_name.* (or whose real path is one of
    extra_realpaths) mapped into this process, from /proc/self/maps."""
    found = {}
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.rstrip("\n").split(None, 5)
            if len(fields) < 6 or not fields[5].startswith("/"):
                continue
            path = fields[5]
            deleted = path.endswith(" (deleted)")
            if deleted:
                path = path[: -len(" (deleted)")]
            base = os.path.basename(path)
            real = os.path.realpath(path)
            if base == lib_name or base.startswith(lib_name + ".") or real in extra_realpaths:
                found.setdefault(path, {
                    "path": path,
                    "realpath": real,
                    "dev": fields[3],
                    "inode": int(fields[4]),
                    "deleted": deleted,
                })
    return list(found.values())
