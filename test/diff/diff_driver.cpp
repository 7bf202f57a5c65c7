// The differential execution test: signatures (a fixed list pinning the
// classic rules, and seeded random ones) are turned into C callees by
// diff_gen, compiled by GCC and by Clang as System V and as ms_abi, loaded,
// and every case is called six ways:
//   - a bound invoker (make_invoker(sig, callee)),
//   - an unbound invoker (make_invoker(sig), the target passed at the call),
//   - a packed invoker (make_packed_invoker(sig, callee)), the arguments
//     copied into one buffer laid out as abi::argument_buffer says,
//   - a forward thunk (make_thunk(sig, callee)), called by C code with the
//     canonical prototype,
//   - a callback (make_callback(sig, handler)), called by C code with the
//     case's own foreign prototype; its handler forwards the call to the
//     callee through a bound invoker, so the callee checks the arguments the
//     trampoline gathered and C checks the result it returned,
//   - a pass-through callback (make_callback_from_state with the case's
//     generated pt_<i>, non-variadic cases), called like the callback: its
//     calls reach pt_<i>(args..., state), which forwards them to the callee,
//     or, where the signature does not allow it, a fallback handler that
//     forwards them through a bound invoker.
// The callee checks every scalar leaf it receives; the result is checked
// leaf by leaf; the call is made through a stub that also checks the
// host's callee-saved registers, rsp, the x87 stack, DF and MXCSR.
//
// Environment:
//   CTABI_DIFF_COUNT   random cases per compiler and convention (default 1000)
//   CTABI_DIFF_SEED    seed of the random cases (default: GenOptions'; printed)
//   CTABI_DIFF_JOBS    parallel compiler processes (default: the CPU count)
//   CTABI_DIFF_CHUNK   cases per generated C file (default: enough files to
//                      keep the compilers busy, at most kMaxChunk cases each
//                      so that a long run's compiler memory stays bounded)
//   CTABI_DIFF_OPT     the peers' optimisation flags, split at spaces
//                      (default: GCC -O1 -foptimize-sibling-calls, Clang
//                      -O2; see default_opt)
//   CTABI_DIFF_KEEP    keep the generated files even when all cases pass
//   CTABI_DIFF_REPORT  failing cases listed in full (default 20)
//   CTABI_DIFF_ONLY    run case I alone (same seed and count: the same case)
//   CTABI_DIFF_GCC, CTABI_DIFF_CLANG   the compilers (default: CMake's)
#include <dlfcn.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csetjmp>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "ctabi/ctabi.h"
#include "diff_gen.h"

extern char** environ;

#ifndef CTABI_DIFF_GCC_PATH
#define CTABI_DIFF_GCC_PATH "gcc"
#endif
#ifndef CTABI_DIFF_CLANG_PATH
#define CTABI_DIFF_CLANG_PATH "clang"
#endif

// Calls fn(a0, a1, a2) (the host's C convention) with sentinels in the
// callee-saved registers (x86-64: rbx, rbp, r12-r15; i386: ebx, esi, edi,
// ebp) and reports in *status what the call did not preserve (see
// kStatusNames): those registers, the stack pointer (exactly its value at
// the call: the functions called are cdecl and pop nothing), an empty x87
// stack, DF, the MXCSR and x87 control words.
extern "C" uintptr_t ctabi_diff_checked_call(const void* fn, uintptr_t a0, uintptr_t a1,
                                             uintptr_t a2, uint32_t* status);

