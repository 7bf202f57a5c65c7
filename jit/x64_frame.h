// Stack frame arithmetic shared by the x86-64 emitters.
#pragma once

#include <cstdint>

#include "ctabi/abi/layout.h"

namespace ctabi::jit::x64 {

inline uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}

// Bytes below the stack pointer at the call that the layout's outgoing
// arguments and caller-made copies occupy.
inline uint32_t outgoing_area(const abi::CallLayout& layout) {
    uint32_t end = layout.stack_size;
    if (layout.copy_area_size) {
        for (const auto& a : layout.args)
            if (a.kind == abi::PassKind::indirect)
                end = std::max<uint32_t>(end, uint32_t(a.copy_offset) + a.copy_size);
        end = std::max(end,
                       align_up(layout.stack_size, layout.copy_area_align) + layout.copy_area_size);
    }
    return end;
}

// The `sub rsp, N` that leaves the stack pointer aligned to `align` at the
// call, after the return address and `pushes` 8-byte pushes (rbp included),
// with at least `bytes` of room.
inline uint32_t frame_size(uint32_t bytes, uint32_t pushes, uint32_t align) {
    uint32_t above = 8 + 8 * pushes; // return address + pushes
    return align_up(bytes + above, align) - above;
}

} // namespace ctabi::jit::x64
