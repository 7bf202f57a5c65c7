// ctabi against libffi on i386, side by side in one run: the ctabi_bench of
// the i386 build (build-i386/, cmake/toolchain-i386.cmake). The x86-64
// build's ctabi_bench is ctabi_bench.cpp; bench/run runs both.
//
// For each case (a signature under one i386 convention) the same call is
// made five ways:
//   direct          a plain C++ call through an opaque function pointer of
//                   the target's convention (GCC's stdcall, fastcall, ...)
//   thunk           the forward thunk (canonical cdecl prototype)
//   invoker         ctabi's bound invoker: inv(result, args)
//   packed_invoker  ctabi's packed invoker: inv(result, buffer)
//   ffi_call        libffi with a cif prepared once, with the convention's
//                   libffi ABI (FFI_SYSV, FFI_STDCALL, FFI_FASTCALL,
//                   FFI_THISCALL, FFI_MS_CDECL)
// Callbacks, for cdecl and stdcall: C code in the targets library calls a
// function pointer in a loop, the pointer being the plain C target (direct),
// a ctabi callback with a typed handler (typed) or a generic one (generic),
// or a libffi closure on the case's cif (ffi_closure).
//
// Every path is checked against the direct call once at startup. A path
// that disagrees (or cannot be built) is not benchmarked: it is reported on
// stderr and in the JSON context as "broken:<case>/<path>" with the reason,
// so a wrong path never posts a time and the rest still runs. Benchmark
// names are "<case>/<path>" and "callback/<case>/<path>"; bench/run reads
// them.
#include <benchmark/benchmark.h>
#include <ffi.h>

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
#include "ctabi/abi/parse.h"
#include "ctabi/callback.h"
#include "ctabi/invoker.h"
#include "targets_i386.h"

using ctabi_bench::Obj;
using ctabi_bench::S16;
using ctabi_bench::T12;

// The aggregates, for typed callbacks and bind: in the i386 data model.
template <>
struct ctabi::c_type<S16> {
    static ctabi::abi::Type get() {
        return *ctabi::abi::parse_type(
            "{i32, i32, f64}",
            ctabi::abi::data_model(ctabi::abi::host_conv(), ctabi::abi::host_platform()));
    }
};

namespace {

// opaque, hex, add_bench and the callback helpers (bench_support.h).
using namespace ctabi_bench;

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "ctabi_bench (i386): %s\n", message.c_str());
    std::exit(2);
}

int broken_paths = 0;
void broken(const std::string& path, const std::string& why) {
    ++broken_paths;
    std::fprintf(stderr, "ctabi_bench (i386): %s is broken, not benchmarked: %s\n", path.c_str(),
                 why.c_str());
    benchmark::AddCustomContext("broken:" + path, why);
}

// ---------------------------------------------------------------------------
// Argument values, shared by every case and path.

int32_t v_a = 7, v_b = -5;
int32_t m_a = 1;
double m_b = 2.5;
int64_t m_c = -3;
double m_d = 4.25;
int32_t m_e = -5;
double m_f = 6.5;
int64_t m_g = int64_t(1) << 40;
double m_h = -8.125;
S16 v_s{11, -12, 3.75};
Obj v_obj{9};
Obj* v_this = &v_obj;

std::vector<void*> args_i32() {
    return {&v_a, &v_b};
}
std::vector<void*> args_mixed8() {
    return {&m_a, &m_b, &m_c, &m_d, &m_e, &m_f, &m_g, &m_h};
}

// libffi descriptions.
ffi_type* s16_elements[] = {&ffi_type_sint32, &ffi_type_sint32, &ffi_type_double, nullptr};
ffi_type* t12_elements[] = {&ffi_type_sint32, &ffi_type_sint32, &ffi_type_sint32, nullptr};
ffi_type s16_type{0, 0, FFI_TYPE_STRUCT, s16_elements};
ffi_type t12_type{0, 0, FFI_TYPE_STRUCT, t12_elements};
std::vector<ffi_type*> ffi_i32() {
    return {&ffi_type_sint32, &ffi_type_sint32};
}
std::vector<ffi_type*> ffi_mixed8() {
    return {&ffi_type_sint32, &ffi_type_double, &ffi_type_sint64, &ffi_type_double,
            &ffi_type_sint32, &ffi_type_double, &ffi_type_sint64, &ffi_type_double};
}

