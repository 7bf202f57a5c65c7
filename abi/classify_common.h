// Small facts shared by the classifiers (internal to abi/).
#pragma once

#include <cstdint>

#include "ctabi/abi/layout.h"

namespace ctabi::abi {

inline uint32_t align_up(uint32_t v, uint32_t a) {
    return (v + a - 1) / a * a;
}

} // namespace ctabi::abi
