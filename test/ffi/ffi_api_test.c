/* ffi_api_test.c - C API test of the libffi 3.4 interface (ffi.h, libffi.so.8).
 *
 * Written only against the public libffi API, the way a libffi user writes
 * code, so that the same source runs against the system libffi (Debian 12's
 * libffi 3.4.4) and against ctabi's drop-in replacement with the same
 * expected results.  Every expected status and every layout constant below
 * was measured on libffi 3.4.4 (x86-64 and i386).
 *
 * Build and run (x86-64, and the same with -m32 for i386):
 *   cc -std=c11 -Wall -Wextra -Werror -O1 test/ffi/ffi_api_test.c -lffi -lm
 *   ./a.out
 *
 * Output: one line per failed check (file:line, what, expected vs got) and a
 * final summary line "ffi_api_test: N checks, M failed".  The exit status is
 * non-zero if any check failed.
 *
 * The callees are real C functions of this file, marked noinline, and are
 * called only through ffi_call; closures are called only through their code
 * pointer, with the right C function-pointer type.
 */

#define _DEFAULT_SOURCE /* realpath, PATH_MAX */
#include <ffi.h>

#include <complex.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))

/* ------------------------------------------------------------------------
   Check helpers
   ------------------------------------------------------------------------ */

static unsigned g_checks;
static unsigned g_failed;

static int check_begin(int ok) {
    g_checks++;
    if (!ok) g_failed++;
    return ok;
}

static void check_true(int ok, const char* file, int line, const char* what) {
    if (!check_begin(ok)) printf("%s:%d: FAILED: %s\n", file, line, what);
}

static void check_i(long long got, long long exp, const char* file, int line, const char* what) {
    if (!check_begin(got == exp))
        printf("%s:%d: FAILED: %s: expected %lld (0x%llx), got %lld (0x%llx)\n", file, line, what,
               exp, (unsigned long long)exp, got, (unsigned long long)got);
}

static void check_u(unsigned long long got, unsigned long long exp, const char* file, int line,
                    const char* what) {
    if (!check_begin(got == exp))
        printf("%s:%d: FAILED: %s: expected %llu (0x%llx), got %llu (0x%llx)\n", file, line, what,
               exp, exp, got, got);
}

static void check_d(double got, double exp, const char* file, int line, const char* what) {
    if (!check_begin(got == exp))
        printf("%s:%d: FAILED: %s: expected %.17g, got %.17g\n", file, line, what, exp, got);
}

static void check_ld(long double got, long double exp, const char* file, int line,
                     const char* what) {
    if (!check_begin(got == exp))
        printf("%s:%d: FAILED: %s: expected %.21Lg, got %.21Lg\n", file, line, what, exp, got);
}

static void check_p(const void* got, const void* exp, const char* file, int line,
                    const char* what) {
    if (!check_begin(got == exp))
        printf("%s:%d: FAILED: %s: expected %p, got %p\n", file, line, what, exp, got);
}

static void check_s(const char* got, const char* exp, const char* file, int line,
                    const char* what) {
    if (!check_begin(strcmp(got, exp) == 0))
        printf("%s:%d: FAILED: %s: expected \"%s\", got \"%s\"\n", file, line, what, exp, got);
}

static const char* status_name(int s) {
    switch (s) {
    case FFI_OK: return "FFI_OK";
    case FFI_BAD_TYPEDEF: return "FFI_BAD_TYPEDEF";
    case FFI_BAD_ABI: return "FFI_BAD_ABI";
    case FFI_BAD_ARGTYPE: return "FFI_BAD_ARGTYPE";
    default: return "(unknown ffi_status)";
    }
}

static void check_status(int got, int exp, const char* file, int line, const char* what) {
    if (!check_begin(got == exp))
        printf("%s:%d: FAILED: %s: expected %s (%d), got %s (%d)\n", file, line, what,
               status_name(exp), exp, status_name(got), got);
}

/* what = the checked expression and its expected value, as written.  */
#define WHAT(got, exp) #got " == " #exp
#define CHECK(c) check_true(!!(c), __FILE__, __LINE__, #c)
#define CHECK_I(got, exp)                                                                          \
    check_i((long long)(got), (long long)(exp), __FILE__, __LINE__, WHAT(got, exp))
#define CHECK_U(got, exp)                                                                          \
    check_u((unsigned long long)(got), (unsigned long long)(exp), __FILE__, __LINE__,              \
            WHAT(got, exp))
#define CHECK_D(got, exp) check_d((double)(got), (double)(exp), __FILE__, __LINE__, WHAT(got, exp))
#define CHECK_LD(got, exp)                                                                         \
    check_ld((long double)(got), (long double)(exp), __FILE__, __LINE__, WHAT(got, exp))
#define CHECK_P(got, exp)                                                                          \
    check_p((const void*)(got), (const void*)(exp), __FILE__, __LINE__, WHAT(got, exp))
#define CHECK_S(got, exp) check_s((got), (exp), __FILE__, __LINE__, WHAT(got, exp))
#define CHECK_STATUS(got, exp)                                                                     \
    check_status((int)(got), (int)(exp), __FILE__, __LINE__, WHAT(got, exp))

/* A byte pattern to pre-fill result buffers with, so that a result that is
   not written in full shows up.  */
#define GARBAGE_ARG ((ffi_arg)0xA5A5A5A5A5A5A5A5ULL)

/* ffi_type of size_t, for snprintf's second parameter.  */
#define FFI_TYPE_OF_SIZE_T (sizeof(size_t) == 8 ? &ffi_type_uint64 : &ffi_type_uint32)

/* A struct ffi_type the libffi way: size 0, alignment 0, FFI_TYPE_STRUCT,
   a NULL-terminated element list; ffi_prep_cif fills in size/alignment.  */
static ffi_type struct_type(ffi_type** elements) {
    ffi_type t;
    t.size = 0;
    t.alignment = 0;
    t.type = FFI_TYPE_STRUCT;
    t.elements = elements;
    return t;
}

/* ========================================================================
   1. Struct layouts and constants that compiled binaries depend on.
   The replacement's ffi.h must give these exact values (numbers read off
   the libffi 3.4.4 headers on x86-64 and on i386).
   ======================================================================== */

static void test_layouts(void) {
#if defined(__x86_64__)
    CHECK_I(sizeof(ffi_type), 24);
    CHECK_I(_Alignof(ffi_type), 8);
    CHECK_I(offsetof(ffi_type, size), 0);
    CHECK_I(offsetof(ffi_type, alignment), 8);
    CHECK_I(offsetof(ffi_type, type), 10);
    CHECK_I(offsetof(ffi_type, elements), 16);

    CHECK_I(sizeof(ffi_cif), 32);
    CHECK_I(_Alignof(ffi_cif), 8);
    CHECK_I(offsetof(ffi_cif, abi), 0);
    CHECK_I(offsetof(ffi_cif, nargs), 4);
    CHECK_I(offsetof(ffi_cif, arg_types), 8);
    CHECK_I(offsetof(ffi_cif, rtype), 16);
    CHECK_I(offsetof(ffi_cif, bytes), 24);
    CHECK_I(offsetof(ffi_cif, flags), 28);

    CHECK_I(FFI_TRAMPOLINE_SIZE, 32);
    CHECK_I(sizeof(ffi_closure), 56);
    CHECK_I(_Alignof(ffi_closure), 8);
    CHECK_I(offsetof(ffi_closure, tramp), 0);
    CHECK_I(offsetof(ffi_closure, ftramp), 0);
    CHECK_I(offsetof(ffi_closure, cif), 32);
    CHECK_I(offsetof(ffi_closure, fun), 40);
    CHECK_I(offsetof(ffi_closure, user_data), 48);

    CHECK_I(sizeof(ffi_arg), 8);
    CHECK_I(sizeof(ffi_sarg), 8);
    CHECK_I(FFI_SIZEOF_ARG, 8);
#elif defined(__i386__)
    CHECK_I(sizeof(ffi_type), 12);
    CHECK_I(_Alignof(ffi_type), 4);
    CHECK_I(offsetof(ffi_type, size), 0);
    CHECK_I(offsetof(ffi_type, alignment), 4);
    CHECK_I(offsetof(ffi_type, type), 6);
    CHECK_I(offsetof(ffi_type, elements), 8);

    CHECK_I(sizeof(ffi_cif), 24);
    CHECK_I(_Alignof(ffi_cif), 4);
    CHECK_I(offsetof(ffi_cif, abi), 0);
    CHECK_I(offsetof(ffi_cif, nargs), 4);
    CHECK_I(offsetof(ffi_cif, arg_types), 8);
    CHECK_I(offsetof(ffi_cif, rtype), 12);
    CHECK_I(offsetof(ffi_cif, bytes), 16);
    CHECK_I(offsetof(ffi_cif, flags), 20);

    CHECK_I(FFI_TRAMPOLINE_SIZE, 16);
    /* 16 + 3 pointers = 28; the header's __attribute__((aligned(8))) sits on
       the typedef, so the alignment is 8 but the size stays 28.  */
    CHECK_I(sizeof(ffi_closure), 28);
    CHECK_I(_Alignof(ffi_closure), 8);
    CHECK_I(offsetof(ffi_closure, tramp), 0);
    CHECK_I(offsetof(ffi_closure, ftramp), 0);
    CHECK_I(offsetof(ffi_closure, cif), 16);
    CHECK_I(offsetof(ffi_closure, fun), 20);
    CHECK_I(offsetof(ffi_closure, user_data), 24);

    CHECK_I(sizeof(ffi_arg), 4);
    CHECK_I(sizeof(ffi_sarg), 4);
    CHECK_I(FFI_SIZEOF_ARG, 4);
#else
    CHECK(!"unsupported target: this test knows x86-64 and i386 only");
#endif
    CHECK_I(sizeof(ffi_abi), 4);
    CHECK_I(sizeof(ffi_status), 4);
    CHECK_I(sizeof(ffi_arg), sizeof(void*));
    CHECK((ffi_sarg)-1 < 0);
    CHECK((ffi_arg)-1 > 0);
}

/* The enumerators and type codes are compiled into binaries.  */
static void test_constants(void) {
    CHECK_I(FFI_OK, 0);
    CHECK_I(FFI_BAD_TYPEDEF, 1);
    CHECK_I(FFI_BAD_ABI, 2);
    CHECK_I(FFI_BAD_ARGTYPE, 3);

#if defined(__x86_64__)
    CHECK_I(FFI_FIRST_ABI, 1);
    CHECK_I(FFI_UNIX64, 2);
    CHECK_I(FFI_WIN64, 3);
    CHECK_I(FFI_EFI64, 3);
    CHECK_I(FFI_GNUW64, 4);
    CHECK_I(FFI_LAST_ABI, 5);
    CHECK_I(FFI_DEFAULT_ABI, 2);
    CHECK_I(FFI_DEFAULT_ABI, FFI_UNIX64);
#elif defined(__i386__)
    CHECK_I(FFI_FIRST_ABI, 0);
    CHECK_I(FFI_SYSV, 1);
    CHECK_I(FFI_THISCALL, 3);
    CHECK_I(FFI_FASTCALL, 4);
    CHECK_I(FFI_STDCALL, 5);
    CHECK_I(FFI_PASCAL, 6);
    CHECK_I(FFI_REGISTER, 7);
    CHECK_I(FFI_MS_CDECL, 8);
    CHECK_I(FFI_LAST_ABI, 9);
    CHECK_I(FFI_DEFAULT_ABI, 1);
    CHECK_I(FFI_DEFAULT_ABI, FFI_SYSV);
#endif

    CHECK_I(FFI_TYPE_VOID, 0);
    CHECK_I(FFI_TYPE_INT, 1);
    CHECK_I(FFI_TYPE_FLOAT, 2);
    CHECK_I(FFI_TYPE_DOUBLE, 3);
    CHECK_I(FFI_TYPE_LONGDOUBLE, 4);
    CHECK_I(FFI_TYPE_UINT8, 5);
    CHECK_I(FFI_TYPE_SINT8, 6);
    CHECK_I(FFI_TYPE_UINT16, 7);
    CHECK_I(FFI_TYPE_SINT16, 8);
    CHECK_I(FFI_TYPE_UINT32, 9);
    CHECK_I(FFI_TYPE_SINT32, 10);
    CHECK_I(FFI_TYPE_UINT64, 11);
    CHECK_I(FFI_TYPE_SINT64, 12);
    CHECK_I(FFI_TYPE_STRUCT, 13);
    CHECK_I(FFI_TYPE_POINTER, 14);
    CHECK_I(FFI_TYPE_COMPLEX, 15);
    CHECK_I(FFI_TYPE_LAST, 15);
    CHECK_I(FFI_CLOSURES, 1);
}

/* The predefined ffi_type objects are data exported by the library: their
   size, alignment (the C alignment of the type as a struct member) and type
   code must be those of libffi.  ffi_type_void has size 1 and alignment 1.  */
