// Callbacks (reverse trampolines): typed and generic handlers, both x86-64
// conventions as the callee, libc calling back, callee-saved registers,
// exceptions, lifetime and threads. In the i386 build the tests of the host's
// C convention (cdecl there) run as they are; the Win64, System V layout and
// pass-through ones are compiled out (an i386 process cannot run x86-64 code,
// and i386 callbacks always use the general body); the i386 conventions' own
// callback tests are in x86_api_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "test_support.h"

namespace {

using ctabi::abi::CallConv;

// The callback's address as a function pointer of `ret params` in the other
// convention these tests use: ms_abi on x86-64, stdcall in the i386 build
// (attributes do not survive template arguments, so a cast names the type).
#if defined(__x86_64__)
#define WIN64_FN(cb, ret, params)                                                                  \
    reinterpret_cast<ret(__attribute__((ms_abi))*) params>((cb).address())
constexpr CallConv kOtherConv = CallConv::win64;
#define OTHER_FN(cb, ret, params) WIN64_FN(cb, ret, params)
#else
constexpr CallConv kOtherConv = CallConv::stdcall;
#define OTHER_FN(cb, ret, params)                                                                  \
    reinterpret_cast<ret(__attribute__((stdcall))*) params>((cb).address())
#endif

using ctabi_test::host_sig;
using ctabi_test::other_arch_conv;
using ctabi_test::resident_kib;

TEST(Callback, TypedLambdaWithCaptures) {
    int calls = 0;
    int32_t bias = 100;
    auto cb = ctabi::make_callback<int32_t(int32_t, int32_t)>([&](int32_t a, int32_t b) {
        ++calls;
        return a * b + bias;
    });
    ASSERT_TRUE(cb) << cb.error().message;
    auto* f = cb->as<int32_t(int32_t, int32_t)>();
    EXPECT_EQ(f(6, 7), 142);
    bias = 0;
    EXPECT_EQ(f(-3, 5), -15);
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(cb->signature().to_string(), host_sig("i32(i32, i32)"));
}

TEST(Callback, VoidCallbackDropsTheCallablesValue) {
    int seen = 0;
    auto cb = ctabi::make_callback<void(int32_t)>([&](int32_t x) { return seen = x + 1; });
    ASSERT_TRUE(cb);
    cb->as<void(int32_t)>()(41);
    EXPECT_EQ(seen, 42);
}

TEST(Callback, StdFunctionAndMemberFunction) {
    std::function<double(double)> twice = [](double x) { return 2 * x; };
    auto a = ctabi::make_callback<double(double)>(twice, kOtherConv);
    ASSERT_TRUE(a) << a.error().message;
    EXPECT_EQ(OTHER_FN(*a, double, (double))(1.25), 2.5);

    struct Counter {
        int64_t total = 0;
        int64_t add(int64_t v, int8_t sign) { return total += sign * v; }
    } counter;
    auto b = ctabi::make_callback<int64_t(int64_t, int8_t)>(&counter, &Counter::add);
    ASSERT_TRUE(b) << b.error().message;
    auto* f = b->as<int64_t(int64_t, int8_t)>();
    EXPECT_EQ(f(40, 1), 40);
    EXPECT_EQ(f(2, -1), 38);
    EXPECT_EQ(counter.total, 38);
}

TEST(Callback, NarrowArgumentsBothConventions) {
    auto check = [](int8_t a, uint8_t b, int16_t c, uint16_t d, bool e) {
        return int32_t(a) * 1000000 + int32_t(b) * 1000 + int32_t(c) + int32_t(d) * 7 + (e ? 1 : 0);
    };
    auto s = ctabi::make_callback<int32_t(int8_t, uint8_t, int16_t, uint16_t, bool)>(check);
    auto w =
        ctabi::make_callback<int32_t(int8_t, uint8_t, int16_t, uint16_t, bool)>(check, kOtherConv);
    ASSERT_TRUE(s && w);
    const int32_t expect = check(-5, 250, -300, 60000, true);
    EXPECT_EQ(
        (s->as<int32_t(int8_t, uint8_t, int16_t, uint16_t, bool)>()(-5, 250, -300, 60000, true)),
        expect);
    EXPECT_EQ((OTHER_FN(*w, int32_t, (int8_t, uint8_t, int16_t, uint16_t, bool))(-5, 250, -300,
                                                                                 60000, true)),
              expect);
}

TEST(Callback, AggregatesInAndOutSysV) {
    auto pair = ctabi::make_callback<Pair(Pair, int64_t)>([](Pair p, int64_t k) {
        return Pair{p.a * k, p.b * double(k)};
    });
    ASSERT_TRUE(pair) << pair.error().message;
    Pair r = pair->as<Pair(Pair, int64_t)>()(Pair{3, 1.5}, 4);
    EXPECT_EQ(r.a, 12);
    EXPECT_EQ(r.b, 6.0);

    // 40 bytes: on the stack in, through the caller's buffer out (sret).
    auto big = ctabi::make_callback<Big(Big, int64_t)>([](Big b, int64_t k) {
        return Big{b.a + k, b.b + k, b.c + k, b.d + k, b.e + k};
    });
    ASSERT_TRUE(big) << big.error().message;
    EXPECT_NE(big->layout().to_string().find(sizeof(void*) == 8 ? "sret rdi" : "sret sp+0"),
              std::string::npos);
    Big out = big->as<Big(Big, int64_t)>()(Big{1, 2, 3, 4, 5}, 10);
    EXPECT_EQ(out.a, 11);
    EXPECT_EQ(out.e, 15);

    auto f3 = ctabi::make_callback<Floats3(Floats3)>([](Floats3 f) {
        return Floats3{f.z, f.y, f.x};
    });
    ASSERT_TRUE(f3);
    Floats3 g = f3->as<Floats3(Floats3)>()(Floats3{1, 2, 3});
    EXPECT_EQ(g.x, 3);
    EXPECT_EQ(g.y, 2);
    EXPECT_EQ(g.z, 1);

    auto ld = ctabi::make_callback<long double(long double, int32_t)>(
        [](long double x, int32_t n) { return x * n; });
    ASSERT_TRUE(ld);
    EXPECT_EQ(ld->as<long double(long double, int32_t)>()(1.5L, 3), 4.5L);
}

// Win64 layouts, ms_abi callers and the x86-64 pass-through shape: x86-64 only
// (see Callback.X86_64Only).
#if defined(__x86_64__)
TEST(Callback, AggregatesInAndOutWin64) {
    // 16 bytes: by reference in, through rcx out (returned in rax).
    auto pair = ctabi::make_callback<Pair(Pair, int64_t)>(
        [](Pair p, int64_t k) {
            return Pair{p.a + k, p.b - double(k)};
        },
        CallConv::win64);
    ASSERT_TRUE(pair) << pair.error().message;
    Pair r = WIN64_FN(*pair, Pair, (Pair, int64_t))(Pair{3, 1.5}, 4);
    EXPECT_EQ(r.a, 7);
    EXPECT_EQ(r.b, -2.5);

    // 3 bytes: by reference both ways (not 1, 2, 4 or 8).
    auto rgb = ctabi::make_callback<Rgb(Rgb)>(
        [](Rgb c) {
            return Rgb{c.b, c.g, uint8_t(c.r + 1)};
        },
        CallConv::win64);
    ASSERT_TRUE(rgb);
    Rgb c = WIN64_FN(*rgb, Rgb, (Rgb))(Rgb{10, 20, 30});
    EXPECT_EQ(c.r, 30);
    EXPECT_EQ(c.g, 20);
    EXPECT_EQ(c.b, 11);

    // Stack arguments past the four register slots, mixed classes.
    auto many = ctabi::make_callback<double(int32_t, double, int64_t, float, int32_t, double)>(
        [](int32_t a, double b, int64_t c, float d, int32_t e, double f) {
            return a + b * 10 + double(c) * 100 + d * 1000 + e * 10000 + f * 100000;
        },
        CallConv::win64);
    ASSERT_TRUE(many);
    EXPECT_EQ((WIN64_FN(*many, double,
                        (int32_t, double, int64_t, float, int32_t, double))(1, 2, 3, 4, 5, 6)),
              654321.0);
}

TEST(Callback, TypedHandlersArePassThroughWhenTheLayoutsAgree) {
    // The handler is compiled in the foreign convention with the state as a
    // last argument: registers only (tail jump), or the pointer after stack
    // arguments (a frame repeating them).
    auto regs =
        ctabi::make_callback<int32_t(int32_t, int32_t)>([](int32_t a, int32_t b) { return a - b; });
    ASSERT_TRUE(regs);
    EXPECT_TRUE(regs->is_passthrough());
    EXPECT_EQ(regs->as<int32_t(int32_t, int32_t)>()(7, 9), -2);

    using I = int64_t;
    auto eight =
        ctabi::make_callback<I(I, I, I, I, I, I, I, I)>([](I a, I b, I c, I d, I e, I f, I g, I h) {
            return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h;
        });
    ASSERT_TRUE(eight);
    EXPECT_TRUE(eight->is_passthrough());
    EXPECT_EQ((eight->as<I(I, I, I, I, I, I, I, I)>()(1, 1, 1, 1, 1, 1, 1, 100)), 828);

    auto five = ctabi::make_callback<double(double, I, double, I, double)>(
        [](double a, I b, double c, I d, double e) {
            return a + double(b) * 10 + c * 100 + double(d) * 1000 + e * 10000;
        },
        CallConv::win64);
    ASSERT_TRUE(five);
    EXPECT_TRUE(five->is_passthrough());
    EXPECT_EQ(WIN64_FN(*five, double, (double, I, double, I, double))(1, 2, 3, 4, 5), 54321.0);

    // A 40-byte struct on the stack and a result through the caller's buffer.
    auto big = ctabi::make_callback<Big(I, Big)>([](I k, Big b) {
        return Big{b.e, b.d, b.c, b.b, b.a + k};
    });
    ASSERT_TRUE(big);
    EXPECT_TRUE(big->is_passthrough());
    Big r = big->as<Big(I, Big)>()(10, Big{1, 2, 3, 4, 5});
    EXPECT_EQ(r.a, 5);
    EXPECT_EQ(r.e, 11);
}

struct alignas(32) Wide {
    double x[4];
};

} // namespace

