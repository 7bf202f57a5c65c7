// classify(): a pure function from a signature (with its convention and
// platform) to the CallLayout of a call to it. One classifier file per
// convention (abi/classify_<conv>.cpp); selected at run time.
#pragma once

#include "ctabi/abi/layout.h"

namespace ctabi::abi {

Result<CallLayout> classify(const Signature& sig);

// The canonical signature of a forward thunk for `sig`: the host's native C
// convention, scalars (integers, pointers, float, double) as they are,
// aggregates and `long double` arguments by pointer, and an aggregate or
// `long double` result written through an extra first pointer argument.
// Not variadic: a thunk serves one call shape.
Signature canonical_signature(const Signature& sig);

// True when calling `sig` directly is already a canonical host-native call,
// so a forward thunk would be the identity.
bool is_canonical(const Signature& sig);

// Per-convention classifiers (called by classify after validate()).
Result<CallLayout> classify_sysv64(const Signature& sig);
Result<CallLayout> classify_win64(const Signature& sig);

} // namespace ctabi::abi
