// Golden table for the x86-64 System V classifier (psABI 1.0, section 3.2.3).
//
// Every expected layout below was written from the psABI rules and
// ../shared/ABI-NOTES.md, not copied from classify_sysv64's output; the subtle
// ones were checked against `gcc -O1 -S` (GCC 12) and `clang -O1 -S` (Clang 14)
// on small C callers/callees, as each reason says.
//
// Layout string format (abi/layout.cpp): `a<i> <piece>...` per argument,
// a piece is a register or `sp+N`, with `[offset:size]` when it holds only
// part of the value and `/sx32` `/zx32` when the caller widens it to 32 bits;
// `sret <reg>` for the hidden result pointer; `ret ...`; `stack N` (bytes of
// outgoing arguments); `al N` for variadic calls.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "golden_table.h"

namespace ctabi::abi {
namespace {

const GoldenCase kSysV64Cases[] = {
    // ---- Scalars -------------------------------------------------------------------------
    {"sysv64 void(bool, i8, u8, i16, u16)",
     "sysv64; a0 rdi/zx32; a1 rsi/sx32; a2 rdx/zx32; a3 rcx/sx32; a4 r8/zx32; ret void; stack 0",
     "_Bool/char/short are INTEGER and the caller widens them to 32 bits: GCC and Clang callers "
     "both emit movzbl/movsbl/movzbl/movswl/movzwl before the call, and Clang's callee uses edi "
     "without re-extending"},
    {"sysv64 void(i32, u32, i64, u64, ptr)",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; ret void; stack 0",
     "32/64-bit integers and pointers are INTEGER, in rdi rsi rdx rcx r8 r9 order; no widening "
     "mark (bits 32-63 of an int register are undefined)"},
    {"sysv64 void(f32, f64, i32, f32)",
     "sysv64; a0 xmm0; a1 xmm1; a2 rdi; a3 xmm2; ret void; stack 0",
     "float/double are SSE; SSE and INTEGER registers are allocated independently"},
    {"sysv64 void(i64, f80, i64)", "sysv64; a0 rdi; a1 sp+0; a2 rsi; ret void; stack 16",
     "long double is X87 class: always on the stack (16 bytes), later INTEGER args still take "
     "registers; GCC and Clang both store the f80 at (%rsp) and pass 1, 2 in edi, esi"},
    {"sysv64 void(i64, i64, i64, i64, i64, i64, i64, f80)",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 r9; a6 sp+0; a7 sp+16; ret void; stack 32",
     "a long double stack argument is 16-byte aligned: after the 7th integer at sp+0 it goes to "
     "sp+16, leaving sp+8 as padding (GCC and Clang both)"},
    {"sysv64 void(f80, i32, f80)", "sysv64; a0 sp+0; a1 rdi; a2 sp+16; ret void; stack 32",
     "consecutive long double arguments take 16-byte stack slots"},
    {"sysv64 void(i64, i64, i64, i64, i64, i64, i8, u16, bool)",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 r9; a6 sp+0/sx32; a7 sp+8/zx32; "
     "a8 sp+16/zx32; ret void; stack 24",
     "narrow integers on the stack take 8-byte slots, and the caller widens them there too: GCC "
     "and Clang both push the movsbl/movzwl/movzbl-extended register"},

    // ---- Scalar results ------------------------------------------------------------------
    {"sysv64 i32()", "sysv64; ret rax; stack 0", "INTEGER result in rax"},
    {"sysv64 ptr(u64)", "sysv64; a0 rdi; ret rax; stack 0", "pointer result in rax"},
    {"sysv64 f32()", "sysv64; ret xmm0; stack 0", "float result in xmm0"},
    {"sysv64 f64(f64)", "sysv64; a0 xmm0; ret xmm0; stack 0", "double result in xmm0"},
    {"sysv64 f80()", "sysv64; ret st0; stack 0",
     "long double result (X87) in st(0): GCC and Clang both return with flds"},
    {"sysv64 i8(i8)", "sysv64; a0 rdi/sx32; ret rax; stack 0",
     "only arguments are widened by the caller; a char result is not widened by the callee: GCC "
     "and Clang callees return x+1 via `leal 1(%rdi), %eax` (no sign extension of the 8-bit "
     "value), and both callers re-extend the result with `movsbl %al, %eax`"},

    // ---- Register exhaustion -------------------------------------------------------------
    {"sysv64 void(i64, i64, i64, i64, i64, i64, i64, f64, f64, f64, f64, f64, f64, f64, f64, f64, "
     "i32)",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 r9; a6 sp+0; a7 xmm0; a8 xmm1; a9 xmm2; "
     "a10 xmm3; a11 xmm4; a12 xmm5; a13 xmm6; a14 xmm7; a15 sp+8; a16 sp+16; ret void; stack 24",
     "6 INTEGER and 8 SSE registers, then 8-byte stack slots in argument order: GCC and Clang "
     "both put 7 at (%rsp), 9.0 at 8(%rsp), 10 at 16(%rsp)"},
    {"sysv64 void(i64, i64, i64, i64, i64, {i64, i64}, i64)",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 sp+0; a6 r9; ret void; stack 16",
     "a two-INTEGER struct with one integer register left goes wholly on the stack (never split), "
     "and the later i64 still takes r9: GCC and Clang both"},
    {"sysv64 void(i64, i64, i64, i64, i64, i64, {f64, i32}, f64)",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 r9; a6 sp+0; a7 xmm0; ret void; stack 16",
     "a mixed SSE+INTEGER struct needs both kinds free: with no integer register left it goes "
     "wholly on the stack although xmm0 is free, and the later double takes xmm0 (GCC and Clang)"},
    {"sysv64 void(f64, f64, f64, f64, f64, f64, f64, {f64, f64}, f64)",
     "sysv64; a0 xmm0; a1 xmm1; a2 xmm2; a3 xmm3; a4 xmm4; a5 xmm5; a6 xmm6; a7 sp+0; a8 xmm7; "
     "ret void; stack 16",
     "a two-SSE struct with one xmm register left goes on the stack; the later double takes xmm7 "
     "(GCC and Clang both)"},

    // ---- Aggregates up to 16 bytes ---------------------------------------------------------
    {"sysv64 void({f32, f32})", "sysv64; a0 xmm0; ret void; stack 0",
     "two floats share one SSE eightbyte: GCC and Clang both load the pair with one movq/movsd "
     "into xmm0"},
    {"sysv64 void({f32, f32, f32})", "sysv64; a0 xmm0[0:8] xmm1[8:4]; ret void; stack 0",
     "12-byte float struct: two SSE eightbytes; GCC and Clang both pass the 12-byte float struct "
     "in xmm0 (bytes 0-7), xmm1 (bytes 8-11)"},
    {"sysv64 void({f64, i32})", "sysv64; a0 xmm0[0:8] rdi[8:8]; ret void; stack 0",
     "eightbytes are classified separately: SSE then INTEGER (GCC and Clang: xmm0, edi)"},
    {"sysv64 void({i32, f64})", "sysv64; a0 rdi[0:8] xmm0[8:8]; ret void; stack 0",
     "INTEGER (int plus padding) then SSE (GCC and Clang: edi, xmm0)"},
    {"sysv64 void({f32, i32})", "sysv64; a0 rdi; ret void; stack 0",
     "float and int merged in one eightbyte: INTEGER wins (GCC and Clang: movq into rdi)"},
    {"sysv64 void({[2 x f32], i32})", "sysv64; a0 xmm0[0:8] rdi[8:4]; ret void; stack 0",
     "arrays are classified element by element: [2 x float] fills an SSE eightbyte, the int an "
     "INTEGER one (GCC and Clang: xmm0, edi)"},
    {"sysv64 void({[3 x i32], f32})", "sysv64; a0 rdi[0:8] rsi[8:8]; ret void; stack 0",
     "the third int and the float share eightbyte 1: INTEGER (GCC and Clang: rdi, rsi)"},
    {"sysv64 void({{f32}, f32, f64})", "sysv64; a0 xmm0[0:8] xmm1[8:8]; ret void; stack 0",
     "nested structs are flattened into the eightbytes they overlap (GCC and Clang: xmm0, xmm1)"},
    {"sysv64 void(union{i32, f32})", "sysv64; a0 rdi; ret void; stack 0",
     "union members are merged: int + float -> INTEGER (GCC and Clang: movl into edi)"},
    {"sysv64 void(union{f64, [2 x f32]})", "sysv64; a0 xmm0; ret void; stack 0",
     "union of double and float[2]: all SSE -> one SSE eightbyte (GCC and Clang: xmm0)"},
    {"sysv64 void({i8, i8, i8})", "sysv64; a0 rdi; ret void; stack 0",
     "3-byte aggregate: one INTEGER eightbyte, no widening mark (only scalars are widened)"},
    {"sysv64 void({i32 @0, i32 @4 | size 8 align 1})", "sysv64; a0 rdi; ret void; stack 0",
     "a packed struct whose members still sit at aligned offsets is not MEMORY (GCC and Clang "
     "pass __attribute__((packed)) {int; int} in rdi)"},
    {"sysv64 void({f64 @0 | size 16 align 16}, {i64 @0 | size 16 align 16})",
     "sysv64; a0 xmm0; a1 rdi; ret void; stack 0",
     "aligned(16) struct with a padding-only second eightbyte (NO_CLASS): it takes no register; "
     "GCC and Clang pass {double} aligned(16) in xmm0 alone and {long} aligned(16) in rdi alone"},
    {"sysv64 void(f64, f64, f64, f64, f64, f64, f64, f64, i64, i64, i64, i64, i64, i64, i64, "
     "{f64 @0 | size 16 align 16})",
     "sysv64; a0 xmm0; a1 xmm1; a2 xmm2; a3 xmm3; a4 xmm4; a5 xmm5; a6 xmm6; a7 xmm7; a8 rdi; "
     "a9 rsi; a10 rdx; a11 rcx; a12 r8; a13 r9; a14 sp+0; a15 sp+16; ret void; stack 32",
     "the same aligned(16) struct on the stack keeps its 16-byte alignment: GCC and Clang both "
     "store it at 16(%rsp) after the integer at (%rsp)"},

    // ---- MEMORY class ------------------------------------------------------------------------
    {"sysv64 void({i64, i64, i64})", "sysv64; a0 sp+0; ret void; stack 24",
     "aggregates over 16 bytes are MEMORY: copied onto the stack"},
    {"sysv64 void(i64, {i8 @0, i32 @1 | size 5 align 1}, i64)",
     "sysv64; a0 rdi; a1 sp+0; a2 rsi; ret void; stack 8",
     "a struct with an unaligned member is MEMORY even at 5 bytes: GCC and Clang both copy "
     "packed {char; int} to (%rsp)"},
    {"sysv64 void(i64, {i8 @0, f64 @1 | size 9 align 1}, i64)",
     "sysv64; a0 rdi; a1 sp+0; a2 rsi; ret void; stack 16",
     "packed {char; double}: unaligned -> MEMORY, 9 bytes rounded to two stack slots (GCC and "
     "Clang)"},
    {"sysv64 void(i64, {f80}, f64)", "sysv64; a0 rdi; a1 sp+0; a2 xmm0; ret void; stack 16",
     "struct {long double} argument: X87/X87UP is passed in memory (GCC and Clang: pushed at "
     "(%rsp), 1 in edi, 2.0 in xmm0)"},
    {"sysv64 void(i64, i64, i64, i64, i64, i64, i64, {f80})",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 r9; a6 sp+0; a7 sp+16; ret void; stack 32",
     "struct {long double} on the stack is 16-byte aligned (GCC and Clang: at 16(%rsp))"},
    {"sysv64 void({f64, f80})", "sysv64; a0 sp+0; ret void; stack 32",
     "a 32-byte struct containing a long double: MEMORY, 16-aligned"},
    {"sysv64 void(i64, i64, i64, i64, i64, i64, i64, {i64 @0 | size 32 align 32})",
     "sysv64; a0 rdi; a1 rsi; a2 rdx; a3 rcx; a4 r8; a5 r9; a6 sp+0; a7 sp+32; ret void; "
     "stack 64",
     "a MEMORY argument keeps its alignment on the stack: GCC and Clang both place an "
     "aligned(32) struct at 32(%rsp) after the integer at (%rsp)"},

    // ---- Aggregate results -------------------------------------------------------------------
    {"sysv64 {f32, f32}(f32)", "sysv64; a0 xmm0; ret xmm0; stack 0",
     "two floats come back packed in xmm0 (GCC and Clang)"},
    {"sysv64 {f32, f32, f32}()", "sysv64; ret xmm0[0:8] xmm1[8:4]; stack 0",
     "12-byte float struct returned in xmm0, xmm1 (GCC and Clang)"},
    {"sysv64 {f64, f64}()", "sysv64; ret xmm0[0:8] xmm1[8:8]; stack 0",
     "two SSE eightbytes returned in xmm0, xmm1 (GCC and Clang)"},
    {"sysv64 {i64, i64}(i64, i64)", "sysv64; a0 rdi; a1 rsi; ret rax[0:8] rdx[8:8]; stack 0",
     "two INTEGER eightbytes returned in rax, rdx (GCC and Clang)"},
    {"sysv64 {f64, i32}(f64, i32)", "sysv64; a0 xmm0; a1 rdi; ret xmm0[0:8] rax[8:8]; stack 0",
     "SSE then INTEGER result: xmm0 and rax (GCC and Clang leave the double in xmm0 and move the "
     "int to eax)"},
    {"sysv64 {i32, f64}(f64, i32)", "sysv64; a0 xmm0; a1 rdi; ret rax[0:8] xmm0[8:8]; stack 0",
     "INTEGER then SSE result: rax and xmm0 (the first SSE return register), GCC and Clang"},
    {"sysv64 {i64, f64}(i64, f64)", "sysv64; a0 rdi; a1 xmm0; ret rax[0:8] xmm0[8:8]; stack 0",
     "INTEGER then SSE result: rax and xmm0 (GCC and Clang)"},
    {"sysv64 {f64 @0 | size 16 align 16}(f64)", "sysv64; a0 xmm0; ret xmm0; stack 0",
     "aligned(16) {double} result: the padding eightbyte is not returned (GCC and Clang: the "
     "callee just returns the double in xmm0)"},
    {"sysv64 {f80}()", "sysv64; ret st0; stack 0",
     "struct {long double} result is X87 class, returned in st(0), not memory: GCC and Clang "
     "callees both return it with flds and the callers pass no buffer"},
    {"sysv64 {f64, f80}()", "sysv64; sret rdi; ret sret->rax; stack 0",
     "a result containing a long double beside other data is MEMORY: GCC and Clang callers pass "
     "a buffer in rdi"},
    {"sysv64 union{f80, i64}()", "sysv64; sret rdi; ret sret->rax; stack 0",
     "union {long double; long}: eightbyte 0 merges X87 and INTEGER into INTEGER, leaving X87UP "
     "without X87 -> MEMORY (GCC and Clang return it through rdi)"},
    {"sysv64 void(union{union{i8, f80}, [2 x i64]}, i32)",
     "sysv64; a0 sp+0; a1 rdi; ret void; stack 16",
     "the post-merger rules apply to each nested aggregate: the inner union is INTEGER then "
     "X87UP, so MEMORY, and so is the outer one, although merging all its leaves gives "
     "INTEGER, INTEGER (GCC and Clang read it at 16(%rsp) and the i32 in edi; found by the "
     "differential soak)"},
    {"sysv64 void(union{f80, [2 x i64]}, i32)",
     "sysv64; a0 rdi[0:8] rsi[8:8]; a1 rdx; ret void; stack 0",
     "one union of f80 and [2 x i64]: INTEGER merges over X87 and X87UP (rule c before d), "
     "so two GPRs (GCC and Clang)"},
    {"sysv64 void({[2 x {f32 @0, bool @4 | size 5 align 1}]}, i64)",
     "sysv64; a0 sp+0; a1 rdi; ret void; stack 16",
     "an unaligned field in a later array element makes the aggregate MEMORY (psABI 3.2.3 "
     "step 1; Clang reads it from the stack): GCC 12 classifies an array by its first element "
     "only and passes it in rdi:rsi, so the differential harness keeps it from GCC peers"},
    {"sysv64 union{union{i8, f80}, [2 x i64]}()", "sysv64; sret rdi; ret sret->rax; stack 0",
     "the same nested union as a result: MEMORY"},
    {"sysv64 {i64, i64, i64}(i64, {i64, i64, i64}, i64)",
     "sysv64; sret rdi; a0 rsi; a1 sp+0; a2 rdx; ret sret->rax; stack 24",
     "a MEMORY result takes rdi for the buffer, so the first integer argument moves to rsi; the "
     "callee returns the buffer in rax (GCC and Clang)"},
    {"sysv64 {i64, i64, i64}(i64, i64, i64, i64, i64, i64)",
     "sysv64; sret rdi; a0 rsi; a1 rdx; a2 rcx; a3 r8; a4 r9; a5 sp+0; ret sret->rax; stack 8",
     "with the sret pointer in rdi only five integer registers remain for arguments"},

    // ---- Variadic calls ------------------------------------------------------------------------
    {"sysv64 i32(ptr, ...)", "sysv64; a0 rdi; ret rax; stack 0; al 0",
     "a variadic call always sets al (here 0 vector registers)"},
    {"sysv64 i32(ptr, ..., i32, i64)", "sysv64; a0 rdi; a1 rsi; a2 rdx; ret rax; stack 0; al 0",
     "integer variadic arguments: al 0 (GCC `movl $0, %eax`, Clang `xorl %eax, %eax`)"},
    {"sysv64 i32(ptr, ..., f64, i32, f64)",
     "sysv64; a0 rdi; a1 xmm0; a2 rsi; a3 xmm1; ret rax; stack 0; al 2",
     "variadic arguments are classified like fixed ones; al = 2 xmm registers (GCC and Clang)"},
    {"sysv64 void(f64, ...)", "sysv64; a0 xmm0; ret void; stack 0; al 1",
     "al counts the fixed arguments' vector registers too (GCC and Clang: al 1 for vd(1.0))"},
    {"sysv64 i32(ptr, ..., f64, f64, f64, f64, f64, f64, f64, f64, f64)",
     "sysv64; a0 rdi; a1 xmm0; a2 xmm1; a3 xmm2; a4 xmm3; a5 xmm4; a6 xmm5; a7 xmm6; a8 xmm7; "
     "a9 sp+0; ret rax; stack 8; al 8",
     "the 9th double goes on the stack and al stays 8 (GCC and Clang)"},
    {"sysv64 void(ptr, ..., {f64, f64})",
     "sysv64; a0 rdi; a1 xmm0[0:8] xmm1[8:8]; ret void; stack 0; al 2",
     "a variadic two-SSE struct uses two xmm registers: al 2 (GCC and Clang)"},
};

class SysV64Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(SysV64Golden, Layout) {
    check_golden(GetParam(), CallConv::sysv64);
}

INSTANTIATE_TEST_SUITE_P(Table, SysV64Golden, ::testing::ValuesIn(kSysV64Cases), golden_case_name);

// Structure of the layout beyond its text: facts emitters read directly.
TEST(SysV64Layout, StructuredFields) {
    auto sig = parse_signature("sysv64 {i64, i64, i64}(i8, f64, ...)");
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    auto layout = classify(*sig);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->arch, Arch::x86_64);
    EXPECT_EQ(layout->stack_align, 16u) << "rsp is 16-byte aligned at the call";
    EXPECT_EQ(layout->shadow_space, 0u);
    EXPECT_EQ(layout->callee_pops, 0u);
    EXPECT_EQ(layout->copy_area_size, 0u) << "System V copies MEMORY arguments into the "
                                             "argument area itself, not a separate copy area";
    ASSERT_NE(layout->sret(), nullptr);
    EXPECT_EQ(layout->sret()->pieces.at(0).loc, Location::in_reg(RegClass::gpr, gpr::di));
    EXPECT_EQ(layout->result.kind, ResultLayout::Kind::indirect);
    EXPECT_TRUE(layout->result.returns_sret_pointer);
    EXPECT_EQ(layout->result.sret_pointer_reg, Location::in_reg(RegClass::gpr, gpr::ax));
    ASSERT_EQ(layout->args.size(), 3u);
    EXPECT_EQ(layout->args[1].pieces.at(0).extend, Extend::sign32);
    EXPECT_EQ(layout->args[1].pieces.at(0).loc, Location::in_reg(RegClass::gpr, gpr::si));
    EXPECT_EQ(layout->vector_count, 1);
}

TEST(SysV64Layout, NonVariadicCallsHaveNoAlCount) {
    auto sig = parse_signature("sysv64 void(f64)");
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    auto layout = classify(*sig);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->vector_count, -1);
}

