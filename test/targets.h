// C functions the API tests call: ones of the host's C convention (System V
// x86-64, or cdecl in the i386 build) and, on x86-64 only, ms_abi ones, with
// values the tests check.
#pragma once

#include <cstdint>

extern "C" {
struct Pair {
    int64_t a;
    double b;
};
struct Big {
    int64_t a, b, c, d, e;
};
struct Rgb {
    uint8_t r, g, b;
};
struct Floats3 {
    float x, y, z;
};

int32_t t_add(int32_t a, int32_t b);
int32_t t_narrow(int8_t a, uint8_t b, int16_t c, uint16_t d, bool e);
double t_mixed(int32_t a, double b, int64_t c, float d, int32_t e, double f, int64_t g, double h,
               int32_t i, double j, double k, double l, double m, double n, double o, int32_t p);
Pair t_pair(Pair p, int64_t k);
Big t_big(Big b, int64_t k);
Floats3 t_floats3(Floats3 f);
long double t_ld(long double x, int32_t n);
int64_t t_sum_variadic(int32_t count, ...);

#if defined(__x86_64__)
// Win64 targets: __attribute__((ms_abi)) is x86-64 only (an i386 process
// cannot run x86-64 code anyway).
__attribute__((ms_abi)) double w_mixed(int32_t a, double b, int64_t c, float d, int32_t e,
                                       double f);
__attribute__((ms_abi)) Rgb w_rgb(Rgb c);
__attribute__((ms_abi)) Pair w_pair(Pair p, int64_t k);
__attribute__((ms_abi)) int32_t w_narrow(int8_t a, uint8_t b, int16_t c, uint16_t d, bool e);
__attribute__((ms_abi)) double w_clobber(double a, int64_t b);
__attribute__((ms_abi)) double w_sum_variadic(int32_t count, ...);
#endif
}

// Callers of callbacks (test/callback_test.cpp).
extern "C" {
// Variadic caller: fn(3, 10, 2.5, 30).
int64_t t_call_variadic(int64_t (*fn)(int32_t, ...));
#if defined(__x86_64__)
typedef __attribute__((ms_abi)) double (*WinDoubleFn)(double, int64_t);
// An ms_abi caller that keeps ten doubles and six integers live across the
// call (so in xmm6-xmm15 and rbx, rbp, rdi, rsi, r12-r15) and returns
// fn's result plus a checksum of them; *kept is set to 1 when they survived.
__attribute__((ms_abi)) double w_call_keeping(WinDoubleFn fn, double x, int64_t k, int* kept);
// Variadic caller: fn(3, 10, 2.5, 30) as ms_abi.
typedef __attribute__((ms_abi)) double (*WinVariadicFn)(int32_t, ...);
double w_call_variadic(WinVariadicFn fn);
#endif
}
