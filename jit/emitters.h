// The per-instruction-set emitters behind ctabi/jit/emit.h. emit.cpp picks
// one by the layout's architecture (after checking that the host can run
// it); each family reads only the layout, never ABI rules.
#pragma once

#include "ctabi/jit/emit.h"

namespace ctabi::jit {

// x86-64 (System V and Win64 layouts): x64_*.cpp.
Result<GeneratedCode> emit_invoker_x64(const abi::CallLayout& layout, const void* target,
                                       const abi::ArgumentBuffer* packed);
Result<GeneratedCode> emit_forward_thunk_x64(const abi::Signature& sig,
                                             const abi::CallLayout& target_layout,
                                             const abi::CallLayout& canonical, const void* target);
Result<GeneratedCode> emit_trampoline_body_x64(const abi::CallLayout& layout);
Result<GeneratedCode> emit_trampoline_passthrough_x64(const abi::CallLayout& layout,
                                                      const abi::CallLayout& extended,
                                                      int* data_register);

// x86-32 (i386 cdecl, stdcall, fastcall, thiscall layouts): x86_*.cpp.
Result<GeneratedCode> emit_invoker_x86(const abi::CallLayout& layout, const void* target,
                                       const abi::ArgumentBuffer* packed);
Result<GeneratedCode> emit_forward_thunk_x86(const abi::Signature& sig,
                                             const abi::CallLayout& target_layout,
                                             const abi::CallLayout& canonical, const void* target);
Result<GeneratedCode> emit_trampoline_body_x86(const abi::CallLayout& layout);

} // namespace ctabi::jit
