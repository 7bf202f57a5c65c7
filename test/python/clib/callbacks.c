/* C callers of function pointers, with known arguments. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include "common.h"

typedef int (*cb_ii)(int, int);

/* acc = acc * 31 + f(i, 100 - i) for i in 0..n-1 */
long call_ii(cb_ii f, int n)
{
    long acc = 0;
    for (int i = 0; i < n; ++i) acc = acc * 31 + f(i, 100 - i);
    return acc;
}

typedef double (*cb_df)(double, float);
double call_df(cb_df f) { return f(0.5, 1.5f) + 10 * f(2.25, -3.0f); }

/* Every scalar type, to a callback; returns what it returns. */
typedef long long (*cb_scalars)(signed char, unsigned char, short, unsigned short, int,
                                unsigned int, long long, unsigned long long, float, double,
                                bool, char, size_t, wchar_t);
long long call_scalars(cb_scalars f)
{
    return f(-5, 250, -1000, 60000, -100000, 4000000000u, -(1LL << 40), 1ULL << 63, 1.5f,
             2.25, true, 'x', (size_t)-1, L'\u00e9');
}

typedef long double (*cb_ld)(long double);
long double call_ld(cb_ld f, long double x) { return f(x) * 2; }

/* Results of every scalar type. */
typedef signed char (*ret_byte)(void);
typedef unsigned short (*ret_ushort)(void);
typedef unsigned long long (*ret_ulonglong)(void);
typedef float (*ret_float)(void);
typedef bool (*ret_bool)(void);
typedef char (*ret_char)(void);
typedef void* (*ret_voidp)(void);
long call_ret_byte(ret_byte f) { return f(); }
long call_ret_ushort(ret_ushort f) { return f(); }
unsigned long long call_ret_ulonglong(ret_ulonglong f) { return f(); }
double call_ret_float(ret_float f) { return f(); }
int call_ret_bool(ret_bool f) { return f() ? 1 : 0; }
int call_ret_char(ret_char f) { return (unsigned char)f(); }
size_t call_ret_voidp(ret_voidp f) { return (size_t)f(); }

typedef int (*cb_str)(const char*);
int call_str(cb_str f) { return f("hello") + 10 * f(NULL); }

typedef const char* (*cb_ret_str)(int);
long call_ret_str_len(cb_ret_str f, int which)
{
    const char* s = f(which);
    if (!s) return -1;
    long n = 0;
    while (s[n]) ++n;
    return n;
}

typedef void (*cb_ptr)(int*);
int call_ptr(cb_ptr f)
{
    int x = 7;
    f(&x);
    return x;
}

typedef void (*cb_void)(int);
int call_void(cb_void f, int n)
{
    for (int i = 0; i < n; ++i) f(i);
    return n;
}

/* Aggregates by value, as callback arguments and results. Each caller passes
 * known values and folds the result into a number. */
typedef S2d (*cb_S2d)(S2d, int);
double call_S2d(cb_S2d f) { S2d a = {1.5, 2.5}; S2d r = f(a, 3); return r.x + 10 * r.y; }

typedef S2i (*cb_S2i)(S2i, int);
double call_S2i(cb_S2i f) { S2i a = {4, -5}; S2i r = f(a, 3); return r.a + 10.0 * r.b; }

typedef SMix (*cb_SMix)(SMix, int);
double call_SMix(cb_SMix f) { SMix a = {-7, 0.25}; SMix r = f(a, 3); return r.a + 10.0 * r.b; }

typedef S3f (*cb_S3f)(S3f, int);
double call_S3f(cb_S3f f) { S3f a = {1, 2, 3}; S3f r = f(a, 3); return r.a + 10.0 * r.b + 100.0 * r.c; }

typedef S24 (*cb_S24)(S24, int);
double call_S24(cb_S24 f) { S24 a = {1, 2, 3}; S24 r = f(a, 3); return r.a + 10.0 * r.b + 100.0 * r.c; }

typedef SBig (*cb_SBig)(SBig, int);
double call_SBig(cb_SBig f)
{
    SBig a = {{1, 2, 3, 4, 5}, 6};
    SBig r = f(a, 3);
    double t = 0;
    for (int i = 0; i < 5; ++i) t += (i + 1) * r.d[i];
    return t + 100.0 * r.tag;
}

typedef SArr (*cb_SArr)(SArr, int);
double call_SArr(cb_SArr f)
{
    SArr a = {{1, 2, 3, 4}};
    SArr r = f(a, 3);
    return r.a[0] + 10.0 * r.a[1] + 100.0 * r.a[2] + 1000.0 * r.a[3];
}

typedef SNested (*cb_SNested)(SNested, int);
double call_SNested(cb_SNested f)
{
    SNested a = {{1, 2}, 3.5};
    SNested r = f(a, 3);
    return r.in.a + 10.0 * r.in.b + 100.0 * r.z;
}