// ---------------------------------------------------------------------------
// Call cases.

struct Case {
    std::string name, sig_text;
    void* target = nullptr;
    ffi_abi abi = FFI_SYSV;
    size_t result_size = 0;
    std::vector<void*> args;
    ffi_type* rtype = nullptr;
    std::vector<ffi_type*> atypes;
    ffi_cif cif{};
    ctabi::Invoker invoker;
    ctabi::PackedInvoker packed;
    ctabi::Thunk thunk;
    alignas(16) unsigned char packed_args[128]{};
    std::function<void(void*)> direct_into;
};

std::vector<Case> cases;

const Case& find_case(const std::string& name) {
    for (const Case& c : cases)
        if (c.name == name) return c;
    die("no case " + name);
}

// Builds the case's ctabi code and cif, checks every path against the direct
// call and registers the benchmarks of those that agree. `Canon` is the
// thunk's canonical prototype; `call_direct(direct)` and `call_thunk(thunk)`
// make the typed calls (inlined into the benchmark bodies).
template <typename Canon, typename D, typename CallD, typename CallT>
void add_case(Case c, D direct, CallD call_direct, CallT call_thunk) {
    cases.reserve(32); // never reallocated: benchmarks point into it
    if (cases.size() == cases.capacity()) die("too many cases");
    c.target = reinterpret_cast<void*>(direct);
    c.direct_into = [direct, call_direct](void* r) {
        auto v = call_direct(direct);
        std::memcpy(r, static_cast<const void*>(&v), sizeof v);
    };
    cases.push_back(std::move(c));
    Case& k = cases.back();
    if (ffi_prep_cif(&k.cif, k.abi, unsigned(k.atypes.size()), k.rtype, k.atypes.data()) != FFI_OK)
        die(k.name + ": ffi_prep_cif failed");

    alignas(16) unsigned char expected[64], got[64];
    std::memset(expected, 0, sizeof expected);
    k.direct_into(expected);
    auto agrees = [&](const char* path) {
        if (std::memcmp(expected, got, k.result_size) == 0) return true;
        broken(k.name + "/" + path, "returned " + hex(got, k.result_size) + ", the direct call " +
                                        hex(expected, k.result_size));
        return false;
    };
    const Case* kp = &k;

    add_bench(k.name + "/direct", [direct, call_direct] {
        auto r = call_direct(opaque(direct));
        benchmark::DoNotOptimize(r);
    });

    if (auto t = ctabi::make_thunk(k.sig_text, k.target); !t) {
        broken(k.name + "/thunk", "make_thunk: " + t.error().message);
    } else {
        k.thunk = *t;
        Canon* f = k.thunk.as<Canon>();
        auto v = call_thunk(f);
        std::memset(got, 0xa5, sizeof got);
        std::memcpy(got, static_cast<const void*>(&v), sizeof v);
        if (agrees("thunk")) {
            benchmark::AddCustomContext("thunk_identity:" + k.name,
                                        k.thunk.is_target_itself() ? "yes" : "no");
            add_bench(k.name + "/thunk", [f, call_thunk] {
                auto r = call_thunk(opaque(f));
                benchmark::DoNotOptimize(r);
            });
        }
    }

    if (auto inv = ctabi::make_invoker(k.sig_text, k.target); !inv) {
        broken(k.name + "/invoker", "make_invoker: " + inv.error().message);
    } else {
        k.invoker = *inv;
        std::memset(got, 0xa5, sizeof got);
        k.invoker(got, k.args.data());
        if (agrees("invoker"))
            add_bench(k.name + "/invoker", [kp] {
                alignas(16) unsigned char result[64];
                kp->invoker(result, kp->args.data());
                benchmark::DoNotOptimize(result);
                benchmark::ClobberMemory();
            });
    }

    if (auto pk = ctabi::make_packed_invoker(k.sig_text, k.target); !pk) {
        broken(k.name + "/packed_invoker", "make_packed_invoker: " + pk.error().message);
    } else {
        k.packed = *pk;
        ctabi::abi::ArgumentBuffer buffer = k.packed.buffer();
        if (buffer.size > sizeof k.packed_args) die(k.name + ": packed arguments too large");
        for (size_t i = 0; i < k.args.size(); ++i)
            std::memcpy(k.packed_args + buffer.offsets[i], k.args[i],
                        k.packed.signature().args[i].size);
        std::memset(got, 0xa5, sizeof got);
        k.packed(got, k.packed_args);
        if (agrees("packed_invoker"))
            add_bench(k.name + "/packed_invoker", [kp] {
                alignas(16) unsigned char result[64];
                kp->packed(result, kp->packed_args);
                benchmark::DoNotOptimize(result);
                benchmark::ClobberMemory();
            });
    }

    std::memset(got, 0xa5, sizeof got);
    ffi_call(&k.cif, FFI_FN(k.target), got, k.args.data());
    if (agrees("ffi_call"))
        add_bench(k.name + "/ffi_call", [kp] {
            alignas(16) unsigned char result[64];
            ffi_call(const_cast<ffi_cif*>(&kp->cif), FFI_FN(opaque(kp->target)), result,
                     const_cast<void**>(kp->args.data()));
            benchmark::DoNotOptimize(result);
            benchmark::ClobberMemory();
        });
}

