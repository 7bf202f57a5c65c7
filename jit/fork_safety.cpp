// fork() and dual-mapped code. Executable memory here is a shared memfd
// mapped twice (read-write and read-execute views: never both at once), and
// a child process inherits those MAP_SHARED mappings: without care, code the
// child writes lands in the parent's pages and the reverse (the trap for
// which cffi avoids libffi's allocator). So, around every fork():
//   prepare (parent): take the code cache's lock and the code-memory lock
//     (no thread of ours is inside either, or writes code, while the fork
//     happens) and make a pipe;
//   child: give every dual-mapped memfd mapping ("/memfd:vmem", asmjit's)
//     a fresh memfd of its own with the same contents, mapped at the same
//     addresses with the same protections; then tell the parent;
//   parent: wait until the child has done so (until then the parent must not
//     change pages the child still shares), then release the locks; the child
//     makes them anew (its copies record the parent's thread as holder).
// After that, the two processes' code memory is independent: each can make,
// call and free code without touching the other's.
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "code_cache.h"
#include "exec_memory.h"

namespace ctabi::jit {
namespace {

int g_pipe[2] = {-1, -1};

struct Mapping {
    uintptr_t start, end;
    uint64_t offset, inode;
    int prot;
};

// The child's work, with no allocation (the parent may have had other
// threads in malloc): /proc/self/maps read into a static buffer.
constexpr size_t kMaxMappings = 8192;
Mapping g_maps[kMaxMappings];
char g_buffer[1 << 16];

[[noreturn]] void child_fail(const char* what) {
    const char head[] = "ctabi: after fork(), making the child's code memory its own failed: ";
    (void)!write(2, head, sizeof head - 1);
    (void)!write(2, what, std::strlen(what));
    (void)!write(2, "\n", 1);
    _exit(127);
}

uint64_t hex(const char*& p) {
    uint64_t v = 0;
    for (;; ++p) {
        const char c = *p;
        if (c >= '0' && c <= '9')
            v = v * 16 + uint64_t(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v * 16 + uint64_t(c - 'a' + 10);
        else
            return v;
    }
}

uint64_t dec(const char*& p) {
    uint64_t v = 0;
    for (; *p >= '0' && *p <= '9'; ++p)
        v = v * 10 + uint64_t(*p - '0');
    return v;
}

// One line of /proc/self/maps: "start-end perms offset dev inode path".
void parse_line(const char* line, size_t& count) {
    static const char kName[] = "/memfd:vmem (deleted)";
    const char* path = std::strchr(line, '/');
    if (!path || std::strcmp(path, kName) != 0) return;
    const char* p = line;
    Mapping m{};
    m.start = uintptr_t(hex(p));
    ++p; // '-'
    m.end = uintptr_t(hex(p));
    ++p; // ' '
    m.prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
             (p[2] == 'x' ? PROT_EXEC : 0);
    if (p[3] != 's') return; // a private copy is already the child's own
    p += 5;
    m.offset = hex(p);
    ++p;
    while (*p && *p != ' ')
        ++p; // device
    ++p;
    m.inode = dec(p);
    if (count == kMaxMappings) child_fail("more than 8192 code mappings");
    g_maps[count++] = m;
}

size_t read_maps() {
    const int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) child_fail("cannot read /proc/self/maps");
    size_t count = 0, have = 0;
    for (;;) {
        const ssize_t n = read(fd, g_buffer + have, sizeof g_buffer - 1 - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) child_fail("reading /proc/self/maps");
        have += size_t(n);
        g_buffer[have] = 0;
        // Whole lines only; keep the unfinished one for the next read.
        char* line = g_buffer;
        for (char* nl; (nl = std::strchr(line, '\n')) != nullptr; line = nl + 1) {
            *nl = 0;
            parse_line(line, count);
        }
        have = size_t(g_buffer + have - line);
        std::memmove(g_buffer, line, have);
        if (n == 0) break;
        if (have == sizeof g_buffer - 1) child_fail("a /proc/self/maps line is too long");
    }
    close(fd);
    return count;
}

void rebind_code_memory() {
    const size_t count = read_maps();
    for (size_t i = 0; i < count; ++i) {
        const uint64_t inode = g_maps[i].inode;
        bool done = false;
        for (size_t k = 0; k < i; ++k)
            done |= g_maps[k].inode == inode;
        if (done) continue;
        uint64_t size = 0;
        for (size_t k = i; k < count; ++k)
            if (g_maps[k].inode == inode &&
                g_maps[k].offset + (g_maps[k].end - g_maps[k].start) > size)
                size = g_maps[k].offset + (g_maps[k].end - g_maps[k].start);
        const int fd = int(syscall(SYS_memfd_create, "vmem", unsigned(MFD_CLOEXEC)));
        if (fd < 0) child_fail("memfd_create");
        if (ftruncate(fd, off_t(size)) != 0) child_fail("ftruncate");
        // The contents, from any view (all are readable), then the views.
        for (size_t k = i; k < count; ++k) {
            const Mapping& m = g_maps[k];
            if (m.inode != inode || !(m.prot & PROT_READ)) continue;
            const size_t len = m.end - m.start;
            if (pwrite(fd, reinterpret_cast<const void*>(m.start), len, off_t(m.offset)) !=
                ssize_t(len))
                child_fail("copying code memory");
        }
        for (size_t k = i; k < count; ++k) {
            const Mapping& m = g_maps[k];
            if (m.inode != inode) continue;
            void* at = mmap(reinterpret_cast<void*>(m.start), m.end - m.start, m.prot,
                            MAP_SHARED | MAP_FIXED, fd, off_t(m.offset));
            if (at == MAP_FAILED) child_fail("mapping code memory");
        }
        close(fd);
    }
}

// Lock order: the code cache (which installs code) before code memory.
void prepare() {
    detail::cache_fork_prepare();
    code_memory_mutex().lock();
    if (pipe2(g_pipe, O_CLOEXEC) != 0) g_pipe[0] = g_pipe[1] = -1;
}

void parent() {
    if (g_pipe[1] >= 0) {
        close(g_pipe[1]);
        char c;
        // The child's byte, or end of file if it died first.
        while (read(g_pipe[0], &c, 1) < 0 && errno == EINTR) {
        }
        close(g_pipe[0]);
    }
    code_memory_mutex().unlock();
    detail::cache_fork_parent();
}

void child() {
    rebind_code_memory();
    if (g_pipe[1] >= 0) {
        close(g_pipe[0]);
        const char c = 1;
        (void)!write(g_pipe[1], &c, 1);
        close(g_pipe[1]);
    }
    reset_code_memory_mutex_in_child();
    detail::cache_fork_child();
}

} // namespace

void install_fork_handlers() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (pthread_atfork(&prepare, &parent, &child) != 0)
            std::fputs("ctabi: pthread_atfork failed: code memory is not fork-safe\n", stderr);
    });
}

} // namespace ctabi::jit
