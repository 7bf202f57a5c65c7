// Invokers called with values built here, against targets compiled by the
// host C++ compiler: the host's C convention (signatures without a
// convention: System V on x86-64, cdecl in the i386 build) and, on x86-64,
// ms_abi. The i386 conventions' own tests are in x86_api_test.cpp.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>

#include "ctabi/ctabi.h"
#include "test_support.h"

namespace {

using ctabi_test::other_arch_conv;

const void* fn(auto* f) {
    return reinterpret_cast<const void*>(f);
}

template <typename R>
R invoke(std::string_view sig, const void* target, std::initializer_list<void*> args) {
    auto inv = ctabi::make_invoker(sig, target);
    EXPECT_TRUE(inv) << (inv ? "" : inv.error().message);
    R result{};
    std::vector<void*> argv(args);
    (*inv)(&result, argv.data());
    return result;
}

TEST(Invoker, TwoScalars) {
    int32_t a = 40, b = 2;
    EXPECT_EQ(invoke<int32_t>("i32(i32, i32)", fn(&t_add), {&a, &b}), 42);
}

TEST(Invoker, NarrowIntegersAreWidenedAsTheCalleeExpects) {
    int8_t a = -5;
    uint8_t b = 250;
    int16_t c = -30000;
    uint16_t d = 60000;
    bool e = true;
    EXPECT_EQ(invoke<int32_t>("i32(i8, u8, i16, u16, bool)", fn(&t_narrow), {&a, &b, &c, &d, &e}),
              31);
#if defined(__x86_64__)
    EXPECT_EQ(
        invoke<int32_t>("win64 i32(i8, u8, i16, u16, bool)", fn(&w_narrow), {&a, &b, &c, &d, &e}),
        31);
#endif
}

TEST(Invoker, RegisterExhaustionSpillsToTheStack) {
    int32_t a = 1, e = 5, i = 9, p = 16;
    double b = 2, f = 6, h = 8, j = 10, k = 11, l = 12, m = 13, n = 14, o = 15;
    int64_t c = 3, g = 7;
    float d = 4;
    double r = invoke<double>(
        "f64(i32, f64, i64, f32, i32, f64, i64, f64, i32, f64, f64, f64, f64, f64, "
        "f64, i32)",
        fn(&t_mixed), {&a, &b, &c, &d, &e, &f, &g, &h, &i, &j, &k, &l, &m, &n, &o, &p});
    EXPECT_EQ(r, 136.0);
}

TEST(Invoker, MixedStructInRegistersBothWays) {
    Pair p{7, 1.5};
    int64_t k = 3;
    Pair r = invoke<Pair>("{i64, f64}({i64, f64}, i64)", fn(&t_pair), {&p, &k});
    EXPECT_EQ(r.a, 21);
    EXPECT_EQ(r.b, 4.5);
}

TEST(Invoker, MemoryClassStructAndSret) {
    Big b{1, 2, 3, 4, 5};
    int64_t k = 10;
    Big r = invoke<Big>("{i64, i64, i64, i64, i64}({i64, i64, i64, i64, i64}, i64)", fn(&t_big),
                        {&b, &k});
    EXPECT_EQ(r.a, 11);
    EXPECT_EQ(r.e, 15);
    EXPECT_EQ(b.a, 1) << "the caller's value must not change";
}

TEST(Invoker, TwelveByteFloatStruct) {
    Floats3 f{1.5f, 2.5f, 3.5f};
    Floats3 r = invoke<Floats3>("{f32, f32, f32}({f32, f32, f32})", fn(&t_floats3), {&f});
    EXPECT_EQ(r.x, 3.5f);
    EXPECT_EQ(r.y, 2.5f);
    EXPECT_EQ(r.z, 1.5f);
}

TEST(Invoker, LongDoubleOnTheStackAndInSt0) {
    long double x = 1.25L;
    int32_t n = 4;
    EXPECT_EQ(invoke<long double>("f80(f80, i32)", fn(&t_ld), {&x, &n}), 5.0L);
}

TEST(Invoker, SystemVVariadicSetsAl) {
    int32_t count = 4;
    int64_t a = 100, c = 1;
    double b = 20.0, d = 3.0;
    EXPECT_EQ(invoke<int64_t>("i64(i32, ..., i64, f64, i64, f64)", fn(&t_sum_variadic),
                              {&count, &a, &b, &c, &d}),
              124);
}

// Win64 (ms_abi) targets exist only in the x86-64 build: an i386 process
// cannot run x86-64 code (see Invoker.X86_64Only).
#if defined(__x86_64__)
TEST(Invoker, Win64MixedSlotsAndStack) {
    int32_t a = 1, e = 5;
    double b = 2, f = 6;
    int64_t c = 3;
    float d = 4;
    EXPECT_EQ(invoke<double>("win64 f64(i32, f64, i64, f32, i32, f64)", fn(&w_mixed),
                             {&a, &b, &c, &d, &e, &f}),
              21.0);
}

TEST(Invoker, Win64ThreeByteStructIsByReferenceAndReturnedThroughSret) {
    Rgb c{1, 2, 3};
    Rgb r = invoke<Rgb>("win64 {u8, u8, u8}({u8, u8, u8})", fn(&w_rgb), {&c});
    EXPECT_EQ(r.r, 3);
    EXPECT_EQ(r.b, 1);
}

TEST(Invoker, Win64SixteenByteStructByReference) {
    Pair p{7, 1.5};
    int64_t k = 3;
    Pair r = invoke<Pair>("win64 {i64, f64}({i64, f64}, i64)", fn(&w_pair), {&p, &k});
    EXPECT_EQ(r.a, 10);
    EXPECT_EQ(r.b, -1.5);
}

TEST(Invoker, Win64VariadicDoublesAlsoInIntegerRegisters) {
    int32_t count = 5;
    double v[5] = {1, 2, 3, 4, 5.5};
    EXPECT_EQ(invoke<double>("win64 f64(i32, ..., f64, f64, f64, f64, f64)", fn(&w_sum_variadic),
                             {&count, &v[0], &v[1], &v[2], &v[3], &v[4]}),
              15.5);
}

TEST(Invoker, Win64CalleeSavedRegistersSurvive) {
    double a = 2.5;
    int64_t b = 4;
    EXPECT_EQ(invoke<double>("win64 f64(f64, i64)", fn(&w_clobber), {&a, &b}), 10.0);
}
#else
TEST(Invoker, X86_64Only) {
    GTEST_SKIP() << "the Win64 invoker tests call ms_abi (x86-64) code, which an i386 process "
                    "cannot run";
}
#endif

TEST(Invoker, UnboundFormCallsAnyTargetOfTheSignature) {
    auto inv = ctabi::make_invoker("i32(i32, i32)");
    ASSERT_TRUE(inv);
    EXPECT_FALSE(inv->is_bound());
    int32_t a = 2, b = 3, r = 0;
    void* args[] = {&a, &b};
    (*inv)(fn(&t_add), &r, args);
    EXPECT_EQ(r, 5);
}

TEST(Invoker, ErrorsNameTheProblem) {
    // Code of the other instruction set cannot run in this process.
    auto other = ctabi::make_invoker(std::string(other_arch_conv()) + " i32(i32)", fn(&t_add));
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find(other_arch_conv()), std::string::npos);
    auto bad = ctabi::make_invoker("sysv64 i32(i32, quad)", fn(&t_add));
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("quad"), std::string::npos);
    auto f32var = ctabi::make_invoker("i32(i32, ..., f32)", fn(&t_add));
    ASSERT_FALSE(f32var);
    EXPECT_NE(f32var.error().message.find("argument 1"), std::string::npos);
}

} // namespace

