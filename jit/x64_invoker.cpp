// The invoker: reads each argument through args[i], puts its pieces where the
// layout says, calls, and stores the result pieces into the result buffer.
#include <span>

#include "ctabi/jit/emit.h"
#include "exec_memory.h"
#include "x64_frame.h"
#include "x64_moves.h"

namespace ctabi::jit {

using namespace x64;
using abi::PassKind;

Result<GeneratedCode> emit_invoker(const abi::CallLayout& layout, const void* target) {
    if (layout.arch != abi::Arch::x86_64)
        return make_error(std::string(abi::conv_name(layout.conv)) +
                          ": i386 code cannot be called from an x86-64 process");
    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);

    // rbx: result buffer, r12: argument pointer array, r13: target (unbound
    // form only). A frame pointer only when the call needs more than the
    // 16-byte alignment the entry guarantees.
    const x86::Gp result = x86::rbx, args = x86::r12, target_reg = x86::r13;
    const bool use_rbp = layout.stack_align > 16;
    const x86::Gp saved_regs[] = {x86::rbx, x86::r12, x86::r13};
    const std::span<const x86::Gp> saved(saved_regs, target ? 2 : 3);
    if (use_rbp) {
        a.push(x86::rbp);
        a.mov(x86::rbp, x86::rsp);
    }
    for (const auto& r : saved)
        a.push(r);
    uint32_t pushes = uint32_t(saved.size()) + (use_rbp ? 1 : 0);
    uint32_t frame = frame_size(outgoing_area(layout), pushes, std::min(layout.stack_align, 16u));
    if (frame) a.sub(x86::rsp, frame);
    // Entry guarantees 16; a stricter alignment is made here (rbp restores rsp).
    if (use_rbp) a.and_(x86::rsp, -int32_t(layout.stack_align));
    if (target) {
        a.mov(result, x86::rdi);
        a.mov(args, x86::rsi);
    } else {
        a.mov(target_reg, x86::rdi);
        a.mov(result, x86::rsi);
        a.mov(args, x86::rdx);
    }

    auto arg_pointer = [&](const abi::ArgLayout& arg) {
        a.mov(x86::r10, x86::ptr(args, int32_t(8 * arg.index)));
        return x86::ptr(x86::r10);
    };
    auto at_sp = [](int32_t offset) { return x86::ptr(x86::rsp, offset); };

    // Memory first: stack pieces and copies (they clobber only rax, r10,
    // r11 and xmm15, never an argument register).
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_stack()) a.mov(at_sp(p.loc.offset), result);
            continue;
        }
        bool any_stack = arg.kind == PassKind::indirect;
        for (const auto& p : arg.pieces)
            any_stack |= p.loc.is_stack();
        if (!any_stack) continue;
        x86::Mem value = arg_pointer(arg);
        if (arg.kind == PassKind::indirect) {
            copy_bytes(a, at_sp(arg.copy_offset), value, arg.copy_size);
            const auto& p = arg.pieces.at(0);
            if (p.loc.is_stack()) {
                a.lea(x86::rax, at_sp(arg.copy_offset));
                a.mov(at_sp(p.loc.offset), x86::rax);
            }
            continue;
        }
        for (const auto& p : arg.pieces) {
            if (!p.loc.is_stack()) continue;
            if (p.extend != abi::Extend::none) {
                load_gpr(a, abi::gpr::ax, value.cloneAdjusted(p.offset), p.size, p.extend);
                a.mov(x86::dword_ptr(x86::rsp, p.loc.offset), x86::eax);
            } else {
                copy_bytes(a, at_sp(p.loc.offset), value.cloneAdjusted(p.offset), p.size);
            }
        }
    }
    // Then the registers.
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_reg()) a.mov(gp64(p.loc.reg), result);
            continue;
        }
        bool any_reg = false;
        for (const auto& p : arg.pieces)
            any_reg |= p.loc.is_reg();
        if (!any_reg) continue;
        if (arg.kind == PassKind::indirect) {
            a.lea(gp64(arg.pieces.at(0).loc.reg), at_sp(arg.copy_offset));
            continue;
        }
        x86::Mem value = arg_pointer(arg);
        for (const auto& p : arg.pieces)
            if (p.loc.is_reg())
                load_piece(a, p.loc, value.cloneAdjusted(p.offset), p.size, p.extend);
    }
    if (layout.vector_count >= 0) a.mov(x86::eax, layout.vector_count);

    if (target) {
        a.mov(x86::r11, reinterpret_cast<uint64_t>(target));
        a.call(x86::r11);
    } else {
        a.call(target_reg);
    }

    if (layout.result.kind == abi::ResultLayout::Kind::direct)
        for (const auto& p : layout.result.pieces)
            store_piece(a, x86::ptr(result, int32_t(p.offset)), p.loc, p.size);

    if (use_rbp)
        a.lea(x86::rsp, x86::ptr(x86::rbp, -8 * int32_t(saved.size())));
    else if (frame)
        a.add(x86::rsp, frame);
    for (auto r = saved.rbegin(); r != saved.rend(); ++r)
        a.pop(*r);
    if (use_rbp) a.pop(x86::rbp);
    a.ret();
    return install(code);
}

} // namespace ctabi::jit