Case make_case(const char* name, const char* sig, ffi_abi abi, size_t result_size,
               std::vector<void*> args, ffi_type* rtype, std::vector<ffi_type*> atypes) {
    Case c;
    c.name = name;
    c.sig_text = sig;
    c.abi = abi;
    c.result_size = result_size;
    c.args = std::move(args);
    c.rtype = rtype;
    c.atypes = std::move(atypes);
    return c;
}

using CanonI32 = int32_t(int32_t, int32_t);
using CanonMixed8 = double(int32_t, double, int64_t, double, int32_t, double, int64_t, double);
using CanonS16 = double(const S16*);
using CanonT12 = void(T12*, int32_t, int32_t);

// The four signatures of a convention that has them all (cdecl, stdcall,
// fastcall): i32(i32, i32), 8 mixed, a struct in, a struct out.
template <typename FI32, typename FMixed, typename FS16, typename FT12>
void add_convention(const std::string& prefix, const std::string& conv, ffi_abi abi, FI32 i32,
                    FMixed mixed8, FS16 s16, FT12 t12) {
    auto call_i32 = [](auto f) { return f(v_a, v_b); };
    add_case<CanonI32>(make_case((prefix + "1_i32").c_str(), (conv + " i32(i32, i32)").c_str(), abi,
                                 4, args_i32(), &ffi_type_sint32, ffi_i32()),
                       i32, call_i32, call_i32);
    auto call_mixed8 = [](auto f) { return f(m_a, m_b, m_c, m_d, m_e, m_f, m_g, m_h); };
    add_case<CanonMixed8>(make_case((prefix + "2_mixed8").c_str(),
                                    (conv + " f64(i32, f64, i64, f64, i32, f64, i64, f64)").c_str(),
                                    abi, 8, args_mixed8(), &ffi_type_double, ffi_mixed8()),
                          mixed8, call_mixed8, call_mixed8);
    add_case<CanonS16>(
        make_case((prefix + "3_s16in").c_str(), (conv + " f64({i32, i32, f64})").c_str(), abi, 8,
                  {&v_s}, &ffi_type_double, {&s16_type}),
        s16, [](auto f) { return f(v_s); }, [](CanonS16* f) { return f(&v_s); });
    add_case<CanonT12>(
        make_case((prefix + "4_t12out").c_str(), (conv + " {i32, i32, i32}(i32, i32)").c_str(), abi,
                  12, args_i32(), &t12_type, ffi_i32()),
        t12, [](auto f) { return f(v_a, v_b); },
        [](CanonT12* f) {
            T12 r;
            f(&r, v_a, v_b);
            return r;
        });
}

