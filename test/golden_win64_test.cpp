// Golden table for the Microsoft x64 (win64) classifier.
//
// Every expected layout below was written from the Microsoft x64 calling
// convention ("x64 calling convention", Microsoft Learn) and
// ../shared/ABI-NOTES.md, not copied from classify_win64's output; the subtle
// ones were checked against `gcc -O1 -S` (GCC 12) and `clang -O1 -S` (Clang 14)
// on callers/callees declared __attribute__((ms_abi)), as each reason says.
//
// Layout string format (abi/layout.cpp): `a<i> <piece>...` per argument;
// `a<i> ref <slot> copy sp+O:S` for an argument passed by reference to a
// caller-made copy of S bytes at sp+O; `sret <slot>`; `ret ...`;
// `stack N shadow 32` (outgoing area including the 32-byte shadow space);
// `copies N align 16` for the copy area above the argument area.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "golden_table.h"

namespace ctabi::abi {
namespace {

const GoldenCase kWin64Cases[] = {
    // ---- One slot per position -----------------------------------------------------------
    {"win64 void(i32, f64, i64, f32, i32, f64)",
     "win64; a0 rcx; a1 xmm1; a2 r8; a3 xmm3; a4 sp+32; a5 sp+40; ret void; stack 48 shadow 32",
     "one slot per position: the register is chosen by the type, but the index by the position "
     "(a double in position 1 uses xmm1, not xmm0); arguments 5 and 6 go above the 32-byte "
     "shadow area at sp+32, sp+40 (GCC and Clang both)"},
    {"win64 void(f64, f64, f64, f64)",
     "win64; a0 xmm0; a1 xmm1; a2 xmm2; a3 xmm3; ret void; stack 32 shadow 32",
     "four floating arguments in xmm0-xmm3"},
    {"win64 void(ptr, u64, i32, u32)",
     "win64; a0 rcx; a1 rdx; a2 r8; a3 r9; ret void; stack 32 shadow 32",
     "four integer/pointer arguments in rcx, rdx, r8, r9"},
    {"win64 void()", "win64; ret void; stack 32 shadow 32",
     "the caller always reserves the 32-byte shadow area, even with no arguments (GCC and Clang "
     "callers of f(void) both subtract 40 = 32 + 8 for alignment)"},
    {"win64 void(i64)", "win64; a0 rcx; ret void; stack 32 shadow 32",
     "shadow area reserved for fewer than four arguments"},
    {"win64 void(i64, i64, i64, i64, i64, f64)",
     "win64; a0 rcx; a1 rdx; a2 r8; a3 r9; a4 sp+32; a5 sp+40; ret void; stack 48 shadow 32",
     "after four slots the stack arguments start above the shadow area: sp+32, sp+40; floating "
     "values on the stack use the same 8-byte slots"},
    {"win64 f32(i64, i64, i64, i64, f32)",
     "win64; a0 rcx; a1 rdx; a2 r8; a3 r9; a4 sp+32; ret xmm0; stack 40 shadow 32",
     "a fifth float argument goes to sp+32 (GCC and Clang both store 5.0f at 32(%rsp) at the "
     "call); float result in xmm0"},

    // ---- Aggregates by value (1, 2, 4, 8 bytes) ---------------------------------------------
    {"win64 void({i8}, {i16}, {i8, i8, i8, i8}, {f32, f32})",
     "win64; a0 rcx; a1 rdx; a2 r8; a3 r9; ret void; stack 32 shadow 32",
     "aggregates of 1, 2, 4 and 8 bytes travel by value in the integer slot, even all-float "
     "{float, float}: GCC and Clang both load it with movq into r9"},
    {"win64 void({f64}, f32)", "win64; a0 rcx; a1 xmm1; ret void; stack 32 shadow 32",
     "struct {double} is an 8-byte aggregate: integer slot rcx, not xmm0 (GCC and Clang: "
     "movq (%rdi), %rcx)"},
    {"win64 void({[2 x f32]}, union{f32, i16}, {i32, i32})",
     "win64; a0 rcx; a1 rdx; a2 r8; ret void; stack 32 shadow 32",
     "arrays in structs and unions count by size only: 8, 4 and 8 bytes -> integer slots"},
    {"win64 void(i64, i64, i64, i64, {i16, i16})",
     "win64; a0 rcx; a1 rdx; a2 r8; a3 r9; a4 sp+32; ret void; stack 40 shadow 32",
     "a small aggregate past the fourth slot is stored by value in its stack slot"},

    // ---- Aggregates by reference ---------------------------------------------------------------
    {"win64 void({i8, i8, i8})",
     "win64; a0 ref rcx copy sp+32:3; ret void; stack 32 shadow 32; copies 16 align 16",
     "a 3-byte aggregate is not 1/2/4/8 bytes: the caller passes the address of a 16-byte "
     "aligned copy, placed above the 32-byte argument area"},
    {"win64 void(i32, {i16, i16, i16})",
     "win64; a0 rcx; a1 ref rdx copy sp+32:6; ret void; stack 32 shadow 32; copies 16 align 16",
     "6-byte aggregate by reference: GCC and Clang both pass a pointer to a copy in rdx"},
    {"win64 void({i8, i8, i8}, {i32, i32, i32}, {f64, f64}, {i64, i64, i64}, {i8, i8, i8})",
     "win64; a0 ref rcx copy sp+48:3; a1 ref rdx copy sp+64:12; a2 ref r8 copy sp+80:16; "
     "a3 ref r9 copy sp+96:24; a4 ref sp+32 copy sp+128:3; ret void; stack 40 shadow 32; "
     "copies 96 align 16",
     "3/12/16/24-byte aggregates by reference, the fifth's pointer in the stack slot sp+32 (GCC "
     "and Clang both pass five pointers: rcx, rdx, r8, r9 and 32(%rsp)); each copy 16-aligned, "
     "the copy area starts at the argument area's end (40) rounded up to 16 = 48"},

    // ---- Results ------------------------------------------------------------------------------
    {"win64 i64()", "win64; ret rax; stack 32 shadow 32", "integer result in rax"},
    {"win64 ptr()", "win64; ret rax; stack 32 shadow 32", "pointer result in rax"},
    {"win64 f64()", "win64; ret xmm0; stack 32 shadow 32", "double result in xmm0"},
    {"win64 {f32, f32}()", "win64; ret rax; stack 32 shadow 32",
     "an 8-byte all-float struct comes back in rax, not xmm0 (GCC and Clang callers extract the "
     "second float with shrq $32, %rax)"},
    {"win64 {f64}(f64)", "win64; a0 xmm0; ret rax; stack 32 shadow 32",
     "struct {double} result is an 8-byte aggregate: rax (GCC and Clang callees: movq %xmm0, "
     "%rax)"},
    {"win64 {i8}()", "win64; ret rax; stack 32 shadow 32", "1-byte aggregate result in rax"},
    {"win64 {i16, i16}()", "win64; ret rax; stack 32 shadow 32", "4-byte aggregate result in rax"},
    {"win64 {i8, i8, i8}()", "win64; sret rcx; ret sret->rax; stack 32 shadow 32",
     "a 3-byte result goes through a hidden buffer in rcx (GCC and Clang callers pass its "
     "address in rcx)"},
    {"win64 {i32, i32, i32}(i32, f64, i32, i32)",
     "win64; sret rcx; a0 rdx; a1 xmm2; a2 r9; a3 sp+32; ret sret->rax; stack 40 shadow 32",
     "the result buffer takes slot 0 and shifts every argument one slot right: the double moves "
     "to xmm2 and the last int to sp+32; the callee returns the buffer in rax (GCC and Clang, "
     "both directions)"},
    {"win64 {i64, i64}({i64, i64})",
     "win64; sret rcx; a0 ref rdx copy sp+32:16; ret sret->rax; stack 32 shadow 32; "
     "copies 16 align 16",
     "16-byte aggregates are returned through rcx and passed by reference"},

    // ---- Variadic calls ------------------------------------------------------------------------
    {"win64 i32(i32, ..., f64, i32, f64, f64)",
     "win64; a0 rcx; a1 xmm1 rdx; a2 r8; a3 xmm3 r9; a4 sp+32; ret rax; stack 40 shadow 32",
     "variadic floating arguments in the first four slots are duplicated into the integer "
     "register of the slot; on the stack there is one copy; no al count (GCC and Clang: "
     "movq %xmm0, %rdx and movq %xmm3, %r9)"},
    {"win64 i32(f64, ..., f64)", "win64; a0 xmm0; a1 xmm1 rdx; ret rax; stack 32 shadow 32",
     "only the variadic double is duplicated: GCC leaves rcx unset for the fixed double (Clang "
     "also copies it to rcx, which is harmless)"},
    {"win64 void(i8, ..., i8, u16, bool, i16)",
     "win64; a0 rcx; a1 rdx/sx32; a2 r8/zx32; a3 r9/zx32; a4 sp+32/sx32; ret void; stack 40 "
     "shadow 32",
     "variadic narrow integers undergo C's default promotion to int, so the caller widens "
     "them (the callee reads them with va_arg(ap, int)); the fixed i8 is not widened. Found by "
     "the differential harness: Clang and GCC callees saw garbage in the upper bits"},
    {"win64 void(ptr, ...)", "win64; a0 rcx; ret void; stack 32 shadow 32",
     "win64 variadic calls carry no vector-register count"},

    // ---- long double (x87, 16 bytes under GCC/Clang on Linux) ---------------------------------
    {"win64 void(i32, f80)",
     "win64; a0 rcx; a1 ref rdx copy sp+32:10; ret void; stack 32 shadow 32; copies 16 align 16",
     "a 16-byte long double argument is passed by reference like any non-1/2/4/8 value: GCC and "
     "Clang both store it with fstpt to a temporary and pass its address in rdx"},

    // ---- Narrow integers ---------------------------------------------------------------------
    {"win64 void(bool, i8, u16, i16, i8)",
     "win64; a0 rcx; a1 rdx; a2 r8; a3 r9; a4 sp+32; ret void; stack 40 shadow 32",
     "Microsoft x64 does not widen narrow integer arguments: Clang ms_abi callers load them with "
     "movb/movzwl (no sign extension of a short, `movb %al, 32(%rsp)` for a stacked char) and "
     "GCC and Clang ms_abi callees re-extend (movsbl %cl), so no /sx32 /zx32 mark may promise it"},
};

class Win64Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Win64Golden, Layout) {
    check_golden(GetParam(), CallConv::win64);
}

INSTANTIATE_TEST_SUITE_P(Table, Win64Golden, ::testing::ValuesIn(kWin64Cases), golden_case_name);

Result<CallLayout> classify_text(const char* text) {
    auto sig = parse_signature(text);
    if (!sig) return sig.error();
    return classify(*sig);
}

// The copy-area rules independent of particular offsets: every copy is
// 16-aligned, lies above the outgoing argument area, inside the copy area, and
// copies do not overlap.
TEST(Win64Layout, CopiesAreAlignedDisjointAndAboveTheArgumentArea) {
    const char* const cases[] = {
        "win64 void({i8, i8, i8})",
        "win64 void(f80, f80, f80, f80, f80, f80)",
        "win64 {i64, i64, i64}({i32, i32, i32}, i64, i64, i64, {[5 x i8]}, {[33 x i8]})",
        "win64 void(i64, i64, i64, i64, i64, {i8, i8, i8}, i64, {f64, f64, f64})",
    };
    for (const char* text : cases) {
        SCOPED_TRACE(text);
        auto layout = classify_text(text);
        ASSERT_TRUE(layout.ok()) << layout.error().message;
        EXPECT_EQ(layout->copy_area_align, 16u);
        EXPECT_EQ(layout->copy_area_size % 16, 0u);
        const uint32_t area_begin = (layout->stack_size + 15) / 16 * 16;
        const uint32_t area_end = area_begin + layout->copy_area_size;
        std::vector<std::pair<uint32_t, uint32_t>> spans;
        for (const auto& a : layout->args) {
            if (a.kind != PassKind::indirect) continue;
            SCOPED_TRACE("argument " + std::to_string(a.index));
            ASSERT_EQ(a.pieces.size(), 1u) << "the pointer is the single piece";
            EXPECT_EQ(a.pieces[0].size, 8u);
            EXPECT_EQ(a.copy_offset % 16, 0) << "copies are 16-byte aligned";
            EXPECT_GE(uint32_t(a.copy_offset), layout->stack_size) << "above the argument area";
            EXPECT_LE(uint32_t(a.copy_offset) + a.copy_size, area_end);
            spans.emplace_back(uint32_t(a.copy_offset), uint32_t(a.copy_offset) + a.copy_size);
        }
        EXPECT_FALSE(spans.empty());
        std::sort(spans.begin(), spans.end());
        for (size_t i = 1; i < spans.size(); ++i)
            EXPECT_LE(spans[i - 1].second, spans[i].first) << "copies overlap";
    }
}

TEST(Win64Layout, StructuredFields) {
    auto layout = classify_text("win64 {i8, i8, i8}(i32, f64)");
    ASSERT_TRUE(layout.ok()) << layout.error().message;
    EXPECT_EQ(layout->arch, Arch::x86_64);
    EXPECT_EQ(layout->shadow_space, 32u);
    EXPECT_EQ(layout->stack_align, 16u) << "rsp is 16-byte aligned at the call";
    EXPECT_EQ(layout->callee_pops, 0u) << "the caller removes the arguments";
    EXPECT_EQ(layout->vector_count, -1) << "win64 has no al count";
    ASSERT_NE(layout->sret(), nullptr);
    EXPECT_EQ(layout->sret()->pieces.at(0).loc, Location::in_reg(RegClass::gpr, gpr::cx));
    EXPECT_EQ(layout->result.kind, ResultLayout::Kind::indirect);
    EXPECT_TRUE(layout->result.returns_sret_pointer);
    EXPECT_EQ(layout->result.sret_pointer_reg, Location::in_reg(RegClass::gpr, gpr::ax));
    ASSERT_EQ(layout->args.size(), 3u);
    EXPECT_EQ(layout->args[2].pieces.at(0).loc, Location::in_reg(RegClass::xmm, 2))
        << "the double is in position 2 once the sret pointer takes slot 0";
}

TEST(Win64Layout, WindowsPlatformClassifiesTheSame) {
    auto linux_layout = classify_text("win64 {i32, i32, i32}(f32, {i8, i8, i8}, ...)");
    auto windows_layout = classify_text("windows win64 {i32, i32, i32}(f32, {i8, i8, i8}, ...)");
    ASSERT_TRUE(linux_layout.ok()) << linux_layout.error().message;
    ASSERT_TRUE(windows_layout.ok()) << windows_layout.error().message;
    EXPECT_EQ(windows_layout->platform, Platform::windows);
    EXPECT_EQ(linux_layout->to_string(), windows_layout->to_string());
}

// GCC's ms_abi returns long double through a hidden pointer in rcx (its callee
// does `movq %rcx, %rax; fstpt (%rcx)`), Clang's in st(0) (`flds; ret`), and
// MSVC has no 80-bit long double at all: there is no convention to follow, so
// classify refuses and says why.
TEST(Win64Layout, LongDoubleResultIsRejected) {
    for (const char* text : {"win64 f80()", "windows win64 f80(i32)", "win64 f80(ptr, ...)"}) {
        SCOPED_TRACE(text);
        auto layout = classify_text(text);
        ASSERT_FALSE(layout.ok()) << layout->to_string();
        const std::string& msg = layout.error().message;
        EXPECT_NE(msg.find("result"), std::string::npos) << msg;
        EXPECT_NE(msg.find("f80"), std::string::npos) << msg;
    }
}

TEST(Win64Layout, VariadicFloatIsRejected) {
    auto layout = classify_text("win64 i32(ptr, ..., f64, f32)");
    ASSERT_FALSE(layout.ok()) << layout->to_string();
    const std::string& msg = layout.error().message;
    EXPECT_NE(msg.find("argument 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("f32"), std::string::npos) << msg;
    EXPECT_NE(msg.find("variadic"), std::string::npos) << msg;
}

} // namespace
} // namespace ctabi::abi
