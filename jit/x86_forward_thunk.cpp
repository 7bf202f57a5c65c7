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
using abi::PassKind;

namespace {

// Values the canonical form passes by pointer (see abi::canonical_signature).
bool by_pointer(const abi::Type& t) {
    return t.is_aggregate() || t.kind == abi::Kind::F80;
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
        if (arg.pieces.size() != 1 || !arg.pieces[0].loc.is_stack() || arg.kind != PassKind::direct)
            return make_error("forward thunk: an i386 canonical argument must be one stack slot");

    asmjit::CodeHolder& code = fresh_code_holder();
    x86::Assembler a(&code);
    // Canonical argument k, as the caller left it.
    auto incoming = [&](size_t k) {
        return x86::ptr(x86::ebp, 8 + canonical.args.at(k).pieces[0].loc.offset);
    };
    // Where target argument `arg`'s bytes are (loading edi when behind a pointer).
    auto value_of = [&](const abi::ArgLayout& arg) {
        const size_t k = size_t(arg.index) + shift;
        if (!by_pointer(sig.args.at(size_t(arg.index)))) return incoming(k);
        a.mov(x86::edi, incoming(k).cloneResized(4));
        return x86::ptr(x86::edi);
    };

    const uint32_t align = std::max(target_layout.stack_align, 16u);
    const uint32_t frame = align_up(x64::outgoing_area(target_layout), align);
    a.push(x86::ebp);
    a.mov(x86::ebp, x86::esp);
    a.push(x86::esi);
    a.push(x86::edi);
    if (frame) a.sub(x86::esp, frame);
    a.and_(x86::esp, -int32_t(align));

    // Memory first (eax and edx as scratch).
    for (const auto& arg : target_layout.args) {
        if (arg.index == abi::kSretIndex) {
            // The target writes its result straight into the canonical buffer.
            for (const auto& p : arg.pieces)
                if (p.loc.is_stack()) {
                    a.mov(x86::eax, incoming(0).cloneResized(4));
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
    // Then the registers.
    for (const auto& arg : target_layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_reg()) a.mov(gp32(p.loc.reg), incoming(0).cloneResized(4));
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

    a.mov(x86::eax, asmjit::imm(reinterpret_cast<uintptr_t>(target)));
    a.call(x86::eax);

    const auto& result = target_layout.result;
    if (result.kind == abi::ResultLayout::Kind::direct && result_by_pointer) {
        // A register-returned aggregate (Windows) or long double: stored
        // through the canonical result pointer.
        a.mov(x86::ecx, incoming(0).cloneResized(4));
        for (const auto& p : result.pieces) {
            x86::Mem dst = x86::ptr(x86::ecx, int32_t(p.offset));
            if (p.loc.cls == abi::RegClass::x87)
                store_x87(a, dst, p.size);
            else
                store_gpr(a, dst, gp32(p.loc.reg), p.size);
        }
    } else if (result.kind == abi::ResultLayout::Kind::direct) {
        // Scalars come back where the canonical caller looks for them too;
        // only the canonical layout's widening of a narrow integer is added.
        if (canonical.result.pieces.size() != result.pieces.size())
            return make_error("forward thunk: the canonical result does not match the target's");
        for (size_t k = 0; k < result.pieces.size(); ++k) {
            const abi::Piece& want = canonical.result.pieces[k];
            if (!(want.loc == result.pieces[k].loc))
                return make_error("forward thunk: the canonical result is not where the target "
                                  "returns it");
            if (want.extend != abi::Extend::none && want.size < 4 &&
                want.loc.cls == abi::RegClass::gpr) {
                x86::Gp r = gp32(want.loc.reg);
                x86::Gp part = want.size == 1 ? x86::Gp(r.r8Lo()) : x86::Gp(r.r16());
                if (want.extend == abi::Extend::sign32)
                    a.movsx(r, part);
                else
                    a.movzx(r, part);
            }
        }
    }
    a.lea(x86::esp, x86::ptr(x86::ebp, -8));
    a.pop(x86::edi);
    a.pop(x86::esi);
    a.pop(x86::ebp);
    if (canonical.callee_pops)
        a.ret(canonical.callee_pops);
    else
        a.ret();
    return install(code);
}

} // namespace ctabi::jit