template <>
struct ctabi::c_type<Wide> {
    static abi::Type get() {
        return *abi::parse_type("{f64 @0, f64 @8, f64 @16, f64 @24 | size 32 align 32}");
    }
};

namespace {

TEST(Callback, TypedHandlersUseTheGeneralBodyOtherwise) {
    // Six integers fill the registers, so the state pointer would go on the
    // stack after a 32-aligned struct: the frame a pass-through body would
    // repeat them in needs a stricter alignment, so the general body serves.
    using I = int64_t;
    auto cb = ctabi::make_callback<double(I, I, I, I, I, I, Wide)>(
        [](I a, I b, I c, I d, I e, I f, Wide w) {
            return double(a + b + c + d + e + f) * (w.x[0] + w.x[1] + w.x[2] + w.x[3]);
        });
    ASSERT_TRUE(cb) << cb.error().message;
    EXPECT_FALSE(cb->is_passthrough());
    EXPECT_EQ((cb->as<double(I, I, I, I, I, I, Wide)>()(1, 1, 1, 1, 1, 1, Wide{{1, 2, 3, 4}})),
              60.0);
    // With a register left for the pointer, the struct stays where the
    // caller put it and the pass-through shape serves.
    auto reg = ctabi::make_callback<double(int32_t, Wide)>(
        [](int32_t k, Wide w) { return k * (w.x[0] + w.x[1] + w.x[2] + w.x[3]); });
    ASSERT_TRUE(reg);
    EXPECT_TRUE(reg->is_passthrough());
    EXPECT_EQ((reg->as<double(int32_t, Wide)>()(2, Wide{{1, 2, 3, 4}})), 20.0);
}
#endif

TEST(Callback, QsortAndBsearchCallBack) {
    int calls = 0;
    auto cmp =
        ctabi::make_callback<int(const void*, const void*)>([&](const void* a, const void* b) {
            ++calls;
            int x = *static_cast<const int*>(a), y = *static_cast<const int*>(b);
            return (x > y) - (x < y);
        });
    ASSERT_TRUE(cmp) << cmp.error().message;
    auto* fn = cmp->as<int(const void*, const void*)>();
    std::vector<int> v;
    for (int i = 0; i < 1000; ++i)
        v.push_back((i * 7919) % 1000 - 500);
    std::qsort(v.data(), v.size(), sizeof(int), fn);
    for (size_t i = 1; i < v.size(); ++i)
        ASSERT_LE(v[i - 1], v[i]);
    EXPECT_GT(calls, 1000);
    int key = 123;
    auto* found = static_cast<int*>(std::bsearch(&key, v.data(), v.size(), sizeof(int), fn));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, 123);
    key = 5000;
    EXPECT_EQ(std::bsearch(&key, v.data(), v.size(), sizeof(int), fn), nullptr);
}

