// ctabi against libffi, side by side in one run.
//
// For each signature, the same call is made six ways:
//   direct         a plain C++ call through an opaque function pointer
//   thunk          the forward thunk (canonical prototype) called directly
//   invoker        ctabi's bound invoker: inv(result, args)
//   ffi_call       libffi with a cif prepared once
//   ffi_prep_call  ffi_prep_cif (and struct ffi_type setup) on every call,
//                  then ffi_call: what ctypes does per call
// The Win64 target's libffi rivals use the FFI_WIN64 ABI.
//
// Then the cost of building code: make_thunk / make_invoker on keys never
// seen before (classify + assemble + executable memory + cache insert), the
// cached lookup of a known key, and the build split into its parts.
//
// Callbacks (reverse direction): C code in the targets library calls a
// function pointer of each signature in a loop (bench_call_* in targets.cpp),
// the pointer being
//   direct         the plain C target, which does the handlers' work
//   typed          a ctabi callback with a typed handler (a lambda)
//   generic        a ctabi callback with a generic handler (args array)
//   ffi_closure    a libffi closure (FFI_WIN64 for the Win64 case)
// and what creating and destroying one costs.
//
// Every path is checked against the direct call once at startup; a
// mismatch aborts, so a broken path cannot post a fast time. Benchmark names
// are "<case>/<path>", "build/<what>", "callback/<case>/<path>" and
// "callback/create_<what>"; bench/run reads them.
#include <benchmark/benchmark.h>
#include <ffi.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "bench_support.h"
#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"
#include "ctabi/callback.h"
#include "ctabi/invoker.h"
#include "ctabi/jit/emit.h"
#include "targets.h"

// The aggregates, for typed callbacks.
template <>
struct ctabi::c_type<ctabi_bench::S16> {
    static ctabi::abi::Type get() { return *ctabi::abi::parse_type("{i64, f64}"); }
};
template <>
struct ctabi::c_type<ctabi_bench::S40> {
    static ctabi::abi::Type get() { return *ctabi::abi::parse_type("{i64, f64, i64, f64, i64}"); }
};

namespace {

using ctabi_bench::S16;
using ctabi_bench::S40;

// opaque, hex, add_bench and the callback helpers (bench_support.h).
using namespace ctabi_bench;

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "ctabi_bench: %s\n", message.c_str());
    std::exit(2);
}

template <typename T>
T check(ctabi::Result<T> r, const std::string& what) {
    if (!r) die(what + ": " + r.error().message);
    return std::move(*r);
}

// ---------------------------------------------------------------------------
// Argument values (one set per signature, shared by every path).

int32_t a1_x = 7, a1_y = -5;

int32_t a2_a = 1;
double a2_b = 2.5;
int64_t a2_c = -3;
double a2_d = 4.25;
int32_t a2_e = -5;
double a2_f = 6.5;
int64_t a2_g = int64_t(1) << 40;
double a2_h = -8.125;

S16 a3_s{-1234567890123, 3.75};

S40 a4_s{1000000000001, 2.5, -3, 4.75, 5};

int32_t a5_a = 11;
double a5_b = 1.5;
int64_t a5_c = -(int64_t(1) << 35);
double a5_d = 0.25;

// The canonical prototypes of the forward thunks (abi::canonical_signature):
// host System V, aggregates by const pointer, an aggregate result through an
// extra first pointer.
using Canon1 = int32_t(int32_t, int32_t);
using Canon2 = double(int32_t, double, int64_t, double, int32_t, double, int64_t, double);
using Canon3 = void(S16*, const S16*);
using Canon4 = int64_t(const S40*);
using Canon5 = double(int32_t, double, int64_t, double);

// ---------------------------------------------------------------------------
// libffi descriptions.

ffi_type* s16_elements[] = {&ffi_type_sint64, &ffi_type_double, nullptr};
ffi_type* s40_elements[] = {&ffi_type_sint64, &ffi_type_double, &ffi_type_sint64,
                            &ffi_type_double, &ffi_type_sint64, nullptr};
ffi_type s16_type{0, 0, FFI_TYPE_STRUCT, s16_elements};
ffi_type s40_type{0, 0, FFI_TYPE_STRUCT, s40_elements};

// A type as the per-call path sees it: a scalar's shared ffi_type, or a
// struct's element list from which a fresh ffi_type is made on every call.
struct FfiDesc {
    ffi_type* scalar = nullptr;
    ffi_type** elements = nullptr;
};

FfiDesc scalar(ffi_type* t) {
    return {t, nullptr};
}
FfiDesc structure(ffi_type** elements) {
    return {nullptr, elements};
}

constexpr size_t kMaxArgs = 8;

