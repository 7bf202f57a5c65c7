// Thunk.disassemble() and the callbacks' disassemble(): listings of the
// generated code through LLVM MC (tools/disasm), which is loaded on the
// first call only.
#pragma once

#include <cstddef>
#include <string>

#include "ctabi/result.h"

namespace ctabi::python {

// "title (N bytes at 0x...):" and one line per instruction of the host's
// code at `code`; an error when LLVM cannot be loaded.
Result<std::string> listing(const std::string& title, const void* code, size_t size);

} // namespace ctabi::python
