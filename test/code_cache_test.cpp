// The process-wide cache, executable memory permissions and release.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "ctabi/ctabi.h"
#include "test_support.h"

namespace {

const void* fn(auto* f) {
    return reinterpret_cast<const void*>(f);
}

// The permissions ("r-xp") of the mapping holding `address`.
std::string permissions_of(const void* address) {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    auto a = reinterpret_cast<uintptr_t>(address);
    while (std::getline(maps, line)) {
        uintptr_t lo = 0, hi = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo <= a && a < hi)
            return perms;
    }
    return "";
}

using ctabi_test::resident_kib;

TEST(CodeCache, SameKeySameCodeCompiledOnce) {
    size_t before = ctabi::cached_code_count();
    // A key no other test uses (the cache is process-wide).
    const char* sig = "win64 f64(f64, i64, {i8, i8, i8, i8, i8})";
    auto a = ctabi::make_thunk(sig, fn(&w_clobber));
    auto b = ctabi::make_thunk(sig, fn(&w_clobber));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->address(), b->address());
    EXPECT_EQ(ctabi::cached_code_count(), before + 1);
    auto c = ctabi::make_invoker(sig, fn(&w_clobber));
    ASSERT_TRUE(c);
    EXPECT_EQ(ctabi::cached_code_count(), before + 2) << "invokers and thunks are distinct";
}

TEST(CodeCache, KeysSurviveTheTableGrowing) {
    // Enough keys to grow the table several times; every one is then found
    // again as the same code, and keys differing only in target or kind stay
    // distinct.
    constexpr int kKeys = 5000;
    const size_t before = ctabi::cached_code_count();
    const auto sig = ctabi::abi::parse_signature("win64 f64(i32, f64, i64, f64)").value();
    auto target = [](int i) {
        return reinterpret_cast<const void*>(uintptr_t(0x6e0000000000) + 16 * i);
    };
    std::vector<void*> first;
    for (int i = 0; i < kKeys; ++i) {
        auto t = ctabi::make_thunk(sig, target(i));
        ASSERT_TRUE(t) << t.error().message;
        first.push_back(t->address());
    }
    EXPECT_EQ(ctabi::cached_code_count(), before + kKeys);
    for (int i = 0; i < kKeys; ++i) {
        auto t = ctabi::make_thunk(sig, target(i));
        ASSERT_TRUE(t);
        ASSERT_EQ(t->address(), first[size_t(i)]) << "key " << i;
    }
    auto inv = ctabi::make_invoker(sig, target(0));
    ASSERT_TRUE(inv);
    EXPECT_NE(reinterpret_cast<void*>(inv->bound_entry()), first[0]);
    EXPECT_EQ(ctabi::cached_code_count(), before + kKeys + 1);
}

TEST(CodeCache, ConcurrentBuildersAgree) {
    constexpr int kThreads = 8, kSignatures = 50;
    std::vector<std::vector<void*>> seen(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([t, &seen] {
            for (int i = 0; i < kSignatures; ++i) {
                // Distinct signatures: a struct whose array length varies.
                std::string sig = "win64 i32({i8, [" + std::to_string(i + 1) + " x i16]}, i32)";
                auto th = ctabi::make_thunk(sig, fn(&w_narrow));
                seen[t].push_back(th ? th->address() : nullptr);
            }
        });
    for (auto& th : threads)
        th.join();
    for (int t = 0; t < kThreads; ++t)
        for (int i = 0; i < kSignatures; ++i) {
            ASSERT_NE(seen[t][i], nullptr);
            EXPECT_EQ(seen[t][i], seen[0][i]);
        }
}

TEST(ExecutableMemory, NeverWritableAndExecutable) {
    auto inv = ctabi::make_invoker("win64 {u8, u8, u8}({u8, u8, u8})", fn(&w_rgb));
    ASSERT_TRUE(inv);
    std::string perms = permissions_of(reinterpret_cast<const void*>(inv->bound_entry()));
    ASSERT_EQ(perms.size(), 4u);
    EXPECT_EQ(perms[2], 'x');
    EXPECT_EQ(perms[1], '-') << "generated code is mapped " << perms;
}

TEST(ExecutableMemory, UncachedCodeIsFreedWithItsOwner) {
    auto sig = ctabi::abi::parse_signature("sysv64 i32(i32, i32)");
    auto layout = ctabi::abi::classify(*sig);
    ASSERT_TRUE(layout);
    auto make_and_drop = [&](int n) {
        for (int i = 0; i < n; ++i) {
            auto code = ctabi::jit::emit_invoker(*layout, fn(&t_add));
            ASSERT_TRUE(code);
            int32_t a = i, b = 1, r = 0;
            void* args[] = {&a, &b};
            reinterpret_cast<ctabi::jit::BoundInvokeFn>(code->entry)(&r, args);
            ASSERT_EQ(r, i + 1);
        }
    };
    make_and_drop(2000); // warm up the allocator's pools
    long before = resident_kib();
    make_and_drop(50000);
    long after = resident_kib();
    // 50,000 live invokers would take megabytes; freed ones reuse the same blocks.
    EXPECT_LT(after - before, 2048)
        << "resident memory grew from " << before << " to " << after << " KiB";
}

} // namespace