// psABI 3.2.2: the end of the argument area is aligned to 16 bytes, or 32 when a
// 32-byte aligned value is passed on the stack. GCC and Clang callers of
// f(long x7, struct __attribute__((aligned(32))) {long a;}) both realign with
// `andq $-32, %rsp` so the stacked struct's address is really 32-aligned.
TEST(SysV64Layout, Over16AlignedStackArgumentRaisesStackAlignment) {
    auto sig = parse_signature(
        "sysv64 void(i64, i64, i64, i64, i64, i64, i64, {i64 @0 | size 32 align 32})");
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    auto layout = classify(*sig);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->args.at(7).pieces.at(0).loc, Location::on_stack(32));
    EXPECT_EQ(layout->stack_align, 32u);
}

TEST(SysV64Layout, LongDoubleStackPieceIsTheTenValueBytes) {
    auto sig = parse_signature("sysv64 void(f80)");
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    auto layout = classify(*sig);
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    ASSERT_EQ(layout->args.at(0).pieces.size(), 1u);
    const Piece& p = layout->args[0].pieces[0];
    EXPECT_TRUE(p.loc.is_stack());
    EXPECT_EQ(p.offset, 0u);
    EXPECT_EQ(p.size, 10u) << "an x87 value has 10 significant bytes in its 16-byte slot";
    EXPECT_EQ(layout->stack_size, 16u);
}

} // namespace
} // namespace ctabi::abi
