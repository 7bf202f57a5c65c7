// scaling_bench: how ctabi's costs grow, against libffi (issue 9).
//
// (a) Call cost against the argument count N (1, 2, 4, 6, 8, 12, 16, 24, 32)
//     for three families of signatures: N int64_t ("int"), N double
//     ("double"), N 16-byte structs {int64_t, double} by value ("struct",
//     returning double). The targets are scaling_{int,dbl,s16}_N in a shared
//     library (scaling_targets.c), so no call is inlined. Contenders:
//       direct          a C++ call through an opaque function pointer
//       ctabi_thunk     the forward thunk (canonical prototype: the structs by
//                       const pointer); struct family only, since for the int
//                       and double families the thunk is the target itself
//                       (recorded in "thunk_is_target")
//       ctabi_invoker   the bound invoker, inv(result, args): args[i] points
//                       at argument i, as with ffi_call
//       ctabi_packed    the packed invoker: arguments by value in one buffer
//       libffi_call     ffi_call with a cif prepared once
//     Every path is checked against the direct call first: a ctabi path
//     that disagrees stops the program; libffi's is timed all the same and
//     flagged "correct": false (libffi 3.4.4, Debian 12's, passes six or
//     more {i64, f64} arguments wrongly: the sixth struct's integer half,
//     due in the last integer register, is copied as 16 bytes, over the
//     value due in xmm0; fixed upstream in 2024, libffi PR #848). A sample is a
//     loop of n calls timed with steady_clock, n calibrated per contender to
//     about --sample-ms; one repetition samples every contender once, the
//     order rotating from one repetition to the next; figures are medians
//     over --reps repetitions, ratios medians of the per-repetition ratios.
//     Samples are timed in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID),
//     so that time descheduled on a shared machine is not counted.
//
// (b) Creation against the number K of distinct signatures (1, 10, ...,
//     100000): signature i is f64({i64, f64}, t1, ..., t7) with t1..t7 the
//     base-7 digits of i over {i32, i64, f32, f64, ptr, u8, i16} (the struct
//     makes every forward thunk real code, not the target itself). Each
//     measurement runs in a fresh child process (this program with
//     --creation-child), since ctabi's cache keeps what it builds for the
//     life of the process: the inputs (abi::Signature objects for ctabi,
//     ffi_type* arrays for libffi) are made untimed, 32 entries of other
//     signatures are made to warm up, then K entries are made, timed, with
//     the resident set (/proc/self/statm) and malloc's bytes in use
//     (mallinfo2) read before and after, and the time taken in the thread's
//     CPU time (the wall time is reported too). Contenders:
//       ctabi_thunk     make_thunk(sig, target): a forward thunk each
//       ctabi_invoker   make_invoker(sig, target): a bound invoker each
//       ctabi_callback  make_callback(sig, handler, data): a reverse
//                       trampoline each (a stub; the body is per signature)
//       libffi_cif      new ffi_cif + ffi_prep_cif: what ffi_call needs per
//                       signature (the rival of an invoker; no code)
//       libffi_closure  new ffi_cif + ffi_prep_cif + ffi_closure_alloc +
//                       ffi_prep_closure_loc: libffi's one callable entry per
//                       signature (a generic trampoline over the cif, not
//                       code specialised for it: the rival of a callback,
//                       and the nearest libffi has to a thunk)
//     A libffi cif points at the caller's ffi_type* array; ctabi copies the
//     signature into its cache entry, so ctabi's memory includes its copy.
//     ctabi's code is dual mapped (a read-write and a read-execute view of
//     the same pages), which the resident set counts twice.
//
// Usage:
//   scaling_bench [--json-out PATH] [--quick] [--reps R] [--sample-ms MS]
//                 [--max-k K] [--only call|creation]
//   --quick: 5 repetitions of 0.5 ms samples, creation repeated less, K up to
//   10000. Prints a short table to stdout; the JSON is the result.
//
// JSON (schema 1):
//   {"schema": 1, "kind": "scaling", "tool": "scaling_bench",
//    "machine": {"cpu": str, "cpus": int, "kernel": str, "compiler": str,
//                "libffi": str, "date": "YYYY-MM-DDTHH:MM:SSZ"},
//    "params": {"reps": int, "sample_ms": float, "quick": bool,
//               "n": [int], "k": [int], "creation_reps": {"<k>": int}},
//    "thunk_is_target": {"int": bool, "double": bool, "struct": bool},
//    "call_cost": [{"family": "int"|"double"|"struct", "n": int,
//                   "contender": str, "ns": float (median per call),
//                   "ns_q1": float, "ns_q3": float (quartiles),
//                   "vs_ctabi_invoker": float (median over repetitions of
//                       this contender's time / the invoker's),
//                   "correct": bool (false: returned a result other than the
//                       direct call's at startup, timed all the same)}],
//    "creation": [{"k": int, "contender": str, "reps": int,
//                  "total_ms": float, "us_per_sig": float (medians, the
//                      creating thread's CPU time),
//                  "wall_ms": float (median, steady clock),
//                  "rss_kib_delta": float (median),
//                  "heap_bytes_delta": float (median, malloc bytes in use),
//                  "bytes_per_sig": float (rss_kib_delta * 1024 / k),
//                  "code_bytes": int|null (generated code, where ctabi
//                      reports its size: thunks, callbacks' bodies)}]}
#include <ffi.h>
#include <malloc.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ctabi/abi/parse.h"
#include "ctabi/callback.h"
#include "ctabi/invoker.h"

