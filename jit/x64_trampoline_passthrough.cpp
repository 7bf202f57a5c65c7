// The pass-through trampoline body: for a handler compiled in the foreign
// convention itself, taking the foreign arguments plus one more, last
// pointer argument (the callback's data). Appending an argument moves none
// of the others (every x86-64 classifier assigns left to right), so when the
// two layouts agree on every argument and the result, the body only has to
// put the data pointer where the handler expects it:
//   - in a register, with no new stack bytes:  mov reg, [r10+8]; jmp [r10]
//     (a tail jump: the handler returns straight to the foreign caller and
//     keeps the callee-saved registers itself, being of the same convention);
//   - on the stack: a new frame that repeats the caller's stack arguments at
//     the same offsets, the pointer after them, then call and return.
// Nothing here knows a convention's rules: it compares the two layouts.
#include "emitters.h"
#include "exec_memory.h"
#include "stack_allocation.h"
#include "x64_frame.h"
#include "x64_moves.h"

namespace ctabi::jit {

using namespace x64;

namespace {

Error not_applicable(const std::string& why) {
    return Error{"no pass-through trampoline: " + why};
}

// Where the callee finds the argument. An indirect argument's copy is made
// by the caller in its own frame; the callee sees only the pointer (the
// piece), so where the copy sits (copy_offset, which an appended argument
// can shift) does not matter here.
bool same_for_the_callee(const abi::ArgLayout& a, const abi::ArgLayout& b) {
    return a.index == b.index && a.kind == b.kind && a.pieces == b.pieces;
}

} // namespace

Result<GeneratedCode> emit_trampoline_passthrough_x64(const abi::CallLayout& layout,
                                                      const abi::CallLayout& extended,
                                                      int* data_register) {
    if (data_register) *data_register = -1;
    if (layout.arch != abi::Arch::x86_64 || extended.arch != abi::Arch::x86_64)
        return not_applicable("not x86-64");
    if (layout.conv != extended.conv || extended.args.size() != layout.args.size() + 1)
        return not_applicable("the layouts are not of one signature and its extension");
    for (size_t i = 0; i < layout.args.size(); ++i)
        if (!same_for_the_callee(layout.args[i], extended.args[i]))
            return not_applicable("argument " + std::to_string(layout.args[i].index) + " moves");
    if (!(layout.result == extended.result)) return not_applicable("the result moves");
    if (layout.vector_count >= 0 || extended.vector_count >= 0) return not_applicable("variadic");
    if (layout.callee_pops || extended.callee_pops)
        return not_applicable("callee-popped arguments");

    const abi::ArgLayout& data_arg = extended.args.back();
    if (data_arg.kind != abi::PassKind::direct || data_arg.pieces.size() != 1)
        return not_applicable("the data pointer is not one piece");
    const abi::Piece& data = data_arg.pieces[0];
    const auto data_field = int32_t(offsetof(TrampolineTarget, data));
    const auto handler_field = int32_t(offsetof(TrampolineTarget, handler));

    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);
    if (data.loc.is_reg() && extended.stack_size == layout.stack_size) {
        if (data_register) *data_register = data.loc.reg;
        a.mov(gp64(data.loc.reg), x86::qword_ptr(x86::r10, data_field));
        a.jmp(x86::qword_ptr(x86::r10, handler_field));
        return install(code);
    }

    // A frame repeating the stack arguments.
    if (extended.stack_align > 16)
        return not_applicable("a stack argument needs more than 16-byte alignment");
    // Both conventions call with rsp 16-byte aligned; the frame keeps it so. Only rax and r11 are
    // used: they are scratch in both conventions (xmm15, copy_bytes' scratch, is callee-saved under
    // Win64).
    const uint32_t frame = frame_size(extended.stack_size, 0, 16);
    allocate_stack(a, x86::rsp, x86::r11, frame);
    const int32_t caller = int32_t(frame) + 8; // rsp at the foreign call, from here
    for (uint32_t off = layout.shadow_space; off < layout.stack_size; off += 8) {
        a.mov(x86::rax, x86::qword_ptr(x86::rsp, caller + int32_t(off)));
        a.mov(x86::qword_ptr(x86::rsp, int32_t(off)), x86::rax);
    }
    if (data.loc.is_reg()) {
        a.mov(gp64(data.loc.reg), x86::qword_ptr(x86::r10, data_field));
    } else {
        a.mov(x86::rax, x86::qword_ptr(x86::r10, data_field));
        a.mov(x86::qword_ptr(x86::rsp, data.loc.offset), x86::rax);
    }
    a.call(x86::qword_ptr(x86::r10, handler_field));
    a.add(x86::rsp, frame);
    a.ret();
    return install(code);
}

} // namespace ctabi::jit
