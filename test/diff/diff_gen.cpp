// The differential test's generator (see diff_gen.h).
#include "diff_gen.h"

#include <algorithm>
#include <cctype>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <string_view>

namespace ctabi_diff {

const char* conv_name(Conv conv) {
    switch (conv) {
    case Conv::sysv64: return "sysv64";
    case Conv::win64: return "win64";
    case Conv::cdecl_: return "cdecl";
    case Conv::stdcall: return "stdcall";
    case Conv::fastcall: return "fastcall";
    case Conv::thiscall: return "thiscall";
    }
    return "?";
}

const char* platform_name(Platform platform) {
    return platform == Platform::windows ? "windows" : "linux";
}

bool is_i386(Conv conv) {
    return conv != Conv::sysv64 && conv != Conv::win64;
}

std::vector<std::string> peer_flags(Conv conv, Platform platform, Peer peer) {
    if (!is_i386(conv)) return {};
    std::vector<std::string> f = {"-m32"};
    // GCC merges a callee-pop call's stack adjustment with the next call's
    // padding unless outgoing arguments are accumulated: the esp check
    // around each call (DIFF_ESP_*) needs esp back at its value right after
    // the call sequence.
    if (peer == Peer::gcc) f.push_back("-maccumulate-outgoing-args");
    if (platform == Platform::windows) {
        // MSVC's aggregate returns (1, 2, 4, 8 bytes in eax/edx:eax) and
        // 8-aligned 64-bit members; Windows promises only a 4-aligned esp, so
        // callees must not assume more and callers need not keep more (their
        // callback calls are made at every esp mod 16: see DIFF_SHIFT).
        f.insert(f.end(), {"-freg-struct-return", "-malign-double"});
        if (peer == Peer::gcc)
            f.insert(f.end(), {"-mpreferred-stack-boundary=2", "-mincoming-stack-boundary=2"});
        else
            f.push_back("-mstack-alignment=4");
    }
    return f;
}

namespace {

// ---------------------------------------------------------------------------
// Randomness: splitmix64, so that a (seed, case) pair gives the same case on
// every standard library (std:: distributions are implementation-defined).

struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed) {}
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return next() % n; }
    int64_t range(int64_t lo, int64_t hi) { return lo + int64_t(below(uint64_t(hi - lo + 1))); }
    bool chance(unsigned percent) { return below(100) < percent; }
    // An index drawn with the given weights.
    size_t pick(std::initializer_list<unsigned> weights) {
        unsigned total = 0;
        for (unsigned w : weights)
            total += w;
        unsigned r = unsigned(below(total));
        size_t i = 0;
        for (unsigned w : weights) {
            if (r < w) return i;
            r -= w, ++i;
        }
        return 0;
    }
};

// ---------------------------------------------------------------------------
// The C type model of the generator (independent of ctabi's).

enum class S : uint8_t { Bool, I8, U8, I16, U16, I32, U32, I64, U64, F32, F64, F80, Ptr };

struct ScalarInfo {
    const char* text;  // ctabi signature text
    const char* ctype; // C spelling
    uint32_t size, align;
    bool is_float, is_signed;
};

const ScalarInfo& info(S s) {
    static const ScalarInfo table[] = {
        {"bool", "_Bool", 1, 1, false, false},
        {"i8", "signed char", 1, 1, false, true},
        {"u8", "unsigned char", 1, 1, false, false},
        {"i16", "short", 2, 2, false, true},
        {"u16", "unsigned short", 2, 2, false, false},
        {"i32", "int", 4, 4, false, true},
        {"u32", "unsigned", 4, 4, false, false},
        {"i64", "long long", 8, 8, false, true},
        {"u64", "unsigned long long", 8, 8, false, false},
        {"f32", "float", 4, 4, true, false},
        {"f64", "double", 8, 8, true, false},
        {"f80", "long double", 16, 16, true, false},
        {"ptr", "void*", 8, 8, false, false},
    };
    return table[size_t(s)];
}

// The data model the types are laid out with: set by generate() for its
// convention and platform (the generator is single-threaded). i386 (SysV
// i386 psABI and Microsoft): 4-byte pointers, long double 12 bytes aligned
// to 4; 64-bit integers and double aligned to 4 inside aggregates on Linux,
// to 8 on Windows (MSVC; the peers' -malign-double).
struct Model {
    uint32_t ptr_size = 8;
    uint32_t i64_align = 8, f64_align = 8;
    uint32_t f80_size = 16, f80_align = 16;
    bool i386 = false, windows = false;
};
Model g_model;

void set_model(Conv conv, Platform platform) {
    g_model = Model{};
    if (!is_i386(conv)) return;
    g_model.i386 = true;
    g_model.windows = platform == Platform::windows;
    g_model.ptr_size = 4;
    g_model.i64_align = g_model.f64_align = g_model.windows ? 8 : 4;
    g_model.f80_size = 12;
    g_model.f80_align = 4;
}

uint32_t scalar_size(S s) {
    if (s == S::Ptr) return g_model.ptr_size;
    if (s == S::F80) return g_model.f80_size;
    return info(s).size;
}

uint32_t scalar_align(S s) {
    switch (s) {
    case S::Ptr: return g_model.ptr_size;
    case S::I64:
    case S::U64: return g_model.i64_align;
    case S::F64: return g_model.f64_align;
    case S::F80: return g_model.f80_align;
    default: return info(s).align;
    }
}

struct GType {
    enum class K : uint8_t { scalar, record, uni, array } k = K::scalar;
    S s = S::I32;
    std::vector<GType> m; // record/union members; array: the element
    uint32_t count = 0;   // array
    uint32_t pack = 0;    // record: 0 = natural C layout, N = #pragma pack(N)
    uint32_t aligned = 0; // record: 0, or A of __attribute__((aligned(A)))
    uint64_t size = 0, align = 1;
    std::vector<uint64_t> off; // record member offsets
    std::string cname;         // aggregates: assigned when emitted

    bool is_aggregate() const { return k != K::scalar; }
    const GType& elem() const { return m[0]; }
};

uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

// C layout rules (GCC and Clang on x86-64, and on i386 under g_model),
// members already laid out.
void lay_out(GType& t) {
    switch (t.k) {
    case GType::K::scalar:
        t.size = scalar_size(t.s);
        t.align = scalar_align(t.s);
        return;
    case GType::K::array:
        t.size = t.elem().size * t.count;
        t.align = t.elem().align;
        return;
    case GType::K::uni: {
        uint64_t size = 0, align = 1;
        for (const auto& x : t.m)
            size = std::max(size, x.size), align = std::max(align, x.align);
        t.size = align_up(size, align);
        t.align = align;
        return;
    }
    case GType::K::record: {
        uint64_t end = 0, align = 1;
        t.off.clear();
        for (const auto& x : t.m) {
            uint64_t a = t.pack ? std::min<uint64_t>(t.pack, x.align) : x.align;
            end = align_up(end, a);
            t.off.push_back(end);
            end += x.size;
            align = std::max(align, a);
        }
        align = std::max<uint64_t>(align, t.aligned);
        t.size = align_up(end, align);
        t.align = align;
        return;
    }
    }
}

GType scalar(S s) {
    GType t;
    t.s = s;
    lay_out(t);
    return t;
}

// Explicit layouts: ctabi writes `@offset` and `| size N align N`; C gets the
// same layout from #pragma pack(N) and __attribute__((aligned(A))).
bool explicit_layout(const GType& t) {
    return t.k == GType::K::record && (t.pack != 0 || t.aligned != 0);
}

std::string text(const GType& t) {
    switch (t.k) {
    case GType::K::scalar: return info(t.s).text;
    case GType::K::array: return "[" + std::to_string(t.count) + " x " + text(t.elem()) + "]";
    case GType::K::uni:
    case GType::K::record: {
        std::string s = t.k == GType::K::uni ? "union {" : "{";
        for (size_t i = 0; i < t.m.size(); ++i) {
            if (i) s += ", ";
            s += text(t.m[i]);
            if (explicit_layout(t)) s += " @" + std::to_string(t.off[i]);
        }
        if (explicit_layout(t))
            s += " | size " + std::to_string(t.size) + " align " + std::to_string(t.align);
        return s + "}";
    }
    }
    return "?";
}

struct GSig {
    Conv conv = Conv::sysv64;
    Platform platform = Platform::linux_; // i386 conventions
    bool ret_void = true;
    GType ret;
    std::vector<GType> args;
    int fixed = -1; // variadic: number of fixed arguments; -1 otherwise

    bool variadic() const { return fixed >= 0; }
    bool is_variadic_arg(size_t i) const { return variadic() && int(i) >= fixed; }
};

std::string text(const GSig& sig) {
    std::string s = is_i386(sig.conv) ? std::string(platform_name(sig.platform)) + " " : "";
    s += std::string(conv_name(sig.conv)) + " " + (sig.ret_void ? "void" : text(sig.ret));
    s += "(";
    for (size_t i = 0; i < sig.args.size(); ++i) {
        if (sig.variadic() && int(i) == sig.fixed) s += i ? ", ..." : "...";
        if (i) s += ", ";
        s += text(sig.args[i]);
    }
    if (sig.variadic() && sig.fixed == int(sig.args.size()))
        s += sig.args.empty() ? "..." : ", ...";
    return s + ")";
}

// ---------------------------------------------------------------------------
// Random signatures.

enum class Flavor : uint8_t { mixed, float_only, int_only, narrow };

S random_scalar(Rng& rng, Flavor flavor, bool allow_f80) {
    static const S ints[] = {S::Bool, S::I8,  S::U8,  S::I16, S::U16,
                             S::I32,  S::U32, S::I64, S::U64, S::Ptr};
    static const S narrow[] = {S::Bool, S::I8, S::U8, S::I16, S::U16};
    auto any_int = [&] { return ints[rng.pick({4, 8, 8, 7, 7, 10, 6, 8, 6, 6})]; };
    auto any_float = [&] {
        if (allow_f80 && rng.chance(4)) return S::F80;
        return rng.chance(55) ? S::F32 : S::F64;
    };
    switch (flavor) {
    case Flavor::float_only: return any_float();
    case Flavor::int_only: return any_int();
    case Flavor::narrow: return rng.chance(80) ? narrow[rng.below(5)] : any_int();
    case Flavor::mixed: break;
    }
    return rng.chance(40) ? any_float() : any_int();
}

struct Limits {
    uint64_t max_size = 40;
    bool allow_f80 = true;
    bool sysv = true;
    // No pack(N >= 2) or over-aligned records (inside System V unions: see
    // union_value_member).
    bool plain_records = false;
};

GType random_aggregate(Rng& rng, int depth, Flavor flavor, const Limits& lim);

// A member of an aggregate: mostly scalars, sometimes an array or a nested
// aggregate while depth remains.
GType random_member(Rng& rng, int depth, Flavor flavor, const Limits& lim) {
    if (depth > 0 && rng.chance(30)) {
        if (rng.chance(45)) {
            GType a;
            a.k = GType::K::array;
            a.m.push_back(depth > 1 && rng.chance(20)
                              ? random_aggregate(rng, depth - 1, flavor, lim)
                              : scalar(random_scalar(rng, flavor, false)));
            uint64_t room =
                std::max<uint64_t>(1, lim.max_size / std::max<uint64_t>(1, a.m[0].size));
            a.count = uint32_t(1 + rng.below(std::min<uint64_t>(room, 7)));
            lay_out(a);
            return a;
        }
        return random_aggregate(rng, depth - 1, flavor, lim);
    }
    return scalar(random_scalar(rng, flavor, lim.allow_f80 && depth > 0));
}

