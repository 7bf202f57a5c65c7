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

Result<GeneratedCode> emit_invoker_x86(const abi::CallLayout& layout, const void* target,
                                       const abi::ArgumentBuffer* packed) {
    if (packed && !target) return make_error("a packed invoker needs a target");
    if (auto ok = check_pieces(layout); !ok) return ok.error();
    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);

    const x86::Mem result = x86::dword_ptr(x86::ebp, target ? 8 : 12);
    const x86::Mem args = x86::dword_ptr(x86::ebp, target ? 12 : 16);
    enter_call_frame(a, x64::outgoing_area(layout), std::max(layout.stack_align, 16u));
    a.mov(x86::esi, args);
    // Where argument i's value is: inside the packed buffer, or behind args[i].
    place_arguments(
        a, layout,
        [&](const abi::ArgLayout& arg) {
            if (packed) return x86::ptr(x86::esi, int32_t(packed->offsets.at(size_t(arg.index))));
            a.mov(x86::edi, x86::dword_ptr(x86::esi, 4 * arg.index));
            return x86::ptr(x86::edi);
        },
        result);

    if (target) {
        a.mov(x86::eax, asmjit::imm(reinterpret_cast<uintptr_t>(target)));
        a.call(x86::eax);
    } else {
        a.call(x86::dword_ptr(x86::ebp, 8));
    }
    if (layout.result.kind == abi::ResultLayout::Kind::direct) {
        // ecx is free after the call: no convention returns anything in it.
        a.mov(x86::ecx, result);
        store_result(a, layout.result.pieces, x86::ecx);
    }
    leave_call_frame(a, 0);
    return install(code);
}

} // namespace ctabi::jit
