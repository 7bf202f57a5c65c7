#include "targets.h"

#include <cstdarg>

extern "C" {

int32_t t_add(int32_t a, int32_t b) {
    return a + b;
}
int32_t t_narrow(int8_t a, uint8_t b, int16_t c, uint16_t d, bool e) {
    // Each argument contributes only if it arrived intact (sign and width).
    return (a == -5) + 2 * (b == 250) + 4 * (c == -30000) + 8 * (d == 60000) + 16 * e;
}
double t_mixed(int32_t a, double b, int64_t c, float d, int32_t e, double f, int64_t g, double h,
               int32_t i, double j, double k, double l, double m, double n, double o, int32_t p) {
    return a + b + double(c) + d + e + f + double(g) + h + i + j + k + l + m + n + o + p;
}
Pair t_pair(Pair p, int64_t k) {
    return Pair{p.a * k, p.b * double(k)};
}
Big t_big(Big b, int64_t k) {
    return Big{b.a + k, b.b + k, b.c + k, b.d + k, b.e + k};
}
Floats3 t_floats3(Floats3 f) {
    return Floats3{f.z, f.y, f.x};
}
long double t_ld(long double x, int32_t n) {
    return x * n;
}
int64_t t_sum_variadic(int32_t count, ...) {
    va_list ap;
    va_start(ap, count);
    int64_t s = 0;
    for (int i = 0; i < count; ++i)
        s += i % 2 ? int64_t(va_arg(ap, double)) : va_arg(ap, int64_t);
    va_end(ap);
    return s;
}

#if defined(__x86_64__)
__attribute__((ms_abi)) double w_mixed(int32_t a, double b, int64_t c, float d, int32_t e,
                                       double f) {
    return a + b + double(c) + d + e + f;
}
__attribute__((ms_abi)) Rgb w_rgb(Rgb c) {
    return Rgb{c.b, c.g, c.r};
}
__attribute__((ms_abi)) Pair w_pair(Pair p, int64_t k) {
    return Pair{p.a + k, p.b - double(k)};
}
__attribute__((ms_abi)) int32_t w_narrow(int8_t a, uint8_t b, int16_t c, uint16_t d, bool e) {
    return (a == -5) + 2 * (b == 250) + 4 * (c == -30000) + 8 * (d == 60000) + 16 * e;
}
// Uses (and so must restore) the registers Win64 makes callee-saved but
// System V does not: rsi, rdi, xmm6-xmm15.
__attribute__((ms_abi)) double w_clobber(double a, int64_t b) {
    double r;
    __asm__ volatile("xorpd %%xmm6, %%xmm6\n\txorpd %%xmm15, %%xmm15\n\t"
                     "xor %%esi, %%esi\n\txor %%edi, %%edi"
                     :
                     :
                     : "xmm6", "xmm15", "rsi", "rdi");
    r = a * double(b);
    return r;
}
__attribute__((ms_abi)) double w_sum_variadic(int32_t count, ...) {
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, count);
    double s = 0;
    for (int i = 0; i < count; ++i)
        s += __builtin_va_arg(ap, double);
    __builtin_ms_va_end(ap);
    return s;
}
#endif
}

extern "C" {
int64_t t_call_variadic(int64_t (*fn)(int32_t, ...)) {
    return fn(3, int64_t(10), 2.5, int64_t(30));
}

#if defined(__x86_64__)
__attribute__((ms_abi)) __attribute__((noinline)) double w_call_keeping(WinDoubleFn fn, double x,
                                                                        int64_t k, int* kept) {
    // Values the compiler must keep in callee-saved registers across the
    // call; the empty asm statements stop it from recomputing them after.
    double d0 = x + 1, d1 = x + 2, d2 = x + 3, d3 = x + 4, d4 = x + 5;
    double d5 = x + 6, d6 = x + 7, d7 = x + 8, d8 = x + 9, d9 = x + 10;
    int64_t i0 = k + 1, i1 = k + 2, i2 = k + 3, i3 = k + 4, i4 = k + 5, i5 = k + 6;
    __asm__ volatile("" : "+x"(d0), "+x"(d1), "+x"(d2), "+x"(d3), "+x"(d4));
    __asm__ volatile("" : "+x"(d5), "+x"(d6), "+x"(d7), "+x"(d8), "+x"(d9));
    __asm__ volatile("" : "+r"(i0), "+r"(i1), "+r"(i2), "+r"(i3), "+r"(i4), "+r"(i5));
    double r = fn(x, k);
    __asm__ volatile("" : "+x"(d0), "+x"(d1), "+x"(d2), "+x"(d3), "+x"(d4));
    __asm__ volatile("" : "+x"(d5), "+x"(d6), "+x"(d7), "+x"(d8), "+x"(d9));
    __asm__ volatile("" : "+r"(i0), "+r"(i1), "+r"(i2), "+r"(i3), "+r"(i4), "+r"(i5));
    *kept = d0 == x + 1 && d1 == x + 2 && d2 == x + 3 && d3 == x + 4 && d4 == x + 5 &&
            d5 == x + 6 && d6 == x + 7 && d7 == x + 8 && d8 == x + 9 && d9 == x + 10 &&
            i0 == k + 1 && i1 == k + 2 && i2 == k + 3 && i3 == k + 4 && i4 == k + 5 && i5 == k + 6;
    return r;
}

double w_call_variadic(WinVariadicFn fn) {
    return fn(3, int64_t(10), 2.5, int64_t(30));
}
#endif
}
