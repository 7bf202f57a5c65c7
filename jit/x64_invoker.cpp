// The invoker: reads each argument (through args[i], or from a packed
// buffer), puts its pieces where the layout says, calls, and stores the
// result pieces into the result buffer.
//
// It saves no callee-saved register: the result pointer (and, unbound, the
// target) live in frame slots, the argument array (or the packed argument
// buffer) in r10 and the argument being read in r11, neither of which
// carries an argument in any x86-64 convention.
#include "emitters.h"
#include "exec_memory.h"
#include "stack_allocation.h"
#include "x64_frame.h"
#include "x64_moves.h"

namespace ctabi::jit {

using namespace x64;
using abi::PassKind;

namespace {

bool plain_gpr_size(uint32_t size) {
    return size == 1 || size == 2 || size == 4 || size == 8;
}
bool plain_xmm_size(uint32_t size) {
    return size == 4 || size == 8;
}

} // namespace

Result<GeneratedCode> emit_invoker_x64(const abi::CallLayout& layout, const void* target,
                                       const abi::ArgumentBuffer* packed) {
    if (packed && !target) return make_error("a packed invoker needs a target");
    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);

    // Frame, from rsp up: outgoing arguments and copies, then the slots.
    const int32_t result_slot = int32_t(align_up(outgoing_area(layout), 8));
    const int32_t target_slot = result_slot + 8;
    const int32_t scratch_slot = target_slot + 8; // odd-sized register pieces
    const bool use_rbp = layout.stack_align > 16;
    const uint32_t frame =
        frame_size(uint32_t(scratch_slot + 8), use_rbp ? 1 : 0, std::min(layout.stack_align, 16u));
    if (use_rbp) {
        a.push(x86::rbp);
        a.mov(x86::rbp, x86::rsp);
    }
    // Entry guarantees 16; a stricter alignment is made here (rbp restores rsp).
    allocate_stack(a, x86::rsp, x86::r11, frame, use_rbp ? layout.stack_align : 0, 16);

    auto at_sp = [](int32_t offset) { return x86::ptr(x86::rsp, offset); };
    const x86::Gp args = x86::r10;
    if (target) {
        a.mov(at_sp(result_slot), x86::rdi);
        a.mov(args, x86::rsi);
    } else {
        a.mov(at_sp(target_slot), x86::rdi);
        a.mov(at_sp(result_slot), x86::rsi);
        a.mov(args, x86::rdx);
    }
    // Where argument i's value is: inside the packed buffer, or behind args[i].
    auto arg_pointer = [&](const abi::ArgLayout& arg) {
        if (packed) return x86::ptr(args, int32_t(packed->offsets.at(size_t(arg.index))));
        a.mov(x86::r11, x86::ptr(args, int32_t(8 * arg.index)));
        return x86::ptr(x86::r11);
    };

    // Memory first: stack pieces and copies (they clobber only rax, r11 and
    // xmm15, never an argument register).
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_stack()) {
                    a.mov(x86::rax, at_sp(result_slot));
                    a.mov(at_sp(p.loc.offset), x86::rax);
                }
            continue;
        }
        bool any_stack = arg.kind == PassKind::indirect;
        for (const auto& p : arg.pieces)
            any_stack |= p.loc.is_stack();
        if (!any_stack) continue;
        x86::Mem value = arg_pointer(arg);
        if (arg.kind == PassKind::indirect) {
            copy_indirect_argument(a, arg, value);
            continue;
        }
        for (const auto& p : arg.pieces)
            if (p.loc.is_stack()) store_stack_piece(a, p, value.cloneAdjusted(p.offset));
    }
    // Then the registers.
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_reg()) a.mov(gp64(p.loc.reg), at_sp(result_slot));
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
        for (const auto& p : arg.pieces) {
            if (!p.loc.is_reg()) continue;
            bool plain =
                p.loc.cls == abi::RegClass::xmm ? plain_xmm_size(p.size) : plain_gpr_size(p.size);
            if (plain) {
                load_piece(a, p.loc, value.cloneAdjusted(p.offset), p.size, p.extend);
            } else {
                // An odd-sized part of an aggregate: bounce it through the
                // scratch slot and load all eight bytes (the bytes past the
                // value are padding, whose bits the convention leaves undefined).
                copy_bytes(a, at_sp(scratch_slot), value.cloneAdjusted(p.offset), p.size);
                load_piece(a, p.loc, at_sp(scratch_slot), 8, abi::Extend::none);
            }
        }
    }
    if (layout.vector_count >= 0) a.mov(x86::eax, layout.vector_count);

    asmjit::Label literal = a.newLabel();
    if (target)
        a.call(x86::qword_ptr(literal));
    else
        a.call(x86::qword_ptr(x86::rsp, target_slot));

    if (layout.result.kind == abi::ResultLayout::Kind::direct) {
        // rcx is free after the call: no convention returns anything in it.
        a.mov(x86::rcx, at_sp(result_slot));
        for (const auto& p : layout.result.pieces)
            store_piece(a, x86::ptr(x86::rcx, int32_t(p.offset)), p.loc, p.size);
    }
    if (use_rbp) {
        a.mov(x86::rsp, x86::rbp);
        a.pop(x86::rbp);
    } else {
        a.add(x86::rsp, frame);
    }
    a.ret();
    if (target) {
        a.align(asmjit::AlignMode::kData, 8);
        a.bind(literal);
        a.embedUInt64(reinterpret_cast<uint64_t>(target));
    }
    return install(code);
}

} // namespace ctabi::jit