#if defined(__x86_64__)
asm(R"(
    .intel_syntax noprefix
    .bss
    .p2align 4
ctabi_diff_saved_rsp: .zero 8
ctabi_diff_mxcsr_before: .zero 4
ctabi_diff_mxcsr_after: .zero 4
ctabi_diff_fcw_before: .zero 2
ctabi_diff_fcw_after: .zero 2
ctabi_diff_fpu_env: .zero 32
    .text
    .p2align 4
    .globl ctabi_diff_checked_call
    .hidden ctabi_diff_checked_call
    .type ctabi_diff_checked_call, @function
ctabi_diff_checked_call:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    push r8
    mov qword ptr [rip + ctabi_diff_saved_rsp], rsp
    stmxcsr dword ptr [rip + ctabi_diff_mxcsr_before]
    fnstcw word ptr [rip + ctabi_diff_fcw_before]
    mov rax, rdi
    mov rdi, rsi
    mov rsi, rdx
    mov rdx, rcx
    movabs rbx, 0x5ee1b1b1b1b1b1b1
    movabs rbp, 0x5ee1b2b2b2b2b2b2
    movabs r12, 0x5ee1c1c1c1c1c1c1
    movabs r13, 0x5ee1d1d1d1d1d1d1
    movabs r14, 0x5ee1e1e1e1e1e1e1
    movabs r15, 0x5ee1f1f1f1f1f1f1
    call rax
    xor ecx, ecx
    movabs rdx, 0x5ee1b1b1b1b1b1b1
    cmp rbx, rdx
    je 1f
    or ecx, 1
1:  movabs rdx, 0x5ee1b2b2b2b2b2b2
    cmp rbp, rdx
    je 1f
    or ecx, 2
1:  movabs rdx, 0x5ee1c1c1c1c1c1c1
    cmp r12, rdx
    je 1f
    or ecx, 4
1:  movabs rdx, 0x5ee1d1d1d1d1d1d1
    cmp r13, rdx
    je 1f
    or ecx, 8
1:  movabs rdx, 0x5ee1e1e1e1e1e1e1
    cmp r14, rdx
    je 1f
    or ecx, 16
1:  movabs rdx, 0x5ee1f1f1f1f1f1f1
    cmp r15, rdx
    je 1f
    or ecx, 32
1:  cmp rsp, qword ptr [rip + ctabi_diff_saved_rsp]
    je 1f
    or ecx, 64
    mov rsp, qword ptr [rip + ctabi_diff_saved_rsp]
1:  fnstenv [rip + ctabi_diff_fpu_env]
    fldenv [rip + ctabi_diff_fpu_env]
    movzx edx, word ptr [rip + ctabi_diff_fpu_env + 8]
    cmp edx, 0xffff
    je 1f
    or ecx, 128
    fninit
1:  pushfq
    pop rdx
    test edx, 0x400
    je 1f
    or ecx, 256
    cld
    /* MXCSR and the x87 control word: control bits only (the exception
       flags in MXCSR bits 0-5 are status, which any float operation sets). */
1:  stmxcsr dword ptr [rip + ctabi_diff_mxcsr_after]
    mov edx, dword ptr [rip + ctabi_diff_mxcsr_after]
    xor edx, dword ptr [rip + ctabi_diff_mxcsr_before]
    test edx, 0xffc0
    je 1f
    or ecx, 512
    ldmxcsr dword ptr [rip + ctabi_diff_mxcsr_before]
1:  fnstcw word ptr [rip + ctabi_diff_fcw_after]
    movzx edx, word ptr [rip + ctabi_diff_fcw_after]
    cmp dx, word ptr [rip + ctabi_diff_fcw_before]
    je 1f
    or ecx, 1024
    fldcw word ptr [rip + ctabi_diff_fcw_before]
1:  pop r8
    mov dword ptr [r8], ecx
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret
    .size ctabi_diff_checked_call, .-ctabi_diff_checked_call

    /* Harness self-tests: calls with a misaligned stack, and functions that
       break each rule the checking stub watches. */
    .p2align 4
ctabi_diff_call_misaligned:
    mov rax, rdi
    call rax
    ret
ctabi_diff_returns:
    ret
ctabi_diff_clobbers_rbx:
    mov ebx, 1
    ret
ctabi_diff_clobbers_r14:
    xor r14d, r14d
    ret
ctabi_diff_moves_rsp:
    pop rdx
    sub rsp, 8
    jmp rdx
ctabi_diff_leaves_x87:
    fld1
    ret
ctabi_diff_sets_df:
    std
    ret
ctabi_diff_changes_mxcsr:
    sub rsp, 8
    stmxcsr dword ptr [rsp]
    xor dword ptr [rsp], 0x8000
    ldmxcsr dword ptr [rsp]
    add rsp, 8
    ret
ctabi_diff_changes_fcw:
    sub rsp, 8
    fnstcw word ptr [rsp]
    xor word ptr [rsp], 0x0c00
    fldcw word ptr [rsp]
    add rsp, 8
    ret
ctabi_diff_sets_mxcsr_flags:
    sub rsp, 8
    stmxcsr dword ptr [rsp]
    or dword ptr [rsp], 0x3f
    ldmxcsr dword ptr [rsp]
    add rsp, 8
    ret
ctabi_diff_traps:
    ud2
    .globl ctabi_diff_call_misaligned, ctabi_diff_returns, ctabi_diff_clobbers_rbx
    .globl ctabi_diff_clobbers_r14, ctabi_diff_moves_rsp, ctabi_diff_leaves_x87
    .globl ctabi_diff_sets_df, ctabi_diff_changes_mxcsr, ctabi_diff_traps
    .globl ctabi_diff_changes_fcw, ctabi_diff_sets_mxcsr_flags
    .hidden ctabi_diff_call_misaligned, ctabi_diff_returns, ctabi_diff_clobbers_rbx
    .hidden ctabi_diff_clobbers_r14, ctabi_diff_moves_rsp, ctabi_diff_leaves_x87
    .hidden ctabi_diff_sets_df, ctabi_diff_changes_mxcsr, ctabi_diff_traps
    .hidden ctabi_diff_changes_fcw, ctabi_diff_sets_mxcsr_flags
    .att_syntax prefix
)");
#elif defined(__i386__)
// The stub keeps its state in .bss, reached GOT-relative (the test is PIE),
// and leaves 1 KiB between its frame and the call's arguments so that a
// callee popping too much cannot reach the saved registers before the check.
asm(R"(
    .bss
    .p2align 4
ctabi_diff_saved_esp: .zero 4
ctabi_diff_frame_esp: .zero 4
ctabi_diff_mxcsr_before: .zero 4
ctabi_diff_fcw_before: .zero 4
    .text
    .p2align 4
    .globl ctabi_diff_checked_call
    .hidden ctabi_diff_checked_call
    .type ctabi_diff_checked_call, @function
ctabi_diff_checked_call:
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    /* fn at 20(%esp), a0 24, a1 28, a2 32, status 36 */
    call 2f
2:  popl %ecx
    addl $_GLOBAL_OFFSET_TABLE_+(.-2b), %ecx
    movl %esp, ctabi_diff_frame_esp@GOTOFF(%ecx)
    stmxcsr ctabi_diff_mxcsr_before@GOTOFF(%ecx)
    fnstcw ctabi_diff_fcw_before@GOTOFF(%ecx)
    movl 20(%esp), %eax
    movl 24(%esp), %ebx
    movl 28(%esp), %esi
    movl 32(%esp), %edi
    subl $1024, %esp
    andl $-16, %esp
    subl $4, %esp
    pushl %edi
    pushl %esi
    pushl %ebx
    /* esp is 16-byte aligned at the call */
    movl %esp, ctabi_diff_saved_esp@GOTOFF(%ecx)
    movl $0x5ee1b1b1, %ebx
    movl $0x5ee1c1c1, %esi
    movl $0x5ee1d1d1, %edi
    movl $0x5ee1b2b2, %ebp
    call *%eax
    xorl %edx, %edx
    cmpl $0x5ee1b1b1, %ebx
    je 1f
    orl $1, %edx
1:  cmpl $0x5ee1c1c1, %esi
    je 1f
    orl $2, %edx
1:  cmpl $0x5ee1d1d1, %edi
    je 1f
    orl $4, %edx
1:  cmpl $0x5ee1b2b2, %ebp
    je 1f
    orl $8, %edx
1:  call 2f
2:  popl %ecx
    addl $_GLOBAL_OFFSET_TABLE_+(.-2b), %ecx
    cmpl ctabi_diff_saved_esp@GOTOFF(%ecx), %esp
    je 1f
    orl $16, %edx
1:  movl ctabi_diff_frame_esp@GOTOFF(%ecx), %esp
    subl $32, %esp
    fnstenv (%esp)
    fldenv (%esp)
    movzwl 8(%esp), %ebx
    cmpl $0xffff, %ebx
    je 1f
    orl $32, %edx
    fninit
1:  pushfl
    popl %ebx
    testl $0x400, %ebx
    je 1f
    orl $64, %edx
    cld
    /* MXCSR and the x87 control word: control bits only (the exception
       flags in MXCSR bits 0-5 are status, which any float operation sets). */
1:  stmxcsr (%esp)
    movl (%esp), %ebx
    xorl ctabi_diff_mxcsr_before@GOTOFF(%ecx), %ebx
    testl $0xffc0, %ebx
    je 1f
    orl $128, %edx
    ldmxcsr ctabi_diff_mxcsr_before@GOTOFF(%ecx)
1:  fnstcw (%esp)
    movzwl (%esp), %ebx
    movzwl ctabi_diff_fcw_before@GOTOFF(%ecx), %esi
    cmpl %esi, %ebx
    je 1f
    orl $256, %edx
    fldcw ctabi_diff_fcw_before@GOTOFF(%ecx)
1:  addl $32, %esp
    movl 36(%esp), %ebx
    movl %edx, (%ebx)
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
    .size ctabi_diff_checked_call, .-ctabi_diff_checked_call

    /* Harness self-tests: calls with a misaligned stack, and functions that
       break each rule the checking stub watches. */
    .p2align 4
ctabi_diff_call_misaligned:
    /* (fn, shift): calls fn() with esp `shift` bytes below a 16-byte
       boundary; ebp keeps esp, whatever fn pops. */
    pushl %ebp
    movl %esp, %ebp
    movl 8(%ebp), %eax
    movl 12(%ebp), %ecx
    andl $-16, %esp
    subl %ecx, %esp
    call *%eax
    movl %ebp, %esp
    popl %ebp
    ret
ctabi_diff_returns:
    ret
ctabi_diff_clobbers_rbx:
    movl $1, %ebx
    ret
ctabi_diff_clobbers_r14:
    xorl %edi, %edi
    ret
ctabi_diff_moves_rsp:
    popl %edx
    subl $4, %esp
    jmp *%edx
ctabi_diff_pops_4:
    ret $4
ctabi_diff_leaves_x87:
    fld1
    ret
ctabi_diff_sets_df:
    std
    ret
ctabi_diff_changes_mxcsr:
    subl $4, %esp
    stmxcsr (%esp)
    xorl $0x8000, (%esp)
    ldmxcsr (%esp)
    addl $4, %esp
    ret
ctabi_diff_changes_fcw:
    subl $4, %esp
    fnstcw (%esp)
    xorw $0x0c00, (%esp)
    fldcw (%esp)
    addl $4, %esp
    ret
ctabi_diff_sets_mxcsr_flags:
    subl $4, %esp
    stmxcsr (%esp)
    orl $0x3f, (%esp)
    ldmxcsr (%esp)
    addl $4, %esp
    ret
ctabi_diff_traps:
    ud2
    .globl ctabi_diff_call_misaligned, ctabi_diff_returns, ctabi_diff_clobbers_rbx
    .globl ctabi_diff_clobbers_r14, ctabi_diff_moves_rsp, ctabi_diff_leaves_x87
    .globl ctabi_diff_sets_df, ctabi_diff_changes_mxcsr, ctabi_diff_traps
    .globl ctabi_diff_changes_fcw, ctabi_diff_sets_mxcsr_flags, ctabi_diff_pops_4
    .hidden ctabi_diff_call_misaligned, ctabi_diff_returns, ctabi_diff_clobbers_rbx
    .hidden ctabi_diff_clobbers_r14, ctabi_diff_moves_rsp, ctabi_diff_leaves_x87
    .hidden ctabi_diff_sets_df, ctabi_diff_changes_mxcsr, ctabi_diff_traps
    .hidden ctabi_diff_changes_fcw, ctabi_diff_sets_mxcsr_flags, ctabi_diff_pops_4
)");
#else
#error "the differential harness runs on x86-64 and i386 hosts"
#endif

