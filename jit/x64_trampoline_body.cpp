// The reverse trampoline body: the callee's side of a CallLayout. Entered
// from a callback's stub with r10 pointing at its TrampolineTarget, it
//   1. saves what the foreign caller expects kept but the host-native
//      handler may clobber (Win64 under a System V host: rdi, rsi, xmm6-15);
//   2. gives every argument an address: its copy in the frame when registers
//      carried it, the caller's own stack bytes when it came wholly on the
//      stack, the caller's copy when it came by reference;
//   3. calls handler(data, result, args) on a 16-byte aligned stack;
//   4. returns the result where the layout says the caller finds it.
//
// Frame, from rsp up: the args array, the frame copies of register-passed
// arguments, the result buffer, the sret pointer, the xmm save area. rbp
// points at the saved rbp, so the caller's stack arguments are at
// [rbp + 16 + offset] (the layout's offsets count from rsp at the call).
// Scratch: rax, r11 and xmm15 (none carries an argument; xmm15 is saved
// first when the foreign convention preserves it).
#include <algorithm>
#include <vector>

#include "ctabi/abi/classify.h"
#include "emitters.h"
#include "exec_memory.h"
#include "stack_allocation.h"
#include "x64_frame.h"
#include "x64_moves.h"

namespace ctabi::jit {

using namespace x64;
using abi::PassKind;

namespace {

// One past the last byte of a value carried in `pieces`.
uint32_t value_end(const abi::Pieces& pieces) {
    uint32_t end = 0;
    for (const auto& p : pieces)
        end = std::max(end, p.offset + p.size);
    return end;
}

// True when every piece is on the caller's stack at one displacement from
// the value (so the value's bytes lie there in order): the handler can read
// them in place.
bool wholly_on_stack(const abi::ArgLayout& arg) {
    for (const auto& p : arg.pieces)
        if (!p.loc.is_stack() || p.loc.offset - int32_t(p.offset) !=
                                     arg.pieces[0].loc.offset - int32_t(arg.pieces[0].offset))
            return false;
    return !arg.pieces.empty();
}

bool plain_size(const abi::Location& loc, uint32_t size) {
    if (loc.cls == abi::RegClass::xmm) return size == 4 || size == 8;
    if (loc.cls == abi::RegClass::x87) return true;
    return size == 1 || size == 2 || size == 4 || size == 8;
}

} // namespace

Result<GeneratedCode> emit_trampoline_body_x64(const abi::CallLayout& layout) {

    // 1. What to save: kept by the foreign convention, not by the handler's.
    const abi::RegisterSet foreign = abi::callee_saved(layout.conv);
    // The handler is x86-64 code of the host's convention (System V when a
    // listing shows x86-64 code from an i386 process).
    const abi::CallConv handler_conv = abi::conv_arch(abi::host_conv()) == abi::Arch::x86_64
                                           ? abi::host_conv()
                                           : abi::CallConv::sysv64;
    const abi::RegisterSet native = abi::callee_saved(handler_conv);
    std::vector<uint8_t> saved_gprs, saved_xmms;
    for (uint8_t r = 0; r < 16; ++r) {
        if (r != abi::gpr::sp && r != abi::gpr::bp && foreign.has_gpr(r) && !native.has_gpr(r))
            saved_gprs.push_back(r);
        if (foreign.has_xmm(r) && !native.has_xmm(r)) saved_xmms.push_back(r);
    }

    // The frame.
    size_t nargs = 0;
    for (const auto& arg : layout.args)
        if (arg.index != abi::kSretIndex) nargs = std::max(nargs, size_t(arg.index) + 1);
    uint32_t off = align_up(uint32_t(8 * nargs), 16);
    std::vector<int32_t> value_slot(nargs, -1);
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex || arg.kind == PassKind::indirect || wholly_on_stack(arg))
            continue;
        // Register-passed values are at most 16 bytes, 16-aligned at most
        // (larger or more aligned ones travel in memory in both conventions).
        if (value_end(arg.pieces) > 64)
            return make_error("argument " + std::to_string(arg.index) +
                              ": a register-passed value larger than 64 bytes (layout invariant)");
        value_slot[size_t(arg.index)] = int32_t(off);
        off += align_up(std::max(value_end(arg.pieces), 1u), 16);
    }
    const int32_t result_slot = int32_t(off);
    if (layout.result.kind == abi::ResultLayout::Kind::direct)
        off += align_up(value_end(layout.result.pieces), 16);
    const int32_t sret_slot = int32_t(off);
    off += 16;
    const int32_t xmm_save = int32_t(off);
    off += uint32_t(16 * saved_xmms.size());
    const uint32_t pushes = 1 + uint32_t(saved_gprs.size()); // rbp, then saved_gprs
    const uint32_t frame = frame_size(off, pushes, 16);

    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);
    auto at_sp = [](int32_t offset) { return x86::ptr(x86::rsp, offset); };
    auto caller_stack = [](int32_t offset) { return x86::ptr(x86::rbp, 16 + offset); };

    a.push(x86::rbp);
    a.mov(x86::rbp, x86::rsp);
    for (uint8_t r : saved_gprs)
        a.push(gp64(r));
    // Both x86-64 conventions call with rsp 16-byte aligned, so the frame
    // keeps it aligned for the handler without an `and`.
    allocate_stack(a, x86::rsp, x86::r11, frame);
    for (size_t k = 0; k < saved_xmms.size(); ++k)
        a.movaps(x86::xmmword_ptr(x86::rsp, xmm_save + int32_t(16 * k)), x86::xmm(saved_xmms[k]));

    // 2. The argument addresses. Only rax, r11 and xmm15 are written until
    // every argument register has been read.
    for (const auto& arg : layout.args) {
        const abi::Piece& first = arg.pieces.at(0);
        if (arg.index == abi::kSretIndex || arg.kind == PassKind::indirect) {
            // A pointer: the result buffer, or the caller's copy of the value.
            const int32_t dst = arg.index == abi::kSretIndex ? sret_slot : 8 * arg.index;
            if (first.loc.is_reg()) {
                a.mov(at_sp(dst), gp64(first.loc.reg));
            } else {
                a.mov(x86::rax, caller_stack(first.loc.offset));
                a.mov(at_sp(dst), x86::rax);
            }
            continue;
        }
        const int32_t ptr_slot = 8 * arg.index;
        if (wholly_on_stack(arg)) {
            a.lea(x86::rax, caller_stack(first.loc.offset - int32_t(first.offset)));
            a.mov(at_sp(ptr_slot), x86::rax);
            continue;
        }
        const int32_t slot = value_slot[size_t(arg.index)];
        for (const auto& p : arg.pieces) {
            x86::Mem dst = at_sp(slot + int32_t(p.offset));
            if (p.loc.is_reg())
                store_piece(a, dst, p.loc, p.size);
            else
                copy_bytes(a, dst, caller_stack(p.loc.offset), p.size);
        }
        a.lea(x86::rax, at_sp(slot));
        a.mov(at_sp(ptr_slot), x86::rax);
    }

    // 3. handler(data, result, args).
    a.mov(x86::rdi, x86::qword_ptr(x86::r10, int32_t(offsetof(TrampolineTarget, data))));
    if (layout.sret())
        a.mov(x86::rsi, at_sp(sret_slot));
    else
        a.lea(x86::rsi, at_sp(result_slot));
    a.mov(x86::rdx, x86::rsp);
    a.call(x86::qword_ptr(x86::r10, int32_t(offsetof(TrampolineTarget, handler))));

    // 4. The result. The buffer is padded to 16 bytes, so an odd-sized piece
    // loads its whole eightbyte (the bytes past the value are padding, which
    // the conventions leave undefined) and every load is one instruction.
    // Narrow integers are not widened: System V and Win64 callers extend
    // al/ax themselves (see classify_sysv64).
    if (layout.result.kind == abi::ResultLayout::Kind::direct) {
        for (const auto& p : layout.result.pieces) {
            uint32_t size = plain_size(p.loc, p.size) ? p.size : 8;
            load_piece(a, p.loc, at_sp(result_slot + int32_t(p.offset)), size, abi::Extend::none);
        }
    } else if (layout.result.kind == abi::ResultLayout::Kind::indirect &&
               layout.result.returns_sret_pointer) {
        a.mov(gp64(layout.result.sret_pointer_reg.reg), at_sp(sret_slot));
    }

    for (size_t k = 0; k < saved_xmms.size(); ++k)
        a.movaps(x86::xmm(saved_xmms[k]), x86::xmmword_ptr(x86::rsp, xmm_save + int32_t(16 * k)));
    a.lea(x86::rsp, x86::ptr(x86::rbp, -int32_t(8 * saved_gprs.size())));
    for (auto r = saved_gprs.rbegin(); r != saved_gprs.rend(); ++r)
        a.pop(gp64(*r));
    a.pop(x86::rbp);
    if (layout.callee_pops)
        a.ret(layout.callee_pops);
    else
        a.ret();
    return install(code);
}

} // namespace ctabi::jit
