// A C function signature and the calling convention it is called with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ctabi/abi/type.h"

namespace ctabi::abi {

// Every convention ctabi models. Selected at run time: a Linux process can
// classify for Windows.
enum class CallConv : uint8_t {
    sysv64,   // x86-64 System V psABI
    win64,    // Microsoft x64
    cdecl_,   // i386 cdecl (caller pops)
    stdcall,  // i386, callee pops
    fastcall, // i386, ecx/edx then stack, callee pops
    thiscall, // i386, `this` in ecx, callee pops
};

// The operating system's flavour of a convention where rules differ (i386
// aggregate returns; `long double`).
enum class Platform : uint8_t {
    sysv,    // Linux and other System V systems
    windows, // Microsoft
};

enum class Arch : uint8_t { x86_64, i386 };

const char* conv_name(CallConv conv);
std::optional<CallConv> conv_from_name(std::string_view name);
const char* platform_name(Platform platform);
std::optional<Platform> platform_from_name(std::string_view name);
Arch conv_arch(CallConv conv);

// The host's native C convention and platform (compile-time facts of the
// host only; classification never depends on them).
CallConv host_conv();
Platform host_platform();

// Scalar sizes and aggregate alignments that apply under a convention.
DataModel data_model(CallConv conv, Platform platform);

struct Signature {
    CallConv conv = host_conv();
    Platform platform = host_platform();
    Type result;
    std::vector<Type> args;
    // Variadic functions: how many leading arguments are fixed (the rest are
    // the variadic arguments of this particular call).
    std::optional<uint32_t> fixed_args;

    bool is_variadic() const { return fixed_args.has_value(); }
    // The signature text syntax (see parse.h); parse(to_string()) == *this.
    std::string to_string() const;
    friend bool operator==(const Signature&, const Signature&) = default;
};

// The argument buffer of a packed invoker: the arguments laid out as the
// members of a C struct, in order (for `f64(i32, f64)`, the buffer is a
// `struct { int32_t a0; double a1; }`). A host-side format, not an ABI rule.
struct ArgumentBuffer {
    std::vector<uint32_t> offsets; // of each argument
    uint32_t size = 0;
    uint32_t align = 1;
};
ArgumentBuffer argument_buffer(const Signature& sig);

// Checks what a classifier needs of a signature, whatever the convention:
// no void argument, fixed_args within range, no f32 among the variadic
// arguments (C promotes them to double). Messages name the argument.
Result<Ok> validate(const Signature& sig);

} // namespace ctabi::abi
