// Invariants shared by the fuzz targets: what holds of every CallLayout that
// classify() returns, of every argument buffer, and of the canonical
// signature, whatever the signature. Only documented or structural facts are
// checked (include/ctabi/abi/layout.h, classify.h, signature.h and the
// README's "Call layouts"); a violation prints what failed and aborts, which
// libFuzzer reports as a crash and saves the input of.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/layout.h"
#include "ctabi/abi/parse.h"
#include "ctabi/abi/signature.h"

namespace ctabi::fuzz {

[[noreturn]] inline void violated(const char* file, int line, const char* what,
                                  const std::string& context) {
    std::fprintf(stderr, "%s:%d: invariant violated: %s\n  %s\n", file, line, what,
                 context.c_str());
    std::fflush(stderr);
    std::abort();
}

// FUZZ_CHECK(condition, context): `context` (a std::string expression) is
// only built when the check fails.
#define FUZZ_CHECK(cond, context)                                                                  \
    do {                                                                                           \
        if (!(cond)) ::ctabi::fuzz::violated(__FILE__, __LINE__, #cond, (context));                \
    } while (0)

inline constexpr abi::CallConv kConvs[] = {
    abi::CallConv::sysv64,  abi::CallConv::win64,    abi::CallConv::cdecl_,
    abi::CallConv::stdcall, abi::CallConv::fastcall, abi::CallConv::thiscall,
};
inline constexpr abi::Platform kPlatforms[] = {abi::Platform::sysv, abi::Platform::windows};

inline bool is_power_of_two(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}
inline uint64_t round_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

// A readable description of the signature for failure messages; built with
// the library's own printers, which are themselves under test, so only once
// something failed.
inline std::string describe(const abi::Signature& sig) {
    return sig.to_string();
}

// Checks one successful classification of `sig`.
inline void check_layout(const abi::Signature& sig, const abi::CallLayout& l) {
    using namespace abi;
    auto ctx = [&] { return describe(sig) + "\n  => " + l.to_string(); };
    const bool x64 = conv_arch(sig.conv) == Arch::x86_64;
    const uint32_t ptr_size = x64 ? 8 : 4;

    // The printable layout: one line (layout.h: "One line, stable: the
    // golden-table form"), starting with the convention, after "windows"
    // for the i386 ones under the Windows rules (README "i386 conventions").
    const std::string text = l.to_string();
    const std::string head =
        std::string(!x64 && sig.platform == Platform::windows ? "windows " : "") +
        conv_name(sig.conv) + "; ";
    FUZZ_CHECK(text.find('\n') == std::string::npos, ctx());
    FUZZ_CHECK(text.compare(0, head.size(), head) == 0, ctx());

    FUZZ_CHECK(l.conv == sig.conv, ctx());
    FUZZ_CHECK(l.platform == sig.platform, ctx());
    FUZZ_CHECK(l.arch == conv_arch(sig.conv), ctx());

    // layout.h: "Arguments in signature order, the sret argument (if any)
    // first"; an sret argument exactly when the result is indirect.
    const ArgLayout* sret = l.sret();
    const bool indirect_result = l.result.kind == ResultLayout::Kind::indirect;
    FUZZ_CHECK((sret != nullptr) == indirect_result, ctx());
    FUZZ_CHECK((l.result.kind == ResultLayout::Kind::none) == sig.result.is_void(), ctx());
    const size_t first = sret ? 1 : 0;
    FUZZ_CHECK(l.args.size() == sig.args.size() + first, ctx());
    for (size_t i = 0; i < sig.args.size(); ++i)
        FUZZ_CHECK(l.args[i + first].index == int32_t(i), ctx());

    // The frame: a stack slot is at least 4 (i386) or 8 (x86-64) bytes;
    // Win64 always reserves its 32-byte shadow space (Microsoft x64 "Stack
    // allocation"); everything addressable from sp fits the 32-bit offsets
    // of a Location.
    FUZZ_CHECK(l.stack_size % (x64 ? 8 : 4) == 0, ctx());
    FUZZ_CHECK(l.shadow_space == (sig.conv == CallConv::win64 ? 32u : 0u), ctx());
    FUZZ_CHECK(l.stack_size >= l.shadow_space, ctx());
    FUZZ_CHECK(is_power_of_two(l.stack_align) && l.stack_align >= 4, ctx());
    FUZZ_CHECK(is_power_of_two(l.copy_area_align), ctx());
    FUZZ_CHECK(l.copy_area_size % l.copy_area_align == 0, ctx());
    const uint64_t copies_base = round_up(l.stack_size, l.copy_area_align);
    const uint64_t frame_end = copies_base + l.copy_area_size;
    FUZZ_CHECK(frame_end <= uint64_t(INT32_MAX), ctx());
    if (l.copy_area_size)
        FUZZ_CHECK(l.stack_align >= std::min<uint32_t>(l.copy_area_align, 16), ctx());

    // Who pops (README "i386 conventions"): stdcall, fastcall and thiscall
    // callees remove every stack byte, unless variadic (then cdecl); a
    // cdecl callee at most the hidden pointer; x86-64 callees nothing.
    if (x64) {
        FUZZ_CHECK(l.callee_pops == 0, ctx());
    } else if (sig.conv == CallConv::cdecl_ || sig.is_variadic()) {
        FUZZ_CHECK(l.callee_pops == 0 || (l.callee_pops == 4 && sret != nullptr), ctx());
    } else {
        FUZZ_CHECK(l.callee_pops == l.stack_size, ctx());
    }
    // System V variadic calls put the vector register count in al (psABI
    // 3.5.7); no other call has one.
    if (sig.conv == CallConv::sysv64 && sig.is_variadic())
        FUZZ_CHECK(l.vector_count >= 0 && l.vector_count <= 8, ctx());
    else
        FUZZ_CHECK(l.vector_count == -1, ctx());

    // Every piece: a real register of the architecture (never the stack
    // pointer) or a stack slot inside the argument area; no register and no
    // stack byte holds two values (Win64's variadic floats sit in an xmm
    // register and in the matching integer one: different classes).
    uint32_t gprs_used = 0, xmms_used = 0;
    std::vector<std::pair<uint64_t, uint64_t>> stack_bytes; // [begin, end)
    auto check_piece = [&](const Piece& p, bool is_arg) {
        FUZZ_CHECK(p.size > 0, ctx());
        if (p.loc.is_stack()) {
            FUZZ_CHECK(is_arg, ctx());
            FUZZ_CHECK(p.loc.offset >= int32_t(l.shadow_space), ctx());
            // A widened narrow integer occupies 4 bytes of its slot.
            const uint64_t bytes =
                p.extend == Extend::none ? p.size : std::max<uint32_t>(p.size, 4);
            const uint64_t begin = uint64_t(p.loc.offset);
            FUZZ_CHECK(begin + bytes <= l.stack_size, ctx());
            stack_bytes.emplace_back(begin, begin + bytes);
            return;
        }
        switch (p.loc.cls) {
        case RegClass::gpr:
            FUZZ_CHECK(p.loc.reg < (x64 ? 16 : 8) && p.loc.reg != gpr::sp, ctx());
            FUZZ_CHECK(p.size <= ptr_size, ctx());
            if (is_arg) {
                FUZZ_CHECK(!(gprs_used >> p.loc.reg & 1), ctx());
                gprs_used |= 1u << p.loc.reg;
            } else {
                FUZZ_CHECK(p.loc.reg == gpr::ax || p.loc.reg == gpr::dx, ctx());
            }
            break;
        case RegClass::xmm:
            FUZZ_CHECK(x64 && p.loc.reg < 16 && p.size <= 8, ctx());
            if (is_arg) {
                FUZZ_CHECK(!(xmms_used >> p.loc.reg & 1), ctx());
                xmms_used |= 1u << p.loc.reg;
            } else {
                FUZZ_CHECK(p.loc.reg < 2, ctx());
            }
            break;
        case RegClass::x87:
            // st(0) carries results only (an x87 register holds 10 bytes).
            FUZZ_CHECK(!is_arg && p.loc.reg == 0 && p.size <= 10, ctx());
            break;
        }
    };

    if (sret) {
        // The hidden result pointer: one pointer-sized piece.
        FUZZ_CHECK(sret->kind == PassKind::direct, ctx());
        FUZZ_CHECK(sret->pieces.size() == 1, ctx());
        FUZZ_CHECK(sret->pieces[0].offset == 0 && sret->pieces[0].size == ptr_size, ctx());
        check_piece(sret->pieces[0], true);
        FUZZ_CHECK(l.result.returns_sret_pointer, ctx());
    }
    for (size_t i = 0; i < sig.args.size(); ++i) {
        const Type& t = sig.args[i];
        const ArgLayout& a = l.args[i + first];
        FUZZ_CHECK(!a.pieces.empty() && a.pieces.size() <= Pieces::kCapacity, ctx());
        if (a.kind == PassKind::indirect) {
            // The pointer to a caller-made copy above the argument area
            // (layout.h, CallLayout::copy_area_*), aligned as the copy area
            // guarantees at most.
            FUZZ_CHECK(a.pieces.size() == 1 && a.pieces[0].size == ptr_size, ctx());
            FUZZ_CHECK(a.copy_size > 0 && a.copy_size <= t.size, ctx());
            FUZZ_CHECK(a.copy_offset >= 0 && uint64_t(a.copy_offset) >= copies_base, ctx());
            FUZZ_CHECK(uint64_t(a.copy_offset) + t.size <= frame_end, ctx());
            FUZZ_CHECK(uint64_t(a.copy_offset) % std::min(t.align, l.copy_area_align) == 0, ctx());
        } else {
            FUZZ_CHECK(a.copy_size == 0, ctx());
            for (const Piece& p : a.pieces)
                FUZZ_CHECK(uint64_t(p.offset) + p.size <= t.size, ctx());
        }
        for (const Piece& p : a.pieces)
            check_piece(p, true);
    }
    std::sort(stack_bytes.begin(), stack_bytes.end());
    for (size_t i = 1; i < stack_bytes.size(); ++i)
        FUZZ_CHECK(stack_bytes[i - 1].second <= stack_bytes[i].first, ctx());

    // The result: registers only, within the value.
    switch (l.result.kind) {
    case ResultLayout::Kind::none: FUZZ_CHECK(l.result.pieces.empty(), ctx()); break;
    case ResultLayout::Kind::indirect:
        FUZZ_CHECK(l.result.pieces.empty(), ctx());
        FUZZ_CHECK(sig.result.is_aggregate() || sig.result.kind == Kind::F80, ctx());
        break;
    case ResultLayout::Kind::direct:
        FUZZ_CHECK(!l.result.pieces.empty() && l.result.pieces.size() <= 2, ctx());
        for (const Piece& p : l.result.pieces) {
            FUZZ_CHECK(p.loc.is_reg(), ctx());
            FUZZ_CHECK(uint64_t(p.offset) + p.size <= sig.result.size, ctx());
            check_piece(p, false);
        }
        break;
    }
}

// The packed invoker's argument buffer (signature.h): the arguments laid out
// as the members of a C struct, in order.
inline void check_argument_buffer(const abi::Signature& sig) {
    const abi::ArgumentBuffer b = abi::argument_buffer(sig);
    auto ctx = [&] { return describe(sig) + " (argument buffer)"; };
    FUZZ_CHECK(b.offsets.size() == sig.args.size(), ctx());
    FUZZ_CHECK(is_power_of_two(b.align), ctx());
    uint64_t end = 0;
    uint32_t align = 1;
    for (size_t i = 0; i < sig.args.size(); ++i) {
        const abi::Type& t = sig.args[i];
        FUZZ_CHECK(b.offsets[i] >= end && b.offsets[i] % t.align == 0, ctx());
        end = uint64_t(b.offsets[i]) + t.size;
        align = std::max(align, t.align);
    }
    FUZZ_CHECK(b.align == align, ctx());
    FUZZ_CHECK(b.size >= end && b.size % b.align == 0, ctx());
}

// classify() is a pure function (classify.h): the same signature gives the
// same layout, which the checks above then hold of. Returns whether it
// classified.
inline bool classify_and_check(const abi::Signature& sig) {
    auto layout = abi::classify(sig);
    if (!layout) {
        // Errors are values with a message meant for a person.
        FUZZ_CHECK(!layout.error().message.empty(), describe(sig));
        return false;
    }
    check_layout(sig, *layout);
    auto again = abi::classify(sig);
    FUZZ_CHECK(again.ok() && *again == *layout, describe(sig));
    check_argument_buffer(sig);
    return true;
}

// The canonical signature (classify.h, README "Decisions worth knowing"):
// for a native convention of the signature's own architecture and data
// model, it has no aggregate, no f80 argument and no variadic part,
// classifies, prints and re-parses to itself, is canonical when native is
// the host's, and is its own canonical signature.
inline void check_canonical(const abi::Signature& sig) {
    using namespace abi;
    const bool x64 = conv_arch(sig.conv) == Arch::x86_64;
    // x86-64: System V (win64 shares its data model); i386: cdecl under the
    // signature's platform, whose data model its scalars were made for.
    const CallConv native = x64 ? CallConv::sysv64 : CallConv::cdecl_;
    const Platform platform = x64 ? Platform::sysv : sig.platform;
    const Signature c = canonical_signature(sig, native, platform);
    auto ctx = [&] { return describe(sig) + "\n  canonical: " + c.to_string(); };
    FUZZ_CHECK(c.conv == native && c.platform == platform && !c.is_variadic(), ctx());
    FUZZ_CHECK(!c.result.is_aggregate() && c.result.kind != Kind::F80, ctx());
    FUZZ_CHECK(canonical_signature(c, native, platform) == c, ctx());
    if (native == host_conv() && platform == host_platform()) {
        FUZZ_CHECK(is_canonical(c), ctx());
        FUZZ_CHECK(canonical_signature(sig) == c, ctx());
    }
    if (is_canonical(sig)) FUZZ_CHECK(canonical_signature(sig) == sig, ctx());
    // Only a signature that validates (no void argument) has a canonical
    // form worth a call.
    if (!validate(sig)) return;
    for (const Type& t : c.args)
        FUZZ_CHECK(t.is_scalar() && t.kind != Kind::F80, ctx());
    FUZZ_CHECK(classify_and_check(c), ctx());
    // The canonical form's scalars are the signature's own: it re-parses to
    // itself when the signature does (a signature built in code may hold
    // scalars of another data model, e.g. an 8-aligned i64 in a Linux i386
    // one, which no text spells).
    auto self = parse_signature(sig.to_string());
    if (!self || !(*self == sig)) return;
    auto reparsed = parse_signature(c.to_string());
    FUZZ_CHECK(reparsed.ok() && *reparsed == c, ctx());
}

// Signature::to_string is the signature text (signature.h: "parse(to_string())
// == *this"), and the canonical spelling is a fixed point of parse + print.
inline void check_round_trip(const abi::Signature& sig) {
    const std::string text = sig.to_string();
    auto again = abi::parse_signature(text);
    FUZZ_CHECK(again.ok(), text + "\n  error: " + again.error().message);
    FUZZ_CHECK(*again == sig, text + "\n  re-parsed: " + again->to_string());
    FUZZ_CHECK(again->to_string() == text, text + "\n  re-printed: " + again->to_string());
}

} // namespace ctabi::fuzz
