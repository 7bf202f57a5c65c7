// i386 benchmark targets and callback callers (see targets_i386.h).
#include "targets_i386.h"

using ctabi_bench::Obj;
using ctabi_bench::S16;
using ctabi_bench::T12;

extern "C" {

#define BENCH_DEFS(P, CONV)                                                                        \
    CONV int32_t P##_i32(int32_t a, int32_t b) {                                                   \
        return ctabi_bench::work_i32(a, b);                                                        \
    }                                                                                              \
    CONV double P##_mixed8(int32_t a, double b, int64_t c, double d, int32_t e, double f,          \
                           int64_t g, double h) {                                                  \
        return ctabi_bench::work_mixed8(a, b, c, d, e, f, g, h);                                   \
    }                                                                                              \
    CONV double P##_s16(S16 s) {                                                                   \
        return ctabi_bench::work_s16(s);                                                           \
    }                                                                                              \
    CONV T12 P##_t12(int32_t a, int32_t b) {                                                       \
        return ctabi_bench::work_t12(a, b);                                                        \
    }
BENCH_DEFS(bench_c, )
BENCH_DEFS(bench_s, BENCH_STDCALL)
BENCH_DEFS(bench_f, BENCH_FASTCALL)
#undef BENCH_DEFS

BENCH_THISCALL int32_t bench_t_i32(Obj* self, int32_t x) {
    return ctabi_bench::work_i32(self->base, x);
}
BENCH_THISCALL T12 bench_t_t12(Obj* self, int32_t x) {
    return ctabi_bench::work_t12(self->base, x);
}
T12 bench_m_t12(int32_t a, int32_t b) {
    return ctabi_bench::work_t12(a, b);
}

int32_t bench_call_c_i32(bench_cb_c_i32 f, int32_t n, int32_t a, int32_t b) {
    uint32_t sum = 0;
    for (int32_t i = 0; i < n; ++i)
        sum += uint32_t(f(a, b));
    return int32_t(sum);
}
int32_t bench_call_s_i32(bench_cb_s_i32 f, int32_t n, int32_t a, int32_t b) {
    uint32_t sum = 0;
    for (int32_t i = 0; i < n; ++i)
        sum += uint32_t(f(a, b));
    return int32_t(sum);
}
double bench_call_c_mixed8(bench_cb_c_mixed8 f, int32_t n, int32_t a, double b, int64_t c, double d,
                           int32_t e, double g, int64_t h, double i) {
    double sum = 0;
    for (int32_t k = 0; k < n; ++k)
        sum += f(a, b, c, d, e, g, h, i);
    return sum;
}
double bench_call_s_mixed8(bench_cb_s_mixed8 f, int32_t n, int32_t a, double b, int64_t c, double d,
                           int32_t e, double g, int64_t h, double i) {
    double sum = 0;
    for (int32_t k = 0; k < n; ++k)
        sum += f(a, b, c, d, e, g, h, i);
    return sum;
}

} // extern "C"
