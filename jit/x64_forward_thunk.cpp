// The forward thunk: entered with the canonical (host-native) layout, calls
// the target with its own layout. Values move from the canonical locations
// (registers, incoming stack slots, or behind a canonical pointer for
// aggregates) to the target's. Register-to-register shuffles are resolved as
// a parallel move, spilling only to break a cycle.
#include <algorithm>
#include <optional>
#include <vector>

#include "emitters.h"
#include "exec_memory.h"
#include "stack_allocation.h"
#include "x64_frame.h"
#include "x64_moves.h"

namespace ctabi::jit {

using namespace x64;
using abi::Location;
using abi::PassKind;
using abi::RegClass;

namespace {

// A register as one number: gpr 0..15, xmm 16..31.
int reg_key(const Location& loc) {
    return loc.cls == RegClass::xmm ? 16 + loc.reg : loc.reg;
}

// Where a value (or the pointer to it) is found at thunk entry.
struct Source {
    enum class Kind : uint8_t {
        reg,       // in register `reg` (a key)
        mem,       // at [base + offset] (incoming stack slot or spill slot)
        deref,     // the value's bytes at [register `reg` + offset]
        deref_mem, // a pointer at [base + offset]; the bytes at [pointer + inner]
        rbx,       // the saved canonical result pointer
        copy,      // the address rsp + offset (a caller-made copy)
    } kind = Kind::reg;
    int reg = 0;
    x86::Gp base;
    // mem / deref_mem: the address is an incoming stack argument's, fixed
    // once the frame is known (base and offset are then the entry's).
    bool incoming = false;
    int32_t offset = 0;
    int32_t inner = 0;

    std::optional<int> reads() const {
        if (kind == Kind::reg || kind == Kind::deref) return reg;
        return std::nullopt;
    }
};

struct Move {
    Location dst; // a register
    Source src;
    uint32_t size = 8;
    abi::Extend extend = abi::Extend::none;
};

x86::Gp gpr_of(int key) {
    return x86::gpq(uint32_t(key));
}
x86::Xmm xmm_of(int key) {
    return x86::xmm(uint32_t(key - 16));
}

class ThunkEmitter {
public:
    ThunkEmitter(const abi::Signature& sig, const abi::CallLayout& target,
                 const abi::CallLayout& canonical)
        : sig_(sig), target_(target), canonical_(canonical) {}

    Result<GeneratedCode> emit(const void* target_address) {
        asmjit::CodeHolder& code = fresh_code_holder();
        x86::Assembler a(&code);
        a_ = &a;

        result_by_pointer_ = sig_.result.is_aggregate() || sig_.result.kind == abi::Kind::F80;
        shift_ = result_by_pointer_ ? 1 : 0;

        // Frame: rbx saved only to keep the canonical result pointer across
        // the call; rbp only when the call needs more than 16-byte alignment.
        // Below: the outgoing area, then the spill slots the register
        // shuffle needs (planned before anything is emitted).
        const bool use_rbp = target_.stack_align > 16;
        const uint32_t pushes = (use_rbp ? 1 : 0) + (result_by_pointer_ ? 1 : 0);
        spill_base_ = int32_t(align_up(outgoing_area(target_), 8));
        std::vector<Move> moves = collect_moves();
        int spills = resolve(moves, /*emit=*/false);
        uint32_t frame = frame_size(uint32_t(spill_base_) + 8 * uint32_t(spills), pushes,
                                    std::min(target_.stack_align, 16u));
        // Incoming stack arguments, above the return address.
        if (use_rbp) {
            in_base_ = x86::rbp;
            in_bias_ = 16;
        } else {
            in_base_ = x86::rsp;
            in_bias_ = int32_t(frame + 8 * pushes + 8);
        }
        if (use_rbp) {
            a.push(x86::rbp);
            a.mov(x86::rbp, x86::rsp);
        }
        if (result_by_pointer_) a.push(x86::rbx);
        // Entry guarantees 16; a stricter alignment is made here (rbp restores rsp).
        allocate_stack(a, x86::rsp, x86::r11, frame, use_rbp ? target_.stack_align : 0, 16);
        if (result_by_pointer_) load_pointer_to(x86::rbx, canonical_source(0));

        emit_memory_pieces();
        resolve(std::move(moves), /*emit=*/true);
        if (target_.vector_count >= 0) a.mov(x86::eax, target_.vector_count);
        a.mov(x86::r11, reinterpret_cast<uint64_t>(target_address));
        a.call(x86::r11);
        emit_result();
        if (use_rbp)
            a.lea(x86::rsp, x86::ptr(x86::rbp, result_by_pointer_ ? -8 : 0));
        else if (frame)
            a.add(x86::rsp, frame);
        if (result_by_pointer_) a.pop(x86::rbx);
        if (use_rbp) a.pop(x86::rbp);
        a.ret();
        return install(code);
    }

private:
    // Canonical argument k as found at entry (its single piece).
    Source canonical_source(size_t k) {
        const abi::Piece& p = canonical_.args.at(k).pieces.at(0);
        Source s;
        if (p.loc.is_reg()) {
            s.kind = Source::Kind::reg;
            s.reg = reg_key(p.loc);
        } else {
            // Incoming stack arguments sit above the return address and rbp.
            s.kind = Source::Kind::mem;
            s.incoming = true;
            s.offset = p.loc.offset;
        }
        return s;
    }