// Shapes worth having often: odd small sizes, the 16-byte boundary.
GType template_aggregate(Rng& rng, Flavor flavor) {
    GType t;
    t.k = GType::K::record;
    switch (rng.below(6)) {
    case 0: { // 1..7 one-byte integers: sizes 1-7 (3, 5, 6, 7 included)
        uint32_t n = uint32_t(1 + rng.below(7));
        for (uint32_t i = 0; i < n; ++i)
            t.m.push_back(scalar(rng.chance(50) ? S::I8 : rng.chance(70) ? S::U8 : S::Bool));
        break;
    }
    case 1: { // 16-bit integers, sometimes with a trailing byte: 2..8 bytes
        uint32_t n = uint32_t(1 + rng.below(4));
        for (uint32_t i = 0; i < n; ++i)
            t.m.push_back(scalar(rng.chance(50) ? S::I16 : S::U16));
        if (rng.chance(40)) t.m.push_back(scalar(S::I8));
        break;
    }
    case 2: { // three or four 4-byte values: 12 and 16 bytes
        uint32_t n = uint32_t(3 + rng.below(2));
        for (uint32_t i = 0; i < n; ++i)
            t.m.push_back(scalar(flavor == Flavor::float_only || rng.chance(50) ? S::F32 : S::I32));
        break;
    }
    case 3: { // 8 + (7..9) bytes: 15, 16, 17 bytes
        t.m.push_back(scalar(rng.chance(50) ? S::F64 : S::I64));
        GType a;
        a.k = GType::K::array;
        a.m.push_back(scalar(rng.chance(50) ? S::U8 : S::I8));
        a.count = uint32_t(7 + rng.below(3));
        lay_out(a);
        t.m.push_back(a);
        break;
    }
    case 4: { // two 8-byte values, sometimes a third small one: 16 / 24 bytes
        t.m.push_back(scalar(flavor == Flavor::int_only ? S::I64 : S::F64));
        t.m.push_back(scalar(flavor == Flavor::float_only || rng.chance(50) ? S::F64 : S::I64));
        if (rng.chance(35)) t.m.push_back(scalar(rng.chance(50) ? S::F32 : S::I8));
        break;
    }
    default: { // float pairs and triples, possibly as an array
        S f = rng.chance(60) ? S::F32 : S::F64;
        if (rng.chance(50)) {
            GType a;
            a.k = GType::K::array;
            a.m.push_back(scalar(f));
            a.count = uint32_t(1 + rng.below(f == S::F32 ? 4 : 2));
            lay_out(a);
            t.m.push_back(a);
            if (rng.chance(50)) t.m.push_back(scalar(S::F32));
        } else {
            uint32_t n = uint32_t(1 + rng.below(3));
            for (uint32_t i = 0; i < n; ++i)
                t.m.push_back(scalar(rng.chance(50) ? S::F32 : f));
        }
        break;
    }
    }
    lay_out(t);
    return t;
}

GType random_aggregate(Rng& rng, int depth, Flavor flavor, const Limits& lim) {
    for (int attempt = 0; attempt < 20; ++attempt) {
        GType t;
        if (rng.chance(25)) {
            t = template_aggregate(rng, flavor);
        } else {
            t.k = rng.chance(15) ? GType::K::uni : GType::K::record;
            Limits member_lim = lim;
            if (t.k == GType::K::uni && lim.sysv) member_lim.plain_records = true;
            uint32_t n = uint32_t(1 + rng.pick({20, 25, 20, 15, 10, 6, 4}));
            for (uint32_t i = 0; i < n; ++i)
                t.m.push_back(random_member(rng, depth, flavor, member_lim));
        }
        if (t.k == GType::K::record) {
            size_t p = rng.pick({94, 3, 2, 1});
            t.pack = p == 0 ? 0 : p == 1 ? 1 : p == 2 ? 2 : 4;
            // Over-aligned now and then: 16- and 32-aligned stack slots.
            if (rng.chance(4)) t.aligned = rng.chance(70) ? 16 : 32;
            if (lim.plain_records && (t.pack > 1 || t.aligned)) t.pack = t.aligned = 0;
        }
        lay_out(t);
        if (t.size >= 1 && t.size <= lim.max_size) return t;
    }
    GType t;
    t.k = GType::K::record;
    t.m.push_back(scalar(S::I32));
    t.m.push_back(scalar(S::I8));
    lay_out(t);
    return t;
}

// Now and then a big aggregate (41..300 bytes): long copies (ctabi copies
// more than 128 bytes with a loop) and deep stack areas.
GType big_aggregate(Rng& rng, Flavor flavor) {
    GType t;
    t.k = GType::K::record;
    t.m.push_back(scalar(random_scalar(rng, flavor, true)));
    GType a;
    a.k = GType::K::array;
    a.m.push_back(rng.chance(70) ? scalar(random_scalar(rng, flavor, false))
                                 : template_aggregate(rng, flavor));
    a.count = uint32_t(std::max<uint64_t>(2, (41 + rng.below(240)) / a.m[0].size));
    lay_out(a);
    t.m.push_back(a);
    if (rng.chance(50)) t.m.push_back(scalar(random_scalar(rng, flavor, false)));
    lay_out(t);
    return t;
}

// ---------------------------------------------------------------------------
// i386: what the C peers can express and where they are known to differ.

// Re-lays out t bottom-up after its members changed. On i386 over-alignment
// stays on the outermost record (an aligned() member type makes GCC 16-align
// the argument's stack slot, Clang does not; the attribute on the passed
// record itself leaves both at 4); Windows aggregates hold no long double
// (MSVC has none; with -malign-double GCC keeps it 12 bytes aligned to 4,
// Clang aligns it to 8): an f64 instead.
void fit_i386(GType& t, bool top) {
    if (t.k == GType::K::scalar) {
        if (!top && g_model.windows && t.s == S::F80) t = scalar(S::F64);
        return;
    }
    for (auto& x : t.m)
        fit_i386(x, false);
    if (!top) t.aligned = 0;
    lay_out(t);
}

// A struct, union or one-element array holding just one float, double or
// long double that fills it (Clang's isSingleElementStruct).
bool single_float_element(const GType& t) {
    if (t.k == GType::K::scalar) return t.s == S::F32 || t.s == S::F64 || t.s == S::F80;
    if (t.m.size() != 1 || (t.k == GType::K::array && t.count != 1)) return false;
    return t.m[0].size == t.size && single_float_element(t.m[0]);
}

bool contains_union(const GType& t);

// The same without a union on the chain: what GCC gives the scalar's mode
// (a union gets an integer mode), and what the classifier's
// single_float_element means.
bool gcc_single_float_element(const GType& t) {
    return single_float_element(t) && !contains_union(t);
}

bool nested_register_sized(const GType& t);

// An aggregate result returned through a hidden pointer: every one on
// Linux (psABI 3.2.3), those of other sizes than 1, 2, 4, 8 on Windows, or
// with a member of another size (nested_register_sized).
bool memory_result(const GSig& sig) {
    if (sig.ret_void || !sig.ret.is_aggregate()) return false;
    if (sig.platform == Platform::linux_) return true;
    uint64_t n = sig.ret.size;
    return !(n == 1 || n == 2 || n == 4 || n == 8) || !nested_register_sized(sig.ret);
}

bool register_int(const GType& t) {
    return t.k == GType::K::scalar && !info(t.s).is_float && t.size <= 4;
}

// Windows aggregate results of 1, 2, 4, 8 bytes still come back through
// the hidden pointer when a nested struct, union or array member has
// another size (`{i8, [3 x i8]}`, `union {{i16, i16, i16}, f64}`): GCC
// -freg-struct-return gives them BLKmode, Clang's shouldReturnTypeInRegister
// (also for -target i686-pc-windows-msvc) wants every field register-sized.
bool nested_register_sized(const GType& t) {
    for (const auto& m : t.m) {
        if (!m.is_aggregate()) continue;
        const uint64_t n = m.size;
        if (!(n == 1 || n == 2 || n == 4 || n == 8) || !nested_register_sized(m)) return false;
    }
    return true;
}

// A union anywhere in t (a single-float-element aggregate: on its chain).
bool contains_union(const GType& t) {
    if (t.k == GType::K::uni) return true;
    for (const auto& m : t.m)
        if (contains_union(m)) return true;
    return false;
}

GType int_pair() {
    GType t;
    t.k = GType::K::record;
    t.m = {scalar(S::I32), scalar(S::I32)};
    lay_out(t);
    return t;
}

// Keeps out of a signature what the Linux GCC/Clang peers cannot stand for
// (verified with gcc -m32 -O2 -S / clang -m32 -O2 -S and by running both
// compilers' code against each other):
//  - Windows: a single-float-element aggregate result (the peers return it
//    in st(0), MSVC in eax/edx:eax): a double instead.
//  - Windows thiscall with an aggregate result: a Microsoft member function
//    returns every aggregate through the hidden pointer, passed after
//    `this` (ecx); the peers return 1, 2, 4, 8 bytes in registers and pass
//    the pointer in ecx (variadic: first on the stack): an i64 instead.
//  - Linux thiscall with a hidden result pointer under Clang: Clang 14
//    keeps ecx for `this`, GCC (and ctabi) pass the pointer there and
//    `this` on the stack; variadic thiscall under Clang, which rejects the
//    attribute there, so its callee is a cdecl one that pops the pointer
//    (GCC's variadic thiscall callee does not): an i64 instead.
//  - Linux variadic fastcall with a hidden result pointer under Clang:
//    Clang 14's callee pops it, GCC's (and ctabi's rule) does not.
//  - Windows: an argument aggregate whose alignment was requested beyond
//    its members' (aligned()) and is over 4: MSVC passes it by reference to
//    a copy, the peers by value: the attribute is dropped.
//  - Windows cdecl (and variadic, which is cdecl) with a hidden result
//    pointer under Clang, which has no callee_pop_aggregate_return(0): its
//    callee pops the pointer (`ret $4`), MSVC's does not.
//  - Windows fastcall: an aggregate (not single-float-element) or 64-bit
//    integer argument while a register is free. The peers let it consume
//    registers (GCC's function_arg_advance_32, Clang's updateFreeRegs),
//    MSVC does not: a double instead, which consumes none anywhere.
//  - Linux fastcall under Clang: an aggregate of at most 4 bytes (not
//    single-float-element) while both registers are free. GCC lets it
//    consume ecx and passes the next integer in edx, Clang 14 passes the
//    next integer in ecx and the one after on the stack (fastcall
//    void({i8, i8}, i32, i32)); ctabi follows GCC. A double instead.
//    (Clang 14 does let a 64-bit integer consume both registers, as GCC.)
//  - fastcall under Clang (either platform): a long double argument (or a
//    single-element aggregate of one) while a register is free. Clang 14
//    lets it consume all of them (fastcall int(long double, int, int)
//    passes both ints on the stack), GCC none: a double instead.
void peer_fixups(GSig& sig, Peer peer) {
    const bool windows = sig.platform == Platform::windows;
    const Conv rules = sig.variadic() ? Conv::cdecl_ : sig.conv;
    if (windows && !sig.ret_void && sig.ret.is_aggregate() && single_float_element(sig.ret))
        sig.ret = scalar(S::F64);
    if (windows && sig.conv == Conv::thiscall && !sig.ret_void && sig.ret.is_aggregate())
        sig.ret = scalar(S::I64);
    if (!windows && peer == Peer::clang && memory_result(sig) &&
        (sig.conv == Conv::thiscall || (sig.variadic() && sig.conv == Conv::fastcall)))
        sig.ret = scalar(S::I64);
    if (windows && peer == Peer::clang && rules == Conv::cdecl_ && memory_result(sig))
        sig.ret = int_pair();
    if (windows)
        for (auto& t : sig.args)
            if (t.k == GType::K::record && t.aligned && t.align > 4) {
                uint64_t natural = 1;
                for (const auto& m : t.m)
                    natural = std::max(natural, m.align);
                if (t.align > natural) t.aligned = 0, lay_out(t);
            }
    if (rules != Conv::fastcall) return;
    uint32_t free_regs = memory_result(sig) ? 1 : 2; // the hidden pointer takes ecx
    for (auto& t : sig.args) {
        if (free_regs == 0) break;
        if (register_int(t)) {
            --free_regs;
            continue;
        }
        if (peer == Peer::clang && t.size >= 12 && single_float_element(t)) {
            t = scalar(S::F64);
            continue;
        }
        // GCC gives a union an integer mode (compute_record_mode: a union
        // takes its widest field's mode only when that is MODE_INT), so a
        // single-float-element aggregate with a union on its chain (`union
        // {f32}`, `{union {f32}}`) uses up registers like any aggregate, as
        // the classifier has it: `fastcall int(union {float}, int, int)`
        // passes the ints in edx and on the stack (`ret $8`). Clang 14 lets
        // it use up none (ecx, edx): a Clang difference, kept out.
        if (peer == Peer::clang && !windows && t.is_aggregate() && single_float_element(t) &&
            contains_union(t)) {
            t = scalar(S::F64);
            continue;
        }
        const bool wide_int = t.k == GType::K::scalar && (t.s == S::I64 || t.s == S::U64);
        const bool consuming = wide_int || (t.is_aggregate() && !gcc_single_float_element(t));
        if (!consuming) continue;
        if (windows || (peer == Peer::clang && t.is_aggregate() && t.size <= 4 && free_regs == 2)) {
            t = scalar(S::F64);
            continue;
        }
        uint32_t used = wide_int ? 2 : uint32_t((t.size + 3) / 4);
        free_regs = used >= free_regs ? 0 : free_regs - used;
    }
}

