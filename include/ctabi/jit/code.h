// A generated function: its entry address and the ownership of the
// executable memory holding it (freed when the last owner goes).
#pragma once

#include <cstddef>
#include <memory>

#include "ctabi/result.h"

namespace ctabi::jit {

struct GeneratedCode {
    void* entry = nullptr;
    size_t size = 0;
    // Releases the executable memory when the last copy is destroyed. Empty
    // when `entry` is not generated code (a thunk that is the target itself).
    std::shared_ptr<const void> owner;
};

} // namespace ctabi::jit
