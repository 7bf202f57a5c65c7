// Golden table for the i386 classifier: cdecl, stdcall, fastcall and thiscall,
// each under the Linux (System V i386 psABI, GCC) and Windows (MSVC) rules.
//
// Every expected layout below was written from the rules in
// abi/classify_i386.cpp and ../shared/ABI-NOTES.md, not copied from the
// classifier's output, and then checked against what the compilers emit for a
// small callee (where it reads each argument, what `ret N` pops, where the
// result comes back) and a caller (what it stores where, how it widens), each
// built on its own so nothing is inlined:
//   Linux:   `gcc -m32 -O2 -S` (GCC 12) and `clang -m32 -O2 -S` (Clang 14), with
//            __attribute__((stdcall)), ((fastcall)) or ((thiscall)).
//   Windows: the same two with `-freg-struct-return -malign-double` (plus GCC's
//            __attribute__((callee_pop_aggregate_return(0))) on cdecl
//            functions; Clang has no such attribute and ignores it), and
//            `clang -target i686-windows-msvc -O2 -S` (Clang's model of MSVC;
//            `clang++` of the same target for C++ member functions). Where
//            they cannot model MSVC, the reason cites Microsoft's documented
//            rule ("Argument passing and naming conventions", "__fastcall",
//            "__thiscall" on Microsoft Learn).
// Offsets in the reasons are the callee's: `8(%esp)` at entry is sp+4 of the
// layout (the return address sits at 0(%esp)).
//
// Layout string format (abi/layout.cpp): `a<i> <piece>`, a piece being a
// register or `sp+N`, with `[offset:size]` for part of the value and
// `/sx32` `/zx32` when the value is widened to 32 bits; `sret <where>` for the
// hidden result pointer; `ret ...` (`sret->eax`: the callee returns the
// pointer in eax); `stack N` (outgoing argument bytes); `pops N` (bytes the
// callee removes, omitted when 0). A `windows ` prefix marks the Windows
// rules; Linux is the default. stack_align is not in the string: see the
// I386Layout tests below.
#include <gtest/gtest.h>

#include <string>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "golden_table.h"

