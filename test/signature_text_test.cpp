// The signature text syntax (include/ctabi/abi/parse.h): canonical spellings
// round-trip through parse_signature and Signature::to_string, the parsed
// types have the sizes, alignments and offsets a C compiler gives them, and
// bad input is refused with a message that names the problem.
//
// The C layouts were confirmed with _Static_assert(sizeof/_Alignof/offsetof)
// compiled by GCC 12 and Clang 14 for x86-64, `-m32` (i386 Linux) and, for the
// Windows i386 rows, `clang -target i686-windows-msvc`.
#include <gtest/gtest.h>

#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include "ctabi/abi/classify.h"
#include "ctabi/abi/parse.h"

namespace ctabi::abi {
namespace {

// Canonical spellings depend on the host only through the default platform
// (to_string omits it when it is the host's); these tests assume Linux.
bool host_is_linux_x86_64() {
    return host_platform() == Platform::sysv && host_conv() == CallConv::sysv64;
}

// ---- Round trips ---------------------------------------------------------------------------

const char* const kCanonical[] = {
    "sysv64 void()",
    "sysv64 i32(ptr, ..., f64, i32)",
    "sysv64 i32(ptr, ...)",
    "sysv64 void(...)",
    "sysv64 void(..., i32)",
    "sysv64 void(bool, i8, u8, i16, u16, i32, u32, i64, u64, f32, f64, f80, ptr)",
    "win64 f64(i32, f64, {i8, f32, [3 x i16]})",
    "windows win64 void(ptr)",
    "windows cdecl {i8, f64}(i64)",
    "cdecl f80(f80, ptr)",
    "stdcall i32(i32, i32)",
    "fastcall void(i32, i32, i32)",
    "thiscall void(ptr, f64)",
    "windows thiscall void(ptr)",
    "sysv64 {i8 @0, i32 @1 | size 5 align 1}(union{i32, f32})",
    "sysv64 void(union{i32, f32 | size 8 align 8})",
    "sysv64 void({i32 @0 | size 16 align 16})",
    "sysv64 void([2 x [3 x u8]])",
    "sysv64 void({{i8 @0, i32 @1 | size 5 align 1}, i8})",
    "sysv64 void([2 x {i8 @0, i16 @1 | size 3 align 1}])",
    "sysv64 union{{f32, f32}, [2 x i32]}([4 x {i8, union{i16, u8}}])",
    "win64 {i8 @0, f64 @4 | size 12 align 4}(f32, ..., f64)",
};

TEST(SignatureText, CanonicalSpellingsRoundTrip) {
    if (!host_is_linux_x86_64()) GTEST_SKIP() << "canonical spellings assume a Linux host";
    for (const char* text : kCanonical) {
        SCOPED_TRACE(text);
        auto sig = parse_signature(text);
        ASSERT_TRUE(sig.ok()) << sig.error().message;
        EXPECT_EQ(sig->to_string(), text);
        auto again = parse_signature(sig->to_string());
        ASSERT_TRUE(again.ok()) << again.error().message;
        EXPECT_EQ(*again, *sig) << "parse(to_string(sig)) == sig";
    }
}

struct Respelling {
    const char* text;
    const char* canonical;
    const char* reason;
};

const Respelling kRespellings[] = {
    {"i32(ptr)", "sysv64 i32(ptr)", "no convention: the host's (System V on x86-64 Linux)"},
    {"linux sysv64 void()", "sysv64 void()", "the host platform is not spelled"},
    {"  sysv64\tvoid ( i32 ,f64 )  ", "sysv64 void(i32, f64)", "white space is free"},
    {"sysv64 void(i32,...,f64)", "sysv64 void(i32, ..., f64)", "'...' without spaces"},
    {"sysv64 void({i8 @0, i32 @4})", "sysv64 void({i8, i32})",
     "offsets that equal C's layout are not an explicit layout"},
    {"sysv64 void({i8, i32 | size 8 align 4})", "sysv64 void({i8, i32})",
     "a size and alignment that equal C's are not an explicit layout"},
    {"sysv64 void({i8 @0, i32 @4 | size 8 align 4})", "sysv64 void({i8, i32})",
     "both, equal to C's"},
    {"sysv64 void(union{i32, f32 | size 4 align 4})", "sysv64 void(union{i32, f32})",
     "a union layout equal to C's"},
    {"sysv64 void({i32 | size 16 align 16})", "sysv64 void({i32 @0 | size 16 align 16})",
     "an explicit size/alignment is canonically spelled with the (natural) offsets"},
    {"sysv64 void([ 2 x [3x u8] ])", "sysv64 void([2 x [3 x u8]])", "array spacing"},
    {"windows cdecl {i8,f64}(i64)", "windows cdecl {i8, f64}(i64)", "member spacing"},
    {"sysv64 void(union {i8})", "sysv64 void(union{i8})", "space after 'union'"},
};

TEST(SignatureText, RespellingsNormalise) {
    if (!host_is_linux_x86_64()) GTEST_SKIP() << "canonical spellings assume a Linux host";
    for (const auto& r : kRespellings) {
        SCOPED_TRACE(std::string(r.text) + " (" + r.reason + ")");
        auto sig = parse_signature(r.text);
        ASSERT_TRUE(sig.ok()) << sig.error().message;
        EXPECT_EQ(sig->to_string(), r.canonical);
        auto canonical = parse_signature(r.canonical);
        ASSERT_TRUE(canonical.ok()) << canonical.error().message;
        EXPECT_EQ(*sig, *canonical);
    }
}

TEST(SignatureText, DifferentSignaturesAreUnequal) {
    const std::pair<const char*, const char*> pairs[] = {
        {"sysv64 void(i32)", "win64 void(i32)"},
        {"win64 void(i32)", "windows win64 void(i32)"},
        {"sysv64 void(i32, ...)", "sysv64 void(i32)"},
        {"sysv64 void(i32, ..., f64)", "sysv64 void(i32, f64)"},
        {"sysv64 void(i32, ..., f64)", "sysv64 void(i32, f64, ...)"},
        {"sysv64 void({i8 @0, i32 @1 | size 5 align 1})", "sysv64 void({i8, i32})"},
        {"sysv64 void({i32, f32})", "sysv64 void(union{i32, f32})"},
        {"sysv64 void([2 x i32])", "sysv64 void({i32, i32})"},
        {"sysv64 i32()", "sysv64 u32()"},
        {"cdecl void({i8, f64})", "windows cdecl void({i8, f64})"},
    };
    for (const auto& [a, b] : pairs) {
        SCOPED_TRACE(std::string(a) + " vs " + b);
        auto sa = parse_signature(a);
        ASSERT_TRUE(sa.ok()) << sa.error().message;
        auto sb = parse_signature(b);
        ASSERT_TRUE(sb.ok()) << sb.error().message;
        EXPECT_NE(*sa, *sb);
    }
}

TEST(SignatureText, ParsedEqualsConstructed) {
    Signature s;
    s.conv = CallConv::sysv64;
    s.platform = Platform::sysv;
    s.result = Type::scalar(Kind::I32);
    s.args = {Type::pointer(), Type::scalar(Kind::F64), Type::scalar(Kind::I32)};
    s.fixed_args = 1;
    auto parsed = parse_signature("sysv64 i32(ptr, ..., f64, i32)");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(*parsed, s);
    if (host_is_linux_x86_64()) {
        EXPECT_EQ(s.to_string(), "sysv64 i32(ptr, ..., f64, i32)");
    }

    auto arr = Type::array_of(Type::scalar(Kind::I16), 3);
    ASSERT_TRUE(arr.ok());
    auto st = Type::struct_of({Type::scalar(Kind::I8), Type::scalar(Kind::F32), *arr});
    ASSERT_TRUE(st.ok());
    auto pt = parse_type("{i8, f32, [3 x i16]}");
    ASSERT_TRUE(pt.ok()) << pt.error().message;
    EXPECT_EQ(*pt, *st);
    EXPECT_EQ(st->to_string(), "{i8, f32, [3 x i16]}");

    auto packed = Type::struct_explicit(
        {Field{Type::scalar(Kind::I8), 0}, Field{Type::scalar(Kind::I32), 1}}, 5, 1);
    ASSERT_TRUE(packed.ok()) << packed.error().message;
    auto pp = parse_type("{i8 @0, i32 @1 | size 5 align 1}");
    ASSERT_TRUE(pp.ok()) << pp.error().message;
    EXPECT_EQ(*pp, *packed);
    EXPECT_EQ(packed->to_string(), "{i8 @0, i32 @1 | size 5 align 1}");
}

// ---- Variadic syntax ----------------------------------------------------------------------

TEST(SignatureText, VariadicSyntax) {
    struct Case {
        const char* text;
        bool variadic;
        uint32_t fixed;
        size_t args;
    };
    const Case cases[] = {
        {"sysv64 void(ptr)", false, 0, 1},
        {"sysv64 i32(ptr, ...)", true, 1, 1},
        {"sysv64 i32(ptr, ..., f64, i32)", true, 1, 3},
        {"sysv64 void(...)", true, 0, 0},
        {"sysv64 void(..., i32)", true, 0, 1},
        {"win64 i32(ptr, i32, ..., ptr)", true, 2, 3},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.text);
        auto sig = parse_signature(c.text);
        ASSERT_TRUE(sig.ok()) << sig.error().message;
        EXPECT_EQ(sig->is_variadic(), c.variadic);
        if (c.variadic) {
            EXPECT_EQ(sig->fixed_args, c.fixed);
        }
        EXPECT_EQ(sig->args.size(), c.args);
    }
}

// ---- Sizes, alignments and offsets ---------------------------------------------------------

struct LayoutCase {
    const char* conv; // signature prefix selecting the data model
    const char* type;
    uint64_t size;
    uint64_t align;
    std::vector<uint64_t> offsets; // member offsets (arrays: the element at 0)
    const char* reason;
};

void PrintTo(const LayoutCase& c, std::ostream* os) {
    *os << c.conv << " " << c.type;
}

const LayoutCase kLayouts[] = {
    {"sysv64",
     "{i8, f32, [3 x i16]}",
     16,
     4,
     {0, 4, 8},
     "struct { char; float; short[3]; }: float at 4, array at 8, 14 rounded to 16"},
    {"sysv64", "{i8, i64, i16}", 24, 8, {0, 8, 16}, "struct { char; long long; short; }"},
    {"sysv64",
     "{i16, {i8, f64}, i8}",
     32,
     8,
     {0, 8, 24},
     "nested struct { char; double; } is 16 bytes, 8-aligned"},
    {"sysv64",
     "union{i8, f64, [3 x i32]}",
     16,
     8,
     {0, 0, 0},
     "union: largest member 12 rounded to the 8-byte alignment"},
    {"sysv64", "[3 x {i8, i16}]", 12, 2, {0}, "array of 4-byte, 2-aligned structs"},
    {"sysv64", "{f80, i8}", 32, 16, {0, 16}, "long double is 16 bytes, 16-aligned on x86-64"},
    {"win64", "{i8, f80}", 32, 16, {0, 16}, "same x86-64 data model under win64 (GCC ms_abi)"},
    {"sysv64", "{i8, ptr}", 16, 8, {0, 8}, "8-byte pointers"},
    {"sysv64",
     "{i8 @0, i32 @1 | size 5 align 1}",
     5,
     1,
     {0, 1},
     "__attribute__((packed)) struct { char; int; }"},
    {"sysv64",
     "{i8 @0, i32 @2 | size 6 align 2}",
     6,
     2,
     {0, 2},
     "#pragma pack(2) struct { char; int; }"},
    {"sysv64",
     "{i32 | size 16 align 16}",
     16,
     16,
     {0},
     "struct __attribute__((aligned(16))) { int; }"},
    {"sysv64",
     "union{i32, f32 | size 8 align 8}",
     8,
     8,
     {0, 0},
     "union __attribute__((aligned(8))) { int; float; }"},
    {"sysv64",
     "{i8 @0, i32 @1}",
     8,
     4,
     {0, 1},
     "offsets without '| size': alignment is the members' largest (4), size rounded up to it "
     "(parse.h's rule, not a C layout)"},
    {"cdecl",
     "{i8, f64}",
     12,
     4,
     {0, 4},
     "i386 System V aligns double to 4 inside aggregates (gcc/clang -m32)"},
    {"cdecl", "{i8, i64, i16}", 16, 4, {0, 4, 12}, "i386 System V: long long 4-aligned in structs"},
    {"cdecl", "f80", 12, 4, {}, "i386 System V long double: 12 bytes, 4-aligned"},
    {"cdecl", "{i8, f80}", 16, 4, {0, 4}, "i386 System V struct { char; long double; }"},
    {"stdcall", "{i8, ptr}", 8, 4, {0, 4}, "i386: 4-byte pointers"},
    {"windows cdecl",
     "{i8, f64}",
     16,
     8,
     {0, 8},
     "i386 Windows aligns double to 8 inside aggregates (clang -target i686-windows-msvc)"},
    {"windows cdecl", "{i8, i64, i16}", 24, 8, {0, 8, 16}, "i386 Windows: long long 8-aligned"},
};

class TypeLayout : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(TypeLayout, MatchesC) {
    const LayoutCase& c = GetParam();
    SCOPED_TRACE(c.reason);
    const std::string text = std::string(c.conv) + " void(" + c.type + ")";
    auto sig = parse_signature(text);
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    ASSERT_EQ(sig->args.size(), 1u);
    const Type& t = sig->args[0];
    EXPECT_EQ(t.size, c.size);
    EXPECT_EQ(t.align, c.align);
    ASSERT_EQ(t.fields.size(), c.offsets.size());
    for (size_t i = 0; i < c.offsets.size(); ++i)
        EXPECT_EQ(t.fields[i].offset, c.offsets[i]) << "member " << i;