static void check_builtin(const ffi_type* t, size_t size, unsigned align, unsigned code,
                          const char* name, int line) {
    char what[128];
    snprintf(what, sizeof what, "%s.size", name);
    check_u(t->size, size, __FILE__, line, what);
    snprintf(what, sizeof what, "%s.alignment", name);
    check_u(t->alignment, align, __FILE__, line, what);
    snprintf(what, sizeof what, "%s.type", name);
    check_u(t->type, code, __FILE__, line, what);
    snprintf(what, sizeof what, "%s.elements == NULL", name);
    check_true(t->elements == NULL, __FILE__, line, what);
}
#define CHECK_BUILTIN(t, size, align, code)                                                        \
    check_builtin(&(t), (size), (align), (code), #t, __LINE__)

struct align_probe_i64 {
    char c;
    int64_t x;
};
struct align_probe_dbl {
    char c;
    double x;
};
struct align_probe_ld {
    char c;
    long double x;
};

static void test_builtin_types(void) {
    CHECK_BUILTIN(ffi_type_void, 1, 1, FFI_TYPE_VOID);
    CHECK_BUILTIN(ffi_type_uint8, 1, 1, FFI_TYPE_UINT8);
    CHECK_BUILTIN(ffi_type_sint8, 1, 1, FFI_TYPE_SINT8);
    CHECK_BUILTIN(ffi_type_uint16, 2, 2, FFI_TYPE_UINT16);
    CHECK_BUILTIN(ffi_type_sint16, 2, 2, FFI_TYPE_SINT16);
    CHECK_BUILTIN(ffi_type_uint32, 4, 4, FFI_TYPE_UINT32);
    CHECK_BUILTIN(ffi_type_sint32, 4, 4, FFI_TYPE_SINT32);
    CHECK_BUILTIN(ffi_type_float, 4, 4, FFI_TYPE_FLOAT);
#if defined(__x86_64__)
    CHECK_BUILTIN(ffi_type_uint64, 8, 8, FFI_TYPE_UINT64);
    CHECK_BUILTIN(ffi_type_sint64, 8, 8, FFI_TYPE_SINT64);
    CHECK_BUILTIN(ffi_type_double, 8, 8, FFI_TYPE_DOUBLE);
    CHECK_BUILTIN(ffi_type_longdouble, 16, 16, FFI_TYPE_LONGDOUBLE);
    CHECK_BUILTIN(ffi_type_pointer, 8, 8, FFI_TYPE_POINTER);
#elif defined(__i386__)
    /* i386 psABI: 8-byte scalars are 4-aligned inside structs.  */
    CHECK_BUILTIN(ffi_type_uint64, 8, 4, FFI_TYPE_UINT64);
    CHECK_BUILTIN(ffi_type_sint64, 8, 4, FFI_TYPE_SINT64);
    CHECK_BUILTIN(ffi_type_double, 8, 4, FFI_TYPE_DOUBLE);
    CHECK_BUILTIN(ffi_type_longdouble, 12, 4, FFI_TYPE_LONGDOUBLE);
    CHECK_BUILTIN(ffi_type_pointer, 4, 4, FFI_TYPE_POINTER);
#endif
    /* The same rule, stated against the compiler.  */
    CHECK_U(ffi_type_sint64.alignment, offsetof(struct align_probe_i64, x));
    CHECK_U(ffi_type_double.alignment, offsetof(struct align_probe_dbl, x));
    CHECK_U(ffi_type_longdouble.alignment, offsetof(struct align_probe_ld, x));
    CHECK_U(ffi_type_longdouble.size, sizeof(long double));
    CHECK_U(ffi_type_pointer.size, sizeof(void*));

    /* The aliases map to the fixed-width types by C type size.  */
    CHECK_P(&ffi_type_uchar, &ffi_type_uint8);
    CHECK_P(&ffi_type_schar, &ffi_type_sint8);
    CHECK_P(&ffi_type_ushort, &ffi_type_uint16);
    CHECK_P(&ffi_type_sshort, &ffi_type_sint16);
    CHECK_P(&ffi_type_uint, &ffi_type_uint32);
    CHECK_P(&ffi_type_sint, &ffi_type_sint32);
    CHECK_U(ffi_type_ulong.size, sizeof(unsigned long));
    CHECK_U(ffi_type_slong.size, sizeof(long));
    CHECK_U(ffi_type_ulong.type, sizeof(long) == 8 ? FFI_TYPE_UINT64 : FFI_TYPE_UINT32);
    CHECK_U(ffi_type_slong.type, sizeof(long) == 8 ? FFI_TYPE_SINT64 : FFI_TYPE_SINT32);
}

/* ========================================================================
   2. ffi_call of every scalar type.
   Rule: for an integral return type narrower than ffi_arg, ffi_call writes
   the result as a whole ffi_arg, sign- or zero-extended according to the
   type; rvalue must then point to an ffi_arg.  Wider and floating results
   are written as their own type.  For a void return rvalue is ignored.
   ======================================================================== */

static int g_void_calls;
NOINLINE static void f_void(void) {
    g_void_calls++;
}
NOINLINE static uint8_t f_u8(uint8_t a, uint8_t b) {
    return (uint8_t)(a + b);
}
NOINLINE static int8_t f_s8(int8_t a, int8_t b) {
    return (int8_t)(a + b);
}
NOINLINE static uint16_t f_u16(uint16_t a, uint16_t b) {
    return (uint16_t)(a + b);
}
NOINLINE static int16_t f_s16(int16_t a, int16_t b) {
    return (int16_t)(a + b);
}
NOINLINE static uint32_t f_u32(uint32_t a, uint32_t b) {
    return a + b;
}
NOINLINE static int32_t f_s32(int32_t a, int32_t b) {
    return a + b;
}
NOINLINE static uint64_t f_u64(uint64_t a, uint64_t b) {
    return a + b;
}
NOINLINE static int64_t f_s64(int64_t a, int64_t b) {
    return a + b;
}
NOINLINE static float f_float(float a, float b) {
    return a * b;
}
NOINLINE static double f_double(double a, double b) {
    return a - b;
}
NOINLINE static void* f_pointer(void* p, long off) {
    return (char*)p + off;
}
NOINLINE static unsigned char f_uchar(unsigned char a) {
    return (unsigned char)(a + 1);
}
NOINLINE static signed char f_schar(signed char a) {
    return (signed char)(a - 1);
}
NOINLINE static unsigned short f_ushort(unsigned short a) {
    return (unsigned short)(a + 1);
}
NOINLINE static short f_sshort(short a) {
    return (short)(a - 1);
}
NOINLINE static unsigned int f_uint(unsigned int a) {
    return a + 1;
}
NOINLINE static int f_sint(int a) {
    return a - 1;
}
NOINLINE static unsigned long f_ulong(unsigned long a) {
    return a + 1;
}
NOINLINE static long f_slong(long a) {
    return a - 1;
}

/* Prepare a cif of FFI_DEFAULT_ABI and check the status.  */
#define PREP(cif, n, rt, at)                                                                       \
    CHECK_STATUS(ffi_prep_cif((cif), FFI_DEFAULT_ABI, (n), (rt), (at)), FFI_OK)

static void test_scalar_calls(void) {
    ffi_cif cif;

    /* void: rvalue is ignored, NULL is fine.  */
    {
        g_void_calls = 0;
        PREP(&cif, 0, &ffi_type_void, NULL);
        ffi_call(&cif, FFI_FN(f_void), NULL, NULL);
        CHECK_I(g_void_calls, 1);
        CHECK_I(cif.nargs, 0);
        CHECK_P(cif.rtype, &ffi_type_void);
        CHECK_I(cif.abi, FFI_DEFAULT_ABI);
    }
    /* uint8: zero-extended into the whole ffi_arg.  */
    {
        ffi_type* at[] = {&ffi_type_uint8, &ffi_type_uint8};
        uint8_t a = 200, b = 50;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 2, &ffi_type_uint8, at);
        CHECK_I(cif.nargs, 2);
        CHECK_P(cif.arg_types, at);
        CHECK_P(cif.rtype, &ffi_type_uint8);
        ffi_call(&cif, FFI_FN(f_u8), &r, av);
        CHECK_U(r, 250);
    }
    /* sint8: sign-extended into the whole ffi_arg.  */
    {
        ffi_type* at[] = {&ffi_type_sint8, &ffi_type_sint8};
        int8_t a = -3, b = -2;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 2, &ffi_type_sint8, at);
        ffi_call(&cif, FFI_FN(f_s8), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-5);
        CHECK_I((ffi_sarg)r, -5);
    }
    {
        ffi_type* at[] = {&ffi_type_uint16, &ffi_type_uint16};
        uint16_t a = 60000, b = 5000;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 2, &ffi_type_uint16, at);
        ffi_call(&cif, FFI_FN(f_u16), &r, av);
        CHECK_U(r, 65000);
    }
    {
        ffi_type* at[] = {&ffi_type_sint16, &ffi_type_sint16};
        int16_t a = -1000, b = -234;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 2, &ffi_type_sint16, at);
        ffi_call(&cif, FFI_FN(f_s16), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-1234);
    }
    /* uint32/sint32: on x86-64 also widened to the 64-bit ffi_arg.  */
    {
        ffi_type* at[] = {&ffi_type_uint32, &ffi_type_uint32};
        uint32_t a = 0xFFFFFF00u, b = 0xF0u;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 2, &ffi_type_uint32, at);
        ffi_call(&cif, FFI_FN(f_u32), &r, av);
        CHECK_U(r, (ffi_arg)0xFFFFFFF0u);
    }
    {
        ffi_type* at[] = {&ffi_type_sint32, &ffi_type_sint32};
        int32_t a = -100000, b = 3;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 2, &ffi_type_sint32, at);
        ffi_call(&cif, FFI_FN(f_s32), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-99997);
    }
    {
        ffi_type* at[] = {&ffi_type_uint64, &ffi_type_uint64};
        uint64_t a = 0xFFFFFFFF00000000ULL, b = 0x12345678ULL, r = 0;
        void* av[] = {&a, &b};
        PREP(&cif, 2, &ffi_type_uint64, at);
        ffi_call(&cif, FFI_FN(f_u64), &r, av);
        CHECK_U(r, 0xFFFFFFFF12345678ULL);
    }
    {
        ffi_type* at[] = {&ffi_type_sint64, &ffi_type_sint64};
        int64_t a = -0x300000000LL, b = 7, r = 0;
        void* av[] = {&a, &b};
        PREP(&cif, 2, &ffi_type_sint64, at);
        ffi_call(&cif, FFI_FN(f_s64), &r, av);
        CHECK_I(r, -0x300000000LL + 7);
    }
    {
        ffi_type* at[] = {&ffi_type_float, &ffi_type_float};
        float a = 1.5f, b = -2.25f, r = 0;
        void* av[] = {&a, &b};
        PREP(&cif, 2, &ffi_type_float, at);
        ffi_call(&cif, FFI_FN(f_float), &r, av);
        CHECK_D(r, -3.375);
    }
    {
        ffi_type* at[] = {&ffi_type_double, &ffi_type_double};
        double a = 1e10, b = 0.5, r = 0;
        void* av[] = {&a, &b};
        PREP(&cif, 2, &ffi_type_double, at);
        ffi_call(&cif, FFI_FN(f_double), &r, av);
        CHECK_D(r, 9999999999.5);
    }
    {
        static char buf[16];
        ffi_type* at[] = {&ffi_type_pointer, &ffi_type_slong};
        void *p = buf, *r = NULL;
        long off = 5;
        void* av[] = {&p, &off};
        PREP(&cif, 2, &ffi_type_pointer, at);
        ffi_call(&cif, FFI_FN(f_pointer), &r, av);
        CHECK_P(r, buf + 5);
    }
    /* The C-type aliases.  */
    {
        ffi_type* at[] = {&ffi_type_uchar};
        unsigned char a = 254;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 1, &ffi_type_uchar, at);
        ffi_call(&cif, FFI_FN(f_uchar), &r, av);
        CHECK_U(r, 255);
    }
    {
        ffi_type* at[] = {&ffi_type_schar};
        signed char a = -127;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 1, &ffi_type_schar, at);
        ffi_call(&cif, FFI_FN(f_schar), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-128);
    }
    {
        ffi_type* at[] = {&ffi_type_ushort};
        unsigned short a = 65534;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 1, &ffi_type_ushort, at);
        ffi_call(&cif, FFI_FN(f_ushort), &r, av);
        CHECK_U(r, 65535);
    }
    {
        ffi_type* at[] = {&ffi_type_sshort};
        short a = -32767;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 1, &ffi_type_sshort, at);
        ffi_call(&cif, FFI_FN(f_sshort), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-32768);
    }
    {
        ffi_type* at[] = {&ffi_type_uint};
        unsigned int a = 0xFFFFFFFEu;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 1, &ffi_type_uint, at);
        ffi_call(&cif, FFI_FN(f_uint), &r, av);
        CHECK_U(r, (ffi_arg)0xFFFFFFFFu);
    }
    {
        ffi_type* at[] = {&ffi_type_sint};
        int a = -2147483647;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        PREP(&cif, 1, &ffi_type_sint, at);
        ffi_call(&cif, FFI_FN(f_sint), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)(-2147483647 - 1));
    }
    {
        ffi_type* at[] = {&ffi_type_ulong};
        unsigned long a = (unsigned long)-2, r = 0;
        void* av[] = {&a};
        PREP(&cif, 1, &ffi_type_ulong, at);
        ffi_call(&cif, FFI_FN(f_ulong), &r, av);
        CHECK_U(r, (unsigned long)-1);
    }
    {
        ffi_type* at[] = {&ffi_type_slong};
        long a = -41, r = 0;
        void* av[] = {&a};
        PREP(&cif, 1, &ffi_type_slong, at);
        ffi_call(&cif, FFI_FN(f_slong), &r, av);
        CHECK_I(r, -42);
    }
    /* A cif can be reused for many calls, with different argument values.  */
    {
        ffi_type* at[] = {&ffi_type_sint32, &ffi_type_sint32};
        int32_t a, b;
        void* av[] = {&a, &b};
        int i, bad = 0;
        PREP(&cif, 2, &ffi_type_sint32, at);
        for (i = -50; i < 50; i++) {
            ffi_arg r = GARBAGE_ARG;
            a = i * 1000;
            b = -i;
            ffi_call(&cif, FFI_FN(f_s32), &r, av);
            if (r != (ffi_arg)(ffi_sarg)(i * 999)) bad++;
        }
        CHECK_I(bad, 0);
    }
}

/* Narrow integer arguments are widened by libffi: a narrow argument passed
   in a general register (x86-64, the "LLVM assumes it" rule of ffi64.c) or
   in any 4-byte slot (i386) arrives sign-/zero-extended to the full
   ffi_arg.  Checked with callees declared with full-width parameters.  */
static ffi_sarg g_wide_s;
static ffi_arg g_wide_u;
NOINLINE static void f_see_wide(ffi_sarg s, ffi_arg u) {
    g_wide_s = s;
    g_wide_u = u;
}