void setup_cases() {
    add_convention("c", "cdecl", FFI_SYSV, &bench_c_i32, &bench_c_mixed8, &bench_c_s16,
                   &bench_c_t12);
    add_convention("s", "stdcall", FFI_STDCALL, &bench_s_i32, &bench_s_mixed8, &bench_s_s16,
                   &bench_s_t12);
    add_convention("f", "fastcall", FFI_FASTCALL, &bench_f_i32, &bench_f_mixed8, &bench_f_s16,
                   &bench_f_t12);
    using CanonThis = int32_t(Obj*, int32_t);
    using CanonThisT12 = void(T12*, Obj*, int32_t);
    add_case<CanonThis>(
        make_case("t1_i32", "thiscall i32(ptr, i32)", FFI_THISCALL, 4, {&v_this, &v_b},
                  &ffi_type_sint32, {&ffi_type_pointer, &ffi_type_sint32}),
        &bench_t_i32, [](auto f) { return f(v_this, v_b); }, [](auto f) { return f(v_this, v_b); });
    add_case<CanonThisT12>(
        make_case("t4_t12out", "thiscall {i32, i32, i32}(ptr, i32)", FFI_THISCALL, 12,
                  {&v_this, &v_b}, &t12_type, {&ffi_type_pointer, &ffi_type_sint32}),
        &bench_t_t12, [](auto f) { return f(v_this, v_b); },
        [](CanonThisT12* f) {
            T12 r;
            f(&r, v_this, v_b);
            return r;
        });
    // Windows cdecl: the 12-byte result through a hidden pointer the callee
    // does not pop.
    add_case<CanonT12>(
        make_case("m4_t12out", "windows cdecl {i32, i32, i32}(i32, i32)", FFI_MS_CDECL, 12,
                  args_i32(), &t12_type, ffi_i32()),
        &bench_m_t12, [](auto f) { return f(v_a, v_b); },
        [](CanonT12* f) {
            T12 r;
            f(&r, v_a, v_b);
            return r;
        });
}

// ---------------------------------------------------------------------------
// Callbacks.

constexpr int32_t kCallsPerIteration = 32;

struct WorkI32 {
    using R = int32_t;
    static R run(void* const* a) {
        return ctabi_bench::work_i32(arg_at<int32_t>(a, 0), arg_at<int32_t>(a, 1));
    }
};
struct WorkMixed8 {
    using R = double;
    static R run(void* const* a) {
        return ctabi_bench::work_mixed8(arg_at<int32_t>(a, 0), arg_at<double>(a, 1),
                                        arg_at<int64_t>(a, 2), arg_at<double>(a, 3),
                                        arg_at<int32_t>(a, 4), arg_at<double>(a, 5),
                                        arg_at<int64_t>(a, 6), arg_at<double>(a, 7));
    }
};

struct CallbackCase {
    ctabi::Callback typed, generic;
    ffi_closure* closure = nullptr; // lives as long as the process
    void* closure_code = nullptr;
};
std::vector<CallbackCase> callback_cases;