    bool canonical_by_pointer(size_t i) const {
        const abi::Type& t = sig_.args[i];
        return t.is_aggregate() || t.kind == abi::Kind::F80;
    }

    // The source of bytes [offset, ...) of target argument i.
    Source value_source(size_t i, uint32_t offset) {
        Source s = canonical_source(i + shift_);
        if (!canonical_by_pointer(i)) return s; // a scalar, whole
        if (s.kind == Source::Kind::reg) {
            s.kind = Source::Kind::deref;
            s.offset = int32_t(offset);
        } else {
            s.kind = Source::Kind::deref_mem;
            s.inner = int32_t(offset);
        }
        return s;
    }

    // The address of a memory source (incoming stack slot or spill slot).
    x86::Mem address(const Source& s) const {
        if (s.incoming) return x86::ptr(in_base_, in_bias_ + s.offset);
        return x86::ptr(s.base, s.offset);
    }

    void load_pointer_to(x86::Gp dst, const Source& s) {
        if (s.kind == Source::Kind::reg)
            a_->mov(dst, gpr_of(s.reg));
        else
            a_->mov(dst, address(s));
    }

    // Memory operand for the bytes a by-pointer source names (uses r10 for a
    // pointer held in memory).
    x86::Mem bytes_of(const Source& s) {
        switch (s.kind) {
        case Source::Kind::deref: return x86::ptr(gpr_of(s.reg), s.offset);
        case Source::Kind::deref_mem:
            a_->mov(x86::r10, address(s));
            return x86::ptr(x86::r10, s.inner);
        default: return address(s); // mem
        }
    }

    x86::Mem at_sp(int32_t offset) { return x86::ptr(x86::rsp, offset); }

    // Stack pieces and indirect copies of the target call. Only rax, r10,
    // r11 and xmm15 are clobbered, so incoming argument registers are intact.
    void emit_memory_pieces() {
        x86::Assembler& a = *a_;
        for (const auto& arg : target_.args) {
            if (arg.index == abi::kSretIndex) {
                for (const auto& p : arg.pieces)
                    if (p.loc.is_stack()) a.mov(at_sp(p.loc.offset), x86::rbx);
                continue;
            }
            size_t i = size_t(arg.index);
            if (arg.kind == PassKind::indirect) {
                copy_indirect_argument(a, arg, bytes_of(value_source(i, 0)));
                continue;
            }
            for (const auto& p : arg.pieces) {
                if (!p.loc.is_stack()) continue;
                Source s = value_source(i, p.offset);
                x86::Mem dst = at_sp(p.loc.offset);
                if (s.kind == Source::Kind::reg) {
                    if (s.reg >= 16) {
                        store_xmm(a, dst, uint8_t(s.reg - 16), p.size);
                    } else if (p.extend != abi::Extend::none) {
                        extend_reg(abi::gpr::ax, s.reg, p.size, p.extend);
                        a.mov(x86::dword_ptr(x86::rsp, p.loc.offset), x86::eax);
                    } else {
                        store_gpr(a, dst, uint8_t(s.reg), p.size);
                    }
                } else {
                    store_stack_piece(a, p, bytes_of(s));
                }
            }
        }
    }

    void extend_reg(uint8_t dst, int src, uint32_t size, abi::Extend extend) {
        x86::Gp from =
            size == 1 ? x86::Gp(x86::gpb_lo(uint32_t(src))) : x86::Gp(x86::gpw(uint32_t(src)));
        if (extend == abi::Extend::sign32)
            a_->movsx(x86::gpd(dst), from);
        else
            a_->movzx(x86::gpd(dst), from);
    }

