// What several API test files share: the c_type descriptions of the test
// structs (targets.h) and a resident-memory probe.
#pragma once

#include <fstream>
#include <string>
#include <string_view>

#include "ctabi/ctabi.h"
#include "targets.h"

namespace ctabi_test {
// AddressSanitizer keeps freed memory in quarantine, resident: the tests of
// flat resident memory cannot hold under it (LeakSanitizer checks leaks).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

// A type in the host's data model (sizes and alignments of the build: the
// i386 one has 4-byte pointers and 4-aligned doubles in structs).
inline ctabi::abi::Type host_type(std::string_view text) {
    return *ctabi::abi::parse_type(
        text, ctabi::abi::data_model(ctabi::abi::host_conv(), ctabi::abi::host_platform()));
}
} // namespace ctabi_test

template <>
struct ctabi::c_type<Pair> {
    static abi::Type get() { return ctabi_test::host_type("{i64, f64}"); }
};
template <>
struct ctabi::c_type<Big> {
    static abi::Type get() { return ctabi_test::host_type("{i64, i64, i64, i64, i64}"); }
};
template <>
struct ctabi::c_type<Rgb> {
    static abi::Type get() { return ctabi_test::host_type("{u8, u8, u8}"); }
};
template <>
struct ctabi::c_type<Floats3> {
    static abi::Type get() { return ctabi_test::host_type("{f32, f32, f32}"); }
};

namespace ctabi_test {

// `rest` ("i32(i32, i32)") under the host's C convention, as
// Signature::to_string() prints it: "sysv64 i32(i32, i32)" on x86-64,
// "cdecl i32(i32, i32)" in the i386 build.
inline std::string host_sig(std::string_view rest) {
    return std::string(ctabi::abi::conv_name(ctabi::abi::host_conv())) + " " + std::string(rest);
}

// A convention of the other instruction set: its code cannot run in this
// process, so building it is an error that names the convention.
inline const char* other_arch_conv() {
#if defined(__x86_64__)
    return "stdcall";
#else
    return "sysv64";
#endif
}

// This process's resident memory in KiB (VmRSS), or -1.
inline long resident_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

} // namespace ctabi_test
