// Stack allocation for the emitters' frames, probing each page of a big one.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>

namespace ctabi::jit {

// The distance between two stack probes: the smallest page (and guard page)
// on x86.
inline constexpr uint32_t kStackProbeInterval = 4096;

// Moves `sp` (rsp or esp) down by `bytes`. A frame bigger than one page is
// allocated a page at a time, each page touched as it is taken (as GCC's
// -fstack-clash-protection and Windows' __chkstk do): moved down in one
// step, the stack pointer could pass over the guard page below a thread's
// stack, and the frame's stores would land in whatever mapping lies below
// it instead of faulting. `scratch` (32 or 64 bits) counts the pages of a
// big frame; it must be free, and the flags are changed. With `align`, the
// stack pointer is then rounded down to it (`and`), from an entry aligned
// to `entry_align`: the bytes that rounding may add count as frame too.
void allocate_stack(asmjit::x86::Assembler& a, const asmjit::x86::Gp& sp,
                    const asmjit::x86::Gp& scratch, uint32_t bytes, uint32_t align = 0,
                    uint32_t entry_align = 16);

} // namespace ctabi::jit
