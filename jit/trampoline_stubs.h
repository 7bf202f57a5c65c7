// Per-callback entry points. A callback is a 16-byte stub in executable
// memory that points r10 at its slot (a TrampolineTarget, then the address
// of the trampoline body) and jumps to the body; the body is shared by
// every callback of the signature.
//
// Stubs are made a chunk at a time and never written again: a chunk is one
// dual mapping whose first pages hold the stubs and whose next pages hold
// the slots, so making or freeing a callback writes only its slot (through
// the read-write view; the stub reads it through the read-execute one). No
// page is writable and executable in the same view.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ctabi/jit/emit.h"

namespace ctabi::jit {

struct TrampolineStub {
    void* entry = nullptr; // what the foreign caller calls
    uint32_t id = 0;       // to release it
};

// A stub that calls `body` with r10 pointing at {handler, data}. Thread-safe.
Result<TrampolineStub> acquire_trampoline_stub(TrampolineHandler handler, void* data,
                                               const void* body);

// Frees the stub; a later call through it reports the use after free and
// aborts, until the stub is reused. Thread-safe.
void release_trampoline_stub(uint32_t id) noexcept;

struct TrampolineStubStats {
    size_t live = 0;     // acquired and not released
    size_t capacity = 0; // stubs made (never unmapped; reused once freed)
};
TrampolineStubStats trampoline_stub_stats();

} // namespace ctabi::jit
