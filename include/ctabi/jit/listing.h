// The code ctabi would generate for a signature, as bytes to read: the
// forward thunk, the invoker and the reverse trampoline body, assembled for
// the signature's instruction set (i386 code too, from an x86-64 process)
// into ordinary memory that is never executable. For tools (ctabi-inspect)
// and tests that check properties of the generated code.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctabi/abi/signature.h"
#include "ctabi/result.h"

namespace ctabi::jit {

struct CodeListing {
    std::string name; // "forward thunk", "invoker", "trampoline body"
    abi::Arch arch = abi::Arch::x86_64;
    uint64_t base = 0;          // the address the bytes were relocated to
    std::vector<uint8_t> bytes; // empty when `note` says why there is no code
    std::string note;
};

// The address a listing's forward thunk calls as its target.
uint64_t listing_target(abi::Arch arch);

// The three pieces of code for `sig`, in that order. A forward thunk whose
// target is already canonical and native has no code (the thunk is the
// target itself): its note says so.
Result<std::vector<CodeListing>> list_generated_code(const abi::Signature& sig);

} // namespace ctabi::jit
