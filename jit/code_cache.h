// The process-wide code cache, as the rest of the library reaches it.
#pragma once

#include <memory>

#include "ctabi/invoker.h"

namespace ctabi::detail {

// The trampoline body for `sig` (see jit::emit_trampoline_body), compiled
// once per signature.
Result<std::shared_ptr<const CodeEntry>> cached_trampoline_body(const abi::Signature& sig);

const abi::Signature& entry_signature(const CodeEntry& entry);
const void* entry_code(const CodeEntry& entry);

} // namespace ctabi::detail
