/* The C side of the Python benchmark (bench/python/run compiles it into
 * libctabi_pybench_targets.so in the build folder): a 6-argument int/double
 * function, and drivers that call a function pointer in a loop (callbacks
 * from C). Kept trivial so the figures are the call paths', not the work's. */

typedef double (*pybench_cb)(int, double);

double f6(int a, double b, int c, double d, long e, double f) {
    return a + b + c + d + (double)e + f;
}

/* Calls cb(i, 0.5) for i in [0, n) and returns the sum of the results. */
double run_callback(pybench_cb cb, int n) {
    double sum = 0.0;
    for (int i = 0; i < n; ++i)
        sum += cb(i, 0.5);
    return sum;
}