namespace ctabi::abi {
namespace {

// ---- cdecl ------------------------------------------------------------------------------------
const GoldenCase kCdeclCases[] = {
    // Linux: scalars and aggregates on the stack.
    {"cdecl i32(i8, i64, f64, {i8, i8, i8})",
     "cdecl; a0 sp+0/sx32; a1 sp+4; a2 sp+12; a3 sp+20; ret eax; stack 24",
     "4-byte slots pushed right to left, i64 and f64 take 8 bytes at 4-byte alignment, a 3-byte "
     "struct rounds to 4: GCC and Clang callees read 4(%esp), 8/12(%esp), fldl 16(%esp), "
     "24(%esp); both callers widen the char with movsbl"},
    {"cdecl void(bool, u8, i16, u16, i32, u32, ptr)",
     "cdecl; a0 sp+0/zx32; a1 sp+4/zx32; a2 sp+8/sx32; a3 sp+12/zx32; a4 sp+16; a5 sp+20; "
     "a6 sp+24; ret void; stack 28",
     "narrow integers are widened by the caller in their slot (psABI 2.2.3): GCC and Clang "
     "callers both push movzbl, movzbl, movswl, movzwl results; Clang's callee reads them back "
     "with movzwl/movb, 4 bytes apart"},
    {"cdecl void(f32, f64, f80)", "cdecl; a0 sp+0; a1 sp+4; a2 sp+12; ret void; stack 24",
     "float 4 bytes, double 8, long double 12 (its i386 size), all 4-aligned: GCC and Clang "
     "callees use flds 4(%esp), fldl 8(%esp), fldt 16(%esp)"},
    {"cdecl void(u64, i32)", "cdecl; a0 sp+0; a1 sp+8; ret void; stack 12",
     "a 64-bit integer takes two slots, low word first: GCC and Clang push ga0+4, ga0 and read "
     "the int at 12(%esp)"},
    {"cdecl void({i8}, {i16}, {[5 x i8]})", "cdecl; a0 sp+0; a1 sp+4; a2 sp+8; ret void; stack 16",
     "aggregates by value, each slot rounded up to 4 bytes (1 -> 4, 2 -> 4, 5 -> 8): GCC and "
     "Clang callees read 4(%esp), 8(%esp), 12(%esp) and 16(%esp)"},
    {"cdecl void(i32, {i32 @0 | size 16 align 16}, i32)",
     "cdecl; a0 sp+0; a1 sp+4; a2 sp+20; ret void; stack 24",
     "an over-aligned (aligned(16)) struct still goes in a 4-aligned slot: GCC and Clang callees "
     "read it at 8..20(%esp) and the last int at 24(%esp) (GCC's callee after subl $28: "
     "36(%esp) and 52(%esp))"},
    {"cdecl void({i32, i64}, i32)", "cdecl; a0 sp+0; a1 sp+12; ret void; stack 16",
     "Linux aligns long long to 4 inside structs, so {int, long long} is 12 bytes: GCC and Clang "
     "callees read the int at 16(%esp)"},
    {"cdecl void(union{i8, i16}, i32)", "cdecl; a0 sp+0; a1 sp+4; ret void; stack 8",
     "a 2-byte union takes a 4-byte slot: GCC and Clang read the int at 8(%esp)"},
    {"cdecl void()", "cdecl; ret void; stack 0", "no arguments, nothing popped"},

    // Linux results.
    {"cdecl i64()", "cdecl; ret eax[0:4] edx[4:4]; stack 0",
     "64-bit integer result in edx:eax: GCC and Clang callers store %eax to gr, %edx to gr+4"},
    {"cdecl ptr()", "cdecl; ret eax; stack 0", "pointer result in eax"},
    {"cdecl i8(i8)", "cdecl; a0 sp+0/sx32; ret eax/sx32; stack 4",
     "a narrow result comes back in al; classify_i386 marks it widened so that a trampoline "
     "widens it, while a caller reads only the byte: GCC and Clang callers store only %al "
     "(movb %al, gr); neither callee widens it reliably (GCC movzbl for a signed char, Clang "
     "movb gret, %al)"},
    {"cdecl u16(u16)", "cdecl; a0 sp+0/zx32; ret eax/zx32; stack 4",
     "u16 result in ax, caller reads movw %ax (GCC and Clang); argument widened by movzwl"},
    {"cdecl bool(bool)", "cdecl; a0 sp+0/zx32; ret eax/zx32; stack 4",
     "bool widened with movzbl by GCC and Clang callers; result read as %al"},
    {"cdecl f32(f32)", "cdecl; a0 sp+0; ret st0; stack 4",
     "float result in st(0): GCC and Clang callees flds gret, callers fstps"},
    {"cdecl f64()", "cdecl; ret st0; stack 0", "double result in st(0) (fldl / fstpl)"},
    {"cdecl f80(f80)", "cdecl; a0 sp+0; ret st0; stack 12",
     "long double result in st(0) (fldt / fstpt), argument in a 12-byte slot"},
    {"cdecl {i32, i32}(i32)", "cdecl; sret sp+0; a0 sp+4; ret sret->eax; stack 8; pops 4",
     "Linux returns every aggregate through a hidden pointer pushed last (sp+0), which the "
     "callee returns in eax and pops even under cdecl: GCC and Clang callees movl 4(%esp), %eax, "
     "read the int at 8(%esp), `ret $4`"},
    {"cdecl {i8}()", "cdecl; sret sp+0; ret sret->eax; stack 4; pops 4",
     "even a 1-byte struct is returned in memory on Linux (no -freg-struct-return): GCC and Clang "
     "store it through 4(%esp) and `ret $4`"},
    {"cdecl {f32}()", "cdecl; sret sp+0; ret sret->eax; stack 4; pops 4",
     "a single-float struct is not returned in st(0) on Linux: GCC fstps (%eax), Clang movl to "
     "(%eax), both `ret $4`"},
    {"cdecl {f64}(f64)", "cdecl; sret sp+0; a0 sp+4; ret sret->eax; stack 12; pops 4",
     "struct {double} through the hidden pointer, the double argument after it: GCC and Clang "
     "fldl 8(%esp), `ret $4`"},
    {"cdecl union{i32, f32}()", "cdecl; sret sp+0; ret sret->eax; stack 4; pops 4",
     "unions too are returned in memory: GCC and Clang `ret $4`"},
    {"cdecl {[2 x i16]}()", "cdecl; sret sp+0; ret sret->eax; stack 4; pops 4",
     "a struct holding an array is returned in memory: GCC and Clang `ret $4`"},

    // Linux variadic.
    {"cdecl i32(ptr, ..., i8, u16, f64)",
     "cdecl; a0 sp+0; a1 sp+4/sx32; a2 sp+8/zx32; a3 sp+12; ret eax; stack 20",
     "variadic arguments use the same slots, narrow ones widened by C's promotion: GCC and Clang "
     "callers push movsbl/movzwl values, the va_arg callee reads 8, 12, 16(%esp)"},

    // Windows results: 1, 2, 4, 8 bytes in registers, the rest through a pointer not popped.
    {"windows cdecl {i8}()", "windows cdecl; ret eax; stack 0",
     "MSVC returns 1-byte aggregates in al: clang-msvc callee movb _gret, %al; GCC and Clang "
     "with -freg-struct-return alike"},
    {"windows cdecl {i8, i8}()", "windows cdecl; ret eax; stack 0",
     "2-byte aggregate in ax: clang-msvc and both -freg-struct-return peers movzwl gret, %eax"},
    {"windows cdecl {i8, i8, i8, i8}()", "windows cdecl; ret eax; stack 0",
     "4-byte aggregate in eax (all three: movl gret, %eax; ret)"},
    {"windows cdecl {i16, i8}()", "windows cdecl; ret eax; stack 0",
     "{short, char} is 4 bytes with its padding, so it comes back in eax (all three)"},
    {"windows cdecl {i32, i32}()", "windows cdecl; ret eax[0:4] edx[4:4]; stack 0",
     "8-byte aggregate in edx:eax: all three callees load gret into eax and gret+4 into edx"},
    {"windows cdecl {f32}()", "windows cdecl; ret eax; stack 0",
     "MSVC returns a float struct like any 4-byte aggregate, in eax: clang-msvc callee "
     "`movl _gret, %eax`. The Linux peers cannot model it (GCC and Clang with "
     "-freg-struct-return return it in st(0): flds gret)"},
    {"windows cdecl {f64}()", "windows cdecl; ret eax[0:4] edx[4:4]; stack 0",
     "struct {double} is an 8-byte aggregate: clang-msvc returns it in edx:eax (movl _gret, %eax; "
     "movl _gret+4, %edx); the -freg-struct-return peers use st(0) instead"},
    {"windows cdecl {i8, i8, i8}(i32)", "windows cdecl; sret sp+0; a0 sp+4; ret sret->eax; stack 8",
     "a 3-byte result goes through a hidden pointer at sp+0 that an MSVC cdecl callee does not "
     "pop: clang-msvc and GCC with callee_pop_aggregate_return(0) end with a plain `ret` (Clang "
     "-m32, lacking the attribute, `retl $4`), both return the pointer in eax"},
    {"windows cdecl {i32, i32, i32}()", "windows cdecl; sret sp+0; ret sret->eax; stack 4",
     "12-byte result through the pointer, not popped (clang-msvc `retl`, GCC `ret`)"},
    {"windows cdecl {[6 x i8]}()", "windows cdecl; sret sp+0; ret sret->eax; stack 4",
     "6 bytes is not 1/2/4/8: hidden pointer (clang-msvc, GCC -freg-struct-return)"},
    {"windows cdecl {i32, i64}()", "windows cdecl; sret sp+0; ret sret->eax; stack 4",
     "Windows aligns long long to 8 in structs, so {int, long long} is 16 bytes and goes through "
     "the pointer (clang-msvc; GCC -malign-double)"},

    // Windows arguments.
    {"windows cdecl void({i32, i64}, i32)", "windows cdecl; a0 sp+0; a1 sp+16; ret void; stack 20",
     "the 16-byte (8-aligned) struct still sits in a 4-aligned slot: clang-msvc callee reads the "
     "int at 20(%esp), GCC -malign-double at 40(%esp) after subl $20"},
    {"windows cdecl void(i8, u16, f64, i64)",
     "windows cdecl; a0 sp+0/sx32; a1 sp+4/zx32; a2 sp+8; a3 sp+16; ret void; stack 24",
     "the same slots as Linux, narrow integers widened by the caller: clang-msvc caller movsbl, "
     "movzwl; callee fldl 16(%esp), i64 at 24/28(%esp)"},
    {"windows cdecl f64(f64)", "windows cdecl; a0 sp+0; ret st0; stack 8",
     "double result in st(0) under MSVC too (clang-msvc fldl _gret)"},
    {"windows cdecl i64(i64)", "windows cdecl; a0 sp+0; ret eax[0:4] edx[4:4]; stack 8",
     "64-bit integer result in edx:eax (clang-msvc)"},

    // Windows: an aggregate of requested alignment over 4 goes by reference.
    {"windows cdecl i32(i32, {i32 @0 | size 8 align 8})",
     "windows cdecl; a0 sp+0; a1 ref sp+4 copy sp+8:8; ret eax; stack 8; copies 8 align 8",
     "MSVC 2015 on passes an aggregate whose alignment was asked for (aligned(8)) by reference "
     "to a caller-made copy: clang -target i686-windows-msvc `movl 8(%esp), %eax; movl (%eax), "
     "%eax` (Clang's X86_32ABIInfo: isAlignRequired() and over 4 bytes); the copy must be "
     "8-aligned, so the caller's stack is too"},
    {"windows cdecl i32({{i32 @0 | size 8 align 8}, i32})",
     "windows cdecl; a0 sp+0; ret eax; stack 16",
     "an aggregate merely holding an over-aligned member is passed by value (clang-msvc reads "
     "its second member at 12(%esp))"},
    {"cdecl i32(i32, {i32 @0 | size 8 align 8})", "cdecl; a0 sp+0; a1 sp+4; ret eax; stack 12",
     "Linux passes the same aggregate by value in a 4-aligned slot (GCC and Clang: the member at "
     "8(%esp))"},
    {"windows cdecl {{i8, i8, i8}, i8}()", "windows cdecl; sret sp+0; ret sret->eax; stack 4",
     "a 4-byte aggregate with a 3-byte member is not returned in eax: every member must be of "
     "register size too (clang -target i686-windows-msvc `movl 4(%esp), %eax` ... `retl`; GCC "
     "-freg-struct-return likewise, BLKmode)"},
    {"windows cdecl {[3 x i8], i8}()", "windows cdecl; sret sp+0; ret sret->eax; stack 4",
     "an array member counts at its whole size (3 bytes): through the hidden pointer (clang-msvc "
     "and GCC -freg-struct-return)"},
    {"windows cdecl {[2 x i8], i16}()", "windows cdecl; ret eax; stack 0",
     "a 2-byte array member of 1-byte elements is of register size: in eax (clang-msvc)"},
};

// ---- stdcall ----------------------------------------------------------------------------------
const GoldenCase kStdcallCases[] = {
    {"stdcall i32(i32, i8, f64)",
     "stdcall; a0 sp+0; a1 sp+4/sx32; a2 sp+8; ret eax; stack 16; pops 16",
     "cdecl's slots, but the callee removes them: GCC and Clang `ret $16`"},
    {"stdcall void()", "stdcall; ret void; stack 0",
     "nothing to pop: GCC and Clang plain `ret` (a caller even tail-calls it with jmp)"},
    {"stdcall {i32, i32}(i32)", "stdcall; sret sp+0; a0 sp+4; ret sret->eax; stack 8; pops 8",
     "Linux aggregate result through the pointer at sp+0, popped with the arguments: GCC and "
     "Clang movl 4(%esp), %eax ... `ret $8`"},
    {"stdcall u64(u64, {i8, i8, i8}, f80)",
     "stdcall; a0 sp+0; a1 sp+8; a2 sp+12; ret eax[0:4] edx[4:4]; stack 24; pops 24",
     "8-byte, 3-byte (rounded to 4) and 12-byte slots, all popped: GCC and Clang read the struct "
     "at 12(%esp), fldt 16(%esp), `ret $24`"},
    {"stdcall i32(i32, ..., i32)", "stdcall; a0 sp+0; a1 sp+4; ret eax; stack 8",
     "a variadic stdcall function is cdecl: GCC and Clang (which warns the attribute is "
     "ignored) end with a plain `ret`"},
    {"stdcall {i32, i32}(ptr, ..., i32)",
     "stdcall; sret sp+0; a0 sp+4; a1 sp+8; ret sret->eax; stack 12; pops 4",
     "variadic, so cdecl: the callee pops only the hidden pointer (GCC and Clang `ret $4`)"},

    {"windows stdcall {i32, i32}(i32)",
     "windows stdcall; a0 sp+0; ret eax[0:4] edx[4:4]; stack 4; pops 4",
     "8-byte result in edx:eax, no hidden pointer: clang-msvc _callee@4 and both "
     "-freg-struct-return peers `ret $4`"},
    {"windows stdcall {i32, i32, i32}(i32)",
     "windows stdcall; sret sp+0; a0 sp+4; ret sret->eax; stack 8; pops 8",
     "a stdcall callee pops the hidden pointer with the arguments: clang-msvc _callee@4 `retl $8` "
     "(the decoration counts only the int), GCC and Clang alike"},
    {"windows stdcall f32(f32, {f64})",
     "windows stdcall; a0 sp+0; a1 sp+4; ret st0; stack 12; pops 12",
     "an 8-aligned struct {double} argument is still 4-aligned on the stack: clang-msvc and "
     "the peers fldl 8(%esp), `ret $12`"},
    {"windows stdcall {f32}(i32)", "windows stdcall; a0 sp+0; ret eax; stack 4; pops 4",
     "MSVC: a float struct result in eax (clang-msvc movl _gret, %eax; `retl $4`); the "
     "-freg-struct-return peers use st(0)"},
    {"windows stdcall i32(ptr, ..., f64)", "windows stdcall; a0 sp+0; a1 sp+4; ret eax; stack 12",
     "variadic stdcall is cdecl (Microsoft: \"the __stdcall convention is ignored for vararg "
     "functions\"; clang-msvc undecorated _callee, `retl`)"},
    {"windows stdcall {i8, i8, i8}(ptr, ..., i32)",
     "windows stdcall; sret sp+0; a0 sp+4; a1 sp+8; ret sret->eax; stack 12",
     "variadic, so Windows cdecl: the hidden pointer is not popped (clang-msvc `retl`; GCC, not "
     "told callee_pop_aggregate_return(0) here, `ret $4`)"},
};

// ---- fastcall ---------------------------------------------------------------------------------
const GoldenCase kFastcallCases[] = {
    {"fastcall i32(i32, i32, i32)", "fastcall; a0 ecx; a1 edx; a2 sp+0; ret eax; stack 4; pops 4",
     "the first two ints in ecx, edx, the rest on the stack, popped: GCC and Clang callers "
     "movl ga0, %ecx; movl ga1, %edx; callees `ret $4`"},
    {"fastcall void(i8, u16)", "fastcall; a0 ecx/sx32; a1 edx/zx32; ret void; stack 0",
     "narrow integers take registers too: GCC's caller widens them (movsbl ga0, %ecx; "
     "movzwl ga1, %edx); Clang's loads only movb ga0, %cl; both callees read %cl and %dx alone"},
    {"fastcall void(ptr, bool, i32)",
     "fastcall; a0 ecx; a1 edx/zx32; a2 sp+0; ret void; stack 4; pops 4",
     "pointer and bool in registers (GCC movzbl ga1, %edx), the int at 4(%esp), `ret $4`"},
    {"fastcall void(f32, f64, i32, i32)",
     "fastcall; a0 sp+0; a1 sp+4; a2 ecx; a3 edx; ret void; stack 12; pops 12",
     "floating values go on the stack and consume no register, so the ints still get ecx and "
     "edx: GCC and Clang flds 4(%esp), fldl 8(%esp), `ret $12`"},
    {"fastcall void(i32, i64, i32, i32)",
     "fastcall; a0 ecx; a1 sp+0; a2 sp+8; a3 sp+12; ret void; stack 16; pops 16",
     "Linux: a stacked 64-bit integer consumes the registers still free (GCC's "
     "function_arg_advance_32), so the later ints go on the stack: GCC and Clang 14 callees both "
     "read them at 12(%esp) and 16(%esp) (Clang 14 after two pushes: 20, 24) and `ret $16`. "
     "Clang 16 stopped consuming (llvm-project issues 57737, 109987)"},
    {"fastcall void(i64, i32)", "fastcall; a0 sp+0; a1 sp+8; ret void; stack 12; pops 12",
     "a leading i64 takes both registers: GCC and Clang 14 read the int at 12(%esp), `ret $12`"},
    {"fastcall void({i32}, i32, i32)",
     "fastcall; a0 sp+0; a1 edx; a2 sp+4; ret void; stack 8; pops 8",
     "an aggregate goes on the stack but consumes its words' worth of registers: GCC and Clang "
     "pass the first int in edx (movl ga1, %edx) and the second at 8(%esp), `ret $8`"},
    {"fastcall void({i8}, i32, i32)",
     "fastcall; a0 sp+0; a1 edx; a2 sp+4; ret void; stack 8; pops 8",
     "GCC and Clang disagree, ctabi follows GCC: GCC lets a 1-byte struct consume ecx (first int "
     "in edx, second at 8(%esp), `ret $8`); Clang 14 passes the first int in ecx yet the second "
     "on the stack at 8(%esp)"},
    {"fastcall void({f32}, i32, i32)",
     "fastcall; a0 sp+0; a1 ecx; a2 edx; ret void; stack 4; pops 4",
     "a single-float struct consumes no register (GCC: SFmode; Clang: Float class): GCC and Clang "
     "flds 4(%esp), ints in ecx and edx, `ret $4`"},
    {"fastcall void({[5 x i8]}, i32)", "fastcall; a0 sp+0; a1 sp+8; ret void; stack 12; pops 12",
     "a 5-byte aggregate is two words and consumes both registers: GCC and Clang read the int at "
     "12(%esp), `ret $12`"},
    {"fastcall void(i32, {i32, i32}, i32)",
     "fastcall; a0 ecx; a1 sp+0; a2 sp+8; ret void; stack 12; pops 12",
     "an aggregate needing more registers than are free consumes all that remain: GCC and Clang "
     "take the last int from the stack at sp+8, not from edx, `ret $12`"},
    {"fastcall void({f32, f32}, i32)", "fastcall; a0 sp+0; a1 sp+8; ret void; stack 12; pops 12",
     "two floats are not a single-float aggregate: it consumes two registers (GCC and Clang read "
     "the int at 12(%esp), `ret $12`)"},
    {"fastcall void({f64}, i32)", "fastcall; a0 sp+0; a1 ecx; ret void; stack 8; pops 8",
     "struct {double} consumes no register (GCC DFmode, Clang Float): int in ecx, `ret $8`"},
    {"fastcall void({[1 x f32]}, i32)", "fastcall; a0 sp+0; a1 ecx; ret void; stack 4; pops 4",
     "a one-element float array in a struct is a single float element: GCC and Clang pass the "
     "int in ecx, `ret $4`"},
    {"fastcall void(f80, i32)", "fastcall; a0 sp+0; a1 ecx; ret void; stack 12; pops 12",
     "GCC and Clang disagree, ctabi follows GCC: GCC passes the int in ecx and `ret $12`; Clang 14 "
     "lets the long double consume the registers (int at 16(%esp), `ret $16`)"},
    {"fastcall void({f80}, i32)", "fastcall; a0 sp+0; a1 ecx; ret void; stack 12; pops 12",
     "GCC gives struct {long double} XFmode, which consumes no register (int in ecx, `ret $12`); "
     "Clang 14 classifies it Integer and puts the int at 16(%esp), `ret $16`. ctabi follows GCC"},
    {"fastcall void(union{i32, f32}, i32)", "fastcall; a0 sp+0; a1 edx; ret void; stack 4; pops 4",
     "GCC: a 4-byte union consumes ecx, so the int goes in edx (movl ga1, %edx); Clang 14 passes "
     "it in ecx (its byval union drops the padding register). ctabi follows GCC"},
    {"fastcall {i32, i32}(i32, i32)",
     "fastcall; sret ecx; a0 edx; a1 sp+0; ret sret->eax; stack 4; pops 4",
     "the hidden result pointer is the first register argument: GCC and Clang callers leal the "
     "buffer into %ecx, the callee movl %ecx, %eax, takes the first int from edx, `ret $4`"},
    {"fastcall f64(f64, i32)", "fastcall; a0 sp+0; a1 ecx; ret st0; stack 8; pops 8",
     "double result in st(0), int in ecx, `ret $8` (GCC and Clang)"},
    {"fastcall i64(i32, i32)", "fastcall; a0 ecx; a1 edx; ret eax[0:4] edx[4:4]; stack 0",
     "edx is an argument register and the high half of a 64-bit result"},
    {"fastcall f80(f32, ..., f64)", "fastcall; a0 sp+0; a1 sp+4; ret st0; stack 12",
     "variadic fastcall is cdecl: nothing in registers, nothing popped (GCC and Clang callee "
     "flds 4(%esp), fldl 8(%esp), plain `ret`)"},
    {"fastcall i32(i32, i32, ...)", "fastcall; a0 sp+0; a1 sp+4; ret eax; stack 8",
     "even the fixed ints of a variadic fastcall function go on the stack (GCC and Clang read "
     "4(%esp), 8(%esp), plain `ret`)"},
    {"fastcall {i32, i32}(i32, ..., i32)",
     "fastcall; sret sp+0; a0 sp+4; a1 sp+8; ret sret->eax; stack 12",
     "variadic, so Linux cdecl: pointer at sp+0, but not popped by the callee. GCC and Clang "
     "disagree: GCC a plain `ret` (its ix86_return_pops_args pops the pointer only for "
     "functions without register parameters, variadic or not; what ctabi follows, the Linux "
     "system compiler), Clang `retl $4`"},

    // Windows: aggregates take and consume no registers (the 64-bit integer rule is in
    // I386Layout.WindowsFastcallInt64UsesUpNoRegister below).
    {"windows fastcall void({i32}, i32, i32)",
     "windows fastcall; a0 sp+0; a1 ecx; a2 edx; ret void; stack 4; pops 4",
     "MSVC aggregates never take or consume registers: clang-msvc @callee@12 reads ecx, edx and "
     "the struct at 4(%esp), `retl $4` (the Linux peers consume ecx)"},
    {"windows fastcall void({i32, i32}, i32)",
     "windows fastcall; a0 sp+0; a1 ecx; ret void; stack 8; pops 8",
     "an 8-byte struct consumes nothing either: clang-msvc movl _ga1, %ecx, `retl $8`"},
    {"windows fastcall {i32, i32}(i32, i32)",
     "windows fastcall; a0 ecx; a1 edx; ret eax[0:4] edx[4:4]; stack 0",
     "an 8-byte result in edx:eax leaves both registers to the arguments (clang-msvc, peers)"},
    {"windows fastcall {i32, i32, i32}(i32, i32)",
     "windows fastcall; sret ecx; a0 edx; a1 sp+0; ret sret->eax; stack 4; pops 4",
     "a larger result's pointer takes ecx: clang-msvc caller movl %esp, %ecx, callee "
     "movl %ecx, %eax, `retl $4` (GCC and Clang alike)"},
    {"windows fastcall void(f64, i8, f32, u16, i32)",
     "windows fastcall; a0 sp+0; a1 ecx/sx32; a2 sp+8; a3 edx/zx32; a4 sp+12; ret void; stack 16; "
     "pops 16",
     "floats skip the registers, narrow ints take them: clang-msvc @callee@24 reads %cl, %dx, "
     "fldl 4(%esp), flds 12(%esp), the int at 16(%esp), `retl $16`"},
    {"windows fastcall f32({f32}, i32)",
     "windows fastcall; a0 sp+0; a1 ecx; ret st0; stack 4; pops 4",
     "float result in st(0); the struct on the stack, the int in ecx (all three)"},
    {"windows fastcall {i32, i32, i32}(i32, ..., i32)",
     "windows fastcall; sret sp+0; a0 sp+4; a1 sp+8; ret sret->eax; stack 12",
     "variadic fastcall is Windows cdecl: pointer at sp+0, not popped (clang-msvc `retl`)"},
    {"windows fastcall i32({i32 @0 | size 16 align 16}, i32, i32)",
     "windows fastcall; a0 ref ecx copy sp+16:16; a1 edx; a2 sp+0; ret eax; stack 4; copies 16 "
     "align 16; pops 4",
     "the pointer to a by-reference copy goes where an integer would: clang-msvc `addl (%ecx), "
     "%eax` for the aggregate, b in edx, c at 4(%esp), `retl $4`"},
    {"windows fastcall i32(i32, i32, {i32 @0 | size 16 align 16}, i32)",
     "windows fastcall; a0 ecx; a1 edx; a2 ref sp+0 copy sp+16:16; a3 sp+4; ret eax; stack 8; "
     "copies 16 align 16; pops 8",
     "with the registers taken the pointer is a stack argument (clang-msvc `movl 8(%esp), %esi` "
     "after a push, `retl $8`)"},
    {"fastcall i32(union{f32}, i32, i32)",
     "fastcall; a0 sp+0; a1 edx; a2 sp+4; ret eax; stack 8; pops 8",
     "a union of one float is not a float to GCC (integer mode): it uses up ecx, `ret $8`; "
     "Clang 14 treats it as a single-element float (`retl $4`), ctabi follows GCC"},
    {"fastcall i32({[1 x f32]}, i32, i32)",
     "fastcall; a0 sp+0; a1 ecx; a2 edx; ret eax; stack 4; pops 4",
     "a struct of a one-float array is SFmode to GCC and a single element to Clang: no register "
     "used up (both `ret $4`)"},
};

// ---- thiscall ---------------------------------------------------------------------------------
const GoldenCase kThiscallCases[] = {
    {"thiscall i32(ptr, i32, i32)", "thiscall; a0 ecx; a1 sp+0; a2 sp+4; ret eax; stack 8; pops 8",
     "`this` in ecx, the rest on the stack, popped: GCC and Clang `ret $8`"},
    {"thiscall void(ptr)", "thiscall; a0 ecx; ret void; stack 0",
     "only `this`: movl ga0, %ecx; jmp callee (GCC and Clang)"},
    {"thiscall void(i32, i32)", "thiscall; a0 ecx; a1 sp+0; ret void; stack 4; pops 4",
     "an int first argument takes ecx like a pointer (GCC and Clang)"},
    {"thiscall void(ptr, f64, {i8})",
     "thiscall; a0 ecx; a1 sp+0; a2 sp+8; ret void; stack 12; pops 12",
     "double and 1-byte struct on the stack: fldl 4(%esp), the struct at 12(%esp), `ret $12`"},
    {"thiscall i8(ptr, u8)", "thiscall; a0 ecx; a1 sp+0/zx32; ret eax/sx32; stack 4; pops 4",
     "the stacked u8 is widened by the caller (GCC and Clang movzbl); i8 result in al"},
    {"thiscall {i32, i32, i32}(ptr, i32)",
     "thiscall; sret ecx; a0 sp+0; a1 sp+4; ret sret->eax; stack 8; pops 8",
     "GCC passes the hidden pointer in ecx and `this` on the stack (leal 16(%esp), %ecx; callee "
     "movl %ecx, %eax, this from 4(%esp), `ret $8`), which ctabi follows; Clang 14 disagrees and "
     "keeps `this` in ecx with the pointer at sp+0, as for Windows"},
    {"thiscall i32(ptr, ..., i32)", "thiscall; a0 sp+0; a1 sp+4; ret eax; stack 8",
     "variadic thiscall is cdecl, `this` on the stack: GCC reads 4(%esp), 8(%esp), plain `ret` "
     "(Clang rejects variadic thiscall)"},

    {"windows thiscall {i32, i32, i32}(ptr, i32)",
     "windows thiscall; sret sp+0; a0 ecx; a1 sp+4; ret sret->eax; stack 8; pops 8",
     "MSVC keeps `this` in ecx and passes the result pointer first on the stack: clang-msvc "
     "callee movl 4(%esp), %eax, int at 8(%esp), `retl $8` (and clang++ for a C++ member "
     "function alike); GCC's -freg-struct-return peer uses ecx as on Linux"},
    {"windows thiscall void(ptr, {i32, i64})",
     "windows thiscall; a0 ecx; a1 sp+0; ret void; stack 16; pops 16",
     "16-byte (8-aligned) struct at sp+0 after `this` in ecx: clang-msvc and GCC -malign-double "
     "`ret $16`"},
    {"windows thiscall i64(ptr, i64)",
     "windows thiscall; a0 ecx; a1 sp+0; ret eax[0:4] edx[4:4]; stack 8; pops 8",
     "i64 argument on the stack, i64 result in edx:eax, `retl $8` (clang-msvc)"},
    {"windows thiscall i32(ptr, ..., i32)", "windows thiscall; a0 sp+0; a1 sp+4; ret eax; stack 8",
     "a variadic member function is cdecl with `this` pushed last: clang++ -target "
     "i686-windows-msvc of C::vint(int, ...) reads the int at 8(%esp), after `this`, and ends "
     "with a plain `retl`; GCC alike (Clang rejects variadic thiscall in C)"},
    {"windows thiscall {i32, i32}(ptr, ..., i32)",
     "windows thiscall; sret sp+4; a0 sp+0; a1 sp+8; ret sret->eax; stack 12",
     "a variadic member function is cdecl with `this` first on the stack and the hidden pointer "
     "after it (clang++ -target i686-windows-msvc: `this` at 4(%esp), the pointer loaded from "
     "8(%esp), plain `retl`)"},
};

class I386CdeclGolden : public ::testing::TestWithParam<GoldenCase> {};
class I386StdcallGolden : public ::testing::TestWithParam<GoldenCase> {};
class I386FastcallGolden : public ::testing::TestWithParam<GoldenCase> {};
class I386ThiscallGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(I386CdeclGolden, Layout) {
    check_golden(GetParam(), CallConv::cdecl_);
}
TEST_P(I386StdcallGolden, Layout) {
    check_golden(GetParam(), CallConv::stdcall);
}
TEST_P(I386FastcallGolden, Layout) {
    check_golden(GetParam(), CallConv::fastcall);
}
TEST_P(I386ThiscallGolden, Layout) {
    check_golden(GetParam(), CallConv::thiscall);
}

INSTANTIATE_TEST_SUITE_P(Table, I386CdeclGolden, ::testing::ValuesIn(kCdeclCases),
                         golden_case_name);
INSTANTIATE_TEST_SUITE_P(Table, I386StdcallGolden, ::testing::ValuesIn(kStdcallCases),
                         golden_case_name);
INSTANTIATE_TEST_SUITE_P(Table, I386FastcallGolden, ::testing::ValuesIn(kFastcallCases),
                         golden_case_name);
INSTANTIATE_TEST_SUITE_P(Table, I386ThiscallGolden, ::testing::ValuesIn(kThiscallCases),
                         golden_case_name);

Result<CallLayout> classify_text(const char* text) {
    auto sig = parse_signature(text);
    if (!sig) return sig.error();
    return classify(*sig);
}

// ---- What the string does not show ----------------------------------------------------------

// Linux (psABI as amended for GCC 4.5+) keeps esp 16-aligned at every call;
// Windows guarantees 4. GCC and Clang -m32 callers pad to 16 (GCC's caller of
// f(char, long long, double, struct3) does subl $24 and pushes 20 bytes: with
// the 4-byte return address that is 48); clang-msvc callers push their
// arguments with no padding at all (pushl _ga0+4; pushl _ga0; calll _callee).
TEST(I386Layout, StackAlignmentIs16OnLinuxAnd4OnWindows) {
    const char* const linux_cases[] = {
        "cdecl void(i32)",         "stdcall {i32, i32}(i32)",    "fastcall void(i32, i32, i32)",
        "thiscall void(ptr, f64)", "stdcall i32(i32, ..., i32)",
    };
    for (const char* text : linux_cases) {
        SCOPED_TRACE(text);
        auto layout = classify_text(text);
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->arch, Arch::i386);
        EXPECT_EQ(layout->platform, Platform::sysv);
        EXPECT_EQ(layout->stack_align, 16u);
        EXPECT_EQ(layout->shadow_space, 0u);
        EXPECT_EQ(layout->vector_count, -1) << "i386 has no al count";
    }
    const char* const windows_cases[] = {
        "windows cdecl void(i32)",
        "windows stdcall {i32, i32}(i32)",
        "windows fastcall void(i32, i32, i32)",
        "windows thiscall void(ptr, f64)",
        "windows fastcall i32(i32, ..., i32)",
    };
    for (const char* text : windows_cases) {
        SCOPED_TRACE(text);
        auto layout = classify_text(text);
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->arch, Arch::i386);
        EXPECT_EQ(layout->platform, Platform::windows);
        EXPECT_EQ(layout->stack_align, 4u);
    }
}

