/* Structures and unions by value, in and out. Every `*_sum` weighs each
 * field differently, so a misplaced field shows; `*_make` builds one from
 * scalars; `*_bump` returns its argument changed; `*_mid` has it between
 * other arguments (register allocation around it). */
#include <string.h>
#include "common.h"

/* S2i */
double S2i_sum(S2i s) { return s.a + 10.0 * s.b; }
S2i S2i_make(int a, int b) { S2i s = {a, b}; return s; }
S2i S2i_bump(S2i s, int k) { s.a += k; s.b += 2 * k; return s; }
double S2i_mid(int x, S2i s, double y) { return x + 10.0 * s.a + 100.0 * s.b + 1000.0 * y; }

/* S2d */
double S2d_sum(S2d s) { return s.x + 10.0 * s.y; }
S2d S2d_make(double x, double y) { S2d s = {x, y}; return s; }
S2d S2d_bump(S2d s, int k) { s.x += k; s.y += 2 * k; return s; }
double S2d_mid(int x, S2d s, double y) { return x + 10.0 * s.x + 100.0 * s.y + 1000.0 * y; }

/* SMix */
double SMix_sum(SMix s) { return s.a + 10.0 * s.b; }
SMix SMix_make(long a, double b) { SMix s = {a, b}; return s; }
SMix SMix_bump(SMix s, int k) { s.a += k; s.b += 2 * k; return s; }
double SMix_mid(int x, SMix s, double y) { return x + 10.0 * s.a + 100.0 * s.b + 1000.0 * y; }

/* S3f */
double S3f_sum(S3f s) { return s.a + 10.0 * s.b + 100.0 * s.c; }
S3f S3f_make(float a, float b, float c) { S3f s = {a, b, c}; return s; }
S3f S3f_bump(S3f s, int k) { s.a += k; s.b += 2 * k; s.c += 3 * k; return s; }
double S3f_mid(int x, S3f s, double y) { return x + 10.0 * s.a + 100.0 * s.b + 1000.0 * s.c + 10000.0 * y; }

/* SSmall */
double SSmall_sum(SSmall s) { return s.c + 10.0 * s.s + 100.0 * s.i; }
SSmall SSmall_make(char c, short sh, int i) { SSmall s = {c, sh, i}; return s; }
SSmall SSmall_bump(SSmall s, int k) { s.c += k; s.s += 2 * k; s.i += 3 * k; return s; }
double SSmall_mid(int x, SSmall s, double y) { return x + 10.0 * s.c + 100.0 * s.s + 1000.0 * s.i + 10000.0 * y; }

/* S24 */
double S24_sum(S24 s) { return s.a + 10.0 * s.b + 100.0 * s.c; }
S24 S24_make(long a, long b, long c) { S24 s = {a, b, c}; return s; }
S24 S24_bump(S24 s, int k) { s.a += k; s.b += 2 * k; s.c += 3 * k; return s; }
double S24_mid(int x, S24 s, double y) { return x + 10.0 * s.a + 100.0 * s.b + 1000.0 * s.c + 10000.0 * y; }

/* SBig */
double SBig_sum(SBig s)
{
    double t = 0;
    for (int i = 0; i < 5; ++i) t += (i + 1) * s.d[i];
    return t + 100.0 * s.tag;
}
SBig SBig_make(double base, int tag)
{
    SBig s;
    for (int i = 0; i < 5; ++i) s.d[i] = base + i;
    s.tag = tag;
    return s;
}
SBig SBig_bump(SBig s, int k)
{
    for (int i = 0; i < 5; ++i) s.d[i] += k * (i + 1);
    s.tag += k;
    return s;
}
double SBig_mid(int x, SBig s, double y) { return x + SBig_sum(s) * 10.0 + 100000.0 * y; }

/* SArr */
double SArr_sum(SArr s) { return s.a[0] + 10.0 * s.a[1] + 100.0 * s.a[2] + 1000.0 * s.a[3]; }
SArr SArr_make(int a, int b, int c, int d) { SArr s = {{a, b, c, d}}; return s; }
SArr SArr_bump(SArr s, int k) { for (int i = 0; i < 4; ++i) s.a[i] += k * (i + 1); return s; }
double SArr_mid(int x, SArr s, double y) { return x + 10.0 * SArr_sum(s) + 100000.0 * y; }

