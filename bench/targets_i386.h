// The i386 benchmark's targets (targets_i386.cpp, built with -O2 into the
// targets shared library of the i386 build, so no call can be inlined) and
// the C callers of its callback benchmarks. One set of signatures per i386
// convention; the work is the same for every convention.
#pragma once

#include <cstdint>

#if !defined(__i386__)
#error "targets_i386.h is for the i386 build"
#endif

#define BENCH_STDCALL __attribute__((stdcall))
#define BENCH_FASTCALL __attribute__((fastcall))
#define BENCH_THISCALL __attribute__((thiscall))

namespace ctabi_bench {

// 16 bytes on i386 (the double is 4-aligned in a struct).
struct S16 {
    int32_t a;
    int32_t b;
    double c;
};
struct T12 {
    int32_t a, b, c;
};
struct Obj {
    int32_t base;
};
static_assert(sizeof(S16) == 16 && sizeof(T12) == 12);

// The work of every target and handler (each argument counts).
inline int32_t work_i32(int32_t a, int32_t b) {
    return a * 3 + b;
}
inline double work_mixed8(int32_t a, double b, int64_t c, double d, int32_t e, double f, int64_t g,
                          double h) {
    return double(a) + 2.0 * b + 3.0 * double(c) + 4.0 * d + 5.0 * double(e) + 6.0 * f +
           7.0 * double(g) + 8.0 * h;
}
inline double work_s16(S16 s) {
    return double(s.a) + 2.0 * double(s.b) + 3.0 * s.c;
}
inline T12 work_t12(int32_t a, int32_t b) {
    return T12{a + b, a - b, a * b};
}
} // namespace ctabi_bench

extern "C" {
#define BENCH_SIGS(P, CONV)                                                                        \
    __attribute__((noinline)) CONV int32_t P##_i32(int32_t a, int32_t b);                          \
    __attribute__((noinline)) CONV double P##_mixed8(int32_t a, double b, int64_t c, double d,     \
                                                     int32_t e, double f, int64_t g, double h);    \
    __attribute__((noinline)) CONV double P##_s16(ctabi_bench::S16 s);                             \
    __attribute__((noinline)) CONV ctabi_bench::T12 P##_t12(int32_t a, int32_t b);
// cdecl, stdcall, fastcall: i32(i32, i32); f64(i32, f64, i64, f64, i32, f64,
// i64, f64); f64({i32, i32, f64}); {i32, i32, i32}(i32, i32).
BENCH_SIGS(bench_c, )
BENCH_SIGS(bench_s, BENCH_STDCALL)
BENCH_SIGS(bench_f, BENCH_FASTCALL)
#undef BENCH_SIGS
// thiscall: i32(ptr, i32); {i32, i32, i32}(ptr, i32).
__attribute__((noinline)) BENCH_THISCALL int32_t bench_t_i32(ctabi_bench::Obj* self, int32_t x);
__attribute__((noinline)) BENCH_THISCALL ctabi_bench::T12 bench_t_t12(ctabi_bench::Obj* self,
                                                                      int32_t x);
// Windows cdecl {i32, i32, i32}(i32, i32) (libffi's FFI_MS_CDECL): the
// result through a hidden pointer that the callee does not pop (GCC's
// callee_pop_aggregate_return(0)). A 12-byte result, because libffi's
// FFI_MS_CDECL on Linux returns 1, 2, 4 and 8-byte aggregates through the
// pointer too (its register returns are for Windows builds of libffi only).
__attribute__((noinline, callee_pop_aggregate_return(0))) ctabi_bench::T12 bench_m_t12(int32_t a,
                                                                                       int32_t b);

// Callback pointer types and their C callers: `n` calls of `f` with the same
// arguments, the results summed (wrapping), as a C library calls a callback.
typedef int32_t (*bench_cb_c_i32)(int32_t, int32_t);
typedef int32_t(BENCH_STDCALL* bench_cb_s_i32)(int32_t, int32_t);
typedef double (*bench_cb_c_mixed8)(int32_t, double, int64_t, double, int32_t, double, int64_t,
                                    double);
typedef double(BENCH_STDCALL* bench_cb_s_mixed8)(int32_t, double, int64_t, double, int32_t, double,
                                                 int64_t, double);
__attribute__((noinline)) int32_t bench_call_c_i32(bench_cb_c_i32 f, int32_t n, int32_t a,
                                                   int32_t b);
__attribute__((noinline)) int32_t bench_call_s_i32(bench_cb_s_i32 f, int32_t n, int32_t a,
                                                   int32_t b);
__attribute__((noinline)) double bench_call_c_mixed8(bench_cb_c_mixed8 f, int32_t n, int32_t a,
                                                     double b, int64_t c, double d, int32_t e,
                                                     double g, int64_t h, double i);
__attribute__((noinline)) double bench_call_s_mixed8(bench_cb_s_mixed8 f, int32_t n, int32_t a,
                                                     double b, int64_t c, double d, int32_t e,
                                                     double g, int64_t h, double i);
}