struct Case {
    std::string name;     // benchmark name prefix
    std::string sig_text; // the signature text ctabi is given
    void* target = nullptr;
    ffi_abi abi = FFI_DEFAULT_ABI;
    size_t result_size = 0;
    // Pointers to the argument values.
    std::vector<void*> args;

    // libffi, prepared once.
    ffi_type* rtype = nullptr;
    std::vector<ffi_type*> atypes;
    mutable ffi_cif cif{};
    // libffi 3.4's ffi_call replaces avalue[i] of a struct argument larger
    // than 16 bytes with the address of its own (then dead) stack copy, so
    // such a case gives ffi_call a fresh copy of the pointer array each call.
    bool ffi_rewrites_args = false;
    // libffi, per call.
    FfiDesc rdesc;
    std::vector<FfiDesc> adescs;

    ctabi::Invoker invoker;
    ctabi::PackedInvoker packed;
    // The arguments by value, laid out as packed.buffer() says.
    alignas(64) unsigned char packed_args[256] = {};
    ctabi::Thunk thunk;
    // Typed calls for the startup check (the benchmarks inline their own).
    std::function<void(void*)> direct_into;
    std::function<void(void*)> thunk_into;
};

// The argument pointer array for ffi_call (see Case::ffi_rewrites_args).
inline void** ffi_args(const Case& c, std::array<void*, kMaxArgs>& scratch) {
    if (c.ffi_rewrites_args) {
        std::copy(c.args.begin(), c.args.end(), scratch.begin());
        return scratch.data();
    }
    return const_cast<void**>(c.args.data());
}

// What ctypes does on every call: describe the types to libffi, prepare a
// cif, call. Struct ffi_types are made fresh (size and alignment 0, so
// ffi_prep_cif lays them out again).
inline void ffi_prep_and_call(const Case& c, void* result) {
    std::array<ffi_type, kMaxArgs + 1> structs;
    std::array<ffi_type*, kMaxArgs> atypes;
    auto make = [](const FfiDesc& d, ffi_type& slot) {
        if (d.scalar) return d.scalar;
        slot.size = 0;
        slot.alignment = 0;
        slot.type = FFI_TYPE_STRUCT;
        slot.elements = d.elements;
        return &slot;
    };
    ffi_type* rtype = make(c.rdesc, structs[0]);
    const size_t n = c.adescs.size();
    for (size_t i = 0; i < n; ++i)
        atypes[i] = make(c.adescs[i], structs[i + 1]);
    ffi_cif cif;
    if (ffi_prep_cif(&cif, c.abi, unsigned(n), rtype, atypes.data()) != FFI_OK)
        die(c.name + ": ffi_prep_cif failed");
    std::array<void*, kMaxArgs> scratch;
    ffi_call(&cif, FFI_FN(c.target), result, ffi_args(c, scratch));
}

std::vector<Case> cases;

Case& find_case(const std::string& name) {
    for (auto& c : cases)
        if (c.name == name) return c;
    die("no case " + name);
}

void add_case(Case c) {
    if (c.args.size() > kMaxArgs || c.adescs.size() != c.args.size() ||
        c.atypes.size() != c.args.size())
        die(c.name + ": inconsistent case description");
    // Prepared where it will stay (the cif points at its case's atypes).
    cases.push_back(std::move(c));
    Case& k = cases.back();
    if (ffi_prep_cif(&k.cif, k.abi, unsigned(k.atypes.size()), k.rtype, k.atypes.data()) != FFI_OK)
        die(k.name + ": ffi_prep_cif failed");
    for (ffi_type* t : k.atypes) // laid out by ffi_prep_cif
        if (t->type == FFI_TYPE_STRUCT && t->size > 16) k.ffi_rewrites_args = true;
    k.invoker = check(ctabi::make_invoker(k.sig_text, k.target), k.name + ": make_invoker");
    k.packed =
        check(ctabi::make_packed_invoker(k.sig_text, k.target), k.name + ": make_packed_invoker");
    ctabi::abi::ArgumentBuffer buffer = k.packed.buffer();
    if (buffer.size > sizeof k.packed_args) die(k.name + ": packed arguments too large");
    for (size_t i = 0; i < k.args.size(); ++i)
        std::memcpy(k.packed_args + buffer.offsets[i], k.args[i],
                    k.packed.signature().args[i].size);
    k.thunk = check(ctabi::make_thunk(k.sig_text, k.target), k.name + ": make_thunk");
}

