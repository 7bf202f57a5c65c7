// The i386 conventions through the public API, in the i386 build only
// (test/CMakeLists.txt adds this file when pointers are 4 bytes): invokers
// (pointer array and packed), forward thunks and callbacks for cdecl,
// stdcall, fastcall and thiscall signatures, against targets GCC compiled
// with the matching attribute, and the stack pointer around every call.
//
// The stack check is the classic i386 bug: a wrong pop count (ret N) leaves
// the caller's esp off by N. x86_recorded_call (below, in assembly) pushes
// the argument words itself, calls, and reports how many bytes the callee
// removed (esp after the call minus esp at the call) and whether ebx, esi
// and edi (callee-saved in every i386 convention) survived. Invokers and
// thunks are host cdecl functions: they must remove nothing. A callback must
// remove what its convention says the callee removes (the expected counts
// are written out here from the rules, not read from the layout).
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "ctabi/ctabi.h"
#include "test_support.h"

#if !defined(__i386__)
#error "x86_api_test.cpp is for the i386 build"
#endif

#define STDCALL __attribute__((stdcall))
#define FASTCALL __attribute__((fastcall))
#define THISCALL __attribute__((thiscall))

// ---------------------------------------------------------------------------
// Targets. noipa: GCC must neither inline them nor use what it knows of
// them at the call sites, so every call follows the declared convention.
// ---------------------------------------------------------------------------
extern "C" {
struct P32 {
    int32_t a, b;
};
struct T3 {
    int32_t a, b, c;
};
// i386 System V: the double is 4-aligned in a struct, so this is 12 bytes.
struct Mixed {
    int8_t c;
    double d;
};
static_assert(sizeof(Mixed) == 12 && offsetof(Mixed, d) == 4);
struct Obj {
    int32_t base;
};

#define NOIPA __attribute__((noipa))

// Weighted sums: every argument contributes with its own weight, so a
// swapped, lost or mis-widened argument changes the result.
#define MIXED_BODY                                                                                 \
    return a * 1.0 + double(b) * 10 + c * 100 + d * 1000 + e * 1e4 + m.c * 1e5 + m.d * 1e6 + f * 1e7

NOIPA int32_t x86_c_add(int32_t a, int32_t b) {
    return a * 1000 + b;
}
NOIPA double x86_c_mixed(int8_t a, int64_t b, double c, float d, uint16_t e, Mixed m, int32_t f) {
    MIXED_BODY;
}
NOIPA T3 x86_c_t3(int32_t k, T3 t) {
    return T3{t.c + k, t.b + k, t.a + k};
}
NOIPA long double x86_c_ld(long double x, int32_t n) {
    return x * n;
}
// The first stack argument sits at esp at the call: its address says
// whether the caller kept esp 16-aligned there (i386 System V).
NOIPA uint32_t x86_c_align(int32_t a) {
    return uint32_t(reinterpret_cast<uintptr_t>(&a) & 15) + (a == 7 ? 0 : 100);
}

STDCALL NOIPA int32_t x86_s_add(int32_t a, int32_t b) {
    return a * 1000 + b;
}
STDCALL NOIPA double x86_s_mixed(int8_t a, int64_t b, double c, float d, uint16_t e, Mixed m,
                                 int32_t f) {
    MIXED_BODY;
}
STDCALL NOIPA P32 x86_s_p32(int32_t a, int32_t b) {
    return P32{b, a};
}
STDCALL NOIPA float x86_s_f32(float x, int32_t n) {
    return x * float(n);
}
STDCALL NOIPA uint32_t x86_s_align(int32_t a, int32_t b) {
    return uint32_t(reinterpret_cast<uintptr_t>(&a) & 15) + (a == 7 && b == 8 ? 0 : 100);
}

FASTCALL NOIPA int32_t x86_f_add3(int32_t a, int32_t b, int32_t c) {
    return a * 1000000 + b * 1000 + c;
}
// GCC: the 64-bit integer goes on the stack but still consumes edx, so c is
// on the stack too.
FASTCALL NOIPA int64_t x86_f_i64(int32_t a, int64_t b, int32_t c) {
    return int64_t(a) * 1000000 + b * 1000 + c;
}
FASTCALL NOIPA T3 x86_f_t3(int32_t a, int32_t b) {
    return T3{a, b, a + b};
}
FASTCALL NOIPA double x86_f_mixed(int8_t a, int64_t b, double c, float d, uint16_t e, Mixed m,
                                  int32_t f) {
    MIXED_BODY;
}
FASTCALL NOIPA uint32_t x86_f_align(int32_t a, int32_t b, int32_t c) {
    return uint32_t(reinterpret_cast<uintptr_t>(&c) & 15) + (a == 1 && b == 2 && c == 7 ? 0 : 100);
}

THISCALL NOIPA int32_t x86_t_method(Obj* self, int32_t x, int32_t y) {
    return self->base + x * 1000 + y;
}
THISCALL NOIPA T3 x86_t_t3(Obj* self, int32_t x) {
    return T3{self->base, x, self->base - x};
}
THISCALL NOIPA uint32_t x86_t_align(Obj* self, int32_t x) {
    return uint32_t(reinterpret_cast<uintptr_t>(&x) & 15) + (self->base == 5 && x == 7 ? 0 : 100);
}

// Windows rules: an 8-byte aggregate comes back in edx:eax, which is how a
// 64-bit integer comes back; so these stand for `{i32, i32}` results under
// the Windows platform (a = low half).
STDCALL NOIPA uint64_t x86_ws_p32(int32_t a) {
    return uint64_t(uint32_t(a + 1)) | uint64_t(uint32_t(a * 2)) << 32;
}
NOIPA uint64_t x86_wc_p32(int32_t a, int32_t b) {
    return uint64_t(uint32_t(a - b)) | uint64_t(uint32_t(a + b)) << 32;
}
}