#if defined(__x86_64__)
TEST(Callback, Win64CallerKeepsItsCalleeSavedRegisters) {
    // The handler is System V code: it may clobber rdi, rsi and xmm6-xmm15,
    // which the ms_abi caller keeps its live values in. This one does.
    auto cb = ctabi::make_callback<double(double, int64_t)>(
        [](double x, int64_t k) {
            __asm__ volatile("xorpd %%xmm6, %%xmm6\n\txorpd %%xmm7, %%xmm7\n\t"
                             "xorpd %%xmm8, %%xmm8\n\txorpd %%xmm9, %%xmm9\n\t"
                             "xorpd %%xmm10, %%xmm10\n\txorpd %%xmm11, %%xmm11\n\t"
                             "xorpd %%xmm12, %%xmm12\n\txorpd %%xmm13, %%xmm13\n\t"
                             "xorpd %%xmm14, %%xmm14\n\txorpd %%xmm15, %%xmm15\n\t"
                             "xor %%esi, %%esi\n\txor %%edi, %%edi"
                             :
                             :
                             : "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13",
                               "xmm14", "xmm15", "rsi", "rdi");
            return x * double(k);
        },
        CallConv::win64);
    ASSERT_TRUE(cb) << cb.error().message;
    int kept = 0;
    double r = w_call_keeping(WIN64_FN(*cb, double, (double, int64_t)), 1.5, 4, &kept);
    EXPECT_EQ(r, 6.0);
    EXPECT_EQ(kept, 1) << "rdi, rsi or xmm6-xmm15 were not preserved for the ms_abi caller";
}
#else
TEST(Callback, X86_64Only) {
    GTEST_SKIP() << "the Win64 callback tests (ms_abi callers, xmm6-xmm15), the System V "
                    "aggregate-alignment cases and the pass-through shape are x86-64 code, which "
                    "an i386 process cannot run";
}
#endif

