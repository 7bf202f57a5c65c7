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
    return conv == Conv::sysv64 ? "sysv64" : "win64";
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

// C layout rules (GCC and Clang on x86-64), members already laid out.
void lay_out(GType& t) {
    switch (t.k) {
    case GType::K::scalar:
        t.size = info(t.s).size;
        t.align = info(t.s).align;
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
    bool ret_void = true;
    GType ret;
    std::vector<GType> args;
    int fixed = -1; // variadic: number of fixed arguments; -1 otherwise

    bool variadic() const { return fixed >= 0; }
    bool is_variadic_arg(size_t i) const { return variadic() && int(i) >= fixed; }
};

std::string text(const GSig& sig) {
    std::string s =
        std::string(conv_name(sig.conv)) + " " + (sig.ret_void ? "void" : text(sig.ret));
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

GSig random_signature(Rng& rng, Conv conv) {
    GSig sig;
    sig.conv = conv;
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
        if (r == 1 && conv == Conv::sysv64 && rng.chance(5)) {
            sig.ret = scalar(S::F80); // st(0)
        } else if (r == 1) {
            sig.ret = scalar(random_scalar(rng, flavor, conv == Conv::sysv64));
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
        if (w == "sysv64")
            sig.conv = Conv::sysv64;
        else if (w == "win64")
            sig.conv = Conv::win64;
        else
            return fail("expected sysv64 or win64", error);
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
/* The callee's stack pointer must be 16-byte aligned at its entry: a local
   that C aligns to 16 is misaligned otherwise (its address is laundered
   through asm so that the compiler cannot fold the test). */
#define DIFF_ENTRY(c)                                                          \
    do {                                                                       \
        volatile char probe_ __attribute__((aligned(16))) = 0;                 \
        unsigned long long p_ = (unsigned long long)&probe_;                   \
        __asm__ volatile("" : "+r"(p_));                                       \
        if (p_ & 15) diff_fail(c, "stack alignment at entry");                 \
        ++diff_calls;                                                          \
    } while (0)
/* An aggregate parameter's address must have the alignment n. */
#define DIFF_ALIGNED(c, a, n)                                                  \
    do {                                                                       \
        unsigned long long q_ = (unsigned long long)&(a);                      \
        __asm__ volatile("" : "+r"(q_));                                       \
        if (q_ & ((n) - 1)) diff_fail(c, #a " misaligned");                    \
    } while (0)
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

void emit_case(std::string& out, GSig& sig, int index, Rng& rng) {
    const std::string I = std::to_string(index);
    bool win64 = sig.conv == Conv::win64;
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
    out += std::string(win64 ? "__attribute__((ms_abi)) " : "") + rtype + " callee_" + I + "(" +
           params + ") {\n";
    // Narrow integer parameters are widened to 64 bits first thing, in
    // registers the compiler must produce (the asm hides their values): a
    // callee that relies on its caller's extension to 32 bits widens straight
    // from the argument register (Clang: movslq %edi), instead of comparing
    // only the low bits later.
    std::vector<std::string> wide;
    for (size_t i = 0; i < sig.args.size() && !sig.is_variadic_arg(i); ++i) {
        const GType& t = sig.args[i];
        if (t.k != GType::K::scalar || !Emitter::narrow_int(t.s)) continue;
        std::string w = "w" + std::to_string(i);
        out += std::string("    ") + (info(t.s).is_signed ? "long long " : "unsigned long long ") +
               w + " = a" + std::to_string(i) + ";\n";
        wide.push_back(w);
    }
    for (size_t k = 0; k < wide.size(); k += 5) {
        out += "    __asm__ volatile(\"\" :";
        for (size_t j = k; j < std::min(wide.size(), k + 5); ++j)
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
        // alignment; Win64 copies only promise 16 (GCC's callers give no more).
        uint64_t need = win64 ? std::min<uint64_t>(16, sig.args[i].align) : sig.args[i].align;
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
    if (sig.ret_void) {
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
    out += "typedef " + rtype + " " + fn_type + "(" + params + ")" +
           (win64 ? " __attribute__((ms_abi))" : "") + ";\n";
    out += "_Static_assert(__builtin_types_compatible_p(" + fn_type + "*, __typeof__(&callee_" + I +
           ")), \"prototype\");\n";
    std::string cb_args;
    for (size_t i = 0; i < sig.args.size(); ++i)
        cb_args += (i ? ", g" : "g") + I + "_" + std::to_string(i);
    std::string cb_call = "((" + fn_type + "*)fp)(" + cb_args + ")";
    out += "int call_callback_" + I + "(void* fp) {\n";
    if (sig.ret_void) {
        out += "    " + cb_call + ";\n    return 0;\n";
    } else {
        out += "    " + rtype + " v = " + cb_call + ";\n";
        out += "    return check_ret_" + I + "(&v);\n";
    }
    out += "}\n";

    // pt: a pass-through handler (non-variadic cases): the callee's
    // parameters and one more, last `void* data`, in the case's convention;
    // it records the data pointer and forwards the call to the callee.
    if (!sig.variadic()) {
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

const std::vector<std::string>& fixed_signatures(Conv conv) {
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

std::string Generated::single_file() const {
    std::string all;
    for (const auto& s : sources)
        all += s;
    return all;
}

bool generate(const GenOptions& options, Generated* out, std::string* error) {
    std::vector<std::pair<unsigned, GSig>> sigs;
    auto wanted = [&](size_t i) { return options.only < 0 || int64_t(i) == options.only; };
    if (options.fixed) {
        const auto& list = fixed_signatures(options.conv);
        for (size_t i = 0; i < list.size(); ++i) {
            GSig sig;
            if (!TextParser(list[i]).signature(sig, error)) return false;
            if (sig.conv != options.conv) {
                *error = "fixed signature of the wrong convention: " + list[i];
                return false;
            }
            if (wanted(i)) sigs.emplace_back(unsigned(i), std::move(sig));
        }
    } else {
        for (uint32_t i = 0; i < options.count; ++i) {
            if (!wanted(i)) continue;
            // Each case has its own stream: case i is the same whatever the count.
            Rng rng(options.seed * 0x100000001b3ull + i * 0x9e3779b97f4a7c15ull +
                    uint64_t(options.conv));
            rng.next();
            sigs.emplace_back(i, random_signature(rng, options.conv));
        }
    }
    out->cases.clear();
    out->sources.assign(1, std::string(kPrelude) + kRuntime);
    size_t chunk = options.chunk_size ? options.chunk_size : std::max<size_t>(1, sigs.size());
    for (size_t first = 0, k = 0;; first += chunk, ++k) {
        size_t last = std::min(sigs.size(), first + chunk);
        std::string src = kPrelude;
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
                   I + ", " + (sigs[j].second.variadic() ? "0" : "(void*)pt_" + I) + ", sizes_" +
                   I + ", " + std::to_string(sigs[j].second.args.size() + 1) + "},\n";
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