void setup_cases() {
    cases.reserve(8); // never reallocated: cifs and benchmarks point into it
    {
        Case c;
        c.name = "s1_i32_i32";
        c.sig_text = "i32(i32, i32)";
        c.target = reinterpret_cast<void*>(&bench_i32_i32);
        c.result_size = sizeof(int32_t);
        c.args = {&a1_x, &a1_y};
        c.rtype = &ffi_type_sint32;
        c.atypes = {&ffi_type_sint32, &ffi_type_sint32};
        c.rdesc = scalar(&ffi_type_sint32);
        c.adescs = {scalar(&ffi_type_sint32), scalar(&ffi_type_sint32)};
        c.direct_into = [](void* r) {
            int32_t v = bench_i32_i32(a1_x, a1_y);
            std::memcpy(r, &v, sizeof v);
        };
        add_case(std::move(c));
        Case& k = cases.back();
        k.thunk_into = [f = k.thunk.as<Canon1>()](void* r) {
            int32_t v = f(a1_x, a1_y);
            std::memcpy(r, &v, sizeof v);
        };
    }
    {
        Case c;
        c.name = "s2_mixed8";
        c.sig_text = "f64(i32, f64, i64, f64, i32, f64, i64, f64)";
        c.target = reinterpret_cast<void*>(&bench_mixed8);
        c.result_size = sizeof(double);
        c.args = {&a2_a, &a2_b, &a2_c, &a2_d, &a2_e, &a2_f, &a2_g, &a2_h};
        c.rtype = &ffi_type_double;
        c.atypes = {&ffi_type_sint32, &ffi_type_double, &ffi_type_sint64, &ffi_type_double,
                    &ffi_type_sint32, &ffi_type_double, &ffi_type_sint64, &ffi_type_double};
        c.rdesc = scalar(&ffi_type_double);
        for (ffi_type* t : c.atypes)
            c.adescs.push_back(scalar(t));
        c.direct_into = [](void* r) {
            double v = bench_mixed8(a2_a, a2_b, a2_c, a2_d, a2_e, a2_f, a2_g, a2_h);
            std::memcpy(r, &v, sizeof v);
        };
        add_case(std::move(c));
        Case& k = cases.back();
        k.thunk_into = [f = k.thunk.as<Canon2>()](void* r) {
            double v = f(a2_a, a2_b, a2_c, a2_d, a2_e, a2_f, a2_g, a2_h);
            std::memcpy(r, &v, sizeof v);
        };
    }
    {
        Case c;
        c.name = "s3_struct16";
        c.sig_text = "{i64, f64}({i64, f64})";
        c.target = reinterpret_cast<void*>(&bench_s16);
        c.result_size = sizeof(S16);
        c.args = {&a3_s};
        c.rtype = &s16_type;
        c.atypes = {&s16_type};
        c.rdesc = structure(s16_elements);
        c.adescs = {structure(s16_elements)};
        c.direct_into = [](void* r) {
            S16 v = bench_s16(a3_s);
            std::memcpy(r, &v, sizeof v);
        };
        add_case(std::move(c));
        Case& k = cases.back();
        k.thunk_into = [f = k.thunk.as<Canon3>()](void* r) {
            S16 v;
            f(&v, &a3_s);
            std::memcpy(r, &v, sizeof v);
        };
    }
    {
        Case c;
        c.name = "s4_struct40";
        c.sig_text = "i64({i64, f64, i64, f64, i64})";
        c.target = reinterpret_cast<void*>(&bench_s40);
        c.result_size = sizeof(int64_t);
        c.args = {&a4_s};
        c.rtype = &ffi_type_sint64;
        c.atypes = {&s40_type};
        c.rdesc = scalar(&ffi_type_sint64);
        c.adescs = {structure(s40_elements)};
        c.direct_into = [](void* r) {
            int64_t v = bench_s40(a4_s);
            std::memcpy(r, &v, sizeof v);
        };
        add_case(std::move(c));
        Case& k = cases.back();
        k.thunk_into = [f = k.thunk.as<Canon4>()](void* r) {
            int64_t v = f(&a4_s);
            std::memcpy(r, &v, sizeof v);
        };
    }
    {
        Case c;
        c.name = "s5_win64";
        c.sig_text = "win64 f64(i32, f64, i64, f64)";
        c.target = reinterpret_cast<void*>(&bench_win64);
        c.abi = FFI_WIN64;
        c.result_size = sizeof(double);
        c.args = {&a5_a, &a5_b, &a5_c, &a5_d};
        c.rtype = &ffi_type_double;
        c.atypes = {&ffi_type_sint32, &ffi_type_double, &ffi_type_sint64, &ffi_type_double};
        c.rdesc = scalar(&ffi_type_double);
        for (ffi_type* t : c.atypes)
            c.adescs.push_back(scalar(t));
        c.direct_into = [](void* r) {
            double v = bench_win64(a5_a, a5_b, a5_c, a5_d);
            std::memcpy(r, &v, sizeof v);
        };
        add_case(std::move(c));
        Case& k = cases.back();
        k.thunk_into = [f = k.thunk.as<Canon5>()](void* r) {
            double v = f(a5_a, a5_b, a5_c, a5_d);
            std::memcpy(r, &v, sizeof v);
        };
    }
}

