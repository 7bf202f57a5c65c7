// i386 calling conventions: cdecl, stdcall, fastcall and thiscall, each under
// the System V i386 psABI's rules (Linux) or Microsoft's (Windows).
//
// Sources: "System V ABI, Intel386 Architecture Processor Supplement" 4th ed.
// (2.2.2-2.2.3 and 3.2.3 "Function Calling Sequence"), Microsoft Learn's
// "Argument passing and naming conventions" (__cdecl, __stdcall, __fastcall,
// __thiscall), and, where the documents are silent, what GCC 12 and Clang 14
// emit for -m32 with the matching attributes (see ../shared/ABI-NOTES.md and
// the differential tests in test/diff/). Each rule below says which.
#include <algorithm>

#include "classify_common.h"
#include "ctabi/abi/classify.h"

namespace ctabi::abi {
namespace {

// fastcall's registers in the order arguments take them (thiscall uses the
// first only).
constexpr uint8_t kRegisterArgs[] = {gpr::cx, gpr::dx};

uint32_t words(uint32_t size) {
    return (size + 3) / 4;
}

// An integer or pointer that fits a 32-bit register: the only values that
// fastcall and thiscall pass in ecx/edx (MSVC: "the first two DWORD or
// smaller arguments"; GCC and Clang alike).
bool register_sized_integer(const Type& t) {
    return (t.is_integer() || t.kind == Kind::Pointer) && t.size <= 4;
}

// A struct or one-element array whose only content is one float, double or
// long double filling it: GCC gives such an aggregate the scalar's machine
// mode (SFmode, DFmode, XFmode). A union on the way gets an integer mode
// (`union {float}` uses up a fastcall register in GCC; Clang's
// isSingleElementStruct lets it through, see README).
bool single_float_element(const Type& t) {
    if (t.kind == Kind::F32 || t.kind == Kind::F64 || t.kind == Kind::F80) return true;
    if (t.kind == Kind::Union || !t.is_aggregate() || t.fields.size() != 1) return false;
    if (t.kind == Kind::Array && t.count != 1) return false;
    const Type& inner = t.fields[0].type;
    return t.fields[0].offset == 0 && inner.size == t.size && single_float_element(inner);
}

// How many of fastcall's (or thiscall's) registers a value that does not go
// in one uses up. Linux (GCC's function_arg_advance_32): a 64-bit integer,
// or an aggregate, uses up as many as it has 4-byte words, all that remain
// when fewer do (`int, long long, int` passes the last int on the stack;
// `{int}, int` passes the int in edx), except an aggregate holding a single
// float, double or long double (SFmode/DFmode/XFmode in GCC); floating values
// use up none. Clang 14 matches for 64-bit integers and for aggregates of 4
// bytes or more. Microsoft ("the first two DWORD or smaller arguments that
// are found in the argument list from left to right are passed in ECX and
// EDX"): nothing but a register argument uses a register (llvm-project
// #57737: MSVC passes `unsigned long long a, int b, int c` with b, c in ecx,
// edx; Clang for MSVC targets: "aggregates ... do not consume register
// slots").
uint32_t registers_consumed(const Type& t, Platform platform) {
    if (platform == Platform::windows) return 0;
    if (t.is_integer() && t.size == 8) return 2;
    if (t.is_aggregate() && !single_float_element(t)) return words(t.size);
    return 0;
}

// An aggregate whose alignment was asked for (an aligned attribute, or
// ctypes' explicit layout) beyond what its members give it.
bool alignment_requested(const Type& t) {
    uint32_t natural = 1;
    for (const auto& f : t.fields)
        natural = std::max(natural, f.type.align);
    return t.is_aggregate() && t.align > natural;
}

// Microsoft: aggregates of 1, 2, 4 or 8 bytes come back in eax / edx:eax
// (whatever their members, floats included) when every member is itself of
// such a size, all the way down: an array member counts at its whole size,
// then its element's. So `{{i8, i8, i8}, i8}` and `{[3 x i8], i8}` come back
// through the hidden pointer. (Clang's shouldReturnTypeInRegister, which
// clang -target i686-windows-msvc applies; GCC with -freg-struct-return
// agrees, giving such aggregates BLKmode.)
bool windows_register_result(const Type& t) {
    if (!(t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8)) return false;
    if (t.kind == Kind::Array) return windows_register_result(t.element());
    for (const auto& f : t.fields)
        if (!windows_register_result(f.type)) return false;
    return true;
}

} // namespace

Result<CallLayout> classify_i386(const Signature& sig) {
    CallLayout layout;
    layout.conv = sig.conv;
    layout.platform = sig.platform;
    layout.arch = Arch::i386;
    layout.args.reserve(sig.args.size() + 1);
    const bool windows = sig.platform == Platform::windows;
    // SysV i386 psABI (as amended for GCC 4.5+, which Linux follows): the
    // stack is 16-byte aligned at every call. Windows guarantees 4 bytes.
    layout.stack_align = windows ? 4 : 16;

    // A variadic stdcall, fastcall or thiscall function is called as cdecl:
    // GCC and Clang pass every argument on the stack and the callee pops
    // nothing (MSVC: "the __stdcall convention is ignored for vararg
    // functions", and likewise __fastcall and __thiscall).
    const CallConv rules = sig.is_variadic() ? CallConv::cdecl_ : sig.conv;
    // Microsoft's thiscall is the convention of C++ member functions, which
    // return every aggregate through the hidden pointer (1/2/4/8-byte ones
    // too: clang++ -target i686-windows-msvc, MicrosoftCXXABI) and pass that
    // pointer after `this`.
    const bool msvc_member = windows && sig.conv == CallConv::thiscall;
    uint32_t free_regs = rules == CallConv::fastcall ? 2 : rules == CallConv::thiscall ? 1 : 0;
    uint32_t next_reg = 0;
    uint32_t stack = 0;
    uint32_t copies = 0, copy_align = 1;

    // ---- The result -----------------------------------------------------------------------
    const Type& r = sig.result;
    auto gpr_piece = [](uint32_t offset, uint32_t size, uint8_t reg, Extend extend) {
        return Piece{offset, size, Location::in_reg(RegClass::gpr, reg), extend};
    };
    bool sret = false;
    bool sret_after_first = false;
    if (r.is_void()) {
        layout.result.kind = ResultLayout::Kind::none;
    } else if (r.is_float() || r.kind == Kind::F80) {
        // float, double and long double come back in st(0) (psABI 2.2.3,
        // Microsoft alike); an x87 register holds 10 significant bytes.
        layout.result.kind = ResultLayout::Kind::direct;
        layout.result.pieces.push_back(Piece{0, r.kind == Kind::F80 ? 10u : r.size,
                                             Location::in_reg(RegClass::x87, 0), Extend::none});
    } else if (r.is_scalar()) {
        // Integers and pointers in eax, 64-bit integers in edx:eax. A narrow
        // integer result is marked widened: ctabi's trampolines widen it to
        // 32 bits (harmless, and what a caller relying on Clang's signext/
        // zeroext return attribute expects), its callers read only its bytes
        // (GCC, Clang and MSVC callees leave the upper bits undefined).
        layout.result.kind = ResultLayout::Kind::direct;
        if (r.size == 8) {
            layout.result.pieces.push_back(gpr_piece(0, 4, gpr::ax, Extend::none));
            layout.result.pieces.push_back(gpr_piece(4, 4, gpr::dx, Extend::none));
        } else {
            layout.result.pieces.push_back(gpr_piece(0, r.size, gpr::ax, promoted_extension(r)));
        }
    } else if (windows && windows_register_result(r) && !msvc_member) {
        layout.result.kind = ResultLayout::Kind::direct;
        layout.result.pieces.push_back(gpr_piece(0, std::min(r.size, 4u), gpr::ax, Extend::none));
        if (r.size == 8) layout.result.pieces.push_back(gpr_piece(4, 4, gpr::dx, Extend::none));
    } else {
        // psABI 3.2.3: every struct and union result (Linux), Microsoft: the
        // other sizes, is written through a hidden pointer that the callee
        // also returns in eax.
        sret = true;
        layout.result.kind = ResultLayout::Kind::indirect;
        layout.result.returns_sret_pointer = true;
        layout.result.sret_pointer_reg = Location::in_reg(RegClass::gpr, gpr::ax);
        ArgLayout& arg = layout.args.emplace_back();
        arg.index = kSretIndex;
        // The hidden pointer is the first argument: fastcall (GCC, Clang,
        // MSVC) and Linux thiscall (GCC; Clang 14 keeps ecx for `this`
        // instead) pass it in ecx; cdecl and stdcall push it last (lowest
        // address). A Microsoft member function keeps ecx for `this` and
        // passes the pointer first on the stack, or, when variadic (then
        // `this` is on the stack too), right after `this`.
        if (free_regs > 0 && !msvc_member) {
            arg.pieces.push_back(gpr_piece(0, 4, kRegisterArgs[next_reg++], Extend::none));
            --free_regs;
        } else if (msvc_member && sig.is_variadic() && !sig.args.empty()) {
            sret_after_first = true; // placed in the argument loop
            arg.pieces.push_back(Piece{0, 4, Location::on_stack(0), Extend::none});
        } else {
            arg.pieces.push_back(Piece{0, 4, Location::on_stack(0), Extend::none});
            stack = 4;
        }
    }

    // ---- The arguments --------------------------------------------------------------------
    for (size_t i = 0; i < sig.args.size(); ++i) {
        const Type& t = sig.args[i];
        ArgLayout& arg = layout.args.emplace_back();
        arg.index = int32_t(i);
        // psABI 2.2.3 (and Microsoft, and GCC/Clang for Windows alike): a
        // narrow integer is widened to 32 bits by the caller, in a register or
        // in its 4-byte stack slot.
        const Extend extend = promoted_extension(t);
        if (free_regs > 0 && register_sized_integer(t)) {
            arg.pieces.push_back(gpr_piece(0, t.size, kRegisterArgs[next_reg++], extend));
            --free_regs;
            continue;
        }
        if (windows && t.is_aggregate() && t.align > 4 && alignment_requested(t)) {
            // Microsoft (MSVC 2015 on; Clang's X86_32ABIInfo for
            // IsWin32StructABI: isAlignRequired() and over 4 bytes): an
            // aggregate of requested alignment goes by reference to a copy
            // the caller makes; the pointer is passed as an integer would be
            // (ecx, edx included). An aggregate merely holding one is by value.
            arg.kind = PassKind::indirect;
            if (free_regs > 0) {
                arg.pieces.push_back(gpr_piece(0, 4, kRegisterArgs[next_reg++], Extend::none));
                --free_regs;
            } else {
                arg.pieces.push_back(Piece{0, 4, Location::on_stack(int32_t(stack)), Extend::none});
                stack += 4;
            }
            copies = align_up(copies, t.align);
            arg.copy_offset = int32_t(copies); // relative to the copy area; rebased below
            arg.copy_size = t.size;
            copies += t.size;
            copy_align = std::max(copy_align, t.align);
        } else {
            if (free_regs > 0) {
                const uint32_t used = registers_consumed(t, sig.platform);
                free_regs = used >= free_regs ? 0 : free_regs - used;
                next_reg += used;
            }
            // psABI 2.2.3: arguments are pushed right to left, each in a
            // 4-byte aligned slot of its size rounded up to 4 bytes, whatever
            // the type's own alignment (GCC and Clang keep even over-aligned
            // aggregates and double at 4 on i386).
            arg.pieces.push_back(Piece{0, t.size, Location::on_stack(int32_t(stack)), extend});
            stack += align_up(t.size, 4);
        }
        if (sret_after_first && i == 0) {
            layout.args[0].pieces[0].loc = Location::on_stack(int32_t(stack));
            stack += 4;
        }
    }
    layout.stack_size = stack;
    if (copies) {
        // The copies lie above the argument area, each at its alignment; the
        // stack pointer at the call must then be aligned as strictly.
        layout.copy_area_size = align_up(copies, copy_align);
        layout.copy_area_align = copy_align;
        layout.stack_align = std::max(layout.stack_align, copy_align);
        const uint32_t base = align_up(stack, copy_align);
        for (auto& a : layout.args)
            if (a.kind == PassKind::indirect) a.copy_offset += int32_t(base);
    }

    // ---- Who removes the arguments -----------------------------------------------------------
    if (rules == CallConv::cdecl_) {
        // Linux (psABI 3.2.3, `ret $4`): the callee pops the hidden result
        // pointer even under cdecl, and a variadic stdcall one too; GCC's
        // variadic fastcall and thiscall callees do not (its
        // ix86_return_pops_args keeps it for conventions with register
        // parameters; Clang 14's fastcall pops it: ctabi follows GCC).
        // Microsoft's cdecl callee pops nothing.
        const bool pops_pointer = sig.conv == CallConv::cdecl_ || sig.conv == CallConv::stdcall;
        layout.callee_pops =
            sret && !windows && pops_pointer && layout.args[0].pieces[0].loc.is_stack() ? 4 : 0;
    } else {
        // stdcall, fastcall, thiscall: the callee removes every stack byte
        // (`ret N`), the hidden pointer included (GCC `ret $8` for an
        // aggregate-returning stdcall function of one int; MSVC alike).
        layout.callee_pops = stack;
    }
    return layout;
}

} // namespace ctabi::abi
