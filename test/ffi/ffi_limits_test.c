/* What ctabi's libffi.so.8 does differently from libffi 3.4, on purpose (the
 * README's "libffi compatibility" lists it), and what it guarantees beyond
 * it. Run against ctabi's library only; ffi_api_test.c holds everything both
 * libraries do alike.
 *
 *   - Refused with a status where libffi accepts: complex long double (an
 *     x87 pair in st0/st1) and every complex type on i386 (FFI_BAD_TYPEDEF),
 *     Borland's FFI_PASCAL and FFI_REGISTER (FFI_BAD_ABI), Go closures
 *     (FFI_BAD_ABI), and a closure ffi_closure_alloc did not make
 *     (FFI_BAD_ABI: its memory would have to become executable).
 *   - ffi_closure_free of such a pointer is ignored with a message, not a
 *     crash.
 *   - No memory is writable and executable at once: not the closures' code,
 *     not anything else mapped, before or after closures are made and
 *     called. */
#include <ffi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned g_checks, g_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        g_checks++;                                                                                \
        if (!(cond)) {                                                                             \
            printf("%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond);                              \
            g_failed++;                                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_STATUS(expr, want)                                                                   \
    do {                                                                                           \
        ffi_status got_ = (expr);                                                                  \
        g_checks++;                                                                                \
        if (got_ != (want)) {                                                                      \
            printf("%s:%d: FAILED: %s: expected %d, got %d\n", __FILE__, __LINE__, #expr,          \
                   (int)(want), (int)got_);                                                        \
            g_failed++;                                                                            \
        }                                                                                          \
    } while (0)

/* The permissions of the mapping holding `p` ("r-xp", ...), and whether
 * any mapping is writable and executable. */
static void mapping_of(const void* p, char perms[5], int* any_wx) {
    char line[4096];
    FILE* maps = fopen("/proc/self/maps", "r");
    strcpy(perms, "????");
    *any_wx = 0;
    if (!maps) return;
    while (fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char pr[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, pr) != 3) continue;
        if (pr[1] == 'w' && pr[2] == 'x') *any_wx = 1;
        if ((uintptr_t)p >= lo && (uintptr_t)p < hi) memcpy(perms, pr, 5);
    }
    fclose(maps);
}

static void handler(ffi_cif* cif, void* ret, void** args, void* user) {
    (void)cif;
    *(ffi_arg*)ret = (ffi_arg)(*(int*)args[0] + *(int*)user);
}

static void test_refusals(void) {
    ffi_cif cif;
    ffi_type* one[] = {&ffi_type_complex_longdouble};
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_void, one), FFI_BAD_TYPEDEF);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 0, &ffi_type_complex_longdouble, NULL),
                 FFI_BAD_TYPEDEF);
#if defined(__i386__)
    ffi_type* cf[] = {&ffi_type_complex_float};
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_SYSV, 1, &ffi_type_void, cf), FFI_BAD_TYPEDEF);
    ffi_type* si[] = {&ffi_type_sint32};
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_PASCAL, 1, &ffi_type_sint32, si), FFI_BAD_ABI);
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_REGISTER, 1, &ffi_type_sint32, si), FFI_BAD_ABI);
#endif
    ffi_type* ints[] = {&ffi_type_sint32};
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint32, ints), FFI_OK);
    ffi_go_closure go;
    CHECK_STATUS(ffi_prep_go_closure(&go, &cif, handler), FFI_BAD_ABI);
    /* A closure in the caller's own memory. */
    ffi_closure* mine = (ffi_closure*)calloc(1, sizeof(ffi_closure));
    int k = 1;
    CHECK_STATUS(ffi_prep_closure_loc(mine, &cif, handler, &k, mine), FFI_BAD_ABI);
    ffi_closure_free(mine); /* not ours: ignored */
    free(mine);
    /* Another closure's code. */
    void *code_a, *code_b;
    ffi_closure* a = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code_a);
    ffi_closure* b = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code_b);
    CHECK(a && b && code_a != code_b);
    CHECK_STATUS(ffi_prep_closure_loc(a, &cif, handler, &k, code_b), FFI_BAD_ABI);
    CHECK_STATUS(ffi_prep_closure_loc(a, &cif, handler, &k, code_a), FFI_OK);
    ffi_closure_free(a);
    ffi_closure_free(b);
}

static void test_never_writable_and_executable(int scan) {
    char perms[5];
    int any_wx;
    mapping_of(NULL, perms, &any_wx);
    if (scan) CHECK(!any_wx);
    enum { N = 300 };
    ffi_closure* cl[N];
    void* code[N];
    ffi_cif cif;
    ffi_type* ints[] = {&ffi_type_sint32};
    CHECK_STATUS(ffi_prep_cif(&cif, FFI_DEFAULT_ABI, 1, &ffi_type_sint32, ints), FFI_OK);
    int k = 5, bad = 0;
    for (int i = 0; i < N; ++i) {
        cl[i] = (ffi_closure*)ffi_closure_alloc(sizeof(ffi_closure), &code[i]);
        if (!cl[i] || ffi_prep_closure_loc(cl[i], &cif, handler, &k, code[i]) != FFI_OK)
            bad++;
        else if (((int (*)(int))code[i])(i) != i + 5)
            bad++;
    }
    CHECK(bad == 0);
    if (scan) {
        mapping_of(code[0], perms, &any_wx);
        CHECK(perms[0] == 'r' && perms[1] == '-' && perms[2] == 'x');
        CHECK(!any_wx);
        mapping_of(cl[0], perms, &any_wx);
        CHECK(perms[2] != 'x'); /* the closure the caller writes is data */
    }
    for (int i = 0; i < N; ++i)
        ffi_closure_free(cl[i]);
}

int main(void) {
    test_refusals();
    /* Under valgrind (tools/sanitize valgrind) the process map holds
     * valgrind's own translation cache and heap, which are writable and
     * executable, so there the scan would fail on valgrind's mappings, not
     * on ours: CTABI_TEST_SKIP_WX=1 leaves it out. The closures are still
     * made and called. */
    const char* skip_wx = getenv("CTABI_TEST_SKIP_WX");
    if (skip_wx && strcmp(skip_wx, "1") == 0)
        printf("ffi_limits_test: the W^X scan is skipped (CTABI_TEST_SKIP_WX=1)\n");
    test_never_writable_and_executable(!(skip_wx && strcmp(skip_wx, "1") == 0));
    printf("ffi_limits_test: %u checks, %u failed\n", g_checks, g_failed);
    return g_failed == 0 ? 0 : 1;
}
