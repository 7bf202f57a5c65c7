#include "stack_allocation.h"

namespace ctabi::jit {

namespace x86 = asmjit::x86;

void allocate_stack(x86::Assembler& a, const x86::Gp& sp, const x86::Gp& scratch, uint32_t bytes) {
    // Up to a page: the return address the call pushed is the last store,
    // at most a page above any byte of the frame, so a guard page below is
    // hit by the frame's first store into it.
    if (bytes <= kStackProbeInterval) {
        if (bytes) a.sub(sp, bytes);
        return;
    }
    const uint32_t pages = bytes / kStackProbeInterval;
    const uint32_t rest = bytes % kStackProbeInterval;
    // `or [sp], 0` touches a page without changing it.
    if (pages <= 4) {
        for (uint32_t k = 0; k < pages; ++k) {
            a.sub(sp, kStackProbeInterval);
            a.or_(x86::dword_ptr(sp), 0);
        }
    } else {
        const x86::Gp count = scratch.r32();
        a.mov(count, pages);
        asmjit::Label next = a.newLabel();
        a.bind(next);
        a.sub(sp, kStackProbeInterval);
        a.or_(x86::dword_ptr(sp), 0);
        a.dec(count);
        a.jnz(next);
    }
    if (rest) a.sub(sp, rest);
}

} // namespace ctabi::jit
