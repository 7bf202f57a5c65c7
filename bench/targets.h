// The functions the benchmarks call, defined in their own translation unit
// (targets.cpp, built with -O2) so no call to them can be inlined.
#pragma once

#include <cstdint>

namespace ctabi_bench {

struct S16 {
    int64_t a;
    double b;
};

struct S40 {
    int64_t a;
    double b;
    int64_t c;
    double d;
    int64_t e;
};

static_assert(sizeof(S16) == 16);
static_assert(sizeof(S40) == 40);

} // namespace ctabi_bench

extern "C" {
// (1) i32(i32, i32)
__attribute__((noinline)) int32_t bench_i32_i32(int32_t a, int32_t b);
// (2) f64(i32, f64, i64, f64, i32, f64, i64, f64)
__attribute__((noinline)) double bench_mixed8(int32_t a, double b, int64_t c, double d, int32_t e,
                                              double f, int64_t g, double h);
// (3) {i64, f64}({i64, f64})
__attribute__((noinline)) ctabi_bench::S16 bench_s16(ctabi_bench::S16 s);
// (4) i64({i64, f64, i64, f64, i64})
__attribute__((noinline)) int64_t bench_s40(ctabi_bench::S40 s);
// (5) win64 f64(i32, f64, i64, f64)
__attribute__((noinline, ms_abi)) double bench_win64(int32_t a, double b, int64_t c, double d);
}