// i386 signatures: the data model's limits, thiscall's first argument,
// promoted variadic arguments, then the peer's known differences.
void adjust_i386(GSig& sig, Rng& rng, Peer peer) {
    for (auto& a : sig.args)
        fit_i386(a, true);
    if (!sig.ret_void) fit_i386(sig.ret, true);
    // thiscall: `this` first, a pointer or an int (with another first
    // argument the compilers disagree on what goes in ecx).
    if (sig.conv == Conv::thiscall) {
        GType first = scalar(rng.chance(70) ? S::Ptr : rng.chance(50) ? S::I32 : S::U32);
        if (sig.args.empty())
            sig.args.push_back(first);
        else
            sig.args[0] = first;
    }
    // Variadic arguments of their promoted types only (no narrow integer, no
    // float), and no over-aligned aggregate.
    if (sig.variadic())
        for (size_t i = size_t(sig.fixed); i < sig.args.size(); ++i) {
            GType& t = sig.args[i];
            if (t.k == GType::K::scalar && t.s == S::F32) t = scalar(S::F64);
            if (t.k == GType::K::scalar && !info(t.s).is_float && t.size < 4)
                t = scalar(info(t.s).is_signed || t.s == S::Bool ? S::I32 : S::U32);
            if (t.is_aggregate() && (t.align > 8 || t.aligned))
                t = template_aggregate(rng, Flavor::mixed);
        }
    peer_fixups(sig, peer);
}

// ---------------------------------------------------------------------------
// System V: where GCC, as a peer, differs from the psABI (and Clang, and
// ctabi).

// Walks the scalar leaves of t (at offset base in the outermost aggregate):
// *any when one is not at a multiple of its alignment, *first_elements when
// such a leaf is also reached taking only element 0 of every array.
void unaligned_leaves(const GType& t, uint64_t base, bool first, bool* any, bool* first_elements) {
    switch (t.k) {
    case GType::K::scalar:
        if (base % scalar_align(t.s) != 0) {
            *any = true;
            if (first) *first_elements = true;
        }
        return;
    case GType::K::array:
        for (uint32_t k = 0; k < t.count; ++k)
            unaligned_leaves(t.elem(), base + k * t.elem().size, first && k == 0, any,
                             first_elements);
        return;
    case GType::K::record:
        for (size_t i = 0; i < t.m.size(); ++i)
            unaligned_leaves(t.m[i], base + t.off[i], first, any, first_elements);
        return;
    case GType::K::uni:
        for (const auto& x : t.m)
            unaligned_leaves(x, base, first, any, first_elements);
        return;
    }
}

// An aggregate of at most 16 bytes whose only unaligned leaves sit in array
// elements after the first. psABI 3.2.3 makes an aggregate with an unaligned
// field MEMORY, and so do Clang and ctabi; GCC 12's classify_argument
// classifies an array by its first element alone, at the array's offset, so
// it never sees those leaves and passes (and returns) the aggregate in
// registers: `{[2 x {f32 @0, bool @4 | size 5 align 1}]}`, whose second
// float is at offset 5, goes in rdi:rsi from GCC, in memory from Clang.
bool gcc_misses_unaligned(const GType& t) {
    if (!t.is_aggregate() || t.size > 16) return false;
    bool any = false, first_elements = false;
    unaligned_leaves(t, 0, true, &any, &first_elements);
    return any && !first_elements;
}

// Keeps out of a System V signature what GCC passes otherwise than the
// psABI (gcc_misses_unaligned): a double instead. Clang's fixed cases pin it.
void peer_fixups_sysv64(GSig& sig, Peer peer) {
    if (sig.conv != Conv::sysv64 || peer != Peer::gcc) return;
    for (auto& a : sig.args)
        if (gcc_misses_unaligned(a)) a = scalar(S::F64);
    if (!sig.ret_void && gcc_misses_unaligned(sig.ret)) sig.ret = scalar(S::F64);
}

GSig random_signature(Rng& rng, Conv conv, Platform platform, Peer peer) {
    GSig sig;
    sig.conv = conv;
    sig.platform = platform;
    Limits lim;
    lim.sysv = conv == Conv::sysv64;
    // Case flavours: float storms and int storms exhaust the register files,
    // narrow storms stress sub-32-bit extension.
    size_t mode = rng.pick({45, 18, 15, 12, 10});
    Flavor flavor = mode == 1   ? Flavor::float_only
                    : mode == 2 ? Flavor::int_only
                    : mode == 3 ? Flavor::narrow
                                : Flavor::mixed;
    bool many_aggregates = mode == 4;
    size_t nargs = rng.pick({3, 6, 8, 8, 8, 8, 9, 10, 12, 13, 15});
    bool storm = flavor == Flavor::float_only || flavor == Flavor::int_only;
    Limits arg_lim = lim;
    if (storm && rng.chance(75)) {
        // Exhaust a register file: many arguments, aggregates that fit in
        // registers (at most 16 bytes).
        nargs = size_t(6 + rng.below(5));
        arg_lim.max_size = 16;
    }
    if (rng.chance(5)) nargs = size_t(11 + rng.below(6)); // long lists: deep stack areas
    int depth = int(1 + rng.below(3));                    // nesting 1..3
    for (size_t i = 0; i < nargs; ++i) {
        Flavor f = rng.chance(85) ? flavor : Flavor::mixed;
        bool aggregate = rng.chance(many_aggregates ? 80 : flavor == Flavor::narrow ? 20 : 35);
        if (aggregate && rng.chance(3))
            sig.args.push_back(big_aggregate(rng, f));
        else
            sig.args.push_back(aggregate ? random_aggregate(rng, depth, f, arg_lim)
                                         : scalar(random_scalar(rng, f, true)));
    }
    size_t r = rng.pick({15, 40, 45});
    if (r != 0) {
        sig.ret_void = false;
        const bool x87_results = conv != Conv::win64;
        if (r == 1 && x87_results && rng.chance(5)) {
            sig.ret = scalar(S::F80); // st(0)
        } else if (r == 1) {
            sig.ret = scalar(random_scalar(rng, flavor, x87_results));
        } else {
            // (Aggregates holding an f80 are fine in win64 results: by
            // reference, like any other size than 1, 2, 4, 8.)
            sig.ret = rng.chance(3) ? big_aggregate(rng, flavor)
                                    : random_aggregate(rng, depth, flavor, lim);
        }
    }
    // Variadic calls: at least one fixed argument (C needs one for va_start);
    // no float among the variadic ones (C promotes it to double). No
    // variadic aggregate aligned to more than 8 either: GCC 12's va_arg
    // copies one that arrived in general registers out of the register save
    // area with an aligned 16-byte load (movdqa) from a slot only 8-aligned,
    // and faults (whoever the caller; Clang's va_arg copies it correctly).
    if (sig.args.size() >= 2 && rng.chance(12)) {
        sig.fixed = int(1 + rng.below(sig.args.size() - 1));
        for (size_t i = size_t(sig.fixed); i < sig.args.size(); ++i) {
            GType& t = sig.args[i];
            if (t.k == GType::K::scalar && t.s == S::F32) t = scalar(S::F64);
            if (t.is_aggregate() && t.align > 8) t = template_aggregate(rng, flavor);
        }
    }
    if (is_i386(conv)) adjust_i386(sig, rng, peer);
    peer_fixups_sysv64(sig, peer);
    return sig;
}

// ---------------------------------------------------------------------------
// The fixed list: hand-written signatures, parsed by a small parser of the
// same text syntax (explicit layouts must be expressible as #pragma pack(N)).

class TextParser {
public:
    explicit TextParser(std::string_view s) : s_(s) {}

    bool signature(GSig& sig, std::string* error) {
        std::string_view w = word();
        sig.platform = Platform::linux_;
        if (w == "linux" || w == "windows") {
            sig.platform = w == "windows" ? Platform::windows : Platform::linux_;
            w = word();
        }
        bool known = false;
        for (Conv c : {Conv::sysv64, Conv::win64, Conv::cdecl_, Conv::stdcall, Conv::fastcall,
                       Conv::thiscall})
            if (w == conv_name(c)) sig.conv = c, known = true;
        if (!known) return fail("expected a convention", error);
        space();
        if (s_.substr(pos_, 4) == "void" && !std::isalnum((unsigned char)at(pos_ + 4))) {
            pos_ += 4;
            sig.ret_void = true;
        } else {
            sig.ret_void = false;
            if (!type(sig.ret, error)) return false;
        }
        if (!eat('(')) return fail("expected '('", error);
        if (eat(')')) return true;
        for (;;) {
            space();
            if (s_.substr(pos_, 3) == "...") {
                pos_ += 3;
                sig.fixed = int(sig.args.size());
            } else {
                GType t;
                if (!type(t, error)) return false;
                sig.args.push_back(std::move(t));
            }
            if (eat(')')) break;
            if (!eat(',')) return fail("expected ',' or ')'", error);
        }
        space();
        return pos_ == s_.size() || fail("trailing text", error);
    }

private:
    char at(size_t i) const { return i < s_.size() ? s_[i] : '\0'; }
    void space() {
        while (pos_ < s_.size() && std::isspace((unsigned char)s_[pos_]))
            ++pos_;
    }
    bool eat(char c) {
        space();
        if (at(pos_) != c) return false;
        ++pos_;
        return true;
    }
    std::string_view word() {
        space();
        size_t b = pos_;
        while (std::isalnum((unsigned char)at(pos_)) || at(pos_) == '_')
            ++pos_;
        return s_.substr(b, pos_ - b);
    }
    bool number(uint64_t& v) {
        space();
        size_t b = pos_;
        v = 0;
        while (std::isdigit((unsigned char)at(pos_)))
            v = v * 10 + uint64_t(s_[pos_++] - '0');
        return pos_ != b;
    }
    bool fail(const std::string& what, std::string* error) {
        *error = what + " at column " + std::to_string(pos_ + 1) + " of '" + std::string(s_) + "'";
        return false;
    }

