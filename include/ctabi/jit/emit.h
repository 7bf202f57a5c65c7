// Emitters: machine code generated from CallLayouts alone (no ABI rule is
// re-derived here). The host is x86-64 System V.
#pragma once

#include "ctabi/abi/layout.h"
#include "ctabi/jit/code.h"

namespace ctabi::jit {

// The host-native entry points of an invoker (the ffi_call replacement).
// `args[i]` points to the value of argument i; the result's bytes (its type's
// size; nothing for void) are written to `result`.
using InvokeFn = void (*)(const void* target, void* result, void* const* args);
using BoundInvokeFn = void (*)(void* result, void* const* args);

// The packed form: arguments by value in one buffer (abi::argument_buffer).
using PackedInvokeFn = void (*)(void* result, const void* args);

// An invoker for calls laid out as `layout`. With a target, the code calls
// that address and has the BoundInvokeFn form; without, the InvokeFn form.
// With `packed` (the offsets of abi::argument_buffer, one per argument) and
// a target, it reads a packed buffer instead: the PackedInvokeFn form.
Result<GeneratedCode> emit_invoker(const abi::CallLayout& layout, const void* target,
                                   const abi::ArgumentBuffer* packed = nullptr);

// A forward thunk: a host-native function laid out as `canonical` (the layout
// of abi::canonical_signature(sig)) that calls `target`, laid out as
// `target_layout` (the layout of sig itself).
Result<GeneratedCode> emit_forward_thunk(const abi::Signature& sig,
                                         const abi::CallLayout& target_layout,
                                         const abi::CallLayout& canonical, const void* target);

} // namespace ctabi::jit