#ifndef CTABI_LIBFFI_VERSION
#define CTABI_LIBFFI_VERSION "unknown"
#endif

extern "C" {
typedef void (*scaling_fn)(void);
scaling_fn scaling_target(const char* family, int n);
}

namespace {

struct S16 {
    int64_t a;
    double b;
};
static_assert(sizeof(S16) == 16);

constexpr size_t kMaxArgs = 32;
constexpr int kArgCounts[] = {1, 2, 4, 6, 8, 12, 16, 24, 32};
constexpr int kSigCounts[] = {1, 10, 100, 1000, 10000, 100000};

[[noreturn]] void die(const std::string& message) {
    std::fprintf(stderr, "scaling_bench: %s\n", message.c_str());
    std::exit(2);
}

template <typename T>
T check(ctabi::Result<T> r, const std::string& what) {
    if (!r) die(what + ": " + r.error().message);
    return std::move(*r);
}

// The compiler cannot see through `v` (a function pointer: which function it
// is), nor assume anything about memory after keep().
template <typename T>
T opaque(T v) {
    asm volatile("" : "+r"(v));
    return v;
}
template <typename T>
void keep(const T& v) {
    asm volatile("" : : "m"(v) : "memory");
}

double now_ns() {
    using namespace std::chrono;
    return double(duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

// This thread's CPU time: what the samples are timed with, so that time the
// thread spends descheduled (a shared machine) is not counted.
double cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e9 + double(ts.tv_nsec);
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const double pos = q * double(v.size() - 1);
    const size_t lo = size_t(pos);
    const size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}
double median(const std::vector<double>& v) {
    return quantile(v, 0.5);
}

// ---------------------------------------------------------------------------
// (a) Call cost.

// One of N parameters of type A.
template <typename A, size_t>
using Rep = A;

ffi_type* s16_elements[] = {&ffi_type_sint64, &ffi_type_double, nullptr};
ffi_type s16_ffi_type{0, 0, FFI_TYPE_STRUCT, s16_elements};

struct IntFamily {
    using A = int64_t;
    using R = int64_t;
    static constexpr const char* name = "int";
    static constexpr const char* symbol = "int";
    static constexpr const char* arg_text = "i64";
    static constexpr const char* result_text = "i64";
    static ffi_type* ffi_arg() { return &ffi_type_sint64; }
    static ffi_type* ffi_result() { return &ffi_type_sint64; }
    static A value(size_t i) { return int64_t(i + 1) * 1000003 - 17; }
};

struct DoubleFamily {
    using A = double;
    using R = double;
    static constexpr const char* name = "double";
    static constexpr const char* symbol = "dbl";
    static constexpr const char* arg_text = "f64";
    static constexpr const char* result_text = "f64";
    static ffi_type* ffi_arg() { return &ffi_type_double; }
    static ffi_type* ffi_result() { return &ffi_type_double; }
    static A value(size_t i) { return 0.25 * double(i) - 1.5; }
};

struct StructFamily {
    using A = S16;
    using R = double;
    static constexpr const char* name = "struct";
    static constexpr const char* symbol = "s16";
    static constexpr const char* arg_text = "{i64, f64}";
    static constexpr const char* result_text = "f64";
    static ffi_type* ffi_arg() { return &s16_ffi_type; }
    static ffi_type* ffi_result() { return &ffi_type_double; }
    static A value(size_t i) { return S16{int64_t(i) * 7 - 3, 0.5 * double(i) + 0.125}; }
};

// The arguments and every prepared path of one (family, N).
template <typename Fam>
struct CallCase {
    using A = typename Fam::A;
    using R = typename Fam::R;
    size_t n = 0;
    void* target = nullptr;
    alignas(64) std::array<A, kMaxArgs> vals{};
    std::array<void*, kMaxArgs> ptrs{};
    alignas(64) std::array<unsigned char, kMaxArgs * sizeof(A)> packed_args{};
    std::array<ffi_type*, kMaxArgs> atypes{};
    ffi_cif cif{};
    ctabi::Invoker invoker;
    ctabi::PackedInvoker packed;
    ctabi::Thunk thunk;
};

template <typename R, typename A, size_t... I>
void direct_loop(void* target, const A* vals, uint64_t iters, std::index_sequence<I...>) {
    using F = R (*)(Rep<A, I>...);
    const F f = reinterpret_cast<F>(target);
    for (uint64_t k = 0; k < iters; ++k) {
        R r = opaque(f)(vals[I]...);
        keep(r);
    }
}

// The canonical prototype of a struct family's thunk: every struct by const pointer.
template <size_t... I>
void thunk_loop(void* thunk, const S16* vals, uint64_t iters, std::index_sequence<I...>) {
    using F = double (*)(Rep<const S16*, I>...);
    const F f = reinterpret_cast<F>(thunk);
    for (uint64_t k = 0; k < iters; ++k) {
        double r = opaque(f)(&vals[I]...);
        keep(r);
    }
}

template <typename R, typename A, size_t... I>
R direct_once(void* target, const A* vals, std::index_sequence<I...>) {
    using F = R (*)(Rep<A, I>...);
    return reinterpret_cast<F>(target)(vals[I]...);
}

template <size_t... I>
double thunk_once(void* thunk, const S16* vals, std::index_sequence<I...>) {
    using F = double (*)(Rep<const S16*, I>...);
    return reinterpret_cast<F>(thunk)(&vals[I]...);
}

void invoker_loop(ctabi::jit::BoundInvokeFn fn, void* const* ptrs, uint64_t iters) {
    alignas(16) unsigned char result[16];
    for (uint64_t k = 0; k < iters; ++k) {
        opaque(fn)(result, ptrs);
        keep(result);
    }
}

void packed_loop(ctabi::jit::PackedInvokeFn fn, const void* args, uint64_t iters) {
    alignas(16) unsigned char result[16];
    for (uint64_t k = 0; k < iters; ++k) {
        opaque(fn)(result, args);
        keep(result);
    }
}

void ffi_loop(ffi_cif* cif, void* target, void** ptrs, uint64_t iters) {
    alignas(16) unsigned char result[16];
    for (uint64_t k = 0; k < iters; ++k) {
        ffi_call(cif, FFI_FN(opaque(target)), result, ptrs);
        keep(result);
    }
}

struct CallContender {
    std::string family;
    int n = 0;
    std::string name;
    std::function<void(uint64_t)> run;
    bool correct = true; // returned the direct call's result at startup
    uint64_t iters = 1;
    std::vector<double> samples; // ns per call, one per repetition
};

std::map<std::string, bool> thunk_is_target;

template <typename Fam, size_t N>
void add_call_case(std::vector<CallContender>& out,
                   std::vector<std::shared_ptr<void>>& keep_alive) {
    using A = typename Fam::A;
    using R = typename Fam::R;
    using Seq = std::make_index_sequence<N>;
    auto c = std::make_shared<CallCase<Fam>>();
    keep_alive.push_back(c);
    const std::string label = std::string(Fam::name) + "/" + std::to_string(N);
    c->n = N;
    c->target = reinterpret_cast<void*>(scaling_target(Fam::symbol, int(N)));
    if (!c->target) die(label + ": no target in the targets library");
    std::string text = std::string(Fam::result_text) + "(";
    for (size_t i = 0; i < N; ++i) {
        c->vals[i] = Fam::value(i);
        c->ptrs[i] = &c->vals[i];
        c->atypes[i] = Fam::ffi_arg();
        text += (i ? ", " : "") + std::string(Fam::arg_text);
    }
    text += ")";
    if (ffi_prep_cif(&c->cif, FFI_DEFAULT_ABI, unsigned(N), Fam::ffi_result(), c->atypes.data()) !=
        FFI_OK)
        die(label + ": ffi_prep_cif failed");
    c->invoker = check(ctabi::make_invoker(text, c->target), label + ": make_invoker");
    c->packed = check(ctabi::make_packed_invoker(text, c->target), label + ": make_packed_invoker");
    c->thunk = check(ctabi::make_thunk(text, c->target), label + ": make_thunk");
    const ctabi::abi::ArgumentBuffer buffer = c->packed.buffer();
    if (buffer.size > c->packed_args.size()) die(label + ": packed buffer too large");
    for (size_t i = 0; i < N; ++i)
        std::memcpy(c->packed_args.data() + buffer.offsets[i], &c->vals[i], sizeof(A));
    thunk_is_target[Fam::name] = c->thunk.is_target_itself();

    // The startup check: every path returns the direct call's bytes.
    const R expected = direct_once<R>(c->target, c->vals.data(), Seq{});
    auto compare = [&](const char* path, const void* got) {
        if (std::memcmp(&expected, got, sizeof(R)) != 0)
            die(label + "/" + path + " disagrees with the direct call");
    };
    // libffi's result is checked too but, when wrong, timed all the same and
    // flagged (libffi 3.4.4 passes six or more {i64, f64} wrongly: libffi PR #848).
    bool ffi_correct = true;
    alignas(16) unsigned char got[16];
    std::memset(got, 0xa5, sizeof got);
    c->invoker(got, c->ptrs.data());
    compare("ctabi_invoker", got);
    std::memset(got, 0xa5, sizeof got);
    c->packed(got, c->packed_args.data());
    compare("ctabi_packed", got);
    std::memset(got, 0xa5, sizeof got);
    ffi_call(&c->cif, FFI_FN(c->target), got, c->ptrs.data());
    if (std::memcmp(&expected, got, sizeof(R)) != 0) {
        ffi_correct = false;
        std::fprintf(stderr,
                     "scaling_bench: warning: %s/libffi_call disagrees with the direct "
                     "call (timed all the same, flagged \"correct\": false)\n",
                     label.c_str());
    }
    if constexpr (std::is_same_v<Fam, StructFamily>) {
        const double r = thunk_once(c->thunk.address(), c->vals.data(), Seq{});
        compare("ctabi_thunk", &r);
    }

    CallCase<Fam>* k = c.get();
    auto add = [&](const char* name, std::function<void(uint64_t)> run, bool correct = true) {
        out.push_back(CallContender{Fam::name, int(N), name, std::move(run), correct, 1, {}});
    };
    add("direct", [k](uint64_t it) { direct_loop<R>(k->target, k->vals.data(), it, Seq{}); });
    if constexpr (std::is_same_v<Fam, StructFamily>) {
        if (!k->thunk.is_target_itself())
            add("ctabi_thunk",
                [k](uint64_t it) { thunk_loop(k->thunk.address(), k->vals.data(), it, Seq{}); });
    }
    add("ctabi_invoker",
        [k](uint64_t it) { invoker_loop(k->invoker.bound_entry(), k->ptrs.data(), it); });
    add("ctabi_packed",
        [k](uint64_t it) { packed_loop(k->packed.entry(), k->packed_args.data(), it); });
    add(
        "libffi_call", [k](uint64_t it) { ffi_loop(&k->cif, k->target, k->ptrs.data(), it); },
        ffi_correct);
}

template <typename Fam, size_t... I>
void add_family(std::vector<CallContender>& out, std::vector<std::shared_ptr<void>>& keep_alive,
                std::index_sequence<I...>) {
    (add_call_case<Fam, size_t(kArgCounts[I])>(out, keep_alive), ...);
}

double sample_ns(CallContender& c, uint64_t iters) {
    const double t0 = cpu_ns();
    c.run(iters);
    return (cpu_ns() - t0) / double(iters);
}

void calibrate(std::vector<CallContender>& cs, double sample_ms) {
    for (auto& c : cs) {
        uint64_t iters = 64;
        sample_ns(c, iters); // warm up
        double total = 0;
        for (;;) {
            total = sample_ns(c, iters) * double(iters);
            if (total >= 2e5 || iters >= (uint64_t(1) << 30)) break;
            iters *= 4;
        }
        c.iters = std::max<uint64_t>(16, uint64_t(double(iters) * sample_ms * 1e6 / total));
    }
}

void measure(std::vector<CallContender>& cs, int reps) {
    const size_t n = cs.size();
    for (int r = 0; r < reps; ++r) {
        // A different starting point each repetition (a stride prime to n
        // would do too; a rotation keeps neighbours neighbours).
        const size_t start = (size_t(r) * 7) % n;
        for (size_t j = 0; j < n; ++j) {
            CallContender& c = cs[(start + j) % n];
            c.samples.push_back(sample_ns(c, c.iters));
        }
    }
}

// ---------------------------------------------------------------------------
// (b) Creation.

constexpr const char* kKindText[] = {"i32", "i64", "f32", "f64", "ptr", "u8", "i16"};
ffi_type* const kKindFfi[] = {&ffi_type_sint32, &ffi_type_sint64,  &ffi_type_float,
                              &ffi_type_double, &ffi_type_pointer, &ffi_type_uint8,
                              &ffi_type_sint16};
constexpr size_t kKinds = std::size(kKindText);
constexpr size_t kCreationArgs = 8; // the struct, then 7 digits: 7^7 = 823543 signatures
constexpr uint64_t kWarmupBase = 800000;
constexpr int kWarmups = 32;

const char* const kCreationContenders[] = {"ctabi_thunk", "ctabi_invoker", "ctabi_callback",
                                           "libffi_cif", "libffi_closure"};

std::string creation_text(uint64_t i) {
    std::string s = "f64({i64, f64}";
    for (size_t d = 1; d < kCreationArgs; ++d, i /= kKinds)
        s += std::string(", ") + kKindText[i % kKinds];
    return s + ")";
}

std::array<ffi_type*, kCreationArgs> creation_ffi(uint64_t i) {
    std::array<ffi_type*, kCreationArgs> a{};
    a[0] = &s16_ffi_type;
    for (size_t d = 1; d < kCreationArgs; ++d, i /= kKinds)
        a[d] = kKindFfi[i % kKinds];
    return a;
}

void noop_handler(void*, void*, void* const*) {}
void noop_closure(ffi_cif*, void*, void**, void*) {}

double rss_kib() {
    std::ifstream f("/proc/self/statm");
    long size = 0, resident = 0;
    f >> size >> resident;
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / 1024.0;
}

double heap_bytes() {
    const struct mallinfo2 mi = mallinfo2();
    return double(mi.uordblks) + double(mi.hblkhd);
}

// What one child measured.
struct CreationSample {
    double cpu_ns = 0, wall_ns = 0, rss_kib_delta = 0, heap_delta = 0;
    long long code_bytes = -1; // -1: not reported
};

// Makes K entries of `contender` (after the warm-up) and prints what it measured.
int creation_child(const std::string& contender, uint64_t k) {
    const void* target = reinterpret_cast<const void*>(scaling_target("dbl", 1)); // never called
    const bool ctabi = contender.rfind("ctabi_", 0) == 0;
    const bool known = std::find(std::begin(kCreationContenders), std::end(kCreationContenders),
                                 contender) != std::end(kCreationContenders);
    if (!known) die("unknown creation contender " + contender);

    // Inputs, untimed: the warm-up's first, then the measurement's.
    std::vector<ctabi::abi::Signature> sigs;
    std::vector<std::array<ffi_type*, kCreationArgs>> atypes;
    const size_t total = size_t(k) + kWarmups;
    if (ctabi)
        sigs.reserve(total);
    else
        atypes.reserve(total);
    for (size_t j = 0; j < total; ++j) {
        const uint64_t i = j < kWarmups ? kWarmupBase + j : j - kWarmups;
        if (ctabi)
            sigs.push_back(check(ctabi::abi::parse_signature(creation_text(i)), "parse_signature"));
        else
            atypes.push_back(creation_ffi(i));
    }
    // What the entries are kept in, touched beforehand so it is not counted.
    std::vector<ctabi::Thunk> thunks(contender == "ctabi_thunk" ? total : 0);
    std::vector<ctabi::Invoker> invokers(contender == "ctabi_invoker" ? total : 0);
    std::vector<ctabi::Callback> callbacks(contender == "ctabi_callback" ? total : 0);
    std::vector<ffi_cif*> cifs(ctabi ? 0 : total, nullptr);
    std::vector<ffi_closure*> closures(contender == "libffi_closure" ? total : 0, nullptr);
    long long code_bytes = 0;

    auto make = [&](size_t j) {
        if (contender == "ctabi_thunk") {
            thunks[j] = check(ctabi::make_thunk(sigs[j], target), "make_thunk");
            code_bytes += (long long)thunks[j].code_size();
        } else if (contender == "ctabi_invoker") {
            invokers[j] = check(ctabi::make_invoker(sigs[j], target), "make_invoker");
        } else if (contender == "ctabi_callback") {
            callbacks[j] =
                check(ctabi::make_callback(sigs[j], &noop_handler, nullptr), "make_callback");
            code_bytes += (long long)callbacks[j].body_size();
        } else {
            ffi_cif* cif = new ffi_cif;
            if (ffi_prep_cif(cif, FFI_DEFAULT_ABI, unsigned(kCreationArgs), &ffi_type_double,
                             atypes[j].data()) != FFI_OK)
                die("ffi_prep_cif failed");
            cifs[j] = cif;
            if (contender == "libffi_closure") {
                void* code = nullptr;
                auto* cl = static_cast<ffi_closure*>(ffi_closure_alloc(sizeof(ffi_closure), &code));
                if (!cl || ffi_prep_closure_loc(cl, cif, &noop_closure, nullptr, code) != FFI_OK)
                    die("ffi_closure_alloc / ffi_prep_closure_loc failed");
                closures[j] = cl;
            }
        }
    };
    for (size_t j = 0; j < size_t(kWarmups); ++j)
        make(j);
    code_bytes = 0;
    // The readers' own first-call costs (page faults, buffers) happen here.
    for (int i = 0; i < 2; ++i)
        (void)(rss_kib() + heap_bytes() + cpu_ns() + now_ns());
    // What reading the clocks below costs by itself (the CPU-time clock is a
    // system call), taken off the CPU time measured.
    double overhead = INFINITY;
    for (int i = 0; i < 9; ++i) {
        const double a = cpu_ns();
        (void)now_ns();
        (void)now_ns();
        overhead = std::min(overhead, cpu_ns() - a);
    }

    const double rss0 = rss_kib(), heap0 = heap_bytes();
    const double c0 = cpu_ns(), t0 = now_ns();
    for (size_t j = kWarmups; j < total; ++j)
        make(j);
    const double c1 = cpu_ns(), t1 = now_ns();
    const double rss1 = rss_kib(), heap1 = heap_bytes();
    const bool has_code = contender == "ctabi_thunk" || contender == "ctabi_callback";
    std::printf("%.0f %.0f %.1f %.0f %lld\n", std::max(0.0, c1 - c0 - overhead), t1 - t0,
                rss1 - rss0, heap1 - heap0, has_code ? code_bytes : -1LL);
    std::fflush(stdout);
    // The entries live until the process ends (libffi's are never freed).
    return 0;
}

std::string self_exe() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) die("readlink /proc/self/exe failed");
    return std::string(buf, size_t(n));
}

