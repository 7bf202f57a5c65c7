// Disassembly of generated code with LLVM's MC disassembler (LLVM 14's C
// API). LLVM is loaded on first use, with dlopen: nothing that links this
// library loads LLVM before something asks for a listing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ctabi/abi/signature.h"
#include "ctabi/result.h"

namespace ctabi::disasm {

struct Instruction {
    uint64_t address = 0;
    std::vector<uint8_t> bytes;
    std::string text; // Intel syntax, "mov qword ptr [rsp + 8], rax"
};

// The instructions of `size` bytes of `arch` code that sits at `address`
// (a byte that starts no instruction is listed as `.byte`). An error when
// LLVM cannot be loaded (it looks for libLLVM-14.so.1, or the library
// $CTABI_LLVM_LIBRARY names).
Result<std::vector<Instruction>> disassemble(const uint8_t* code, size_t size, uint64_t address,
                                             abi::Arch arch);

// One line per instruction: address, bytes, text.
std::string format_listing(const std::vector<Instruction>& code);

// Whether this process has loaded LLVM (for tests of the lazy loading).
bool llvm_loaded();

} // namespace ctabi::disasm
