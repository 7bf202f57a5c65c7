// Forward thunks: host-native canonical functions calling targets of either
// x86-64 convention (in the i386 build: of the host's cdecl; the other i386
// conventions are in x86_api_test.cpp), and the typed bind<> convenience.
#include <gtest/gtest.h>

#include "test_support.h"

namespace {

using ctabi_test::host_sig;

const void* fn(auto* f) {
    return reinterpret_cast<const void*>(f);
}

TEST(Thunk, CanonicalNativeTargetIsItsOwnThunk) {
    auto t = ctabi::make_thunk("i32(i32, i32)", fn(&t_add));
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->is_target_itself());
    EXPECT_EQ(t->address(), fn(&t_add));
}

TEST(Thunk, AggregatesByPointerAndResultThroughOutPointer) {
    auto t = ctabi::make_thunk("{i64, f64}({i64, f64}, i64)", fn(&t_pair));
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->is_target_itself());
    EXPECT_EQ(t->canonical_signature().to_string(), host_sig("void(ptr, ptr, i64)"));
    Pair in{7, 1.5}, out{};
    t->as<void(Pair*, const Pair*, int64_t)>()(&out, &in, 3);
    EXPECT_EQ(out.a, 21);
    EXPECT_EQ(out.b, 4.5);
}

TEST(Thunk, MemoryClassStructAndSretReuseTheCallersBuffer) {
    auto t =
        ctabi::make_thunk("{i64, i64, i64, i64, i64}({i64, i64, i64, i64, i64}, i64)", fn(&t_big));
    ASSERT_TRUE(t);
    Big in{1, 2, 3, 4, 5}, out{};
    t->as<void(Big*, const Big*, int64_t)>()(&out, &in, 100);
    EXPECT_EQ(out.a, 101);
    EXPECT_EQ(out.e, 105);
}

TEST(Thunk, LongDoubleByPointerBothWays) {
    auto t = ctabi::make_thunk("f80(f80, i32)", fn(&t_ld));
    ASSERT_TRUE(t);
    long double x = 1.5L, r = 0;
    t->as<void(long double*, const long double*, int32_t)>()(&r, &x, 3);
    EXPECT_EQ(r, 4.5L);
}

TEST(Thunk, VariadicTargetGetsAFixedCanonicalPrototype) {
    auto t = ctabi::make_thunk("i64(i32, ..., i64, f64)", fn(&t_sum_variadic));
    ASSERT_TRUE(t);
    EXPECT_FALSE(t->is_target_itself());
    EXPECT_EQ(t->as<int64_t(int32_t, int64_t, double)>()(2, 40, 2.0), 42);
}

// Win64 (ms_abi) targets exist only in the x86-64 build: an i386 process
// cannot run x86-64 code (see Thunk.X86_64Only).
#if defined(__x86_64__)
TEST(Thunk, Win64ScalarsShuffleIntoWin64Slots) {
    auto t = ctabi::make_thunk("win64 f64(i32, f64, i64, f32, i32, f64)", fn(&w_mixed));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->as<double(int32_t, double, int64_t, float, int32_t, double)>()(1, 2, 3, 4, 5, 6),
              21.0);
}

TEST(Thunk, Win64NarrowIntegers) {
    auto t = ctabi::make_thunk("win64 i32(i8, u8, i16, u16, bool)", fn(&w_narrow));
    ASSERT_TRUE(t);
    EXPECT_EQ(
        (t->as<int32_t(int8_t, uint8_t, int16_t, uint16_t, bool)>()(-5, 250, -30000, 60000, true)),
        31);
}

TEST(Thunk, Win64CalleeSavedRegistersAreTheCalleesJob) {
    auto t = ctabi::make_thunk("win64 f64(f64, i64)", fn(&w_clobber));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->as<double(double, int64_t)>()(2.5, 4), 10.0);
}

TEST(Thunk, Win64VariadicDuplicatesDoubles) {
    auto t = ctabi::make_thunk("win64 f64(i32, ..., f64, f64, f64, f64)", fn(&w_sum_variadic));
    ASSERT_TRUE(t);
    EXPECT_EQ(t->as<double(int32_t, double, double, double, double)>()(4, 1, 2, 3, 4.5), 10.5);
}

TEST(Bind, CallsAWin64FunctionAsAPlainCxxFunction) {
    auto f = ctabi::bind<double(int32_t, double, int64_t, float, int32_t, double)>(
        fn(&w_mixed), ctabi::abi::CallConv::win64);
    ASSERT_TRUE(f);
    EXPECT_EQ((*f)(1, 2, 3, 4, 5, 6), 21.0);
}

TEST(Bind, StructsByValueThroughCTypeSpecialisations) {
    auto pair = ctabi::bind<Pair(Pair, int64_t)>(fn(&w_pair), ctabi::abi::CallConv::win64);
    ASSERT_TRUE(pair);
    Pair r = (*pair)(Pair{1, 2.0}, 5);
    EXPECT_EQ(r.a, 6);
    EXPECT_EQ(r.b, -3.0);
    auto rgb = ctabi::bind<Rgb(Rgb)>(fn(&w_rgb), ctabi::abi::CallConv::win64);
    ASSERT_TRUE(rgb);
    Rgb c = (*rgb)(Rgb{10, 20, 30});
    EXPECT_EQ(c.r, 30);
    EXPECT_EQ(c.b, 10);
}

#else
TEST(Thunk, X86_64Only) {
    GTEST_SKIP() << "the Win64 thunk and bind<> tests call ms_abi (x86-64) code, which an i386 "
                    "process cannot run";
}
#endif

TEST(Bind, NativeCanonicalFunctionIsCalledDirectly) {
    auto f = ctabi::bind<int32_t(int32_t, int32_t)>(fn(&t_add));
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->thunk().is_target_itself());
    EXPECT_EQ((*f)(40, 2), 42);
}

TEST(Thunk, NullTargetIsAnError) {
    auto t = ctabi::make_thunk("i32(i32)", nullptr);
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().message.find("null"), std::string::npos);
}

} // namespace
