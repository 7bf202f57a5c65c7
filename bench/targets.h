// The functions the benchmarks call, defined in their own translation unit
// (targets.cpp, built with -O2) so no call to them can be inlined; and the C
// callers of the callback benchmarks, which call a function pointer as a C
// library calls a callback.
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

// The work of every target and every callback handler: small, but each uses
// every argument so a wrong value in any position changes the result. The
// targets below, the callbacks' typed and generic handlers and the libffi
// closure functions all do exactly this.
inline int32_t work_i32_i32(int32_t a, int32_t b) {
    return a * 3 + b;
}

inline double work_mixed8(int32_t a, double b, int64_t c, double d, int32_t e, double f, int64_t g,
                          double h) {
    return double(a) + 2.0 * b + 3.0 * double(c) + 4.0 * d + 5.0 * double(e) + 6.0 * f +
           7.0 * double(g) + 8.0 * h;
}

inline S16 work_s16(S16 s) {
    return S16{s.a * 2 + 1, s.b * 0.5 + double(s.a)};
}

inline int64_t work_s40(S40 s) {
    return s.a + 2 * int64_t(s.b) + 3 * s.c + 4 * int64_t(s.d) + 5 * s.e;
}

inline double work_win64(int32_t a, double b, int64_t c, double d) {
    return double(a) + 2.0 * b + 3.0 * double(c) + 4.0 * d;
}

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

// Callback pointer types of the five signatures. (The Win64 one is a typedef:
// an alias template would silently drop the ms_abi attribute.)
typedef int32_t (*bench_cb_i32_i32)(int32_t, int32_t);
typedef double (*bench_cb_mixed8)(int32_t, double, int64_t, double, int32_t, double, int64_t,
                                  double);
typedef ctabi_bench::S16 (*bench_cb_s16)(ctabi_bench::S16);
typedef int64_t (*bench_cb_s40)(ctabi_bench::S40);
typedef double(__attribute__((ms_abi)) * bench_cb_win64)(int32_t, double, int64_t, double);

// The callers: call `f` `n` times with the same arguments and return the
// (wrapping) sum of the results, as a C library calls a callback.
__attribute__((noinline)) int32_t bench_call_i32_i32(bench_cb_i32_i32 f, int64_t n, int32_t a,
                                                     int32_t b);
__attribute__((noinline)) double bench_call_mixed8(bench_cb_mixed8 f, int64_t n, int32_t a,
                                                   double b, int64_t c, double d, int32_t e,
                                                   double g, int64_t h, double i);
__attribute__((noinline)) ctabi_bench::S16 bench_call_s16(bench_cb_s16 f, int64_t n,
                                                          ctabi_bench::S16 s);
__attribute__((noinline)) int64_t bench_call_s40(bench_cb_s40 f, int64_t n,
                                                 const ctabi_bench::S40* s);
__attribute__((noinline)) double bench_call_win64(bench_cb_win64 f, int64_t n, int32_t a, double b,
                                                  int64_t c, double d);
}