// callee_pops, including the zeros the string leaves out.
TEST(I386Layout, CalleePops) {
    struct Case {
        const char* text;
        uint32_t pops;
    };
    const Case cases[] = {
        {"cdecl void(i32, f64)", 0},              // caller cleans up (GCC/Clang `ret`)
        {"cdecl {i32, i32}(i32)", 4},             // Linux: the hidden pointer (`ret $4`)
        {"windows cdecl {i8, i8, i8}(i32)", 0},   // MSVC: not even the pointer
        {"windows cdecl {i32, i32}(i32)", 0},     // in edx:eax, no pointer
        {"stdcall void(i32, i64)", 12},           // `ret $12`
        {"windows stdcall {i32, i32, i32}()", 4}, // the pointer (clang-msvc `retl $4`)
        {"fastcall void(i32, i32)", 0},           // registers only: plain `ret`
        {"fastcall void(i32, i32, i8)", 4},       // `ret $4`
        {"thiscall void(ptr)", 0},                // plain `ret`
        {"thiscall {i8}(ptr)", 4},                // Linux: pointer in ecx, `this` popped
        {"stdcall i32(i32, ..., i32)", 0},        // variadic: cdecl
        {"windows fastcall {i8, i8, i8}(i32, ...)", 0},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto layout = classify_text(c.text);
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->callee_pops, c.pops);
    }
}

