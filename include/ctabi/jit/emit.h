// Emitters: machine code generated from CallLayouts alone (no ABI rule is
// re-derived here). The host is x86-64 System V or i386 (cdecl).
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

// What a reverse trampoline calls: `handler(data, result, args)`, a
// host-native function (see ctabi/callback.h for the meaning of the buffers).
using TrampolineHandler = void (*)(void* data, void* result, void* const* args);

// Where a callback's stub points r10 (x86-64) or eax (i386) before jumping to the trampoline body:
// the callback's handler and its data.
struct TrampolineTarget {
    TrampolineHandler handler;
    void* data;
};

// The body of a reverse trampoline: a function of the convention `layout`
// describes (the callee's side of it), shared by every callback of the
// signature. Entered with r10 (i386: eax) pointing at a TrampolineTarget, it preserves
// the registers the foreign convention's caller expects kept, points
// args[i] at each argument's value, calls the handler with the host's
// convention and returns its result where the foreign caller looks for it.
Result<GeneratedCode> emit_trampoline_body(const abi::CallLayout& layout);

// The body of a pass-through trampoline: for a handler of the foreign
// convention itself, `R handler(args..., void* data)`. `layout` is the
// signature's, `extended` that of the signature with a pointer argument
// appended. Entered like the body above; puts `data` where `extended` says
// and jumps to (or, when the pointer goes on the stack, calls) the handler.
// An error when the two layouts disagree on any argument or the result (the
// caller then uses emit_trampoline_body). When the pointer goes in a register
// and adds no stack bytes, *data_register (if given) is set to that
// register's number: the body is then `mov reg, [r10+8]; jmp [r10]`, which a
// callback's stub can do itself. Otherwise it is set to -1.
Result<GeneratedCode> emit_trampoline_passthrough(const abi::CallLayout& layout,
                                                  const abi::CallLayout& extended,
                                                  int* data_register = nullptr);

} // namespace ctabi::jit
