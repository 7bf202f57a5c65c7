#include "x86_moves.h"

#include "stack_allocation.h"

#include <cassert>
#include <string>

namespace ctabi::jit::ia32 {
namespace {

uint32_t largest_chunk(uint32_t size) {
    return size >= 4 ? 4 : size >= 2 ? 2 : 1;
}

} // namespace

Result<Ok> check_pieces(const abi::CallLayout& layout) {
    auto ok_piece = [](const abi::Piece& p, bool result) {
        if (p.loc.is_stack()) return !result;
        if (p.loc.cls == abi::RegClass::x87) return result;
        return p.loc.cls == abi::RegClass::gpr && p.loc.reg < 8 &&
               (p.size == 1 || p.size == 2 || p.size == 4);
    };
    for (const auto& arg : layout.args)
        for (const auto& p : arg.pieces)
            if (!ok_piece(p, false))
                return make_error("argument " + std::to_string(arg.index) + ": a piece in " +
                                  abi::location_name(p.loc, abi::Arch::i386) +
                                  " has no i386 form (layout invariant)");
    for (const auto& p : layout.result.pieces)
        if (!ok_piece(p, true))
            return make_error("result: a piece in " + abi::location_name(p.loc, abi::Arch::i386) +
                              " has no i386 form (layout invariant)");
    return Ok{};
}

void load_gpr(x86::Assembler& a, x86::Gp dst, x86::Mem src, uint32_t size, abi::Extend extend) {
    assert(size == 1 || size == 2 || size == 4);
    src.setSize(size);
    if (size == 4)
        a.mov(dst, src);
    else if (extend == abi::Extend::sign32)
        a.movsx(dst, src);
    else
        a.movzx(dst, src);
}

void store_gpr(x86::Assembler& a, x86::Mem dst, x86::Gp src, uint32_t size) {
    assert(size == 1 || size == 2 || size == 4);
    dst.setSize(size);
    if (size == 4)
        a.mov(dst, src.r32());
    else if (size == 2)
        a.mov(dst, src.r16());
    else
        a.mov(dst, src.r8Lo());
}

void store_x87(x86::Assembler& a, x86::Mem dst, uint32_t size) {
    dst.setSize(size == 4 ? 4 : size == 8 ? 8 : 10);
    a.fstp(dst);
}

void load_x87(x86::Assembler& a, x86::Mem src, uint32_t size) {
    src.setSize(size == 4 ? 4 : size == 8 ? 8 : 10);
    a.fld(src);
}

void copy_bytes(x86::Assembler& a, x86::Mem dst, x86::Mem src, uint32_t size) {
    constexpr uint32_t kUnrollLimit = 64;
    uint32_t pos = 0;
    if (size > kUnrollLimit) {
        // A loop over 4-byte words, edx as the running index.
        const uint32_t words_end = size / 4 * 4;
        asmjit::Label loop = a.newLabel();
        a.xor_(x86::edx, x86::edx);
        a.bind(loop);
        a.mov(x86::eax, x86::dword_ptr(src.baseReg().as<x86::Gp>(), x86::edx, 0, src.offsetLo32()));
        a.mov(x86::dword_ptr(dst.baseReg().as<x86::Gp>(), x86::edx, 0, dst.offsetLo32()), x86::eax);
        a.add(x86::edx, 4);
        a.cmp(x86::edx, words_end);
        a.jb(loop);
        pos = words_end;
    }
    while (pos < size) {
        const uint32_t chunk = largest_chunk(size - pos);
        load_gpr(a, x86::eax, src.cloneAdjusted(pos), chunk, abi::Extend::none);
        store_gpr(a, dst.cloneAdjusted(pos), x86::eax, chunk);
        pos += chunk;
    }
}

void store_stack_piece(x86::Assembler& a, const abi::Piece& p, x86::Mem src) {
    const x86::Mem slot = x86::ptr(x86::esp, p.loc.offset);
    if (p.extend != abi::Extend::none && p.size < 4) {
        load_gpr(a, x86::eax, src, p.size, p.extend);
        a.mov(x86::dword_ptr(x86::esp, p.loc.offset), x86::eax);
    } else {
        copy_bytes(a, slot, src, p.size);
    }
}

void place_arguments(x86::Assembler& a, const abi::CallLayout& layout, const ValueOf& value_of,
                     x86::Mem sret) {
    sret.setSize(4);
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_stack()) {
                    a.mov(x86::eax, sret);
                    a.mov(x86::dword_ptr(x86::esp, p.loc.offset), x86::eax);
                }
            continue;
        }
        bool any_stack = arg.kind == abi::PassKind::indirect;
        for (const auto& p : arg.pieces)
            any_stack |= p.loc.is_stack();
        if (!any_stack) continue;
        x86::Mem value = value_of(arg);
        if (arg.kind == abi::PassKind::indirect) {
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
    for (const auto& arg : layout.args) {
        if (arg.index == abi::kSretIndex) {
            for (const auto& p : arg.pieces)
                if (p.loc.is_reg()) a.mov(gp32(p.loc.reg), sret);
            continue;
        }
        bool any_reg = false;
        for (const auto& p : arg.pieces)
            any_reg |= p.loc.is_reg();
        if (!any_reg) continue;
        if (arg.kind == abi::PassKind::indirect) {
            a.lea(gp32(arg.pieces.at(0).loc.reg), x86::ptr(x86::esp, arg.copy_offset));
            continue;
        }
        x86::Mem value = value_of(arg);
        for (const auto& p : arg.pieces)
            if (p.loc.is_reg())
                load_gpr(a, gp32(p.loc.reg), value.cloneAdjusted(p.offset), p.size, p.extend);
    }
}

void store_result(x86::Assembler& a, const abi::Pieces& pieces, x86::Gp base) {
    for (const auto& p : pieces) {
        x86::Mem dst = x86::ptr(base, int32_t(p.offset));
        if (p.loc.cls == abi::RegClass::x87)
            store_x87(a, dst, p.size);
        else
            store_gpr(a, dst, gp32(p.loc.reg), p.size);
    }
}

void enter_call_frame(x86::Assembler& a, uint32_t area, uint32_t align) {
    a.push(x86::ebp);
    a.mov(x86::ebp, x86::esp);
    a.push(x86::esi);
    a.push(x86::edi);
    // eax is free: the callers' entries are cdecl.
    // The host's callers keep 16 bytes (Linux) or only 4 (Windows): made here.
    allocate_stack(a, x86::esp, x86::eax, align_up(area, align), align, 4);
}

void leave_call_frame(x86::Assembler& a, uint32_t pops) {
    a.lea(x86::esp, x86::ptr(x86::ebp, -8));
    a.pop(x86::edi);
    a.pop(x86::esi);
    a.pop(x86::ebp);
    if (pops)
        a.ret(pops);
    else
        a.ret();
}

} // namespace ctabi::jit::ia32
