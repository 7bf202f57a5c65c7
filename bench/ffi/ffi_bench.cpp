// ffi_bench: the libffi API on ctabi's libffi.so.8 against the system
// libffi, side by side in one process. Both libraries are dlopen'ed with
// RTLD_LOCAL (they define the same symbols) and driven through the same
// code: ffi_call with a prepared cif, ffi_prep_cif + ffi_call on every call
// (what ctypes does), and a closure called from C. Rounds alternate between
// the two libraries; each figure is the best round. Prints a markdown table
// of ns per call and the speed-up (system / ctabi).
//
//   ffi_bench <system libffi.so.8> <ctabi's libffi.so.8> [rounds]
#include <ffi.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../targets.h"

namespace {

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "ffi_bench: %s\n", what.c_str());
    std::exit(1);
}

// One libffi, reached through dlsym.
struct Lib {
    std::string name;
    void* handle = nullptr;
    decltype(&ffi_prep_cif) prep_cif = nullptr;
    decltype(&ffi_call) call = nullptr;
    decltype(&ffi_closure_alloc) closure_alloc = nullptr;
    decltype(&ffi_closure_free) closure_free = nullptr;
    decltype(&ffi_prep_closure_loc) prep_closure_loc = nullptr;
    ffi_type* sint32 = nullptr;
    ffi_type* sint64 = nullptr;
    ffi_type* dbl = nullptr;

    template <typename F>
    void get(F& f, const char* symbol) {
        f = reinterpret_cast<F>(dlsym(handle, symbol));
        if (!f) die(name + ": no " + symbol);
    }

    Lib(std::string n, const char* path) : name(std::move(n)) {
        handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!handle) die(name + ": " + dlerror());
        get(prep_cif, "ffi_prep_cif");
        get(call, "ffi_call");
        get(closure_alloc, "ffi_closure_alloc");
        get(closure_free, "ffi_closure_free");
        get(prep_closure_loc, "ffi_prep_closure_loc");
        get(sint32, "ffi_type_sint32");
        get(sint64, "ffi_type_sint64");
        get(dbl, "ffi_type_double");
    }
};

// A signature as libffi sees it, made of one library's type objects.
struct Sig {
    ffi_abi abi = FFI_DEFAULT_ABI;
    ffi_type* rtype = nullptr;
    std::vector<ffi_type*> atypes;
    ffi_type s16{0, 0, FFI_TYPE_STRUCT, nullptr};
    ffi_type s40{0, 0, FFI_TYPE_STRUCT, nullptr};
    ffi_type* s16_elements[3] = {};
    ffi_type* s40_elements[6] = {};
};

struct Case {
    const char* name;
    void (*fn)(void);
    void (*make)(const Lib&, Sig&);
    std::vector<void*> args;
};

int32_t i32a = 7, i32b = 9, i32e = 5;
double db = 1.5, dd = 2.5, df = 3.5, dh = 4.5;
int64_t i64c = 11, i64g = 13;
ctabi_bench::S16 s16{3, 4.5};
ctabi_bench::S40 s40{1, 2, 3, 4, 5};

void make_i32(const Lib& l, Sig& s) {
    s.rtype = l.sint32;
    s.atypes = {l.sint32, l.sint32};
}
void make_mixed8(const Lib& l, Sig& s) {
    s.rtype = l.dbl;
    s.atypes = {l.sint32, l.dbl, l.sint64, l.dbl, l.sint32, l.dbl, l.sint64, l.dbl};
}
void make_s16(const Lib& l, Sig& s) {
    s.s16_elements[0] = l.sint64;
    s.s16_elements[1] = l.dbl;
    s.s16.size = 0; // laid out by ffi_prep_cif, as its users do
    s.s16.elements = s.s16_elements;
    s.rtype = &s.s16;
    s.atypes = {&s.s16};
}
void make_s40(const Lib& l, Sig& s) {
    ffi_type* e[] = {l.sint64, l.dbl, l.sint64, l.dbl, l.sint64};
    std::copy(e, e + 5, s.s40_elements);
    s.s40.size = 0;
    s.s40.elements = s.s40_elements;
    s.rtype = l.sint64;
    s.atypes = {&s.s40};
}
void make_win64(const Lib& l, Sig& s) {
    s.abi = FFI_WIN64;
    s.rtype = l.dbl;
    s.atypes = {l.sint32, l.dbl, l.sint64, l.dbl};
}

using Clock = std::chrono::steady_clock;

double ns_per_call(Clock::time_point t0, Clock::time_point t1, long n) {
    return std::chrono::duration<double, std::nano>(t1 - t0).count() / double(n);
}