// ---------------------------------------------------------------------------
// The startup check.

void verify_cases() {
    constexpr unsigned char kCanary = 0xa5;
    for (const Case& c : cases) {
        // Room for ffi_arg widening and a canary after the result.
        alignas(16) unsigned char expected[64], got[64];
        std::memset(expected, 0, sizeof expected);
        c.direct_into(expected);
        auto compare = [&](const char* path) {
            if (std::memcmp(expected, got, c.result_size) != 0)
                die(c.name + "/" + path + " returned " + hex(got, c.result_size) +
                    ", the direct call " + hex(expected, c.result_size));
        };
        std::memset(got, kCanary, sizeof got);
        c.thunk_into(got);
        compare("thunk");

        std::memset(got, kCanary, sizeof got);
        c.invoker(got, c.args.data());
        compare("invoker");
        for (size_t i = c.result_size; i < sizeof got; ++i)
            if (got[i] != kCanary)
                die(c.name + "/invoker wrote past the " + std::to_string(c.result_size) +
                    "-byte result (byte " + std::to_string(i) + ")");

        std::memset(got, kCanary, sizeof got);
        c.packed(got, c.packed_args);
        compare("packed invoker");

        std::memset(got, kCanary, sizeof got);
        std::array<void*, kMaxArgs> scratch;
        ffi_call(&c.cif, FFI_FN(c.target), got, ffi_args(c, scratch));
        compare("ffi_call");

        std::memset(got, kCanary, sizeof got);
        ffi_prep_and_call(c, got);
        compare("ffi_prep_call");

        benchmark::AddCustomContext("thunk_identity:" + c.name,
                                    c.thunk.is_target_itself() ? "yes" : "no");
    }
    std::fprintf(stderr, "ctabi_bench: %zu signatures x 5 paths agree with the direct call\n",
                 cases.size());
}

// ---------------------------------------------------------------------------
// Call benchmarks.

void register_call_benchmarks() {
    // Typed direct and thunk calls, one pair per signature.
    {
        const Case& c = find_case("s1_i32_i32");
        Canon1* direct = &bench_i32_i32;
        Canon1* thunk = c.thunk.as<Canon1>();
        add_bench(c.name + "/direct", [direct] {
            int32_t r = opaque(direct)(a1_x, a1_y);
            benchmark::DoNotOptimize(r);
        });
        add_bench(c.name + "/thunk", [thunk] {
            int32_t r = opaque(thunk)(a1_x, a1_y);
            benchmark::DoNotOptimize(r);
        });
    }
    {
        const Case& c = find_case("s2_mixed8");
        Canon2* direct = &bench_mixed8;
        Canon2* thunk = c.thunk.as<Canon2>();
        add_bench(c.name + "/direct", [direct] {
            double r = opaque(direct)(a2_a, a2_b, a2_c, a2_d, a2_e, a2_f, a2_g, a2_h);
            benchmark::DoNotOptimize(r);
        });
        add_bench(c.name + "/thunk", [thunk] {
            double r = opaque(thunk)(a2_a, a2_b, a2_c, a2_d, a2_e, a2_f, a2_g, a2_h);
            benchmark::DoNotOptimize(r);
        });
    }
    {
        const Case& c = find_case("s3_struct16");
        S16 (*direct)(S16) = &bench_s16;
        Canon3* thunk = c.thunk.as<Canon3>();
        add_bench(c.name + "/direct", [direct] {
            S16 r = opaque(direct)(a3_s);
            benchmark::DoNotOptimize(r);
        });
        add_bench(c.name + "/thunk", [thunk] {
            S16 r;
            opaque(thunk)(&r, &a3_s);
            benchmark::DoNotOptimize(r);
        });
    }
    {
        const Case& c = find_case("s4_struct40");
        int64_t (*direct)(S40) = &bench_s40;
        Canon4* thunk = c.thunk.as<Canon4>();
        add_bench(c.name + "/direct", [direct] {
            int64_t r = opaque(direct)(a4_s);
            benchmark::DoNotOptimize(r);
        });
        add_bench(c.name + "/thunk", [thunk] {
            int64_t r = opaque(thunk)(&a4_s);
            benchmark::DoNotOptimize(r);
        });
    }
    {
        const Case& c = find_case("s5_win64");
        auto* direct = &bench_win64; // keeps ms_abi in its type
        Canon5* thunk = c.thunk.as<Canon5>();
        add_bench(c.name + "/direct", [direct] {
            double r = opaque(direct)(a5_a, a5_b, a5_c, a5_d);
            benchmark::DoNotOptimize(r);
        });
        add_bench(c.name + "/thunk", [thunk] {
            double r = opaque(thunk)(a5_a, a5_b, a5_c, a5_d);
            benchmark::DoNotOptimize(r);
        });
    }
    // The buffer-driven paths are the same for every signature.
    for (const Case& c : cases) {
        const Case* k = &c;
        add_bench(c.name + "/invoker", [k] {
            alignas(16) unsigned char result[64];
            k->invoker(result, k->args.data());
            benchmark::DoNotOptimize(result);
            benchmark::ClobberMemory();
        });
        add_bench(c.name + "/packed_invoker", [k] {
            alignas(16) unsigned char result[64];
            k->packed(result, k->packed_args);
            benchmark::DoNotOptimize(result);
            benchmark::ClobberMemory();
        });
        add_bench(c.name + "/ffi_call", [k] {
            alignas(16) unsigned char result[64];
            std::array<void*, kMaxArgs> scratch;
            ffi_call(&k->cif, FFI_FN(opaque(k->target)), result, ffi_args(*k, scratch));
            benchmark::DoNotOptimize(result);
            benchmark::ClobberMemory();
        });
        add_bench(c.name + "/ffi_prep_call", [k] {
            alignas(16) unsigned char result[64];
            ffi_prep_and_call(*k, result);
            benchmark::DoNotOptimize(result);
            benchmark::ClobberMemory();
        });
    }
}