    bool type(GType& t, std::string* error) {
        if (eat('{')) return aggregate(t, GType::K::record, error);
        if (eat('[')) {
            t.k = GType::K::array;
            uint64_t n;
            if (!number(n) || n == 0) return fail("expected an array length", error);
            if (word() != "x") return fail("expected 'x'", error);
            t.count = uint32_t(n);
            t.m.resize(1);
            if (!type(t.m[0], error)) return false;
            if (!eat(']')) return fail("expected ']'", error);
            lay_out(t);
            return true;
        }
        std::string_view w = word();
        if (w == "union") {
            if (!eat('{')) return fail("expected '{'", error);
            return aggregate(t, GType::K::uni, error);
        }
        for (int s = 0; s <= int(S::Ptr); ++s)
            if (w == info(S(s)).text) {
                t = scalar(S(s));
                return true;
            }
        return fail("unknown type '" + std::string(w) + "'", error);
    }

    bool aggregate(GType& t, GType::K kind, std::string* error) {
        t.k = kind;
        std::vector<uint64_t> offsets;
        bool has_offsets = false, has_layout = false;
        uint64_t size = 0, align = 0;
        while (!eat('}')) {
            if (!t.m.empty() && !eat(',')) {
                if (!eat('|') || word() != "size" || !number(size) || word() != "align" ||
                    !number(align) || !eat('}'))
                    return fail("bad explicit layout", error);
                has_layout = true;
                break;
            }
            GType m;
            if (!type(m, error)) return false;
            uint64_t off = 0;
            if (eat('@')) {
                if (!number(off)) return fail("expected an offset", error);
                has_offsets = true;
            }
            t.m.push_back(std::move(m));
            offsets.push_back(off);
        }
        lay_out(t);
        if (!has_offsets && !has_layout) return true;
        if (kind != GType::K::record) return fail("explicit layouts only for structs", error);
        for (uint32_t pack : {0u, 1u, 2u, 4u, 8u, 16u})
            for (uint32_t aligned : {0u, 2u, 4u, 8u, 16u, 32u, 64u}) {
                t.pack = pack;
                t.aligned = aligned;
                lay_out(t);
                if ((!has_offsets || t.off == offsets) && (!has_layout || t.size == size) &&
                    (!has_layout || t.align == align) && explicit_layout(t))
                    return true;
            }
        return fail("explicit layout not expressible with #pragma pack and aligned()", error);
    }

    std::string_view s_;
    size_t pos_ = 0;
};

// ---------------------------------------------------------------------------
// Values: every scalar leaf a constant C can spell exactly.

struct GValue {
    std::string lit;       // scalar: a C constant expression of the leaf's type
    std::vector<GValue> m; // record/array members; union: only [active] is set
    uint32_t active = 0;
};

std::string hex64(uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

std::string int_literal(S s, Rng& rng) {
    const ScalarInfo& in = info(s);
    uint32_t bits = in.size * 8;
    uint64_t raw = rng.next();
    if (s == S::Bool) return rng.chance(80) ? "1" : "0";
    if (s == S::Ptr && g_model.ptr_size == 4) return "((void*)" + hex64(raw & 0xffffffffu) + "U)";
    if (s == S::Ptr) return "((void*)" + hex64(raw) + "ULL)";
    if (in.is_signed) {
        int64_t v;
        if (bits < 32 && rng.chance(70)) {
            // Negative narrow values: a missing sign extension shows.
            int64_t lo = -(int64_t(1) << (bits - 1));
            v = rng.chance(15) ? lo : rng.chance(15) ? -1 : rng.range(lo, -1);
        } else if (bits == 64) {
            v = int64_t(raw);
        } else {
            v = int64_t(raw << (64 - bits)) >> (64 - bits); // full range
        }
        std::string lit =
            v == INT64_MIN ? "(-9223372036854775807LL - 1)" : std::to_string(v) + "LL";
        return std::string("((") + in.ctype + ")" + lit + ")";
    }
    uint64_t v = bits == 64 ? raw : raw & ((uint64_t(1) << bits) - 1);
    if (bits < 32 && rng.chance(70))
        v |= uint64_t(1) << (bits - 1); // large: no zero extension shows
    return std::string("((") + in.ctype + ")" + hex64(v) + "ULL)";
}

// An exactly representable floating constant in hexadecimal notation.
std::string float_literal(S s, Rng& rng) {
    if (rng.chance(2)) return s == S::F32 ? "0.0f" : s == S::F80 ? "0.0L" : "0.0";
    // Fraction bits after the leading 1 (the x87 format has an explicit
    // integer bit, so 63 of its 64 significand bits are fraction).
    uint32_t frac_bits = s == S::F32 ? 23 : s == S::F64 ? 52 : 63;
    uint32_t used = uint32_t(rng.below(frac_bits + 1));
    uint64_t frac = used ? (rng.next() >> (64 - used)) << (frac_bits - used) : 0;
    int exp_range = s == S::F32 ? 40 : s == S::F64 ? 300 : 4000;
    int64_t exp = rng.range(-exp_range, exp_range);
    if (rng.chance(30)) exp = rng.range(-4, 4); // everyday magnitudes: 1.5, -3.25
    // Hex digits of the fraction, padded to whole nibbles on the right.
    uint32_t nibbles = (frac_bits + 3) / 4;
    uint64_t padded = frac << (nibbles * 4 - frac_bits);
    char digits[32];
    std::snprintf(digits, sizeof digits, "%0*" PRIx64, int(nibbles), padded);
    std::string lit = std::string(rng.chance(45) ? "-" : "") + "0x1." + digits + "p" +
                      (exp >= 0 ? "+" : "") + std::to_string(exp) +
                      (s == S::F32   ? "f"
                       : s == S::F80 ? "L"
                                     : "");
    return "(" + lit + ")";
}

// The member of a union that its value is given through (and checked).
//
// System V: the member Clang lowers the union to. Clang represents a union
// by one member's LLVM type (highest alignment, then largest size, the first
// on ties) and passes an SSE eightbyte as what that type holds there: a
// float alone at the start of an eightbyte goes as a float, and the other
// four bytes of the eightbyte are lost even when another member has data
// there (llvm/llvm-project#76017, #83388; GCC passes all eight bytes). Only
// the storage member's data is passed alike by both compilers. (Records with
// pack(N >= 2) or aligned(), whose LLVM alignment differs from C's, are kept
// out of System V unions so that C's alignment names the same member.)
//
// Win64 (unions are integer blobs or by reference): mostly the largest
// member, which covers the most bytes, else any.
uint32_t union_value_member(Rng& rng, const GType& t, bool sysv) {
    uint32_t best = 0, largest = 0;
    for (uint32_t i = 0; i < t.m.size(); ++i) {
        if (t.m[i].align > t.m[best].align ||
            (t.m[i].align == t.m[best].align && t.m[i].size > t.m[best].size))
            best = i;
        if (t.m[i].size > t.m[largest].size) largest = i;
    }
    if (sysv) return best;
    return rng.chance(70) ? largest : uint32_t(rng.below(t.m.size()));
}

GValue random_value(Rng& rng, const GType& t, bool sysv) {
    GValue v;
    switch (t.k) {
    case GType::K::scalar:
        v.lit = info(t.s).is_float ? float_literal(t.s, rng) : int_literal(t.s, rng);
        return v;
    case GType::K::array:
        for (uint32_t i = 0; i < t.count; ++i)
            v.m.push_back(random_value(rng, t.elem(), sysv));
        return v;
    case GType::K::record:
        for (const auto& x : t.m)
            v.m.push_back(random_value(rng, x, sysv));
        return v;
    case GType::K::uni: {
        v.active = union_value_member(rng, t, sysv);
        v.m.resize(t.m.size());
        v.m[v.active] = random_value(rng, t.m[v.active], sysv);
        return v;
    }
    }
    return v;
}

// ---------------------------------------------------------------------------
// C emission.

class Emitter {
public:
    Emitter(std::string& out, int case_index) : out_(out), case_(case_index) {}

    // Defines the aggregate types inside t (post-order) and names them.
    void define(GType& t) {
        if (!t.is_aggregate()) return;
        for (auto& x : t.m)
            define(x);
        if (t.k == GType::K::array) return;
        std::string tag = "T" + std::to_string(case_) + "_" + std::to_string(next_type_++);
        t.cname = std::string(t.k == GType::K::uni ? "union " : "struct ") + tag;
        if (t.pack) out_ += "#pragma pack(push, " + std::to_string(t.pack) + ")\n";
        if (t.aligned)
            out_ +=
                "struct __attribute__((aligned(" + std::to_string(t.aligned) + "))) " + tag + " {";
        else
            out_ += t.cname + " {";
        for (size_t i = 0; i < t.m.size(); ++i)
            out_.append(" ").append(decl(t.m[i], member(i))).append(";");
        out_ += " };\n";
        if (t.pack) out_ += "#pragma pack(pop)\n";
        // The generator's layout (which the explicit text spells) is C's.
        out_ += "_Static_assert(sizeof(" + t.cname + ") == " + std::to_string(t.size) +
                " && _Alignof(" + t.cname + ") == " + std::to_string(t.align);
        if (t.k == GType::K::record)
            for (size_t i = 0; i < t.m.size(); ++i)
                out_ += " && __builtin_offsetof(" + t.cname + ", " + member(i) +
                        ") == " + std::to_string(t.off[i]);
        out_ += ", \"layout\");\n";
    }

    static std::string member(size_t i) {
        std::string s = "m";
        return s.append(std::to_string(i));
    }

    static std::string ctype(const GType& t) {
        if (t.k == GType::K::scalar) return info(t.s).ctype;
        if (t.k == GType::K::array) return ctype(t.elem()) + "[" + std::to_string(t.count) + "]";
        return t.cname;
    }

    // A declaration of `name` with type t (arrays of arrays included).
    static std::string decl(const GType& t, const std::string& name) {
        std::string dims;
        const GType* e = &t;
        while (e->k == GType::K::array) {
            dims.append("[").append(std::to_string(e->count)).append("]");
            e = &e->elem();
        }
        return ctype(*e) + " " + name + dims;
    }

    static std::string init(const GType& t, const GValue& v) {
        switch (t.k) {
        case GType::K::scalar: return v.lit;
        case GType::K::uni:
            return "{ ." + member(v.active) + " = " + init(t.m[v.active], v.m[v.active]) + " }";
        case GType::K::array:
        case GType::K::record: {
            std::string s = "{";
            for (size_t i = 0; i < v.m.size(); ++i)
                s += (i ? ", " : " ") + init(t.k == GType::K::array ? t.elem() : t.m[i], v.m[i]);
            return s + " }";
        }
        }
        return "";
    }

    // Every scalar leaf of a value: (C lvalue expression, printable name, type, literal).
    using LeafFn =
        std::function<void(const std::string&, const std::string&, S, const std::string&)>;
    static void leaves(const GType& t, const GValue& v, const std::string& expr,
                       const std::string& name, const LeafFn& fn) {
        switch (t.k) {
        case GType::K::scalar: fn(expr, name, t.s, v.lit); return;
        case GType::K::array:
            for (uint32_t i = 0; i < t.count; ++i) {
                std::string idx = "[" + std::to_string(i) + "]";
                leaves(t.elem(), v.m[i], expr + idx, name + idx, fn);
            }
            return;
        case GType::K::record:
            for (size_t i = 0; i < t.m.size(); ++i)
                leaves(t.m[i], v.m[i], expr + "." + member(i), name + "." + member(i), fn);
            return;
        case GType::K::uni:
            leaves(t.m[v.active], v.m[v.active], expr + "." + member(v.active),
                   name + "." + member(v.active), fn);
            return;
        }
    }

    // The condition under which a leaf held in memory differs from its
    // constant. _Bool leaves are compared as bytes (a corrupted _Bool is
    // undefined behaviour when read as _Bool).
    static std::string differs_in_memory(const std::string& expr, S s, const std::string& lit) {
        if (s == S::Bool) return "*(const unsigned char*)&" + expr + " != " + lit;
        return expr + " != " + lit;
    }

    // Narrow integer parameters (bool, char, short): the caller widens them to
    // 32 bits in System V, and Clang's callees rely on it.
    static bool narrow_int(S s) {
        return s == S::Bool || (!info(s).is_float && s != S::Ptr && info(s).size < 4);
    }

    std::string& out_;
    int case_;
    int next_type_ = 0;
};

std::string c_string(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') r += '\\';
        r += c;
    }
    return r + "\"";
}