template <>
struct ctabi::c_type<P32> {
    static abi::Type get() { return ctabi_test::host_type("{i32, i32}"); }
};
template <>
struct ctabi::c_type<T3> {
    static abi::Type get() { return ctabi_test::host_type("{i32, i32, i32}"); }
};
template <>
struct ctabi::c_type<Mixed> {
    static abi::Type get() { return ctabi_test::host_type("{i8, f64}"); }
};

// ---------------------------------------------------------------------------
// The recorded call.
// ---------------------------------------------------------------------------
extern "C" {
struct X86Call {
    const void* fn;
    const uint32_t* words; // pushed right to left: words[0] at esp at the call
    uint32_t nwords;
    uint32_t ecx, edx; // loaded just before the call
    uint32_t x87;      // 1: the callee returns in st(0), store it in st0
    uint32_t eax_out, edx_out;
    uint32_t popped; // esp after the call - esp at the call
    uint32_t kept;   // 1: ebx, esi and edi survived the call
    long double st0;
};
void x86_recorded_call(X86Call* c);
}
static_assert(offsetof(X86Call, words) == 4 && offsetof(X86Call, ecx) == 12 &&
              offsetof(X86Call, x87) == 20 && offsetof(X86Call, eax_out) == 24 &&
              offsetof(X86Call, popped) == 32 && offsetof(X86Call, kept) == 36 &&
              offsetof(X86Call, st0) == 40);

// esp at the call is 16-aligned (as an i386 System V caller keeps it); edi
// holds it across the call (a callee that clobbers edi shows as kept = 0).
__asm__(R"(
    .pushsection .text
    .globl x86_recorded_call
    .type x86_recorded_call, @function
x86_recorded_call:
    pushl %ebp
    movl %esp, %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 8(%ebp), %eax
    movl 8(%eax), %ecx
    leal 0(,%ecx,4), %edx
    movl %esp, %edi
    subl %edx, %edi
    andl $-16, %edi
    addl %edx, %edi
    movl %edi, %esp
    movl 4(%eax), %esi
1:  testl %ecx, %ecx
    jz 2f
    decl %ecx
    pushl (%esi,%ecx,4)
    jmp 1b
2:  movl %esp, %edi
    movl $0x0b0b0b0b, %ebx
    movl $0x05050505, %esi
    movl 12(%eax), %ecx
    movl 16(%eax), %edx
    call *0(%eax)
    movl 8(%ebp), %ecx
    movl %eax, 24(%ecx)
    movl %edx, 28(%ecx)
    movl %esp, %eax
    subl %edi, %eax
    movl %eax, 32(%ecx)
    xorl %eax, %eax
    cmpl $0x0b0b0b0b, %ebx
    jne 3f
    cmpl $0x05050505, %esi
    jne 3f
    incl %eax
3:  movl %eax, 36(%ecx)
    cmpl $0, 20(%ecx)
    je 4f
    fstpt 40(%ecx)
4:  leal -12(%ebp), %esp
    popl %edi
    popl %esi
    popl %ebx
    popl %ebp
    ret
    .size x86_recorded_call, .-x86_recorded_call
    .popsection
)");

