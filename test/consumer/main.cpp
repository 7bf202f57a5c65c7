// Calls a Win64 function and a System V one through the installed ctabi.
#include <ctabi/ctabi.h>

#include <cstdio>

extern "C" __attribute__((ms_abi)) double scale(int n, double x) {
    return n * x;
}

int main() {
    auto f = ctabi::bind<double(int, double)>(reinterpret_cast<const void*>(&scale),
                                              ctabi::abi::CallConv::win64);
    if (!f) {
        std::fprintf(stderr, "bind failed: %s\n", f.error().message.c_str());
        return 1;
    }
    double r = (*f)(4, 2.5);
    std::printf("scale(4, 2.5) through ctabi = %g\n", r);
    return r == 10.0 ? 0 : 1;
}
