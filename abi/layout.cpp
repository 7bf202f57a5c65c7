#include "ctabi/abi/layout.h"

namespace ctabi::abi {

std::string location_name(const Location& loc, Arch arch) {
    if (loc.is_stack()) return "sp+" + std::to_string(loc.offset);
    switch (loc.cls) {
    case RegClass::xmm: return "xmm" + std::to_string(loc.reg);
    case RegClass::x87: return "st0";
    case RegClass::gpr: break;
    }
    static const char* const names64[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    static const char* const names32[] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    if (arch == Arch::i386 && loc.reg < 8) return names32[loc.reg];
    return loc.reg < 16 ? names64[loc.reg] : "r?";
}

namespace {

// `rdi`, `rsi[0:8]` (bytes 0..8 of the value), `rdi/sx32`, `sp+8`.
std::string piece_text(const Piece& p, uint64_t value_size, Arch arch) {
    std::string s = location_name(p.loc, arch);
    if (p.offset != 0 || p.size != value_size)
        s += "[" + std::to_string(p.offset) + ":" + std::to_string(p.size) + "]";
    if (p.extend == Extend::sign32) s += "/sx32";
    if (p.extend == Extend::zero32) s += "/zx32";
    return s;
}

std::string pieces_text(const Pieces& pieces, uint64_t value_size, Arch arch) {
    std::string s;
    for (size_t i = 0; i < pieces.size(); ++i) {
        if (i) s += " ";
        s += piece_text(pieces[i], value_size, arch);
    }
    return s;
}

uint64_t covered_size(const Pieces& pieces) {
    uint64_t end = 0;
    for (const auto& p : pieces)
        end = std::max<uint64_t>(end, p.offset + p.size);
    return end;
}

} // namespace

std::string CallLayout::to_string() const {
    std::string s = conv_name(conv);
    if (platform == Platform::windows && arch == Arch::i386) s = "windows " + s;
    for (const auto& a : args) {
        s += "; ";
        if (a.index == kSretIndex) {
            s += "sret " + pieces_text(a.pieces, a.pieces.at(0).size, arch);
            continue;
        }
        s += "a" + std::to_string(a.index) + " ";
        if (a.kind == PassKind::indirect) {
            s += "ref " + pieces_text(a.pieces, a.pieces.at(0).size, arch) + " copy sp+" +
                 std::to_string(a.copy_offset) + ":" + std::to_string(a.copy_size);
        } else {
            // A value's size is what its pieces cover (padding on the stack excluded).
            s += pieces_text(a.pieces, covered_size(a.pieces), arch);
        }
    }
    s += "; ret ";
    switch (result.kind) {
    case ResultLayout::Kind::none: s += "void"; break;
    case ResultLayout::Kind::direct:
        s += pieces_text(result.pieces, covered_size(result.pieces), arch);
        break;
    case ResultLayout::Kind::indirect:
        s += "sret";
        if (result.returns_sret_pointer) s += "->" + location_name(result.sret_pointer_reg, arch);
        break;
    }
    s += "; stack " + std::to_string(stack_size);
    if (shadow_space) s += " shadow " + std::to_string(shadow_space);
    if (copy_area_size)
        s += "; copies " + std::to_string(copy_area_size) + " align " +
             std::to_string(copy_area_align);
    if (callee_pops) s += "; pops " + std::to_string(callee_pops);
    if (vector_count >= 0) s += "; al " + std::to_string(vector_count);
    return s;
}

} // namespace ctabi::abi