// Win64 passes aggregates of other sizes than 1, 2, 4, 8 and long double by
// reference. GCC's __builtin_va_arg on a __builtin_ms_va_list reads such
// values in place instead (a GCC bug; both compilers' callers, and Clang's
// va_arg, pass and read a pointer), so GCC-built callees read the pointer.
bool win64_by_reference(const GType& t) {
    if (t.k == GType::K::scalar) return t.s == S::F80;
    return !(t.size == 1 || t.size == 2 || t.size == 4 || t.size == 8);
}

const char* kPrelude = R"(/* generated by ctabi's differential test generator: do not edit */
#ifndef DIFF_PRELUDE
#define DIFF_PRELUDE
#include <stdarg.h>
struct diff_case {
    unsigned index;
    const char* signature;
    void* callee;
    void** argv;
    int (*check_ret)(const void* result);
    int (*call_thunk)(void* thunk);
    int (*call_callback)(void* fp);
    void* passthrough;
    const unsigned long long* sizes;
    unsigned nsizes;
};
extern int diff_calls;
extern void* diff_pt_data;
int diff_fail(int case_index, const char* leaf);
/* The callee's stack pointer must be DIFF_STACK_ALIGN-aligned at its entry
   (16, or 4 under the i386 Windows rules): a local that C aligns to that is
   misaligned otherwise (its address is laundered through asm so that the
   compiler cannot fold the test). */
#ifndef DIFF_STACK_ALIGN
#define DIFF_STACK_ALIGN 16
#endif
#define DIFF_ENTRY(c)                                                          \
    do {                                                                       \
        volatile char probe_ __attribute__((aligned(DIFF_STACK_ALIGN))) = 0;   \
        __UINTPTR_TYPE__ p_ = (__UINTPTR_TYPE__)&probe_;                       \
        __asm__ volatile("" : "+r"(p_));                                       \
        if (p_ & (DIFF_STACK_ALIGN - 1)) diff_fail(c, "stack alignment at entry"); \
        ++diff_calls;                                                          \
    } while (0)
/* An aggregate parameter's address must have the alignment n. */
#define DIFF_ALIGNED(c, a, n)                                                  \
    do {                                                                       \
        __UINTPTR_TYPE__ q_ = (__UINTPTR_TYPE__)&(a);                          \
        __asm__ volatile("" : "+r"(q_));                                       \
        if (q_ & ((n) - 1)) diff_fail(c, #a " misaligned");                    \
    } while (0)
#if defined(__i386__)
#ifdef __clang__
#define DIFF_VTHISCALL
#else
#define DIFF_VTHISCALL __attribute__((thiscall))
#endif
/* i386 callers check the callee's pop count: esp right before the call's
   argument set-up and right after the call sequence (the compilers' own
   adjustment included: GCC with -maccumulate-outgoing-args) must be equal.
   DIFF_ESP_AFTER then puts esp back where it was, so that a caller whose
   callee popped a wrong count goes on in one piece and reports it. */
extern unsigned diff_esp_before, diff_esp_after;
int diff_esp_fail(int case_index);
#define DIFF_ESP_BEFORE()                                                      \
    __asm__ volatile("movl %%esp, %0" : "=m"(diff_esp_before) : : "memory")
#define DIFF_ESP_AFTER(c)                                                      \
    do {                                                                       \
        __asm__ volatile("movl %%esp, %0\n\tmovl %1, %%esp"                    \
                         : "=m"(diff_esp_after)                                \
                         : "m"(diff_esp_before)                                \
                         : "memory");                                          \
        if (diff_esp_after != diff_esp_before) n += diff_esp_fail(c);          \
    } while (0)
/* Windows promises a 4-aligned esp only: callers shift it by 4 * (c % 4)
   bytes so that callbacks are entered at every esp mod 16. */
#define DIFF_SHIFT(c)                                                          \
    do {                                                                       \
        unsigned s_ = 4u * ((c) % 4u) + 1u;                                    \
        __asm__ volatile("" : "+r"(s_));                                       \
        char* p_ = (char*)__builtin_alloca(s_);                                \
        __asm__ volatile("" : : "r"(p_) : "memory");                           \
    } while (0)
#endif
#endif
)";

const char* kRuntime = R"(
int diff_calls;
int diff_failures;
void* diff_pt_data;
char diff_log[8192];
static unsigned diff_log_len;

void diff_reset(void) {
    diff_calls = 0;
    diff_failures = 0;
    diff_pt_data = 0;
    diff_log_len = 0;
    diff_log[0] = 0;
}

#if defined(__i386__)
unsigned diff_esp_before, diff_esp_after;

int diff_esp_fail(int case_index) {
    char buf[64];
    __builtin_snprintf(buf, sizeof buf, "esp after the call off by %d",
                       (int)(diff_esp_after - diff_esp_before));
    return diff_fail(case_index, buf);
}
#endif

int diff_fail(int case_index, const char* leaf) {
    char buf[160];
    int n = __builtin_snprintf(buf, sizeof buf, "%s%s", diff_log_len ? ", " : "", leaf);
    (void)case_index;
    ++diff_failures;
    if (n > 0 && diff_log_len + (unsigned)n + 1 < sizeof diff_log) {
        __builtin_memcpy(diff_log + diff_log_len, buf, (unsigned)n + 1);
        diff_log_len += (unsigned)n;
    }
    return 1;
}
)";

// The attributes that give a function (or function type) the case's
// convention, as a prefix.
std::string conv_attributes(const GSig& sig) {
    if (sig.conv == Conv::sysv64) return "";
    if (sig.conv == Conv::win64) return "__attribute__((ms_abi)) ";
    // A variadic stdcall, fastcall or thiscall function is a cdecl one,
    // nearly (the compilers pass every argument on the stack; GCC's fastcall
    // and thiscall callees leave a hidden result pointer to the caller).
    // Clang rejects thiscall on a variadic function: DIFF_VTHISCALL leaves
    // it off there (peer_fixups keeps such cases from hidden pointers).
    std::string a = sig.variadic() && sig.conv == Conv::thiscall
                        ? std::string("DIFF_VTHISCALL ")
                        : std::string("__attribute__((") + conv_name(sig.conv) + ")) ";
    // Windows cdecl: the callee leaves the hidden result pointer to the
    // caller (GCC's attribute; Clang has none: see peer_fixups).
    const Conv rules = sig.variadic() ? Conv::cdecl_ : sig.conv;
    if (sig.platform == Platform::windows && rules == Conv::cdecl_ && memory_result(sig))
        a += "__attribute__((callee_pop_aggregate_return(0))) ";
    return a;
}

