// Small facts shared by the classifiers (internal to abi/).
#pragma once

#include <cstdint>

#include "ctabi/abi/layout.h"

namespace ctabi::abi {

inline uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}

// GCC and Clang callers widen _Bool, char and short arguments to 32 bits
// (System V requires it, Clang's callees rely on it; Win64 callees may not,
// but the widening is harmless and what compiled callers do).
inline Extend narrow_int_extension(const Type& t) {
    switch (t.kind) {
    case Kind::Bool:
    case Kind::U8:
    case Kind::U16: return Extend::zero32;
    case Kind::I8:
    case Kind::I16: return Extend::sign32;
    default: return Extend::none;
    }
}

} // namespace ctabi::abi
