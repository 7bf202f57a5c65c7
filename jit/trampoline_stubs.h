// Per-callback entry points. A callback is a 16-byte stub in executable
// memory that points r10 (x86-64) or eax (i386) at its slot (a TrampolineTarget, then the address
// of the trampoline body) and jumps to the body; the body is shared by
// every callback of the signature.
//
// Stubs are made a chunk at a time: a chunk is one dual mapping whose first
// pages hold the stubs and whose next pages hold the slots. Making a
// callback writes its slot and its 16-byte stub through the read-write view;
// the stub runs from, and reads its slot through, the read-execute view. No
// page is writable and executable in the same view, and no stub is written
// while it can be called (a free stub is not reachable).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ctabi/jit/emit.h"

namespace ctabi::jit {

struct TrampolineStub {
    void* entry = nullptr; // what the foreign caller calls
    uint32_t id = 0;       // to release it
};

// A stub that jumps to `body` with r10 (eax on i386) pointing at {handler, data}; or, with
// a `data_register` (a pass-through whose body would only load that
// register), that loads `data` into the register and jumps to `handler`
// itself. Thread-safe.
Result<TrampolineStub> acquire_trampoline_stub(TrampolineHandler handler, void* data,
                                               const void* body, int data_register = -1);

// Points an acquired body-form stub (data_register -1) at another handler,
// data and body: libffi's closures hand out their code address before they
// know their signature. The caller makes sure the stub is not being called.
// Thread-safe.
void retarget_trampoline_stub(uint32_t id, TrampolineHandler handler, void* data,
                              const void* body) noexcept;

// Frees the stub; a later call through it reports the use after free and
// aborts, until the stub is reused. Thread-safe.
void release_trampoline_stub(uint32_t id) noexcept;

struct TrampolineStubStats {
    size_t live = 0;     // acquired and not released
    size_t capacity = 0; // stubs made (never unmapped; reused once freed)
};
TrampolineStubStats trampoline_stub_stats();

} // namespace ctabi::jit