namespace {

using ctabi::abi::CallConv;

const void* fn(auto* f) {
    return reinterpret_cast<const void*>(f);
}

// Argument words as an i386 caller lays them out (4-byte slots, narrow
// integers widened).
struct Words {
    std::vector<uint32_t> w;
    Words& u32(uint32_t v) {
        w.push_back(v);
        return *this;
    }
    Words& i32(int32_t v) { return u32(uint32_t(v)); }
    Words& ptr(const void* p) { return u32(uint32_t(reinterpret_cast<uintptr_t>(p))); }
    Words& bytes(const void* p, size_t n) {
        const size_t first = w.size();
        w.resize(first + (n + 3) / 4, 0);
        std::memcpy(w.data() + first, p, n);
        return *this;
    }
    Words& i64(int64_t v) { return bytes(&v, 8); }
    Words& f64(double v) { return bytes(&v, 8); }
    Words& f32(float v) { return bytes(&v, 4); }
};

X86Call recorded(const void* target, const Words& words, uint32_t ecx = 0, uint32_t edx = 0,
                 bool x87 = false) {
    X86Call c{};
    c.fn = target;
    c.words = words.w.data();
    c.nwords = uint32_t(words.w.size());
    c.ecx = ecx;
    c.edx = edx;
    c.x87 = x87 ? 1 : 0;
    x86_recorded_call(&c);
    return c;
}

std::string describe(const X86Call& c) {
    return "popped " + std::to_string(c.popped) + " bytes, ebx/esi/edi " +
           (c.kept ? "kept" : "CLOBBERED");
}

// A bound invoker called through the recorder: a cdecl function of
// (result, args) that must leave esp as it found it.
void expect_invoker_keeps_esp(std::string_view sig, const ctabi::Invoker& inv, void* result,
                              void* const* args) {
    X86Call c = recorded(fn(inv.bound_entry()), Words().ptr(result).ptr(args));
    EXPECT_EQ(c.popped, 0u) << sig << ": the invoker " << describe(c);
    EXPECT_EQ(c.kept, 1u) << sig << ": the invoker " << describe(c);
}

template <typename R>
R invoke(std::string_view sig, const void* target, std::vector<void*> args) {
    SCOPED_TRACE(std::string(sig));
    auto inv = ctabi::make_invoker(sig, target);
    EXPECT_TRUE(inv) << sig << ": " << (inv ? "" : inv.error().message);
    R result{};
    if (!inv) return result;
    (*inv)(&result, args.data());
    R again{};
    expect_invoker_keeps_esp(sig, *inv, &again, args.data());
    if constexpr (std::is_arithmetic_v<R>) // (a long double has padding bytes)
        EXPECT_EQ(result, again) << sig << ": the recorded call gave another result";
    else
        EXPECT_EQ(std::memcmp(&result, &again, sizeof(R)), 0)
            << sig << ": the recorded call gave another result";
    return result;
}

template <typename R>
R invoke_packed(std::string_view sig, const void* target, const void* buffer) {
    auto inv = ctabi::make_packed_invoker(sig, target);
    EXPECT_TRUE(inv) << sig << ": " << (inv ? "" : inv.error().message);
    R result{};
    if (!inv) return result;
    (*inv)(&result, buffer);
    X86Call c = recorded(fn(inv->entry()), Words().ptr(&result).ptr(buffer));
    EXPECT_EQ(c.popped, 0u) << sig << ": the packed invoker " << describe(c);
    EXPECT_EQ(c.kept, 1u) << sig << ": the packed invoker " << describe(c);
    return result;
}

// A forward thunk's canonical (cdecl) entry through the recorder: esp kept.
X86Call thunk_recorded(std::string_view sig, const ctabi::Thunk& t, const Words& words,
                       bool x87 = false) {
    X86Call c = recorded(t.address(), words, 0, 0, x87);
    EXPECT_EQ(c.popped, 0u) << sig << ": the thunk " << describe(c);
    EXPECT_EQ(c.kept, 1u) << sig << ": the thunk " << describe(c);
    return c;
}

ctabi::Thunk thunk(std::string_view sig, const void* target) {
    auto t = ctabi::make_thunk(sig, target);
    EXPECT_TRUE(t) << sig << ": " << (t ? "" : t.error().message);
    return t ? *t : ctabi::Thunk();
}

// The mixed signature's values, expected result and packed buffer.
struct MixedArgs {
    int8_t a = -3;
    int64_t b = 4000000001;
    double c = 0.5;
    float d = 2.25f;
    uint16_t e = 60000;
    Mixed m{-2, 1.5};
    int32_t f = -7;
    double expect() const {
        return a * 1.0 + double(b) * 10 + c * 100 + d * 1000 + e * 1e4 + m.c * 1e5 + m.d * 1e6 +
               f * 1e7;
    }
    std::vector<void*> pointers() { return {&a, &b, &c, &d, &e, &m, &f}; }
    Words canonical_words() const {
        // The canonical form passes the aggregate by pointer.
        return Words().i32(a).i64(b).f64(c).f32(d).u32(e).ptr(&m).i32(f);
    }
};
// A C struct of the arguments: the packed invoker's buffer.
struct MixedPacked {
    int8_t a;
    int64_t b;
    double c;
    float d;
    uint16_t e;
    Mixed m;
    int32_t f;
};

void check_mixed(const char* conv, const void* target) {
    const std::string sig = std::string(conv) + " f64(i8, i64, f64, f32, u16, {i8, f64}, i32)";
    SCOPED_TRACE(sig);
    MixedArgs v;
    EXPECT_EQ(invoke<double>(sig, target, v.pointers()), v.expect()) << sig;
    MixedPacked p{v.a, v.b, v.c, v.d, v.e, v.m, v.f};
    auto pk = ctabi::make_packed_invoker(sig, target);
    ASSERT_TRUE(pk) << pk.error().message;
    EXPECT_EQ(pk->buffer().size, sizeof p) << sig;
    EXPECT_EQ(pk->buffer().offsets[5], offsetof(MixedPacked, m)) << sig;
    EXPECT_EQ(invoke_packed<double>(sig, target, &p), v.expect()) << sig;
    auto t = thunk(sig, target);
    if (!t.address()) return;
    using Canon = double(int8_t, int64_t, double, float, uint16_t, const Mixed*, int32_t);
    EXPECT_EQ(t.as<Canon>()(v.a, v.b, v.c, v.d, v.e, &v.m, v.f), v.expect()) << sig;
    X86Call c = thunk_recorded(sig, t, v.canonical_words(), true);
    EXPECT_EQ(double(c.st0), v.expect()) << sig << ": st(0) after the recorded thunk call";
}

// ---------------------------------------------------------------------------
// Calling out: invokers and forward thunks.
// ---------------------------------------------------------------------------

TEST(X86Cdecl, InvokerPackedAndThunk) {
    int32_t a = 12, b = 34;
    EXPECT_EQ(invoke<int32_t>("cdecl i32(i32, i32)", fn(&x86_c_add), {&a, &b}), 12034);
    struct {
        int32_t a, b;
    } ab{5, 6};
    EXPECT_EQ(invoke_packed<int32_t>("cdecl i32(i32, i32)", fn(&x86_c_add), &ab), 5006);
    // Host convention, scalars only: the thunk is the target itself.
    auto t = thunk("cdecl i32(i32, i32)", fn(&x86_c_add));
    EXPECT_TRUE(t.is_target_itself());

    check_mixed("cdecl", fn(&x86_c_mixed));

    // Aggregate result: hidden pointer at sp+0, popped by the callee (ret $4).
    int32_t k = 10;
    T3 in{1, 2, 3};
    T3 r = invoke<T3>("cdecl {i32, i32, i32}(i32, {i32, i32, i32})", fn(&x86_c_t3), {&k, &in});
    EXPECT_EQ(r.a, 13);
    EXPECT_EQ(r.b, 12);
    EXPECT_EQ(r.c, 11);
    auto t3 = thunk("cdecl {i32, i32, i32}(i32, {i32, i32, i32})", fn(&x86_c_t3));
    if (t3.address()) {
        T3 out{};
        t3.as<void(T3*, int32_t, const T3*)>()(&out, 100, &in);
        EXPECT_EQ(out.a, 103);
        EXPECT_EQ(out.c, 101);
        thunk_recorded("cdecl t3 thunk", t3, Words().ptr(&out).i32(1).ptr(&in));
    }

    long double x = 1.25L;
    int32_t n = 3;
    EXPECT_EQ(invoke<long double>("cdecl f80(f80, i32)", fn(&x86_c_ld), {&x, &n}), 3.75L);
}

TEST(X86Stdcall, InvokerPackedAndThunk) {
    int32_t a = 12, b = 34;
    EXPECT_EQ(invoke<int32_t>("stdcall i32(i32, i32)", fn(&x86_s_add), {&a, &b}), 12034);
    struct {
        int32_t a, b;
    } ab{5, 6};
    EXPECT_EQ(invoke_packed<int32_t>("stdcall i32(i32, i32)", fn(&x86_s_add), &ab), 5006);
    auto t = thunk("stdcall i32(i32, i32)", fn(&x86_s_add));
    if (t.address()) {
        EXPECT_FALSE(t.is_target_itself()) << "a stdcall target pops its arguments";
        EXPECT_EQ(t.as<int32_t(int32_t, int32_t)>()(7, 8), 7008);
        X86Call c = thunk_recorded("stdcall i32(i32, i32)", t, Words().i32(7).i32(9));
        EXPECT_EQ(c.eax_out, 7009u);
    }

    check_mixed("stdcall", fn(&x86_s_mixed));

    // Aggregate result (Linux): hidden pointer at sp+0, popped with the rest.
    P32 p = invoke<P32>("stdcall {i32, i32}(i32, i32)", fn(&x86_s_p32), {&a, &b});
    EXPECT_EQ(p.a, 34);
    EXPECT_EQ(p.b, 12);
    auto tp = thunk("stdcall {i32, i32}(i32, i32)", fn(&x86_s_p32));
    if (tp.address()) {
        P32 out{};
        tp.as<void(P32*, int32_t, int32_t)>()(&out, 1, 2);
        EXPECT_EQ(out.a, 2);
        EXPECT_EQ(out.b, 1);
    }

    float x = 1.5f;
    int32_t n = 3;
    EXPECT_EQ(invoke<float>("stdcall f32(f32, i32)", fn(&x86_s_f32), {&x, &n}), 4.5f);
    auto tf = thunk("stdcall f32(f32, i32)", fn(&x86_s_f32));
    if (tf.address()) {
        EXPECT_EQ(tf.as<float(float, int32_t)>()(2.5f, 2), 5.0f);
    }
}

TEST(X86Stdcall, VariadicIsCalledAsCdecl) {
    // A variadic stdcall function is cdecl: t_sum_variadic is a plain one.
    int32_t count = 3;
    int64_t first = 100, third = 1;
    double second = 20.0;
    EXPECT_EQ(invoke<int64_t>("stdcall i64(i32, ..., i64, f64, i64)", fn(&t_sum_variadic),
                              {&count, &first, &second, &third}),
              121);
}

TEST(X86Fastcall, InvokerPackedAndThunk) {
    int32_t a = 1, b = 2, c = 3;
    EXPECT_EQ(invoke<int32_t>("fastcall i32(i32, i32, i32)", fn(&x86_f_add3), {&a, &b, &c}),
              1002003);
    struct {
        int32_t a, b, c;
    } abc{4, 5, 6};
    EXPECT_EQ(invoke_packed<int32_t>("fastcall i32(i32, i32, i32)", fn(&x86_f_add3), &abc),
              4005006);
    auto t = thunk("fastcall i32(i32, i32, i32)", fn(&x86_f_add3));
    if (t.address()) {
        EXPECT_EQ((t.as<int32_t(int32_t, int32_t, int32_t)>()(7, 8, 9)), 7008009);
        X86Call r = thunk_recorded("fastcall i32(i32, i32, i32)", t, Words().i32(1).i32(1).i32(1));
        EXPECT_EQ(r.eax_out, 1001001u);
    }

    // ecx, then the i64 on the stack consuming edx (GCC), then c on the stack.
    int64_t big = 123456789;
    EXPECT_EQ(invoke<int64_t>("fastcall i64(i32, i64, i32)", fn(&x86_f_i64), {&a, &big, &c}),
              int64_t(1) * 1000000 + 123456789LL * 1000 + 3);
    auto t64 = thunk("fastcall i64(i32, i64, i32)", fn(&x86_f_i64));
    if (t64.address()) {
        X86Call r =
            thunk_recorded("fastcall i64(i32, i64, i32)", t64, Words().i32(2).i64(-5).i32(9));
        EXPECT_EQ(int64_t(uint64_t(r.edx_out) << 32 | r.eax_out), 2000000 - 5000 + 9);
    }

    check_mixed("fastcall", fn(&x86_f_mixed));

    // Aggregate result (Linux): the hidden pointer in ecx, a in edx, b on the stack.
    T3 r = invoke<T3>("fastcall {i32, i32, i32}(i32, i32)", fn(&x86_f_t3), {&a, &b});
    EXPECT_EQ(r.a, 1);
    EXPECT_EQ(r.b, 2);
    EXPECT_EQ(r.c, 3);
    auto t3 = thunk("fastcall {i32, i32, i32}(i32, i32)", fn(&x86_f_t3));
    if (t3.address()) {
        T3 out{};
        t3.as<void(T3*, int32_t, int32_t)>()(&out, 10, 20);
        EXPECT_EQ(out.c, 30);
    }
}

TEST(X86Thiscall, InvokerPackedAndThunk) {
    Obj o{5};
    Obj* self = &o;
    int32_t x = 7, y = 8;
    EXPECT_EQ(invoke<int32_t>("thiscall i32(ptr, i32, i32)", fn(&x86_t_method), {&self, &x, &y}),
              7013);
    struct {
        Obj* self;
        int32_t x, y;
    } packed{&o, 1, 2};
    EXPECT_EQ(invoke_packed<int32_t>("thiscall i32(ptr, i32, i32)", fn(&x86_t_method), &packed),
              1007);
    auto t = thunk("thiscall i32(ptr, i32, i32)", fn(&x86_t_method));
    if (t.address()) {
        EXPECT_EQ((t.as<int32_t(Obj*, int32_t, int32_t)>()(&o, 3, 4)), 3009);
        X86Call r = thunk_recorded("thiscall i32(ptr, i32, i32)", t, Words().ptr(&o).i32(2).i32(2));
        EXPECT_EQ(r.eax_out, 2007u);
    }

    // Aggregate result (Linux, GCC): the hidden pointer in ecx, `this` on the stack.
    T3 r = invoke<T3>("thiscall {i32, i32, i32}(ptr, i32)", fn(&x86_t_t3), {&self, &x});
    EXPECT_EQ(r.a, 5);
    EXPECT_EQ(r.b, 7);
    EXPECT_EQ(r.c, -2);
    auto t3 = thunk("thiscall {i32, i32, i32}(ptr, i32)", fn(&x86_t_t3));
    if (t3.address()) {
        T3 out{};
        t3.as<void(T3*, Obj*, int32_t)>()(&out, &o, 1);
        EXPECT_EQ(out.c, 4);
    }
}

TEST(X86, InvokersKeepTheStackAlignedForTheTarget) {
    // Each target returns (address of its first stack argument) % 16, plus
    // 100 when the arguments arrived wrong.
    Obj o{5};
    Obj* self = &o;
    int32_t one = 1, two = 2, seven = 7, eight = 8;
    EXPECT_EQ(invoke<uint32_t>("cdecl u32(i32)", fn(&x86_c_align), {&seven}), 0u);
    EXPECT_EQ(invoke<uint32_t>("stdcall u32(i32, i32)", fn(&x86_s_align), {&seven, &eight}), 0u);
    EXPECT_EQ(
        invoke<uint32_t>("fastcall u32(i32, i32, i32)", fn(&x86_f_align), {&one, &two, &seven}),
        0u);
    EXPECT_EQ(invoke<uint32_t>("thiscall u32(ptr, i32)", fn(&x86_t_align), {&self, &seven}), 0u);
    auto t = thunk("stdcall u32(i32, i32)", fn(&x86_s_align));
    if (t.address()) {
        EXPECT_EQ((t.as<uint32_t(int32_t, int32_t)>()(7, 8)), 0u);
    }
    auto tf = thunk("fastcall u32(i32, i32, i32)", fn(&x86_f_align));
    if (tf.address()) {
        EXPECT_EQ((tf.as<uint32_t(int32_t, int32_t, int32_t)>()(1, 2, 7)), 0u);
    }
}

TEST(X86, WindowsPlatformSmallAggregateResultsInEdxEax) {
    // "windows": an 8-byte aggregate result comes back in edx:eax (the
    // targets return a uint64_t, which travels the same way).
    int32_t a = 20, b = 3;
    P32 r = invoke<P32>("windows stdcall {i32, i32}(i32)", fn(&x86_ws_p32), {&a});
    EXPECT_EQ(r.a, 21);
    EXPECT_EQ(r.b, 40);
    P32 c = invoke<P32>("windows cdecl {i32, i32}(i32, i32)", fn(&x86_wc_p32), {&a, &b});
    EXPECT_EQ(c.a, 17);
    EXPECT_EQ(c.b, 23);
    auto t = thunk("windows stdcall {i32, i32}(i32)", fn(&x86_ws_p32));
    if (t.address()) {
        P32 out{};
        t.as<void(P32*, int32_t)>()(&out, 1);
        EXPECT_EQ(out.a, 2);
        EXPECT_EQ(out.b, 2);
    }
}

TEST(X86, BindCallsStdcallAndFastcallAsPlainFunctions) {
    auto s = ctabi::bind<int32_t(int32_t, int32_t)>(fn(&x86_s_add), CallConv::stdcall);
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ((*s)(1, 2), 1002);
    auto f = ctabi::bind<T3(int32_t, int32_t)>(fn(&x86_f_t3), CallConv::fastcall);
    ASSERT_TRUE(f) << f.error().message;
    T3 r = (*f)(4, 5);
    EXPECT_EQ(r.c, 9);
}

// ---------------------------------------------------------------------------
// Being called: callbacks.
// ---------------------------------------------------------------------------

TEST(X86Callback, CdeclCallerPopsAndStructResultPopsItsPointer) {
    auto cb = ctabi::make_callback<int32_t(int32_t, int32_t)>(
        [](int32_t a, int32_t b) { return a * 1000 + b; }, CallConv::cdecl_);
    ASSERT_TRUE(cb) << cb.error().message;
    EXPECT_EQ((cb->as<int32_t(int32_t, int32_t)>()(3, 4)), 3004);
    X86Call c = recorded(cb->address(), Words().i32(5).i32(6));
    EXPECT_EQ(c.eax_out, 5006u);
    EXPECT_EQ(c.popped, 0u) << "cdecl i32(i32, i32) callback: " << describe(c);
    EXPECT_EQ(c.kept, 1u) << describe(c);

    // i386 System V: the callee pops the hidden result pointer (ret $4) and
    // returns it in eax.
    auto t3 = ctabi::make_callback<T3(int32_t, T3)>(
        [](int32_t k, T3 t) {
            return T3{t.c + k, t.b + k, t.a + k};
        },
        CallConv::cdecl_);
    ASSERT_TRUE(t3) << t3.error().message;
    T3 r = t3->as<T3(int32_t, T3)>()(10, T3{1, 2, 3});
    EXPECT_EQ(r.a, 13);
    EXPECT_EQ(r.c, 11);
    T3 out{}, in{4, 5, 6};
    X86Call d = recorded(t3->address(), Words().ptr(&out).i32(1).bytes(&in, sizeof in));
    EXPECT_EQ(d.popped, 4u) << "cdecl {i32, i32, i32}(i32, {i32, i32, i32}) callback: "
                            << describe(d);
    EXPECT_EQ(d.eax_out, uint32_t(reinterpret_cast<uintptr_t>(&out))) << "eax = the result pointer";
    EXPECT_EQ(out.a, 7);
    EXPECT_EQ(out.c, 5);

    auto ld = ctabi::make_callback<long double(long double, int32_t)>(
        [](long double x, int32_t n) { return x * n; }, CallConv::cdecl_);
    ASSERT_TRUE(ld) << ld.error().message;
    EXPECT_EQ((ld->as<long double(long double, int32_t)>()(1.5L, 3)), 4.5L);
}

TEST(X86Callback, StdcallCalleePops) {
    using S2 = int32_t(STDCALL*)(int32_t, int32_t);
    auto cb = ctabi::make_callback<int32_t(int32_t, int32_t)>(
        [](int32_t a, int32_t b) { return a * 1000 + b; }, CallConv::stdcall);
    ASSERT_TRUE(cb) << cb.error().message;
    EXPECT_EQ(reinterpret_cast<S2>(cb->address())(3, 4), 3004);
    X86Call c = recorded(cb->address(), Words().i32(5).i32(6));
    EXPECT_EQ(c.eax_out, 5006u);
    EXPECT_EQ(c.popped, 8u) << "stdcall i32(i32, i32) callback: " << describe(c);
    EXPECT_EQ(c.kept, 1u) << describe(c);

    // Mixed arguments, a double result in st(0).
    using SM = double(STDCALL*)(int8_t, int64_t, double, float, uint16_t, Mixed, int32_t);
    auto m = ctabi::make_callback<double(int8_t, int64_t, double, float, uint16_t, Mixed, int32_t)>(
        [](int8_t a, int64_t b, double c, float d, uint16_t e, Mixed m, int32_t f) { MIXED_BODY; },
        CallConv::stdcall);
    ASSERT_TRUE(m) << m.error().message;
    MixedArgs v;
    EXPECT_EQ(reinterpret_cast<SM>(m->address())(v.a, v.b, v.c, v.d, v.e, v.m, v.f), v.expect());
    Words w = Words().i32(v.a).i64(v.b).f64(v.c).f32(v.d).u32(v.e).bytes(&v.m, sizeof v.m).i32(v.f);
    X86Call d = recorded(m->address(), w, 0, 0, true);
    EXPECT_EQ(d.popped, 44u) << "stdcall f64(i8, i64, f64, f32, u16, {i8, f64}, i32) callback: "
                             << describe(d);
    EXPECT_EQ(double(d.st0), v.expect());

    // Aggregate result (Linux): hidden pointer at sp+0, popped with the rest.
    using SP = P32(STDCALL*)(int32_t, int32_t);
    auto p = ctabi::make_callback<P32(int32_t, int32_t)>(
        [](int32_t a, int32_t b) {
            return P32{b, a};
        },
        CallConv::stdcall);
    ASSERT_TRUE(p) << p.error().message;
    P32 r = reinterpret_cast<SP>(p->address())(1, 2);
    EXPECT_EQ(r.a, 2);
    EXPECT_EQ(r.b, 1);
    P32 out{};
    X86Call e = recorded(p->address(), Words().ptr(&out).i32(8).i32(9));
    EXPECT_EQ(e.popped, 12u) << "stdcall {i32, i32}(i32, i32) callback: " << describe(e);
    EXPECT_EQ(e.eax_out, uint32_t(reinterpret_cast<uintptr_t>(&out)));
    EXPECT_EQ(out.a, 9);
    EXPECT_EQ(out.b, 8);
}

TEST(X86Callback, FastcallRegistersThenStack) {
    using F3 = int32_t(FASTCALL*)(int32_t, int32_t, int32_t);
    auto cb = ctabi::make_callback<int32_t(int32_t, int32_t, int32_t)>(
        [](int32_t a, int32_t b, int32_t c) { return a * 1000000 + b * 1000 + c; },
        CallConv::fastcall);
    ASSERT_TRUE(cb) << cb.error().message;
    EXPECT_EQ(reinterpret_cast<F3>(cb->address())(1, 2, 3), 1002003);
    X86Call c = recorded(cb->address(), Words().i32(9), /*ecx=*/7, /*edx=*/8);
    EXPECT_EQ(c.eax_out, 7008009u);
    EXPECT_EQ(c.popped, 4u) << "fastcall i32(i32, i32, i32) callback: " << describe(c);
    EXPECT_EQ(c.kept, 1u) << describe(c);

    using F64 = int64_t(FASTCALL*)(int32_t, int64_t, int32_t);
    auto big = ctabi::make_callback<int64_t(int32_t, int64_t, int32_t)>(
        [](int32_t a, int64_t b, int32_t c) { return int64_t(a) * 1000000 + b * 1000 + c; },
        CallConv::fastcall);
    ASSERT_TRUE(big) << big.error().message;
    EXPECT_EQ(reinterpret_cast<F64>(big->address())(1, 2, 3), 1002003);
    X86Call d = recorded(big->address(), Words().i64(5).i32(6), /*ecx=*/4);
    EXPECT_EQ(int64_t(uint64_t(d.edx_out) << 32 | d.eax_out), 4005006);
    EXPECT_EQ(d.popped, 12u) << "fastcall i64(i32, i64, i32) callback: " << describe(d);
}

TEST(X86Callback, ThiscallThisInEcx) {
    using TM = int32_t(THISCALL*)(Obj*, int32_t, int32_t);
    auto cb = ctabi::make_callback<int32_t(Obj*, int32_t, int32_t)>(
        [](Obj* self, int32_t x, int32_t y) { return self->base + x * 1000 + y; },
        CallConv::thiscall);
    ASSERT_TRUE(cb) << cb.error().message;
    Obj o{5};
    EXPECT_EQ(reinterpret_cast<TM>(cb->address())(&o, 7, 8), 7013);
    X86Call c =
        recorded(cb->address(), Words().i32(1).i32(2), uint32_t(reinterpret_cast<uintptr_t>(&o)));
    EXPECT_EQ(c.eax_out, 1007u);
    EXPECT_EQ(c.popped, 8u) << "thiscall i32(ptr, i32, i32) callback: " << describe(c);
    EXPECT_EQ(c.kept, 1u) << describe(c);
}

TEST(X86Callback, GenericHandlerWindowsStdcallResultInEdxEax) {
    // "windows stdcall {i32, i32}(i32)": the result in edx:eax, 4 bytes popped.
    auto cb = ctabi::make_callback(
        "windows stdcall {i32, i32}(i32)",
        [](void*, void* result, void* const* args) {
            const int32_t a = *static_cast<int32_t*>(args[0]);
            const P32 r{a + 1, a * 2};
            std::memcpy(result, &r, sizeof r);
        },
        nullptr);
    ASSERT_TRUE(cb) << cb.error().message;
    X86Call c = recorded(cb->address(), Words().i32(20));
    EXPECT_EQ(c.eax_out, 21u);
    EXPECT_EQ(c.edx_out, 40u);
    EXPECT_EQ(c.popped, 4u) << "windows stdcall {i32, i32}(i32) callback: " << describe(c);
    EXPECT_EQ(c.kept, 1u) << describe(c);
    // The same through ctabi's own invoker of that signature.
    int32_t a = 1;
    P32 r = invoke<P32>("windows stdcall {i32, i32}(i32)", cb->address(), {&a});
    EXPECT_EQ(r.a, 2);
    EXPECT_EQ(r.b, 2);
}

// Windows (MSVC 2015 on): an aggregate of requested alignment goes by
// reference to a caller-made copy, the pointer where an integer would go. At
// the machine level the target takes a pointer, so a GCC-built function of a
// pointer stands in for the MSVC one; the copy must be 16-aligned.
struct alignas(16) A16 {
    int32_t x;
};
extern "C" NOIPA FASTCALL int32_t x86_by_reference(const A16* s, int32_t b, int32_t c) {
    const bool aligned = (reinterpret_cast<uintptr_t>(s) & 15) == 0;
    return s->x * 100 + b * 10 + c + (aligned ? 0 : 1000000);
}

TEST(X86, WindowsOverAlignedAggregateByReference) {
    const char* sig = "windows fastcall i32({i32 @0 | size 16 align 16}, i32, i32)";
    A16 s{7};
    int32_t b = 8, c = 9;
    EXPECT_EQ(invoke<int32_t>(sig, fn(&x86_by_reference), {&s, &b, &c}), 789);
    ctabi::Thunk t = thunk(sig, fn(&x86_by_reference));
    ASSERT_TRUE(t.address());
    EXPECT_EQ(t.as<int32_t(const A16*, int32_t, int32_t)>()(&s, 1, 2), 712);
    X86Call r = thunk_recorded(sig, t, Words().ptr(&s).i32(3).i32(4));
    EXPECT_EQ(r.eax_out, 734u);

    // A callback of that signature reads the caller's copy through the
    // pointer in ecx and pops the one stack word.
    auto cb = ctabi::make_callback(
        sig,
        [](void*, void* result, void* const* args) {
            const int32_t v = static_cast<const A16*>(args[0])->x +
                              *static_cast<int32_t*>(args[1]) + *static_cast<int32_t*>(args[2]);
            std::memcpy(result, &v, sizeof v);
        },
        nullptr);
    ASSERT_TRUE(cb) << cb.error().message;
    X86Call k = recorded(cb->address(), Words().i32(30), uint32_t(reinterpret_cast<uintptr_t>(&s)),
                         /*edx=*/20);
    EXPECT_EQ(k.eax_out, 57u);
    EXPECT_EQ(k.popped, 4u) << sig << " callback: " << describe(k);
    EXPECT_EQ(k.kept, 1u) << describe(k);
}

// Windows thiscall is MSVC's member-function convention: even an 8-byte
// aggregate comes back through the hidden pointer, which follows `this`.
extern "C" NOIPA THISCALL P32* x86_member_get(Obj* self, P32* out, int32_t x) {
    *out = P32{self->base, x};
    return out;
}

TEST(X86, WindowsThiscallAggregateThroughPointerAfterThis) {
    const char* sig = "windows thiscall {i32, i32}(ptr, i32)";
    Obj o{5};
    Obj* self = &o;
    int32_t x = 6;
    // x86_member_get(this, out, x) is, at the machine level, the MSVC member
    // function P32 Obj::get(int): this in ecx, the pointer at sp+0, x at sp+4.
    P32 r = invoke<P32>(sig, fn(&x86_member_get), {&self, &x});
    EXPECT_EQ(r.a, 5);
    EXPECT_EQ(r.b, 6);
    auto cb = ctabi::make_callback(
        sig,
        [](void*, void* result, void* const* args) {
            const P32 v{static_cast<Obj*>(*static_cast<void**>(args[0]))->base,
                        *static_cast<int32_t*>(args[1])};
            std::memcpy(result, &v, sizeof v);
        },
        nullptr);
    ASSERT_TRUE(cb) << cb.error().message;
    P32 out{};
    X86Call k = recorded(cb->address(), Words().ptr(&out).i32(9),
                         uint32_t(reinterpret_cast<uintptr_t>(&o)));
    EXPECT_EQ(k.eax_out, uint32_t(reinterpret_cast<uintptr_t>(&out)));
    EXPECT_EQ(out.a, 5);
    EXPECT_EQ(out.b, 9);
    EXPECT_EQ(k.popped, 8u) << sig << " callback: " << describe(k);
}

} // namespace
