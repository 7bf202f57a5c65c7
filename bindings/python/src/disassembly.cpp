#include "disassembly.h"

#include <cstdio>

#include "ctabi/abi/signature.h"
#include "disasm.h"

namespace ctabi::python {

Result<std::string> listing(const std::string& title, const void* code, size_t size) {
    const auto address = reinterpret_cast<uintptr_t>(code);
    CTABI_TRY_ASSIGN(ins, disasm::disassemble(static_cast<const uint8_t*>(code), size, address,
                                              abi::conv_arch(abi::host_conv())));
    char head[64];
    std::snprintf(head, sizeof head, " (%zu bytes at %#llx):\n", size,
                  static_cast<unsigned long long>(address));
    return title + head + disasm::format_listing(ins);
}

} // namespace ctabi::python
