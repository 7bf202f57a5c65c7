// Helpers shared by the two ctabi_bench programs: ctabi_bench.cpp (x86-64)
// and ctabi_bench_i386.cpp (i386). What differs per ISA (the cases, the
// targets, the startup checks and how a failure is reported) stays in each.
#pragma once

#include <benchmark/benchmark.h>
#include <ffi.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <type_traits>

namespace ctabi_bench {

// The compiler cannot know which function `f` is, so it cannot inline or
// specialise the call.
template <typename F>
F opaque(F f) {
    benchmark::DoNotOptimize(f);
    return f;
}

// `n` bytes at `p` as lower-case hex, for mismatch reports.
inline std::string hex(const unsigned char* p, size_t n) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", p[i]);
        s += buf;
    }
    return s;
}

// Registers benchmark `name`, which runs `body()` once per iteration.
template <typename Body>
void add_bench(const std::string& name, Body body) {
    benchmark::RegisterBenchmark(name.c_str(), [body](benchmark::State& state) {
        for (auto _ : state)
            body();
    });
}

// ---------------------------------------------------------------------------
// Callbacks.

// The paths of every callback case, in this order.
inline constexpr const char* kCallbackPaths[] = {"direct", "typed", "generic", "ffi_closure"};
inline constexpr size_t kCallbackPathCount = std::size(kCallbackPaths);

// Argument `i` of an argument pointer array, as a `T`.
template <typename T>
T arg_at(void* const* args, size_t i) {
    T v;
    std::memcpy(static_cast<void*>(&v), args[i], sizeof v);
    return v;
}

// W: a signature's work on an argument pointer array (`using R`, static
// `R run(void* const*)`), what ctabi's generic handlers and libffi's closure
// functions both receive.

// ctabi's generic handler.
template <typename W>
void generic_handler(void*, void* result, void* const* args) {
    typename W::R r = W::run(args);
    std::memcpy(result, static_cast<const void*>(&r), sizeof r);
}

// libffi's closure function.
template <typename W>
void closure_fun(ffi_cif*, void* result, void** args, void*) {
    using R = typename W::R;
    R r = W::run(args);
    if constexpr (std::is_integral_v<R> && sizeof(R) < sizeof(ffi_arg)) {
        // libffi returns a narrower integral result as a whole ffi_arg.
        ffi_sarg wide = r;
        std::memcpy(result, &wide, sizeof wide);
    } else {
        std::memcpy(result, static_cast<const void*>(&r), sizeof r);
    }
}

} // namespace ctabi_bench
