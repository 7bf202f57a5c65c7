// ctabi-inspect: what ctabi does with a signature, before anything runs:
// the classification (where every argument and the result live) and the
// disassembly of the forward thunk, the invoker and the reverse trampoline
// body it would emit. See --help.
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../disasm/disasm.h"
#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "ctabi/jit/listing.h"

namespace {

using namespace ctabi;

constexpr const char* kHelp = R"(usage: ctabi-inspect [options] SIGNATURE

Prints how ctabi classifies SIGNATURE (ctabi's signature text, for example
'win64 f64(i32, {i64, i64, i64})') and the machine code it would generate
for it, disassembled with LLVM's MC disassembler (LLVM 14):

  - the classification: each argument (the synthetic sret pointer first,
    when the result is returned through one) with its type, size,
    alignment, whether it is passed directly or as a pointer to a caller's
    copy, the registers and stack slots holding its bytes, and the copy's
    place; the result; the outgoing stack size, shadow space, copy area,
    stack alignment and the bytes the callee pops on return;
  - the forward thunk (a host-native function of the canonical signature
    that calls a target of SIGNATURE; it calls 0x7f0000001000, or
    0x08001000 for i386 code), the invoker (ffi_call's replacement) and the
    trampoline body (a callback's code), relocated to address 0x10000.

Code of the i386 conventions is shown from any process: it is assembled
into ordinary memory for reading and never run.

Signature text:
  [linux|windows] [sysv64|win64|cdecl|stdcall|fastcall|thiscall] RET(ARGS)
  types: void bool i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 f80 ptr,
         {T, ...} struct, union{T, ...}, [N x T] array,
         {T @off, ... | size N align N} an explicit layout;
  '...' starts the variadic arguments of one call: 'i32(ptr, ..., f64)'.

Options:
  --conv NAME       the convention when SIGNATURE names none (default: the
                    host's, sysv64 on x86-64 Linux)
  --platform NAME   linux or windows, when SIGNATURE names none (the i386
                    conventions' rules differ between them)
  --json            the same as one JSON document (schema 1: see the README)
  --no-code         the classification only (does not load LLVM)
  -h, --help        this text

Environment:
  CTABI_LLVM_LIBRARY   LLVM's shared library (default libLLVM-14.so.1)

Exit status: 0 done; 1 bad usage or a signature ctabi cannot classify (the
message points at the offending column); 2 the code could not be generated
or disassembled (LLVM missing, say).
)";

struct Options {
    std::string signature;
    std::string conv, platform;
    bool json = false;
    bool code = true;
};

int usage_error(const std::string& message) {
    std::fprintf(stderr, "ctabi-inspect: %s\n(ctabi-inspect --help explains the options)\n",
                 message.c_str());
    return 1;
}

bool is_conv_word(std::string_view w) {
    return abi::conv_from_name(w).has_value();
}
bool is_platform_word(std::string_view w) {
    return w == "linux" || w == "windows";
}

// The leading words of a signature text (before the result type).
std::vector<std::string_view> leading_words(std::string_view text) {
    std::vector<std::string_view> words;
    size_t i = 0;
    while (words.size() < 2) {
        while (i < text.size() && text[i] == ' ')
            ++i;
        size_t j = i;
        while (j < text.size() && std::isalnum(static_cast<unsigned char>(text[j])))
            ++j;
        std::string_view w = text.substr(i, j - i);
        if (!(is_conv_word(w) || is_platform_word(w))) break;
        words.push_back(w);
        i = j;
    }
    return words;
}

// A parse or classification error, with the text and a caret under the
// offending column when the error names one.
int signature_error(const std::string& text, const Error& e, size_t shift) {
    if (e.position >= 0 && size_t(e.position) >= shift) {
        // The parser names the column of the text it read (--conv and
        // --platform prefixed): name the user's own, and show it.
        const size_t column = size_t(e.position) - shift;
        std::string message = e.message.substr(0, e.message.rfind(" at column "));
        std::fprintf(stderr, "ctabi-inspect: %s at column %zu:\n  %s\n  %s^\n", message.c_str(),
                     column + 1, text.c_str(), std::string(column, ' ').c_str());
    } else {
        std::fprintf(stderr, "ctabi-inspect: %s\n", e.message.c_str());
    }
    return 1;
}

std::string hex(uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "%#llx", static_cast<unsigned long long>(v));
    return b;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char b[8];
                std::snprintf(b, sizeof b, "\\u%04x", c);
                out += b;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

const char* extend_name(abi::Extend e) {
    switch (e) {
    case abi::Extend::sign32: return "sign32";
    case abi::Extend::zero32: return "zero32";
    case abi::Extend::none: break;
    }
    return "none";
}

std::string piece_text(const abi::Piece& p, abi::Arch arch, uint32_t value_size) {
    std::string where = abi::location_name(p.loc, arch);
    std::string s;
    if (!(p.offset == 0 && p.size == value_size))
        s = "[" + std::to_string(p.offset) + ".." + std::to_string(p.offset + p.size) + ") ";
    s += where;
    if (p.extend != abi::Extend::none) s += std::string(" (") + extend_name(p.extend) + ")";
    return s;
}

std::string pieces_text(const abi::Pieces& pieces, abi::Arch arch, uint32_t value_size) {
    std::string s;
    for (const abi::Piece& p : pieces) {
        if (!s.empty()) s += ", ";
        s += piece_text(p, arch, value_size);
    }
    return s.empty() ? "-" : s;
}

std::string pieces_json(const abi::Pieces& pieces, abi::Arch arch) {
    std::string s = "[";
    for (size_t i = 0; i < pieces.size(); ++i) {
        const abi::Piece& p = pieces[i];
        if (i) s += ", ";
        s += "{\"offset\": " + std::to_string(p.offset) + ", \"size\": " + std::to_string(p.size) +
             ", \"location\": " + json_string(abi::location_name(p.loc, arch)) +
             ", \"extend\": " + json_string(extend_name(p.extend)) + "}";
    }
    return s + "]";
}

struct Code {
    jit::CodeListing listing;
    std::vector<disasm::Instruction> instructions;
};

const char* arch_name(abi::Arch a) {
    return a == abi::Arch::x86_64 ? "x86-64" : "i386";
}

void print_text(const abi::Signature& sig, const abi::CallLayout& layout,
                const std::vector<Code>& code, bool with_code) {
    std::printf("signature   %s\n", sig.to_string().c_str());
    if (layout.arch == abi::Arch::i386)
        std::printf("convention  %s, %s rules, %s code\n", abi::conv_name(sig.conv),
                    sig.platform == abi::Platform::windows ? "Windows (MSVC)" : "Linux (GCC)",
                    arch_name(layout.arch));
    else
        std::printf("convention  %s, %s code\n", abi::conv_name(sig.conv), arch_name(layout.arch));
    std::printf("layout      %s\n\n", layout.to_string().c_str());
    std::printf("  %-6s %-28s %5s %5s  %-8s %s\n", "arg", "type", "size", "align", "passed",
                "where");
    for (const abi::ArgLayout& a : layout.args) {
        const bool sret = a.index == abi::kSretIndex;
        const abi::Type t = sret ? abi::Type::pointer(abi::data_model(sig.conv, sig.platform))
                                 : sig.args[size_t(a.index)];
        const uint32_t pointer_size = abi::data_model(sig.conv, sig.platform).pointer_size;
        std::string where = pieces_text(a.pieces, layout.arch,
                                        a.kind == abi::PassKind::indirect ? pointer_size : t.size);
        if (a.kind == abi::PassKind::indirect)
            where += " -> a copy at [sp+" + std::to_string(a.copy_offset) + "], " +
                     std::to_string(a.copy_size) + " bytes";
        std::printf(
            "  %-6s %-28s %5u %5u  %-8s %s\n", sret ? "sret" : std::to_string(a.index).c_str(),
            (sret ? std::string("ptr (the result's address)") : t.to_string()).c_str(), t.size,
            t.align, a.kind == abi::PassKind::indirect ? "indirect" : "direct", where.c_str());
    }
    const abi::ResultLayout& r = layout.result;
    std::string rwhere =
        r.kind == abi::ResultLayout::Kind::none ? "-"
        : r.kind == abi::ResultLayout::Kind::indirect
            ? std::string("through the sret pointer") +
                  (r.returns_sret_pointer ? ", which the callee returns in " +
                                                abi::location_name(r.sret_pointer_reg, layout.arch)
                                          : std::string())
            : pieces_text(r.pieces, layout.arch, sig.result.size);
    std::printf("  %-6s %-28s %5u %5u  %-8s %s\n", "result", sig.result.to_string().c_str(),
                sig.result.size, sig.result.align,
                r.kind == abi::ResultLayout::Kind::indirect ? "indirect" : "direct",
                rwhere.c_str());
    std::printf("\nstack       %u bytes of arguments (%u of them shadow space), %u bytes of copies "
                "(align %u), sp aligned to %u at the call\n",
                layout.stack_size, layout.shadow_space, layout.copy_area_size,
                layout.copy_area_align, layout.stack_align);
    std::printf("callee pops %u bytes (ret%s)\n", layout.callee_pops,
                layout.callee_pops ? (" " + std::to_string(layout.callee_pops)).c_str() : "");
    if (layout.vector_count >= 0)
        std::printf("al          %d (vector registers used, for a variadic callee)\n",
                    layout.vector_count);
    if (!with_code) return;
    for (const Code& c : code) {
        std::printf("\n%s", c.listing.name.c_str());
        if (!c.listing.note.empty()) {
            std::printf(": %s\n", c.listing.note.c_str());
            continue;
        }
        std::printf(" (%zu bytes, %s, at %s):\n", c.listing.bytes.size(), arch_name(c.listing.arch),
                    hex(c.listing.base).c_str());
        std::fputs(disasm::format_listing(c.instructions).c_str(), stdout);
    }
}

void print_json(const abi::Signature& sig, const abi::CallLayout& layout,
                const std::vector<Code>& code, bool with_code) {
    std::string s = "{\n  \"schema\": 1,\n";
    s += "  \"signature\": " + json_string(sig.to_string()) + ",\n";
    s += "  \"convention\": " + json_string(abi::conv_name(sig.conv)) + ",\n";
    s += "  \"platform\": " + json_string(abi::platform_name(sig.platform)) + ",\n";
    s += "  \"arch\": " + json_string(arch_name(layout.arch)) + ",\n";
    s += "  \"layout\": " + json_string(layout.to_string()) + ",\n";
    s += "  \"arguments\": [";
    for (size_t i = 0; i < layout.args.size(); ++i) {
        const abi::ArgLayout& a = layout.args[i];
        const bool sret = a.index == abi::kSretIndex;
        const abi::Type t = sret ? abi::Type::pointer(abi::data_model(sig.conv, sig.platform))
                                 : sig.args[size_t(a.index)];
        s += i ? ",\n    " : "\n    ";
        s += "{\"index\": " + std::string(sret ? "null" : std::to_string(a.index)) +
             ", \"sret\": " + (sret ? "true" : "false") +
             ", \"type\": " + json_string(t.to_string()) + ", \"size\": " + std::to_string(t.size) +
             ", \"align\": " + std::to_string(t.align) + ", \"passed\": " +
             json_string(a.kind == abi::PassKind::indirect ? "indirect" : "direct") +
             ", \"pieces\": " + pieces_json(a.pieces, layout.arch) + ", \"copy\": " +
             (a.kind == abi::PassKind::indirect
                  ? "{\"offset\": " + std::to_string(a.copy_offset) +
                        ", \"size\": " + std::to_string(a.copy_size) + "}"
                  : std::string("null")) +
             "}";
    }
    s += layout.args.empty() ? "],\n" : "\n  ],\n";
    const abi::ResultLayout& r = layout.result;
    const char* kind = r.kind == abi::ResultLayout::Kind::none       ? "none"
                       : r.kind == abi::ResultLayout::Kind::indirect ? "indirect"
                                                                     : "direct";
    s += "  \"result\": {\"type\": " + json_string(sig.result.to_string()) +
         ", \"size\": " + std::to_string(sig.result.size) + ", \"passed\": " + json_string(kind) +
         ", \"pieces\": " + pieces_json(r.pieces, layout.arch) + ", \"returns_sret_pointer\": " +
         (r.returns_sret_pointer ? json_string(abi::location_name(r.sret_pointer_reg, layout.arch))
                                 : std::string("null")) +
         "},\n";
    s += "  \"stack\": {\"size\": " + std::to_string(layout.stack_size) +
         ", \"shadow_space\": " + std::to_string(layout.shadow_space) +
         ", \"copy_area_size\": " + std::to_string(layout.copy_area_size) +
         ", \"copy_area_align\": " + std::to_string(layout.copy_area_align) +
         ", \"alignment\": " + std::to_string(layout.stack_align) +
         ", \"callee_pops\": " + std::to_string(layout.callee_pops) + "},\n";
    s += "  \"vector_count\": " +
         (layout.vector_count >= 0 ? std::to_string(layout.vector_count) : std::string("null")) +
         ",\n";
    s += "  \"code\": ";
    if (!with_code) {
        s += "null\n}\n";
        std::fputs(s.c_str(), stdout);
        return;
    }
    s += "[";
    for (size_t i = 0; i < code.size(); ++i) {
        const Code& c = code[i];
        s += i ? ",\n    " : "\n    ";
        s += "{\"name\": " + json_string(c.listing.name) +
             ", \"arch\": " + json_string(arch_name(c.listing.arch)) +
             ", \"base\": " + std::to_string(c.listing.base) +
             ", \"size\": " + std::to_string(c.listing.bytes.size()) + ", \"note\": " +
             (c.listing.note.empty() ? std::string("null") : json_string(c.listing.note)) +
             ", \"instructions\": [";
        for (size_t k = 0; k < c.instructions.size(); ++k) {
            const disasm::Instruction& ins = c.instructions[k];
            std::string bytes;
            for (uint8_t b : ins.bytes) {
                char h[3];
                std::snprintf(h, sizeof h, "%02x", b);
                bytes += h;
            }
            s += k ? ",\n      " : "\n      ";
            s += "{\"address\": " + std::to_string(ins.address) +
                 ", \"bytes\": " + json_string(bytes) + ", \"text\": " + json_string(ins.text) +
                 "}";
        }
        s += c.instructions.empty() ? "]}" : "\n    ]}";
    }
    s += "\n  ]\n}\n";
    std::fputs(s.c_str(), stdout);
}

int run(const Options& opt) {
    // --conv / --platform go in front of a text that names neither.
    const auto words = leading_words(opt.signature);
    bool has_conv = false, has_platform = false;
    for (auto w : words) {
        has_conv |= is_conv_word(w);
        has_platform |= is_platform_word(w);
    }
    if (!opt.conv.empty() && has_conv)
        return usage_error("--conv " + opt.conv + ", but the signature names its convention");
    if (!opt.platform.empty() && has_platform)
        return usage_error("--platform " + opt.platform + ", but the signature names its platform");
    if (!opt.conv.empty() && !is_conv_word(opt.conv))
        return usage_error("unknown convention '" + opt.conv +
                           "' (sysv64, win64, cdecl, stdcall, fastcall, thiscall)");
    if (!opt.platform.empty() && !is_platform_word(opt.platform))
        return usage_error("unknown platform '" + opt.platform + "' (linux, windows)");
    std::string prefix;
    if (!opt.platform.empty()) prefix += opt.platform + " ";
    if (!opt.conv.empty()) prefix += opt.conv + " ";
    const std::string text = prefix + opt.signature;

    auto sig = abi::parse_signature(text);
    if (!sig) return signature_error(opt.signature, sig.error(), prefix.size());
    auto layout = abi::classify(*sig);
    if (!layout) return signature_error(opt.signature, layout.error(), prefix.size());

    std::vector<Code> code;
    if (opt.code) {
        auto listings = jit::list_generated_code(*sig);
        if (!listings) {
            std::fprintf(stderr, "ctabi-inspect: generating the code: %s\n",
                         listings.error().message.c_str());
            return 2;
        }
        for (jit::CodeListing& l : *listings) {
            Code c;
            if (l.note.empty()) {
                auto ins = disasm::disassemble(l.bytes.data(), l.bytes.size(), l.base, l.arch);
                if (!ins) {
                    std::fprintf(stderr, "ctabi-inspect: %s: %s\n", l.name.c_str(),
                                 ins.error().message.c_str());
                    return 2;
                }
                c.instructions = std::move(*ins);
            }
            c.listing = std::move(l);
            code.push_back(std::move(c));
        }
    }
    if (opt.json)
        print_json(*sig, *layout, code, opt.code);
    else
        print_text(*sig, *layout, code, opt.code);
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    Options opt;
    bool have_signature = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&](const char* name) -> std::optional<std::string> {
            if (i + 1 >= argc) return std::nullopt;
            (void)name;
            return std::string(argv[++i]);
        };
        if (a == "-h" || a == "--help") {
            std::fputs(kHelp, stdout);
            return 0;
        } else if (a == "--json") {
            opt.json = true;
        } else if (a == "--no-code") {
            opt.code = false;
        } else if (a == "--conv" || a == "--platform") {
            auto v = value(argv[i]);
            if (!v) return usage_error(std::string(a) + " needs a value");
            (a == "--conv" ? opt.conv : opt.platform) = *v;
        } else if (a.size() > 1 && a[0] == '-' && !have_signature) {
            return usage_error("unknown option " + std::string(a));
        } else if (!have_signature) {
            opt.signature = std::string(a);
            have_signature = true;
        } else {
            return usage_error("one signature at a time (quote it: 'i32(i32, f64)')");
        }
    }
    if (!have_signature) return usage_error("no signature given");
    return run(opt);
}
