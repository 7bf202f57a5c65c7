/* Microsoft x64 (ms_abi) functions in a System V library. */
#include "common.h"

MSABI int ms_add(int a, int b) { return a + b; }
MSABI double ms_mix(int a, double b, long long c, float d, int e, double f)
{
    return a + 10.0 * b + 100.0 * c + 1000.0 * d + 10000.0 * e + 100000.0 * f;
}
MSABI double ms_many(double a, double b, double c, double d, double e, double f, double g, double h)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
}
MSABI long ms_sum10(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
}
MSABI signed char ms_byte(signed char x) { return x; }
MSABI unsigned short ms_ushort(unsigned short x) { return x; }
MSABI float ms_float(float x) { return x * 2; }
MSABI const char* ms_str(int which) { return which ? "ms" : 0; }
MSABI long ms_strlen(const char* s) { long n = 0; if (!s) return -1; while (s[n]) ++n; return n; }
MSABI void ms_out_int(int* p, int v) { *p = v; }

/* Aggregates: Win64 passes those of 1, 2, 4, 8 bytes in a register, the
 * rest by reference, and returns the rest through a hidden pointer. */
MSABI S2i ms_S2i_bump(S2i s, int k) { s.a += k; s.b += 2 * k; return s; }
MSABI double ms_S2i_sum(S2i s) { return s.a + 10.0 * s.b; }
MSABI S24 ms_S24_bump(S24 s, int k) { s.a += k; s.b += 2 * k; s.c += 3 * k; return s; }
MSABI double ms_S24_sum(S24 s) { return s.a + 10.0 * s.b + 100.0 * s.c; }
MSABI double ms_S2d_sum(S2d s) { return s.x + 10.0 * s.y; }
MSABI S2d ms_S2d_make(double x, double y) { S2d s = {x, y}; return s; }
MSABI S3f ms_S3f_make(float a, float b, float c) { S3f s = {a, b, c}; return s; }
MSABI double ms_S3f_sum(S3f s) { return s.a + 10.0 * s.b + 100.0 * s.c; }
MSABI UIF ms_UIF_bump(UIF u, int k) { u.i += k; return u; }
MSABI double ms_SArr_sum(SArr s) { return s.a[0] + 10.0 * s.a[1] + 100.0 * s.a[2] + 1000.0 * s.a[3]; }
MSABI SPacked3 ms_SPacked3_bump(SPacked3 s, int k) { s.c += k; s.s += 2 * k; return s; }
MSABI double ms_aggregates_mid(int a, S24 s, double b, S2i t, float c, SBig big)
{
    double bs = 0;
    for (int i = 0; i < 5; ++i) bs += (i + 1) * big.d[i];
    bs += 100.0 * big.tag;
    return a + 10.0 * (s.a + 10.0 * s.b + 100.0 * s.c) + 1e5 * b + 1e6 * (t.a + 10.0 * t.b) +
           1e8 * c + 1e9 * bs;
}

/* Variadic under Win64: va_arg over the ms va_list. */
MSABI double ms_va_sum_doubles(int count, ...)
{
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, count);
    double t = 0;
    for (int i = 0; i < count; ++i) t += (i + 1) * __builtin_va_arg(ap, double);
    __builtin_ms_va_end(ap);
    return t;
}
MSABI long ms_va_sum_ints(int count, ...)
{
    __builtin_ms_va_list ap;
    __builtin_ms_va_start(ap, count);
    long t = 0;
    for (int i = 0; i < count; ++i) t += (long)(i + 1) * __builtin_va_arg(ap, int);
    __builtin_ms_va_end(ap);
    return t;
}