/* SChars */
double SChars_sum(SChars s)
{
    double t = 0;
    for (int i = 0; i < 10; ++i) t += (i + 1) * (unsigned char)s.name[i];
    return t + 1000.0 * s.id;
}
SChars SChars_make(const char* name, short id)
{
    SChars s;
    memset(&s, 0, sizeof s);
    for (size_t i = 0; i < sizeof s.name && name[i]; ++i) s.name[i] = name[i];
    s.id = id;
    return s;
}
SChars SChars_bump(SChars s, int k)
{
    for (int i = 0; i < 10; ++i)
        if (s.name[i]) s.name[i] = (char)(s.name[i] + k);
    s.id = (short)(s.id + k);
    return s;
}
double SChars_mid(int x, SChars s, double y) { return x + 10.0 * SChars_sum(s) + 1e9 * y; }

/* SArrF */
double SArrF_sum(SArrF s) { return s.f[0] + 10.0 * s.f[1] + 100.0 * s.f[2]; }
SArrF SArrF_make(float a, float b, float c) { SArrF s = {{a, b, c}}; return s; }
SArrF SArrF_bump(SArrF s, int k) { for (int i = 0; i < 3; ++i) s.f[i] += k * (i + 1); return s; }
double SArrF_mid(int x, SArrF s, double y) { return x + 10.0 * SArrF_sum(s) + 100000.0 * y; }

/* SNested */
double SNested_sum(SNested s) { return s.in.a + 10.0 * s.in.b + 100.0 * s.z; }
SNested SNested_make(int a, int b, double z) { SNested s = {{a, b}, z}; return s; }
SNested SNested_bump(SNested s, int k) { s.in.a += k; s.in.b += 2 * k; s.z += 3 * k; return s; }
double SNested_mid(int x, SNested s, double y) { return x + 10.0 * SNested_sum(s) + 100000.0 * y; }

/* SNest2 */
double SNest2_sum(SNest2 s)
{
    return s.m.a + 10.0 * s.m.b + 100.0 * s.arr[0].a + 1000.0 * s.arr[0].b +
           10000.0 * s.arr[1].a + 100000.0 * s.arr[1].b;
}
SNest2 SNest2_make(long a, double b, int c, int d, int e, int f)
{
    SNest2 s = {{a, b}, {{c, d}, {e, f}}};
    return s;
}
SNest2 SNest2_bump(SNest2 s, int k)
{
    s.m.a += k; s.m.b += 2 * k;
    s.arr[0].a += 3 * k; s.arr[0].b += 4 * k;
    s.arr[1].a += 5 * k; s.arr[1].b += 6 * k;
    return s;
}
double SNest2_mid(int x, SNest2 s, double y) { return x + 10.0 * SNest2_sum(s) + 1e9 * y; }

/* SPacked */
double SPacked_sum(SPacked s) { return s.c + 10.0 * s.i + 100.0 * s.d; }
SPacked SPacked_make(char c, int i, double d) { SPacked s = {c, i, d}; return s; }
SPacked SPacked_bump(SPacked s, int k) { s.c += k; s.i += 2 * k; s.d += 3 * k; return s; }
double SPacked_mid(int x, SPacked s, double y) { return x + 10.0 * SPacked_sum(s) + 100000.0 * y; }

/* SPacked3 */
double SPacked3_sum(SPacked3 s) { return s.c + 10.0 * s.s; }
SPacked3 SPacked3_make(char c, short sh) { SPacked3 s = {c, sh}; return s; }
SPacked3 SPacked3_bump(SPacked3 s, int k) { s.c += k; s.s += 2 * k; return s; }
double SPacked3_mid(int x, SPacked3 s, double y) { return x + 10.0 * SPacked3_sum(s) + 100000.0 * y; }