// ---------------------------------------------------------------------------
// Build benchmarks.

// Iterations of the first-build benchmarks: every iteration adds an entry to
// the process-wide cache (it is never evicted), so their count is fixed.
constexpr benchmark::IterationCount kFreshIterations = 2000;

ctabi::abi::Signature parse(const std::string& text) {
    return check(ctabi::abi::parse_signature(text), "parse_signature(" + text + ")");
}

const std::string kWin64Text = "win64 f64(i32, f64, i64, f64)";

// A distinct Win64 signature of eight arguments for every n: the arguments'
// types are n's base-4 digits, and beyond 4^8 the (never called) target
// address differs too, so every key is new but the work per key is alike.
struct FreshKey {
    ctabi::abi::Signature sig;
    const void* target;
};

FreshKey fresh_key(uint64_t n) {
    static const char* const kinds[] = {"i32", "f64", "i64", "f32"};
    std::string text = "win64 f64(";
    uint64_t digits = n;
    for (int i = 0; i < 8; ++i, digits /= 4) {
        if (i) text += ", ";
        text += kinds[digits % 4];
    }
    text += ")";
    return {parse(text), reinterpret_cast<const void*>(uintptr_t(0x7e0000000000) + 16 * (n >> 16))};
}

// Keys are prepared before the timed loop.
std::vector<FreshKey> fresh_keys(benchmark::State& state, uint64_t& counter) {
    std::vector<FreshKey> keys;
    keys.reserve(size_t(state.max_iterations));
    for (benchmark::IterationCount i = 0; i < state.max_iterations; ++i)
        keys.push_back(fresh_key(counter++));
    return keys;
}

const void* fresh_target(uint64_t& counter) {
    return reinterpret_cast<const void*>(uintptr_t(0x7f0000000000) + 16 * counter++);
}

