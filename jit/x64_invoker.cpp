// The invoker: reads each argument through args[i], puts its pieces where the
// layout says, calls, and stores the result pieces into the result buffer.
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
    asmjit::CodeHolder code;
    code.init(host_environment());
    x86::Assembler a(&code);

    // rbx: target, r12: result buffer, r13: argument pointer array.
    const x86::Gp target_reg = x86::rbx, result = x86::r12, args = x86::r13;
    a.push(x86::rbp);
    a.mov(x86::rbp, x86::rsp);
    a.push(x86::rbx);
    a.push(x86::r12);
    a.push(x86::r13);
    constexpr uint32_t kPushes = 4;
    uint32_t frame = frame_size(outgoing_area(layout), kPushes, layout.stack_align);
    if (frame) a.sub(x86::rsp, frame);
    // Entry guarantees 16; a stricter alignment is made here (rbp restores rsp).
    if (layout.stack_align > 16) a.and_(x86::rsp, -int32_t(layout.stack_align));
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

    a.lea(x86::rsp, x86::ptr(x86::rbp, -8 * int32_t(kPushes - 1)));
    a.pop(x86::r13);
    a.pop(x86::r12);
    a.pop(x86::rbx);
    a.pop(x86::rbp);
    a.ret();
    return install(code);
}

} // namespace ctabi::jit
