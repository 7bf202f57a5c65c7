// Properties of the generated code, checked on its disassembly (LLVM MC) for
// every convention, i386 included (jit::list_generated_code assembles i386
// code from this x86-64 process, never to run):
//   - a callee-popping path returns with `ret imm16` of exactly the layout's
//     pop count (stdcall, fastcall, thiscall trampolines; Linux cdecl with a
//     hidden result pointer), and every other path with a plain `ret`;
//   - where no red zone exists (Win64, i386) no code writes below the stack
//     pointer;
//   - a Win64 trampoline keeps xmm6-xmm15 (and rsi, rdi), which its System V
//     handler may clobber: each saved before the handler is called and
//     restored after.
#include <gtest/gtest.h>

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "ctabi/jit/listing.h"
#include "disasm.h"

namespace {

// (Not `using namespace ctabi`: GCC's <cxxabi.h>, which GoogleTest includes,
// defines a global `abi`.)
namespace abi = ctabi::abi;
namespace jit = ctabi::jit;
namespace disasm = ctabi::disasm;

struct Listed {
    abi::Signature sig;
    abi::CallLayout layout;
    std::vector<jit::CodeListing> code;
    std::vector<std::vector<disasm::Instruction>> ins; // per listing
};

Listed list(const std::string& text) {
    Listed l;
    auto sig = abi::parse_signature(text);
    if (!sig) {
        ADD_FAILURE() << text << ": " << sig.error().message;
        return l;
    }
    l.sig = *sig;
    auto layout = abi::classify(l.sig);
    if (!layout) {
        ADD_FAILURE() << text << ": " << layout.error().message;
        return l;
    }
    l.layout = *layout;
    auto code = jit::list_generated_code(l.sig);
    if (!code) {
        ADD_FAILURE() << text << ": " << code.error().message;
        return l;
    }
    l.code = *code;
    for (const auto& c : l.code) {
        auto ins = disasm::disassemble(c.bytes.data(), c.bytes.size(), c.base, c.arch);
        EXPECT_TRUE(ins) << text << ": " << c.name << ": " << (ins ? "" : ins.error().message);
        l.ins.push_back(ins ? *ins : std::vector<disasm::Instruction>{});
    }
    return l;
}

const std::vector<disasm::Instruction>& code_of(const Listed& l, const std::string& name) {
    for (size_t i = 0; i < l.code.size(); ++i)
        if (l.code[i].name == name) return l.ins[i];
    static const std::vector<disasm::Instruction> none;
    return none;
}

std::string mnemonic(const disasm::Instruction& ins) {
    return ins.text.substr(0, ins.text.find(' '));
}

// The pop count of a `ret` (0 for a plain one), or nullopt if not a ret.
std::optional<uint32_t> ret_count(const disasm::Instruction& ins) {
    if (mnemonic(ins) != "ret") return std::nullopt;
    if (ins.text.size() == 3) return 0u;
    return uint32_t(std::stoul(ins.text.substr(4), nullptr, 0));
}

const char* kCalleePops[] = {
    "linux stdcall i32(i32, i32)",
    "linux stdcall void(i64, f64, {i32, i32, i32})",
    "windows stdcall {i32, i32}(i32, f64)",
    "windows stdcall {i32, i32, i32}(i8, i16)",
    "linux fastcall i32(i32, i32, i32, f64)",
    "windows fastcall i64({i32, i32}, i32, i32)",
    "linux thiscall f64(ptr, i32, f32)",
    "windows thiscall {i32, i32, i32}(ptr, i32)",
    "linux cdecl {i32, i32, i32}(i32)", // the callee pops the hidden pointer
    "linux cdecl {f64, f64}(f64, ptr)",
};

TEST(CodeProperties, CalleePoppingTrampolinesReturnWithTheirPopCount) {
    for (const char* text : kCalleePops) {
        Listed l = list(text);
        const auto& body = code_of(l, "trampoline body");
        ASSERT_FALSE(body.empty()) << text;
        int rets = 0;
        for (const auto& ins : body)
            if (auto n = ret_count(ins)) {
                ++rets;
                EXPECT_EQ(*n, l.layout.callee_pops) << text << ": " << ins.text;
                if (l.layout.callee_pops) {
                    EXPECT_EQ(ins.bytes.size(), 3u) << "ret imm16: " << ins.text;
                    EXPECT_EQ(ins.bytes[0], 0xC2) << ins.text;
                }
            }
        EXPECT_GE(rets, 1) << text;
        EXPECT_TRUE(ret_count(body.back())) << text << ": the body ends with " << body.back().text;
    }
}

TEST(CodeProperties, ThunksAndInvokersReturnAsTheirOwnLayoutSays) {
    // A forward thunk is a host-native (cdecl, here) function of the
    // canonical signature: it pops what that layout pops (4 for the hidden
    // result pointer of Linux cdecl). An invoker is called as cdecl without
    // one and pops nothing.
    for (const char* text : kCalleePops) {
        Listed l = list(text);
        const abi::Signature canonical =
            abi::canonical_signature(l.sig, abi::CallConv::cdecl_, abi::Platform::sysv);
        const uint32_t pops = abi::classify(canonical).value().callee_pops;
        for (const auto& ins : code_of(l, "forward thunk")) {
            if (auto n = ret_count(ins)) {
                EXPECT_EQ(*n, pops) << text << " thunk: " << ins.text;
            }
        }
        for (const auto& ins : code_of(l, "invoker"))
            if (auto n = ret_count(ins)) {
                EXPECT_EQ(*n, 0u) << text << " invoker: " << ins.text;
            }
    }
}

// The stack pointer relative to its value at entry, as an interval (an
// `and sp, -N` lowers it by up to N-1), and the frame pointer.
struct StackState {
    int64_t lo = 0, hi = 0;
    bool has_bp = false;
    int64_t bp = 0;
};

std::optional<int64_t> immediate(const std::string& s) {
    try {
        size_t used = 0;
        long long v = std::stoll(s, &used, 0);
        if (used == s.size()) return v;
    } catch (...) {
    }
    return std::nullopt;
}

// Splits "op a, b" into operands (Intel syntax has no commas inside memory
// operands).
std::vector<std::string> operands(const disasm::Instruction& ins) {
    std::vector<std::string> out;
    size_t sp = ins.text.find(' ');
    if (sp == std::string::npos) return out;
    std::string rest = ins.text.substr(sp + 1);
    size_t start = 0;
    while (start <= rest.size()) {
        size_t comma = rest.find(", ", start);
        out.push_back(rest.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 2;
    }
    return out;
}

// A memory operand's base register and displacement: "[rsp + 0x20]".
struct Mem {
    std::string base;
    int64_t disp = 0;
    bool has_index = false;
};
std::optional<Mem> memory(const std::string& op) {
    static const std::regex re(R"(\[(\w+)(?: ([+-]) (\w+)\*\d+)?(?: ([+-]) (0x[0-9a-f]+|\d+))?\])");
    std::smatch m;
    if (!std::regex_search(op, m, re)) return std::nullopt;
    Mem mem;
    mem.base = m[1];
    mem.has_index = m[3].matched;
    if (m[5].matched) mem.disp = (m[4] == "-" ? -1 : 1) * std::stoll(m[5], nullptr, 0);
    return mem;
}

bool writes_first_operand(const std::string& mn) {
    static const char* readers[] = {"cmp",     "test",   "lea",    "push", "call", "jmp", "ucomisd",
                                    "ucomiss", "comisd", "comiss", "fld",  "fild", "bt"};
    for (const char* r : readers)
        if (mn == r) return false;
    return true;
}

// Every write below the stack pointer in `code` (as text, for the message).
std::vector<std::string> writes_below_sp(const std::vector<disasm::Instruction>& code,
                                         abi::Arch arch) {
    const bool x64 = arch == abi::Arch::x86_64;
    const std::string sp = x64 ? "rsp" : "esp", bp = x64 ? "rbp" : "ebp";
    const int64_t word = x64 ? 8 : 4;
    StackState s;
    std::vector<std::string> bad;
    for (const auto& ins : code) {
        const std::string mn = mnemonic(ins);
        const auto ops = operands(ins);
        if (!ops.empty() && writes_first_operand(mn))
            if (auto m = memory(ops[0]); m && !m->has_index) {
                // Safe only if at or above the highest place sp may be.
                if (m->base == sp && m->disp < 0) bad.push_back(ins.text);
                if (m->base == bp && s.has_bp && s.bp + m->disp < s.hi) bad.push_back(ins.text);
            }
        if (mn == "push") {
            s.lo -= word, s.hi -= word;
        } else if (mn == "pop") {
            if (!ops.empty() && ops[0] == bp) s.has_bp = false;
            s.lo += word, s.hi += word;
        } else if ((mn == "sub" || mn == "add") && ops.size() == 2 && ops[0] == sp) {
            if (auto v = immediate(ops[1])) {
                const int64_t d = mn == "sub" ? -*v : *v;
                s.lo += d, s.hi += d;
            }
        } else if (mn == "and" && ops.size() == 2 && ops[0] == sp) {
            if (auto v = immediate(ops[1])) s.lo -= (-*v) - 1;
        } else if (mn == "mov" && ops.size() == 2 && ops[0] == bp && ops[1] == sp) {
            s.has_bp = s.lo == s.hi;
            s.bp = s.hi;
        } else if (mn == "mov" && ops.size() == 2 && ops[0] == sp && ops[1] == bp && s.has_bp) {
            s.lo = s.hi = s.bp;
        } else if (mn == "lea" && ops.size() == 2 && ops[0] == sp) {
            auto m = memory(ops[1]);
            if (m && m->base == bp && s.has_bp) s.lo = s.hi = s.bp + m->disp;
        }
    }
    return bad;
}

const char* kNoRedZone[] = {
    "win64 f64(i32, {i64, i64, i64})",
    "win64 void(f64, f32, i64, i8, {i32, i32}, {f64, f64, f64}, f80)",
    "win64 {i64, i64, i64}(i32, f64, i32, f64, i32, f64)",
    "win64 i32(ptr, ..., f64, i32)",
    "win64 f64(f80, i32)",
    "linux cdecl i32(i32, i64, f64, {i8, i16})",
    "linux cdecl {i32, i32, i32}(f80, i32)",
    "windows cdecl {i32, i32}(i32, f64)",
    "linux stdcall void(i64, f64, {i32, i32, i32})",
    "windows stdcall {i32, i32, i32}(i8, i16)",
    "linux fastcall i32(i32, i32, i32, f64)",
    "windows fastcall i64({i32, i32}, i32, i32)",
    "linux thiscall f64(ptr, i32, f32)",
    "windows thiscall {i32, i32, i32}(ptr, i32)",
    "linux cdecl i32(ptr, ..., f64, i32)",
};

TEST(CodeProperties, NothingIsWrittenBelowTheStackPointerWithoutARedZone) {
    for (const char* text : kNoRedZone) {
        Listed l = list(text);
        for (size_t i = 0; i < l.code.size(); ++i) {
            if (l.code[i].name == "forward thunk" && l.layout.arch == abi::Arch::x86_64)
                continue; // a System V function: it has a red zone
            for (const std::string& w : writes_below_sp(l.ins[i], l.code[i].arch))
                ADD_FAILURE() << text << ": " << l.code[i].name << ": writes below sp: " << w;
        }
    }
}

TEST(CodeProperties, TheWriteCheckCatchesWritesBelowTheStackPointer) {
    // The check itself: hand-made listings, one safe and three unsafe.
    auto ins = [](std::string t) { return disasm::Instruction{0, {}, std::move(t)}; };
    EXPECT_TRUE(writes_below_sp({ins("push rbp"), ins("mov rbp, rsp"), ins("sub rsp, 0x20"),
                                 ins("mov qword ptr [rbp - 0x20], rax"),
                                 ins("mov qword ptr [rsp + 0x8], rax")},
                                abi::Arch::x86_64)
                    .empty());
    EXPECT_EQ(writes_below_sp({ins("mov qword ptr [rsp - 0x8], rax")}, abi::Arch::x86_64).size(),
              1u);
    EXPECT_EQ(writes_below_sp({ins("push ebp"), ins("mov ebp, esp"), ins("sub esp, 0x10"),
                               ins("mov dword ptr [ebp - 0x14], eax")},
                              abi::Arch::i386)
                  .size(),
              1u);
    EXPECT_EQ(writes_below_sp({ins("push ebp"), ins("mov ebp, esp"), ins("sub esp, 0x10"),
                               ins("and esp, -0x10"), ins("lea esp, [ebp - 0x4]"),
                               ins("mov dword ptr [ebp - 0x8], eax")},
                              abi::Arch::i386)
                  .size(),
              1u);
}

TEST(CodeProperties, Win64TrampolinesKeepXmm6ToXmm15AndRsiRdi) {
    for (const char* text : kNoRedZone) {
        Listed l = list(text);
        if (l.layout.conv != abi::CallConv::win64) continue;
        const auto& body = code_of(l, "trampoline body");
        size_t call = body.size();
        for (size_t i = 0; i < body.size(); ++i)
            if (mnemonic(body[i]) == "call") call = i;
        ASSERT_LT(call, body.size()) << text << ": no handler call";
        for (int r = 6; r <= 15; ++r) {
            const std::string reg = "xmm" + std::to_string(r);
            bool saved = false, restored = false;
            for (size_t i = 0; i < body.size(); ++i) {
                const auto ops = operands(body[i]);
                if (ops.size() != 2) continue;
                if (i < call && ops[1] == reg && memory(ops[0])) saved = true;
                if (i > call && ops[0] == reg && memory(ops[1])) restored = true;
            }
            EXPECT_TRUE(saved) << text << ": " << reg << " not saved before the handler call";
            EXPECT_TRUE(restored) << text << ": " << reg << " not restored after it";
        }
        for (const char* reg : {"rsi", "rdi"}) {
            bool pushed = false, popped = false;
            for (size_t i = 0; i < body.size(); ++i) {
                if (i < call && body[i].text == std::string("push ") + reg) pushed = true;
                if (i > call && body[i].text == std::string("pop ") + reg) popped = true;
            }
            EXPECT_TRUE(pushed && popped) << text << ": " << reg << " not kept";
        }
    }
}

TEST(CodeProperties, ListingsDoNotRunAndLlvmLoadsOnlyWhenAsked) {
    // list_generated_code needs no LLVM; the first disassembly loads it.
    auto code = jit::list_generated_code(abi::parse_signature("stdcall i32(i32)").value());
    ASSERT_TRUE(code);
    EXPECT_EQ(code->size(), 3u);
    (void)list("win64 i32(i32)");
    EXPECT_TRUE(disasm::llvm_loaded());
}

} // namespace