struct VariadicSeen {
    int32_t count = 0;
    int64_t first = 0;
    double second = 0;
    int64_t third = 0;
};

void record_variadic(void* user, void* result, void* const* args) {
    auto& seen = *static_cast<VariadicSeen*>(user);
    seen.count = *static_cast<int32_t*>(args[0]);
    seen.first = *static_cast<int64_t*>(args[1]);
    seen.second = *static_cast<double*>(args[2]);
    seen.third = *static_cast<int64_t*>(args[3]);
    const double sum = double(seen.first) + seen.second + double(seen.third);
    *static_cast<int64_t*>(result) = int64_t(sum * 2);
}

TEST(Callback, GenericHandlerForVariadicSignatures) {
    // The callback serves calls of one shape: these fixed and variadic types.
    VariadicSeen s;
    auto sysv = ctabi::make_callback("i64(i32, ..., i64, f64, i64)", &record_variadic, &s);
    ASSERT_TRUE(sysv) << sysv.error().message;
    EXPECT_EQ(t_call_variadic(sysv->as<int64_t(int32_t, ...)>()), 85);
    EXPECT_EQ(s.first, 10);
    EXPECT_EQ(s.second, 2.5);
    EXPECT_EQ(s.third, 30);

#if defined(__x86_64__)
    // Win64 passes the variadic double in both xmm2 and r8; the result here
    // is a double, so write it as one.
    VariadicSeen w;
    auto win = ctabi::make_callback(
        "win64 f64(i32, ..., i64, f64, i64)",
        [](void* user, void* result, void* const* args) {
            auto& seen = *static_cast<VariadicSeen*>(user);
            seen.first = *static_cast<int64_t*>(args[1]);
            seen.second = *static_cast<double*>(args[2]);
            seen.third = *static_cast<int64_t*>(args[3]);
            *static_cast<double*>(result) = double(seen.first) + seen.second + double(seen.third);
        },
        &w);
    ASSERT_TRUE(win) << win.error().message;
    EXPECT_EQ(w_call_variadic(WIN64_FN(*win, double, (int32_t, ...))), 42.5);
    EXPECT_EQ(w.second, 2.5);
#endif
}

