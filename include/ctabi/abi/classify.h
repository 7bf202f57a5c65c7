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
// The same for a process whose native convention is `native` on `platform`
// (the code listings of tools show i386 code from an x86-64 process).
Signature canonical_signature(const Signature& sig, CallConv native, Platform platform);

// True when calling `sig` directly is already a canonical host-native call,
// so a forward thunk would be the identity.
bool is_canonical(const Signature& sig);

// Registers by hardware number (see abi::gpr): bit r of `gpr` is general
// purpose register r, bit r of `xmm` is xmm r.
struct RegisterSet {
    uint16_t gpr = 0;
    uint16_t xmm = 0;
    bool has_gpr(uint8_t r) const { return gpr >> r & 1; }
    bool has_xmm(uint8_t r) const { return xmm >> r & 1; }
    friend bool operator==(const RegisterSet&, const RegisterSet&) = default;
};

// The registers a function of `conv` must leave as its caller had them (the
// stack pointer aside). What a reverse trampoline of that convention saves
// when the native handler it calls may clobber them.
RegisterSet callee_saved(CallConv conv);

// Per-convention classifiers (called by classify after validate()), and the
// callee-saved sets.
Result<CallLayout> classify_sysv64(const Signature& sig);
Result<CallLayout> classify_win64(const Signature& sig);
// cdecl, stdcall, fastcall and thiscall, under sig.platform's rules.
Result<CallLayout> classify_i386(const Signature& sig);
RegisterSet callee_saved_sysv64();
RegisterSet callee_saved_win64();

} // namespace ctabi::abi