// Structure of the layout beyond its text: facts emitters read directly.
TEST(I386Layout, StructuredFields) {
    {
        auto layout = classify_text("stdcall {i32, i32}(ptr, i64)");
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        ASSERT_NE(layout->sret(), nullptr);
        EXPECT_EQ(layout->sret()->pieces.at(0).loc, Location::on_stack(0));
        EXPECT_EQ(layout->sret()->pieces.at(0).size, 4u);
        EXPECT_EQ(layout->result.kind, ResultLayout::Kind::indirect);
        EXPECT_TRUE(layout->result.returns_sret_pointer);
        EXPECT_EQ(layout->result.sret_pointer_reg, Location::in_reg(RegClass::gpr, gpr::ax));
        ASSERT_EQ(layout->args.size(), 3u);
        EXPECT_EQ(layout->args[1].index, 0);
        EXPECT_EQ(layout->args[1].pieces.at(0).loc, Location::on_stack(4));
        EXPECT_EQ(layout->args[1].pieces.at(0).size, 4u) << "4-byte pointers";
        EXPECT_EQ(layout->args[2].pieces.at(0).loc, Location::on_stack(8));
        EXPECT_EQ(layout->args[2].pieces.at(0).size, 8u) << "an i64 is one 8-byte stack piece";
        EXPECT_EQ(layout->stack_size, 16u);
        EXPECT_EQ(layout->callee_pops, 16u);
        EXPECT_EQ(layout->copy_area_size, 0u) << "i386 passes aggregates by value";
    }
    {
        auto layout = classify_text("fastcall f80(i8, {f32}, u16)");
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        ASSERT_EQ(layout->args.size(), 3u);
        const Piece& a0 = layout->args[0].pieces.at(0);
        EXPECT_EQ(a0.loc, Location::in_reg(RegClass::gpr, gpr::cx));
        EXPECT_EQ(a0.size, 1u);
        EXPECT_EQ(a0.extend, Extend::sign32);
        EXPECT_EQ(layout->args[1].pieces.at(0).loc, Location::on_stack(0));
        const Piece& a2 = layout->args[2].pieces.at(0);
        EXPECT_EQ(a2.loc, Location::in_reg(RegClass::gpr, gpr::dx))
            << "a single-float struct consumes no register";
        EXPECT_EQ(a2.extend, Extend::zero32);
        ASSERT_EQ(layout->result.pieces.size(), 1u);
        EXPECT_EQ(layout->result.pieces[0].loc, Location::in_reg(RegClass::x87, 0));
        EXPECT_EQ(layout->result.pieces[0].size, 10u) << "st(0) holds the 10 value bytes";
        EXPECT_EQ(layout->callee_pops, 4u);
    }
    {
        auto layout = classify_text("windows thiscall {i32, i32, i32}(ptr, i32)");
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        ASSERT_NE(layout->sret(), nullptr);
        EXPECT_EQ(layout->sret()->pieces.at(0).loc, Location::on_stack(0));
        EXPECT_EQ(layout->args.at(1).pieces.at(0).loc, Location::in_reg(RegClass::gpr, gpr::cx));
    }
    {
        auto layout = classify_text("windows cdecl {i32, i32}()");
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->sret(), nullptr);
        ASSERT_EQ(layout->result.pieces.size(), 2u);
        EXPECT_EQ(layout->result.pieces[0].loc, Location::in_reg(RegClass::gpr, gpr::ax));
        EXPECT_EQ(layout->result.pieces[1].loc, Location::in_reg(RegClass::gpr, gpr::dx));
        EXPECT_EQ(layout->result.pieces[1].offset, 4u);
    }
}