#if defined(__x86_64__)
TEST(Callback, GenericHandlerSeesAggregatesDecoded) {
    struct Seen {
        int32_t i = 0;
        double x = 0, y = 0;
    } seen;
    auto cb = ctabi::make_callback(
        "win64 f64(i32, {f64, f64})",
        [](void* user, void* result, void* const* args) {
            auto& s = *static_cast<Seen*>(user);
            s.i = *static_cast<int32_t*>(args[0]);
            auto* xy = static_cast<double*>(args[1]);
            s.x = xy[0];
            s.y = xy[1];
            *static_cast<double*>(result) = s.i + s.x * s.y;
        },
        &seen);
    ASSERT_TRUE(cb) << cb.error().message;
    struct XY {
        double x, y;
    };
    EXPECT_EQ(WIN64_FN(*cb, double, (int32_t, XY))(2, XY{3, 4}), 14.0);
    EXPECT_EQ(seen.x, 3);
    EXPECT_EQ(seen.y, 4);
}
#endif

std::atomic<int> hook_calls{0};
std::string hook_signature;

TEST(Callback, ThrowingHandlerReturnsZeroAndReportsToTheHook) {
    auto previous = ctabi::set_callback_exception_hook(
        [](const ctabi::abi::Signature& sig, std::exception_ptr error) {
            ++hook_calls;
            hook_signature = sig.to_string();
            try {
                std::rethrow_exception(error);
            } catch (const std::runtime_error& e) {
                EXPECT_STREQ(e.what(), "no");
            }
        });
    auto cb = ctabi::make_callback<Pair(int64_t)>(
        [](int64_t k) -> Pair {
            if (k < 0) throw std::runtime_error("no");
            return Pair{k, 1.0};
        },
        kOtherConv);
    ASSERT_TRUE(cb);
    auto* f = OTHER_FN(*cb, Pair, (int64_t));
    EXPECT_EQ(f(5).a, 5);
    Pair r = f(-1);
    EXPECT_EQ(r.a, 0);
    EXPECT_EQ(r.b, 0.0);
    EXPECT_EQ(hook_calls.load(), 1);
    EXPECT_EQ(hook_signature, std::string(ctabi::abi::conv_name(kOtherConv)) + " {i64, f64}(i64)");

    // The generic form too.
    auto g = ctabi::make_callback(
        "f64(f64)", [](void*, void*, void* const*) { throw std::runtime_error("no"); }, nullptr);
    ASSERT_TRUE(g);
    EXPECT_EQ(g->as<double(double)>()(1.0), 0.0);
    EXPECT_EQ(hook_calls.load(), 2);
    ctabi::set_callback_exception_hook(previous);
}

TEST(Callback, BadInputIsAnError) {
    auto bad_text = ctabi::make_callback("i32(i32", &record_variadic, nullptr);
    ASSERT_FALSE(bad_text);
    auto null_handler = ctabi::make_callback("i32(i32)", ctabi::CallbackHandler(nullptr), nullptr);
    ASSERT_FALSE(null_handler);
    EXPECT_NE(null_handler.error().message.find("handler is null"), std::string::npos);
    // Code of the other instruction set cannot run in this process.
    auto other = ctabi::make_callback(std::string(other_arch_conv()) + " i32(i32)",
                                      &record_variadic, nullptr);
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find(other_arch_conv()), std::string::npos);
    auto void_arg = ctabi::make_callback("i32(void)", &record_variadic, nullptr);
    EXPECT_FALSE(void_arg);
}