static void test_argument_widening(void) {
    ffi_cif cif;
    {
        ffi_type* at[] = {&ffi_type_sint8, &ffi_type_uint8};
        int8_t s = -5;
        uint8_t u = 250;
        void* av[] = {&s, &u};
        PREP(&cif, 2, &ffi_type_void, at);
        g_wide_s = 0;
        g_wide_u = 0;
        ffi_call(&cif, FFI_FN(f_see_wide), NULL, av);
        CHECK_I(g_wide_s, -5);
        CHECK_U(g_wide_u, 250);
    }
    {
        ffi_type* at[] = {&ffi_type_sint16, &ffi_type_uint16};
        int16_t s = -30000;
        uint16_t u = 65000;
        void* av[] = {&s, &u};
        PREP(&cif, 2, &ffi_type_void, at);
        ffi_call(&cif, FFI_FN(f_see_wide), NULL, av);
        CHECK_I(g_wide_s, -30000);
        CHECK_U(g_wide_u, 65000);
    }
    {
        ffi_type* at[] = {&ffi_type_sint32, &ffi_type_uint32};
        int32_t s = -7;
        uint32_t u = 0xFFFFFFF0u;
        void* av[] = {&s, &u};
        PREP(&cif, 2, &ffi_type_void, at);
        ffi_call(&cif, FFI_FN(f_see_wide), NULL, av);
        CHECK_I(g_wide_s, -7);
        CHECK_U(g_wide_u, 0xFFFFFFF0u);
    }
}

/* ========================================================================
   3. Many arguments: more than fit in registers spill to the stack, in
   order; register classes are counted separately (x86-64: 6 GPRs, 8 SSE).
   ======================================================================== */

NOINLINE static long f_10i(int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int a8,
                           int a9) {
    return a0 * 1L + a1 * 2L + a2 * 3L + a3 * 4L + a4 * 5L + a5 * 6L + a6 * 7L + a7 * 8L + a8 * 9L +
           a9 * 10L;
}

NOINLINE static double f_10d(double a0, double a1, double a2, double a3, double a4, double a5,
                             double a6, double a7, double a8, double a9) {
    return a0 * 1 + a1 * 2 + a2 * 3 + a3 * 4 + a4 * 5 + a5 * 6 + a6 * 7 + a7 * 8 + a8 * 9 + a9 * 10;
}

/* Records every argument, so that a misplaced one is named.  */
static long long g_mix_i[10];
static double g_mix_d[12];
NOINLINE static int f_mix(int i0, double d0, signed char i1, float d1, long long i2, short i3,
                          double d2, unsigned i4, float d3, long i5, double d4, int i6, double d5,
                          double d6, double d7, double d8, unsigned char i7, float d9, long long i8,
                          double d10, int i9) {
    g_mix_i[0] = i0;
    g_mix_i[1] = i1;
    g_mix_i[2] = i2;
    g_mix_i[3] = i3;
    g_mix_i[4] = i4;
    g_mix_i[5] = i5;
    g_mix_i[6] = i6;
    g_mix_i[7] = i7;
    g_mix_i[8] = i8;
    g_mix_i[9] = i9;
    g_mix_d[0] = d0;
    g_mix_d[1] = d1;
    g_mix_d[2] = d2;
    g_mix_d[3] = d3;
    g_mix_d[4] = d4;
    g_mix_d[5] = d5;
    g_mix_d[6] = d6;
    g_mix_d[7] = d7;
    g_mix_d[8] = d8;
    g_mix_d[9] = d9;
    g_mix_d[10] = d10;
    return 12345;
}

static void test_many_args(void) {
    ffi_cif cif;
    {
        ffi_type* at[10];
        int v[10];
        void* av[10];
        long r = 0;
        int i;
        for (i = 0; i < 10; i++) {
            at[i] = &ffi_type_sint;
            v[i] = (i % 2 ? -1 : 1) * (i + 1) * 100;
            av[i] = &v[i];
        }
        PREP(&cif, 10, &ffi_type_slong, at);
        ffi_call(&cif, FFI_FN(f_10i), &r, av);
        /* sum (i+1)^2 * 100 * (+1,-1,...) for i = 0..9 = -5500 */
        CHECK_I(r, -5500);
    }
    {
        ffi_type* at[10];
        double v[10];
        void* av[10];
        double r = 0;
        int i;
        for (i = 0; i < 10; i++) {
            at[i] = &ffi_type_double;
            v[i] = 0.5 + i;
            av[i] = &v[i];
        }
        PREP(&cif, 10, &ffi_type_double, at);
        ffi_call(&cif, FFI_FN(f_10d), &r, av);
        /* sum (i + 0.5) * (i + 1), i = 0..9 = 357.5 */
        CHECK_D(r, 357.5);
    }
    {
        ffi_type* at[] = {&ffi_type_sint,   &ffi_type_double, &ffi_type_schar,  &ffi_type_float,
                          &ffi_type_sint64, &ffi_type_sshort, &ffi_type_double, &ffi_type_uint,
                          &ffi_type_float,  &ffi_type_slong,  &ffi_type_double, &ffi_type_sint,
                          &ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double,
                          &ffi_type_uchar,  &ffi_type_float,  &ffi_type_sint64, &ffi_type_double,
                          &ffi_type_sint};
        int i0 = -1, i6 = 66, i9 = -99;
        signed char i1 = -12;
        long long i2 = -0x123456789LL, i8 = 0x7FFFFFFFFFFFFFF0LL;
        short i3 = -3333;
        unsigned i4 = 4000000000u;
        long i5 = -555555;
        unsigned char i7 = 0xF7;
        double d0 = 0.25, d2 = 2.5, d4 = 4.5, d5 = 5.5, d6 = 6.5, d7 = 7.5, d8 = 8.5, d10 = -10.5;
        float d1 = 1.75f, d3 = -3.25f, d9 = 9.125f;
        void* av[] = {&i0, &d0, &i1, &d1, &i2, &i3, &d2, &i4, &d3,  &i5, &d4,
                      &i6, &d5, &d6, &d7, &d8, &i7, &d9, &i8, &d10, &i9};
        ffi_arg r = GARBAGE_ARG;
        memset(g_mix_i, 0, sizeof g_mix_i);
        memset(g_mix_d, 0, sizeof g_mix_d);
        PREP(&cif, 21, &ffi_type_sint, at);
        CHECK_I(cif.nargs, 21);
        ffi_call(&cif, FFI_FN(f_mix), &r, av);
        CHECK_U(r, 12345);
        CHECK_I(g_mix_i[0], -1);
        CHECK_I(g_mix_i[1], -12);
        CHECK_I(g_mix_i[2], -0x123456789LL);
        CHECK_I(g_mix_i[3], -3333);
        CHECK_I(g_mix_i[4], 4000000000LL);
        CHECK_I(g_mix_i[5], -555555);
        CHECK_I(g_mix_i[6], 66);
        CHECK_I(g_mix_i[7], 0xF7);
        CHECK_I(g_mix_i[8], 0x7FFFFFFFFFFFFFF0LL);
        CHECK_I(g_mix_i[9], -99);
        CHECK_D(g_mix_d[0], 0.25);
        CHECK_D(g_mix_d[1], 1.75);
        CHECK_D(g_mix_d[2], 2.5);
        CHECK_D(g_mix_d[3], -3.25);
        CHECK_D(g_mix_d[4], 4.5);
        CHECK_D(g_mix_d[5], 5.5);
        CHECK_D(g_mix_d[6], 6.5);
        CHECK_D(g_mix_d[7], 7.5);
        CHECK_D(g_mix_d[8], 8.5);
        CHECK_D(g_mix_d[9], 9.125);
        CHECK_D(g_mix_d[10], -10.5);
    }
}

/* ========================================================================
   4. Structs by value.
   Rule: a struct ffi_type is given with size = alignment = 0 and a
   NULL-terminated element list; ffi_prep_cif lays it out as C does (each
   element at the next multiple of its alignment, size rounded up to the
   struct alignment) and writes size and alignment back.  Arrays are given
   as repeated elements.  ffi_get_struct_offsets reports element offsets.
   ======================================================================== */

struct S_ii {
    int a, b;
};
struct S_dd {
    double a, b;
};
struct S_fff {
    float a, b, c;
};
struct S_csi {
    char c;
    short s;
    int i;
};
struct S_ld {
    long l;
    double d;
};
struct S24 {
    int64_t a;
    double b;
    int64_t c;
};
struct S48 {
    int64_t a[4];
    double d[2];
};
struct S_nest {
    struct S_ii in;
    double d;
    char c;
};
struct S_pt {
    float x, y;
};
struct S_ptag {
    struct S_pt p;
    int tag;
};
struct S_f4 {
    float f[4];
};
struct S_c3 {
    char c[3];
};
struct S_A {
    long a;
    char b;
};
struct S_B {
    struct S_A x;
    char y;
};

/* The struct ffi_types, built afresh (size 0) by each test.  */
typedef struct {
    ffi_type *e_ii[3], *e_dd[3], *e_fff[4], *e_csi[4], *e_ld[3], *e_24[4], *e_48[7], *e_nest[4],
        *e_pt[3], *e_ptag[3], *e_f4[5], *e_c3[4], *e_A[3], *e_B[3];
    ffi_type ii, dd, fff, csi, ld, s24, s48, nest, pt, ptag, f4, c3, A, B;
} struct_types;

static void make_struct_types(struct_types* t) {
    int i;
#define SET_ELEMS(arr, ...)                                                                        \
    do {                                                                                           \
        ffi_type* tmp_[] = {__VA_ARGS__};                                                          \
        memcpy((arr), tmp_, sizeof tmp_);                                                          \
    } while (0)
    SET_ELEMS(t->e_ii, &ffi_type_sint, &ffi_type_sint, NULL);
    SET_ELEMS(t->e_dd, &ffi_type_double, &ffi_type_double, NULL);
    SET_ELEMS(t->e_fff, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL);
    SET_ELEMS(t->e_csi, &ffi_type_schar, &ffi_type_sshort, &ffi_type_sint, NULL);
    SET_ELEMS(t->e_ld, &ffi_type_slong, &ffi_type_double, NULL);
    SET_ELEMS(t->e_24, &ffi_type_sint64, &ffi_type_double, &ffi_type_sint64, NULL);
    for (i = 0; i < 4; i++)
        t->e_48[i] = &ffi_type_sint64;
    t->e_48[4] = &ffi_type_double;
    t->e_48[5] = &ffi_type_double;
    t->e_48[6] = NULL;
    SET_ELEMS(t->e_nest, &t->ii, &ffi_type_double, &ffi_type_schar, NULL);
    SET_ELEMS(t->e_pt, &ffi_type_float, &ffi_type_float, NULL);
    SET_ELEMS(t->e_ptag, &t->pt, &ffi_type_sint, NULL);
    SET_ELEMS(t->e_f4, &ffi_type_float, &ffi_type_float, &ffi_type_float, &ffi_type_float, NULL);
    SET_ELEMS(t->e_c3, &ffi_type_schar, &ffi_type_schar, &ffi_type_schar, NULL);
    SET_ELEMS(t->e_A, &ffi_type_slong, &ffi_type_schar, NULL);
    SET_ELEMS(t->e_B, &t->A, &ffi_type_schar, NULL);
#undef SET_ELEMS
    t->ii = struct_type(t->e_ii);
    t->dd = struct_type(t->e_dd);
    t->fff = struct_type(t->e_fff);
    t->csi = struct_type(t->e_csi);
    t->ld = struct_type(t->e_ld);
    t->s24 = struct_type(t->e_24);
    t->s48 = struct_type(t->e_48);
    t->nest = struct_type(t->e_nest);
    t->pt = struct_type(t->e_pt);
    t->ptag = struct_type(t->e_ptag);
    t->f4 = struct_type(t->e_f4);
    t->c3 = struct_type(t->e_c3);
    t->A = struct_type(t->e_A);
    t->B = struct_type(t->e_B);
}

/* Layout filled in by ffi_prep_cif equals the C layout.  */
#define CHECK_LAYOUT(ft, ctype)                                                                    \
    do {                                                                                           \
        CHECK_U((ft).size, sizeof(ctype));                                                         \
        CHECK_U((ft).alignment, _Alignof(ctype));                                                  \
        CHECK_U((ft).type, FFI_TYPE_STRUCT);                                                       \
    } while (0)

static void test_struct_layout(void) {
    struct_types t;
    ffi_cif cif;
    make_struct_types(&t);
    {
        /* One cif with all the struct types as arguments lays them all out.  */
        ffi_type* at[] = {&t.ii,  &t.dd,   &t.fff,  &t.csi, &t.ld, &t.s24,
                          &t.s48, &t.nest, &t.ptag, &t.f4,  &t.c3, &t.B};
        CHECK_U(t.ii.size, 0);
        PREP(&cif, (unsigned)(sizeof at / sizeof at[0]), &ffi_type_void, at);
        CHECK_LAYOUT(t.ii, struct S_ii);
        CHECK_LAYOUT(t.dd, struct S_dd);
        CHECK_LAYOUT(t.fff, struct S_fff);
        CHECK_LAYOUT(t.csi, struct S_csi);
        CHECK_LAYOUT(t.ld, struct S_ld);
        CHECK_LAYOUT(t.s24, struct S24);
        CHECK_LAYOUT(t.s48, struct S48);
        CHECK_LAYOUT(t.nest, struct S_nest);
        CHECK_LAYOUT(t.pt, struct S_pt); /* nested, laid out recursively */
        CHECK_LAYOUT(t.ptag, struct S_ptag);
        CHECK_LAYOUT(t.f4, struct S_f4);
        CHECK_LAYOUT(t.c3, struct S_c3);
        CHECK_LAYOUT(t.A, struct S_A);
        CHECK_LAYOUT(t.B, struct S_B);
        CHECK_U(t.s24.size, 24);
        CHECK_U(t.s48.size, 48);
        /* The element list is not modified.  */
        CHECK_P(t.e_nest[0], &t.ii);
        CHECK_P(t.e_nest[3], NULL);
    }
    {
        /* A struct used only as the return type is laid out too.  */
        make_struct_types(&t);
        PREP(&cif, 0, &t.nest, NULL);
        CHECK_LAYOUT(t.nest, struct S_nest);
        CHECK_LAYOUT(t.ii, struct S_ii);
    }
}

#define CHECK_OFFSET(offs, i, ctype, member) CHECK_U((offs)[i], offsetof(ctype, member))

