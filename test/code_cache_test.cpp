// The process-wide cache, executable memory permissions and release.
#include <gtest/gtest.h>

#include <cinttypes>
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
        if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " %4s", &lo, &hi, perms) == 3 &&
            lo <= a && a < hi)
            return perms;
    }
    return "";
}

using ctabi_test::resident_kib;

// Signatures that need generated code (not the target itself), of a
// convention other than the host's C one but runnable here: Win64 on x86-64,
// stdcall in the i386 build. Built, not called (the targets are only keys),
// except where a test says so.
std::string foreign(std::string_view rest) {
#if defined(__x86_64__)
    return "win64 " + std::string(rest);
#else
    return "stdcall " + std::string(rest);
#endif
}

TEST(CodeCache, SameKeySameCodeCompiledOnce) {
    size_t before = ctabi::cached_code_count();
    // A key no other test uses (the cache is process-wide).
    const std::string sig = foreign("f64(f64, i64, {i8, i8, i8, i8, i8})");
    auto a = ctabi::make_thunk(sig, fn(&t_ld));
    auto b = ctabi::make_thunk(sig, fn(&t_ld));
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->address(), b->address());
    EXPECT_EQ(ctabi::cached_code_count(), before + 1);
    auto c = ctabi::make_invoker(sig, fn(&t_ld));
    ASSERT_TRUE(c);
    EXPECT_EQ(ctabi::cached_code_count(), before + 2) << "invokers and thunks are distinct";
}

TEST(CodeCache, KeysSurviveTheTableGrowing) {
    // Enough keys to grow the table several times; every one is then found
    // again as the same code, and keys differing only in target or kind stay
    // distinct.
    constexpr int kKeys = 5000;
    const size_t before = ctabi::cached_code_count();
    const auto sig = ctabi::abi::parse_signature(foreign("f64(i32, f64, i64, f64)")).value();
    auto target = [](int i) {
        const uintptr_t base = sizeof(void*) == 8 ? uintptr_t(0x6e0000000000) : 0x6e000000;
        return reinterpret_cast<const void*>(base + 16 * uintptr_t(i));
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
                std::string sig = foreign("i32({i8, [" + std::to_string(i + 1) + " x i16]}, i32)");
                auto th = ctabi::make_thunk(sig, fn(&t_narrow));
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
    auto inv = ctabi::make_invoker(foreign("{u8, u8, u8}({u8, u8, u8})"), fn(&t_floats3));
    ASSERT_TRUE(inv);
    std::string perms = permissions_of(reinterpret_cast<const void*>(inv->bound_entry()));
    ASSERT_EQ(perms.size(), 4u);
    EXPECT_EQ(perms[2], 'x');
    EXPECT_EQ(perms[1], '-') << "generated code is mapped " << perms;
}

TEST(ExecutableMemory, UncachedCodeIsFreedWithItsOwner) {
    if (ctabi_test::kAddressSanitizer)
        GTEST_SKIP() << "AddressSanitizer's quarantine keeps freed memory resident (leaks are "
                        "LeakSanitizer's to find in this build)";
    auto sig = ctabi::abi::parse_signature("i32(i32, i32)");
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