void register_build_benchmarks() {
    // First builds: keys never seen before.
    benchmark::RegisterBenchmark("build/thunk_first_fresh_sig", [](benchmark::State& state) {
        static uint64_t counter = 0;
        auto keys = fresh_keys(state, counter);
        size_t i = 0;
        for (auto _ : state) {
            auto t = ctabi::make_thunk(keys[i].sig, keys[i].target);
            if (!t) die("make_thunk: " + t.error().message);
            benchmark::DoNotOptimize(t->address());
            ++i;
        }
    })->Iterations(kFreshIterations);
    benchmark::RegisterBenchmark("build/thunk_first_fresh_target", [](benchmark::State& state) {
        static uint64_t counter = 0;
        const auto sig = parse(kWin64Text);
        for (auto _ : state) {
            auto t = ctabi::make_thunk(sig, fresh_target(counter));
            if (!t) die("make_thunk: " + t.error().message);
            benchmark::DoNotOptimize(t->address());
        }
    })->Iterations(kFreshIterations);
    benchmark::RegisterBenchmark("build/invoker_first_fresh_sig", [](benchmark::State& state) {
        static uint64_t counter = 0;
        auto keys = fresh_keys(state, counter);
        size_t i = 0;
        for (auto _ : state) {
            auto inv = ctabi::make_invoker(keys[i].sig, keys[i].target);
            if (!inv) die("make_invoker: " + inv.error().message);
            benchmark::DoNotOptimize(inv->bound_entry());
            ++i;
        }
    })->Iterations(kFreshIterations);

    // Cached lookups: the same key again and again.
    benchmark::RegisterBenchmark("build/thunk_cached", [](benchmark::State& state) {
        const auto sig = parse(kWin64Text);
        for (auto _ : state) {
            auto t = ctabi::make_thunk(sig, reinterpret_cast<const void*>(&bench_win64));
            benchmark::DoNotOptimize(t->address());
        }
    });
    benchmark::RegisterBenchmark("build/invoker_cached", [](benchmark::State& state) {
        const auto sig = parse(kWin64Text);
        for (auto _ : state) {
            auto inv = ctabi::make_invoker(sig, reinterpret_cast<const void*>(&bench_win64));
            benchmark::DoNotOptimize(inv->bound_entry());
        }
    });
    benchmark::RegisterBenchmark("build/thunk_cached_struct40", [](benchmark::State& state) {
        const auto sig = parse(find_case("s4_struct40").sig_text);
        for (auto _ : state) {
            auto t = ctabi::make_thunk(sig, reinterpret_cast<const void*>(&bench_s40));
            benchmark::DoNotOptimize(t->address());
        }
    });
    benchmark::RegisterBenchmark("build/thunk_cached_text", [](benchmark::State& state) {
        for (auto _ : state) {
            auto t = ctabi::make_thunk(kWin64Text, reinterpret_cast<const void*>(&bench_win64));
            benchmark::DoNotOptimize(t->address());
        }
    });

    // Where a first build goes: its parts, uncached.
    benchmark::RegisterBenchmark("build/part_parse", [](benchmark::State& state) {
        for (auto _ : state) {
            auto sig = ctabi::abi::parse_signature(kWin64Text);
            benchmark::DoNotOptimize(sig->args.data());
        }
    });
    benchmark::RegisterBenchmark("build/part_classify", [](benchmark::State& state) {
        const auto sig = parse(kWin64Text);
        for (auto _ : state) {
            auto layout = ctabi::abi::classify(sig);
            benchmark::DoNotOptimize(layout->args.data());
        }
    });
    benchmark::RegisterBenchmark("build/part_signature_copy", [](benchmark::State& state) {
        // A cache key holds its own copy of the signature.
        const auto sig = parse(kWin64Text);
        for (auto _ : state) {
            ctabi::abi::Signature copy = sig;
            benchmark::DoNotOptimize(copy.args.data());
        }
    });
    benchmark::RegisterBenchmark("build/part_emit_thunk", [](benchmark::State& state) {
        // Assembly and executable memory (allocated, then freed each time).
        const auto sig = parse(kWin64Text);
        const auto layout = check(ctabi::abi::classify(sig), "classify");
        const auto canonical =
            check(ctabi::abi::classify(ctabi::abi::canonical_signature(sig)), "classify");
        for (auto _ : state) {
            auto code = ctabi::jit::emit_forward_thunk(sig, layout, canonical,
                                                       reinterpret_cast<const void*>(&bench_win64));
            if (!code) die("emit_forward_thunk: " + code.error().message);
            benchmark::DoNotOptimize(code->entry);
        }
    });
}

// ---------------------------------------------------------------------------
// Callbacks.

// Calls per benchmark iteration (one bench_call_* loop); bench/run divides.
constexpr int64_t kCallsPerIteration = 32;

using ctabi_bench::work_i32_i32;
using ctabi_bench::work_mixed8;
using ctabi_bench::work_s16;
using ctabi_bench::work_s40;
using ctabi_bench::work_win64;

// Each signature's work on an argument pointer array: what ctabi's generic
// handlers and libffi's closure functions both receive.
struct Work1 {
    using R = int32_t;
    static R run(void* const* a) {
        return work_i32_i32(arg_at<int32_t>(a, 0), arg_at<int32_t>(a, 1));
    }
};
struct Work2 {
    using R = double;
    static R run(void* const* a) {
        return work_mixed8(arg_at<int32_t>(a, 0), arg_at<double>(a, 1), arg_at<int64_t>(a, 2),
                           arg_at<double>(a, 3), arg_at<int32_t>(a, 4), arg_at<double>(a, 5),
                           arg_at<int64_t>(a, 6), arg_at<double>(a, 7));
    }
};
struct Work3 {
    using R = S16;
    static R run(void* const* a) { return work_s16(arg_at<S16>(a, 0)); }
};
struct Work4 {
    using R = int64_t;
    static R run(void* const* a) { return work_s40(arg_at<S40>(a, 0)); }
};
struct Work5 {
    using R = double;
    static R run(void* const* a) {
        return work_win64(arg_at<int32_t>(a, 0), arg_at<double>(a, 1), arg_at<int64_t>(a, 2),
                          arg_at<double>(a, 3));
    }
};