static void test_struct_offsets(void) {
    struct_types t;
    size_t off[8];
    make_struct_types(&t);

    /* ffi_get_struct_offsets lays out a not yet initialised type itself.  */
    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.csi, off), FFI_OK);
    CHECK_LAYOUT(t.csi, struct S_csi);
    CHECK_OFFSET(off, 0, struct S_csi, c);
    CHECK_OFFSET(off, 1, struct S_csi, s);
    CHECK_OFFSET(off, 2, struct S_csi, i);

    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.ld, off), FFI_OK);
    CHECK_OFFSET(off, 0, struct S_ld, l);
    CHECK_OFFSET(off, 1, struct S_ld, d);

    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.s24, off), FFI_OK);
    CHECK_OFFSET(off, 0, struct S24, a);
    CHECK_OFFSET(off, 1, struct S24, b);
    CHECK_OFFSET(off, 2, struct S24, c);

    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.s48, off), FFI_OK);
    CHECK_OFFSET(off, 0, struct S48, a[0]);
    CHECK_OFFSET(off, 1, struct S48, a[1]);
    CHECK_OFFSET(off, 2, struct S48, a[2]);
    CHECK_OFFSET(off, 3, struct S48, a[3]);
    CHECK_OFFSET(off, 4, struct S48, d[0]);
    CHECK_OFFSET(off, 5, struct S48, d[1]);

    /* Nested: offsets of the outer struct's direct elements.  */
    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.nest, off), FFI_OK);
    CHECK_LAYOUT(t.ii, struct S_ii);
    CHECK_OFFSET(off, 0, struct S_nest, in);
    CHECK_OFFSET(off, 1, struct S_nest, d);
    CHECK_OFFSET(off, 2, struct S_nest, c);

    /* Tail padding of the inner struct counts: y at 2*sizeof(long).  */
    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.B, off), FFI_OK);
    CHECK_OFFSET(off, 0, struct S_B, x);
    CHECK_OFFSET(off, 1, struct S_B, y);
    CHECK_U(off[1], 2 * sizeof(long));
    CHECK_U(t.B.size, 3 * sizeof(long));

    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.c3, off), FFI_OK);
    CHECK_OFFSET(off, 0, struct S_c3, c[0]);
    CHECK_OFFSET(off, 1, struct S_c3, c[1]);
    CHECK_OFFSET(off, 2, struct S_c3, c[2]);

    /* offsets may be NULL: the type is just laid out.  */
    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &t.f4, NULL), FFI_OK);
    CHECK_LAYOUT(t.f4, struct S_f4);

    /* Any valid ABI will do.  */
#if defined(__x86_64__)
    CHECK_STATUS(ffi_get_struct_offsets(FFI_WIN64, &t.ptag, off), FFI_OK);
#elif defined(__i386__)
    CHECK_STATUS(ffi_get_struct_offsets(FFI_STDCALL, &t.ptag, off), FFI_OK);
#endif
    CHECK_OFFSET(off, 0, struct S_ptag, p);
    CHECK_OFFSET(off, 1, struct S_ptag, tag);

    /* Errors, as 3.4.4 reports them: the ABI is checked first (FFI_BAD_ABI),
       then the type must be FFI_TYPE_STRUCT (else FFI_BAD_TYPEDEF), then it
       must have elements and a non-zero size (else FFI_BAD_TYPEDEF).  */
    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &ffi_type_sint32, off), FFI_BAD_TYPEDEF);
    CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &ffi_type_double, off), FFI_BAD_TYPEDEF);
    CHECK_STATUS(ffi_get_struct_offsets((ffi_abi)0, &ffi_type_sint32, off), FFI_BAD_ABI);
    {
        ffi_type* e[] = {&ffi_type_schar, &ffi_type_double, NULL};
        ffi_type s = struct_type(e);
        CHECK_STATUS(ffi_get_struct_offsets((ffi_abi)0, &s, off), FFI_BAD_ABI);
        CHECK_STATUS(ffi_get_struct_offsets((ffi_abi)999, &s, off), FFI_BAD_ABI);
        CHECK_STATUS(ffi_get_struct_offsets(FFI_LAST_ABI, &s, off), FFI_BAD_ABI);
        CHECK_U(s.size, 0); /* untouched on FFI_BAD_ABI */
    }
    {
        ffi_type s = struct_type(NULL);
        CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &s, off), FFI_BAD_TYPEDEF);
    }
    {
        ffi_type* e[] = {NULL};
        ffi_type s = struct_type(e);
        CHECK_STATUS(ffi_get_struct_offsets(FFI_DEFAULT_ABI, &s, off), FFI_BAD_TYPEDEF);
    }
}

/* Struct callees.  */
NOINLINE static struct S_ii f_s_ii(struct S_ii x, struct S_ii y) {
    struct S_ii r;
    r.a = x.a + y.b;
    r.b = x.b - y.a;
    return r;
}
NOINLINE static struct S_dd f_s_dd(struct S_dd x, double k) {
    struct S_dd r;
    r.a = x.a * k;
    r.b = x.b + k;
    return r;
}
NOINLINE static struct S_fff f_s_fff(struct S_fff x, float k) {
    struct S_fff r;
    r.a = x.c * k;
    r.b = x.a * k;
    r.c = x.b * k;
    return r;
}
NOINLINE static struct S_csi f_s_csi(struct S_csi x, int k) {
    struct S_csi r;
    r.c = (char)(x.c + k);
    r.s = (short)(x.s * k);
    r.i = x.i - k;
    return r;
}
NOINLINE static struct S_ld f_s_ld(long a, struct S_ld x, double b) {
    struct S_ld r;
    r.l = x.l + a;
    r.d = x.d + b;
    return r;
}
NOINLINE static struct S24 f_s24(struct S24 x, int k) {
    struct S24 r;
    r.a = x.c * k;
    r.b = x.b * k;
    r.c = x.a * k;
    return r;
}
NOINLINE static struct S48 f_s48(int k, struct S48 x, struct S48 y) {
    struct S48 r;
    int i;
    for (i = 0; i < 4; i++)
        r.a[i] = x.a[i] * k + y.a[3 - i];
    for (i = 0; i < 2; i++)
        r.d[i] = x.d[i] * k - y.d[1 - i];
    return r;
}
NOINLINE static struct S_nest f_s_nest(struct S_nest x) {
    struct S_nest r;
    r.in.a = x.in.b;
    r.in.b = x.in.a;
    r.d = x.d * 2;
    r.c = (char)(x.c + 1);
    return r;
}
NOINLINE static struct S_ptag f_s_ptag(struct S_ptag x, struct S_pt d) {
    struct S_ptag r;
    r.p.x = x.p.x + d.x;
    r.p.y = x.p.y + d.y;
    r.tag = x.tag * 3;
    return r;
}
NOINLINE static struct S_f4 f_s_f4(struct S_f4 x) {
    struct S_f4 r;
    int i;
    for (i = 0; i < 4; i++)
        r.f[i] = x.f[3 - i] * 2;
    return r;
}
NOINLINE static struct S_c3 f_s_c3(struct S_c3 x, char k) {
    struct S_c3 r;
    r.c[0] = (char)(x.c[2] + k);
    r.c[1] = (char)(x.c[1] + k);
    r.c[2] = (char)(x.c[0] + k);
    return r;
}
/* x86-64: the struct needs two GPRs but only one is left, so it goes to the
   stack; the following long still takes the last GPR (r9).  Likewise for
   the SSE registers.  */
struct S_ll {
    long a, b;
};
static long g_split[8];
NOINLINE static long f_split_int(long a1, long a2, long a3, long a4, long a5, struct S_ll s,
                                 long x) {
    g_split[0] = a1;
    g_split[1] = a2;
    g_split[2] = a3;
    g_split[3] = a4;
    g_split[4] = a5;
    g_split[5] = s.a;
    g_split[6] = s.b;
    g_split[7] = x;
    return a1 + a2 + a3 + a4 + a5 + s.a + s.b + x;
}
NOINLINE static double f_split_sse(double a1, double a2, double a3, double a4, double a5, double a6,
                                   double a7, struct S_dd s, double x) {
    return a1 + a2 + a3 + a4 + a5 + a6 + a7 + s.a * 100 + s.b * 1000 + x * 10000;
}

static void test_struct_calls(void) {
    struct_types t;
    ffi_cif cif;
    make_struct_types(&t);
    {
        ffi_type* at[] = {&t.ii, &t.ii};
        struct S_ii x = {10, 20}, y = {3, -4}, r = {0, 0};
        void* av[] = {&x, &y};
        PREP(&cif, 2, &t.ii, at);
        ffi_call(&cif, FFI_FN(f_s_ii), &r, av);
        CHECK_I(r.a, 6);
        CHECK_I(r.b, 17);
    }
    {
        ffi_type* at[] = {&t.dd, &ffi_type_double};
        struct S_dd x = {1.5, -2.5}, r = {0, 0};
        double k = 4;
        void* av[] = {&x, &k};
        PREP(&cif, 2, &t.dd, at);
        ffi_call(&cif, FFI_FN(f_s_dd), &r, av);
        CHECK_D(r.a, 6.0);
        CHECK_D(r.b, 1.5);
    }
    {
        ffi_type* at[] = {&t.fff, &ffi_type_float};
        struct S_fff x = {1.0f, 2.0f, 3.0f}, r = {0, 0, 0};
        float k = 0.5f;
        void* av[] = {&x, &k};
        PREP(&cif, 2, &t.fff, at);
        ffi_call(&cif, FFI_FN(f_s_fff), &r, av);
        CHECK_D(r.a, 1.5);
        CHECK_D(r.b, 0.5);
        CHECK_D(r.c, 1.0);
    }
    {
        ffi_type* at[] = {&t.csi, &ffi_type_sint};
        struct S_csi x = {'a', -300, 100000}, r = {0, 0, 0};
        int k = 3;
        void* av[] = {&x, &k};
        PREP(&cif, 2, &t.csi, at);
        ffi_call(&cif, FFI_FN(f_s_csi), &r, av);
        CHECK_I(r.c, 'd');
        CHECK_I(r.s, -900);
        CHECK_I(r.i, 99997);
    }
    {
        ffi_type* at[] = {&ffi_type_slong, &t.ld, &ffi_type_double};
        struct S_ld x = {-1000, 0.125}, r = {0, 0};
        long a = 7;
        double b = 8;
        void* av[] = {&a, &x, &b};
        PREP(&cif, 3, &t.ld, at);
        ffi_call(&cif, FFI_FN(f_s_ld), &r, av);
        CHECK_I(r.l, -993);
        CHECK_D(r.d, 8.125);
    }
    {
        /* 24 bytes: memory class on x86-64, hidden result pointer.  */
        ffi_type* at[] = {&t.s24, &ffi_type_sint};
        struct S24 x = {-5, 2.5, 0x100000000LL}, r = {0, 0, 0};
        int k = 3;
        void* av[] = {&x, &k};
        PREP(&cif, 2, &t.s24, at);
        ffi_call(&cif, FFI_FN(f_s24), &r, av);
        CHECK_I(r.a, 0x300000000LL);
        CHECK_D(r.b, 7.5);
        CHECK_I(r.c, -15);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &t.s48, &t.s48};
        struct S48 x = {{1, 2, 3, 4}, {0.5, 1.5}};
        struct S48 y = {{100, 200, 300, 400}, {10, 20}};
        struct S48 r;
        int k = -2;
        void* av[] = {&k, &x, &y};
        memset(&r, 0, sizeof r);
        PREP(&cif, 3, &t.s48, at);
        ffi_call(&cif, FFI_FN(f_s48), &r, av);
        CHECK_I(r.a[0], 398);
        CHECK_I(r.a[1], 296);
        CHECK_I(r.a[2], 194);
        CHECK_I(r.a[3], 92);
        CHECK_D(r.d[0], -21);
        CHECK_D(r.d[1], -13);
    }
    {
        ffi_type* at[] = {&t.nest};
        struct S_nest x = {{1, 2}, 3.25, 'x'}, r;
        void* av[] = {&x};
        memset(&r, 0, sizeof r);
        PREP(&cif, 1, &t.nest, at);
        ffi_call(&cif, FFI_FN(f_s_nest), &r, av);
        CHECK_I(r.in.a, 2);
        CHECK_I(r.in.b, 1);
        CHECK_D(r.d, 6.5);
        CHECK_I(r.c, 'y');
    }
    {
        /* {{float,float},int}: x86-64 returns it in xmm0 + rax.  */
        ffi_type* at[] = {&t.ptag, &t.pt};
        struct S_ptag x = {{1.5f, 2.5f}, -7}, r = {{0, 0}, 0};
        struct S_pt d = {0.25f, 0.5f};
        void* av[] = {&x, &d};
        PREP(&cif, 2, &t.ptag, at);
        ffi_call(&cif, FFI_FN(f_s_ptag), &r, av);
        CHECK_D(r.p.x, 1.75);
        CHECK_D(r.p.y, 3.0);
        CHECK_I(r.tag, -21);
    }
    {
        ffi_type* at[] = {&t.f4};
        struct S_f4 x = {{1, 2, 3, 4}}, r = {{0, 0, 0, 0}};
        void* av[] = {&x};
        PREP(&cif, 1, &t.f4, at);
        ffi_call(&cif, FFI_FN(f_s_f4), &r, av);
        CHECK_D(r.f[0], 8);
        CHECK_D(r.f[1], 6);
        CHECK_D(r.f[2], 4);
        CHECK_D(r.f[3], 2);
    }
    {
        ffi_type* at[] = {&t.c3, &ffi_type_schar};
        struct S_c3 x = {{10, 20, 30}}, r = {{0, 0, 0}};
        char k = 1;
        void* av[] = {&x, &k};
        PREP(&cif, 2, &t.c3, at);
        ffi_call(&cif, FFI_FN(f_s_c3), &r, av);
        CHECK_I(r.c[0], 31);
        CHECK_I(r.c[1], 21);
        CHECK_I(r.c[2], 11);
    }
    {
        ffi_type* e[] = {&ffi_type_slong, &ffi_type_slong, NULL};
        ffi_type st = struct_type(e);
        ffi_type* at[] = {&ffi_type_slong, &ffi_type_slong, &ffi_type_slong,
                          &ffi_type_slong, &ffi_type_slong, &st,
                          &ffi_type_slong};
        long a[5] = {1, 2, 3, 4, 5}, x = 8, r = 0;
        struct S_ll s = {6, 7};
        void* av[] = {&a[0], &a[1], &a[2], &a[3], &a[4], &s, &x};
        PREP(&cif, 7, &ffi_type_slong, at);
        memset(g_split, 0, sizeof g_split);
        ffi_call(&cif, FFI_FN(f_split_int), &r, av);
        CHECK_I(r, 36);
        CHECK_I(g_split[4], 5);
        CHECK_I(g_split[5], 6);
        CHECK_I(g_split[6], 7);
        CHECK_I(g_split[7], 8);
    }
    {
        ffi_type* at[] = {&ffi_type_double, &ffi_type_double, &ffi_type_double, &ffi_type_double,
                          &ffi_type_double, &ffi_type_double, &ffi_type_double, &t.dd,
                          &ffi_type_double};
        double a[7] = {0.5, 1, 1, 1, 1, 1, 1}, x = 3, r = 0;
        struct S_dd s = {1, 2};
        void* av[] = {&a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &s, &x};
        PREP(&cif, 9, &ffi_type_double, at);
        ffi_call(&cif, FFI_FN(f_split_sse), &r, av);
        CHECK_D(r, 32106.5);
    }
}

