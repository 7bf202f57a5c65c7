// x86-64 System V psABI (version 1.0), section 3.2.3 "Parameter Passing".
#include <algorithm>
#include <array>

#include "classify_common.h"
#include "ctabi/abi/classify.h"

namespace ctabi::abi {
namespace {

enum class Class : uint8_t { none, integer, sse, x87, x87up, memory };

constexpr uint8_t kIntArgRegs[] = {gpr::di, gpr::si, gpr::dx, gpr::cx, gpr::r8, gpr::r9};
constexpr uint8_t kIntRetRegs[] = {gpr::ax, gpr::dx};
constexpr int kSseArgRegs = 8; // xmm0-xmm7
constexpr int kSseRetRegs = 2; // xmm0-xmm1

// psABI 3.2.3 step 4: merging the classes of two fields sharing an eightbyte.
Class merge(Class a, Class b) {
    if (a == b) return a;
    if (a == Class::none) return b;
    if (b == Class::none) return a;
    if (a == Class::memory || b == Class::memory) return Class::memory;
    if (a == Class::integer || b == Class::integer) return Class::integer;
    if (a == Class::x87 || a == Class::x87up || b == Class::x87 || b == Class::x87up)
        return Class::memory;
    return Class::sse;
}

using Eightbytes = std::array<Class, 2>;

// psABI 3.2.3 step 5 (post merger), rule (b): X87UP not preceded by X87
// makes the object MEMORY.
bool stray_x87up(const Eightbytes& eb) {
    return eb[0] == Class::x87up || (eb[1] == Class::x87up && eb[0] != Class::x87);
}

void classify_leaves(const Type& t, uint64_t offset, Eightbytes& eb);

// The members of aggregate `t` at byte `offset`, classified into eightbytes
// of their own (at the value's eightbyte positions) and cleaned up as a
// whole object before they are merged into `eb`. GCC (classify_argument's
// final cleanup, run for every nested aggregate) and Clang (postMerge, run
// for every record and array) apply the post-merger rules to each nested
// aggregate, not only to the argument: in union{union{i8, f80}, [2 x i64]}
// the inner union is INTEGER then X87UP, so MEMORY, and so is the argument,
// although merging every leaf at once would give INTEGER, INTEGER.
void classify_aggregate(const Type& t, uint64_t offset, Eightbytes& eb) {
    Eightbytes own{Class::none, Class::none};
    switch (t.kind) {
    case Kind::Struct:
        for (const auto& f : t.fields)
            classify_leaves(f.type, offset + f.offset, own);
        break;
    case Kind::Union:
        // Each member overlaps the same eightbytes: merge them all.
        for (const auto& f : t.fields)
            classify_leaves(f.type, offset, own);
        break;
    default:
        // Arrays are classified element by element.
        for (uint64_t i = 0; i < t.count; ++i)
            classify_leaves(t.element(), offset + i * t.element().size, own);
        break;
    }
    if (stray_x87up(own)) own = {Class::memory, Class::memory};
    eb[0] = merge(eb[0], own[0]);
    eb[1] = merge(eb[1], own[1]);
}

// Classifies every scalar leaf of `t` placed at byte `offset` of the value.
void classify_leaves(const Type& t, uint64_t offset, Eightbytes& eb) {
    if (t.is_aggregate()) {
        classify_aggregate(t, offset, eb);
        return;
    }
    // psABI 3.2.3 step 1: an aggregate with unaligned fields is MEMORY.
    if (offset % Type::scalar(t.kind).align != 0) {
        eb[0] = eb[1] = Class::memory;
        return;
    }
    size_t i = offset / 8;
    if (t.kind == Kind::F80) {
        // The 64-bit mantissa is X87, the exponent eightbyte X87UP.
        eb[i] = merge(eb[i], Class::x87);
        eb[i + 1] = merge(eb[i + 1], Class::x87up);
    } else {
        eb[i] = merge(eb[i], t.is_float() ? Class::sse : Class::integer);
    }
}

struct Classification {
    Eightbytes eb{Class::none, Class::none};
    bool memory() const { return eb[0] == Class::memory; }
    bool x87() const { return eb[0] == Class::x87; }
};

Classification classify_type(const Type& t) {
    Classification c;
    // psABI 3.2.3 step 1: an object larger than two eightbytes (no __m256
    // types here) is MEMORY.
    if (t.size > 16) {
        c.eb = {Class::memory, Class::memory};
        return c;
    }
    classify_leaves(t, 0, c.eb);
    // Step 5 (post merger): any MEMORY eightbyte, or X87UP not preceded by
    // X87, makes the whole object MEMORY.
    if (c.eb[0] == Class::memory || c.eb[1] == Class::memory || stray_x87up(c.eb))
        c.eb = {Class::memory, Class::memory};
    return c;
}

// Callers widen _Bool, char and short arguments to 32 bits (GCC does, in
// registers and stack slots; Clang's callees rely on it): see
// promoted_extension. Results are not widened: the caller extends al/ax.
//
// The bytes of eightbyte i of a value of `size` bytes.
Piece eightbyte_piece(const Type& t, size_t i, Location loc) {
    if (t.is_scalar()) return Piece{0, uint32_t(t.size), loc, promoted_extension(t)};
    return Piece{uint32_t(8 * i), uint32_t(std::min<uint64_t>(8, t.size - 8 * i)), loc,
                 Extend::none};
}

} // namespace

Result<CallLayout> classify_sysv64(const Signature& sig) {
    CallLayout layout;
    layout.conv = CallConv::sysv64;
    layout.platform = sig.platform;
    layout.arch = Arch::x86_64;
    layout.args.reserve(sig.args.size() + 1);
    int next_int = 0, next_sse = 0;
    uint32_t stack = 0;

    // Result (psABI 3.2.3 "Returning of Values").
    if (!sig.result.is_void()) {
        Classification c = classify_type(sig.result);
        if (c.memory()) {
            // MEMORY: the caller passes the buffer address in rdi as a hidden
            // first argument; the callee returns it in rax.
            layout.result.kind = ResultLayout::Kind::indirect;
            layout.result.returns_sret_pointer = true;
            layout.result.sret_pointer_reg = Location::in_reg(RegClass::gpr, gpr::ax);
            ArgLayout sret;
            sret.index = kSretIndex;
            sret.pieces.push_back(
                Piece{0, 8, Location::in_reg(RegClass::gpr, kIntArgRegs[next_int++])});
            layout.args.push_back(sret);
        } else if (c.x87()) {
            // X87 / X87UP: returned in st(0) (80 bits).
            layout.result.kind = ResultLayout::Kind::direct;
            layout.result.pieces.push_back(Piece{0, 10, Location::in_reg(RegClass::x87, 0)});
        } else {
            layout.result.kind = ResultLayout::Kind::direct;
            int ret_int = 0, ret_sse = 0;
            for (size_t i = 0; i < 2; ++i) {
                if (c.eb[i] == Class::integer)
                    layout.result.pieces.push_back(eightbyte_piece(
                        sig.result, i, Location::in_reg(RegClass::gpr, kIntRetRegs[ret_int++])));
                else if (c.eb[i] == Class::sse && ret_sse < kSseRetRegs)
                    layout.result.pieces.push_back(eightbyte_piece(
                        sig.result, i, Location::in_reg(RegClass::xmm, uint8_t(ret_sse++))));
            }
            for (auto& p : layout.result.pieces)
                p.extend = Extend::none;
        }
    }

    for (size_t i = 0; i < sig.args.size(); ++i) {
        const Type& t = sig.args[i];
        // Built in place: an ArgLayout holds its pieces inline.
        ArgLayout& arg = layout.args.emplace_back();
        arg.index = int32_t(i);
        Classification c = classify_type(t);
        int need_int = 0, need_sse = 0;
        for (size_t k = 0; k < 2; ++k) {
            need_int += c.eb[k] == Class::integer;
            need_sse += c.eb[k] == Class::sse;
        }
        bool in_regs = !c.memory() && !c.x87() && next_int + need_int <= 6 &&
                       next_sse + need_sse <= kSseArgRegs;
        if (in_regs) {
            for (size_t k = 0; k < 2; ++k) {
                if (c.eb[k] == Class::integer)
                    arg.pieces.push_back(eightbyte_piece(
                        t, k, Location::in_reg(RegClass::gpr, kIntArgRegs[next_int++])));
                else if (c.eb[k] == Class::sse)
                    arg.pieces.push_back(eightbyte_piece(
                        t, k, Location::in_reg(RegClass::xmm, uint8_t(next_sse++))));
            }
        } else {
            // MEMORY and X87 classes, and (3.2.3) an argument that does not fit
            // in the registers still free, go wholly on the stack: 8-byte
            // slots, 16-byte alignment for 16-aligned types.
            stack = align_up(stack, std::max<uint32_t>(8, uint32_t(t.align)));
            // An argument aligned beyond 16 bytes raises the alignment of the
            // whole argument area (GCC and Clang realign rsp for it).
            layout.stack_align = std::max<uint32_t>(layout.stack_align, uint32_t(t.align));
            Piece p{0, uint32_t(t.size), Location::on_stack(int32_t(stack)), promoted_extension(t)};
            if (t.kind == Kind::F80) p.size = 10;
            arg.pieces.push_back(p);
            stack += align_up(uint32_t(t.size), 8);
        }
    }
    layout.stack_size = stack;
    // Variadic calls: al carries an upper bound of the vector registers used.
    if (sig.is_variadic()) layout.vector_count = next_sse;
    return layout;
}

RegisterSet callee_saved_sysv64() {
    // SysV psABI 3.2.1 (figure 3.4): rbx, rbp and r12-r15 belong to the
    // caller; every xmm register is scratch.
    return RegisterSet{uint16_t(1u << gpr::bx | 1u << gpr::bp | 0xf000u), 0};
}

} // namespace ctabi::abi