std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char ch : s)
        q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
    return q + "'";
}

// One child's measurement. A child that fails is run again, twice at most
// (the build directory is shared: a concurrent build can replace libctabi.so
// under a starting child).
CreationSample run_child(const std::string& exe, const std::string& contender, uint64_t k) {
    const std::string cmd =
        shell_quote(exe) + " --creation-child " + contender + " " + std::to_string(k);
    constexpr int kAttempts = 3;
    for (int attempt = 1; attempt <= kAttempts; ++attempt) {
        FILE* p = popen(cmd.c_str(), "r");
        if (!p) die("popen failed: " + cmd);
        CreationSample s;
        const int got = std::fscanf(p, "%lf %lf %lf %lf %lld", &s.cpu_ns, &s.wall_ns,
                                    &s.rss_kib_delta, &s.heap_delta, &s.code_bytes);
        const int status = pclose(p);
        if (got == 5 && status == 0) return s;
        std::fprintf(stderr,
                     "scaling_bench: warning: creation child %s %llu failed, attempt %d of %d\n",
                     contender.c_str(), (unsigned long long)k, attempt, kAttempts);
    }
    die("creation child failed " + std::to_string(kAttempts) + " times: " + cmd);
}

struct CreationResult {
    uint64_t k = 0;
    std::string contender;
    std::vector<CreationSample> samples;
};