/* rvalue == NULL for a non-void result: not documented, but 3.4.4
   tolerates it on x86-64 and i386: the result is discarded, and a scratch
   buffer is supplied when the callee needs a hidden result pointer.  Not
   checked for long double: on x86-64, 3.4.4 then leaves the x87 result on
   the FPU stack (after 8 such calls x87 arithmetic yields NaN), a libffi
   bug a replacement need not copy.  */
static int g_side;
NOINLINE static int f_side_int(int a) {
    g_side += a;
    return a * 2;
}
NOINLINE static double f_side_double(double a) {
    g_side += (int)a;
    return a * 2;
}
NOINLINE static struct S48 f_side_s48(int a) {
    struct S48 r;
    memset(&r, 0, sizeof r);
    r.a[0] = a;
    g_side += a;
    return r;
}

static void test_null_rvalue(void) {
    struct_types t;
    ffi_cif cif;
    ffi_type* at[] = {&ffi_type_sint};
    ffi_type* atd[] = {&ffi_type_double};
    int a = 5, i;
    double d = 3;
    void* av[] = {&a};
    void* avd[] = {&d};
    make_struct_types(&t);
    g_side = 0;
    PREP(&cif, 1, &ffi_type_sint, at);
    ffi_call(&cif, FFI_FN(f_side_int), NULL, av);
    CHECK_I(g_side, 5);
    PREP(&cif, 1, &t.s48, at);
    ffi_call(&cif, FFI_FN(f_side_s48), NULL, av);
    CHECK_I(g_side, 10);
    /* Repeated, so that an unpopped x87 result on i386 would show.  */
    PREP(&cif, 1, &ffi_type_double, atd);
    for (i = 0; i < 10; i++)
        ffi_call(&cif, FFI_FN(f_side_double), NULL, avd);
    CHECK_I(g_side, 40);
    {
        volatile long double x = 1.5L;
        CHECK_LD(x * 2, 3.0L);
    }
}

/* ========================================================================
   5. Variadic calls: ffi_prep_cif_var(cif, abi, nfixedargs, ntotalargs,
   rtype, atypes).  The caller passes the variadic arguments already
   promoted (double, int).  3.4.4 rejects, with FFI_BAD_ARGTYPE, a variadic
   (index >= nfixedargs) argument that is &ffi_type_float or a non-struct,
   non-complex type smaller than int; fixed arguments are not restricted.
   ======================================================================== */

NOINLINE static double vsumd(int n, ...) {
    va_list ap;
    double s = 0;
    int i;
    va_start(ap, n);
    for (i = 0; i < n; i++)
        s += va_arg(ap, double) * (i + 1);
    va_end(ap);
    return s;
}

NOINLINE static int vsum(int n, ...) {
    va_list ap;
    int s = 0, i;
    va_start(ap, n);
    for (i = 0; i < n; i++)
        s += va_arg(ap, int) * (i + 1);
    va_end(ap);
    return s;
}

/* fixed float and short followed by variadic doubles and structs */
NOINLINE static double vmixed(float f, short s, int n, ...) {
    va_list ap;
    double r = f + s;
    int i;
    va_start(ap, n);
    for (i = 0; i < n; i++) {
        struct S_ii p = va_arg(ap, struct S_ii);
        double d = va_arg(ap, double);
        r += (p.a - p.b) * d;
    }
    va_end(ap);
    return r;
}

static void test_variadic(void) {
    ffi_cif cif;
    {
        /* 12 doubles: more than the 8 SSE registers.  */
        ffi_type* at[13];
        double v[12], r = 0;
        int n = 12, i;
        void* av[13];
        at[0] = &ffi_type_sint;
        av[0] = &n;
        for (i = 0; i < 12; i++) {
            v[i] = i + 0.5;
            at[i + 1] = &ffi_type_double;
            av[i + 1] = &v[i];
        }
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 13, &ffi_type_double, at), FFI_OK);
        CHECK_I(cif.nargs, 13);
        ffi_call(&cif, FFI_FN(vsumd), &r, av);
        /* sum (i + 0.5) * (i + 1), i = 0..11 = 611 */
        CHECK_D(r, 611);
    }
    {
        ffi_type* at[9];
        int v[8], n = 8, i;
        void* av[9];
        ffi_arg r = GARBAGE_ARG;
        at[0] = &ffi_type_sint;
        av[0] = &n;
        for (i = 0; i < 8; i++) {
            v[i] = i - 5;
            at[i + 1] = &ffi_type_sint;
            av[i + 1] = &v[i];
        }
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 9, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(vsum), &r, av);
        /* sum (i - 5) * (i + 1), i = 0..7 = -12, widened as any sint result */
        CHECK_U(r, (ffi_arg)(ffi_sarg)-12);
        /* Only the fixed argument: n = 0.  */
        n = 0;
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 1, &ffi_type_sint, at), FFI_OK);
        r = GARBAGE_ARG;
        ffi_call(&cif, FFI_FN(vsum), &r, av);
        CHECK_U(r, 0);
        /* The first three: -5 - 8 - 9.  */
        n = 3;
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 4, &ffi_type_sint, at), FFI_OK);
        r = GARBAGE_ARG;
        ffi_call(&cif, FFI_FN(vsum), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)(-5 - 8 - 9));
    }
    {
        /* snprintf(char *, size_t, const char *, ...) with %d %s %f %ld.  */
        char buf[128];
        char* pbuf = buf;
        size_t size = sizeof buf;
        const char* fmt = "d=%d s=%s f=%f ld=%ld|";
        const char* str = "hello";
        int i = -42;
        double f = 2.5;
        long l = -123456789L;
        ffi_type* at[] = {&ffi_type_pointer, FFI_TYPE_OF_SIZE_T, &ffi_type_pointer, &ffi_type_sint,
                          &ffi_type_pointer, &ffi_type_double,   &ffi_type_slong};
        void* av[] = {&pbuf, &size, &fmt, &i, &str, &f, &l};
        ffi_arg r = GARBAGE_ARG;
        memset(buf, 0, sizeof buf);
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 7, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(snprintf), &r, av);
        CHECK_S(buf, "d=-42 s=hello f=2.500000 ld=-123456789|");
        CHECK_U(r, strlen("d=-42 s=hello f=2.500000 ld=-123456789|"));
    }
    {
        /* Fixed float and short are fine; variadic structs are fine.  */
        struct_types t;
        ffi_type* at[] = {&ffi_type_float, &ffi_type_sshort, &ffi_type_sint,
                          &t.ii,           &ffi_type_double, &t.ii,
                          &ffi_type_double};
        float f = 0.5f;
        short s = -2;
        int n = 2;
        struct S_ii p1 = {10, 4}, p2 = {1, 3};
        double d1 = 1.5, d2 = 0.25, r = 0;
        void* av[] = {&f, &s, &n, &p1, &d1, &p2, &d2};
        make_struct_types(&t);
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 7, &ffi_type_double, at), FFI_OK);
        ffi_call(&cif, FFI_FN(vmixed), &r, av);
        /* 0.5 - 2 + 6 * 1.5 + (-2) * 0.25 = 7 */
        CHECK_D(r, 7);
    }
}

static void test_variadic_rejections(void) {
    ffi_cif cif;
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_float};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint, at),
                     FFI_BAD_ARGTYPE);
        /* The same types as fixed arguments are accepted.  */
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 2, 2, &ffi_type_sint, at), FFI_OK);
        /* A bad ABI is reported before the argument check.  */
        CHECK_STATUS(ffi_prep_cif_var(&cif, (ffi_abi)0, 1, 2, &ffi_type_sint, at), FFI_BAD_ABI);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_sshort};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint, at),
                     FFI_BAD_ARGTYPE);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_ushort};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint, at),
                     FFI_BAD_ARGTYPE);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_uint8};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 3, &ffi_type_sint, at),
                     FFI_BAD_ARGTYPE);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_sint8};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint, at),
                     FFI_BAD_ARGTYPE);
    }
    {
        /* A fixed float/short in position >= 1 is fine.  */
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_float, &ffi_type_sshort, &ffi_type_double};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 3, 4, &ffi_type_sint, at), FFI_OK);
    }
    {
        /* Struct variadic arguments are not restricted, even when small.  */
        ffi_type* e[] = {&ffi_type_uint8, &ffi_type_uint8, NULL};
        ffi_type st = struct_type(e);
        ffi_type* at[] = {&ffi_type_sint, &st};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint, at), FFI_OK);
        CHECK_U(st.size, 2);
    }
    {
        /* int-sized and larger variadic types are accepted.  */
        ffi_type* at[] = {&ffi_type_sint,   &ffi_type_uint,    &ffi_type_sint64,
                          &ffi_type_double, &ffi_type_pointer, &ffi_type_longdouble};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 6, &ffi_type_sint, at), FFI_OK);
    }
    {
        /* A bad struct is reported as for ffi_prep_cif.  */
        ffi_type st = struct_type(NULL);
        ffi_type* at[] = {&ffi_type_sint, &st};
        CHECK_STATUS(ffi_prep_cif_var(&cif, FFI_DEFAULT_ABI, 1, 2, &ffi_type_sint, at),
                     FFI_BAD_TYPEDEF);
    }
}

/* ========================================================================
   6. ffi_prep_cif errors: statuses, no crashes.  3.4.4 checks, in order:
   the ABI (FFI_BAD_ABI unless FFI_FIRST_ABI < abi < FFI_LAST_ABI, and the
   target must know the value), the return type, then each argument type
   (a struct with elements == NULL, with no elements, or containing such a
   struct: FFI_BAD_TYPEDEF; an unknown type code as return type:
   FFI_BAD_TYPEDEF).
   ======================================================================== */

static void test_prep_errors(void) {
    ffi_cif cif;
    ffi_type* at[] = {&ffi_type_sint};
    CHECK_STATUS(ffi_prep_cif(&cif, (ffi_abi)0, 1, &ffi_type_sint, at), FFI_BAD_ABI);
    CHECK_STATUS(ffi_prep_cif(&cif, (ffi_abi)999, 1, &ffi_type_sint, at), FFI_BAD_ABI);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_FIRST_ABI, 1, &ffi_type_sint, at), FFI_BAD_ABI);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_LAST_ABI, 1, &ffi_type_sint, at), FFI_BAD_ABI);
    CHECK_STATUS(ffi_prep_cif(&cif, (ffi_abi)-1, 1, &ffi_type_sint, at), FFI_BAD_ABI);
#if defined(__i386__)
    /* 2 lies inside (FIRST, LAST) but names no ABI on Linux i386.  */
    CHECK_STATUS(ffi_prep_cif(&cif, (ffi_abi)2, 1, &ffi_type_sint, at), FFI_BAD_ABI);
#endif
    CHECK_STATUS(ffi_prep_cif_var(&cif, (ffi_abi)999, 1, 1, &ffi_type_sint, at), FFI_BAD_ABI);

    /* Every ABI of the target is accepted.  */
#if defined(__x86_64__)
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_UNIX64, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_EFI64, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_GNUW64, 1, &ffi_type_sint, at), FFI_OK);
#elif defined(__i386__)
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_SYSV, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_STDCALL, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_THISCALL, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 1, &ffi_type_sint, at), FFI_OK);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_MS_CDECL, 1, &ffi_type_sint, at), FFI_OK);
    /* FFI_PASCAL and FFI_REGISTER (Borland's conventions) are libffi's but
       not ctabi's, which refuses them (ffi_limits_test.c).  */
#endif
    /* nargs == 0 with atypes == NULL is fine.  */
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_sint, NULL), FFI_OK);

    {
        ffi_type st = struct_type(NULL);
        ffi_type* ats[] = {&st};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &st, NULL), FFI_BAD_TYPEDEF);
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint, ats), FFI_BAD_TYPEDEF);
        /* The ABI is checked first.  */
        CHECK_STATUS(ffi_prep_cif(&cif, (ffi_abi)0, 1, &st, ats), FFI_BAD_ABI);
    }
    {
        ffi_type* none[] = {NULL};
        ffi_type st = struct_type(none);
        ffi_type* ats[] = {&ffi_type_double, &st};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &st, NULL), FFI_BAD_TYPEDEF);
        CHECK_U(st.size, 0);
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 2, &ffi_type_sint, ats), FFI_BAD_TYPEDEF);
    }
    {
        /* A struct whose element is an empty struct.  */
        ffi_type* none[] = {NULL};
        ffi_type inner = struct_type(none);
        ffi_type* outer_e[] = {&ffi_type_sint, &inner, NULL};
        ffi_type outer = struct_type(outer_e);
        ffi_type* ats[] = {&outer};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, ats), FFI_BAD_TYPEDEF);
    }
    {
        /* A good struct argument after a bad return type: still rejected.  */
        struct_types t;
        ffi_type st = struct_type(NULL);
        ffi_type* ats[] = {&t.ii};
        make_struct_types(&t);
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &st, ats), FFI_BAD_TYPEDEF);
    }
    {
        /* An unknown type code as return type.  */
        ffi_type bogus;
        bogus.size = 4;
        bogus.alignment = 4;
        bogus.type = 200;
        bogus.elements = NULL;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &bogus, NULL), FFI_BAD_TYPEDEF);
    }
    {
        /* After an error, the same cif can be prepared successfully.  */
        ffi_type* ats[] = {&ffi_type_sint32, &ffi_type_sint32};
        int32_t a = 2, b = 3;
        void* av[] = {&a, &b};
        ffi_arg r = 0;
        CHECK_STATUS(ffi_prep_cif(&cif, (ffi_abi)0, 2, &ffi_type_sint32, ats), FFI_BAD_ABI);
        PREP(&cif, 2, &ffi_type_sint32, ats);
        ffi_call(&cif, FFI_FN(f_s32), &r, av);
        CHECK_U(r, 5);
    }
}