void emit_case(std::string& out, GSig& sig, int index, Rng& rng) {
    const std::string I = std::to_string(index);
    bool win64 = sig.conv == Conv::win64;
    const bool i386 = is_i386(sig.conv);
    const std::string attributes = conv_attributes(sig);
    out += "\n/* case " + I + ": " + text(sig) + " */\n";
    Emitter e(out, index);
    for (auto& a : sig.args)
        e.define(a);
    if (!sig.ret_void) e.define(sig.ret);

    // Argument globals (the values the caller passes) and the result.
    std::vector<GValue> values;
    for (size_t i = 0; i < sig.args.size(); ++i) {
        values.push_back(random_value(rng, sig.args[i], sig.conv == Conv::sysv64));
        out += "static " + Emitter::decl(sig.args[i], "g" + I + "_" + std::to_string(i)) + " = " +
               Emitter::init(sig.args[i], values.back()) + ";\n";
    }
    GValue ret;
    std::string rtype = sig.ret_void ? "void" : Emitter::ctype(sig.ret);
    if (!sig.ret_void) {
        ret = random_value(rng, sig.ret, sig.conv == Conv::sysv64);
        out += "static " + rtype + " const r" + I + " = " + Emitter::init(sig.ret, ret) + ";\n";
    }

    // The callee.
    std::string params;
    for (size_t i = 0; i < sig.args.size(); ++i) {
        if (sig.is_variadic_arg(i)) break;
        params += (i ? ", " : "") + Emitter::decl(sig.args[i], "a" + std::to_string(i));
    }
    if (sig.variadic()) params += sig.fixed ? ", ..." : "...";
    if (params.empty()) params = "void";
    out += attributes + rtype + " callee_" + I + "(" + params + ") {\n";
    // Narrow integer parameters are widened to 64 bits first thing, in
    // registers the compiler must produce (the asm hides their values): a
    // callee that relies on its caller's extension to 32 bits widens straight
    // from the argument register (Clang: movslq %edi), instead of comparing
    // only the low bits later. (i386: to 32 bits, the width the caller
    // extends them to, two at a time for want of registers.)
    std::vector<std::string> wide;
    for (size_t i = 0; i < sig.args.size() && !sig.is_variadic_arg(i); ++i) {
        const GType& t = sig.args[i];
        if (t.k != GType::K::scalar || !Emitter::narrow_int(t.s)) continue;
        std::string w = "w" + std::to_string(i);
        const char* wtype = info(t.s).is_signed ? (i386 ? "int " : "long long ")
                                                : (i386 ? "unsigned " : "unsigned long long ");
        out += std::string("    ") + wtype + w + " = a" + std::to_string(i) + ";\n";
        wide.push_back(w);
    }
    const size_t per_asm = i386 ? 2 : 5;
    for (size_t k = 0; k < wide.size(); k += per_asm) {
        out += "    __asm__ volatile(\"\" :";
        for (size_t j = k; j < std::min(wide.size(), k + per_asm); ++j)
            out += std::string(j == k ? " " : ", ") + "\"+r\"(" + wide[j] + ")";
        out += ");\n";
    }
    out += "    DIFF_ENTRY(" + I + ");\n";
    if (sig.variadic()) {
        std::string last = "a" + std::to_string(sig.fixed - 1);
        out += win64
                   ? "    __builtin_ms_va_list ap;\n    __builtin_ms_va_start(ap, " + last + ");\n"
                   : "    va_list ap;\n    va_start(ap, " + last + ");\n";
        for (size_t i = size_t(sig.fixed); i < sig.args.size(); ++i) {
            const GType& t = sig.args[i];
            std::string name = "a" + std::to_string(i);
            // Narrow integers arrive promoted to int.
            bool narrow = t.k == GType::K::scalar && !info(t.s).is_float && info(t.s).size < 4;
            std::string type = narrow ? "int" : Emitter::ctype(t);
            std::string va_arg = win64 ? "__builtin_va_arg" : "va_arg";
            if (win64 && win64_by_reference(t))
                out += "#ifdef __clang__\n    " + type + " " + name + " = " + va_arg + "(ap, " +
                       type + ");\n#else\n    " + type + " " + name + " = *" + va_arg + "(ap, " +
                       type + "*);\n#endif\n";
            else
                out += "    " + type + " " + name + " = " + va_arg + "(ap, " + type + ");\n";
        }
        out += win64 ? "    __builtin_ms_va_end(ap);\n" : "    va_end(ap);\n";
    }
    for (size_t i = 0; i < sig.args.size(); ++i) {
        std::string name = "a" + std::to_string(i);
        if (sig.args[i].k == GType::K::scalar) {
            // Narrow ones: the widened copy (fixed) or the promoted int (variadic).
            bool widened = !sig.is_variadic_arg(i) && Emitter::narrow_int(sig.args[i].s);
            out += "    if (" + (widened ? "w" + std::to_string(i) : name) +
                   " != " + values[i].lit + ") diff_fail(" + I + ", \"" + name + "\");\n";
            continue;
        }
        // Where the caller put a memory-passed aggregate (System V stack
        // slot, Win64 copy), aligned as the callee may assume: its type's
        // alignment; Win64 copies only promise 16 (GCC's callers give no more),
        // i386 stack slots 4 (psABI 2.2.3: 4-byte slots, whatever the type).
        uint64_t need = win64  ? std::min<uint64_t>(16, sig.args[i].align)
                        : i386 ? std::min<uint64_t>(4, sig.args[i].align)
                               : sig.args[i].align;
        if (!sig.is_variadic_arg(i) && need > 1)
            out += "    DIFF_ALIGNED(" + I + ", " + name + ", " + std::to_string(need) + ");\n";
        Emitter::leaves(
            sig.args[i], values[i], name, name,
            [&](const std::string& expr, const std::string& leaf, S s, const std::string& lit) {
                out += "    if (" + Emitter::differs_in_memory(expr, s, lit) + ") diff_fail(" + I +
                       ", \"" + leaf + "\");\n";
            });
    }
    if (!sig.ret_void) out += "    return r" + I + ";\n";
    out += "}\n";

    // check_ret: the result leaf by leaf.
    out += "int check_ret_" + I + "(const void* p) {\n    int n = 0;\n";
    if (!sig.ret_void) {
        out += "    " + rtype + " const* r = (" + rtype + " const*)p;\n";
        Emitter::leaves(
            sig.ret, ret, "(*r)", "result",
            [&](const std::string& expr, const std::string& leaf, S s, const std::string& lit) {
                out += "    if (" + Emitter::differs_in_memory(expr, s, lit) + ") n += diff_fail(" +
                       I + ", \"" + leaf + "\");\n";
            });
    } else {
        out += "    (void)p;\n";
    }
    out += "    return n;\n}\n";

    // call_thunk: the canonical prototype (System V; aggregates and long
    // double by pointer; such a result through a first pointer argument).
    auto by_pointer = [](const GType& t) {
        return t.is_aggregate() || (t.k == GType::K::scalar && t.s == S::F80);
    };
    bool ret_by_pointer = !sig.ret_void && by_pointer(sig.ret);
    std::string proto, call_args;
    if (ret_by_pointer) {
        proto = rtype + "*";
        call_args = "&v";
    }
    for (size_t i = 0; i < sig.args.size(); ++i) {
        std::string g = "g" + I + "_" + std::to_string(i);
        if (!proto.empty()) proto += ", ", call_args += ", ";
        if (by_pointer(sig.args[i])) {
            proto += "const " + Emitter::ctype(sig.args[i]) + "*";
            call_args += "&" + g;
        } else {
            proto += Emitter::ctype(sig.args[i]);
            call_args += g;
        }
    }
    if (proto.empty()) proto = "void";
    out += "int call_thunk_" + I + "(void* t) {\n";
    if (i386) {
        // The same call between the esp checks (the thunk is cdecl: it pops
        // nothing, whatever its target pops).
        std::string call = "((" + (ret_by_pointer || sig.ret_void ? "void" : rtype) + " (*)(" +
                           proto + "))t)(" + call_args + ")";
        out += "    int n = 0;\n";
        if (!sig.ret_void) out += "    " + rtype + " v;\n";
        if (ret_by_pointer) out += "    __builtin_memset(&v, 0xcc, sizeof v);\n";
        out += "    DIFF_ESP_BEFORE();\n";
        out += std::string("    ") + (sig.ret_void || ret_by_pointer ? "" : "v = ") + call + ";\n";
        out += "    DIFF_ESP_AFTER(" + I + ");\n";
        out += sig.ret_void ? "    return n;\n" : "    return n + check_ret_" + I + "(&v);\n";
    } else if (sig.ret_void) {
        out += "    ((void (*)(" + proto + "))t)(" + call_args + ");\n    return 0;\n";
    } else if (ret_by_pointer) {
        out += "    " + rtype + " v;\n    __builtin_memset(&v, 0xcc, sizeof v);\n";
        out += "    ((void (*)(" + proto + "))t)(" + call_args + ");\n";
        out += "    return check_ret_" + I + "(&v);\n";
    } else {
        out += "    " + rtype + " v = ((" + rtype + " (*)(" + proto + "))t)(" + call_args + ");\n";
        out += "    return check_ret_" + I + "(&v);\n";
    }
    out += "}\n";

    // call_callback: the case's own foreign prototype (the callee's, ms_abi
    // and `...` included) called with the argument globals, as C code calls
    // a callback; the result is checked like the invokers' (check_ret).
    std::string fn_type = "cbfn_" + I;
    std::string type_attributes = attributes;
    if (!type_attributes.empty()) type_attributes.insert(0, " ").pop_back();
    out += "typedef " + rtype + " " + fn_type + "(" + params + ")" + type_attributes + ";\n";
    out += "_Static_assert(__builtin_types_compatible_p(" + fn_type + "*, __typeof__(&callee_" + I +
           ")), \"prototype\");\n";
    std::string cb_args;
    for (size_t i = 0; i < sig.args.size(); ++i)
        cb_args += (i ? ", g" : "g") + I + "_" + std::to_string(i);
    std::string cb_call = "((" + fn_type + "*)fp)(" + cb_args + ")";
    out += "int call_callback_" + I + "(void* fp) {\n";
    if (i386) {
        // Between the esp checks: a callback that pops another count of
        // bytes than its C caller expects is seen here.
        out += "    int n = 0;\n";
        if (sig.platform == Platform::windows) out += "    DIFF_SHIFT(" + I + ");\n";
        if (!sig.ret_void) out += "    " + rtype + " v;\n";
        out += "    DIFF_ESP_BEFORE();\n";
        out += std::string("    ") + (sig.ret_void ? "" : "v = ") + cb_call + ";\n";
        out += "    DIFF_ESP_AFTER(" + I + ");\n";
        out += sig.ret_void ? "    return n;\n" : "    return n + check_ret_" + I + "(&v);\n";
    } else if (sig.ret_void) {
        out += "    " + cb_call + ";\n    return 0;\n";
    } else {
        out += "    " + rtype + " v = " + cb_call + ";\n";
        out += "    return check_ret_" + I + "(&v);\n";
    }
    out += "}\n";

    // pt: a pass-through handler (non-variadic cases): the callee's
    // parameters and one more, last `void* data`, in the case's convention;
    // it records the data pointer and forwards the call to the callee.
    // (x86-64 only: i386 callbacks have no pass-through shape.)
    if (!sig.variadic() && !i386) {
        std::string fwd;
        for (size_t i = 0; i < sig.args.size(); ++i)
            fwd += (i ? ", a" : "a") + std::to_string(i);
        out += std::string(win64 ? "__attribute__((ms_abi)) " : "") + rtype + " pt_" + I + "(" +
               (sig.args.empty() ? std::string() : params + ", ") + "void* data) {\n";
        out += "    diff_pt_data = data;\n";
        out += std::string(sig.ret_void ? "    " : "    return ") + "callee_" + I + "(" + fwd +
               ");\n}\n";
    }

    out += "static void* argv_" + I + "[] = {";
    for (size_t i = 0; i < sig.args.size(); ++i)
        out += (i ? ", " : "") + std::string("(void*)&g") + I + "_" + std::to_string(i);
    if (sig.args.empty()) out += "0";
    out += "};\n";
    out += "static const unsigned long long sizes_" + I + "[] = {" +
           (sig.ret_void ? std::string("0") : "sizeof(" + rtype + ")");
    for (const auto& a : sig.args)
        out += ", sizeof(" + Emitter::ctype(a) + ")";
    out += "};\n";
}

} // namespace

