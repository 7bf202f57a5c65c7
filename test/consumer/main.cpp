// Calls a Win64 function and passes a Win64 callback through the installed
// ctabi (the README's examples, built against the package).
#include <ctabi/ctabi.h>

#include <cstdio>

extern "C" __attribute__((ms_abi)) double scale(int n, double x) {
    return n * x;
}

namespace {

void handler(void*, void* result, void* const* args) {
    int n = *static_cast<int*>(args[0]);
    const auto* xy = static_cast<const double*>(args[1]);
    *static_cast<double*>(result) = n * xy[0] * xy[1];
}

struct XY {
    double x, y;
};

} // namespace

int main() {
    auto f = ctabi::bind<double(int, double)>(reinterpret_cast<const void*>(&scale),
                                              ctabi::abi::CallConv::win64);
    if (!f) {
        std::fprintf(stderr, "bind failed: %s\n", f.error().message.c_str());
        return 1;
    }
    double r = (*f)(4, 2.5);
    std::printf("scale(4, 2.5) through ctabi = %g\n", r);

    auto cb = ctabi::make_callback<double(int, double)>([](int n, double x) { return n * x; },
                                                        ctabi::abi::CallConv::win64);
    auto g = ctabi::make_callback("win64 f64(i32, {f64, f64})", &handler, nullptr);
    if (!cb || !g) {
        std::fprintf(stderr, "make_callback failed\n");
        return 1;
    }
    using WinFn = double(__attribute__((ms_abi))*)(int, double);
    using WinXY = double(__attribute__((ms_abi))*)(int, XY);
    double c = reinterpret_cast<WinFn>(cb->address())(4, 2.5);
    double d = reinterpret_cast<WinXY>(g->address())(2, XY{3, 4});
    std::printf("callbacks through ctabi = %g, %g\n", c, d);
    return r == 10.0 && c == 10.0 && d == 24.0 ? 0 : 1;
}