/* ========================================================================
   7. Closures: ffi_closure_alloc(sizeof(ffi_closure), &code) returns the
   writable closure and sets code to its executable address;
   ffi_prep_closure_loc(closure, cif, fun, user_data, code) sets
   closure->cif, ->fun, ->user_data; calling code as a C function calls
   fun(cif, ret, args, user_data), where args[i] points to the i-th
   argument value and ret to the result buffer.  Rule for results: an
   integral result narrower than ffi_arg is written by the handler as a full
   ffi_arg; structs, floats and 64-bit values as their own type.
   ======================================================================== */

typedef int (*fn_ii_i)(int, int);
typedef double (*fn_dfi_d)(double, float, int);
typedef signed char (*fn_sc)(signed char);
typedef unsigned short (*fn_us)(unsigned short, unsigned short);
typedef float (*fn_f)(float, float);
typedef long long (*fn_ll)(long long, int);

static void h_add(ffi_cif* cif, void* ret, void** args, void* ud) {
    int* calls = (int*)ud;
    (void)cif;
    (*calls)++;
    *(ffi_arg*)ret = (ffi_arg)(ffi_sarg)(*(int*)args[0] + *(int*)args[1]);
}

static void h_dfi(ffi_cif* cif, void* ret, void** args, void* ud) {
    double base = *(double*)ud;
    (void)cif;
    *(double*)ret = base + *(double*)args[0] + (double)*(float*)args[1] * *(int*)args[2];
}

static void h_schar(ffi_cif* cif, void* ret, void** args, void* ud) {
    signed char r = (signed char)(*(signed char*)args[0] - 10);
    (void)cif;
    (void)ud;
    *(ffi_arg*)ret = (ffi_arg)(ffi_sarg)r;
}

static void h_ushort(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    (void)ud;
    *(ffi_arg*)ret =
        (ffi_arg)(unsigned short)(*(unsigned short*)args[0] + *(unsigned short*)args[1]);
}

static void h_float(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    (void)ud;
    *(float*)ret = *(float*)args[0] / *(float*)args[1];
}

static void h_ll(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    (void)ud;
    *(long long*)ret = *(long long*)args[0] * *(int*)args[1];
}

static void test_closures_basic(void) {
    ffi_cif cif;
    void* code = NULL;
    ffi_closure* cl;
    int calls = 0;

    /* int (int, int) */
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_sint};
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        CHECK(code != NULL);
        if (cl == NULL || code == NULL) return;
        CHECK_U((uintptr_t)cl % 8, 0);
        PREP(&cif, 2, &ffi_type_sint, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_add, &calls, code), FFI_OK);
        /* The public fields are set.  */
        CHECK_P(cl->cif, &cif);
        CHECK(cl->fun == h_add);
        CHECK_P(cl->user_data, &calls);
        {
            fn_ii_i f = (fn_ii_i)code;
            CHECK_I(f(40, 2), 42);
            CHECK_I(f(-40, 2), -38);
            CHECK_I(f(0x7FFFFFFF, 0), 0x7FFFFFFF);
            CHECK_I(calls, 3);
        }
        /* A closure can be re-prepared with other user data.  */
        {
            int calls2 = 0;
            CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_add, &calls2, code), FFI_OK);
            CHECK_I(((fn_ii_i)code)(1, 2), 3);
            CHECK_I(calls2, 1);
            CHECK_I(calls, 3);
        }
        ffi_closure_free(cl);
    }
    /* Two closures, one cif and handler, different user_data.  */
    {
        ffi_type* at[] = {&ffi_type_double, &ffi_type_float, &ffi_type_sint};
        void *code1 = NULL, *code2 = NULL;
        ffi_closure* c1 = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code1);
        ffi_closure* c2 = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code2);
        double base1 = 1000, base2 = -1000;
        CHECK(c1 != NULL && c2 != NULL);
        if (c1 == NULL || c2 == NULL) return;
        CHECK(code1 != code2);
        PREP(&cif, 3, &ffi_type_double, at);
        CHECK_STATUS(ffi_prep_closure_loc(c1, &cif, h_dfi, &base1, code1), FFI_OK);
        CHECK_STATUS(ffi_prep_closure_loc(c2, &cif, h_dfi, &base2, code2), FFI_OK);
        CHECK_D(((fn_dfi_d)code1)(0.5, 1.25f, 4), 1005.5);
        CHECK_D(((fn_dfi_d)code2)(0.5, 1.25f, 4), -994.5);
        ffi_closure_free(c1);
        ffi_closure_free(c2);
    }
    /* Narrow integral results: the handler writes a full ffi_arg.  */
    {
        ffi_type* at[] = {&ffi_type_schar};
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 1, &ffi_type_schar, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_schar, NULL, code), FFI_OK);
        CHECK_I(((fn_sc)code)(5), -5);
        CHECK_I(((fn_sc)code)(-100), -110);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&ffi_type_ushort, &ffi_type_ushort};
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &ffi_type_ushort, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_ushort, NULL, code), FFI_OK);
        CHECK_I(((fn_us)code)(60000, 5000), 65000);
        CHECK_I(((fn_us)code)(65535, 2), 1);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&ffi_type_float, &ffi_type_float};
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &ffi_type_float, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_float, NULL, code), FFI_OK);
        CHECK_D(((fn_f)code)(3.0f, 4.0f), 0.75);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&ffi_type_sint64, &ffi_type_sint};
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &ffi_type_sint64, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_ll, NULL, code), FFI_OK);
        CHECK_I(((fn_ll)code)(0x123456789LL, -3), -0x369d0369bLL);
        ffi_closure_free(cl);
    }
    /* ffi_closure_free(NULL) is a no-op.  */
    ffi_closure_free(NULL);
    CHECK(1);
}

/* Closures taking and returning structs by value.  */
typedef struct S_dd (*fn_sdd)(struct S_dd, int);
typedef struct S48 (*fn_s48)(double, struct S48);
typedef struct S_ld (*fn_sld)(struct S_ld, struct S_fff);
typedef struct S_fff (*fn_sfff)(struct S_fff);

static void h_sdd(ffi_cif* cif, void* ret, void** args, void* ud) {
    struct S_dd x = *(struct S_dd*)args[0];
    struct S_dd r;
    int k = *(int*)args[1];
    (void)cif;
    (void)ud;
    r.a = x.b * k;
    r.b = x.a - k;
    *(struct S_dd*)ret = r;
}

static void h_s48(ffi_cif* cif, void* ret, void** args, void* ud) {
    double k = *(double*)args[0];
    struct S48 x = *(struct S48*)args[1];
    struct S48 r;
    int i;
    (void)cif;
    *(int*)ud += 1;
    for (i = 0; i < 4; i++)
        r.a[i] = x.a[3 - i] + (int64_t)k;
    r.d[0] = x.d[1] * k;
    r.d[1] = x.d[0] * k;
    *(struct S48*)ret = r;
}

static void h_sld(ffi_cif* cif, void* ret, void** args, void* ud) {
    struct S_ld x = *(struct S_ld*)args[0];
    struct S_fff f = *(struct S_fff*)args[1];
    struct S_ld r;
    (void)cif;
    (void)ud;
    r.l = x.l * 2;
    r.d = x.d + f.a + f.b + f.c;
    *(struct S_ld*)ret = r;
}

static void h_sfff(ffi_cif* cif, void* ret, void** args, void* ud) {
    struct S_fff x = *(struct S_fff*)args[0];
    struct S_fff r;
    (void)cif;
    (void)ud;
    r.a = x.b;
    r.b = x.c;
    r.c = x.a;
    *(struct S_fff*)ret = r;
}

static void test_closures_struct(void) {
    struct_types t;
    ffi_cif cif;
    void* code = NULL;
    ffi_closure* cl;
    make_struct_types(&t);
    {
        ffi_type* at[] = {&t.dd, &ffi_type_sint};
        struct S_dd x = {1.5, 2.5}, r;
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &t.dd, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_sdd, NULL, code), FFI_OK);
        r = ((fn_sdd)code)(x, 4);
        CHECK_D(r.a, 10);
        CHECK_D(r.b, -2.5);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&ffi_type_double, &t.s48};
        struct S48 x = {{1, 2, 3, 4}, {0.5, 0.25}}, r;
        int calls = 0;
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &t.s48, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_s48, &calls, code), FFI_OK);
        r = ((fn_s48)code)(10.0, x);
        CHECK_I(calls, 1);
        CHECK_I(r.a[0], 14);
        CHECK_I(r.a[1], 13);
        CHECK_I(r.a[2], 12);
        CHECK_I(r.a[3], 11);
        CHECK_D(r.d[0], 2.5);
        CHECK_D(r.d[1], 5);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&t.ld, &t.fff};
        struct S_ld x = {-21, 0.5}, r;
        struct S_fff f = {1, 2, 4};
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &t.ld, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_sld, NULL, code), FFI_OK);
        r = ((fn_sld)code)(x, f);
        CHECK_I(r.l, -42);
        CHECK_D(r.d, 7.5);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&t.fff};
        struct S_fff x = {1, 2, 3}, r;
        cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 1, &t.fff, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_sfff, NULL, code), FFI_OK);
        r = ((fn_sfff)code)(x);
        CHECK_D(r.a, 2);
        CHECK_D(r.b, 3);
        CHECK_D(r.c, 1);
        ffi_closure_free(cl);
    }
}

/* A closure with many arguments: the later ones come from the stack.  */
typedef double (*fn_many)(int, double, int, double, int, double, int, double, int, double, int,
                          double, int, double, int, double, int, double, long long, float, char);

static void h_many(ffi_cif* cif, void* ret, void** args, void* ud) {
    double s = 0;
    unsigned i;
    (void)ud;
    for (i = 0; i < 18; i++) {
        if (i % 2 == 0)
            s += *(int*)args[i] * (double)(i + 1);
        else
            s += *(double*)args[i] * (i + 1);
    }
    s += (double)*(long long*)args[18] * 19;
    s += *(float*)args[19] * 20;
    s += *(char*)args[20] * 21;
    CHECK_I(cif->nargs, 21);
    *(double*)ret = s;
}

static void test_closures_many(void) {
    ffi_type* at[21];
    ffi_cif cif;
    void* code = NULL;
    ffi_closure* cl;
    unsigned i;
    for (i = 0; i < 18; i++)
        at[i] = (i % 2 == 0) ? &ffi_type_sint : &ffi_type_double;
    at[18] = &ffi_type_sint64;
    at[19] = &ffi_type_float;
    at[20] = &ffi_type_schar;
    cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
    CHECK(cl != NULL);
    if (cl == NULL) return;
    PREP(&cif, 21, &ffi_type_double, at);
    CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_many, NULL, code), FFI_OK);
    {
        double r = ((fn_many)code)(1, 0.5, 2, 1.5, 3, 2.5, 4, 3.5, 5, 4.5, 6, 5.5, 7, 6.5, 8, 7.5,
                                   9, 8.5, -1000000000000LL, 0.25f, (char)-3);
        /* sum_{k=0..8} (k+1)(2k+1) + (k+0.5)(2k+2) - 1e12*19 + 5 - 63 */
        double exp = 0;
        int k;
        for (k = 0; k < 9; k++)
            exp += (k + 1) * (2.0 * k + 1) + (k + 0.5) * (2.0 * k + 2);
        exp += -1000000000000.0 * 19 + 0.25 * 20 - 3 * 21;
        CHECK_D(r, exp);
    }
    ffi_closure_free(cl);
}

/* qsort with a closure as the comparator; user_data counts the calls.  */
static void h_cmp(ffi_cif* cif, void* ret, void** args, void* ud) {
    const int* a = *(const int**)args[0];
    const int* b = *(const int**)args[1];
    (void)cif;
    (*(long*)ud)++;
    *(ffi_arg*)ret = (ffi_arg)(ffi_sarg)((*a > *b) - (*a < *b));
}

static void test_closure_qsort(void) {
    ffi_type* at[] = {&ffi_type_pointer, &ffi_type_pointer};
    ffi_cif cif;
    void* code = NULL;
    ffi_closure* cl;
    long calls = 0;
    int v[64], i, sorted = 1;
    for (i = 0; i < 64; i++)
        v[i] = (i * 37 + 11) % 64 - 32;
    cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
    CHECK(cl != NULL);
    if (cl == NULL) return;
    PREP(&cif, 2, &ffi_type_sint, at);
    CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_cmp, &calls, code), FFI_OK);
    qsort(v, 64, sizeof v[0], (int (*)(const void*, const void*))code);
    for (i = 0; i < 64; i++)
        if (v[i] != i - 32) sorted = 0;
    CHECK(sorted);
    CHECK(calls > 0);
    ffi_closure_free(cl);
}

/* ffi_prep_closure (deprecated, but declared by the 3.4 header unless the
   user hides it): ffi_prep_closure_loc with codeloc == the closure itself.
   On x86 libffi 3.4.4 the resulting closure works when called through the
   code address from ffi_closure_alloc (x86-64 trampolines are
   position-independent; the i386 one only needs the closure's data; and
   Debian's 3.4.4 returns code == closure anyway), so it is called through
   code, as old callers do.  */
