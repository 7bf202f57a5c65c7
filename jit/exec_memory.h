// Executable memory for generated code. asmjit's JitAllocator with dual
// mapping: code is written through a read-write view and executed through a
// separate read-execute view, so no page is ever writable and executable.
#pragma once

#include <memory>
#include <mutex>

#include <asmjit/core.h>

#include "ctabi/abi/signature.h"
#include "ctabi/jit/code.h"

namespace ctabi::jit {

// Copies the assembled code into executable memory. The returned code owns it.
Result<GeneratedCode> install(asmjit::CodeHolder& code);

// The environment code is assembled for (the host).
const asmjit::Environment& host_environment();

// A CodeHolder initialised for the host, reused by this thread (a soft reset
// keeps its memory, so building code does not allocate its zone anew).
asmjit::CodeHolder& fresh_code_holder();

// The lock every write to code memory (installing code, releasing it,
// writing a callback stub or slot) holds, so that fork() can happen between
// writes only (see fork_safety.cpp).
std::recursive_mutex& code_memory_mutex();
// In a fork() child, which holds the copy of the parent's locked mutex.
void reset_code_memory_mutex_in_child();
// Makes code memory fork-safe (pthread_atfork handlers); called once, when
// the first code memory is made.
void install_fork_handlers();

// Code listings (ctabi-inspect, the disassembly tests): while a
// ListingScope lives on a thread, that thread's code is assembled for `arch`
// (whatever the host's) and installed into ordinary memory, never
// executable, relocated as if it sat at kListingBase: bytes to read, not to
// run.
class ListingScope {
public:
    explicit ListingScope(abi::Arch arch);
    ~ListingScope();
    ListingScope(const ListingScope&) = delete;
    ListingScope& operator=(const ListingScope&) = delete;

private:
    const asmjit::Environment* previous_;
};
bool listing_active();
inline constexpr uint64_t kListingBase = 0x10000;

} // namespace ctabi::jit