extern "C" {
// Calls fn() with rsp 8 bytes off (x86-64), or esp `shift` bytes below a
// 16-byte boundary (i386).
void ctabi_diff_call_misaligned(const void* fn, uintptr_t shift);
void ctabi_diff_returns();
void ctabi_diff_clobbers_rbx(); // i386: ebx
void ctabi_diff_clobbers_r14(); // i386: edi
#if defined(__i386__)
void ctabi_diff_pops_4(); // `ret $4`: pops what its cdecl caller owns
#endif
void ctabi_diff_moves_rsp();
void ctabi_diff_leaves_x87();
void ctabi_diff_sets_df();
void ctabi_diff_changes_mxcsr();
void ctabi_diff_changes_fcw();
void ctabi_diff_sets_mxcsr_flags();
void ctabi_diff_traps();
}

namespace {

using ctabi_diff::Conv;
using ctabi_diff::diff_case;

#if defined(__x86_64__)
constexpr bool kI386 = false;
const char* const kStatusNames[] = {
    "rbx not preserved",          "rbp not preserved",        "r12 not preserved",
    "r13 not preserved",          "r14 not preserved",        "r15 not preserved",
    "rsp not restored",           "x87 stack left non-empty", "direction flag left set",
    "MXCSR control bits changed", "x87 control word changed",
};
#else
constexpr bool kI386 = true;
const char* const kStatusNames[] = {
    "ebx not preserved",
    "esi not preserved",
    "edi not preserved",
    "ebp not preserved",
    "esp not restored exactly (a wrong pop count)",
    "x87 stack left non-empty",
    "direction flag left set",
    "MXCSR control bits changed",
    "x87 control word changed",
};
#endif

constexpr uint32_t kDefaultCount = 1000;
// Cases per C file at most (a compiler holds a few hundred MB for 500).
constexpr uint32_t kMaxChunk = 500;
// The peers' optimisation: GCC at -O1 with sibling calls, Clang at -O2.
// The code the ABI fixes (where a callee finds its arguments, what a caller
// passes and expects back, the call sequence) is the same at -O1 as at -O2,
// and GCC's -O1 keeps what the checks rely on: values live in registers with
// whatever upper bits the compiler leaves there, the same (rare) inlining
// of check_ret_<i> into the C callers, and, with -foptimize-sibling-calls
// (otherwise -O2 only), pt_<i> tail-calling the callee. It compiles the
// generated code in about 60% of -O2's time, and compiling is nearly all of
// a run's time. Clang's -O1 saves nothing measurable, so Clang keeps -O2
// (with its callees relying on the caller's widening of narrow integers).
const char* default_opt(const std::string& compiler_name) {
    return compiler_name == "gcc" ? "-O1 -foptimize-sibling-calls" : "-O2";
}
constexpr size_t kMaxResult = 512; // bytes; the generator's largest is about 340

uint64_t env_u64(const char* name, uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::strtoull(v, nullptr, 0) : fallback;
}

std::string env_str(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string opt_flags(const char* compiler_name) {
    return env_str("CTABI_DIFF_OPT", default_opt(compiler_name));
}

// ---------------------------------------------------------------------------
// Running the compilers.

struct Job {
    std::vector<std::string> argv;
    std::string log; // stdout and stderr go here
};

// Runs the jobs, at most `parallel` at a time; false (and the failing job's
// command and output in *error) if one fails.
bool run_jobs(const std::vector<Job>& jobs, unsigned parallel, std::string* error) {
    struct Running {
        pid_t pid;
        size_t job;
    };
    std::vector<Running> running;
    bool ok = true;
    size_t next = 0;
    auto describe = [&](size_t j) {
        std::string cmd;
        for (const auto& a : jobs[j].argv)
            cmd += a + " ";
        std::ifstream log(jobs[j].log);
        std::stringstream ss;
        ss << log.rdbuf();
        std::string out = ss.str();
        if (out.size() > 4000) out = out.substr(0, 4000) + "\n[...]";
        return "command failed: " + cmd + "\n" + out;
    };
    while (next < jobs.size() || !running.empty()) {
        while (ok && next < jobs.size() && running.size() < std::max(1u, parallel)) {
            const Job& job = jobs[next];
            posix_spawn_file_actions_t actions;
            posix_spawn_file_actions_init(&actions);
            posix_spawn_file_actions_addopen(&actions, 1, job.log.c_str(),
                                             O_WRONLY | O_CREAT | O_TRUNC, 0644);
            posix_spawn_file_actions_adddup2(&actions, 1, 2);
            std::vector<char*> argv;
            for (const auto& a : job.argv)
                argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            pid_t pid;
            int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
            posix_spawn_file_actions_destroy(&actions);
            if (rc != 0) {
                *error = "cannot run " + job.argv[0] + ": " + std::strerror(rc);
                ok = false;
                break;
            }
            running.push_back({pid, next++});
        }
        if (running.empty()) break;
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            *error = std::string("waitpid: ") + std::strerror(errno);
            return false;
        }
        for (size_t i = 0; i < running.size(); ++i) {
            if (running[i].pid != pid) continue;
            if ((!WIFEXITED(status) || WEXITSTATUS(status) != 0) && ok) {
                *error = describe(running[i].job);
                ok = false;
            }
            running.erase(running.begin() + long(i));
            break;
        }
    }
    return ok;
}

// ---------------------------------------------------------------------------
// Surviving a crash in generated code: report it as the case's failure and
// go on with the next case.

sigjmp_buf g_crash_jump;
volatile sig_atomic_t g_in_call = 0;

void on_crash(int sig) {
    if (g_in_call) {
        g_in_call = 0;
        siglongjmp(g_crash_jump, sig);
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

class CrashGuard {
public:
    CrashGuard() {
        stack_.resize(1 << 16);
        stack_t ss{};
        ss.ss_sp = stack_.data();
        ss.ss_size = stack_.size();
        sigaltstack(&ss, &old_stack_);
        struct sigaction sa {};
        sa.sa_handler = on_crash;
        sa.sa_flags = SA_ONSTACK | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        for (size_t i = 0; i < kSignals.size(); ++i)
            sigaction(kSignals[i], &sa, &old_[i]);
    }
    ~CrashGuard() {
        for (size_t i = 0; i < kSignals.size(); ++i)
            sigaction(kSignals[i], &old_[i], nullptr);
        sigaltstack(&old_stack_, nullptr);
    }

private:
    static constexpr std::array<int, 5> kSignals = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP};
    std::vector<char> stack_;
    stack_t old_stack_{};
    std::array<struct sigaction, 5> old_{};
};

// ---------------------------------------------------------------------------
// One generated, compiled and loaded library.

struct Library {
    void* handle = nullptr;
    std::vector<const diff_case*> cases; // in case order
    void (*reset)() = nullptr;
    int* failures = nullptr;
    int* calls = nullptr;
    const char* log = nullptr;
    void* const* pt_data = nullptr; // diff_pt_data: the last pass-through data pointer
};

bool load(const std::string& path, size_t chunks, size_t expected, Library* lib,
          std::string* error) {
    lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib->handle) {
        *error = std::string("dlopen: ") + dlerror();
        return false;
    }
    auto sym = [&](const std::string& name) {
        void* p = dlsym(lib->handle, name.c_str());
        if (!p) *error += "missing symbol " + name + "; ";
        return p;
    };
    lib->reset = reinterpret_cast<void (*)()>(sym("diff_reset"));
    lib->failures = static_cast<int*>(sym("diff_failures"));
    lib->calls = static_cast<int*>(sym("diff_calls"));
    lib->log = static_cast<const char*>(sym("diff_log"));
    lib->pt_data = static_cast<void* const*>(sym("diff_pt_data"));
    for (size_t k = 0; k < chunks; ++k) {
        auto* table = static_cast<const diff_case*>(sym("diff_cases_" + std::to_string(k)));
        auto* count = static_cast<const unsigned*>(sym("diff_case_count_" + std::to_string(k)));
        if (!table || !count) return false;
        for (unsigned i = 0; i < *count; ++i)
            lib->cases.push_back(&table[i]);
    }
    if (!error->empty()) return false;
    if (lib->cases.size() != expected) {
        *error = "the library has " + std::to_string(lib->cases.size()) + " cases, expected " +
                 std::to_string(expected);
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------
// Running the cases.

struct Failure {
    size_t index;
    std::string signature;
    std::string detail;
};

enum class Mode { bound_invoker, unbound_invoker, packed_invoker, thunk, callback, passthrough };
constexpr Mode kModes[] = {Mode::bound_invoker, Mode::unbound_invoker, Mode::packed_invoker,
                           Mode::thunk,         Mode::callback,        Mode::passthrough};
const char* mode_name(Mode m) {
    switch (m) {
    case Mode::bound_invoker: return "bound invoker";
    case Mode::unbound_invoker: return "unbound invoker";
    case Mode::packed_invoker: return "packed invoker";
    case Mode::thunk: return "forward thunk";
    case Mode::callback: return "callback";
    case Mode::passthrough: return "pass-through callback";
    }
    return "?";
}

std::string status_text(uint32_t status) {
    std::string s;
    for (size_t b = 0; b < std::size(kStatusNames); ++b)
        if (status & (1u << b)) s += std::string(s.empty() ? "" : ", ") + kStatusNames[b];
    return s;
}

// Calls through the checking stub; returns 0, or the signal that stopped the
// call (the guard's handler jumps back here). *ret (if given) receives rax.
__attribute__((noinline)) int guarded_call(uintptr_t fn, uintptr_t a0, uintptr_t a1, uintptr_t a2,
                                           uint32_t* status, uintptr_t* ret = nullptr) {
    if (int sig_no = sigsetjmp(g_crash_jump, 1); sig_no != 0) return sig_no;
    g_in_call = 1;
    uintptr_t rax = ctabi_diff_checked_call(reinterpret_cast<const void*>(fn), a0, a1, a2, status);
    g_in_call = 0;
    if (ret) *ret = rax;
    return 0;
}

// The callback mode's handler: the call goes on to the callee through a
// bound invoker (its user data), which reads the arguments where the
// trampoline put them and writes the result where the trampoline returns it
// from.
struct ForwardingHandler {
    const ctabi::Invoker* invoker = nullptr;
    int calls = 0;
    // Self-check: flips every result byte after the call when set.
    size_t corrupt_result = 0;

    static void handle(void* user_data, void* result, void* const* args) {
        auto& self = *static_cast<ForwardingHandler*>(user_data);
        ++self.calls;
        (*self.invoker)(result, args);
        for (size_t b = 0; b < self.corrupt_result; ++b)
            static_cast<unsigned char*>(result)[b] ^= 0x5a;
    }
};

// The pass-through mode's state: pt_<i> receives its address as the data
// pointer; the fallback handler (signatures that cannot take the
// pass-through shape) forwards the call to the callee through the bound
// invoker.
struct PassthroughState final : ctabi::detail::CallbackState {
    ctabi::Invoker invoker;
    int fallback_calls = 0;

    static void fallback(void* data, void* result, void* const* args) noexcept {
        auto& self = *static_cast<PassthroughState*>(data);
        ++self.fallback_calls;
        self.invoker(result, args);
    }
};

class CaseRunner {
public:
    explicit CaseRunner(const Library& lib) : lib_(lib) {}

    // Every problem of case i, as one line each (empty: the case passed).
    std::vector<std::string> run(size_t i) {
        std::vector<std::string> problems;
        const diff_case& c = *lib_.cases[i];
        auto sig = ctabi::abi::parse_signature(c.signature);
        if (!sig) {
            problems.push_back("ctabi cannot parse it: " + sig.error().message);
            return problems;
        }
        // ctabi's sizes against C's sizeof.
        if (c.nsizes != sig->args.size() + 1) {
            problems.push_back("harness: argument count mismatch");
            return problems;
        }
        if (sig->result.size != c.sizes[0])
            problems.push_back("result size: ctabi " + std::to_string(sig->result.size) + ", C " +
                               std::to_string(c.sizes[0]));
        for (size_t a = 0; a < sig->args.size(); ++a)
            if (sig->args[a].size != c.sizes[a + 1])
                problems.push_back("size of argument " + std::to_string(a) + ": ctabi " +
                                   std::to_string(sig->args[a].size) + ", C " +
                                   std::to_string(c.sizes[a + 1]));
        for (Mode m : kModes) {
            std::string p = call(*sig, c, m);
            if (!p.empty()) problems.push_back(std::string(mode_name(m)) + ": " + p);
        }
        return problems;
    }

    size_t crashes() const { return crashes_; }
    // Cases with a pass-through handler, those whose callback took the
    // pass-through shape, and the signatures of the others.
    size_t passthrough_cases() const { return passthrough_cases_; }
    size_t passthrough_shaped() const { return passthrough_shaped_; }
    const std::vector<std::string>& fallback_signatures() const { return fallback_signatures_; }

private:
    std::string call(const ctabi::abi::Signature& sig, const diff_case& c, Mode mode) {
        constexpr size_t kCanary = 16;
        constexpr unsigned char kFill = 0xa5;
        alignas(64) unsigned char result[kMaxResult + kCanary];
        std::memset(result, kFill, sizeof result);
        uint64_t result_size = c.sizes[0];
        if (result_size > kMaxResult) return "harness: result larger than its buffer";

        uintptr_t fn = 0, a0 = 0, a1 = 0, a2 = 0;
        ctabi::Invoker inv;
        ctabi::PackedInvoker packed;
        ctabi::Thunk thunk;
        ctabi::Callback callback;
        ForwardingHandler forward;
        PassthroughState* pt_state = nullptr; // owned by `callback`
        std::vector<unsigned char> storage;
        if (mode == Mode::passthrough && !c.passthrough) return ""; // variadic, or i386
        if (mode == Mode::packed_invoker) {
            auto r = ctabi::make_packed_invoker(sig, c.callee);
            if (!r) return "make_packed_invoker failed: " + r.error().message;
            packed = *r;
            ctabi::abi::ArgumentBuffer layout = packed.buffer();
            // The buffer, aligned as its most aligned argument wants.
            storage.assign(layout.size + layout.align, 0);
            auto base = reinterpret_cast<uintptr_t>(storage.data());
            auto* buffer = reinterpret_cast<unsigned char*>((base + layout.align - 1) /
                                                            layout.align * layout.align);
            for (size_t i = 0; i < sig.args.size(); ++i)
                std::memcpy(buffer + layout.offsets[i], c.argv[i], sig.args[i].size);
            fn = reinterpret_cast<uintptr_t>(packed.entry());
            a0 = reinterpret_cast<uintptr_t>(result);
            a1 = reinterpret_cast<uintptr_t>(buffer);
        } else if (mode == Mode::thunk) {
            auto t = ctabi::make_thunk(sig, c.callee);
            if (!t) return "make_thunk failed: " + t.error().message;
            thunk = *t;
            fn = reinterpret_cast<uintptr_t>(c.call_thunk);
            a0 = reinterpret_cast<uintptr_t>(thunk.address());
        } else if (mode == Mode::callback) {
            auto r = ctabi::make_invoker(sig, c.callee);
            if (!r) return "make_invoker failed: " + r.error().message;
            inv = *r;
            forward.invoker = &inv;
            auto cb = ctabi::make_callback(sig, &ForwardingHandler::handle, &forward);
            if (!cb) return "make_callback failed: " + cb.error().message;
            callback = std::move(*cb);
            fn = reinterpret_cast<uintptr_t>(c.call_callback);
            a0 = reinterpret_cast<uintptr_t>(callback.address());
        } else if (mode == Mode::passthrough) {
            auto r = ctabi::make_invoker(sig, c.callee);
            if (!r) return "make_invoker failed: " + r.error().message;
            auto state = std::make_unique<PassthroughState>();
            state->invoker = *r;
            pt_state = state.get();
            auto cb = ctabi::make_callback_from_state(sig, &PassthroughState::fallback,
                                                      c.passthrough, std::move(state));
            if (!cb) return "make_callback_from_state failed: " + cb.error().message;
            callback = std::move(*cb);
            ++passthrough_cases_;
            if (callback.is_passthrough())
                ++passthrough_shaped_;
            else
                fallback_signatures_.push_back(c.signature);
            fn = reinterpret_cast<uintptr_t>(c.call_callback);
            a0 = reinterpret_cast<uintptr_t>(callback.address());
        } else {
            bool bound = mode == Mode::bound_invoker;
            auto r = ctabi::make_invoker(sig, bound ? c.callee : nullptr);
            if (!r) return "make_invoker failed: " + r.error().message;
            inv = *r;
            if (bound) {
                fn = reinterpret_cast<uintptr_t>(inv.bound_entry());
                a0 = reinterpret_cast<uintptr_t>(result);
                a1 = reinterpret_cast<uintptr_t>(c.argv);
            } else {
                fn = reinterpret_cast<uintptr_t>(inv.entry());
                a0 = reinterpret_cast<uintptr_t>(c.callee);
                a1 = reinterpret_cast<uintptr_t>(result);
                a2 = reinterpret_cast<uintptr_t>(c.argv);
            }
        }
        if (!fn) return "no code address";

        lib_.reset();
        uint32_t status = 0;
        uintptr_t verdict = 0;
        if (int sig_no = guarded_call(fn, a0, a1, a2, &status, &verdict); sig_no != 0) {
            ++crashes_;
            std::string log = lib_.log;
            return std::string("crashed with ") + strsignal(sig_no) +
                   (log.empty() ? "" : " (mismatches logged before: " + log + ")");
        }

        std::string problems;
        auto add = [&](const std::string& s) { problems += (problems.empty() ? "" : "; ") + s; };
        if (*lib_.calls != 1)
            add("the callee ran " + std::to_string(*lib_.calls) + " times, not once");
        if (mode == Mode::callback && forward.calls != 1)
            add("the handler ran " + std::to_string(forward.calls) + " times, not once");
        if (mode == Mode::passthrough) {
            void* data = *lib_.pt_data;
            if (callback.is_passthrough()) {
                if (data != pt_state)
                    add("the pass-through handler received data " + hex(data) + ", not the state " +
                        hex(pt_state));
                if (pt_state->fallback_calls != 0)
                    add("the fallback handler ran " + std::to_string(pt_state->fallback_calls) +
                        " times in the pass-through shape");
            } else {
                if (pt_state->fallback_calls != 1)
                    add("the fallback handler ran " + std::to_string(pt_state->fallback_calls) +
                        " times, not once");
                if (data != nullptr) add("the pass-through handler ran in the fallback shape");
            }
        }
        bool c_caller = mode == Mode::thunk || mode == Mode::callback || mode == Mode::passthrough;
        if (c_caller && int(verdict) != 0 && *lib_.failures == 0)
            add("the C caller reported " + std::to_string(int(verdict)) +
                " mismatches but logged none");
        if (!c_caller) {
            // The result's leaves, then nothing written past its bytes.
            // (A C caller, call_thunk_<i> or call_callback_<i>, has checked
            // its result.)
            c.check_ret(result);
            for (size_t b = result_size; b < result_size + kCanary; ++b)
                if (result[b] != kFill) {
                    add("wrote past the result's " + std::to_string(result_size) + " bytes");
                    break;
                }
        }
        if (*lib_.failures) add("mismatched: " + std::string(lib_.log));
        if (status) add(status_text(status));
        return problems;
    }

    static std::string hex(const void* p) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%p", p);
        return buf;
    }

    const Library& lib_;
    size_t crashes_ = 0;
    size_t passthrough_cases_ = 0;
    size_t passthrough_shaped_ = 0;
    std::vector<std::string> fallback_signatures_;
};

// The i386 pop-count checks must see a wrong count: a callback built for
// the case's types under a convention that pops another count (stdcall for
// a cdecl case, cdecl for the others) handed to the case's C caller, and a
// callback of the canonical types under stdcall handed to its thunk caller
// (call_thunk_<i>, which expects cdecl). Returns what was not seen.
std::vector<std::string> pop_count_check(const Library& lib) {
    std::vector<std::string> missed;
    using ctabi::abi::CallConv;
    for (size_t i = 0; i < lib.cases.size(); ++i) {
        const diff_case& c = *lib.cases[i];
        auto sig = ctabi::abi::parse_signature(c.signature);
        if (!sig || sig->is_variadic() || sig->args.empty() || sig->result.is_aggregate()) continue;
        ctabi::abi::Signature other = *sig;
        other.conv = sig->conv == CallConv::cdecl_ ? CallConv::stdcall : CallConv::cdecl_;
        auto mine = ctabi::abi::classify(*sig);
        auto theirs = ctabi::abi::classify(other);
        if (!mine || !theirs || mine->callee_pops == theirs->callee_pops) continue;
        // The handler writes a zero result: only the pop count matters here.
        // (The caller's own stores between the call and the esp check go
        // astray by the difference, so the status is not looked at.)
        auto zero = [](void*, void* result, void* const*) { std::memset(result, 0, 16); };
        auto cb = ctabi::make_callback(other, zero, nullptr);
        if (!cb) {
            missed.push_back("pop-count check, case " + std::to_string(c.index) + ": " +
                             cb.error().message);
            return missed;
        }
        CrashGuard guard;
        uint32_t status = 0;
        uintptr_t verdict = 0;
        lib.reset();
        int sig_no =
            guarded_call(reinterpret_cast<uintptr_t>(c.call_callback),
                         reinterpret_cast<uintptr_t>(cb->address()), 0, 0, &status, &verdict);
        if (sig_no != 0 || verdict == 0 || std::strstr(lib.log, "esp after the call") == nullptr)
            missed.push_back("a " + std::string(ctabi::abi::conv_name(other.conv)) +
                             " callback popping " + std::to_string(theirs->callee_pops) +
                             " bytes, called as " + c.signature + " (pops " +
                             std::to_string(mine->callee_pops) + "), went unnoticed (log: '" +
                             lib.log + "', status: " + status_text(status) + ")");
        // The thunk caller: the canonical prototype is cdecl; a stdcall
        // function of those types pops its stack arguments.
        ctabi::abi::Signature canonical = ctabi::abi::canonical_signature(*sig);
        canonical.conv = CallConv::stdcall;
        auto popping = ctabi::make_callback(canonical, zero, nullptr);
        if (!popping) {
            missed.push_back("pop-count check, case " + std::to_string(c.index) + ": " +
                             popping.error().message);
            return missed;
        }
        lib.reset();
        verdict = 0;
        sig_no =
            guarded_call(reinterpret_cast<uintptr_t>(c.call_thunk),
                         reinterpret_cast<uintptr_t>(popping->address()), 0, 0, &status, &verdict);
        if (sig_no != 0 || verdict == 0 || std::strstr(lib.log, "esp after the call") == nullptr)
            missed.push_back("a thunk popping its arguments went unnoticed by its cdecl caller "
                             "(case " +
                             std::to_string(c.index) + ", log: '" + lib.log +
                             "', status: " + status_text(status) + ")");
        return missed;
    }
    missed.push_back("no case whose pop count another convention changes");
    return missed;
}

// The harness must be able to fail: on the loaded library, a call with a
// misaligned stack, a corrupted argument and a corrupted result must each be
// seen (and on i386 a wrong pop count). Returns what was not seen.
std::vector<std::string> self_check(const Library& lib, bool windows) {
    std::vector<std::string> missed;
    CrashGuard guard;
    uint32_t status = 0;

    // Case 0 of each fixed list is `void()` (thiscall: `void(ptr)`): call it
    // with the stack misaligned (i386 Windows rules: 4-byte alignment only,
    // so 2 bytes off).
    const diff_case& trivial = *lib.cases.at(0);
    if (std::string(trivial.signature).find("void(") == std::string::npos) {
        missed.push_back("case 0 is not void(): " + std::string(trivial.signature));
    } else {
        lib.reset();
        int sig_no =
            guarded_call(reinterpret_cast<uintptr_t>(&ctabi_diff_call_misaligned),
                         reinterpret_cast<uintptr_t>(trivial.callee), windows ? 2 : 4, 0, &status);
        if (sig_no == 0 && std::strstr(lib.log, "stack alignment at entry") == nullptr)
            missed.push_back("a callee entered with a misaligned stack did not notice");
    }
    if (kI386)
        for (auto& m : pop_count_check(lib))
            missed.push_back(m);

    const size_t min_arg = kI386 ? 4 : 8;
    for (size_t i = 0; i < lib.cases.size(); ++i) {
        const diff_case& c = *lib.cases[i];
        if (c.nsizes < 2 || c.sizes[1] < min_arg || c.sizes[0] == 0) continue;
        // Argument 0 with every byte flipped: its leaves must be named.
        std::vector<unsigned char> bad(static_cast<const unsigned char*>(c.argv[0]),
                                       static_cast<const unsigned char*>(c.argv[0]) + c.sizes[1]);
        for (auto& b : bad)
            b ^= 0x5a;
        std::vector<void*> argv(c.argv, c.argv + c.nsizes - 1);
        argv[0] = bad.data();
        auto sig = ctabi::abi::parse_signature(c.signature);
        auto inv =
            sig ? ctabi::make_invoker(*sig, c.callee) : ctabi::Result<ctabi::Invoker>(sig.error());
        if (!inv) {
            missed.push_back("self-check case " + std::to_string(c.index) + ": " +
                             inv.error().message);
            break;
        }
        alignas(64) unsigned char result[kMaxResult];
        lib.reset();
        int sig_no = guarded_call(reinterpret_cast<uintptr_t>(inv->bound_entry()),
                                  reinterpret_cast<uintptr_t>(result),
                                  reinterpret_cast<uintptr_t>(argv.data()), 0, &status);
        if (sig_no != 0 || std::strncmp(lib.log, "a0", 2) != 0)
            missed.push_back("a corrupted argument went unnoticed (case " +
                             std::to_string(c.index) + ", log: '" + lib.log + "')");
        // A result that was never written must not pass.
        std::memset(result, 0xa5, sizeof result);
        lib.reset();
        if (c.check_ret(result) == 0 || std::strstr(lib.log, "result") == nullptr)
            missed.push_back("an unwritten result went unnoticed (case " + std::to_string(c.index) +
                             ")");
        // A callback whose handler returns a corrupted result: its C caller
        // must say so.
        ForwardingHandler forward;
        forward.invoker = &*inv;
        forward.corrupt_result = c.sizes[0];
        auto cb = ctabi::make_callback(*sig, &ForwardingHandler::handle, &forward);
        if (!cb) {
            missed.push_back("self-check case " + std::to_string(c.index) + ": " +
                             cb.error().message);
            return missed;
        }
        lib.reset();
        uintptr_t verdict = 0;
        sig_no = guarded_call(reinterpret_cast<uintptr_t>(c.call_callback),
                              reinterpret_cast<uintptr_t>(cb->address()), 0, 0, &status, &verdict);
        if (sig_no != 0 || verdict == 0 || std::strstr(lib.log, "result") == nullptr)
            missed.push_back("a callback's corrupted result went unnoticed (case " +
                             std::to_string(c.index) + ", log: '" + lib.log + "')");
        return missed;
    }
    missed.push_back("no case with an aggregate argument and a result to corrupt");
    return missed;
}

// ---------------------------------------------------------------------------
// One test: a compiler, a convention (and for i386 a platform), fixed or
// random cases.

struct Params {
    const char* compiler_name;
    std::string compiler;
    Conv conv;
    ctabi_diff::Platform platform;
    bool fixed;
};

std::string test_name(const Params& p) {
    return std::string(p.compiler_name) + "_" +
           (ctabi_diff::is_i386(p.conv) ? std::string(ctabi_diff::platform_name(p.platform)) + "_"
                                        : std::string()) +
           ctabi_diff::conv_name(p.conv);
}

// Generates, compiles, links and loads the cases of p into *lib, the files
// in a new temporary directory *dir. Fails the test (fatally) otherwise.
void build_library(const Params& p, const ctabi_diff::GenOptions& options, unsigned jobs,
                   const std::string& where, ctabi_diff::Generated* gen, std::filesystem::path* dir,
                   Library* lib) {
    std::string error;
    ASSERT_TRUE(ctabi_diff::generate(options, gen, &error)) << error;

    // Files: a temporary directory, removed unless something failed.
    std::string base = (std::filesystem::temp_directory_path() /
                        ("ctabi-diff-" + test_name(p) + (p.fixed ? "-fixed" : "") + "-XXXXXX"))
                           .string();
    std::vector<char> tmpl(base.begin(), base.end());
    tmpl.push_back('\0');
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << "mkdtemp: " << std::strerror(errno);
    *dir = tmpl.data();

    const auto peer = std::strcmp(p.compiler_name, "clang") == 0 ? ctabi_diff::Peer::clang
                                                                 : ctabi_diff::Peer::gcc;
    const auto flags = ctabi_diff::peer_flags(p.conv, p.platform, peer);
    std::vector<std::string> opt;
    {
        std::istringstream words(opt_flags(p.compiler_name));
        for (std::string w; words >> w;)
            opt.push_back(w);
    }
    std::vector<Job> compile;
    std::vector<std::string> objects;
    for (size_t k = 0; k < gen->sources.size(); ++k) {
        std::string stem = (*dir / ("part" + std::to_string(k))).string();
        std::ofstream(stem + ".c") << gen->sources[k];
        Job job{{p.compiler}, stem + ".log"};
        job.argv.insert(job.argv.end(), opt.begin(), opt.end());
        job.argv.insert(job.argv.end(), {"-fPIC", "-w"});
        job.argv.insert(job.argv.end(), flags.begin(), flags.end());
        job.argv.insert(job.argv.end(), {"-c", "-o", stem + ".o", stem + ".c"});
        compile.push_back(std::move(job));
        objects.push_back(stem + ".o");
    }
    {
        std::ofstream list((*dir / "signatures.txt").string());
        for (const auto& c : gen->cases)
            list << c.index << ": " << c.signature << "\n";
    }
    ASSERT_TRUE(run_jobs(compile, jobs, &error)) << where << ": " << error;
    std::string so = (*dir / "callees.so").string();
    Job link{{p.compiler}, (*dir / "link.log").string()};
    if (ctabi_diff::is_i386(p.conv)) link.argv.push_back("-m32");
    link.argv.insert(link.argv.end(), {"-shared", "-o", so});
    link.argv.insert(link.argv.end(), objects.begin(), objects.end());
    ASSERT_TRUE(run_jobs({link}, 1, &error)) << where << ": " << error;

    ASSERT_TRUE(load(so, gen->sources.size() - 1, gen->cases.size(), lib, &error))
        << where << ": " << error;
}

void run_differential(const Params& p) {
    ctabi_diff::GenOptions options;
    options.conv = p.conv;
    options.platform = p.platform;
    options.peer = std::strcmp(p.compiler_name, "clang") == 0 ? ctabi_diff::Peer::clang
                                                              : ctabi_diff::Peer::gcc;
    options.fixed = p.fixed;
    options.seed = env_u64("CTABI_DIFF_SEED", options.seed);
    options.count = uint32_t(env_u64("CTABI_DIFF_COUNT", kDefaultCount));
    options.only = int64_t(env_u64("CTABI_DIFF_ONLY", uint64_t(-1)));
    unsigned jobs = unsigned(env_u64("CTABI_DIFF_JOBS", std::thread::hardware_concurrency()));
    jobs = std::max(1u, jobs);
    bool keep = env_u64("CTABI_DIFF_KEEP", 0) != 0;
    // A few chunks per compiler process, so all CPUs stay busy, and none
    // too large.
    options.chunk_size =
        p.fixed ? 0
                : uint32_t(env_u64(
                      "CTABI_DIFF_CHUNK",
                      std::min(kMaxChunk, std::max<uint32_t>(50, options.count / (2 * jobs) + 1))));
    const bool i386 = ctabi_diff::is_i386(p.conv);

    std::string where = std::string(p.compiler_name) + ", " +
                        (i386 ? std::string(ctabi_diff::platform_name(p.platform)) + " " : "") +
                        ctabi_diff::conv_name(p.conv) +
                        (p.fixed ? ", fixed cases"
                                 : ", seed " + std::to_string(options.seed) + ", count " +
                                       std::to_string(options.count));
    std::printf("[ diff     ] %s (%s %s)\n", where.c_str(), p.compiler.c_str(),
                opt_flags(p.compiler_name).c_str());
    std::fflush(stdout);

    ctabi_diff::Generated gen;
    std::filesystem::path dir;
    Library lib;
    build_library(p, options, jobs, where, &gen, &dir, &lib);
    if (::testing::Test::HasFatalFailure()) return;

    if (p.fixed && options.only < 0)
        for (const auto& m : self_check(lib, p.platform == ctabi_diff::Platform::windows))
            ADD_FAILURE() << "harness self-check [" << where << "]: " << m;

    std::vector<Failure> failures;
    CaseRunner runner(lib);
    {
        CrashGuard guard;
        for (size_t i = 0; i < lib.cases.size(); ++i) {
            auto problems = runner.run(i);
            if (problems.empty()) continue;
            std::string detail;
            for (const auto& pr : problems)
                detail += "\n      " + pr;
            failures.push_back({lib.cases[i]->index, lib.cases[i]->signature, detail});
            if (runner.crashes() >= 25) {
                failures.push_back({lib.cases[i]->index, "", "\n      too many crashes: stopped"});
                break;
            }
        }
    }

    size_t max_reported = size_t(env_u64("CTABI_DIFF_REPORT", 20));
    for (size_t f = 0; f < failures.size() && f < max_reported; ++f)
        ADD_FAILURE() << "case " << failures[f].index << " [" << where
                      << "]: " << failures[f].signature << failures[f].detail;
    if (!failures.empty()) {
        ADD_FAILURE() << failures.size() << " of " << lib.cases.size() << " cases failed [" << where
                      << "]"
                      << (failures.size() > max_reported
                              ? " (first " + std::to_string(max_reported) + " shown)"
                              : std::string())
                      << "; generated files kept in " << dir.string() << "; rerun one case with "
                      << (p.fixed ? std::string()
                                  : "CTABI_DIFF_SEED=" + std::to_string(options.seed) +
                                        " CTABI_DIFF_COUNT=" + std::to_string(options.count) + " ")
                      << "CTABI_DIFF_ONLY=" << failures[0].index
                      << " ctabi_diff_tests --gtest_filter="
                      << (p.fixed ? "DiffFixed." : "DiffRandom.") << test_name(p);
    } else if (!keep) {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    } else {
        std::printf("[ diff     ] files kept in %s\n", dir.string().c_str());
    }
    if (i386) {
        // No pass-through shape on i386: its callbacks use the general body.
        std::printf("[ diff     ] %zu cases x %zu call paths, %zu failed (no pass-through "
                    "path: i386 callbacks have the general body only)\n",
                    lib.cases.size(), std::size(kModes) - 1, failures.size());
        return;
    }
    std::printf("[ diff     ] %zu cases x %zu call paths, %zu failed; pass-through shape in %zu "
                "of %zu non-variadic cases\n",
                lib.cases.size(), std::size(kModes), failures.size(), runner.passthrough_shaped(),
                runner.passthrough_cases());
    const auto& fallbacks = runner.fallback_signatures();
    for (size_t f = 0; f < fallbacks.size() && f < 3; ++f)
        std::printf("[ diff     ]   fallback shape: %s\n", fallbacks[f].c_str());
}

Params params(const char* compiler_name, Conv conv, bool fixed,
              ctabi_diff::Platform platform = ctabi_diff::Platform::linux_) {
    std::string path = std::strcmp(compiler_name, "gcc") == 0
                           ? env_str("CTABI_DIFF_GCC", CTABI_DIFF_GCC_PATH)
                           : env_str("CTABI_DIFF_CLANG", CTABI_DIFF_CLANG_PATH);
    return {compiler_name, path, conv, platform, fixed};
}

} // namespace

// The checking stub sees every rule a call can break, and the guard turns a
// crash into a failure.
TEST(DiffHarness, CheckedCallSeesBrokenRules) {
    struct Probe {
        void (*fn)();
        uint32_t status;
    };
#if defined(__x86_64__)
    const Probe probes[] = {
        {ctabi_diff_returns, 0},          {ctabi_diff_clobbers_rbx, 1},
        {ctabi_diff_clobbers_r14, 16},    {ctabi_diff_moves_rsp, 64},
        {ctabi_diff_leaves_x87, 128},     {ctabi_diff_sets_df, 256},
        {ctabi_diff_changes_mxcsr, 512},  {ctabi_diff_changes_fcw, 1024},
        {ctabi_diff_sets_mxcsr_flags, 0}, // status flags are not preserved
    };
#else
    const Probe probes[] = {
        {ctabi_diff_returns, 0},       {ctabi_diff_clobbers_rbx, 1},
        {ctabi_diff_clobbers_r14, 4},  {ctabi_diff_moves_rsp, 16},
        {ctabi_diff_pops_4, 16},       {ctabi_diff_leaves_x87, 32},
        {ctabi_diff_sets_df, 64},      {ctabi_diff_changes_mxcsr, 128},
        {ctabi_diff_changes_fcw, 256}, {ctabi_diff_sets_mxcsr_flags, 0},
    };
#endif
    CrashGuard guard;
    for (const auto& p : probes) {
        uint32_t status = 0xdead;
        EXPECT_EQ(guarded_call(reinterpret_cast<uintptr_t>(p.fn), 0, 0, 0, &status), 0);
        EXPECT_EQ(status, p.status) << status_text(status);
    }
    uint32_t status = 0;
    EXPECT_EQ(guarded_call(reinterpret_cast<uintptr_t>(&ctabi_diff_traps), 0, 0, 0, &status),
              SIGILL);
    // Still in one piece afterwards.
    EXPECT_EQ(guarded_call(reinterpret_cast<uintptr_t>(&ctabi_diff_returns), 0, 0, 0, &status), 0);
    EXPECT_EQ(status, 0u);
}

#if defined(__x86_64__)
TEST(DiffFixed, gcc_sysv64) {
    run_differential(params("gcc", Conv::sysv64, true));
}
TEST(DiffFixed, gcc_win64) {
    run_differential(params("gcc", Conv::win64, true));
}
TEST(DiffFixed, clang_sysv64) {
    run_differential(params("clang", Conv::sysv64, true));
}
TEST(DiffFixed, clang_win64) {
    run_differential(params("clang", Conv::win64, true));
}
TEST(DiffRandom, gcc_sysv64) {
    run_differential(params("gcc", Conv::sysv64, false));
}
TEST(DiffRandom, gcc_win64) {
    run_differential(params("gcc", Conv::win64, false));
}
TEST(DiffRandom, clang_sysv64) {
    run_differential(params("clang", Conv::sysv64, false));
}
TEST(DiffRandom, clang_win64) {
    run_differential(params("clang", Conv::win64, false));
}
#else
// The compiled-library half of the self-test: on GCC's Linux cdecl and
// Windows stdcall fixed cases, a misaligned stack, a corrupted argument, a
// corrupted result and wrong pop counts (a stdcall callback called as cdecl
// and the other way round, a popping function behind a thunk caller) must
// each be seen.
TEST(DiffHarness, CompiledCallersSeeWrongPopCounts) {
    for (auto [conv, platform] : {std::pair{Conv::cdecl_, ctabi_diff::Platform::linux_},
                                  std::pair{Conv::stdcall, ctabi_diff::Platform::windows}}) {
        Params p = params("gcc", conv, true, platform);
        ctabi_diff::GenOptions options;
        options.conv = conv;
        options.platform = platform;
        options.fixed = true;
        ctabi_diff::Generated gen;
        std::filesystem::path dir;
        Library lib;
        build_library(p, options, 1, test_name(p), &gen, &dir, &lib);
        if (::testing::Test::HasFatalFailure()) return;
        for (const auto& m : self_check(lib, platform == ctabi_diff::Platform::windows))
            ADD_FAILURE() << "[" << test_name(p) << "] " << m;
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
}

// diff.<cc>.<platform>.<conv>.{fixed,random}
#define CTABI_DIFF_I386(name, cc, platform, conv)                                                  \
    TEST(DiffFixed, name) {                                                                        \
        run_differential(params(cc, Conv::conv, true, ctabi_diff::Platform::platform));            \
    }                                                                                              \
    TEST(DiffRandom, name) {                                                                       \
        run_differential(params(cc, Conv::conv, false, ctabi_diff::Platform::platform));           \
    }
CTABI_DIFF_I386(gcc_linux_cdecl, "gcc", linux_, cdecl_)
CTABI_DIFF_I386(gcc_linux_stdcall, "gcc", linux_, stdcall)
CTABI_DIFF_I386(gcc_linux_fastcall, "gcc", linux_, fastcall)
CTABI_DIFF_I386(gcc_linux_thiscall, "gcc", linux_, thiscall)
CTABI_DIFF_I386(gcc_windows_cdecl, "gcc", windows, cdecl_)
CTABI_DIFF_I386(gcc_windows_stdcall, "gcc", windows, stdcall)
CTABI_DIFF_I386(gcc_windows_fastcall, "gcc", windows, fastcall)
CTABI_DIFF_I386(gcc_windows_thiscall, "gcc", windows, thiscall)
CTABI_DIFF_I386(clang_linux_cdecl, "clang", linux_, cdecl_)
CTABI_DIFF_I386(clang_linux_stdcall, "clang", linux_, stdcall)
CTABI_DIFF_I386(clang_linux_fastcall, "clang", linux_, fastcall)
CTABI_DIFF_I386(clang_linux_thiscall, "clang", linux_, thiscall)
CTABI_DIFF_I386(clang_windows_cdecl, "clang", windows, cdecl_)
CTABI_DIFF_I386(clang_windows_stdcall, "clang", windows, stdcall)
CTABI_DIFF_I386(clang_windows_fastcall, "clang", windows, fastcall)
CTABI_DIFF_I386(clang_windows_thiscall, "clang", windows, thiscall)
#endif
