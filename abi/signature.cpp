#include "ctabi/abi/signature.h"

#include <algorithm>
#include <cstdint>

namespace ctabi::abi {

namespace {
struct ConvName {
    CallConv conv;
    const char* name;
};
constexpr ConvName kConvNames[] = {
    {CallConv::sysv64, "sysv64"},     {CallConv::win64, "win64"},
    {CallConv::cdecl_, "cdecl"},      {CallConv::stdcall, "stdcall"},
    {CallConv::fastcall, "fastcall"}, {CallConv::thiscall, "thiscall"},
};
} // namespace

const char* conv_name(CallConv conv) {
    for (const auto& c : kConvNames)
        if (c.conv == conv) return c.name;
    return "?";
}

std::optional<CallConv> conv_from_name(std::string_view name) {
    for (const auto& c : kConvNames)
        if (name == c.name) return c.conv;
    return std::nullopt;
}

const char* platform_name(Platform platform) {
    return platform == Platform::windows ? "windows" : "linux";
}

std::optional<Platform> platform_from_name(std::string_view name) {
    if (name == "linux") return Platform::sysv;
    if (name == "windows") return Platform::windows;
    return std::nullopt;
}

Arch conv_arch(CallConv conv) {
    return conv == CallConv::sysv64 || conv == CallConv::win64 ? Arch::x86_64 : Arch::i386;
}

CallConv host_conv() {
#if defined(_WIN64)
    return CallConv::win64;
#elif defined(__x86_64__)
    return CallConv::sysv64;
#else
    return CallConv::cdecl_;
#endif
}

Platform host_platform() {
#if defined(_WIN32)
    return Platform::windows;
#else
    return Platform::sysv;
#endif
}

DataModel data_model(CallConv conv, Platform platform) {
    if (conv_arch(conv) == Arch::x86_64) return DataModel::x86_64();
    // i386: 4-byte pointers; SysV i386 aligns 64-bit scalars to 4 inside
    // aggregates and makes long double 12 bytes, Windows aligns them to 8.
    DataModel m;
    m.pointer_size = 4;
    m.i64_align = m.f64_align = platform == Platform::windows ? 8 : 4;
    m.f80_size = 12;
    m.f80_align = 4;
    return m;
}

Result<Ok> validate(const Signature& sig) {
    for (size_t i = 0; i < sig.args.size(); ++i)
        if (sig.args[i].is_void())
            return make_error("argument " + std::to_string(i) + ": void is not an argument type");
    // The aggregate factories never make an empty aggregate (type.cpp), but
    // Type::scalar(Kind::Struct) makes one without members: no convention
    // passes it (the classifiers would give it no place at all).
    if (sig.result.is_aggregate() && sig.result.size == 0)
        return make_error("result: an aggregate without members (zero-sized) is not supported");
    for (size_t i = 0; i < sig.args.size(); ++i)
        if (sig.args[i].is_aggregate() && sig.args[i].size == 0)
            return make_error("argument " + std::to_string(i) +
                              ": an aggregate without members (zero-sized) is not supported");
    if (sig.fixed_args && *sig.fixed_args > sig.args.size())
        return make_error("signature says " + std::to_string(*sig.fixed_args) +
                          " fixed arguments but has only " + std::to_string(sig.args.size()));
    // C11 6.5.2.2p6-7 (default argument promotions): a variadic float
    // arrives as a double under every convention, so an f32 there is a
    // mistake in the signature.
    for (size_t i = sig.fixed_args.value_or(sig.args.size()); i < sig.args.size(); ++i)
        if (sig.args[i].kind == Kind::F32)
            return make_error("argument " + std::to_string(i) +
                              ": f32 passed as a variadic argument; C promotes float to "
                              "double there, so pass f64");
    // A pointer or long double made for another data model (an x86-64 type
    // in an i386 signature) would be laid out wrongly: rejected. The message
    // is built only for a mismatch: validation runs on every build.
    const DataModel model = data_model(sig.conv, sig.platform);
    auto check_size = [&](const Type& t, const char* what, size_t index) -> Result<Ok> {
        uint32_t want = 0;
        const char* unit = nullptr;
        if (t.kind == Kind::Pointer) want = model.pointer_size, unit = "pointers";
        if (t.kind == Kind::F80) want = model.f80_size, unit = "long doubles (f80)";
        if (!unit || t.size == want) return Ok{};
        std::string who =
            index == SIZE_MAX ? what : std::string(what) + " " + std::to_string(index);
        return make_error(who + ": " + kind_name(t.kind) + " of " + std::to_string(t.size) +
                          " bytes under " + conv_name(sig.conv) + ", which has " +
                          std::to_string(want) + "-byte " + unit);
    };
    if (auto ok = check_size(sig.result, "result", SIZE_MAX); !ok) return ok;
    for (size_t i = 0; i < sig.args.size(); ++i)
        if (auto ok = check_size(sig.args[i], "argument", i); !ok) return ok;
    // The classifiers compute stack offsets in 32 bits (Location::offset is
    // an int32_t): five arguments of 1 GiB wrapped them, to negative and
    // overlapping slots. No convention gives one argument more than its size
    // rounded up to 16, plus its alignment (at least 16) of padding, plus 16
    // bytes (its slot, or the pointer to its copy), argument and copy areas
    // together. Bounding that sum by kMaxArgumentBytes keeps a whole frame
    // under 2^31: the sum, plus the shadow space and the hidden result
    // pointer, plus at most twice the largest alignment (aligning the copy
    // area and its size).
    constexpr uint64_t kMaxArgumentBytes = uint64_t(1) << 29;
    uint64_t bytes = 0;
    for (size_t i = 0; i < sig.args.size(); ++i) {
        const Type& t = sig.args[i];
        bytes += (uint64_t(t.size) + 15) / 16 * 16 + std::max<uint64_t>(t.align, 16) + 16;
        if (bytes > kMaxArgumentBytes)
            return make_error("argument " + std::to_string(i) +
                              ": the arguments take more than 512 MiB, more than a call "
                              "frame can hold");
    }
    return Ok{};
}

ArgumentBuffer argument_buffer(const Signature& sig) {
    ArgumentBuffer b;
    b.offsets.reserve(sig.args.size());
    uint64_t offset = 0;
    for (const auto& t : sig.args) {
        offset = (offset + t.align - 1) / t.align * t.align;
        b.offsets.push_back(uint32_t(offset));
        offset += t.size;
        b.align = std::max<uint32_t>(b.align, uint32_t(t.align));
    }
    b.size = uint32_t((offset + b.align - 1) / b.align * b.align);
    return b;
}

std::string Signature::to_string() const {
    std::string s;
    if (platform != host_platform()) s += std::string(platform_name(platform)) + " ";
    s += conv_name(conv);
    s += " " + result.to_string() + "(";
    for (size_t i = 0; i < args.size(); ++i) {
        if (i) s += ", ";
        if (fixed_args && i == *fixed_args) s += "..., ";
        s += args[i].to_string();
    }
    if (fixed_args && *fixed_args == args.size()) s += args.empty() ? "..." : ", ...";
    return s + ")";
}

} // namespace ctabi::abi