static void test_prep_closure_deprecated(void) {
#if FFI_CLOSURES
    ffi_type* at[] = {&ffi_type_sint, &ffi_type_sint};
    ffi_cif cif;
    void* code = NULL;
    ffi_closure* cl;
    int calls = 0;
    ffi_status s;
    cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
    CHECK(cl != NULL);
    if (cl == NULL) return;
    PREP(&cif, 2, &ffi_type_sint, at);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    s = ffi_prep_closure(cl, &cif, h_add, &calls);
#pragma GCC diagnostic pop
    CHECK_STATUS(s, FFI_OK);
    CHECK_P(cl->cif, &cif);
    CHECK(cl->fun == h_add);
    CHECK_P(cl->user_data, &calls);
    CHECK_I(((fn_ii_i)code)(20, 22), 42);
    CHECK_I(calls, 1);
    ffi_closure_free(cl);
#endif
}

/* ========================================================================
   8. long double (ffi_type_longdouble: x87 80-bit; 16 bytes on x86-64,
   12 on i386): as argument (memory on x86-64), as result (st(0)), through
   ffi_call and through a closure.
   ======================================================================== */

NOINLINE static long double f_ld(long double a, int n) {
    return a * n + 0.25L;
}

NOINLINE static long double f_ld_mix(double d, long double a, float f, long double b, int i) {
    return a - b + d + f + i;
}

typedef long double (*fn_ld)(long double, int);

static void h_ld(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    (void)ud;
    *(long double*)ret = *(long double*)args[0] / *(int*)args[1];
}

static void test_longdouble(void) {
    ffi_cif cif;
    /* 1 + 2^-60 needs the 64-bit x87 mantissa: a double would lose it.  */
    const long double tiny = 1.0L / 1152921504606846976.0L;
    {
        ffi_type* at[] = {&ffi_type_longdouble, &ffi_type_sint};
        long double a = 1.0L + tiny, r = 0;
        int n = 3;
        void* av[] = {&a, &n};
        PREP(&cif, 2, &ffi_type_longdouble, at);
        ffi_call(&cif, FFI_FN(f_ld), &r, av);
        CHECK_LD(r, 3.25L + 3 * tiny);
    }
    {
        ffi_type* at[] = {&ffi_type_double, &ffi_type_longdouble, &ffi_type_float,
                          &ffi_type_longdouble, &ffi_type_sint};
        double d = 0.5;
        long double a = 1000.0L + tiny * 512, b = 1.0L;
        float f = 0.25f;
        int i = -7;
        long double r = 0;
        void* av[] = {&d, &a, &f, &b, &i};
        PREP(&cif, 5, &ffi_type_longdouble, at);
        ffi_call(&cif, FFI_FN(f_ld_mix), &r, av);
        CHECK_LD(r, 992.75L + tiny * 512);
    }
    {
        ffi_type* at[] = {&ffi_type_longdouble, &ffi_type_sint};
        void* code = NULL;
        ffi_closure* cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        PREP(&cif, 2, &ffi_type_longdouble, at);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_ld, NULL, code), FFI_OK);
        CHECK_LD(((fn_ld)code)(6.0L + 2 * tiny, 2), 3.0L + tiny);
        CHECK_LD(((fn_ld)code)(-1.5L, 3), -0.5L);
        ffi_closure_free(cl);
    }
}

/* ========================================================================
   9. Complex types (FFI_TARGET_HAS_COMPLEX_TYPE in ffitarget.h):
   ffi_type_complex_{float,double,longdouble} are FFI_TYPE_COMPLEX with one
   element, the component type.
   ======================================================================== */

#ifdef FFI_TARGET_HAS_COMPLEX_TYPE
#if defined(__x86_64__)
NOINLINE static float _Complex f_cf(float _Complex z, float k) {
    return z * k;
}
NOINLINE static double _Complex f_cd(double _Complex z, double k) {
    return z * k;
}
#endif

struct align_probe_cf {
    char c;
    float _Complex x;
};
struct align_probe_cd {
    char c;
    double _Complex x;
};
struct align_probe_cld {
    char c;
    long double _Complex x;
};
#endif

static void test_complex(void) {
#ifdef FFI_TARGET_HAS_COMPLEX_TYPE
    CHECK_U(ffi_type_complex_float.type, FFI_TYPE_COMPLEX);
    CHECK_U(ffi_type_complex_float.size, sizeof(float _Complex));
    CHECK_U(ffi_type_complex_float.alignment, offsetof(struct align_probe_cf, x));
    CHECK_P(ffi_type_complex_float.elements[0], &ffi_type_float);
    CHECK_P(ffi_type_complex_float.elements[1], NULL);
    CHECK_U(ffi_type_complex_double.type, FFI_TYPE_COMPLEX);
    CHECK_U(ffi_type_complex_double.size, sizeof(double _Complex));
    CHECK_U(ffi_type_complex_double.alignment, offsetof(struct align_probe_cd, x));
    CHECK_P(ffi_type_complex_double.elements[0], &ffi_type_double);
    CHECK_P(ffi_type_complex_double.elements[1], NULL);
    CHECK_U(ffi_type_complex_longdouble.type, FFI_TYPE_COMPLEX);
    CHECK_U(ffi_type_complex_longdouble.size, sizeof(long double _Complex));
    CHECK_U(ffi_type_complex_longdouble.alignment, offsetof(struct align_probe_cld, x));
    CHECK_P(ffi_type_complex_longdouble.elements[0], &ffi_type_longdouble);
    CHECK_P(ffi_type_complex_longdouble.elements[1], NULL);
#if defined(__x86_64__)
    ffi_cif cif;
    {
        ffi_type* at[] = {&ffi_type_complex_float, &ffi_type_float};
        float _Complex z = 1.5f + 2.0f * I, r = 0;
        float k = -2;
        void* av[] = {&z, &k};
        PREP(&cif, 2, &ffi_type_complex_float, at);
        ffi_call(&cif, FFI_FN(f_cf), &r, av);
        CHECK_D(crealf(r), -3);
        CHECK_D(cimagf(r), -4);
    }
    {
        ffi_type* at[] = {&ffi_type_complex_double, &ffi_type_double};
        double _Complex z = 1.5 - 2.25 * I, r = 0;
        double k = 4;
        void* av[] = {&z, &k};
        PREP(&cif, 2, &ffi_type_complex_double, at);
        ffi_call(&cif, FFI_FN(f_cd), &r, av);
        CHECK_D(creal(r), 6);
        CHECK_D(cimag(r), -9);
    }
    /* Calls of complex long double (x87 pairs in st0/st1), and every complex
       call on i386, are outside what ctabi passes: it refuses them
       (FFI_BAD_TYPEDEF, checked by ffi_limits_test.c), so they are not part
       of this test, which both libraries must pass alike. */
#endif
#endif
}

/* ========================================================================
   10. Other conventions.
   x86-64: FFI_WIN64 (== FFI_EFI64) and FFI_GNUW64 call and are called by
   __attribute__((ms_abi)) code: 4 register slots (rcx, rdx, r8, r9 /
   xmm0-3, by position), then the stack; a struct of 1, 2, 4 or 8 bytes is
   passed and returned by value in a register, any other struct is passed
   by reference (pointer in the slot) and returned through a hidden pointer.
   i386: FFI_STDCALL (callee pops), FFI_FASTCALL (first two integer-class
   arguments of at most 4 bytes in ecx, edx; a 64-bit integer or struct
   argument sends all later ones to the stack, as GCC does), FFI_THISCALL
   (first such argument in ecx).
   ======================================================================== */

#if defined(__x86_64__)
#define MS_ABI __attribute__((ms_abi))

static long long g_w[8];
NOINLINE MS_ABI static int w_int(int a, double b, int c, double d, int e, double f, long long g) {
    g_w[0] = a;
    g_w[1] = (long long)(b * 4);
    g_w[2] = c;
    g_w[3] = (long long)(d * 4);
    g_w[4] = e;
    g_w[5] = (long long)(f * 4);
    g_w[6] = g;
    return a + c + e;
}
NOINLINE MS_ABI static double w_double(float a, double b, int c, float d, double e) {
    return a + b * 10 + c * 100 + d * 1000 + e * 10000;
}
NOINLINE MS_ABI static signed char w_schar(signed char a) {
    return (signed char)(a - 1);
}
NOINLINE MS_ABI static unsigned short w_ushort(unsigned short a) {
    return (unsigned short)(a + 1);
}
NOINLINE MS_ABI static struct S_ii w_s8(struct S_ii x, int k) {
    struct S_ii r;
    r.a = x.b * k;
    r.b = x.a - k;
    return r;
}
NOINLINE MS_ABI static long long w_s24_arg(int k, struct S24 x, struct S_dd y, int z) {
    return (x.a + (long long)x.b + x.c) * k + (long long)(y.a - y.b) + z;
}
NOINLINE MS_ABI static struct S24 w_s24_ret(struct S24 x, int k) {
    struct S24 r;
    r.a = x.c + k;
    r.b = x.b * k;
    r.c = x.a - k;
    return r;
}

typedef int(MS_ABI* w_fn_int)(int, double, int, double, int, double);
typedef struct S_ii(MS_ABI* w_fn_s)(struct S24, struct S_ii, int);

static void h_w_int(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    *(ffi_arg*)ret =
        (ffi_arg)(ffi_sarg)(*(int*)args[0] + (int)(*(double*)args[1] * 2) + *(int*)args[2] * 10 +
                            (int)(*(double*)args[3] * 20) + *(int*)args[4] * 100 +
                            (int)(*(double*)args[5] * 200) + *(int*)ud);
}

static void h_w_s(ffi_cif* cif, void* ret, void** args, void* ud) {
    struct S24 x = *(struct S24*)args[0];
    struct S_ii y = *(struct S_ii*)args[1];
    int k = *(int*)args[2];
    struct S_ii r;
    (void)cif;
    (void)ud;
    r.a = (int)(x.a + x.c) + y.a * k;
    r.b = (int)x.b + y.b * k;
    *(struct S_ii*)ret = r;
}

static void test_win64(void) {
    struct_types t;
    ffi_cif cif;
    make_struct_types(&t);
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_sint,  &ffi_type_double,
                          &ffi_type_sint, &ffi_type_double, &ffi_type_sint64};
        int a = -1, c = 3, e = 5;
        double b = 2.25, d = -4.5, f = 6.75;
        long long g = -0x123456789LL;
        void* av[] = {&a, &b, &c, &d, &e, &f, &g};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 7, &ffi_type_sint, at), FFI_OK);
        CHECK_I(cif.abi, FFI_WIN64);
        ffi_call(&cif, FFI_FN(w_int), &r, av);
        CHECK_U(r, 7);
        CHECK_I(g_w[0], -1);
        CHECK_I(g_w[1], 9);
        CHECK_I(g_w[2], 3);
        CHECK_I(g_w[3], -18);
        CHECK_I(g_w[4], 5);
        CHECK_I(g_w[5], 27);
        CHECK_I(g_w[6], -0x123456789LL);
        /* FFI_GNUW64 differs only for long double.  */
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_GNUW64, 7, &ffi_type_sint, at), FFI_OK);
        memset(g_w, 0, sizeof g_w);
        r = GARBAGE_ARG;
        ffi_call(&cif, FFI_FN(w_int), &r, av);
        CHECK_U(r, 7);
        CHECK_I(g_w[6], -0x123456789LL);
    }
    {
        ffi_type* at[] = {&ffi_type_float, &ffi_type_double, &ffi_type_sint, &ffi_type_float,
                          &ffi_type_double};
        float a = 0.5f, d = 0.25f;
        double b = 1.5, e = -1;
        int c = 7;
        void* av[] = {&a, &b, &c, &d, &e};
        double r = 0;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 5, &ffi_type_double, at), FFI_OK);
        ffi_call(&cif, FFI_FN(w_double), &r, av);
        CHECK_D(r, 0.5 + 15 + 700 + 250 - 10000);
    }
    {
        /* Narrow results are widened to a full ffi_arg under Win64 too.  */
        ffi_type* at[] = {&ffi_type_schar};
        signed char a = -127;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 1, &ffi_type_schar, at), FFI_OK);
        ffi_call(&cif, FFI_FN(w_schar), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-128);
    }
    {
        ffi_type* at[] = {&ffi_type_ushort};
        unsigned short a = 65534;
        void* av[] = {&a};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 1, &ffi_type_ushort, at), FFI_OK);
        ffi_call(&cif, FFI_FN(w_ushort), &r, av);
        CHECK_U(r, 65535);
    }
    {
        /* 8-byte struct: by value, in a register, both ways.  */
        ffi_type* at[] = {&t.ii, &ffi_type_sint};
        struct S_ii x = {3, -4}, r = {0, 0};
        int k = 5;
        void* av[] = {&x, &k};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 2, &t.ii, at), FFI_OK);
        ffi_call(&cif, FFI_FN(w_s8), &r, av);
        CHECK_I(r.a, -20);
        CHECK_I(r.b, -2);
    }
    {
        /* 24- and 16-byte structs: passed by reference.  */
        ffi_type* at[] = {&ffi_type_sint, &t.s24, &t.dd, &ffi_type_sint};
        int k = 2, z = -1;
        struct S24 x = {10, 20.0, 30};
        struct S_dd y = {5.5, 1.5};
        long long r = 0;
        void* av[] = {&k, &x, &y, &z};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 4, &ffi_type_sint64, at), FFI_OK);
        ffi_call(&cif, FFI_FN(w_s24_arg), &r, av);
        CHECK_I(r, 123);
        /* The caller's struct is not changed.  */
        CHECK_I(x.a, 10);
    }
    {
        /* 24-byte struct result: hidden pointer.  */
        ffi_type* at[] = {&t.s24, &ffi_type_sint};
        struct S24 x = {100, 0.5, -100}, r = {0, 0, 0};
        int k = 3;
        void* av[] = {&x, &k};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 2, &t.s24, at), FFI_OK);
        ffi_call(&cif, FFI_FN(w_s24_ret), &r, av);
        CHECK_I(r.a, -97);
        CHECK_D(r.b, 1.5);
        CHECK_I(r.c, 97);
    }
    /* Closures prepared with FFI_WIN64, called through ms_abi pointers.  */
    {
        ffi_type* at[] = {&ffi_type_sint,   &ffi_type_double, &ffi_type_sint,
                          &ffi_type_double, &ffi_type_sint,   &ffi_type_double};
        void* code = NULL;
        int extra = 1000000;
        ffi_closure* cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 6, &ffi_type_sint, at), FFI_OK);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_w_int, &extra, code), FFI_OK);
        CHECK_P(cl->cif, &cif);
        CHECK_P(cl->user_data, &extra);
        /* 1 + 1*2 + 2*10 + 2*20 + 3*100 + 3*200 + 1000000 */
        CHECK_I(((w_fn_int)code)(1, 1.0, 2, 2.0, 3, 3.0), 1000963);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&t.s24, &t.ii, &ffi_type_sint};
        void* code = NULL;
        struct S24 x = {1, 2.0, 3};
        struct S_ii y = {10, 20}, r;
        ffi_closure* cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_WIN64, 3, &t.ii, at), FFI_OK);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_w_s, NULL, code), FFI_OK);
        r = ((w_fn_s)code)(x, y, 2);
        CHECK_I(r.a, 24);
        CHECK_I(r.b, 42);
        ffi_closure_free(cl);
    }
}
#endif /* __x86_64__ */