int creation_reps(uint64_t k, bool quick) {
    if (quick) return k <= 100 ? 3 : 1;
    if (k <= 10) return 11;
    if (k <= 100) return 7;
    if (k <= 1000) return 5;
    return 3;
}

// ---------------------------------------------------------------------------
// Output.

std::string json_num(double v) {
    if (!std::isfinite(v)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

std::string json_str(const std::string& s) {
    std::string o = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') o += '\\';
        if (static_cast<unsigned char>(ch) < 0x20) continue;
        o += ch;
    }
    return o + "\"";
}

std::string cpu_model() {
    std::ifstream f("/proc/cpuinfo");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("model name", 0) == 0) {
            const size_t colon = line.find(':');
            if (colon != std::string::npos)
                return line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return "unknown";
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return buf;
}

struct Options {
    std::string json_out;
    bool quick = false;
    int reps = 21;
    double sample_ms = 2.0;
    uint64_t max_k = 100000;
    std::string only;
};

Options parse_options(int argc, char** argv) {
    Options o;
    bool reps_set = false, sample_set = false, max_k_set = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) die(a + " needs a value");
            return argv[++i];
        };
        if (a == "--json-out")
            o.json_out = value();
        else if (a == "--quick")
            o.quick = true;
        else if (a == "--reps")
            o.reps = std::atoi(value().c_str()), reps_set = true;
        else if (a == "--sample-ms")
            o.sample_ms = std::atof(value().c_str()), sample_set = true;
        else if (a == "--max-k")
            o.max_k = std::strtoull(value().c_str(), nullptr, 10), max_k_set = true;
        else if (a == "--only")
            o.only = value();
        else if (a == "-h" || a == "--help") {
            std::printf("usage: scaling_bench [--json-out PATH] [--quick] [--reps R] "
                        "[--sample-ms MS] [--max-k K] [--only call|creation]\n");
            std::exit(0);
        } else
            die("unknown option " + a + " (see --help)");
    }
    if (o.quick) {
        if (!reps_set) o.reps = 5;
        if (!sample_set) o.sample_ms = 0.5;
        if (!max_k_set) o.max_k = 10000;
    }
    if (o.reps < 1 || o.sample_ms <= 0) die("--reps and --sample-ms must be positive");
    if (!o.only.empty() && o.only != "call" && o.only != "creation")
        die("--only takes call or creation");
    return o;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 4 && std::string(argv[1]) == "--creation-child")
        return creation_child(argv[2], std::strtoull(argv[3], nullptr, 10));
    const Options opt = parse_options(argc, argv);
    const double t_start = now_ns();

    // (a)
    std::vector<CallContender> calls;
    std::vector<std::shared_ptr<void>> keep_alive;
    if (opt.only != "creation") {
        constexpr auto seq = std::make_index_sequence<std::size(kArgCounts)>{};
        add_family<IntFamily>(calls, keep_alive, seq);
        add_family<DoubleFamily>(calls, keep_alive, seq);
        add_family<StructFamily>(calls, keep_alive, seq);
        std::fprintf(stderr,
                     "scaling_bench: %zu call contenders agree with the direct call; "
                     "%d repetitions of %.2g ms samples\n",
                     calls.size(), opt.reps, opt.sample_ms);
        calibrate(calls, opt.sample_ms);
        measure(calls, opt.reps);
    }

    // (b)
    std::vector<CreationResult> creation;
    std::map<uint64_t, int> reps_of_k;
    if (opt.only != "call") {
        const std::string exe = self_exe();
        std::vector<uint64_t> ks;
        for (int k : kSigCounts)
            if (uint64_t(k) <= opt.max_k) ks.push_back(uint64_t(k));
        int max_reps = 0;
        for (uint64_t k : ks) {
            reps_of_k[k] = creation_reps(k, opt.quick);
            max_reps = std::max(max_reps, reps_of_k[k]);
            for (const char* c : kCreationContenders)
                creation.push_back(CreationResult{k, c, {}});
        }
        std::fprintf(stderr, "scaling_bench: creation, K up to %llu, a child process each\n",
                     (unsigned long long)opt.max_k);
        const size_t nc = std::size(kCreationContenders);
        for (int r = 0; r < max_reps; ++r)
            for (size_t ki = 0; ki < ks.size(); ++ki) {
                if (r >= reps_of_k[ks[ki]]) continue;
                for (size_t j = 0; j < nc; ++j) {
                    CreationResult& cr = creation[ki * nc + (size_t(r) + j) % nc];
                    cr.samples.push_back(run_child(exe, cr.contender, cr.k));
                }
            }
    }

    // Summaries.
    struct CallRow {
        std::string family, contender;
        int n;
        double ns, q1, q3, vs_inv;
        bool correct;
    };
    std::vector<CallRow> call_rows;
    for (const auto& c : calls) {
        const CallContender* inv = nullptr;
        for (const auto& o : calls)
            if (o.family == c.family && o.n == c.n && o.name == "ctabi_invoker") inv = &o;
        std::vector<double> ratios;
        for (size_t r = 0; inv && r < c.samples.size(); ++r)
            ratios.push_back(c.samples[r] / inv->samples[r]);
        call_rows.push_back({c.family, c.name, c.n, median(c.samples), quantile(c.samples, 0.25),
                             quantile(c.samples, 0.75), median(ratios), c.correct});
    }

    if (!call_rows.empty()) {
        std::printf("call cost, ns per call (medians of %d; x = libffi_call / ctabi_invoker)\n",
                    opt.reps);
        const char* cols[] = {"direct", "ctabi_thunk", "ctabi_invoker", "ctabi_packed",
                              "libffi_call"};
        std::printf("%-8s %3s %8s %8s %8s %8s %8s %7s\n", "family", "N", "direct", "thunk",
                    "invoker", "packed", "ffi_call", "x");
        for (const auto& fam : {"int", "double", "struct"})
            for (int n : kArgCounts) {
                std::printf("%-8s %3d", fam, n);
                double inv = NAN, ffi = NAN;
                bool wrong = false;
                for (const char* col : cols) {
                    double v = NAN;
                    for (const auto& r : call_rows)
                        if (r.family == fam && r.n == n && r.contender == col) {
                            v = r.ns;
                            wrong = wrong || !r.correct;
                        }
                    if (std::string(col) == "ctabi_invoker") inv = v;
                    if (std::string(col) == "libffi_call") ffi = v;
                    if (std::isnan(v))
                        std::printf(" %8s", "-");
                    else
                        std::printf(" %8.2f", v);
                }
                std::printf(" %6.1fx%s\n", ffi / inv, wrong ? "  (libffi's result wrong)" : "");
            }
    }
    if (!creation.empty()) {
        std::printf("\ncreation: median per signature (us), resident set growth (bytes per "
                    "signature)\n");
        std::printf("%-16s", "K");
        for (const auto& [k, reps] : reps_of_k)
            std::printf(" %18llu", (unsigned long long)k);
        std::printf("\n");
        for (const char* c : kCreationContenders) {
            std::printf("%-16s", c);
            for (const auto& cr : creation) {
                if (cr.contender != c) continue;
                std::vector<double> t, m;
                for (const auto& s : cr.samples) {
                    t.push_back(s.cpu_ns / 1e3 / double(cr.k));
                    m.push_back(s.rss_kib_delta * 1024.0 / double(cr.k));
                }
                std::printf(" %7.2f us %6.0f B", median(t), median(m));
            }
            std::printf("\n");
        }
    }

    if (!opt.json_out.empty()) {
        std::ostringstream j;
        utsname u{};
        uname(&u);
        j << "{\"schema\": 1, \"kind\": \"scaling\", \"tool\": \"scaling_bench\",\n";
        j << " \"machine\": {\"cpu\": " << json_str(cpu_model())
          << ", \"cpus\": " << std::thread::hardware_concurrency()
          << ", \"kernel\": " << json_str(std::string(u.sysname) + " " + u.release)
          << ", \"compiler\": " << json_str(__VERSION__)
          << ", \"libffi\": " << json_str(CTABI_LIBFFI_VERSION)
          << ", \"date\": " << json_str(utc_now()) << "},\n";
        j << " \"params\": {\"reps\": " << opt.reps
          << ", \"sample_ms\": " << json_num(opt.sample_ms)
          << ", \"quick\": " << (opt.quick ? "true" : "false") << ", \"n\": [";
        for (size_t i = 0; i < std::size(kArgCounts); ++i)
            j << (i ? ", " : "") << kArgCounts[i];
        j << "], \"k\": [";
        bool first = true;
        for (const auto& [k, reps] : reps_of_k) {
            j << (first ? "" : ", ") << k;
            first = false;
        }
        j << "], \"creation_reps\": {";
        first = true;
        for (const auto& [k, reps] : reps_of_k) {
            j << (first ? "" : ", ") << "\"" << k << "\": " << reps;
            first = false;
        }
        j << "}, \"seconds\": " << json_num((now_ns() - t_start) / 1e9) << "},\n";
        j << " \"thunk_is_target\": {";
        first = true;
        for (const auto& [fam, ident] : thunk_is_target) {
            j << (first ? "" : ", ") << json_str(fam) << ": " << (ident ? "true" : "false");
            first = false;
        }
        j << "},\n \"call_cost\": [";
        for (size_t i = 0; i < call_rows.size(); ++i) {
            const auto& r = call_rows[i];
            j << (i ? ",\n  " : "\n  ") << "{\"family\": " << json_str(r.family)
              << ", \"n\": " << r.n << ", \"contender\": " << json_str(r.contender)
              << ", \"ns\": " << json_num(r.ns) << ", \"ns_q1\": " << json_num(r.q1)
              << ", \"ns_q3\": " << json_num(r.q3)
              << ", \"vs_ctabi_invoker\": " << json_num(r.vs_inv)
              << ", \"correct\": " << (r.correct ? "true" : "false") << "}";
        }
        j << "],\n \"creation\": [";
        for (size_t i = 0; i < creation.size(); ++i) {
            const auto& cr = creation[i];
            std::vector<double> t, wall, rss, heap;
            long long code = -1;
            for (const auto& s : cr.samples) {
                t.push_back(s.cpu_ns);
                wall.push_back(s.wall_ns);
                rss.push_back(s.rss_kib_delta);
                heap.push_back(s.heap_delta);
                code = s.code_bytes;
            }
            const double total_ns = median(t), rss_kib = median(rss);
            j << (i ? ",\n  " : "\n  ") << "{\"k\": " << cr.k
              << ", \"contender\": " << json_str(cr.contender)
              << ", \"reps\": " << cr.samples.size()
              << ", \"total_ms\": " << json_num(total_ns / 1e6)
              << ", \"us_per_sig\": " << json_num(total_ns / 1e3 / double(cr.k))
              << ", \"wall_ms\": " << json_num(median(wall) / 1e6)
              << ", \"rss_kib_delta\": " << json_num(rss_kib)
              << ", \"heap_bytes_delta\": " << json_num(median(heap))
              << ", \"bytes_per_sig\": " << json_num(rss_kib * 1024.0 / double(cr.k))
              << ", \"code_bytes\": " << (code < 0 ? std::string("null") : std::to_string(code))
              << "}";
        }
        j << "]}\n";
        std::ofstream f(opt.json_out);
        f << j.str();
        if (!f) die("cannot write " + opt.json_out);
    }
    std::fprintf(stderr, "scaling_bench: done in %.1f s\n", (now_ns() - t_start) / 1e9);
    return 0;
}
