// The differential test's generator: random (seeded) or fixed signatures,
// emitted as one C file of callees compiled by GCC and by Clang.
//
// Independent of ctabi on purpose: it computes C layouts itself and writes
// the signature text that ctabi then parses, so the only common ground
// between the two sides is the C language and the text syntax.
//
// The emitted file defines, per case i:
//   - the callee `callee_<i>` (System V, or __attribute__((ms_abi)) for win64)
//     that checks every scalar leaf of its arguments against the constants
//     the arguments were built from (failures go to the file's failure log)
//     and returns a value built from constants;
//   - `argv_<i>`: pointers to the argument values (C globals), for invokers;
//   - `check_ret_<i>(const void*)`: compares a result leaf by leaf;
//   - `call_thunk_<i>(void*)`: calls a forward thunk with the canonical
//     prototype (aggregates and long double by `const T*`, an aggregate or
//     long double result through a first `T*`) and checks its result;
//   - `call_callback_<i>(void*)`: calls a function pointer of the callee's
//     own prototype (ms_abi, the i386 attributes and `...` included: a
//     callback made for the signature) with the callee's argument values and
//     checks its result; on i386 (and in call_thunk_<i>) it also checks that
//     esp after the call is what it was before (a wrong pop count);
//   - `pt_<i>` (non-variadic x86-64 cases): a pass-through handler of the case's
//     convention, the callee's parameters plus a last `void* data`, which
//     stores `data` in `diff_pt_data` and forwards the call to the callee;
// and, per chunk k of cases, the table `struct diff_case diff_cases_<k>[]` with
// `diff_case_count_<k>`; plus the failure log (`diff_reset`, `diff_failures`,
// `diff_log`, `diff_calls`, `diff_pt_data`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ctabi_diff {

enum class Conv : uint8_t { sysv64, win64, cdecl_, stdcall, fastcall, thiscall };

// The i386 rule sets (ctabi's `linux` and `windows` signature prefixes);
// x86-64 conventions ignore it.
enum class Platform : uint8_t { linux_, windows };

// The compiler the cases are generated for: it only keeps out the
// combinations where that compiler, as a Linux peer, is known to differ
// from the rules ctabi implements (see peer_fixups in diff_gen.cpp).
enum class Peer : uint8_t { gcc, clang };

const char* conv_name(Conv conv);
const char* platform_name(Platform platform);
bool is_i386(Conv conv);

struct GenOptions {
    uint64_t seed = 20240601; // the default run's
    uint32_t count = 1000;    // random cases (ignored with fixed)
    Conv conv = Conv::sysv64;
    Platform platform = Platform::linux_; // i386 conventions only
    Peer peer = Peer::gcc;
    bool fixed = false; // the hand-written list instead of random cases
    // Cases per C file (0: all in one), so that the files compile in parallel.
    uint32_t chunk_size = 0;
    // Only this case (its index among `count` random or the fixed ones): a
    // case is the same whatever the count, so one failure can be rerun alone.
    int64_t only = -1;
};

// One generated case, as the driver reports it.
struct CaseInfo {
    unsigned index;
    std::string signature; // ctabi signature text
};

struct Generated {
    // sources[0] is the runtime (the failure log); sources[k] for k >= 1 holds
    // a chunk of cases and their table `diff_cases_<k-1>` of
    // `diff_case_count_<k-1>` entries. Concatenated, they form one valid file.
    std::vector<std::string> sources;
    std::vector<CaseInfo> cases;

    std::string single_file() const;
};

// Returns false (and sets *error) only for a malformed fixed signature.
bool generate(const GenOptions& options, Generated* out, std::string* error);

// The hand-written signatures pinning the classic rules of a convention
// (for i386 conventions: of the convention under the platform's rules, as
// valid for the peer).
std::vector<std::string> fixed_signatures(Conv conv, Platform platform = Platform::linux_,
                                          Peer peer = Peer::gcc);

// The compiler flags that make GCC or Clang on this Linux host a peer of
// the convention and platform: -m32, and for the Windows rules
// -freg-struct-return -malign-double and a 4-byte stack alignment.
std::vector<std::string> peer_flags(Conv conv, Platform platform, Peer peer);

// The layout of the C struct `struct diff_case` the emitted file defines;
// the driver reads the table through it.
extern "C" {
struct diff_case {
    unsigned index; // the case's number (also in its C names)
    const char* signature;
    void* callee;
    void** argv;
    int (*check_ret)(const void* result);
    int (*call_thunk)(void* thunk);
    // Calls a callback (reverse trampoline) of the case's signature with the
    // callee's arguments and checks its result: 0, or the mismatches.
    int (*call_callback)(void* fp);
    // pt_<i>, the pass-through handler; null for a variadic case.
    void* passthrough;
    // sizeof of the result (0 for void), then of each argument.
    const unsigned long long* sizes;
    unsigned nsizes;
};
}

} // namespace ctabi_diff