#if defined(__i386__)
#define STDCALL __attribute__((stdcall))
#define FASTCALL __attribute__((fastcall))
#define THISCALL __attribute__((thiscall))

static long long g_x[8];
NOINLINE STDCALL static int st_f(int a, double b, signed char c, long long d, float e) {
    g_x[0] = a;
    g_x[1] = (long long)(b * 4);
    g_x[2] = c;
    g_x[3] = d;
    g_x[4] = (long long)(e * 4);
    return a * 2 + c;
}
NOINLINE STDCALL static struct S24 st_s24(struct S_ii x, int k) {
    struct S24 r;
    r.a = x.a * k;
    r.b = x.b * 0.5;
    r.c = -k;
    return r;
}
NOINLINE FASTCALL static int fc_f(int a, int b, int c, int d) {
    g_x[0] = a;
    g_x[1] = b;
    g_x[2] = c;
    g_x[3] = d;
    return a - b + c - d;
}
NOINLINE FASTCALL static int fc_mixed(float f, signed char a, double d, short b, int c) {
    g_x[0] = (long long)(f * 4);
    g_x[1] = a;
    g_x[2] = (long long)(d * 4);
    g_x[3] = b;
    g_x[4] = c;
    return a + b + c;
}
NOINLINE FASTCALL static int fc_ll(long long x, int a, int b) {
    g_x[0] = x;
    g_x[1] = a;
    g_x[2] = b;
    return a * 10 + b;
}
NOINLINE FASTCALL static int fc_struct(struct S_ii s, int a, int b) {
    g_x[0] = s.a;
    g_x[1] = s.b;
    g_x[2] = a;
    g_x[3] = b;
    return a * 10 + b;
}
NOINLINE FASTCALL static struct S_ii fc_sret(int a, int b) {
    struct S_ii r;
    r.a = a + 1;
    r.b = b + 2;
    return r;
}
NOINLINE THISCALL static int tc_f(void* self, int a, double b, int c) {
    g_x[0] = (long long)(intptr_t)self;
    g_x[1] = a;
    g_x[2] = (long long)(b * 4);
    g_x[3] = c;
    return a + c;
}
#if !defined(__clang__)
NOINLINE THISCALL static struct S_ii tc_sret(void* self, int a) {
    struct S_ii r;
    r.a = *(int*)self;
    r.b = a;
    return r;
}
#endif

typedef int(STDCALL* st_fn)(int, double, int);
typedef int(FASTCALL* fc_fn)(int, int, int);
typedef int(THISCALL* tc_fn)(void*, int, int);

static void h_i3(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    (void)ud;
    *(ffi_arg*)ret =
        (ffi_arg)(ffi_sarg)(*(int*)args[0] * 100 + *(int*)args[1] * 10 + *(int*)args[2]);
}

static void h_st(ffi_cif* cif, void* ret, void** args, void* ud) {
    (void)cif;
    *(int*)ud += 1;
    *(ffi_arg*)ret =
        (ffi_arg)(ffi_sarg)(*(int*)args[0] * 100 + (int)(*(double*)args[1] * 10) + *(int*)args[2]);
}

/* Calls a stdcall closure repeatedly from a frame with locals, so that a
   callee that does not pop its arguments corrupts the result.  */
NOINLINE static int call_st_many(st_fn f, int n) {
    volatile int guard = 0x5A5A5A5A;
    int i, sum = 0;
    for (i = 0; i < n; i++)
        sum += f(i, 0.5, -i);
    return guard == 0x5A5A5A5A ? sum : -1;
}

static void test_i386_conventions(void) {
    struct_types t;
    ffi_cif cif;
    make_struct_types(&t);
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_schar, &ffi_type_sint64,
                          &ffi_type_float};
        int a = 21;
        double b = 2.25;
        signed char c = -2;
        long long d = -0x123456789LL;
        float e = 1.5f;
        void* av[] = {&a, &b, &c, &d, &e};
        ffi_arg r = GARBAGE_ARG;
        int i, bad = 0;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_STDCALL, 5, &ffi_type_sint, at), FFI_OK);
        for (i = 0; i < 5; i++) {
            ffi_call(&cif, FFI_FN(st_f), &r, av);
            if (r != 40) bad++;
        }
        CHECK_I(bad, 0);
        CHECK_I(g_x[1], 9);
        CHECK_I(g_x[2], -2);
        CHECK_I(g_x[3], -0x123456789LL);
        CHECK_I(g_x[4], 6);
    }
    {
        ffi_type* at[] = {&t.ii, &ffi_type_sint};
        struct S_ii x = {7, 9};
        int k = 3;
        struct S24 r = {0, 0, 0};
        void* av[] = {&x, &k};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_STDCALL, 2, &t.s24, at), FFI_OK);
        ffi_call(&cif, FFI_FN(st_s24), &r, av);
        CHECK_I(r.a, 21);
        CHECK_D(r.b, 4.5);
        CHECK_I(r.c, -3);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_sint, &ffi_type_sint, &ffi_type_sint};
        int a = 1000, b = 200, c = 30, d = 4;
        void* av[] = {&a, &b, &c, &d};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 4, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(fc_f), &r, av);
        CHECK_U(r, 826);
        CHECK_I(g_x[0], 1000);
        CHECK_I(g_x[1], 200);
        CHECK_I(g_x[2], 30);
        CHECK_I(g_x[3], 4);
    }
    {
        /* float and double never go in registers; a and b take ecx, edx.  */
        ffi_type* at[] = {&ffi_type_float, &ffi_type_schar, &ffi_type_double, &ffi_type_sshort,
                          &ffi_type_sint};
        float f = 1.25f;
        signed char a = -5;
        double d = 2.75;
        short b = -300;
        int c = 7000;
        void* av[] = {&f, &a, &d, &b, &c};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 5, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(fc_mixed), &r, av);
        CHECK_U(r, 6695);
        CHECK_I(g_x[0], 5);
        CHECK_I(g_x[1], -5);
        CHECK_I(g_x[2], 11);
        CHECK_I(g_x[3], -300);
        CHECK_I(g_x[4], 7000);
    }
    {
        ffi_type* at[] = {&ffi_type_sint64, &ffi_type_sint, &ffi_type_sint};
        long long x = 0x123456789LL;
        int a = 3, b = 4;
        void* av[] = {&x, &a, &b};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 3, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(fc_ll), &r, av);
        CHECK_U(r, 34);
        CHECK_I(g_x[0], 0x123456789LL);
    }
    {
        ffi_type* at[] = {&t.ii, &ffi_type_sint, &ffi_type_sint};
        struct S_ii s = {5, 6};
        int a = 3, b = 4;
        void* av[] = {&s, &a, &b};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 3, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(fc_struct), &r, av);
        CHECK_U(r, 34);
        CHECK_I(g_x[0], 5);
        CHECK_I(g_x[1], 6);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_sint};
        int a = 3, b = 4;
        void* av[] = {&a, &b};
        struct S_ii r = {0, 0};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 2, &t.ii, at), FFI_OK);
        ffi_call(&cif, FFI_FN(fc_sret), &r, av);
        CHECK_I(r.a, 4);
        CHECK_I(r.b, 6);
    }
    {
        ffi_type* at[] = {&ffi_type_pointer, &ffi_type_sint, &ffi_type_double, &ffi_type_sint};
        static int obj;
        void* self = &obj;
        int a = -8, c = 50;
        double b = 0.75;
        void* av[] = {&self, &a, &b, &c};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_THISCALL, 4, &ffi_type_sint, at), FFI_OK);
        ffi_call(&cif, FFI_FN(tc_f), &r, av);
        CHECK_U(r, 42);
        CHECK_I(g_x[0], (intptr_t)&obj);
        CHECK_I(g_x[2], 3);
    }
#if !defined(__clang__)
    /* FFI_THISCALL struct result: libffi 3.4.4 passes the hidden result
       pointer in ecx and `this' on the stack, as GCC does.  Clang follows
       MSVC here (this in ecx, result pointer on the stack), so with clang
       the callee disagrees with libffi; the case is GCC-only.  */
    {
        ffi_type* at[] = {&ffi_type_pointer, &ffi_type_sint};
        static int obj = 77;
        void* self = &obj;
        int a = 5;
        void* av[] = {&self, &a};
        struct S_ii r = {0, 0};
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_THISCALL, 2, &t.ii, at), FFI_OK);
        ffi_call(&cif, FFI_FN(tc_sret), &r, av);
        CHECK_I(r.a, 77);
        CHECK_I(r.b, 5);
    }
#endif
    /* FFI_MS_CDECL: for scalars the same as cdecl.  */
    {
        ffi_type* at[] = {&ffi_type_sint32, &ffi_type_sint32};
        int32_t a = -9, b = 4;
        void* av[] = {&a, &b};
        ffi_arg r = GARBAGE_ARG;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_MS_CDECL, 2, &ffi_type_sint32, at), FFI_OK);
        ffi_call(&cif, FFI_FN(f_s32), &r, av);
        CHECK_U(r, (ffi_arg)(ffi_sarg)-5);
    }
    /* Closures: FFI_STDCALL (the closure pops its arguments), FFI_FASTCALL,
       FFI_THISCALL.  */
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_double, &ffi_type_sint};
        void* code = NULL;
        int calls = 0;
        ffi_closure* cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_STDCALL, 3, &ffi_type_sint, at), FFI_OK);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_st, &calls, code), FFI_OK);
        CHECK_I(((st_fn)code)(4, 0.5, 3), 408);
        /* sum over i < 10 of (100 i + 5 - i) = 4505 */
        CHECK_I(call_st_many((st_fn)code, 10), 4505);
        CHECK_I(calls, 11);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&ffi_type_sint, &ffi_type_sint, &ffi_type_sint};
        void* code = NULL;
        ffi_closure* cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_FASTCALL, 3, &ffi_type_sint, at), FFI_OK);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_i3, NULL, code), FFI_OK);
        CHECK_I(((fc_fn)code)(1, 2, 3), 123);
        CHECK_I(((fc_fn)code)(-1, 0, 9), -91);
        ffi_closure_free(cl);
    }
    {
        ffi_type* at[] = {&ffi_type_pointer, &ffi_type_sint, &ffi_type_sint};
        void* code = NULL;
        ffi_closure* cl = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code);
        CHECK(cl != NULL);
        if (cl == NULL) return;
        /* The handler reads the pointer as an int: same size on i386.  */
        CHECK_STATUS(ffi_prep_cif(&cif, FFI_THISCALL, 3, &ffi_type_sint, at), FFI_OK);
        CHECK_STATUS(ffi_prep_closure_loc(cl, &cif, h_i3, NULL, code), FFI_OK);
        CHECK_I(((tc_fn)code)((void*)(intptr_t)4, 5, 6), 456);
        ffi_closure_free(cl);
    }
}
#endif /* __i386__ */

/* Which libffi.so.8 this process runs on: the build passes the one it
   means (FFI_TEST_EXPECT_LIBRARY, a path), so that a test of ctabi's
   library cannot silently run on the system's, or the reverse.  */
#ifdef FFI_TEST_EXPECT_LIBRARY
#include <limits.h>
static void test_loaded_library(void) {
    char want[PATH_MAX], got[PATH_MAX] = "", line[4096];
    FILE* maps = fopen("/proc/self/maps", "r");
    CHECK(maps != NULL);
    CHECK(realpath(FFI_TEST_EXPECT_LIBRARY, want) != NULL);
    while (maps && fgets(line, sizeof line, maps)) {
        char* path = strchr(line, '/');
        if (path && strstr(path, "libffi.so")) {
            path[strcspn(path, "\n")] = 0;
            if (!realpath(path, got)) got[0] = 0;
            break;
        }
    }
    if (maps) fclose(maps);
    if (strcmp(want, got) != 0) {
        printf("%s:%d: FAILED: the libffi mapped is %s, not %s\n", __FILE__, __LINE__,
               got[0] ? got : "(none)", want);
        g_failed++;
    }
    g_checks++;
}
#endif

int main(void) {
#ifdef FFI_TEST_EXPECT_LIBRARY
    test_loaded_library();
#endif
    test_layouts();
    test_constants();
    test_builtin_types();
    test_scalar_calls();
    test_argument_widening();
    test_many_args();
    test_struct_layout();
    test_struct_offsets();
    test_struct_calls();
    test_null_rvalue();
    test_variadic();
    test_variadic_rejections();
    test_prep_errors();
    test_closures_basic();
    test_closures_struct();
    test_closures_many();
    test_closure_qsort();
    test_prep_closure_deprecated();
    test_longdouble();
    test_complex();
#if defined(__x86_64__)
    test_win64();
#elif defined(__i386__)
    test_i386_conventions();
#endif
    printf("ffi_api_test: %u checks, %u failed\n", g_checks, g_failed);
    return g_failed == 0 ? 0 : 1;
}
