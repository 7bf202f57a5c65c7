// What several API test files share: the c_type descriptions of the test
// structs (targets.h) and a resident-memory probe.
#pragma once

#include <fstream>
#include <string>

#include "ctabi/ctabi.h"
#include "targets.h"

template <>
struct ctabi::c_type<Pair> {
    static abi::Type get() { return *abi::parse_type("{i64, f64}"); }
};
template <>
struct ctabi::c_type<Big> {
    static abi::Type get() { return *abi::parse_type("{i64, i64, i64, i64, i64}"); }
};
template <>
struct ctabi::c_type<Rgb> {
    static abi::Type get() { return *abi::parse_type("{u8, u8, u8}"); }
};
template <>
struct ctabi::c_type<Floats3> {
    static abi::Type get() { return *abi::parse_type("{f32, f32, f32}"); }
};

namespace ctabi_test {

// This process's resident memory in KiB (VmRSS), or -1.
inline long resident_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

} // namespace ctabi_test
