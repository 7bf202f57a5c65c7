// Benchmark targets and callback callers (see targets.h).
#include "targets.h"

using ctabi_bench::S16;
using ctabi_bench::S40;

extern "C" {

int32_t bench_i32_i32(int32_t a, int32_t b) {
    return ctabi_bench::work_i32_i32(a, b);
}

double bench_mixed8(int32_t a, double b, int64_t c, double d, int32_t e, double f, int64_t g,
                    double h) {
    return ctabi_bench::work_mixed8(a, b, c, d, e, f, g, h);
}

S16 bench_s16(S16 s) {
    return ctabi_bench::work_s16(s);
}

int64_t bench_s40(S40 s) {
    return ctabi_bench::work_s40(s);
}

double bench_win64(int32_t a, double b, int64_t c, double d) {
    return ctabi_bench::work_win64(a, b, c, d);
}

int32_t bench_call_i32_i32(bench_cb_i32_i32 f, int64_t n, int32_t a, int32_t b) {
    uint32_t sum = 0;
    for (int64_t i = 0; i < n; ++i)
        sum += uint32_t(f(a, b));
    return int32_t(sum);
}

double bench_call_mixed8(bench_cb_mixed8 f, int64_t n, int32_t a, double b, int64_t c, double d,
                         int32_t e, double g, int64_t h, double i) {
    double sum = 0;
    for (int64_t k = 0; k < n; ++k)
        sum += f(a, b, c, d, e, g, h, i);
    return sum;
}

S16 bench_call_s16(bench_cb_s16 f, int64_t n, S16 s) {
    uint64_t a = 0;
    double b = 0;
    for (int64_t i = 0; i < n; ++i) {
        S16 r = f(s);
        a += uint64_t(r.a);
        b += r.b;
    }
    return S16{int64_t(a), b};
}

int64_t bench_call_s40(bench_cb_s40 f, int64_t n, const S40* s) {
    uint64_t sum = 0;
    for (int64_t i = 0; i < n; ++i)
        sum += uint64_t(f(*s));
    return int64_t(sum);
}

double bench_call_win64(bench_cb_win64 f, int64_t n, int32_t a, double b, int64_t c, double d) {
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
        sum += f(a, b, c, d);
    return sum;
}

} // extern "C"
