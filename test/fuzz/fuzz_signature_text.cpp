// libFuzzer target: arbitrary bytes as signature text (include/ctabi/abi/parse.h).
//
// Every input must parse to a Signature or come back as an Error value (no
// exception, no abort, no hang, no leak: DESIGN.md "Bad input is an error,
// never a crash"). A parsed signature must
//   - print and re-parse to an equal signature, and print the same again
//     (signature.h: "parse(to_string()) == *this");
//   - classify under its own convention and platform, or fail with a
//     message; a layout must hold the invariants of fuzz_checks.h, print,
//     and be the same when classified again (classify() is pure);
//   - do the same under every convention and platform (sysv64, win64, and
//     cdecl, stdcall, fastcall, thiscall under the Linux and the Windows
//     rules), both with its types as they are and re-parsed with the data
//     model of the new convention;
//   - have a canonical signature (classify.h) that holds its invariants.
// The text is also parsed as a lone type under each data model, which must
// print and re-parse to an equal type.
//
// Corpus: test/fuzz/corpus/signature_text/ (tools/fuzz runs and merges it).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "fuzz_checks.h"

namespace ctabi::fuzz {
namespace {

// Errors about a text say where (result.h: "the offending byte's offset").
void check_parse_error(const Error& e, std::string_view text) {
    FUZZ_CHECK(!e.message.empty(), std::string(text));
    FUZZ_CHECK(e.position >= 0 && uint64_t(e.position) <= text.size(),
               std::string(text) + "\n  error: " + e.message);
}

void check_type_text(std::string_view text) {
    for (abi::CallConv conv : {abi::CallConv::sysv64, abi::CallConv::cdecl_})
        for (abi::Platform platform : kPlatforms) {
            const abi::DataModel model = abi::data_model(conv, platform);
            auto t = abi::parse_type(text, model);
            if (!t) {
                check_parse_error(t.error(), text);
                continue;
            }
            // type.h: "The signature text syntax of this type".
            const std::string printed = t->to_string();
            auto again = abi::parse_type(printed, model);
            FUZZ_CHECK(again.ok() && *again == *t, printed);
            FUZZ_CHECK(again->to_string() == printed, printed);
            FUZZ_CHECK(t->size % t->align == 0 && is_power_of_two(t->align), printed);
        }
}

void check_signature(const abi::Signature& sig) {
    check_round_trip(sig);
    classify_and_check(sig);
    check_canonical(sig);
    for (abi::CallConv conv : kConvs)
        for (abi::Platform platform : kPlatforms) {
            abi::Signature other = sig;
            other.conv = conv;
            other.platform = platform;
            if (other == sig) continue;
            // The same types under another convention: a mismatched data
            // model (an 8-byte pointer under cdecl) must be refused, not
            // misclassified.
            classify_and_check(other);
            check_canonical(other);
            // The same text under another convention: re-parsed with its data
            // model (it may not parse: an explicit layout made for 16-byte
            // f80s can overlap with 12-byte ones).
            auto reparsed = abi::parse_signature(other.to_string());
            if (!reparsed) continue;
            FUZZ_CHECK(reparsed->conv == conv && reparsed->platform == platform, other.to_string());
            check_round_trip(*reparsed);
            classify_and_check(*reparsed);
            check_canonical(*reparsed);
        }
}

} // namespace
} // namespace ctabi::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctabi;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    fuzz::check_type_text(text);
    auto sig = abi::parse_signature(text);
    if (!sig) {
        fuzz::check_parse_error(sig.error(), text);
        return 0;
    }
    fuzz::check_signature(*sig);
    return 0;
}
