// Frames of more than a page. Invokers, thunks and trampolines with
// several pages of stack arguments pass them intact, and allocate such a
// frame a page at a time, touching each page (stack probes): on a thread
// whose stack runs out, the code faults on the guard page below the stack
// instead of stepping over it and writing into the mapping below.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "ctabi/ctabi.h"
#include "test_support.h"

namespace {

// 8 KiB by value: on the stack in both host conventions.
struct Huge {
    int64_t v[1024];
};

Huge make_huge(int64_t seed) {
    Huge h;
    for (int i = 0; i < 1024; ++i)
        h.v[i] = seed * 1000003 + i * 7919;
    return h;
}

double weigh(int32_t a, const Huge& h, double b) {
    double sum = a + b * 0.5;
    for (int i = 0; i < 1024; ++i)
        sum += double(h.v[i] % 1000) * (i % 7 + 1);
    return sum;
}

extern "C" double huge_target(int32_t a, Huge h, double b) {
    return weigh(a, h, b);
}

// Over-aligned: the frame is rounded down to 32 after the probes.
struct alignas(32) Wide {
    int64_t a, b, c, d;
};

extern "C" double wide_target(int32_t a, Wide w, Huge h, double b) {
    return weigh(a, h, b) + double(w.a) + 2.0 * double(w.b) + 3.0 * double(w.c) + 4.0 * double(w.d);
}

// Many scalars: their stack slots, and a trampoline's array of pointers
// to them, take more than a page.
constexpr int kMany = 700;

extern "C" void many_handler(void* user_data, void* result, void* const* args) {
    int64_t sum = 0;
    for (int i = 0; i < kMany; ++i)
        sum += *static_cast<const int64_t*>(args[i]) * (i + 1);
    *static_cast<int64_t*>(result) = sum;
    ++*static_cast<int*>(user_data);
}

// "T(T, T, ...)", n arguments.
std::string many_signature(int n, const std::string& t = "i64") {
    std::string s = t + "(";
    for (int i = 0; i < n; ++i)
        s += (i ? ", " : "") + t;
    return s + ")";
}

} // namespace

template <>
struct ctabi::c_type<Huge> {
    static abi::Type get() { return ctabi_test::host_type("{[1024 x i64]}"); }
};

