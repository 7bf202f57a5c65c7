// Instruction sequences shared by the x86-32 (i386) emitters: loading and
// storing a piece of a value, x87 values, and block copies. These know
// instruction encodings only, never ABI rules (those are in the layout).
//
// Scratch registers: eax for data and edx as a loop index (block copies);
// neither carries an argument while the emitters copy memory (fastcall's
// ecx and edx are loaded last).
#pragma once

#include <functional>

#include <asmjit/x86.h>

#include "ctabi/abi/layout.h"

namespace ctabi::jit::ia32 {

namespace x86 = asmjit::x86;

inline uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}

inline x86::Gp gp32(uint8_t id) {
    return x86::gpd(id);
}

// True when every register piece of the layout is one an i386 emitter can
// handle: a general-purpose register of 1, 2 or 4 bytes, or st(0) (results).
Result<Ok> check_pieces(const abi::CallLayout& layout);

// Loads 1, 2 or 4 bytes at `src` into `dst`: zero-extended, or sign-extended
// for Extend::sign32.
void load_gpr(x86::Assembler& a, x86::Gp dst, x86::Mem src, uint32_t size, abi::Extend extend);

// Stores the low 1, 2 or 4 bytes of `src`.
void store_gpr(x86::Assembler& a, x86::Mem dst, x86::Gp src, uint32_t size);

// st(0) to memory (popping it) and back, as a float (4), double (8) or x87
// extended (10 bytes).
void store_x87(x86::Assembler& a, x86::Mem dst, uint32_t size);
void load_x87(x86::Assembler& a, x86::Mem src, uint32_t size);

// Copies `size` bytes; clobbers eax (and edx for large blocks). Neither
// address may be based on eax or edx.
void copy_bytes(x86::Assembler& a, x86::Mem dst, x86::Mem src, uint32_t size);

// A stack piece whose bytes are at `src`, to its outgoing slot [esp +
// offset]: copied, or widened to 32 bits first when the layout says so.
void store_stack_piece(x86::Assembler& a, const abi::Piece& p, x86::Mem src);

// Puts every argument of a call laid out as `layout` where it goes: memory
// first (stack pieces, copies and their pointers; eax and edx as scratch),
// then the registers (ecx, edx). `value_of(arg)` says where an argument's
// bytes are (it may load esi or edi, never eax, ecx or edx); `sret` holds the
// result buffer's address, for the synthetic sret argument.
using ValueOf = std::function<x86::Mem(const abi::ArgLayout&)>;
void place_arguments(x86::Assembler& a, const abi::CallLayout& layout, const ValueOf& value_of,
                     x86::Mem sret);

// Stores the result pieces the callee returned (eax, edx, st0) at [base +
// piece offset]; base must not be eax or edx.
void store_result(x86::Assembler& a, const abi::Pieces& pieces, x86::Gp base);

// The frame of an invoker or thunk: ebp, then the callee-saved esi and edi,
// `area` bytes of outgoing arguments with esp aligned to `align` at the
// call; and its end, which restores esp from ebp whatever the callee popped.
void enter_call_frame(x86::Assembler& a, uint32_t area, uint32_t align);
void leave_call_frame(x86::Assembler& a, uint32_t pops);

} // namespace ctabi::jit::ia32
