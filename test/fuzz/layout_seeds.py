#!/usr/bin/env python3
"""Writes the hand-made seeds of fuzz_layout into test/fuzz/corpus/layout/.

Each seed is a program in the bytecode documented at the top of
fuzz_layout.cpp; the name says what it builds. Run it after changing the
bytecode (`python3 test/fuzz/layout_seeds.py`); it rewrites only the files
named here (`seed-*`), leaving the inputs merged by tools/fuzz alone.
"""
import os

# Scalars (abi::Kind order).
VOID, BOOL, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64, F80, PTR = range(14)
STRUCT, UNION, ARRAY, EXPLICIT, EXPLICIT_UNION, PACKED, ALIGNED, NEST, DUP, DROP, MEMBERLESS = range(
    0x10, 0x1B)
ARG, ARGS, RESULT, VARIADIC, FIXED = range(0x20, 0x25)
CONV, MODEL, RAW_MODEL = 0x30, 0x31, 0x32
# CONV/MODEL operand: the convention's index, plus 6 for the Windows rules.
SYSV64, WIN64, CDECL, STDCALL, FASTCALL, THISCALL = range(6)
WINDOWS = 6


def num(v):
    """A number operand: one byte below 0xe0, else 0xf0 + n - 1 and n bytes."""
    if v < 0xE0:
        return [v]
    n = max(1, (v.bit_length() + 7) // 8)
    return [0xF0 + n - 1] + list(v.to_bytes(n, "little"))


def prog(*items):
    out = []
    for x in items:
        out += x if isinstance(x, list) else [x]
    return bytes(out)


GIB = 1 << 30
SEEDS = {
    # The README's examples and the classic rules, one per convention.
    "seed-sysv64-printf": prog(CONV, SYSV64, I32, RESULT, PTR, ARG, VARIADIC, F64, ARG, I32, ARG),
    "seed-sysv64-mixed-struct": prog(CONV, SYSV64, F64, I32, STRUCT, 2, ARG, F32, F32, F32,
                                     STRUCT, 3, RESULT),
    "seed-sysv64-sret-f80": prog(CONV, SYSV64, I64, I64, I64, STRUCT, 3, RESULT, I8, ARG, F80,
                                 ARG, F32, F32, F32, STRUCT, 3, ARG),
    "seed-sysv64-union-array": prog(CONV, SYSV64, F64, F32, ARRAY, 2, UNION, 2, ARG, I8, I16, U8,
                                    UNION, 2, STRUCT, 2, ARRAY, 4, ARG),
    "seed-win64-readme": prog(CONV, WIN64, F64, RESULT, I32, ARG, F64, ARG, I8, F32, I16, ARRAY,
                              3, STRUCT, 3, ARG),
    "seed-win64-variadic": prog(CONV, WIN64, I32, RESULT, I32, ARG, VARIADIC, F64, ARG, I32, ARG,
                                F64, ARG, F64, ARG),
    "seed-win64-sret-copies": prog(CONV, WIN64, I32, I32, I32, STRUCT, 3, RESULT, I8, I8, I8,
                                   STRUCT, 3, ARGS, 6, F80, ARG),
    "seed-cdecl-sret": prog(CONV, CDECL, I32, I32, STRUCT, 2, RESULT, F64, ARG),
    "seed-windows-cdecl-regs": prog(CONV, CDECL + WINDOWS, I32, I32, STRUCT, 2, RESULT, F64, ARG),
    "seed-stdcall": prog(CONV, STDCALL, I32, RESULT, I32, ARG, I32, ARG),
    "seed-fastcall-readme": prog(CONV, FASTCALL, I64, RESULT, U16, ARG, PTR, ARG, I8, ARG),
    "seed-fastcall-variadic": prog(CONV, FASTCALL, I32, I32, STRUCT, 2, RESULT, I32, ARG, VARIADIC,
                                   I32, ARG),
    "seed-thiscall-windows": prog(CONV, THISCALL + WINDOWS, I32, I32, I32, STRUCT, 3, RESULT, PTR,
                                  ARG, I32, ARG),
    # Explicit layouts: packed, aligned, explicit offsets and unions.
    "seed-packed": prog(CONV, SYSV64, I64, ARG, I8, F64, PACKED, 2, ARG, I64, ARG),
    "seed-aligned-windows": prog(CONV, FASTCALL + WINDOWS, I32, RESULT, I32, ARG, I32, ARG, I32,
                                 ALIGNED, 1, 16, ARG, I32, ARG),
    "seed-explicit-struct": prog(CONV, WIN64, I8, F64, EXPLICIT, 2, 12, 4, 0, 4, RESULT, F32, ARG),
    "seed-explicit-union": prog(CONV, SYSV64, I32, F32, EXPLICIT_UNION, 2, 8, 8, ARG),
    # Errors the factories and validate() must return as values.
    "seed-errors": prog(STRUCT, 0, I8, ARRAY, 0, VOID, I8, STRUCT, 2, I32, I32, EXPLICIT, 2, 8,
                        4, 0, 2, I32, ALIGNED, 1, 3, F64, EXPLICIT_UNION, 1, 4, 4, VOID, ARG),
    "seed-variadic-f32": prog(CONV, SYSV64, PTR, ARG, VARIADIC, F32, ARG),
    "seed-fixed-out-of-range": prog(CONV, CDECL, I32, ARG, FIXED, 9),
    "seed-mixed-models": prog(MODEL, SYSV64, PTR, F80, STRUCT, 1, ARG, CONV, CDECL, PTR, ARG),
    # Hostile sizes: arrays at and past 1 GiB, many arguments.
    "seed-array-1gib": prog(CONV, SYSV64, I8, ARRAY, num(GIB), ARG, I8, ARRAY, num(GIB + 1), ARG),
    "seed-many-args": prog(CONV, STDCALL, I64, ARGS, num(1000), F64, DUP, STRUCT, 2, ARGS, 100),
    # Hostile values. Deep nesting: a million levels of each kind (the
    # factories stop at 256 levels, with an error).
    "seed-nest-struct": prog(CONV, SYSV64, I32, NEST, 0, 0, num(10**6), ARG),
    "seed-nest-union": prog(CONV, WIN64, F64, NEST, 1, 0, num(10**6), RESULT),
    "seed-nest-array": prog(CONV, CDECL, I8, NEST, 2, 1, num(10**6), ARG),
    "seed-nest-pair": prog(CONV, FASTCALL, I8, NEST, 3, 0, num(10**6), ARG),
    "seed-nest-limit": prog(CONV, SYSV64, I8, NEST, 0, 0, num(255), DUP, NEST, 0, 0, 1, ARG,
                            NEST, 0, 0, 2, ARG),
    # Huge counts: 2^40 and 2^64-1 elements, a 1 GiB array of 1 GiB arrays.
    "seed-array-huge-counts": prog(I8, ARRAY, num(1 << 40), I64, ARRAY, num((1 << 64) - 1), I8,
                                   ARRAY, num(GIB), ARRAY, num(GIB)),
    # Arguments whose stack offsets would pass 2^32 (they wrapped before
    # validate() bounded them: five 1 GiB arrays overlapped at sp+0).
    "seed-args-wrap-sysv64": prog(CONV, SYSV64, I8, ARRAY, num(GIB), ARGS, 5, I32, ARG),
    "seed-args-wrap-cdecl": prog(CONV, CDECL, I8, ARRAY, num(GIB), ARGS, 5, I32, ARG),
    "seed-args-wrap-win64": prog(CONV, WIN64, I8, ARRAY, num(GIB), ARGS, 5, I32, ARG),
    "seed-args-wrap-windows-aligned": prog(CONV, CDECL + WINDOWS, I8, ALIGNED, 1, num(1 << 28),
                                           ARGS, 9, I32, ARG),
    "seed-args-limit": prog(CONV, STDCALL, I8, ARRAY, num((1 << 28) - 64), DUP, ARG, ARG, I8,
                            ARRAY, num(1 << 28), ARG),
    # Absurd alignment: 1 GiB, 2^31, 2^63, not a power of two.
    "seed-absurd-align": prog(CONV, SYSV64, I8, ALIGNED, 1, num(GIB), ARGS, 3, I8, EXPLICIT, 1,
                              num(GIB), num(GIB), 0, ARG, I8, ALIGNED, 1, num(1 << 31), I8,
                              EXPLICIT_UNION, 1, num(1 << 63), num(1 << 63), I8, ALIGNED, 1, 48),
    # Explicit layouts whose numbers wrapped: an offset of 2^64 - 1 (passed
    # as ending at byte 0, then indexed the classifier's eightbytes), a
    # union size of 2^32 + 1 (stored as 1 byte around a 100-byte member).
    "seed-explicit-offset-wrap": prog(CONV, SYSV64, I8, EXPLICIT, 1, 1, 1, num((1 << 64) - 1),
                                      ARG),
    "seed-union-size-wrap": prog(CONV, SYSV64, I8, ARRAY, 100, EXPLICIT_UNION, 1,
                                 num((1 << 32) + 1), 1, ARG),
    # Zero-sized and empty aggregates, void members.
    "seed-zero-sized": prog(STRUCT, 0, UNION, 0, EXPLICIT, 0, 4, 4, EXPLICIT_UNION, 0, 4, 4, VOID,
                            ARRAY, 3, I32, ARRAY, 0, VOID, STRUCT, 1, VOID, UNION, 1, I8, EXPLICIT,
                            1, 0, 1, 0, I8, ARG),
    # Misuse of the factories: memberless aggregates from Type::scalar, data
    # models with zero and odd sizes and alignments (a zero alignment
    # divided by zero in the aggregate factories).
    "seed-memberless": prog(MEMBERLESS, 0, RESULT, MEMBERLESS, 1, ARG, MEMBERLESS, 2, ARG,
                            MEMBERLESS, 2, I8, STRUCT, 2),
    "seed-raw-model-zero": prog(RAW_MODEL, 0, 0, 0, 0, 0, I8, I64, STRUCT, 2, F80, F64, PTR,
                                UNION, 3, ARG, PTR, ARG, I64, ARRAY, 3, ARG),
    "seed-raw-model-odd": prog(CONV, CDECL, RAW_MODEL, 3, 6, 12, 7, 5, I8, I64, F64, F80, PTR,
                               STRUCT, 5, DUP, ARG, ALIGNED, 1, 8, ARG, PTR, ARG),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "layout")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
