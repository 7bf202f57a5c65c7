#include "stack_allocation.h"

namespace ctabi::jit {

namespace x86 = asmjit::x86;

void allocate_stack(x86::Assembler& a, const x86::Gp& sp, const x86::Gp& scratch, uint32_t bytes,
                    uint32_t align, uint32_t entry_align) {
    // What the `and` may take beyond `bytes`.
    const uint32_t slack = align > entry_align ? align - entry_align : 0;
    auto round_down = [&] {
        if (align) a.and_(sp, -int32_t(align));
    };
    // `or [sp], 0` touches a page without changing it.
    auto probe = [&] { a.or_(x86::dword_ptr(sp), 0); };
    // Up to a page in all: the return address the call pushed is the last
    // store, at most a page above any byte of the frame, so a guard page
    // below is hit by the frame's first store into it.
    if (bytes + slack <= kStackProbeInterval) {
        if (bytes) a.sub(sp, bytes);
        round_down();
        return;
    }
    const uint32_t pages = bytes / kStackProbeInterval;
    const uint32_t rest = bytes % kStackProbeInterval;
    if (pages <= 4) {
        for (uint32_t k = 0; k < pages; ++k) {
            a.sub(sp, kStackProbeInterval);
            probe();
        }
    } else if (pages) {
        const x86::Gp count = scratch.r32();
        a.mov(count, pages);
        asmjit::Label next = a.newLabel();
        a.bind(next);
        a.sub(sp, kStackProbeInterval);
        probe();
        a.dec(count);
        a.jnz(next);
    }
    if (rest) a.sub(sp, rest);
    // Before the rounding, whose slack (less than a page) could otherwise
    // take the frame's lowest bytes more than a page below the last probe.
    if (slack) probe();
    round_down();
}

} // namespace ctabi::jit
