// Instruction sequences shared by the x86-64 emitters: moving a piece of a
// value between memory and a register, and copying blocks of memory. These
// know instruction encodings only, never ABI rules (those are in the layout).
//
// Scratch registers: r11 and rax (loads and stores of odd sizes), xmm15 and
// rax (block copies). None of them carries an argument in System V or Win64.
#pragma once

#include <asmjit/x86.h>

#include "ctabi/abi/layout.h"

namespace ctabi::jit::x64 {

namespace x86 = asmjit::x86;

inline x86::Gp gp64(uint8_t id) {
    return x86::gpq(id);
}

// Loads `size` (1..8) bytes at `src` into general-purpose register `dst`:
// zero-extended, or sign-extended to 32 bits for Extend::sign32.
void load_gpr(x86::Assembler& a, uint8_t dst, x86::Mem src, uint32_t size, abi::Extend extend);

// Loads `size` (1..8) bytes at `src` into the low bits of `dst`.
void load_xmm(x86::Assembler& a, uint8_t dst, x86::Mem src, uint32_t size);

// Stores the low `size` (1..8) bytes of a register. May clobber r11.
void store_gpr(x86::Assembler& a, x86::Mem dst, uint8_t src, uint32_t size);
void store_xmm(x86::Assembler& a, x86::Mem dst, uint8_t src, uint32_t size);

// Copies `size` bytes from `src` to `dst` (neither based on rax).
void copy_bytes(x86::Assembler& a, x86::Mem dst, x86::Mem src, uint32_t size);

// Loads a piece into the register `loc` names (gpr or xmm).
void load_piece(x86::Assembler& a, const abi::Location& loc, x86::Mem src, uint32_t size,
                abi::Extend extend);

// Stores a piece held in the register `loc` names (gpr, xmm or st0).
void store_piece(x86::Assembler& a, x86::Mem dst, const abi::Location& loc, uint32_t size);

// An indirect argument: copies its value from `value` into the caller's copy
// slot and, when its pointer travels on the stack, stores the copy's address
// there (a pointer in a register is left to the caller). Clobbers rax, xmm15.
void copy_indirect_argument(x86::Assembler& a, const abi::ArgLayout& arg, x86::Mem value);

// A stack piece whose bytes are at `src`: copied to its slot, or widened to
// 32 bits first when the layout says so. Clobbers rax, xmm15.
void store_stack_piece(x86::Assembler& a, const abi::Piece& p, x86::Mem src);

} // namespace ctabi::jit::x64
