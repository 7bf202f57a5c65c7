// The x86-32 invoker: reads each argument (through args[i], or from a packed
// buffer), puts its pieces where the layout says, calls, and stores the
// result pieces into the result buffer. The host is i386 cdecl, so the
// invoker's own parameters are on the stack:
//   bound / packed: [ebp+8] result, [ebp+12] args (or the packed buffer);
//   unbound:        [ebp+8] target, [ebp+12] result, [ebp+16] args.
//
// esi holds the argument array (or buffer) and edi the argument being read;
// both are callee-saved, so they are pushed. eax and edx are scratch while
// memory is written; register arguments (ecx, edx) are loaded last. ebp
// keeps the frame, so a callee that pops any number of bytes (stdcall,
// fastcall, thiscall, or a Linux callee popping its hidden result pointer)
// leaves the invoker's frame intact: esp is restored from ebp.
#include "emitters.h"
#include "exec_memory.h"
#include "x64_frame.h"
#include "x86_moves.h"

namespace ctabi::jit {

using namespace ia32;
using abi::PassKind;

Result<GeneratedCode> emit_invoker_x86(const abi::CallLayout& layout, const void* target,
                                       const abi::ArgumentBuffer* packed) {
    if (packed && !target) return make_error("a packed invoker needs a target");
    if (auto ok = check_pieces(layout); !ok) return ok.error();
    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);

    const int32_t result_param = target ? 8 : 12;
    const int32_t args_param = target ? 12 : 16;
    const uint32_t align = std::max(layout.stack_align, 16u);
    const uint32_t frame = align_up(x64::outgoing_area(layout), align);

    a.push(x86::ebp);
    a.mov(x86::ebp, x86::esp);
    a.push(x86::esi);
    a.push(x86::edi);
    if (frame) a.sub(x86::esp, frame);
    // The host's own callers keep 16 bytes (Linux) or only 4 (Windows): made here.
    a.and_(x86::esp, -int32_t(align));
    a.mov(x86::esi, x86::dword_ptr(x86::ebp, args_param));

    // Where argument i's value is: inside the packed buffer, or behind args[i]
    // (loaded into edi).
    auto value_of = [&](const abi::ArgLayout& arg) {
        if (packed) return x86::ptr(x86::esi, int32_t(packed->offsets.at(size_t(arg.index))));
        a.mov(x86::edi, x86::dword_ptr(x86::esi, 4 * arg.index));
        return x86::ptr(x86::edi);
    };

    // Memory first: stack pieces and copies (they clobber only eax and edx).
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_stack()) {
                    a.mov(x86::eax, x86::dword_ptr(x86::ebp, result_param));
                    a.mov(x86::dword_ptr(x86::esp, p.loc.offset), x86::eax);
                }
            continue;
        }
        bool any_stack = arg.kind == PassKind::indirect;
        for (const auto& p : arg.pieces)
            any_stack |= p.loc.is_stack();
        if (!any_stack) continue;
        x86::Mem value = value_of(arg);
        if (arg.kind == PassKind::indirect) {
            copy_bytes(a, x86::ptr(x86::esp, arg.copy_offset), value, arg.copy_size);
            const abi::Piece& p = arg.pieces.at(0);
            if (p.loc.is_stack()) {
                a.lea(x86::eax, x86::ptr(x86::esp, arg.copy_offset));
                a.mov(x86::dword_ptr(x86::esp, p.loc.offset), x86::eax);
            }
            continue;
        }
        for (const auto& p : arg.pieces)
            if (p.loc.is_stack()) store_stack_piece(a, p, value.cloneAdjusted(p.offset));
    }
    // Then the registers (the value pointer is in esi or edi, never in one).
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_reg()) a.mov(gp32(p.loc.reg), x86::dword_ptr(x86::ebp, result_param));
            continue;
        }
        bool any_reg = false;
        for (const auto& p : arg.pieces)
            any_reg |= p.loc.is_reg();
        if (!any_reg) continue;
        if (arg.kind == PassKind::indirect) {
            a.lea(gp32(arg.pieces.at(0).loc.reg), x86::ptr(x86::esp, arg.copy_offset));
            continue;
        }
        x86::Mem value = value_of(arg);
        for (const auto& p : arg.pieces)
            if (p.loc.is_reg())
                load_gpr(a, gp32(p.loc.reg), value.cloneAdjusted(p.offset), p.size, p.extend);
    }

    if (target) {
        a.mov(x86::eax, asmjit::imm(reinterpret_cast<uintptr_t>(target)));
        a.call(x86::eax);
    } else {
        a.call(x86::dword_ptr(x86::ebp, 8));
    }

    if (layout.result.kind == abi::ResultLayout::Kind::direct) {
        // ecx is free after the call: no convention returns anything in it.
        a.mov(x86::ecx, x86::dword_ptr(x86::ebp, result_param));
        for (const auto& p : layout.result.pieces) {
            x86::Mem dst = x86::ptr(x86::ecx, int32_t(p.offset));
            if (p.loc.cls == abi::RegClass::x87)
                store_x87(a, dst, p.size);
            else
                store_gpr(a, dst, gp32(p.loc.reg), p.size);
        }
    }
    a.lea(x86::esp, x86::ptr(x86::ebp, -8));
    a.pop(x86::edi);
    a.pop(x86::esi);
    a.pop(x86::ebp);
    a.ret();
    return install(code);
}

} // namespace ctabi::jit