    // The register pieces of the target call, as moves from their sources.
    std::vector<Move> collect_moves() {
        std::vector<Move> moves;
        moves.reserve(2 * target_.args.size());
        for (const auto& arg : target_.args) {
            for (const auto& p : arg.pieces) {
                if (!p.loc.is_reg()) continue;
                Move m{p.loc, {}, p.size, p.extend};
                if (arg.index == abi::kSretIndex) {
                    m.src.kind = Source::Kind::rbx;
                } else if (arg.kind == PassKind::indirect) {
                    m.src.kind = Source::Kind::copy;
                    m.src.offset = arg.copy_offset;
                } else {
                    m.src = value_source(size_t(arg.index), p.offset);
                }
                // A scalar already in its register, needing no widening.
                bool in_place = m.src.kind == Source::Kind::reg && m.src.reg == reg_key(p.loc) &&
                                p.extend == abi::Extend::none;
                if (!in_place) moves.push_back(m);
            }
        }
        return moves;
    }

    // Performs the moves as one parallel move: a move goes once no other
    // pending move still reads its destination; a cycle is broken by
    // spilling one destination to a slot. Returns the slots used; with
    // emit=false only plans (the same decisions, no code).
    int resolve(std::vector<Move> moves, bool emit) {
        int spills = 0;
        while (!moves.empty()) {
            auto blocked = [&](const Move& m) {
                int d = reg_key(m.dst);
                for (const auto& n : moves)
                    if (&n != &m && n.src.reads() == d) return true;
                return false;
            };
            auto ready = std::find_if(moves.begin(), moves.end(),
                                      [&](const Move& m) { return !blocked(m); });
            if (ready != moves.end()) {
                if (emit) emit_move(*ready);
                moves.erase(ready);
                continue;
            }
            int d = reg_key(moves.front().dst);
            int32_t slot_offset = spill_base_ + 8 * spills++;
            if (emit) {
                x86::Mem slot = x86::qword_ptr(x86::rsp, slot_offset);
                if (d >= 16)
                    a_->movsd(slot, xmm_of(d));
                else
                    a_->mov(slot, gpr_of(d));
            }
            for (auto& n : moves) {
                if (n.src.reads() != d) continue;
                if (n.src.kind == Source::Kind::reg) {
                    n.src.kind = Source::Kind::mem;
                } else { // deref
                    n.src.kind = Source::Kind::deref_mem;
                    n.src.inner = n.src.offset;
                }
                n.src.base = x86::rsp;
                n.src.incoming = false;
                n.src.offset = slot_offset;
            }
        }
        return spills;
    }

    void emit_move(const Move& m) {
        x86::Assembler& a = *a_;
        int d = reg_key(m.dst);
        switch (m.src.kind) {
        case Source::Kind::rbx: a.mov(gpr_of(d), x86::rbx); return;
        case Source::Kind::copy: a.lea(gpr_of(d), at_sp(m.src.offset)); return;
        case Source::Kind::reg: {
            int s = m.src.reg;
            if (d >= 16 && s >= 16)
                a.movaps(xmm_of(d), xmm_of(s));
            else if (d >= 16)
                a.movq(xmm_of(d), gpr_of(s));
            else if (s >= 16)
                a.movq(gpr_of(d), xmm_of(s));
            else if (m.extend != abi::Extend::none)
                extend_reg(uint8_t(d), s, m.size, m.extend);
            else
                a.mov(gpr_of(d), gpr_of(s));
            return;
        }
        default: load_piece(a, m.dst, bytes_of(m.src), m.size, m.extend); return;
        }
    }

    void emit_result() {
        x86::Assembler& a = *a_;
        const auto& r = target_.result;
        if (r.kind != abi::ResultLayout::Kind::direct) return;
        if (result_by_pointer_) {
            for (const auto& p : r.pieces)
                store_piece(a, x86::ptr(x86::rbx, int32_t(p.offset)), p.loc, p.size);
            return;
        }
        // A scalar: same register class in every x86-64 convention, but move
        // it if the target's register differs from the canonical one.
        const Location& from = r.pieces.at(0).loc;
        const Location& to = canonical_.result.pieces.at(0).loc;
        if (from == to) return;
        if (to.cls == RegClass::xmm)
            a.movaps(x86::xmm(to.reg), x86::xmm(from.reg));
        else
            a.mov(x86::gpq(to.reg), x86::gpq(from.reg));
    }

    const abi::Signature& sig_;
    const abi::CallLayout& target_;
    const abi::CallLayout& canonical_;
    x86::Assembler* a_ = nullptr;
    bool result_by_pointer_ = false;
    size_t shift_ = 0;
    int32_t spill_base_ = 0;
    x86::Gp in_base_ = x86::rsp;
    int32_t in_bias_ = 0;
};

} // namespace

Result<GeneratedCode> emit_forward_thunk_x64(const abi::Signature& sig,
                                             const abi::CallLayout& target_layout,
                                             const abi::CallLayout& canonical, const void* target) {
    if (canonical.conv != abi::CallConv::sysv64)
        return make_error("forward thunks are generated for an x86-64 System V host only");
    return ThunkEmitter(sig, target_layout, canonical).emit(target);
}

} // namespace ctabi::jit
