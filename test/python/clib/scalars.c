/* Every fundamental C type: identity, arithmetic, widening checks. */
#include <stdbool.h>
#include "common.h"

#define SCALAR(name, T)                                        \
    T id_##name(T x) { return x; }                             \
    T add_##name(T a, T b) { return (T)(a + b); }              \
    /* x in the 7th integer / 9th float position: on the stack */ \
    T last_##name(int a1, int a2, int a3, int a4, int a5, int a6, \
                  double d1, double d2, double d3, double d4,  \
                  double d5, double d6, double d7, double d8, T x) \
    { (void)a1; (void)a2; (void)a3; (void)a4; (void)a5; (void)a6; \
      (void)d1; (void)d2; (void)d3; (void)d4; (void)d5; (void)d6; \
      (void)d7; (void)d8; return x; }

SCALAR(byte, signed char)
SCALAR(ubyte, unsigned char)
SCALAR(short, short)
SCALAR(ushort, unsigned short)
SCALAR(int, int)
SCALAR(uint, unsigned int)
SCALAR(long, long)
SCALAR(ulong, unsigned long)
SCALAR(longlong, long long)
SCALAR(ulonglong, unsigned long long)
SCALAR(size_t, size_t)
SCALAR(ssize_t, ssize_t)
SCALAR(int8, int8_t)
SCALAR(uint8, uint8_t)
SCALAR(int16, int16_t)
SCALAR(uint16, uint16_t)
SCALAR(int32, int32_t)
SCALAR(uint32, uint32_t)
SCALAR(int64, int64_t)
SCALAR(uint64, uint64_t)
SCALAR(float, float)
SCALAR(double, double)
SCALAR(longdouble, long double)
SCALAR(char, char)
SCALAR(wchar, wchar_t)

bool id_bool(bool x) { return x; }
bool not_bool(bool x) { return !x; }
int bool_to_int(bool x) { return x ? 1 : 0; }
bool int_is_nonzero(int x) { return x != 0; }

/* The callee reads the narrow argument as the C type says and widens it
 * itself: a check of what the caller put in the low bytes. */
long widen_byte(signed char x) { return x; }
unsigned long widen_ubyte(unsigned char x) { return x; }
long widen_short(short x) { return x; }
unsigned long widen_ushort(unsigned short x) { return x; }
long widen_int(int x) { return x; }
unsigned long widen_uint(unsigned int x) { return x; }

/* Many mixed arguments: registers of both classes exhausted, the rest on the
 * stack in order. A weighted sum so that any misplaced argument shows. */
double mixed_many(signed char a, short b, int c, long d, float e, double f,
                  unsigned char g, unsigned short h, unsigned int i, unsigned long j,
                  float k, double l, long long m, double n, float o, double p,
                  int q, double r, long s, float t)
{
    return a * 1.0 + b * 2.0 + c * 3.0 + d * 4.0 + e * 5.0 + f * 6.0 + g * 7.0 + h * 8.0 +
           i * 9.0 + j * 10.0 + k * 11.0 + l * 12.0 + m * 13.0 + n * 14.0 + o * 15.0 +
           p * 16.0 + q * 17.0 + r * 18.0 + s * 19.0 + t * 20.0;
}

long double ld_third(long double x) { return x / 3; }
long double ld_mix(int a, long double b, double c, long double d) { return a + b * 10 + c * 100 + d * 1000; }
float float_half(float x) { return x / 2; }
double int_to_double(int x) { return x; }
int double_to_int(double x) { return (int)x; }

static int counter;
void noargs_void(void) { ++counter; }
int noargs_counter(void) { return counter; }
long sum10(long a, long b, long c, long d, long e, long f, long g, long h, long i, long j)
{
    return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h + 9 * i + 10 * j;
}
