/* Pointers: out parameters, arrays, pointers returned. */
#include <stddef.h>
#include "common.h"

void out_int(int* p, int v) { *p = v; }
void out_double(double* p, double v) { *p = v; }
void out_char(char* p, char v) { *p = v; }
void out_longlong(long long* p, long long v) { *p = v; }

int divmod(int a, int b, int* q, int* r)
{
    if (b == 0) return -1;
    *q = a / b;
    *r = a % b;
    return 0;
}

int deref_int(const int* p) { return p ? *p : -12345; }
double deref_double(const double* p) { return p ? *p : -12345.0; }
int is_null(const void* p) { return p == NULL; }
void* ptr_echo(void* p) { return p; }
size_t ptr_value(const void* p) { return (size_t)p; }

/* Weighted: any element misplaced shows. */
long sum_ints(const int* a, size_t n)
{
    long t = 0;
    for (size_t i = 0; i < n; ++i) t += (long)(i + 1) * a[i];
    return t;
}
double sum_doubles(const double* a, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; ++i) t += (double)(i + 1) * a[i];
    return t;
}
void scale_doubles(double* a, size_t n, double k)
{
    for (size_t i = 0; i < n; ++i) a[i] *= k;
}

static int static_int = 42;
static double static_doubles[4] = {1.5, 2.5, 3.5, 4.5};
int* static_int_ptr(void) { return &static_int; }
double* static_doubles_ptr(void) { return static_doubles; }
int* null_int_ptr(void) { return NULL; }

/* int** out: points *out at the static int. */
void out_ptr(int** out) { *out = &static_int; }
int deref2(int** pp) { return **pp; }

void fill_s24(S24* out, long a, long b, long c)
{
    out->a = a;
    out->b = b;
    out->c = c;
}
long s24_sum_ptr(const S24* p) { return p->a + 10 * p->b + 100 * p->c; }
double sum_s2d_array(const S2d* a, size_t n)
{
    double t = 0;
    for (size_t i = 0; i < n; ++i) t += (double)(i + 1) * (a[i].x + 10 * a[i].y);
    return t;
}
