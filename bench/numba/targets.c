/* C functions the numba benchmark calls (bench/numba/run), compiled into a
 * shared library of their own so that nothing inlines them. */
typedef struct {
    double x, y;
} Vec2;

/* The cheap function: a few instructions, so the call itself dominates. */
double cheap(double x) {
    return x * 1.5 + 1.0;
}

/* A structure by value (SysV: two SSE eightbytes each): numba's own ctypes
 * support cannot call it. */
double vec2_dot(Vec2 a, Vec2 b) {
    return a.x * b.x + a.y * b.y;
}

/* The same through pointers: what a numba user writes by hand today. */
double vec2_dot_ptr(const Vec2* a, const Vec2* b) {
    return a->x * b->x + a->y * b->y;
}

/* The cheap function in the Windows x64 convention (ms_abi), from a Linux
 * library: only ctabi calls it from numba. */
__attribute__((ms_abi)) double cheap_ms(double x) {
    return x * 1.5 + 1.0;
}