// F: the C type; P: the caller's pointer type (its convention); W: the work
// on an args array; `typed`: the typed handler; `caller(P, n)`: the C loop.
template <typename F, typename P, typename W, typename Typed, typename Caller>
void add_callback_case(const std::string& name, ctabi::abi::CallConv conv, P direct, Typed typed,
                       Caller caller) {
    callback_cases.reserve(8);
    if (callback_cases.size() == callback_cases.capacity()) die("too many callback cases");
    const Case& c = find_case(name);
    CallbackCase& cc = callback_cases.emplace_back();
    std::array<void*, kCallbackPathCount> fns{reinterpret_cast<void*>(direct), nullptr, nullptr,
                                              nullptr};
    const std::string base = "callback/" + name + "/";
    if (auto t = ctabi::make_callback<F>(typed, conv); t) {
        cc.typed = std::move(*t);
        fns[1] = cc.typed.address();
    } else {
        broken(base + "typed", "make_callback: " + t.error().message);
    }
    if (auto g = ctabi::make_callback(c.sig_text, &generic_handler<W>, nullptr); g) {
        cc.generic = std::move(*g);
        fns[2] = cc.generic.address();
    } else {
        broken(base + "generic", "make_callback: " + g.error().message);
    }
    cc.closure =
        static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &cc.closure_code));
    if (!cc.closure) die(name + ": ffi_closure_alloc failed");
    if (ffi_prep_closure_loc(cc.closure, const_cast<ffi_cif*>(&c.cif), &closure_fun<W>, nullptr,
                             cc.closure_code) != FFI_OK)
        die(name + ": ffi_prep_closure_loc failed");
    fns[3] = cc.closure_code;

    // Called once and five times, every path must return what the direct
    // target does.
    for (int32_t n : {1, 5}) {
        auto expected = caller(direct, n);
        for (size_t p = 1; p < fns.size(); ++p) {
            if (!fns[p]) continue;
            auto got = caller(reinterpret_cast<P>(fns[p]), n);
            if (std::memcmp(&got, &expected, sizeof got) != 0) {
                broken(base + kCallbackPaths[p],
                       "called " + std::to_string(n) + "x returned " +
                           hex(reinterpret_cast<const unsigned char*>(&got), sizeof got) +
                           ", expected " +
                           hex(reinterpret_cast<const unsigned char*>(&expected), sizeof got));
                fns[p] = nullptr;
            }
        }
    }
    for (size_t p = 0; p < fns.size(); ++p) {
        if (!fns[p]) continue;
        P fn = reinterpret_cast<P>(fns[p]);
        benchmark::RegisterBenchmark((base + kCallbackPaths[p]).c_str(),
                                     [fn, caller](benchmark::State& state) {
                                         for (auto _ : state) {
                                             auto r = caller(opaque(fn), kCallsPerIteration);
                                             benchmark::DoNotOptimize(r);
                                         }
                                     });
    }
}

void setup_callbacks() {
    using ctabi::abi::CallConv;
    using ctabi_bench::work_i32;
    using ctabi_bench::work_mixed8;
    auto typed_i32 = [](int32_t a, int32_t b) { return work_i32(a, b); };
    auto typed_mixed8 = [](int32_t a, double b, int64_t c, double d, int32_t e, double f, int64_t g,
                           double h) { return work_mixed8(a, b, c, d, e, f, g, h); };
    using FMixed8 = double(int32_t, double, int64_t, double, int32_t, double, int64_t, double);
    add_callback_case<int32_t(int32_t, int32_t), bench_cb_c_i32, WorkI32>(
        "c1_i32", CallConv::cdecl_, &bench_c_i32, typed_i32,
        [](bench_cb_c_i32 f, int32_t n) { return bench_call_c_i32(f, n, v_a, v_b); });
    add_callback_case<int32_t(int32_t, int32_t), bench_cb_s_i32, WorkI32>(
        "s1_i32", CallConv::stdcall, &bench_s_i32, typed_i32,
        [](bench_cb_s_i32 f, int32_t n) { return bench_call_s_i32(f, n, v_a, v_b); });
    add_callback_case<FMixed8, bench_cb_c_mixed8, WorkMixed8>(
        "c2_mixed8", CallConv::cdecl_, &bench_c_mixed8, typed_mixed8,
        [](bench_cb_c_mixed8 f, int32_t n) {
            return bench_call_c_mixed8(f, n, m_a, m_b, m_c, m_d, m_e, m_f, m_g, m_h);
        });
    add_callback_case<FMixed8, bench_cb_s_mixed8, WorkMixed8>(
        "s2_mixed8", CallConv::stdcall, &bench_s_mixed8, typed_mixed8,
        [](bench_cb_s_mixed8 f, int32_t n) {
            return bench_call_s_mixed8(f, n, m_a, m_b, m_c, m_d, m_e, m_f, m_g, m_h);
        });
    benchmark::AddCustomContext("callback_calls_per_iteration", std::to_string(kCallsPerIteration));
}

} // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    setup_cases();
    setup_callbacks();
    std::fprintf(stderr,
                 "ctabi_bench (i386): %zu cases, %zu callback cases checked against the direct "
                 "call; %d broken paths\n",
                 cases.size(), callback_cases.size(), broken_paths);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
