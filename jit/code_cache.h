// The process-wide code cache, as the rest of the library reaches it.
#pragma once

#include <memory>

#include "ctabi/invoker.h"

namespace ctabi::detail {

// The trampoline body for `sig` (see jit::emit_trampoline_body), compiled
// once per signature.
Result<std::shared_ptr<const CodeEntry>> cached_trampoline_body(const abi::Signature& sig);

// The pass-through body for `sig` (see jit::emit_trampoline_passthrough), or
// an error when that form does not apply to `sig` (the error is not cached:
// callers fall back to the body above, and ask once per callback).
Result<std::shared_ptr<const CodeEntry>> cached_trampoline_passthrough(const abi::Signature& sig);

const abi::Signature& entry_signature(const CodeEntry& entry);
const void* entry_code(const CodeEntry& entry);
size_t entry_code_size(const CodeEntry& entry);

// fork() (jit/fork_safety.cpp): the cache's lock is held across the fork,
// so that no thread is inside it, and made anew in the child, whose copy
// records the parent's thread as its holder.
void cache_fork_prepare();
void cache_fork_parent();
void cache_fork_child();
// A pass-through body's data register (or -1): see jit::emit_trampoline_passthrough.
int entry_data_register(const CodeEntry& entry);

} // namespace ctabi::detail