// C promotes a variadic float to double, so an f32 there is a mistake in the
// signature, under every convention (all of them are cdecl when variadic).
TEST(I386Layout, VariadicFloatIsRejected) {
    struct Case {
        const char* text;
        const char* argument;
    };
    const Case cases[] = {
        {"cdecl void(ptr, ..., f32)", "argument 1"},
        {"windows cdecl i32(i32, ..., f64, f32)", "argument 2"},
        {"stdcall void(ptr, ..., i32, f32)", "argument 2"},
        {"windows stdcall void(ptr, ..., f32)", "argument 1"},
        {"fastcall f64(i32, i32, ..., f32)", "argument 2"},
        {"windows fastcall void(i32, ..., f32, f64)", "argument 1"},
        {"thiscall void(ptr, ..., f32)", "argument 1"},
        {"windows thiscall {i32, i32, i32}(ptr, ..., i32, f32)", "argument 2"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto layout = classify_text(c.text);
        ASSERT_FALSE(layout.ok()) << layout->to_string();
        const std::string& msg = layout.error().message;
        EXPECT_NE(msg.find(c.argument), std::string::npos) << msg;
        EXPECT_NE(msg.find("f32"), std::string::npos) << msg;
        EXPECT_NE(msg.find("variadic"), std::string::npos) << msg;
        EXPECT_NE(msg.find("f64"), std::string::npos) << "the message names the fix: " << msg;
    }
    // A fixed f32 before the '...' is fine.
    auto fixed = classify_text("cdecl void(f32, ...)");
    EXPECT_TRUE(fixed.ok()) << fixed.error().message;
}

// A pointer or long double built for the x86-64 data model (8 and 16 bytes)
// has no place in an i386 signature: rejected, naming the value, instead of
// laid out wrongly.
TEST(I386Layout, ForeignDataModelScalarsAreRejected) {
    Signature sig;
    sig.conv = CallConv::stdcall;
    sig.result = Type::scalar(Kind::F80); // x86-64's 16-byte long double
    sig.args = {Type::scalar(Kind::I32, data_model(CallConv::stdcall, Platform::sysv))};
    auto layout = classify(sig);
    ASSERT_FALSE(layout.ok());
    EXPECT_NE(layout.error().message.find("result: f80 of 16 bytes under stdcall, which has "
                                          "12-byte long doubles"),
              std::string::npos)
        << layout.error().message;
    sig.result = Type::void_type();
    sig.args.push_back(Type::pointer()); // 8 bytes
    layout = classify(sig);
    ASSERT_FALSE(layout.ok());
    EXPECT_NE(layout.error().message.find("argument 1: ptr of 8 bytes under stdcall, which has "
                                          "4-byte pointers"),
              std::string::npos)
        << layout.error().message;
}

// ---- Known failures: classify_i386 disagrees with MSVC ---------------------------------------
//
// __thiscall exists under MSVC only for C++ member functions, and MSVC returns
// every class type from an instance method through the hidden pointer, passed
// after `this` (Clang's MicrosoftCXXABI: "MSVC always returns structs
// indirectly from C++ instance methods"). `clang++ -target i686-windows-msvc
// -O2 -S` of `struct S8 {int a, b;}; S8 C::get8(int x)` gives
//     movl 4(%esp), %eax    ; the result pointer, sp+0
//     movl 8(%esp), %ecx    ; x, sp+4 (`this` in ecx)
//     ... movl %edx, 4(%eax); movl %ecx, (%eax)
//     retl $8
// and for `struct S1 {char a;}; S1 C::get1()` `movl 4(%esp), %eax ... retl $4`:
// the 1/2/4/8-byte register results are a free-function rule only.
TEST(I386Layout, WindowsThiscallReturnsEveryAggregateThroughThePointer) {
    struct Case {
        const char* text;
        const char* layout;
    };
    const Case cases[] = {
        {"windows thiscall {i32, i32}(ptr, i32)",
         "windows thiscall; sret sp+0; a0 ecx; a1 sp+4; ret sret->eax; stack 8; pops 8"},
        {"windows thiscall {i8}(ptr)",
         "windows thiscall; sret sp+0; a0 ecx; ret sret->eax; stack 4; pops 4"},
        {"windows thiscall {f32}(ptr)",
         "windows thiscall; sret sp+0; a0 ecx; ret sret->eax; stack 4; pops 4"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto layout = classify_text(c.text);
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->to_string(), c.layout);
    }
}

// A variadic MSVC member function is cdecl with `this` pushed last, and the
// result pointer still comes after `this`: clang++ -target i686-windows-msvc
// of `S8 C::vget8(int x, ...)` reads `movl 8(%esp), %eax` (the pointer, sp+4),
// `movl 12(%esp), %ecx` (x, sp+8), `this` at 4(%esp) (sp+0), and ends with a
// plain `retl`. classify_i386 (cdecl rules) puts the pointer at sp+0 and
// `this` at sp+4.
TEST(I386Layout, WindowsVariadicThiscallPassesThisBeforeTheResultPointer) {
    auto layout = classify_text("windows thiscall {i32, i32, i32}(ptr, i32, ...)");
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    const ArgLayout* sret = nullptr;
    const ArgLayout* self = nullptr;
    for (const auto& a : layout->args) {
        if (a.index == kSretIndex) sret = &a;
        if (a.index == 0) self = &a;
    }
    ASSERT_NE(sret, nullptr);
    ASSERT_NE(self, nullptr);
    EXPECT_EQ(self->pieces.at(0).loc, Location::on_stack(0)) << layout->to_string();
    EXPECT_EQ(sret->pieces.at(0).loc, Location::on_stack(4)) << layout->to_string();
    EXPECT_EQ(layout->stack_size, 12u);
    EXPECT_EQ(layout->callee_pops, 0u);
}

// Microsoft's __fastcall: "The first two DWORD or smaller arguments that are
// found in the argument list from left to right are passed in ECX and EDX
// registers; all other arguments are passed on the stack." A 64-bit integer
// neither takes nor uses up a register. Clang 14's MSVC target (and GCC, and
// Clang 14 for Linux) let it use them up: clang -target i686-windows-msvc of
// fastcall f(int, long long, int, int) reads the third int at 20(%esp) after
// two pushes (sp+8) and ends with `retl $16`. That was a Clang bug against
// MSVC, reported in llvm-project issue 57737 (MSVC passes `(unsigned long long
// a, int b, int c)` with b, c in ecx, edx) and fixed in Clang 16. So the MSVC
// rule is kept here, and classify_i386 (which follows Clang 14's
// MSVC target) fails it.
TEST(I386Layout, WindowsFastcallInt64UsesUpNoRegister) {
    struct Case {
        const char* text;
        const char* layout;
    };
    const Case cases[] = {
        {"windows fastcall void(i32, i64, i32, i32)",
         "windows fastcall; a0 ecx; a1 sp+0; a2 edx; a3 sp+8; ret void; stack 12; pops 12"},
        {"windows fastcall void(u64, i32, i32)",
         "windows fastcall; a0 sp+0; a1 ecx; a2 edx; ret void; stack 8; pops 8"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto layout = classify_text(c.text);
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->to_string(), c.layout);
    }
}

} // namespace
} // namespace ctabi::abi