struct CallbackCase {
    const Case* base = nullptr;
    ctabi::Callback typed;
    ctabi::Callback generic;
    ffi_closure* closure = nullptr; // never freed: lives as long as the process
    void* closure_code = nullptr;
    // The function pointers, in kCallbackPaths order.
    std::array<void*, kCallbackPathCount> fns{};
    // The C caller: `n` calls of `fn`, the summed result written to `result`.
    std::function<void(void* fn, int64_t n, void* result)> run;
    // The benchmark bodies, in kCallbackPaths order.
    std::array<std::function<void(benchmark::State&)>, kCallbackPathCount> bodies;
};

std::vector<CallbackCase> callback_cases;

// F: the C function type (for make_callback); P: the callback pointer type
// the C caller takes (ms_abi in it for Win64); W: the work on an args array;
// `typed`: the typed handler; `caller(P, n)`: calls a bench_call_* loop.
template <typename F, typename P, typename W, typename Typed, typename Caller>
void add_callback_case(const std::string& name, ctabi::abi::CallConv conv, P direct, Typed typed,
                       Caller caller) {
    CallbackCase cc;
    cc.base = &find_case(name);
    const Case& c = *cc.base;
    cc.typed = check(ctabi::make_callback<F>(typed, conv), name + ": make_callback (typed)");
    cc.generic = check(ctabi::make_callback(c.sig_text, &generic_handler<W>, nullptr),
                       name + ": make_callback (generic)");
    cc.closure =
        static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &cc.closure_code));
    if (!cc.closure) die(name + ": ffi_closure_alloc failed");
    // The case's cif (prepared once in add_case, with its ABI).
    if (ffi_prep_closure_loc(cc.closure, &c.cif, &closure_fun<W>, nullptr, cc.closure_code) !=
        FFI_OK)
        die(name + ": ffi_prep_closure_loc failed");
    cc.fns = {reinterpret_cast<void*>(direct), cc.typed.address(), cc.generic.address(),
              cc.closure_code};
    cc.run = [caller](void* fn, int64_t n, void* result) {
        auto r = caller(reinterpret_cast<P>(fn), n);
        std::memcpy(result, static_cast<const void*>(&r), sizeof r);
    };
    for (size_t p = 0; p < kCallbackPathCount; ++p) {
        P fn = reinterpret_cast<P>(cc.fns[p]);
        cc.bodies[p] = [fn, caller](benchmark::State& state) {
            for (auto _ : state) {
                auto r = caller(opaque(fn), kCallsPerIteration);
                benchmark::DoNotOptimize(r);
            }
            state.counters["per_call"] =
                benchmark::Counter(double(state.iterations() * kCallsPerIteration),
                                   benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
        };
    }
    callback_cases.push_back(std::move(cc));
}

void setup_callbacks() {
    using ctabi::abi::CallConv;
    const CallConv host = ctabi::abi::host_conv();
    add_callback_case<int32_t(int32_t, int32_t), bench_cb_i32_i32, Work1>(
        "s1_i32_i32", host, &bench_i32_i32, [](int32_t a, int32_t b) { return work_i32_i32(a, b); },
        [](bench_cb_i32_i32 f, int64_t n) { return bench_call_i32_i32(f, n, a1_x, a1_y); });
    add_callback_case<double(int32_t, double, int64_t, double, int32_t, double, int64_t, double),
                      bench_cb_mixed8, Work2>(
        "s2_mixed8", host, &bench_mixed8,
        [](int32_t a, double b, int64_t c, double d, int32_t e, double f, int64_t g, double h) {
            return work_mixed8(a, b, c, d, e, f, g, h);
        },
        [](bench_cb_mixed8 f, int64_t n) {
            return bench_call_mixed8(f, n, a2_a, a2_b, a2_c, a2_d, a2_e, a2_f, a2_g, a2_h);
        });
    add_callback_case<S16(S16), bench_cb_s16, Work3>(
        "s3_struct16", host, &bench_s16, [](S16 s) { return work_s16(s); },
        [](bench_cb_s16 f, int64_t n) { return bench_call_s16(f, n, a3_s); });
    add_callback_case<int64_t(S40), bench_cb_s40, Work4>(
        "s4_struct40", host, &bench_s40, [](S40 s) { return work_s40(s); },
        [](bench_cb_s40 f, int64_t n) { return bench_call_s40(f, n, &a4_s); });
    add_callback_case<double(int32_t, double, int64_t, double), bench_cb_win64, Work5>(
        "s5_win64", CallConv::win64, &bench_win64,
        [](int32_t a, double b, int64_t c, double d) { return work_win64(a, b, c, d); },
        [](bench_cb_win64 f, int64_t n) { return bench_call_win64(f, n, a5_a, a5_b, a5_c, a5_d); });
}