double time_prepared(const Lib& l, const Case& c, long n) {
    Sig s;
    c.make(l, s);
    ffi_cif cif;
    if (l.prep_cif(&cif, s.abi, unsigned(s.atypes.size()), s.rtype, s.atypes.data()) != FFI_OK)
        die(l.name + ": " + c.name + ": ffi_prep_cif failed");
    alignas(16) unsigned char result[64];
    auto args = c.args;
    const auto t0 = Clock::now();
    for (long i = 0; i < n; ++i)
        l.call(&cif, c.fn, result, args.data());
    return ns_per_call(t0, Clock::now(), n);
}

double time_prep_and_call(const Lib& l, const Case& c, long n) {
    Sig s;
    c.make(l, s);
    alignas(16) unsigned char result[64];
    auto args = c.args;
    const auto t0 = Clock::now();
    for (long i = 0; i < n; ++i) {
        ffi_cif cif;
        if (l.prep_cif(&cif, s.abi, unsigned(s.atypes.size()), s.rtype, s.atypes.data()) != FFI_OK)
            die(l.name + ": ffi_prep_cif failed");
        l.call(&cif, c.fn, result, args.data());
    }
    return ns_per_call(t0, Clock::now(), n);
}

void closure_i32(ffi_cif*, void* ret, void** args, void*) {
    *static_cast<ffi_arg*>(ret) = ffi_arg(ctabi_bench::work_i32_i32(
        *static_cast<int32_t*>(args[0]), *static_cast<int32_t*>(args[1])));
}

double time_closure(const Lib& l, long n) {
    Sig s;
    make_i32(l, s);
    ffi_cif cif;
    if (l.prep_cif(&cif, s.abi, 2, s.rtype, s.atypes.data()) != FFI_OK) die("prep failed");
    void* code = nullptr;
    auto* cl = static_cast<ffi_closure*>(l.closure_alloc(sizeof(ffi_closure), &code));
    if (!cl || l.prep_closure_loc(cl, &cif, closure_i32, nullptr, code) != FFI_OK)
        die(l.name + ": closure failed");
    const auto t0 = Clock::now();
    int32_t r = bench_call_i32_i32(reinterpret_cast<bench_cb_i32_i32>(code), n, 3, 4);
    const auto t1 = Clock::now();
    if (r == 12345678) std::puts(""); // keep r
    l.closure_free(cl);
    return ns_per_call(t0, t1, n);
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) die("usage: ffi_bench <system libffi.so.8> <ctabi's libffi.so.8> [rounds]");
    const int rounds = argc > 3 ? std::atoi(argv[3]) : 7;
    Lib libs[2] = {Lib("system", argv[1]), Lib("ctabi", argv[2])};
    std::vector<Case> cases = {
        {"i32(i32, i32)", FFI_FN(bench_i32_i32), make_i32, {&i32a, &i32b}},
        {"f64(i32, f64, i64, f64, i32, f64, i64, f64)",
         FFI_FN(bench_mixed8),
         make_mixed8,
         {&i32a, &db, &i64c, &dd, &i32e, &df, &i64g, &dh}},
        {"S16(S16) (two eightbytes)", FFI_FN(bench_s16), make_s16, {&s16}},
        {"i64(S40) (memory)", FFI_FN(bench_s40), make_s40, {&s40}},
        {"win64 f64(i32, f64, i64, f64)",
         FFI_FN(bench_win64),
         make_win64,
         {&i32a, &db, &i64c, &dd}},
    };
    const long n = 200000;
    struct Row {
        std::string what;
        double best[2] = {1e30, 1e30};
    };
    std::vector<Row> rows;
    for (const Case& c : cases) {
        rows.push_back({std::string("ffi_call, prepared cif: ") + c.name});
        rows.push_back({std::string("ffi_prep_cif + ffi_call: ") + c.name});
    }
    rows.push_back({"closure i32(i32, i32) called from C"});
    for (int r = 0; r < rounds; ++r) {
        for (int which = 0; which < 2; ++which) {
            const int k = (r % 2) ? 1 - which : which; // alternate who goes first
            size_t row = 0;
            for (const Case& c : cases) {
                rows[row].best[k] = std::min(rows[row].best[k], time_prepared(libs[k], c, n));
                ++row;
                rows[row].best[k] = std::min(rows[row].best[k], time_prep_and_call(libs[k], c, n));
                ++row;
            }
            rows[row].best[k] = std::min(rows[row].best[k], time_closure(libs[k], n));
        }
    }
    std::printf("ffi_bench: %ld calls per round, best of %d rounds, alternating\n\n", n, rounds);
    std::printf(
        "| | system libffi (ns) | ctabi libffi.so.8 (ns) | speed-up |\n|---|---:|---:|---:|\n");
    for (const Row& row : rows)
        std::printf("| %s | %.1f | %.1f | %.2fx |\n", row.what.c_str(), row.best[0], row.best[1],
                    row.best[0] / row.best[1]);
    return 0;
}
