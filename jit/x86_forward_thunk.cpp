// The x86-32 forward thunk: entered with the canonical layout (the host's
// i386 cdecl: every argument on the stack), calls the target with its own
// layout. Values are copied from the canonical incoming slots (or from
// behind a canonical pointer, for aggregates and long double) to the
// target's stack slots, then fastcall/thiscall registers are loaded.
//
// Frame: ebp, then esi and edi (callee-saved; edi holds a canonical pointer
// being read). The canonical arguments are at [ebp + 8 + offset]. esp is
// restored from ebp after the call, whatever the target popped.
#include "emitters.h"
#include "exec_memory.h"
#include "x64_frame.h"
#include "x86_moves.h"

namespace ctabi::jit {

using namespace ia32;

namespace {

// Values the canonical form passes by pointer (see abi::canonical_signature).
bool by_pointer(const abi::Type& t) {
    return t.is_aggregate() || t.kind == abi::Kind::F80;
}

// The canonical caller finds a scalar result where the target returns it
// (the same type under i386 rules); only the canonical layout's widening of
// a narrow integer may need adding.
Result<Ok> widen_result(x86::Assembler& a, const abi::ResultLayout& target,
                        const abi::ResultLayout& canonical) {
    if (canonical.pieces.size() != target.pieces.size())
        return make_error("forward thunk: the canonical result does not match the target's");
    for (size_t k = 0; k < target.pieces.size(); ++k) {
        const abi::Piece& want = canonical.pieces[k];
        if (!(want.loc == target.pieces[k].loc))
            return make_error("forward thunk: the canonical result is not where the target "
                              "returns it");
        if (want.extend == abi::Extend::none || want.size >= 4 ||
            want.loc.cls != abi::RegClass::gpr)
            continue;
        x86::Gp r = gp32(want.loc.reg);
        x86::Gp part = want.size == 1 ? x86::Gp(r.r8Lo()) : x86::Gp(r.r16());
        if (want.extend == abi::Extend::sign32)
            a.movsx(r, part);
        else
            a.movzx(r, part);
    }
    return Ok{};
}

} // namespace

Result<GeneratedCode> emit_forward_thunk_x86(const abi::Signature& sig,
                                             const abi::CallLayout& target_layout,
                                             const abi::CallLayout& canonical, const void* target) {
    if (auto ok = check_pieces(target_layout); !ok) return ok.error();
    if (auto ok = check_pieces(canonical); !ok) return ok.error();
    const bool result_by_pointer = by_pointer(sig.result);
    const size_t shift = result_by_pointer ? 1 : 0;
    if (canonical.args.size() != sig.args.size() + shift)
        return make_error("forward thunk: the canonical layout does not match the signature");
    for (const auto& arg : canonical.args)
        if (arg.pieces.size() != 1 || !arg.pieces[0].loc.is_stack() ||
            arg.kind != abi::PassKind::direct)
            return make_error("forward thunk: an i386 canonical argument must be one stack slot");

    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);
    // Canonical argument k, as the caller left it.
    auto incoming = [&](size_t k) {
        return x86::ptr(x86::ebp, 8 + canonical.args.at(k).pieces[0].loc.offset);
    };
    enter_call_frame(a, x64::outgoing_area(target_layout),
                     std::max(target_layout.stack_align, 16u));
    // The target writes an indirect result straight into the canonical buffer.
    place_arguments(
        a, target_layout,
        [&](const abi::ArgLayout& arg) {
            const size_t k = size_t(arg.index) + shift;
            if (!by_pointer(sig.args.at(size_t(arg.index)))) return incoming(k);
            a.mov(x86::edi, incoming(k).cloneResized(4));
            return x86::ptr(x86::edi);
        },
        shift ? incoming(0) : x86::Mem());
    a.mov(x86::eax, asmjit::imm(reinterpret_cast<uintptr_t>(target)));
    a.call(x86::eax);

    const auto& result = target_layout.result;
    if (result.kind == abi::ResultLayout::Kind::direct && result_by_pointer) {
        // A register-returned aggregate (Windows) or long double: stored
        // through the canonical result pointer.
        a.mov(x86::ecx, incoming(0).cloneResized(4));
        store_result(a, result.pieces, x86::ecx);
    } else if (result.kind == abi::ResultLayout::Kind::direct) {
        if (auto ok = widen_result(a, result, canonical.result); !ok) return ok.error();
    }
    leave_call_frame(a, canonical.callee_pops);
    return install(code);
}

} // namespace ctabi::jit
