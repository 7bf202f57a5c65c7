// Microsoft x64 calling convention ("x64 calling convention" and "x64
// software conventions", Microsoft Learn), as GCC and Clang implement it for
// __attribute__((ms_abi)).
#include "classify_common.h"
#include "ctabi/abi/classify.h"

namespace ctabi::abi {
namespace {

constexpr uint8_t kIntArgRegs[] = {gpr::cx, gpr::dx, gpr::r8, gpr::r9};
constexpr uint32_t kRegSlots = 4;
constexpr uint32_t kShadowSpace = 32;

// Aggregates of 1, 2, 4 or 8 bytes travel as an integer of that size.
bool fits_integer_slot(const Type& t) {
    return t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8;
}

Location slot_location(uint32_t slot, bool floating) {
    if (slot < kRegSlots)
        return floating ? Location::in_reg(RegClass::xmm, uint8_t(slot))
                        : Location::in_reg(RegClass::gpr, kIntArgRegs[slot]);
    return Location::on_stack(int32_t(kShadowSpace + 8 * (slot - kRegSlots)));
}

} // namespace

Result<CallLayout> classify_win64(const Signature& sig) {
    CallLayout layout;
    layout.conv = CallConv::win64;
    layout.platform = sig.platform;
    layout.arch = Arch::x86_64;
    layout.args.reserve(sig.args.size() + 1);
    layout.shadow_space = kShadowSpace;
    uint32_t slot = 0;

    const Type& r = sig.result;
    if (r.kind == Kind::F80)
        return make_error("result: f80 (long double) has no agreed win64 return convention: "
                          "MSVC's long double is a 64-bit double (declare f64), GCC's ms_abi "
                          "returns x87 values through a hidden pointer and Clang's in st(0)");
    if (r.is_float()) {
        layout.result.kind = ResultLayout::Kind::direct;
        layout.result.pieces.push_back(
            Piece{0, uint32_t(r.size), Location::in_reg(RegClass::xmm, 0), Extend::none});
    } else if (r.is_scalar() || (r.is_aggregate() && fits_integer_slot(r))) {
        // Integers, pointers and 1/2/4/8-byte aggregates come back in rax.
        layout.result.kind = ResultLayout::Kind::direct;
        layout.result.pieces.push_back(
            Piece{0, uint32_t(r.size), Location::in_reg(RegClass::gpr, gpr::ax), Extend::none});
    } else if (r.is_aggregate()) {
        // Other aggregates: the caller passes a result buffer in the first
        // slot (rcx), shifting the arguments right; the callee returns it in rax.
        layout.result.kind = ResultLayout::Kind::indirect;
        layout.result.returns_sret_pointer = true;
        layout.result.sret_pointer_reg = Location::in_reg(RegClass::gpr, gpr::ax);
        ArgLayout sret;
        sret.index = kSretIndex;
        sret.pieces.push_back(Piece{0, 8, slot_location(slot++, false), Extend::none});
        layout.args.push_back(sret);
    }

    uint32_t copies = 0;
    for (size_t i = 0; i < sig.args.size(); ++i, ++slot) {
        const Type& t = sig.args[i];
        bool variadic = sig.fixed_args && i >= *sig.fixed_args;
        // Built in place: an ArgLayout holds its pieces inline.
        ArgLayout& arg = layout.args.emplace_back();
        arg.index = int32_t(i);
        if (t.is_float()) {
            arg.pieces.push_back(Piece{0, uint32_t(t.size), slot_location(slot, true)});
            // Variadic floating arguments in the first four slots also go in
            // the matching integer register (the callee may spill either).
            if (variadic && slot < kRegSlots)
                arg.pieces.push_back(Piece{0, uint32_t(t.size), slot_location(slot, false)});
        } else if ((t.is_scalar() && t.kind != Kind::F80) ||
                   (t.is_aggregate() && fits_integer_slot(t))) {
            // Fixed narrow integers are not widened: the upper bits of the slot
            // are undefined (Clang's callers leave them, GCC's and Clang's
            // callees re-extend). Variadic ones are: C's default argument
            // promotions make them an int, which the callee reads with va_arg.
            arg.pieces.push_back(Piece{0, uint32_t(t.size), slot_location(slot, false),
                                       variadic ? promoted_extension(t) : Extend::none});
        } else {
            // Any other size (and x87 long double, 16 bytes): the caller makes a
            // 16-byte aligned copy and passes its address in the slot.
            arg.kind = PassKind::indirect;
            arg.pieces.push_back(Piece{0, 8, slot_location(slot, false)});
            copies = align_up(copies, 16);
            arg.copy_offset = int32_t(copies); // relative to the copy area; rebased below
            arg.copy_size = uint32_t(t.kind == Kind::F80 ? 10 : t.size);
            copies += uint32_t(t.size);
        }
    }
    // The caller always reserves the 32-byte shadow area, even for fewer than
    // four arguments.
    layout.stack_size = kShadowSpace + 8 * (slot > kRegSlots ? slot - kRegSlots : 0);
    if (copies) {
        layout.copy_area_size = align_up(copies, 16);
        layout.copy_area_align = 16;
        uint32_t base = align_up(layout.stack_size, 16);
        for (auto& a : layout.args)
            if (a.kind == PassKind::indirect) a.copy_offset += int32_t(base);
    }
    return layout;
}

RegisterSet callee_saved_win64() {
    // Microsoft x64 "Caller/callee saved registers": rbx, rbp, rdi, rsi,
    // r12-r15 and xmm6-xmm15 are nonvolatile.
    return RegisterSet{
        uint16_t(1u << gpr::bx | 1u << gpr::bp | 1u << gpr::si | 1u << gpr::di | 0xf000u),
        uint16_t(0xffc0u)};
}

} // namespace ctabi::abi
