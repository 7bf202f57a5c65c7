#include "x64_moves.h"

#include <cassert>

namespace ctabi::jit::x64 {
namespace {

uint32_t largest_chunk(uint32_t size) {
    return size >= 8 ? 8 : size >= 4 ? 4 : size >= 2 ? 2 : 1;
}

// Loads a 1/2/4/8-byte chunk zero-extended into the full register.
void load_chunk(x86::Assembler& a, uint8_t dst, x86::Mem src, uint32_t chunk) {
    switch (chunk) {
    case 1: src.setSize(1), a.movzx(x86::gpd(dst), src); break;
    case 2: src.setSize(2), a.movzx(x86::gpd(dst), src); break;
    case 4: src.setSize(4), a.mov(x86::gpd(dst), src); break;
    default: src.setSize(8), a.mov(x86::gpq(dst), src); break;
    }
}

void store_chunk(x86::Assembler& a, x86::Mem dst, uint8_t src, uint32_t chunk) {
    switch (chunk) {
    case 1: dst.setSize(1), a.mov(dst, x86::gpb_lo(src)); break;
    case 2: dst.setSize(2), a.mov(dst, x86::gpw(src)); break;
    case 4: dst.setSize(4), a.mov(dst, x86::gpd(src)); break;
    default: dst.setSize(8), a.mov(dst, x86::gpq(src)); break;
    }
}

} // namespace

void load_gpr(x86::Assembler& a, uint8_t dst, x86::Mem src, uint32_t size, abi::Extend extend) {
    assert(size >= 1 && size <= 8);
    if (extend == abi::Extend::sign32 && (size == 1 || size == 2)) {
        src.setSize(size);
        a.movsx(x86::gpd(dst), src);
        return;
    }
    uint32_t first = largest_chunk(size);
    if (first == size) return load_chunk(a, dst, src, size);
    // Odd sizes (3, 5, 6, 7): assemble from chunks without reading past the
    // value. If the destination is also the address base, load into r11.
    uint8_t acc = src.baseId() == dst ? uint8_t(abi::gpr::r11) : dst;
    uint8_t tmp = acc == abi::gpr::r11 ? uint8_t(abi::gpr::ax) : uint8_t(abi::gpr::r11);
    assert(src.baseId() != tmp);
    load_chunk(a, acc, src, first);
    for (uint32_t pos = first; pos < size;) {
        uint32_t chunk = largest_chunk(size - pos);
        load_chunk(a, tmp, src.cloneAdjusted(pos), chunk);
        a.shl(x86::gpq(tmp), pos * 8);
        a.or_(x86::gpq(acc), x86::gpq(tmp));
        pos += chunk;
    }
    if (acc != dst) a.mov(x86::gpq(dst), x86::gpq(acc));
}

void load_xmm(x86::Assembler& a, uint8_t dst, x86::Mem src, uint32_t size) {
    if (size == 4) {
        src.setSize(4);
        a.movss(x86::xmm(dst), src);
    } else if (size == 8) {
        src.setSize(8);
        a.movsd(x86::xmm(dst), src);
    } else {
        load_gpr(a, abi::gpr::r11, src, size, abi::Extend::none);
        a.movq(x86::xmm(dst), x86::r11);
    }
}

void store_gpr(x86::Assembler& a, x86::Mem dst, uint8_t src, uint32_t size) {
    assert(size >= 1 && size <= 8);
    uint32_t first = largest_chunk(size);
    if (first == size) return store_chunk(a, dst, src, size);
    if (src != abi::gpr::r11) a.mov(x86::r11, x86::gpq(src));
    for (uint32_t pos = 0; pos < size;) {
        uint32_t chunk = largest_chunk(size - pos);
        store_chunk(a, dst.cloneAdjusted(pos), abi::gpr::r11, chunk);
        pos += chunk;
        if (pos < size) a.shr(x86::r11, chunk * 8);
    }
}

void store_xmm(x86::Assembler& a, x86::Mem dst, uint8_t src, uint32_t size) {
    if (size == 4) {
        dst.setSize(4);
        a.movss(dst, x86::xmm(src));
    } else if (size == 8) {
        dst.setSize(8);
        a.movsd(dst, x86::xmm(src));
    } else {
        a.movq(x86::r11, x86::xmm(src));
        store_gpr(a, dst, abi::gpr::r11, size);
    }
}

void copy_bytes(x86::Assembler& a, x86::Mem dst, x86::Mem src, uint32_t size) {
    constexpr uint32_t kUnrollLimit = 128;
    uint32_t pos = 0;
    if (size >= 16 && size <= kUnrollLimit) {
        for (; pos + 16 <= size; pos += 16) {
            x86::Mem s = src.cloneAdjusted(pos), d = dst.cloneAdjusted(pos);
            s.setSize(16), d.setSize(16);
            a.movups(x86::xmm15, s);
            a.movups(d, x86::xmm15);
        }
    } else if (size > kUnrollLimit) {
        // A loop over 16-byte blocks, rax as the running index.
        uint32_t blocks_end = size / 16 * 16;
        asmjit::Label loop = a.newLabel();
        a.xor_(x86::eax, x86::eax);
        a.bind(loop);
        x86::Mem s = x86::ptr(src.baseReg().as<x86::Gp>(), x86::rax, 0, src.offsetLo32(), 16);
        x86::Mem d = x86::ptr(dst.baseReg().as<x86::Gp>(), x86::rax, 0, dst.offsetLo32(), 16);
        a.movups(x86::xmm15, s);
        a.movups(d, x86::xmm15);
        a.add(x86::rax, 16);
        a.cmp(x86::rax, blocks_end);
        a.jb(loop);
        pos = blocks_end;
    }
    while (pos < size) {
        uint32_t chunk = largest_chunk(size - pos);
        load_chunk(a, abi::gpr::ax, src.cloneAdjusted(pos), chunk);
        store_chunk(a, dst.cloneAdjusted(pos), abi::gpr::ax, chunk);
        pos += chunk;
    }
}

void load_piece(x86::Assembler& a, const abi::Location& loc, x86::Mem src, uint32_t size,
                abi::Extend extend) {
    assert(loc.is_reg());
    if (loc.cls == abi::RegClass::xmm) return load_xmm(a, loc.reg, src, size);
    if (loc.cls == abi::RegClass::gpr) return load_gpr(a, loc.reg, src, size, extend);
    // x87: only 80-bit values live there.
    src.setSize(10);
    a.fld(src);
}

void store_piece(x86::Assembler& a, x86::Mem dst, const abi::Location& loc, uint32_t size) {
    assert(loc.is_reg());
    if (loc.cls == abi::RegClass::xmm) return store_xmm(a, dst, loc.reg, size);
    if (loc.cls == abi::RegClass::gpr) return store_gpr(a, dst, loc.reg, size);
    dst.setSize(10);
    a.fstp(dst);
}

void copy_indirect_argument(x86::Assembler& a, const abi::ArgLayout& arg, x86::Mem value) {
    copy_bytes(a, x86::ptr(x86::rsp, arg.copy_offset), value, arg.copy_size);
    const abi::Piece& p = arg.pieces.at(0);
    if (p.loc.is_stack()) {
        a.lea(x86::rax, x86::ptr(x86::rsp, arg.copy_offset));
        a.mov(x86::ptr(x86::rsp, p.loc.offset), x86::rax);
    }
}

void store_stack_piece(x86::Assembler& a, const abi::Piece& p, x86::Mem src) {
    if (p.extend != abi::Extend::none) {
        load_gpr(a, abi::gpr::ax, src, p.size, p.extend);
        a.mov(x86::dword_ptr(x86::rsp, p.loc.offset), x86::eax);
    } else {
        copy_bytes(a, x86::ptr(x86::rsp, p.loc.offset), src, p.size);
    }
}

} // namespace ctabi::jit::x64