namespace {

// The packed form: the argument buffer is a C struct of the arguments.
TEST(PackedInvoker, BufferIsACStructOfTheArguments) {
    auto inv = ctabi::make_packed_invoker("f64(i32, f64, i64, f32, i32, f64, i64, f64, "
                                          "i32, f64, f64, f64, f64, f64, f64, i32)",
                                          fn(&t_mixed));
    ASSERT_TRUE(inv);
    struct {
        int32_t a;
        double b;
        int64_t c;
        float d;
        int32_t e;
        double f;
        int64_t g;
        double h;
        int32_t i;
        double j, k, l, m, n, o;
        int32_t p;
    } args{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    auto buffer = inv->buffer();
    EXPECT_EQ(buffer.size, sizeof args);
    EXPECT_EQ(buffer.offsets[3], offsetof(decltype(args), d));
    double r = 0;
    (*inv)(&r, &args);
    EXPECT_EQ(r, 136.0);
}

TEST(PackedInvoker, AggregatesByValueInTheBuffer) {
#if defined(__x86_64__)
    struct {
        Pair p;
        int64_t k;
    } pair_args{{7, 1.5}, 3};
    auto p = ctabi::make_packed_invoker("win64 {i64, f64}({i64, f64}, i64)", fn(&w_pair));
    ASSERT_TRUE(p);
    Pair r{};
    (*p)(&r, &pair_args);
    EXPECT_EQ(r.a, 10);
    EXPECT_EQ(r.b, -1.5);
#endif

    struct {
        Big b;
        int64_t k;
    } big_args{{1, 2, 3, 4, 5}, 10};
    auto b = ctabi::make_packed_invoker("{i64, i64, i64, i64, i64}({i64, i64, i64, i64, i64}, i64)",
                                        fn(&t_big));
    ASSERT_TRUE(b);
    Big big{};
    (*b)(&big, &big_args);
    EXPECT_EQ(big.a, 11);
    EXPECT_EQ(big.e, 15);
}

TEST(PackedInvoker, NeedsATarget) {
    auto inv = ctabi::make_packed_invoker("i32(i32)", nullptr);
    ASSERT_FALSE(inv);
    EXPECT_NE(inv.error().message.find("null"), std::string::npos);
}

} // namespace