namespace {

// Where an i386 fixed signature applies: its platforms with either peer, or
// with GCC only (see peer_fixups for the reasons).
enum : uint8_t { kLinux = 1, kWindows = 2, kBoth = 3, kLinuxGcc = 4, kWindowsGcc = 8 };
struct FixedCase {
    const char* text; // without the platform word
    uint8_t where;
};

// The i386 rules of abi/classify_i386.cpp, one group per rule. Left out on
// purpose (the Linux peers cannot stand for MSVC there, see peer_fixups):
// Windows fastcall with an aggregate or 64-bit integer while a register is
// free (`windows fastcall void(i32, i64, i32, i32)`), Windows thiscall with
// a hidden result pointer, Windows single-float-element aggregate results,
// and Windows cdecl hidden result pointers under Clang (kWindowsGcc).
const std::vector<FixedCase>& fixed_i386(Conv conv) {
    static const std::vector<FixedCase> cdecl_ = {
        {"cdecl void()", kBoth},
        {"cdecl ptr(ptr, ptr)", kBoth},
        // 4-byte slots, 8-byte values 4-aligned, narrow ones widened.
        {"cdecl i32(i8, i64, f64, {i8, i8, i8})", kBoth},
        {"cdecl i8(i8, u8, i16, u16, bool, i8)", kBoth},
        {"cdecl u16(bool, i16, u8)", kBoth},
        {"cdecl bool(u8, i8)", kBoth},
        // Results: eax, edx:eax, st(0).
        {"cdecl i64(i64, u64, i32)", kBoth},
        {"cdecl u64(i8, u64)", kBoth},
        {"cdecl f32(f32, f64)", kBoth},
        {"cdecl f64(f80, f32, f64)", kBoth},
        {"cdecl f80(f80, i32, f80)", kBoth},
        // Aggregate results: Linux through the pointer the callee pops
        // (`ret $4`); Windows 1, 2, 4, 8 bytes in eax / edx:eax, others
        // through a pointer the callee leaves.
        {"cdecl {i32, i32}(i32)", kBoth},
        {"cdecl {i8}({i8}, {i16})", kBoth},
        {"cdecl {i16, i16}({i8, i8, i8, i8}, {[2 x i16]})", kBoth},
        {"cdecl {f32, f32}({f32, f32}, {f64})", kBoth},
        {"cdecl {i64}({i64}, i8)", kBoth},
        {"cdecl {i8, [3 x i8]}(i32)", kLinux | kWindowsGcc},
        {"cdecl union {{i16, i16, i16}, f64}(i32)", kLinux | kWindowsGcc},
        {"cdecl {i8, i8, i8}({i8, i8, i8}, i32)", kLinux | kWindowsGcc},
        {"cdecl {i32, i32, i32}(i32, i64)", kLinux | kWindowsGcc},
        {"cdecl {[40 x i8]}({[40 x i8]}, {[33 x u8]}, i8)", kLinux | kWindowsGcc},
        {"cdecl {f32}(f32, {f32})", kLinux},
        {"cdecl {f64}({f64}, f64)", kLinux},
        // Unions and arrays.
        {"cdecl union {f32, i32}(union {f64, i64}, {[2 x f32]}, union {i8, [3 x i8]})", kBoth},
        // The data models: i64/f64 4-aligned in Linux aggregates, 8 on
        // Windows; long double 12 bytes aligned to 4.
        {"cdecl {i8, i64}({i8, f64}, {i32, i64, i8}, {i16, f64, i8})", kLinux | kWindowsGcc},
        {"cdecl {i8, i8}({i8, f64}, {i32, i64, i8}, {i16, f64, i8})", kBoth},
        {"cdecl {i8, f80}({i8, f80}, {f80}, f80)", kLinux},
        // Many arguments: a deep stack area.
        {"cdecl i32(i32, i32, i32, i32, i32, i32, i32, i64, f64, f32, i8)", kBoth},
        // Over-aligned and packed records: still 4-byte slots.
        {"cdecl i32({i32 | size 16 align 16}, i32, {i64, i64 | size 32 align 32}, i8)", kLinux},
        {"cdecl {i32 | size 16 align 16}({i32 | size 16 align 16}, i32)", kLinux},
        {"cdecl {i32 | size 16 align 16}({i32, i32}, i32)", kLinux | kWindowsGcc},
        {"cdecl {i8 @0, i32 @1 | size 5 align 1}({i8 @0, i32 @1 | size 5 align 1}, "
         "{i16 @0, f64 @2 | size 10 align 1})",
         kLinux | kWindowsGcc},
        {"cdecl {i8 @0, i16 @1, i8 @3 | size 4 align 1}({i8 @0, i16 @1, i8 @3 | size 4 align 1}, "
         "i8)",
         kBoth},
        // Variadic calls: promoted arguments.
        {"cdecl i32(i32, ..., f64, i32, i64, {i8, i8, i8}, ptr, f80)", kBoth},
        {"cdecl f64(ptr, ..., f64, f64, f64)", kBoth},
        {"cdecl i64(i32, ..., u32, i32, u32)", kBoth},
        {"cdecl {i32, i32, i32}(i32, ..., i32, {f64, f64})", kLinux | kWindowsGcc},
        {"cdecl {i32, i32}(i32, ..., i32, {f64, f64})", kBoth},
    };
    static const std::vector<FixedCase> stdcall = {
        {"stdcall void()", kBoth},
        // The callee pops every stack byte (`ret N`), the hidden pointer too.
        {"stdcall {i32, i32}(i32)", kBoth},
        {"stdcall void(i8, i16, i32, i64, f32, f64, f80)", kBoth},
        {"stdcall {i8, i8, i8}(i32)", kBoth},
        {"stdcall {[40 x i8]}({[40 x i8]}, i8, {[7 x i8]})", kBoth},
        {"stdcall ptr(ptr)", kBoth},
        {"stdcall i8(i8, u8, i16, u16, bool)", kBoth},
        {"stdcall f80(f80, f80)", kBoth},
        {"stdcall f32({f32}, f32)", kBoth},
        {"stdcall i64(i64, {i64, i32}, u8)", kBoth},
        {"stdcall {i64}({i64})", kBoth},
        {"stdcall {i8, [3 x i8]}(i32, {[3 x u8], i8})", kBoth},
        {"stdcall {f32, f32}({f32, f32}, {f64, f64})", kBoth},
        {"stdcall {f64}(f64)", kLinux},
        {"stdcall {i8, i64}({i8, f64}, {i32, i64, i8})", kBoth},
        {"stdcall union {i8, [3 x i8]}(union {f32, i32}, union {f64, [3 x i16]})", kBoth},
        {"stdcall {i32 | size 16 align 16}(i8, {i64, i64 | size 32 align 32}, "
         "{i8 @0, i32 @1 | size 5 align 1})",
         kLinux},
        {"stdcall {i32 | size 16 align 16}(i8, {i8 @0, i32 @1 | size 5 align 1})", kBoth},
        {"stdcall i32(i32, i32, i32, i32, i32, i32, i32, i64, f64, f32, i8)", kBoth},
        // Variadic stdcall is cdecl: the caller pops.
        {"stdcall i32(i32, ..., i32, f64)", kBoth},
        {"stdcall {i32, i32, i32}(ptr, ..., i32)", kLinux | kWindowsGcc},
    };
    static const std::vector<FixedCase> fastcall = {
        {"fastcall void()", kBoth},
        // ecx, edx for the first two <= 4-byte integers and pointers, narrow
        // ones widened; floating values never consume them.
        {"fastcall i32(i32, i32, i32)", kBoth},
        {"fastcall i32(i8, u16, i32)", kBoth},
        {"fastcall i32(f64, i32, f32, ptr, i32)", kBoth},
        {"fastcall f64(f80, ptr, f80, ptr, ptr)", kLinuxGcc | kWindowsGcc},
        {"fastcall f64(ptr, ptr, f80, f80)", kBoth},
        // A hidden result pointer takes ecx.
        {"fastcall {i32, i32}(i32, i32, i32)", kBoth},
        {"fastcall {i8, i8, i8}(i32, i32)", kBoth},
        {"fastcall union {{i16, i16, i16}, f64}(i32, i32)", kBoth},
        {"fastcall {[2 x i16]}(i32, i32)", kBoth},
        {"fastcall {i32 | size 16 align 16}(i32, i32, {i64 | size 16 align 16})", kLinux},
        {"fastcall {i32 | size 16 align 16}(i32, i32, {i64, i64})", kBoth},
        // Linux (GCC): a 64-bit integer or an aggregate on the stack still
        // consumes registers; single-float-element ones do not.
        {"fastcall void(i32, i64, i32, i32)", kLinux},
        {"fastcall i64(i64, i32, i32)", kLinux},
        {"fastcall i32({i32}, i32, i32)", kLinuxGcc},
        {"fastcall i32({i8, i8}, i32, i32)", kLinuxGcc},
        // A union of one float is an integer-mode aggregate to GCC: it uses up
        // ecx (Clang 14 lets it through, Windows uses up nothing).
        {"fastcall i32(union {f32}, i32, i32)", kLinuxGcc},
        {"fastcall i32({union {f64}}, i32, i32)", kLinuxGcc},
        {"fastcall i32(i32, {i8, i8}, i32)", kLinux},
        {"fastcall i32(i32, {i32, i32, i32}, i32)", kLinux},
        {"fastcall i32({f32}, i32, i32)", kBoth},
        {"fastcall i32({f64}, i32, {f32}, i32)", kBoth},
        // Aggregates and 64-bit integers once the registers are taken.
        {"fastcall i32(i32, i32, {i32, i32, i32}, i64, i32)", kBoth},
        {"fastcall {i64}(i8, bool, {i8}, i64)", kBoth},
        // Variadic fastcall is cdecl: all on the stack, the caller pops.
        {"fastcall f80(f32, ..., f64)", kBoth},
        {"fastcall i32(i32, ..., i32, i32)", kBoth},
    };
    static const std::vector<FixedCase> thiscall = {
        {"thiscall void(ptr)", kBoth},
        // `this` in ecx, the rest on the stack, the callee pops.
        {"thiscall i32(ptr, i32, i32)", kBoth},
        {"thiscall i32(i32, i8)", kBoth},
        {"thiscall u16(u32, bool, i16)", kBoth},
        {"thiscall f64(ptr, f64, {f32, f32}, f80)", kBoth},
        {"thiscall {i8}(ptr, {i8, i16}, i64)", kLinuxGcc},
        {"thiscall i64(ptr, {i8, i16}, i64)", kBoth},
        // Aggregate results (Linux, GCC: the hidden pointer in ecx, `this`
        // on the stack; not with Clang nor the Windows rules: peer_fixups).
        {"thiscall {i32, i32}(ptr, i32)", kLinuxGcc},
        {"thiscall {i32, i32, i32}(ptr, i32)", kLinuxGcc},
        {"thiscall {[40 x i8]}(ptr, {[40 x i8]})", kLinuxGcc},
        // Variadic thiscall is cdecl.
        {"thiscall i32(ptr, ..., i32, f64)", kBoth},
        {"thiscall {i8, i8, i8}(ptr, ..., i32)", kLinuxGcc},
    };
    switch (conv) {
    case Conv::stdcall: return stdcall;
    case Conv::fastcall: return fastcall;
    case Conv::thiscall: return thiscall;
    default: return cdecl_;
    }
}

const std::vector<std::string>& fixed_x64(Conv conv) {
    static const std::vector<std::string> sysv64 = {
        // Trivia.
        "sysv64 void()",
        "sysv64 ptr(ptr, ptr)",
        // Mixed INTEGER/SSE eightbytes, in both orders, as arguments and results.
        "sysv64 {i64, f64}({i32, f32}, {f64, i64}, {f32, f32, i32})",
        "sysv64 {f64, i32}({i8, f32, f64}, {f32, i32, f64}, {i16, i16, f32, f64})",
        "sysv64 {i32, f32}({f32, i32}, {i64, f32, f32})",
        // Float-only structs: SSE eightbytes, two xmm for 16 bytes.
        "sysv64 {f32, f32, f32}({f32, f32}, {f64, f64}, {f32, f32, f32, f32}, {f32})",
        "sysv64 {f64, f64}({f64}, {f32, f32, f64}, {[3 x f32]}, {f64, [2 x f32]})",
        "sysv64 {f32, f32}({[2 x f32]}, {f32, {f32}}, {f32, {f32, f32}})",
        // Arrays inside structs, classified element by element.
        "sysv64 {[3 x i8], i8}({[2 x f32], f64}, {i16, [3 x i16]}, {[2 x {i8, f32}]})",
        "sysv64 {[2 x [2 x i16]], f32}({[2 x [2 x f32]]}, {i8, [5 x i8]})",
        // Unions merge their members' classes.
        "sysv64 union {f32, i32}(union {f64, i64}, union {f32, [2 x f32]}, union {i8, [3 x f32]})",
        "sysv64 union {f64, {f32, f32}}(union {f32, {i8, i8, i8, i8}}, {union {f32, f64}, f64})",
        // x87 long double: stack arguments, st(0) results, MEMORY structs.
        "sysv64 f80(f80, f64, f80, i32)",
        "sysv64 {f80}({f80}, f80, {f80, i8})",
        "sysv64 {f80, f64}(f80, {f64, f80})",
        // Register exhaustion: an argument that does not fit goes wholly on
        // the stack, and later ones still take the registers left.
        "sysv64 i64(i32, i32, i32, i32, i32, {i64, i64}, i64)",
        "sysv64 f64(f64, f64, f64, f64, f64, f64, f64, {f64, f64}, f64)",
        "sysv64 f64(f64, f64, f64, f64, f64, f64, f64, f64, f64, f32, f64, f32)",
        "sysv64 i32(i64, i64, i64, i64, i64, {i64, f64}, f64, i32)",
        "sysv64 {i32, f32}(f64, f64, f64, f64, f64, f64, f64, {f32, i32}, {f64, f64}, f32)",
        // The result buffer takes rdi: one integer register fewer.
        "sysv64 {i64, i64, i64}(i64, i64, i64, i64, i64, i64)",
        "sysv64 {i64, i64, i64}(i32, i32, i32, i32, i32, {i32, i32})",
        "sysv64 {f64, f64, f64}(f64, f64, f64, f64, f64, f64, f64, f64, ptr, ptr, ptr, ptr, ptr)",
        // The 16-byte boundary and odd sizes.
        "sysv64 {i64, i64}({i64, i64}, {i64, i64, i8}, {f64, i8, i8})",
        "sysv64 {i64, [7 x i8]}({i64, [7 x u8]}, {f64, [9 x i8]}, {[15 x u8]})",
        "sysv64 {i8, i8, i8}({i8, i8, i8}, {i16, i8, i8, i8}, {i32, i8, i8, i8}, {i16, i16, i16})",
        "sysv64 {i16, i8}({i8, i8, i8, i8, i8}, {i8, i8, i8, i8, i8, i8, i8}, {i32, i16, i8})",
        // Narrow integers are widened to 32 bits by the caller.
        "sysv64 i8(i8, u8, i16, u16, bool, i8, u8, i16, u16, bool)",
        "sysv64 u16(bool, i16, u8)",
        "sysv64 bool(u8, i8)",
        // Variadic calls (al = vector registers used).
        "sysv64 i32(i32, ..., f64, i32, f64, {f64, f64}, f80, i8, u16)",
        "sysv64 f64(ptr, ..., f64, f64, f64, f64, f64, f64, f64, f64, f64)",
        "sysv64 {i64, i64, i64}(i32, ..., {i8, i8, i8}, i64, {f32, f32}, bool)",
        // Narrow variadic integers arrive promoted to int (va_arg(ap, int)).
        "sysv64 i32(i32, ..., i8, u16, i16, bool, u8, i8, i16, u8)",
        // Explicit (packed) layouts: unaligned fields make them MEMORY.
        "sysv64 {i8 @0, i32 @1 | size 5 align 1}({i8 @0, i32 @1 | size 5 align 1}, "
        "{i16 @0, f64 @2 | size 10 align 1})",
        "sysv64 {i8 @0, i16 @1 | size 3 align 1}({i8 @0, i16 @1 | size 3 align 1}, "
        "{i8 @0, i32 @2 | size 6 align 2}, {i8 @0, i8 @1 | size 2 align 1})",
        "sysv64 {f32 @0, f32 @4 | size 8 align 1}({f32 @0, f32 @4 | size 8 align 1}, "
        "{i16 @0, i16 @2, i32 @4 | size 8 align 2})",
        // Over-aligned structs: 16- and 32-aligned stack slots; a 16-aligned
        // int is one INTEGER eightbyte and a NO_CLASS one.
        "sysv64 i64(i64, i64, i64, i64, i64, i64, i32, {i32 | size 16 align 16}, "
        "{i64, i64 | size 32 align 32}, i8)",
        "sysv64 {i32 | size 16 align 16}({i32 | size 16 align 16}, {f64 | size 16 align 16}, "
        "{i32 | size 32 align 32}, i32)",
    };
    static const std::vector<std::string> win64 = {
        "win64 void()",
        "win64 ptr(ptr, ptr)",
        // 1/2/4/8-byte aggregates travel in integer slots, even float ones.
        "win64 {i8}({i8}, {i16}, {i32}, {i64})",
        "win64 {f32, f32}({f32, f32}, {f64}, {f32}, {i8, i8})",
        "win64 {f32}({f32}, f32)",
        "win64 {f64}({f64}, f64, {f32, f32})",
        "win64 {i16, i16}({i8, i8, i8, i8}, {[2 x i16]}, {[8 x u8]})",
        // Every other size goes by reference, in registers and on the stack.
        "win64 {i8, i8, i8}({i8, i8, i8}, {i32, i32, i32}, {f64, f64}, {i64, i64})",
        "win64 i64(i32, i32, i32, i32, {i32, i32, i32}, {f64, f64}, i8)",
        "win64 {i8, i8, i8, i8, i8}({i8, i8, i8, i8, i8, i8}, {i16, i16, i16}, {[40 x i8]})",
        // One slot per argument: the register is chosen by the slot.
        "win64 f64(i32, f64, i64, f32, f64, i8)",
        "win64 f32(f32, f32, f32, f32, f32, f32)",
        "win64 i32(f64, i32, f32, i64, f64, i32, f32, i64)",
        // A result buffer takes rcx and shifts the arguments by one slot.
        "win64 {i64, i64}(i32, i64, f64, i8)",
        "win64 {f32, f32, f32}(f64, f64, f64, f64, f64)",
        "win64 union {i64, [3 x i32]}(i32, f32)",
        // long double arguments go by reference.
        "win64 f64(f80, i32, f80, f80, f80)",
        "win64 i32({f80}, f80)",
        // Narrow integers.
        "win64 u16(i8, u8, i16, u16, bool, i8)",
        "win64 i8(i8, i8, i8, i8, i8, i8, i8)",
        // Unions and arrays.
        "win64 union {f32, i32}(union {f64, i64}, {[2 x f32]}, union {i8, [3 x i8]})",
        // Variadic: floating values in the first four slots go in both registers.
        "win64 i32(i32, ..., f64, i32, f64, i64, f64)",
        "win64 f64(f64, ..., f64, f64, f64, f64, f64)",
        "win64 i32(ptr, ..., {i32, i32, i32}, {i64}, f80, {i8, i8})",
        // Narrow variadic integers arrive promoted to int (va_arg(ap, int)),
        // in registers and on the stack.
        "win64 i32(i32, ..., i8, u16, i16, bool, u8, i8)",
        // Explicit (packed) layouts.
        "win64 {i8 @0, i32 @1 | size 5 align 1}({i8 @0, i32 @1 | size 5 align 1}, "
        "{i8 @0, i16 @1 | size 3 align 1}, {i8 @0, i8 @1, i16 @2 | size 4 align 1})",
        "win64 {i8 @0, i32 @1, i8 @5, i8 @6, i8 @7 | size 8 align 1}("
        "{i8 @0, i32 @1, i8 @5, i8 @6, i8 @7 | size 8 align 1}, {i8, i32 @2 | size 6 align 2})",
        // Over-aligned structs go by reference like any other size.
        "win64 {i32 | size 16 align 16}(i32, {i32 | size 16 align 16}, "
        "{i64, i64 | size 32 align 32}, i32, {i32 | size 16 align 16}, {i64 | size 8 align 8})",
    };
    return conv == Conv::sysv64 ? sysv64 : win64;
}

} // namespace