typedef SPacked (*cb_SPacked)(SPacked, int);
double call_SPacked(cb_SPacked f)
{
    SPacked a = {1, 2, 3.5};
    SPacked r = f(a, 3);
    return r.c + 10.0 * r.i + 100.0 * r.d;
}

typedef UIF (*cb_UIF)(UIF, int);
double call_UIF(cb_UIF f) { UIF a; a.i = 41; UIF r = f(a, 3); return r.i; }

typedef UFD (*cb_UFD)(UFD, int);
double call_UFD(cb_UFD f)
{
    UFD a; a.f[0] = 1.5f; a.f[1] = 2.5f;
    UFD r = f(a, 3);
    return r.f[0] + 10.0 * r.f[1];
}

typedef UBig (*cb_UBig)(UBig, int);
double call_UBig(cb_UBig f)
{
    UBig a; a.s.x = 1.5; a.s.y = 2.5;
    UBig r = f(a, 3);
    return r.s.x + 10.0 * r.s.y;
}

typedef ULarge (*cb_ULarge)(ULarge, int);
double call_ULarge(cb_ULarge f)
{
    ULarge a; a.d[0] = 1; a.d[1] = 2; a.d[2] = 3;
    ULarge r = f(a, 3);
    return r.d[0] + 10.0 * r.d[1] + 100.0 * r.d[2];
}

typedef SWithU (*cb_SWithU)(SWithU, int);
double call_SWithU(cb_SWithU f)
{
    SWithU a; a.tag = 1; a.u.i = 2; a.x = 3.5;
    SWithU r = f(a, 3);
    return r.tag + 10.0 * r.u.i + 100.0 * r.x;
}

/* Many arguments to a callback: some on the stack. */
typedef double (*cb_many)(int, double, int, double, int, double, int, double, int, double,
                          int, double, int, double, int, double, int, double);
double call_many(cb_many f)
{
    return f(1, 2.5, 3, 4.5, 5, 6.5, 7, 8.5, 9, 10.5, 11, 12.5, 13, 14.5, 15, 16.5, 17, 18.5);
}

/* A qsort-style sort calling the comparator (insertion sort). */
typedef int (*cmp_fn)(const void*, const void*);
void my_sort(int* a, size_t n, cmp_fn cmp)
{
    for (size_t i = 1; i < n; ++i) {
        int v = a[i];
        size_t j = i;
        while (j > 0 && cmp(&a[j - 1], &v) > 0) {
            a[j] = a[j - 1];
            --j;
        }
        a[j] = v;
    }
}
void sort_with_qsort(int* a, size_t n, cmp_fn cmp) { qsort(a, n, sizeof *a, cmp); }

/* A stored callback, called later. */
static cb_ii stored;
void store_ii(cb_ii f) { stored = f; }
int call_stored_ii(int a, int b) { return stored ? stored(a, b) : -1; }

/* A callback called from a thread Python never saw. */
struct thread_call { cb_ii f; int a, b, r; };
static void* thread_main(void* p)
{
    struct thread_call* c = p;
    c->r = c->f(c->a, c->b);
    return NULL;
}
int call_ii_in_thread(cb_ii f, int a, int b)
{
    pthread_t t;
    struct thread_call c = {f, a, b, 0};
    if (pthread_create(&t, NULL, thread_main, &c) != 0) return -1;
    pthread_join(t, NULL);
    return c.r;
}

/* The address of a function, for passing a C function where a callback is
 * expected, and calling a function pointer. */
static int c_add(int a, int b) { return a + b; }
cb_ii get_c_add(void) { return c_add; }
int apply_ii(cb_ii f, int a, int b) { return f(a, b); }

/* An ms_abi function pointer called by System V code. */
typedef int (MSABI *ms_cb_ii)(int, int);
long call_ms_ii(ms_cb_ii f, int n)
{
    long acc = 0;
    for (int i = 0; i < n; ++i) acc = acc * 31 + f(i, 100 - i);
    return acc;
}
typedef double (MSABI *ms_cb_mix)(int, double, long long, float, int, double);
double call_ms_mix(ms_cb_mix f) { return f(1, 2.5, 3, 4.5f, 5, 6.5); }
typedef S24 (MSABI *ms_cb_S24)(S24, int);
double call_ms_S24(ms_cb_S24 f) { S24 a = {1, 2, 3}; S24 r = f(a, 3); return r.a + 10.0 * r.b + 100.0 * r.c; }
typedef S2i (MSABI *ms_cb_S2i)(S2i, int);
double call_ms_S2i(ms_cb_S2i f) { S2i a = {4, -5}; S2i r = f(a, 3); return r.a + 10.0 * r.b; }

/* errno around a callback: sets errno to `before`, calls f(before), and
 * returns errno after it returns * 1000 + f's result. */
typedef int (*cb_errno)(int);
int call_keeping_errno(cb_errno f, int before)
{
    errno = before;
    int r = f(before);
    return errno * 1000 + r;
}