// Every path, called once and five times from C, returns what the direct
// target does (called once: what the direct call of the case returns).
void verify_callbacks() {
    for (const CallbackCase& cc : callback_cases) {
        const Case& c = *cc.base;
        alignas(16) unsigned char expected[64], got[64];
        for (int64_t n : {1, 5}) {
            std::memset(expected, 0, sizeof expected);
            if (n == 1)
                c.direct_into(expected);
            else
                cc.run(cc.fns[0], n, expected);
            for (size_t p = 0; p < kCallbackPathCount; ++p) {
                std::memset(got, 0xa5, sizeof got);
                cc.run(cc.fns[p], n, got);
                if (std::memcmp(expected, got, c.result_size) != 0)
                    die("callback/" + c.name + "/" + kCallbackPaths[p] + " called " +
                        std::to_string(n) + "x returned " + hex(got, c.result_size) +
                        ", expected " + hex(expected, c.result_size));
            }
        }
    }
    benchmark::AddCustomContext("callback_calls_per_iteration", std::to_string(kCallsPerIteration));
    std::fprintf(stderr, "ctabi_bench: %zu callback signatures x %zu paths agree\n",
                 callback_cases.size(), kCallbackPathCount);
}

void register_callback_benchmarks() {
    for (const CallbackCase& cc : callback_cases)
        for (size_t p = 0; p < kCallbackPathCount; ++p)
            benchmark::RegisterBenchmark(
                ("callback/" + cc.base->name + "/" + kCallbackPaths[p]).c_str(), cc.bodies[p]);

    // Creation + destruction, signature 5 (win64). ctabi: the body comes from
    // the code cache (built at setup), so this is a stub, a slot and the
    // handler's state. libffi: ffi_closure_alloc + ffi_prep_closure_loc +
    // ffi_closure_free with the cif prepared once outside the loop; and, for
    // information, with ffi_prep_cif on every iteration too.
    using Sig5 = double(int32_t, double, int64_t, double);
    benchmark::RegisterBenchmark("callback/create_typed", [](benchmark::State& state) {
        for (auto _ : state) {
            auto cb = ctabi::make_callback<Sig5>(
                [](int32_t a, double b, int64_t c, double d) { return work_win64(a, b, c, d); },
                ctabi::abi::CallConv::win64);
            if (!cb) die("make_callback: " + cb.error().message);
            benchmark::DoNotOptimize(cb->address());
        }
    });
    benchmark::RegisterBenchmark("callback/create_generic", [](benchmark::State& state) {
        const auto sig = parse(kWin64Text);
        for (auto _ : state) {
            auto cb = ctabi::make_callback(sig, &generic_handler<Work5>, nullptr);
            if (!cb) die("make_callback: " + cb.error().message);
            benchmark::DoNotOptimize(cb->address());
        }
    });
    benchmark::RegisterBenchmark("callback/create_generic_text", [](benchmark::State& state) {
        for (auto _ : state) {
            auto cb = ctabi::make_callback(kWin64Text, &generic_handler<Work5>, nullptr);
            if (!cb) die("make_callback: " + cb.error().message);
            benchmark::DoNotOptimize(cb->address());
        }
    });
    benchmark::RegisterBenchmark("callback/create_ffi_closure", [](benchmark::State& state) {
        ffi_cif* cif = &find_case("s5_win64").cif;
        for (auto _ : state) {
            void* code = nullptr;
            auto* closure =
                static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &code));
            if (!closure) die("ffi_closure_alloc failed");
            if (ffi_prep_closure_loc(closure, cif, &closure_fun<Work5>, nullptr, code) != FFI_OK)
                die("ffi_prep_closure_loc failed");
            benchmark::DoNotOptimize(code);
            ffi_closure_free(closure);
        }
    });
    benchmark::RegisterBenchmark(
        "callback/create_ffi_closure_prep_cif", [](benchmark::State& state) {
            const Case& c = find_case("s5_win64");
            for (auto _ : state) {
                ffi_cif cif;
                if (ffi_prep_cif(&cif, c.abi, unsigned(c.atypes.size()), c.rtype,
                                 const_cast<ffi_type**>(c.atypes.data())) != FFI_OK)
                    die("ffi_prep_cif failed");
                void* code = nullptr;
                auto* closure =
                    static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &code));
                if (!closure) die("ffi_closure_alloc failed");
                if (ffi_prep_closure_loc(closure, &cif, &closure_fun<Work5>, nullptr, code) !=
                    FFI_OK)
                    die("ffi_prep_closure_loc failed");
                benchmark::DoNotOptimize(code);
                ffi_closure_free(closure);
            }
        });
}
} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    setup_cases();
    verify_cases();
    setup_callbacks();
    verify_callbacks();
    register_call_benchmarks();
    register_build_benchmarks();
    register_callback_benchmarks();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