// Frames of more than a page, which the generated code takes a page at a
// time (jit/stack_allocation.cpp): an 8 KB structure by value among
// scalars, and 1,100 scalars (a trampoline's pointers to them fill more
// than a page on i386 too). No aggregate while a fastcall register is free
// and no aggregate result (see fixed_i386 for why).
std::vector<std::string> big_frames(Conv conv) {
    const std::string c = conv_name(conv);
    std::string many = c + " f64(";
    for (int i = 0; i < 1100; ++i)
        many += std::string(i ? ", " : "") + (i < 2 || i % 3 == 0 ? "i32"
                                              : i % 3 == 1        ? "i64"
                                                                  : "f64");
    return {c + " i64(i32, i32, {[1000 x i64]}, i8, {[600 x i8], i16}, f64)", many + ")"};
}

std::vector<std::string> fixed_signatures(Conv conv, Platform platform, Peer peer) {
    if (!is_i386(conv)) {
        std::vector<std::string> list = fixed_x64(conv);
        for (auto& text : big_frames(conv))
            list.push_back(text);
        // Arrays whose later elements hold unaligned leaves: MEMORY (psABI,
        // Clang, ctabi), in registers from GCC (gcc_misses_unaligned).
        if (conv == Conv::sysv64 && peer == Peer::clang)
            for (const char* text : {"sysv64 {[2 x {f32 @0, bool @4 | size 5 align 1}]}("
                                     "{[2 x {f32 @0, bool @4 | size 5 align 1}]}, i64, f32)",
                                     "sysv64 i32({[3 x {i16 @0, i8 @2 | size 3 align 1}]}, i32, "
                                     "{i32, [2 x {f32 @0, i8 @4, i8 @5 | size 6 align 2}]})"})
                list.push_back(text);
        return list;
    }
    std::vector<std::string> list;
    const bool windows = platform == Platform::windows;
    const uint8_t any = windows ? kWindows : kLinux, gcc = windows ? kWindowsGcc : kLinuxGcc;
    for (const auto& c : fixed_i386(conv))
        if ((c.where & any) || ((c.where & gcc) && peer == Peer::gcc))
            list.push_back(std::string(platform_name(platform)) + " " + c.text);
    for (auto& text : big_frames(conv))
        list.push_back(std::string(platform_name(platform)) + " " + text);
    return list;
}

std::string Generated::single_file() const {
    std::string all;
    for (const auto& s : sources)
        all += s;
    return all;
}

bool generate(const GenOptions& options, Generated* out, std::string* error) {
    std::vector<std::pair<unsigned, GSig>> sigs;
    auto wanted = [&](size_t i) { return options.only < 0 || int64_t(i) == options.only; };
    set_model(options.conv, options.platform);
    if (options.fixed) {
        const auto list = fixed_signatures(options.conv, options.platform, options.peer);
        for (size_t i = 0; i < list.size(); ++i) {
            GSig sig;
            if (!TextParser(list[i]).signature(sig, error)) return false;
            if (sig.conv != options.conv) {
                *error = "fixed signature of the wrong convention: " + list[i];
                return false;
            }
            {
                // The list must be valid for the peer as written.
                GSig fitted = sig;
                if (is_i386(sig.conv)) peer_fixups(fitted, options.peer);
                peer_fixups_sysv64(fitted, options.peer);
                if (text(fitted) != text(sig)) {
                    *error = "fixed signature hits a known peer difference: " + list[i];
                    return false;
                }
            }
            if (wanted(i)) sigs.emplace_back(unsigned(i), std::move(sig));
        }
    } else {
        for (uint32_t i = 0; i < options.count; ++i) {
            if (!wanted(i)) continue;
            // Each case has its own stream: case i is the same whatever the count.
            Rng rng(options.seed * 0x100000001b3ull + i * 0x9e3779b97f4a7c15ull +
                    uint64_t(options.conv) + (uint64_t(options.platform) << 8));
            rng.next();
            sigs.emplace_back(i,
                              random_signature(rng, options.conv, options.platform, options.peer));
        }
    }
    out->cases.clear();
    // Windows promises callees a 4-aligned stack only (DIFF_ENTRY).
    const std::string prelude =
        std::string(is_i386(options.conv) && options.platform == Platform::windows
                        ? "#define DIFF_STACK_ALIGN 4\n"
                        : "") +
        kPrelude;
    out->sources.assign(1, prelude + kRuntime);
    size_t chunk = options.chunk_size ? options.chunk_size : std::max<size_t>(1, sigs.size());
    for (size_t first = 0, k = 0;; first += chunk, ++k) {
        size_t last = std::min(sigs.size(), first + chunk);
        std::string src = prelude;
        for (size_t j = first; j < last; ++j) {
            auto& [i, sig] = sigs[j];
            Rng values(options.seed ^ (0xd1b54a32d192ed03ull * (i + 1)) ^
                       (options.fixed ? 0xf1 : 0));
            emit_case(src, sig, int(i), values);
            out->cases.push_back({i, text(sig)});
        }
        std::string K = std::to_string(k);
        src += "\nconst struct diff_case diff_cases_" + K + "[] = {\n";
        for (size_t j = first; j < last; ++j) {
            std::string I = std::to_string(sigs[j].first);
            src += "    {" + I + ", " + c_string(out->cases[j].signature) + ", (void*)callee_" + I +
                   ", argv_" + I + ", check_ret_" + I + ", call_thunk_" + I + ", call_callback_" +
                   I + ", " +
                   (sigs[j].second.variadic() || is_i386(sigs[j].second.conv) ? "0"
                                                                              : "(void*)pt_" + I) +
                   ", sizes_" + I + ", " + std::to_string(sigs[j].second.args.size() + 1) + "},\n";
        }
        if (first == last) src += "    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},\n";
        src += "};\nconst unsigned diff_case_count_" + K + " = " + std::to_string(last - first) +
               ";\n";
        out->sources.push_back(std::move(src));
        if (last == sigs.size()) break;
    }
    return true;
}

} // namespace ctabi_diff