    // parse_type with the same data model agrees with the signature's argument.
    auto alone = parse_type(c.type, data_model(sig->conv, sig->platform));
    ASSERT_TRUE(alone.ok()) << alone.error().message;
    EXPECT_EQ(*alone, t);
}

INSTANTIATE_TEST_SUITE_P(Table, TypeLayout, ::testing::ValuesIn(kLayouts),
                         [](const ::testing::TestParamInfo<LayoutCase>& info) {
                             return "case" + std::to_string(info.index);
                         });

TEST(SignatureText, ArrayCountAndElement) {
    auto t = parse_type("[3 x {i8, i16}]");
    ASSERT_TRUE(t.ok()) << t.error().message;
    EXPECT_EQ(t->kind, Kind::Array);
    EXPECT_EQ(t->count, 3u);
    EXPECT_EQ(t->element().kind, Kind::Struct);
    EXPECT_EQ(t->element().size, 4u);
}

// ---- Errors --------------------------------------------------------------------------------

struct ErrorCase {
    const char* text;
    std::vector<const char*> keywords; // every one must appear in the message
    const char* reason;
};

bool contains(const std::string& haystack, const char* needle) {
    return haystack.find(needle) != std::string::npos;
}

const ErrorCase kParseErrors[] = {
    {"sysv64 void(int)", {"unknown type", "'int'"}, "unknown type name"},
    {"sysv64 void(i32, double)", {"unknown type", "'double'"}, "C names are not type names"},
    {"sysv64 void(i32, int)", {"column 18"}, "the message says where"},
    {"sysv64 void([0 x i32])", {"zero", "array"}, "zero-length array"},
    {"sysv64 void({[0 x i8]})", {"zero", "array"}, "flexible array member"},
    {"sysv64 void({})", {"empty struct"}, "empty struct (C has none)"},
    {"sysv64 void(union{})", {"empty union"}, "empty union"},
    {"sysv64 void({i32 @0, i32 @2})", {"member 1", "overlaps"}, "overlapping explicit members"},
    {"sysv64 void({i32 @0, i32})",
     {"member 1", "no '@offset'"},
     "offsets are given for every member or for none"},
    {"sysv64 void({i32 @4, i8 @0})",
     {"member 1", "overlaps"},
     "explicit members must be in increasing offset order"},
    {"sysv64 void({i32 @0, i32 @8 | size 8 align 4})",
     {"member 1", "past", "size 8"},
     "explicit member past the end of the struct"},
    {"sysv64 void({i32 | size 8 align 3})",
     {"alignment 3", "power of two"},
     "explicit alignment that is not a power of two"},
    {"sysv64 void({i32, i32 | size 12 align 8})",
     {"size 12", "multiple", "alignment 8"},
     "explicit size not a multiple of the explicit alignment"},
    {"sysv64 void({i32 | size 0 align 4})", {"size 0"}, "explicit size zero"},
    {"sysv64 void(union{i32, f32 | size 6 align 3})",
     {"alignment 3", "power of two"},
     "union alignment not a power of two"},
    {"sysv64 void(union{f64 | size 4 align 4})",
     {"member 0", "larger"},
     "union member larger than the explicit union size"},
    {"sysv64 void(union{i32 @0})", {"union", "offsets"}, "union members have no offsets"},
    {"sysv64 void(void)", {"argument 0", "void"}, "void argument ('()' means none)"},
    {"sysv64 void(i32, f64, void)", {"argument 2", "void"}, "void argument names its index"},
    {"sysv64 void({i32, void})", {"member 1", "void"}, "void struct member"},
    {"sysv64 void([2 x void])", {"array of void"}, "void array element"},
    {"sysv64 void() x", {"unexpected text"}, "trailing junk"},
    {"sysv64 void());", {"unexpected text"}, "trailing junk after ')'"},
    {"sysv64 void({i32, f64)", {"'}'", "struct"}, "unclosed brace"},
    {"sysv64 void({i32", {"'}'", "struct"}, "unclosed brace at the end of the text"},
    {"sysv64 void(union{i32, f64", {"'}'", "union"}, "unclosed union brace"},
    {"sysv64 void(i32", {"')'"}, "unclosed argument list"},
    {"sysv64 void", {"'('"}, "missing argument list"},
    {"sysv64 void(i32,)", {"expected a type"}, "empty argument"},
    {"", {"expected a type"}, "empty text"},
    {"sysv64 void([3 i32])", {"'x'"}, "array without 'x'"},
    {"sysv64 void([3 x i32)", {"']'"}, "unclosed array"},
    {"sysv64 void([x i32])", {"number", "array length"}, "array without a length"},
    {"sysv64 void([99999999999999999999 x i8])", {"number"}, "array length overflows 64 bits"},
    {"sysv64 void([4294967296 x [4294967296 x i8]])",
     {"larger than 1 GiB"},
     "absurdly large aggregate"},
    {"sysv64 void({i32 | size 8})", {"'align'"}, "layout without alignment"},
    {"sysv64 void({i32 | align 4})", {"'size'"}, "layout without size"},
    {"sysv64 void({i32 @ x})", {"number", "member offset"}, "offset without a number"},
    {"sysv64 void(i32, ..., f64, ...)", {"'...'", "twice"}, "two ellipses"},
    {"sysv64 void(..., ...)", {"'...'", "twice"}, "two ellipses in a row"},
    {"sysv64 void(i32 ...)", {"','", "')'"}, "ellipsis without a comma"},
    {"sysv64 void({i8 @18446744073709551615 | size 1 align 1})",
     {"member 0", "past"},
     "an explicit offset near 2^64 must not wrap the bound check (found by fuzzing)"},
    {"sysv64 void(union{[100 x i8] | size 4294967297 align 1})",
     {"larger than 1 GiB"},
     "an explicit union size over 32 bits must not be truncated (found by fuzzing)"},
};

TEST(SignatureText, ParseErrors) {
    for (const auto& c : kParseErrors) {
        SCOPED_TRACE(std::string(c.text) + " (" + c.reason + ")");
        auto sig = parse_signature(c.text);
        ASSERT_FALSE(sig.ok()) << "parsed as " << sig->to_string();
        // Parse errors quote the input; the key words must come from the rest of the
        // message, not from the quoted text.
        std::string msg = sig.error().message;
        const std::string quoted = "'" + std::string(c.text) + "'";
        const size_t at = msg.rfind(quoted);
        ASSERT_NE(at, std::string::npos) << "parse errors quote the input: " << msg;
        msg.erase(at, quoted.size());
        for (const char* k : c.keywords)
            EXPECT_TRUE(contains(msg, k)) << k << " in: " << msg;
        EXPECT_TRUE(contains(msg, "column")) << "parse errors say where: " << msg;
    }
}

// Types nest at most 256 levels (abi/type.cpp, kMaxNesting): deeper text is
// an error at the opening brace, not a stack overflow.
TEST(SignatureText, NestingDeeperThan256LevelsIsAnError) {
    auto nested = [](int levels) {
        return "sysv64 void(" + std::string(size_t(levels), '{') + "i32" +
               std::string(size_t(levels), '}') + ")";
    };
    EXPECT_TRUE(parse_signature(nested(256)).ok());
    auto deep = parse_signature(nested(257));
    ASSERT_FALSE(deep.ok());
    EXPECT_TRUE(contains(deep.error().message, "256 levels")) << deep.error().message;
    auto huge = parse_signature(nested(100000));
    ASSERT_FALSE(huge.ok());
    EXPECT_TRUE(contains(huge.error().message, "256 levels")) << huge.error().message;
}

TEST(SignatureText, ParseTypeRejectsTrailingText) {
    auto t = parse_type("{i8, f32} x");
    ASSERT_FALSE(t.ok());
    EXPECT_TRUE(contains(t.error().message, "unexpected text")) << t.error().message;
}

// Errors only classification can see: the text is well formed.
const ErrorCase kClassifyErrors[] = {
    {"sysv64 void(ptr, ..., f32)",
     {"argument 1", "f32", "variadic"},
     "C promotes a variadic float to double; an f32 there is a mistake"},
    {"win64 void(ptr, ..., f64, f32)", {"argument 2", "f32", "variadic"}, "the same under win64"},
    {"win64 f80()",
     {"result", "f80"},
     "win64 long double result: GCC's ms_abi returns it through a hidden pointer, Clang's in "
     "st(0), MSVC has none: refused"},
    {"windows win64 f80(f64)", {"result", "f80"}, "the same on the Windows platform"},
    {"sysv64 void([1073741824 x i8], [1073741824 x i8])",
     {"argument 0", "512 MiB"},
     "arguments whose stack offsets would not fit 32 bits (found by fuzzing)"},
};

TEST(SignatureText, ClassifyErrors) {
    for (const auto& c : kClassifyErrors) {
        SCOPED_TRACE(std::string(c.text) + " (" + c.reason + ")");
        auto sig = parse_signature(c.text);
        ASSERT_TRUE(sig.ok()) << sig.error().message;
        auto layout = classify(*sig);
        ASSERT_FALSE(layout.ok()) << "classified as " << layout->to_string();
        const std::string& msg = layout.error().message;
        for (const char* k : c.keywords)
            EXPECT_TRUE(contains(msg, k)) << k << " in: " << msg;
    }
}

TEST(SignatureText, FixedF32InVariadicFunctionIsFine) {
    for (const char* text : {"sysv64 void(f32, ...)", "win64 void(f32, ..., f64)"}) {
        SCOPED_TRACE(text);
        auto sig = parse_signature(text);
        ASSERT_TRUE(sig.ok()) << sig.error().message;
        auto layout = classify(*sig);
        EXPECT_TRUE(layout.ok()) << layout.error().message;
    }
}

// Signatures built in code bypass the parser; validate() (run by classify)
// still names the faulty argument.
TEST(SignatureText, ValidateErrorsOnConstructedSignatures) {
    Signature too_many_fixed;
    too_many_fixed.conv = CallConv::sysv64;
    too_many_fixed.args = {Type::scalar(Kind::I32)};
    too_many_fixed.fixed_args = 3;
    auto a = classify(too_many_fixed);
    ASSERT_FALSE(a.ok());
    EXPECT_TRUE(contains(a.error().message, "3 fixed")) << a.error().message;

    Signature void_arg;
    void_arg.conv = CallConv::win64;
    void_arg.args = {Type::scalar(Kind::I32), Type::void_type()};
    auto b = classify(void_arg);
    ASSERT_FALSE(b.ok());
    EXPECT_TRUE(contains(b.error().message, "argument 1")) << b.error().message;
    EXPECT_TRUE(contains(b.error().message, "void")) << b.error().message;

    Signature small_pointer;
    small_pointer.conv = CallConv::sysv64;
    small_pointer.args = {Type::pointer(data_model(CallConv::cdecl_, Platform::sysv))};
    auto c = classify(small_pointer);
    ASSERT_FALSE(c.ok());
    EXPECT_TRUE(contains(c.error().message, "argument 0")) << c.error().message;
    EXPECT_TRUE(contains(c.error().message, "pointer")) << c.error().message;
}

} // namespace
} // namespace ctabi::abi
