/* errno, variadic functions, the GIL. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "common.h"

int set_errno_ret(int v)
{
    errno = v;
    return -1;
}
int read_errno(void) { return errno; }

long va_sum_ints(int count, ...)
{
    va_list ap;
    va_start(ap, count);
    long t = 0;
    for (int i = 0; i < count; ++i) t += (long)(i + 1) * va_arg(ap, int);
    va_end(ap);
    return t;
}

double va_sum_doubles(int count, ...)
{
    va_list ap;
    va_start(ap, count);
    double t = 0;
    for (int i = 0; i < count; ++i) t += (i + 1) * va_arg(ap, double);
    va_end(ap);
    return t;
}

/* fmt: 'i' int, 'l' long, 'd' double, 's' char* (its length): weighted sum. */
double va_mixed(const char* fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    double t = 0;
    int k = 1;
    for (; *fmt; ++fmt, ++k) {
        switch (*fmt) {
        case 'i': t += k * (double)va_arg(ap, int); break;
        case 'l': t += k * (double)va_arg(ap, long); break;
        case 'd': t += k * va_arg(ap, double); break;
        case 's': t += k * (double)strlen(va_arg(ap, const char*)); break;
        default: return -1e300;
        }
    }
    va_end(ap);
    return t;
}

/* Whether the calling thread holds the GIL (PyGILState_Check from the
 * interpreter running us), or -1 if there is no interpreter. */
int gil_held(void)
{
    int (*check)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "PyGILState_Check");
    return check ? check() : -1;
}

/* A function of the Python C API's kind (call it through PyDLL, with the
 * GIL held): x if x >= 0, else ValueError set and -1. The interpreter's
 * symbols are looked up as gil_held does, so the library needs no
 * Python.h. */
int py_check_nonnegative(int x)
{
    void (*set_string)(void*, const char*) =
        (void (*)(void*, const char*))dlsym(RTLD_DEFAULT, "PyErr_SetString");
    void** value_error = (void**)dlsym(RTLD_DEFAULT, "PyExc_ValueError");
    if (x >= 0 || !set_string || !value_error) return x;
    set_string(*value_error, "negative");
    return -1;
}
