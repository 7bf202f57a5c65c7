// Small facts shared by the classifiers (internal to abi/).
#pragma once

#include <cstdint>

#include "ctabi/abi/layout.h"

namespace ctabi::abi {

inline uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}

// The widening of a narrow integer to 32 bits, as C's integer promotion
// does it (C11 6.3.1.1p2: sign- or zero-extended as its type says). Used for
// every narrow argument under System V and for variadic ones under Win64.
inline Extend promoted_extension(const Type& t) {
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