/* UIF: made through i, read through i (sum) */
double UIF_sum(UIF u) { return u.i; }
UIF UIF_make(int i) { UIF u; u.i = i; return u; }
UIF UIF_bump(UIF u, int k) { u.i += k; return u; }
double UIF_mid(int x, UIF u, double y) { return x + 10.0 * u.i + 100000.0 * y; }
float UIF_getf(UIF u) { return u.f; }
UIF UIF_makef(float f) { UIF u; u.f = f; return u; }

/* UDL: through d */
double UDL_sum(UDL u) { return u.d; }
UDL UDL_make(double d) { UDL u; u.d = d; return u; }
UDL UDL_bump(UDL u, int k) { u.d += k; return u; }
double UDL_mid(int x, UDL u, double y) { return x + 10.0 * u.d + 100000.0 * y; }
long UDL_getl(UDL u) { return u.l; }

/* UFD: through f[] */
double UFD_sum(UFD u) { return u.f[0] + 10.0 * u.f[1]; }
UFD UFD_make(float a, float b) { UFD u; u.f[0] = a; u.f[1] = b; return u; }
UFD UFD_bump(UFD u, int k) { u.f[0] += k; u.f[1] += 2 * k; return u; }
double UFD_mid(int x, UFD u, double y) { return x + 10.0 * UFD_sum(u) + 100000.0 * y; }

/* UBig: through s */
double UBig_sum(UBig u) { return u.s.x + 10.0 * u.s.y; }
UBig UBig_make(double x, double y) { UBig u; u.s.x = x; u.s.y = y; return u; }
UBig UBig_bump(UBig u, int k) { u.s.x += k; u.s.y += 2 * k; return u; }
double UBig_mid(int x, UBig u, double y) { return x + 10.0 * UBig_sum(u) + 100000.0 * y; }
int UBig_byte(UBig u, int i) { return (unsigned char)u.c[i]; }

/* ULarge: through d[] */
double ULarge_sum(ULarge u) { return u.d[0] + 10.0 * u.d[1] + 100.0 * u.d[2]; }
ULarge ULarge_make(double a, double b, double c) { ULarge u; u.d[0] = a; u.d[1] = b; u.d[2] = c; return u; }
ULarge ULarge_bump(ULarge u, int k) { for (int i = 0; i < 3; ++i) u.d[i] += k * (i + 1); return u; }
double ULarge_mid(int x, ULarge u, double y) { return x + 10.0 * ULarge_sum(u) + 100000.0 * y; }

/* SWithU: u through i */
double SWithU_sum(SWithU s) { return s.tag + 10.0 * s.u.i + 100.0 * s.x; }
SWithU SWithU_make(int tag, int i, double x) { SWithU s; s.tag = tag; s.u.i = i; s.x = x; return s; }
SWithU SWithU_bump(SWithU s, int k) { s.tag += k; s.u.i += 2 * k; s.x += 3 * k; return s; }
double SWithU_mid(int x, SWithU s, double y) { return x + 10.0 * SWithU_sum(s) + 100000.0 * y; }

/* Two aggregates and scalars: registers run out part-way. */
double two_aggregates(S2d a, SMix b, S24 c, SArr d, double e, long f)
{
    return S2d_sum(a) + 2 * SMix_sum(b) + 3 * S24_sum(c) + 4 * SArr_sum(d) + 5 * e + 6 * f;
}
/* Register-class aggregates that no longer fit in registers go on the stack. */
double regs_exhausted(long a, long b, long c, long d, long e, SMix m, S2d s)
{
    return a + 2.0 * b + 3.0 * c + 4.0 * d + 5.0 * e + 10.0 * SMix_sum(m) + 1000.0 * S2d_sum(s);
}

/* S128: three of them (384 bytes of arguments), and one returned. */
double S128_sum3(S128 a, int k, S128 b, S128 c)
{
    double t = 0;
    for (int i = 0; i < 16; ++i) t += (i + 1) * (a.d[i] + 100 * b.d[i] + 10000 * c.d[i]);
    return t * k;
}
S128 S128_make(double base)
{
    S128 s;
    for (int i = 0; i < 16; ++i) s.d[i] = base + i;
    return s;
}