TEST(Callback, MovedAndResetOwnersFreeOnce) {
    const auto before = ctabi::callback_stats().live;
    {
        auto a = ctabi::make_callback<int32_t(int32_t)>([](int32_t x) { return x + 1; });
        ASSERT_TRUE(a);
        ctabi::Callback b = std::move(*a);
        EXPECT_FALSE(*a);
        EXPECT_EQ(b.as<int32_t(int32_t)>()(1), 2);
        EXPECT_EQ(ctabi::callback_stats().live, before + 1);
        ctabi::Callback c;
        c = std::move(b);
        EXPECT_EQ(c.as<int32_t(int32_t)>()(2), 3);
        c.reset();
        EXPECT_FALSE(c);
        EXPECT_EQ(ctabi::callback_stats().live, before);
    }
    EXPECT_EQ(ctabi::callback_stats().live, before);
}

TEST(CallbackDeathTest, CallingAFreedCallbackStopsLoudly) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_DEATH(
        {
            auto cb = ctabi::make_callback<int32_t(int32_t)>([](int32_t x) { return x; });
            auto* f = cb->as<int32_t(int32_t)>();
            cb->reset();
            f(1);
        },
        "called after it was freed");
#if defined(__x86_64__)
    // The general body's stub form too (every i386 callback has that form).
    EXPECT_DEATH(
        {
            auto cb = ctabi::make_callback(
                "win64 f64(i32, {f64, f64})", [](void*, void*, void* const*) {}, nullptr);
            auto* f = cb->address();
            cb->reset();
            reinterpret_cast<double(__attribute__((ms_abi))*)(int32_t, double)>(f)(1, 2.0);
        },
        "called after it was freed");
#endif
}

TEST(Callback, HundredThousandCreatedAndFreedInFlatMemory) {
    if (ctabi_test::kAddressSanitizer)
        GTEST_SKIP() << "AddressSanitizer's quarantine keeps freed memory resident (leaks are "
                        "LeakSanitizer's to find in this build)";
    // Warm up: the stub chunk and the body exist, the heap has grown.
    auto make = [](int64_t k) {
        return ctabi::make_callback<int64_t(int64_t)>([k](int64_t x) { return x + k; }, kOtherConv);
    };
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(make(i));
    const auto stats_before = ctabi::callback_stats();
    const long rss_before = resident_kib();
    for (int64_t i = 0; i < 100000; ++i) {
        auto cb = make(i);
        ASSERT_TRUE(cb);
        ASSERT_EQ(OTHER_FN(*cb, int64_t, (int64_t))(1), i + 1);
    }
    EXPECT_EQ(ctabi::callback_stats().capacity, stats_before.capacity);
    EXPECT_EQ(ctabi::callback_stats().live, stats_before.live);
    EXPECT_LT(resident_kib() - rss_before, 1024) << "resident memory grew";
}

TEST(Callback, ThousandsLiveAtOnce) {
    std::vector<ctabi::Callback> live;
    for (int64_t i = 0; i < 5000; ++i) {
        auto cb = ctabi::make_callback<int64_t(int64_t)>([i](int64_t x) { return x * i; });
        ASSERT_TRUE(cb);
        live.push_back(std::move(*cb));
    }
    for (int64_t i = 0; i < 5000; ++i)
        ASSERT_EQ(live[size_t(i)].as<int64_t(int64_t)>()(3), 3 * i);
}

TEST(Callback, CreatedAndCalledFromManyThreads) {
    constexpr int kThreads = 8, kEach = 2000;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([t, &failures] {
            std::vector<std::pair<int64_t, ctabi::Callback>> mine;
            for (int i = 0; i < kEach; ++i) {
                const int64_t k = int64_t(t) * 100000 + i;
                auto cb = ctabi::make_callback<int64_t(int64_t, double)>(
                    [k](int64_t x, double y) { return x + k + int64_t(y); },
                    i % 2 ? kOtherConv : ctabi::abi::host_conv());
                if (!cb) {
                    ++failures;
                    continue;
                }
                mine.emplace_back(k, std::move(*cb));
                if (i % 3 == 0) mine.erase(mine.begin()); // free some as we go
            }
            for (auto& [k, cb] : mine) {
                int64_t r = cb.signature().conv == kOtherConv
                                ? OTHER_FN(cb, int64_t, (int64_t, double))(1, 1.0)
                                : cb.as<int64_t(int64_t, double)>()(1, 1.0);
                if (r != k + 2) ++failures;
            }
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(failures.load(), 0);
}

} // namespace
