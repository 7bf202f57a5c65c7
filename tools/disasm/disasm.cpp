#include "disasm.h"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include <llvm-c/Disassembler.h>

namespace ctabi::disasm {
namespace {

// The part of LLVM's C API used here, resolved from the shared library.
struct Llvm {
    void* handle = nullptr;
    decltype(&LLVMCreateDisasm) create = nullptr;
    decltype(&LLVMSetDisasmOptions) set_options = nullptr;
    decltype(&LLVMDisasmInstruction) instruction = nullptr;
    LLVMDisasmContextRef context[2] = {nullptr, nullptr}; // x86-64, i386
    std::string error;
};

std::mutex g_mutex;
Llvm* g_llvm = nullptr;

template <typename F>
bool resolve(void* handle, F& f, const char* name) {
    f = reinterpret_cast<F>(dlsym(handle, name));
    return f != nullptr;
}

// Loads LLVM once; g_mutex held.
Llvm& llvm() {
    if (g_llvm) return *g_llvm;
    auto* l = new Llvm;
    g_llvm = l;
    const char* path = std::getenv("CTABI_LLVM_LIBRARY");
    if (!path || !*path) path = "libLLVM-14.so.1";
    l->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!l->handle) {
        l->error = std::string("disassembly needs LLVM 14's shared library (Debian: libllvm14; "
                               "or set CTABI_LLVM_LIBRARY): ") +
                   dlerror();
        return *l;
    }
    void (*init_info)() = nullptr, (*init_mc)() = nullptr, (*init_disasm)() = nullptr;
    if (!resolve(l->handle, l->create, "LLVMCreateDisasm") ||
        !resolve(l->handle, l->set_options, "LLVMSetDisasmOptions") ||
        !resolve(l->handle, l->instruction, "LLVMDisasmInstruction") ||
        !resolve(l->handle, init_info, "LLVMInitializeX86TargetInfo") ||
        !resolve(l->handle, init_mc, "LLVMInitializeX86TargetMC") ||
        !resolve(l->handle, init_disasm, "LLVMInitializeX86Disassembler")) {
        l->error = std::string(path) + " lacks LLVM's C disassembler API or the X86 target";
        return *l;
    }
    init_info();
    init_mc();
    init_disasm();
    const char* triples[2] = {"x86_64-unknown-linux-gnu", "i386-unknown-linux-gnu"};
    for (int i = 0; i < 2; ++i) {
        l->context[i] = l->create(triples[i], nullptr, 0, nullptr, nullptr);
        if (!l->context[i]) {
            l->error = std::string("LLVM has no disassembler for ") + triples[i];
            return *l;
        }
        // Intel syntax (the variant asmjit and the README use), hex immediates.
        // (Choosing the variant makes a new printer: hex immediates after.)
        l->set_options(l->context[i], LLVMDisassembler_Option_AsmPrinterVariant);
        l->set_options(l->context[i], LLVMDisassembler_Option_PrintImmHex);
    }
    return *l;
}

// LLVM prints "\tmov\trax, rbx": one space after the mnemonic instead.
std::string tidy(const char* text) {
    std::string s(text);
    size_t start = s.find_first_not_of(" \t");
    s = start == std::string::npos ? std::string() : s.substr(start);
    for (char& c : s)
        if (c == '\t') c = ' ';
    return s;
}

} // namespace

bool llvm_loaded() {
    std::lock_guard lock(g_mutex);
    return g_llvm && g_llvm->handle;
}

Result<std::vector<Instruction>> disassemble(const uint8_t* code, size_t size, uint64_t address,
                                             abi::Arch arch) {
    std::lock_guard lock(g_mutex);
    Llvm& l = llvm();
    if (!l.error.empty()) return make_error(l.error);
    LLVMDisasmContextRef dc = l.context[arch == abi::Arch::x86_64 ? 0 : 1];
    std::vector<Instruction> out;
    size_t at = 0;
    while (at < size) {
        char text[256];
        size_t n = l.instruction(dc, const_cast<uint8_t*>(code + at), size - at, address + at, text,
                                 sizeof text);
        if (n == 0) {
            // Not an instruction: data in the code (a constant, padding).
            char b[32];
            std::snprintf(b, sizeof b, ".byte 0x%02x", code[at]);
            out.push_back(Instruction{address + at, {code[at]}, b});
            ++at;
            continue;
        }
        Instruction ins;
        ins.address = address + at;
        ins.bytes.assign(code + at, code + at + n);
        ins.text = tidy(text);
        const bool ends_code =
            ins.text == "ret" || ins.text.rfind("ret ", 0) == 0 || ins.text.rfind("jmp ", 0) == 0;
        out.push_back(std::move(ins));
        at += n;
        if (ends_code) {
            // ctabi's emitters put their constants (call targets) after the
            // code, aligned to 8 with int3 padding: list them as data.
            size_t pad = at;
            while (pad < size && code[pad] == 0xCC)
                ++pad;
            if (pad > at && pad < size && (address + pad) % 8 == 0 && (size - pad) % 8 == 0) {
                for (; at < pad; ++at)
                    out.push_back(Instruction{address + at, {0xCC}, "int3"});
                for (; at < size; at += 8) {
                    uint64_t v = 0;
                    for (int k = 7; k >= 0; --k)
                        v = v << 8 | code[at + size_t(k)];
                    char b[40];
                    std::snprintf(b, sizeof b, ".quad 0x%llx", static_cast<unsigned long long>(v));
                    out.push_back(Instruction{address + at, {code + at, code + at + 8}, b});
                }
            }
        }
    }
    return out;
}

std::string format_listing(const std::vector<Instruction>& code) {
    std::string out;
    for (const Instruction& ins : code) {
        char head[40];
        std::snprintf(head, sizeof head,
                      "  %6llx:  ", static_cast<unsigned long long>(ins.address));
        std::string bytes;
        for (uint8_t b : ins.bytes) {
            char h[4];
            std::snprintf(h, sizeof h, "%02x ", b);
            bytes += h;
        }
        if (bytes.size() < 33) bytes.resize(33, ' ');
        out += head + bytes + ins.text + "\n";
    }
    return out;
}

} // namespace ctabi::disasm