namespace {

const char* kHugeSig = "f64(i32, {[1024 x i64]}, f64)";

TEST(BigFrame, InvokerPassesPagesOfStackArguments) {
    auto inv = ctabi::make_invoker(kHugeSig, reinterpret_cast<const void*>(&huge_target));
    ASSERT_TRUE(inv) << inv.error().message;
    int32_t a = -17;
    Huge h = make_huge(3);
    double b = 2.5, r = 0;
    void* args[] = {&a, &h, &b};
    (*inv)(&r, args);
    EXPECT_EQ(r, weigh(a, h, b));
}

TEST(BigFrame, OverAlignedStackArgumentsAmongPages) {
    const char* sig = "f64(i32, {i64, i64, i64, i64 | size 32 align 32}, {[1024 x i64]}, f64)";
    auto inv = ctabi::make_invoker(sig, reinterpret_cast<const void*>(&wide_target));
    ASSERT_TRUE(inv) << inv.error().message;
#if defined(__x86_64__)
    // (i386 keeps its stack 16-aligned for such an argument.)
    EXPECT_EQ(inv->layout().stack_align, 32u) << inv->layout().to_string();
#endif
    int32_t a = 3;
    Wide w{-1, 20, -300, 4000};
    Huge h = make_huge(5);
    double b = 0.75, r = 0;
    void* args[] = {&a, &w, &h, &b};
    (*inv)(&r, args);
    EXPECT_EQ(r, wide_target(a, w, h, b));
    // The thunk's canonical entry takes both structures by pointer.
    auto thunk = ctabi::make_thunk(sig, reinterpret_cast<const void*>(&wide_target));
    ASSERT_TRUE(thunk) << thunk.error().message;
    auto direct =
        reinterpret_cast<double (*)(int32_t, const Wide*, const Huge*, double)>(thunk->address());
    EXPECT_EQ(direct(a, &w, &h, b), wide_target(a, w, h, b));
}

TEST(BigFrame, ThunkPassesPagesOfStackArguments) {
    auto thunk = ctabi::make_thunk(kHugeSig, reinterpret_cast<const void*>(&huge_target));
    ASSERT_TRUE(thunk) << thunk.error().message;
    // The canonical entry takes the structure by pointer; the thunk's frame
    // holds the copy it passes on.
    EXPECT_EQ(thunk->canonical_signature().to_string(), ctabi_test::host_sig("f64(i32, ptr, f64)"));
    int32_t a = 5;
    Huge h = make_huge(-8);
    double b = -1.25;
    auto direct = reinterpret_cast<double (*)(int32_t, const Huge*, double)>(thunk->address());
    EXPECT_EQ(direct(a, &h, b), weigh(a, h, b));
}

TEST(BigFrame, TrampolineBodyTakesPagesOfArguments) {
    int calls = 0;
    auto cb = ctabi::make_callback(many_signature(kMany), &many_handler, &calls);
    ASSERT_TRUE(cb) << cb.error().message;
    auto inv = ctabi::make_invoker(many_signature(kMany), cb->address());
    ASSERT_TRUE(inv) << inv.error().message;
    std::vector<int64_t> values(kMany);
    std::vector<void*> args(kMany);
    int64_t expected = 0;
    for (int i = 0; i < kMany; ++i) {
        values[size_t(i)] = (int64_t(i) * 104729) % 99991 - 50000;
        args[size_t(i)] = &values[size_t(i)];
        expected += values[size_t(i)] * (i + 1);
    }
    int64_t r = 0;
    (*inv)(&r, args.data());
    EXPECT_EQ(r, expected);
    EXPECT_EQ(calls, 1);
}

TEST(BigFrame, TypedCallbackTakesPagesOfStackArguments) {
    auto cb = ctabi::make_callback<double(int32_t, Huge, double)>(
        [](int32_t a, Huge h, double b) { return weigh(a, h, b); });
    ASSERT_TRUE(cb) << cb.error().message;
    int32_t a = 99;
    Huge h = make_huge(11);
    double b = 4.0;
    EXPECT_EQ(cb->as<double(int32_t, Huge, double)>()(a, h, b), weigh(a, h, b));
    auto inv = ctabi::make_invoker(kHugeSig, cb->address());
    ASSERT_TRUE(inv) << inv.error().message;
    double r = 0;
    void* args[] = {&a, &h, &b};
    (*inv)(&r, args);
    EXPECT_EQ(r, weigh(a, h, b));
}

// --------------------------------------------------------------------------
// Stack probes. A thread runs on a stack of its own, laid out from low to
// high addresses as: a "victim" mapping (zeros, shared with the parent), one
// guard page, the stack. Called with too little stack left, generated code
// must fault on the guard page (SIGSEGV) with the victim untouched; without
// probes, its `sub rsp, frame` steps over the guard page and its stores go
// into the victim first.

constexpr size_t kPage = 4096;
constexpr size_t kVictimBytes = 64 * kPage;
constexpr size_t kStackBytes = 16 * kPage;

// What runs on the small stack: given the bytes of stack it has left, it
// calls generated code whose frames need more than that plus a page.
using ProbeBody = void (*)(size_t room);

struct ThreadArgs {
    ProbeBody body;
    unsigned char* stack;
};

void* probe_thread(void* p) {
    auto* t = static_cast<ThreadArgs*>(p);
    unsigned char here;
    const size_t room = size_t(&here - t->stack);
    t->body(room);
    return nullptr;
}

// Runs `body` in a child on the small stack. Returns "" when the child died
// of a fault with the victim untouched, else what went wrong.
std::string run_on_guarded_stack(ProbeBody body) {
    const size_t total = kVictimBytes + kPage + kStackBytes;
    // One reservation (nothing accessible), then the victim (shared) and the
    // stack made in it; the page between them stays the guard.
    void* region = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (region == MAP_FAILED) return "mmap failed";
    auto* base = static_cast<unsigned char*>(region);
    void* victim = mmap(base, kVictimBytes, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    unsigned char* stack = base + kVictimBytes + kPage;
    if (victim != base || mprotect(stack, kStackBytes, PROT_READ | PROT_WRITE) != 0) {
        munmap(region, total);
        return "could not lay out the stack";
    }

    pid_t pid = fork();
    if (pid == 0) {
        alarm(20);
        // The fault is the expected end: no sanitizer's handler reports it.
        signal(SIGSEGV, SIG_DFL);
        signal(SIGBUS, SIG_DFL);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstack(&attr, stack, kStackBytes);
        ThreadArgs args{body, stack};
        pthread_t thread;
        if (pthread_create(&thread, &attr, &probe_thread, &args) != 0) _exit(3);
        pthread_join(thread, nullptr);
        _exit(0); // the code ran to the end: it never faulted
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::string problem;
    if (!WIFSIGNALED(status) || (WTERMSIG(status) != SIGSEGV && WTERMSIG(status) != SIGBUS))
        problem = WIFEXITED(status)
                      ? "the child exited with status " + std::to_string(WEXITSTATUS(status)) +
                            " (no fault: the stack was not exhausted?)"
                      : "the child died of signal " + std::to_string(WTERMSIG(status));
    const auto* v = static_cast<const unsigned char*>(victim);
    size_t written = 0;
    for (size_t i = 0; i < kVictimBytes; ++i)
        written += v[i] != 0;
    if (written)
        problem += (problem.empty() ? "" : "; ") + std::to_string(written) +
                   " bytes below the guard page were written";
    munmap(region, total);
    return problem;
}

// A struct of `bytes` (a multiple of 8) by value: on the stack.
std::string struct_signature(size_t bytes) {
    return "void({[" + std::to_string(bytes / 8) + " x i64]})";
}

extern "C" void never_called(void) {
    _exit(4);
}

std::vector<int64_t>& filler() {
    static std::vector<int64_t> v(kStackBytes / 2, 0x5a5a5a5a5a5a5a5a);
    return v;
}

// The invoker's frame: the whole room, the guard page and a page more.
void invoker_body(size_t room) {
    const size_t bytes = (room + 2 * kPage) / 8 * 8;
    auto inv =
        ctabi::make_invoker(struct_signature(bytes), reinterpret_cast<const void*>(&never_called));
    if (!inv) _exit(5);
    void* args[] = {filler().data()};
    (*inv)(nullptr, args);
}

// A thunk's canonical entry takes the structure by pointer; its frame, the
// copy it passes on, does not fit.
void thunk_body(size_t room) {
    const size_t bytes = (room + 2 * kPage) / 8 * 8;
    auto thunk =
        ctabi::make_thunk(struct_signature(bytes), reinterpret_cast<const void*>(&never_called));
    if (!thunk) _exit(5);
    reinterpret_cast<void (*)(const void*)>(thunk->address())(filler().data());
}

extern "C" void count_handler(void*, void*, void* const*) {}

// An invoker calls a trampoline with n pointer-sized integers: the
// invoker's stack arguments fit, the trampoline's array of pointers to
// them, as big, does not.
void trampoline_body(size_t room) {
    const size_t n = (room / 2 + 3 * kPage / 2) / sizeof(void*);
    if (n * sizeof(void*) + 512 > room) _exit(6);
    const std::string sig = many_signature(int(n), sizeof(void*) == 8 ? "i64" : "i32");
    static intptr_t value = 1;
    auto cb = ctabi::make_callback(sig, &count_handler, nullptr);
    if (!cb) _exit(5);
    auto inv = ctabi::make_invoker(sig, cb->address());
    if (!inv) _exit(5);
    std::vector<void*> args(n, &value);
    intptr_t r = 0;
    (*inv)(&r, args.data());
}

TEST(StackProbe, InvokerFaultsOnTheGuardPage) {
    EXPECT_EQ(run_on_guarded_stack(&invoker_body), "");
}

TEST(StackProbe, ThunkFaultsOnTheGuardPage) {
    EXPECT_EQ(run_on_guarded_stack(&thunk_body), "");
}

TEST(StackProbe, TrampolineFaultsOnTheGuardPage) {
    EXPECT_EQ(run_on_guarded_stack(&trampoline_body), "");
}

} // namespace
