// fork() and generated code (jit/fork_safety.cpp). Code memory is a shared
// memfd mapped twice; a child inherits the mappings, so without care the
// child's new code and callback slots would land in the parent's pages (and
// the reverse) at the same addresses. Here the parent and the child each make
// code of their own signatures after the fork, interleaved so that they
// write the same addresses (their allocators were copies), and each checks
// its own results, and that code made before the fork still works in both.
#include <gtest/gtest.h>

#include <cstdio>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "ctabi/callback.h"
#include "ctabi/invoker.h"

namespace {

// result = args[0] * factor
void times(void* factor, void* result, void* const* args) {
    *static_cast<int32_t*>(result) =
        *static_cast<const int32_t*>(args[0]) * *static_cast<int*>(factor);
}

struct Made {
    std::vector<ctabi::Callback> callbacks;
    std::vector<ctabi::Invoker> invokers;
    std::vector<int> factors;
};

// n callbacks of signatures `i32(i32, T x j)` (j = 0..n-1) multiplying by
// `factor`, and an invoker for each, bound to it.
bool make(Made& m, const char* extra, int n, int factor) {
    m.factors.assign(size_t(n), factor);
    for (int j = 0; j < n; ++j) {
        std::string sig = "i32(i32";
        for (int k = 0; k < j; ++k)
            sig += std::string(", ") + extra;
        sig += ")";
        auto cb = ctabi::make_callback(sig, &times, &m.factors[size_t(j)]);
        if (!cb) return false;
        auto inv = ctabi::make_invoker(sig, cb->address());
        if (!inv) return false;
        m.callbacks.push_back(std::move(*cb));
        m.invokers.push_back(std::move(*inv));
    }
    return true;
}

// Calls every invoker with a = 7 (the other arguments zero).
bool check(const Made& m, int factor) {
    alignas(16) unsigned char zero[64] = {};
    for (size_t j = 0; j < m.invokers.size(); ++j) {
        int32_t a = 7, r = 0;
        std::vector<void*> args(j + 1, zero);
        args[0] = &a;
        m.invokers[j](&r, args.data());
        if (r != 7 * factor) return false;
    }
    return true;
}

void send(int fd) {
    char c = 1;
    ASSERT_EQ(write(fd, &c, 1), 1);
}
void wait_for(int fd) {
    char c;
    ASSERT_EQ(read(fd, &c, 1), 1);
}

TEST(Fork, ParentAndChildCodeStayTheirOwn) {
    Made before;
    ASSERT_TRUE(make(before, "i16", 6, 11));
    ASSERT_TRUE(check(before, 11));
    int to_parent[2], to_child[2];
    ASSERT_EQ(pipe(to_parent), 0);
    ASSERT_EQ(pipe(to_child), 0);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        // The child: its own code first, then the parent writes its own,
        // then the child calls its own.
        Made mine;
        int status = make(mine, "f64", 40, 3) ? 0 : 2;
        char c = 1;
        if (write(to_parent[1], &c, 1) != 1 || read(to_child[0], &c, 1) != 1) status = 3;
        if (status == 0 && !check(mine, 3)) status = 4;
        if (status == 0 && !check(before, 11)) status = 5;
        mine = Made{}; // and free it
        if (status == 0) {
            Made again;
            if (!make(again, "ptr", 20, 13) || !check(again, 13)) status = 6;
        }
        _exit(status);
    }
    wait_for(to_parent[0]);
    Made mine;
    ASSERT_TRUE(make(mine, "i8", 40, 5));
    send(to_child[1]);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status)) << "the child died: signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "the child's code was not its own (2 make, 3 pipe, 4 its code, 5 code from before "
           "the fork, 6 code after freeing)";
    EXPECT_TRUE(check(mine, 5));
    EXPECT_TRUE(check(before, 11));
    mine = Made{};
    Made again;
    ASSERT_TRUE(make(again, "u16", 20, 17));
    EXPECT_TRUE(check(again, 17));
    for (int fd : {to_parent[0], to_parent[1], to_child[0], to_child[1]})
        close(fd);
}

} // namespace

namespace {

// No mapping of the process is writable and executable at once, while
// invokers, thunks and callbacks of many signatures exist (executable
// memory is dual-mapped: a read-write view and a separate read-execute one).
TEST(WriteXorExecute, NoMappingIsWritableAndExecutable) {
    Made made;
    ASSERT_TRUE(make(made, "f32", 50, 2));
    ASSERT_TRUE(check(made, 2));
    std::vector<ctabi::Thunk> thunks;
    for (int j = 0; j < 20; ++j) {
        std::string sig = "i32(i32";
        for (int k = 0; k < j; ++k)
            sig += ", {i8, f64}";
        sig += ")";
        auto t = ctabi::make_thunk(sig, made.callbacks[0].address());
        ASSERT_TRUE(t) << t.error().message;
        thunks.push_back(std::move(*t));
    }
    FILE* maps = std::fopen("/proc/self/maps", "r");
    ASSERT_NE(maps, nullptr);
    char line[4096];
    int executable = 0;
    while (std::fgets(line, sizeof line, maps)) {
        char perms[5] = {};
        if (std::sscanf(line, "%*x-%*x %4s", perms) != 1) continue;
        EXPECT_FALSE(perms[1] == 'w' && perms[2] == 'x') << "writable and executable: " << line;
        executable += perms[2] == 'x';
    }
    std::fclose(maps);
    EXPECT_GT(executable, 0);
}

} // namespace

namespace {

// Many threads making, calling and freeing invokers, thunks and callbacks of
// shared and private signatures at once (tools/sanitize tsan runs this under
// ThreadSanitizer).
TEST(Threads, ManyThreadsMakeCallAndFreeCode) {
    constexpr int kThreads = 8, kRounds = 150;
    std::atomic<int> wrong{0}, failed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([t, &wrong, &failed] {
            for (int round = 0; round < kRounds; ++round) {
                // A signature shared by all threads, and one of this thread's.
                const int j = round % 6;
                const char* extra = (round + t) % 2 ? "f64" : "i16";
                Made m;
                if (!make(m, extra, j + 1, t + 2)) {
                    ++failed;
                    continue;
                }
                if (!check(m, t + 2)) ++wrong;
                std::string own = "i32(i32";
                for (int k = 0; k <= t; ++k)
                    own += ", u8";
                own += ", {i32, f32})";
                auto thunk = ctabi::make_thunk(own, m.callbacks[0].address());
                if (!thunk) ++failed;
            }
        });
    for (auto& th : threads)
        th.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(wrong.load(), 0);
}

} // namespace
