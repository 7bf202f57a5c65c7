// C functions the API tests call: System V ones and __attribute__((ms_abi))
// ones, with values the tests check.
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

__attribute__((ms_abi)) double w_mixed(int32_t a, double b, int64_t c, float d, int32_t e,
                                       double f);
__attribute__((ms_abi)) Rgb w_rgb(Rgb c);
__attribute__((ms_abi)) Pair w_pair(Pair p, int64_t k);
__attribute__((ms_abi)) int32_t w_narrow(int8_t a, uint8_t b, int16_t c, uint16_t d, bool e);
__attribute__((ms_abi)) double w_clobber(double a, int64_t b);
__attribute__((ms_abi)) double w_sum_variadic(int32_t count, ...);
}
