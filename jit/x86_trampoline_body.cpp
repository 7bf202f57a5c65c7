// The x86-32 reverse trampoline body: the callee's side of an i386
// CallLayout. Entered from a callback's stub with eax pointing at its
// TrampolineTarget (eax carries no argument in any i386 convention ctabi
// models), it
//   1. gives every argument an address: its copy in the frame when a
//      register (ecx, edx) carried it, the caller's own stack bytes otherwise;
//   2. calls handler(data, result, args), a host cdecl function, on a
//      16-byte aligned stack (a Windows caller guarantees only 4);
//   3. returns the result where the layout says the caller finds it (eax,
//      edx:eax, st(0), or the hidden pointer in eax) and removes the bytes
//      the convention makes the callee pop (`ret N`).
// The foreign convention's callee-saved registers are the host's (ebx, esi,
// edi, ebp in every i386 convention), so the handler keeps them; the body
// saves only ebx, which holds the TrampolineTarget across the call, and ebp.
//
// Frame, from esp up: the handler's three arguments (16 bytes), the args
// array, the register-passed values, the result buffer, the sret pointer.
// The caller's stack arguments are at [ebp + 8 + offset].
#include <algorithm>
#include <vector>

#include "emitters.h"
#include "exec_memory.h"
#include "stack_allocation.h"
#include "x86_moves.h"

namespace ctabi::jit {

using namespace ia32;
using abi::PassKind;

Result<GeneratedCode> emit_trampoline_body_x86(const abi::CallLayout& layout) {
    if (auto ok = check_pieces(layout); !ok) return ok.error();

    size_t nargs = 0;
    for (const auto& arg : layout.args)
        if (arg.index != abi::kSretIndex) nargs = std::max(nargs, size_t(arg.index) + 1);
    uint32_t off = 16; // handler(data, result, args)
    const int32_t args_array = int32_t(off);
    off += uint32_t(4 * nargs);
    std::vector<int32_t> value_slot(nargs, -1);
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex || arg.kind == PassKind::indirect) continue;
        bool in_reg = false;
        for (const auto& p : arg.pieces)
            in_reg |= p.loc.is_reg();
        if (!in_reg) continue;
        if (arg.pieces.size() != 1)
            return make_error("argument " + std::to_string(arg.index) +
                              ": split between registers and the stack (no i386 convention "
                              "does that; layout invariant)");
        value_slot[size_t(arg.index)] = int32_t(off);
        off += 4;
    }
    off = align_up(off, 16);
    const int32_t result_slot = int32_t(off);
    off += 16; // up to 10 bytes (st0) or 8 (edx:eax)
    const int32_t sret_slot = int32_t(off);
    off += 4;
    const uint32_t frame = align_up(off, 16);

    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);
    auto at_sp = [](int32_t offset) { return x86::dword_ptr(x86::esp, offset); };
    auto caller_stack = [](int32_t offset) { return x86::ptr(x86::ebp, 8 + offset); };

    a.push(x86::ebp);
    a.mov(x86::ebp, x86::esp);
    a.push(x86::ebx);
    a.mov(x86::ebx, x86::eax);
    allocate_stack(a, x86::esp, x86::eax, frame, 16, 4);

    // 1. The argument addresses (eax is the only scratch register written
    // until ecx and edx have been read).
    for (const auto& arg : layout.args) {
        const abi::Piece& first = arg.pieces.at(0);
        if (arg.index == abi::kSretIndex || arg.kind == PassKind::indirect) {
            // A pointer: the result buffer, or the caller's copy of the value.
            const int32_t dst =
                arg.index == abi::kSretIndex ? sret_slot : args_array + 4 * arg.index;
            if (first.loc.is_reg()) {
                a.mov(at_sp(dst), gp32(first.loc.reg));
            } else {
                a.mov(x86::eax, caller_stack(first.loc.offset).cloneResized(4));
                a.mov(at_sp(dst), x86::eax);
            }
            continue;
        }
        const int32_t ptr_slot = args_array + 4 * arg.index;
        const int32_t slot = value_slot[size_t(arg.index)];
        if (slot < 0) {
            // Wholly on the caller's stack: the handler reads it in place.
            a.lea(x86::eax, caller_stack(first.loc.offset - int32_t(first.offset)));
        } else {
            a.mov(at_sp(slot), gp32(first.loc.reg));
            a.lea(x86::eax, x86::ptr(x86::esp, slot));
        }
        a.mov(at_sp(ptr_slot), x86::eax);
    }

    // 2. handler(data, result, args).
    a.mov(x86::eax, x86::dword_ptr(x86::ebx, int32_t(offsetof(TrampolineTarget, data))));
    a.mov(at_sp(0), x86::eax);
    if (layout.sret()) {
        a.mov(x86::eax, at_sp(sret_slot));
    } else {
        a.lea(x86::eax, x86::ptr(x86::esp, result_slot));
    }
    a.mov(at_sp(4), x86::eax);
    a.lea(x86::eax, x86::ptr(x86::esp, args_array));
    a.mov(at_sp(8), x86::eax);
    a.call(x86::dword_ptr(x86::ebx, int32_t(offsetof(TrampolineTarget, handler))));

    // 3. The result, widened as the layout says (a narrow integer result is
    // extended by the callee; see classify_i386).
    if (layout.result.kind == abi::ResultLayout::Kind::direct) {
        for (const auto& p : layout.result.pieces) {
            x86::Mem src = x86::ptr(x86::esp, result_slot + int32_t(p.offset));
            if (p.loc.cls == abi::RegClass::x87)
                load_x87(a, src, p.size);
            else
                load_gpr(a, gp32(p.loc.reg), src, p.size, p.extend);
        }
    } else if (layout.result.kind == abi::ResultLayout::Kind::indirect &&
               layout.result.returns_sret_pointer) {
        a.mov(gp32(layout.result.sret_pointer_reg.reg), at_sp(sret_slot));
    }

    a.lea(x86::esp, x86::ptr(x86::ebp, -4));
    a.pop(x86::ebx);
    a.pop(x86::ebp);
    if (layout.callee_pops)
        a.ret(layout.callee_pops);
    else
        a.ret();
    return install(code);
}

} // namespace ctabi::jit
