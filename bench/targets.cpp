// Benchmark targets: small, but each uses every argument so a wrong value in
// any position changes the result.
#include "targets.h"

using ctabi_bench::S16;
using ctabi_bench::S40;

extern "C" {

int32_t bench_i32_i32(int32_t a, int32_t b) {
    return a * 3 + b;
}

double bench_mixed8(int32_t a, double b, int64_t c, double d, int32_t e, double f, int64_t g,
                    double h) {
    return double(a) + 2.0 * b + 3.0 * double(c) + 4.0 * d + 5.0 * double(e) + 6.0 * f +
           7.0 * double(g) + 8.0 * h;
}

S16 bench_s16(S16 s) {
    return S16{s.a * 2 + 1, s.b * 0.5 + double(s.a)};
}

int64_t bench_s40(S40 s) {
    return s.a + 2 * int64_t(s.b) + 3 * s.c + 4 * int64_t(s.d) + 5 * s.e;
}

double bench_win64(int32_t a, double b, int64_t c, double d) {
    return double(a) + 2.0 * b + 3.0 * double(c) + 4.0 * d;
}

} // extern "C"
