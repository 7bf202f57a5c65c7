#include "ctabi/abi/parse.h"

#include <cctype>
#include <charconv>
#include <optional>

namespace ctabi::abi {
namespace {

struct ScalarName {
    const char* name;
    Kind kind;
};
constexpr ScalarName kScalars[] = {
    {"void", Kind::Void}, {"bool", Kind::Bool},   {"i8", Kind::I8},   {"u8", Kind::U8},
    {"i16", Kind::I16},   {"u16", Kind::U16},     {"i32", Kind::I32}, {"u32", Kind::U32},
    {"i64", Kind::I64},   {"u64", Kind::U64},     {"f32", Kind::F32}, {"f64", Kind::F64},
    {"f80", Kind::F80},   {"ptr", Kind::Pointer},
};

// Aggregates nest at most this deep: the factories' limit (abi/type.cpp,
// kMaxNesting), checked here before recursing, so that a text of a million
// '{' is an error, not a stack overflow.
constexpr uint32_t kMaxNesting = 256;

// A recursive-descent parser over the text; errors say where they happened.
class Parser {
public:
    Parser(std::string_view text, DataModel model) : text_(text), model_(model) {}

    Result<Signature> signature() {
        Signature sig;
        std::string_view word = peek_word();
        if (auto p = platform_from_name(word)) {
            sig.platform = *p;
            pos_ += word.size();
            word = peek_word();
        }
        if (auto c = conv_from_name(word)) {
            sig.conv = *c;
            pos_ += word.size();
        }
        model_ = data_model(sig.conv, sig.platform);
        CTABI_TRY_ASSIGN(result, type());
        sig.result = std::move(result);
        if (!eat('(')) return fail("expected '(' after the result type");
        if (!eat(')')) {
            for (;;) {
                if (eat_word("...")) {
                    sig.fixed_args = uint32_t(sig.args.size());
                } else {
                    CTABI_TRY_ASSIGN(arg, type());
                    if (arg.is_void())
                        return fail("argument " + std::to_string(sig.args.size()) +
                                    ": void is not an argument type (write '()' for none)");
                    sig.args.push_back(std::move(arg));
                }
                if (eat(')')) break;
                if (!eat(',')) return fail("expected ',' or ')' in the argument list");
                if (sig.fixed_args && peek_word() == "...") return fail("'...' given twice");
            }
        }
        skip_space();
        if (pos_ != text_.size()) return fail("unexpected text after the signature");
        return sig;
    }

    Result<Type> whole_type() {
        CTABI_TRY_ASSIGN(t, type());
        skip_space();
        if (pos_ != text_.size()) return fail("unexpected text after the type");
        return t;
    }

private:
    Result<Type> type() {
        skip_space();
        const size_t at = pos_;
        if (eat('{')) return nested(at, [&] { return aggregate(Kind::Struct); });
        if (eat('[')) return nested(at, [&] { return array(); });
        std::string_view word = peek_word();
        if (word == "union") {
            pos_ += word.size();
            if (!eat('{')) return fail("expected '{' after 'union'");
            return nested(at, [&] { return aggregate(Kind::Union); });
        }
        for (const auto& s : kScalars)
            if (word == s.name) {
                pos_ += word.size();
                return Type::scalar(s.kind, model_);
            }
        if (word.empty()) return fail("expected a type");
        return fail("unknown type '" + std::string(word) +
                    "' (types: void bool i8 u8 i16 u16 i32 u32 i64 u64 f32 f64 f80 ptr, "
                    "{...} struct, union{...}, [N x T] array)");
    }

    // Parses one aggregate (struct, union, array) one level deeper.
    template <typename F>
    Result<Type> nested(size_t at, F parse) {
        if (depth_ == kMaxNesting)
            return fail("types nested more than " + std::to_string(kMaxNesting) +
                            " levels deep are not supported",
                        at);
        ++depth_;
        Result<Type> t = parse();
        --depth_;
        return t;
    }

    Result<Type> array() {
        CTABI_TRY_ASSIGN(count, number("array length"));
        if (!eat_word("x")) return fail("expected 'x' in '[N x T]'");
        size_t at = pos_;
        CTABI_TRY_ASSIGN(element, type());
        if (!eat(']')) return fail("expected ']' to close the array");
        auto t = Type::array_of(std::move(element), count);
        if (!t) return fail(t.error().message, at);
        return t;
    }

    Result<Type> aggregate(Kind kind) {
        const char* what = kind == Kind::Struct ? "struct" : "union";
        size_t at = pos_ - 1;
        std::vector<Field> fields;
        bool has_offsets = false, has_layout = false;
        size_t without_offset = 0; // members written without '@offset'
        std::optional<size_t> first_without_offset;
        uint64_t size = 0, align = 0;
        while (!eat('}')) {
            if (!fields.empty() && !eat(',')) {
                if (!eat('|')) return fail(std::string("expected ',' '|' or '}' in the ") + what);
                CTABI_TRY_ASSIGN(s, keyword_number("size"));
                CTABI_TRY_ASSIGN(a, keyword_number("align"));
                size = s, align = a, has_layout = true;
                if (!eat('}')) return fail(std::string("expected '}' to close the ") + what);
                break;
            }
            CTABI_TRY_ASSIGN(member, type());
            uint64_t offset = 0;
            if (eat('@')) {
                if (kind == Kind::Union) return fail("union members have no offsets");
                CTABI_TRY_ASSIGN(off, number("member offset"));
                offset = off;
                has_offsets = true;
            } else {
                ++without_offset;
                if (!first_without_offset) first_without_offset = fields.size();
            }
            fields.push_back(Field{std::move(member), offset});
        }
        if (has_offsets && without_offset)
            return fail("struct member " + std::to_string(*first_without_offset) +
                            " has no '@offset': give every member an offset, or none",
                        at);
        Result<Type> t = make_error("");
        // Moved, not copied (copying every member's tree at every level made
        // deep nesting quadratic); with offsets, only `fields` is used.
        std::vector<Type> members;
        if (!has_offsets)
            for (auto& f : fields)
                members.push_back(std::move(f.type));
        if (kind == Kind::Union) {
            t = has_layout ? Type::union_explicit(std::move(members), size, align)
                           : Type::union_of(std::move(members));
        } else if (has_offsets || has_layout) {
            if (!has_offsets) {
                // Natural offsets with an explicit size/alignment.
                auto natural = Type::struct_of(std::move(members));
                if (!natural) return fail(natural.error().message, at);
                fields = std::move(natural->fields);
            }
            if (!has_layout) {
                // Offsets given: size and alignment as tight as the members allow.
                // Without wrapping: a member ending past 2^64 leaves the size at
                // what the others need, and struct_explicit rejects it as ending
                // past the struct.
                align = 1;
                for (const auto& f : fields) {
                    align = std::max<uint64_t>(align, f.type.align);
                    if (f.type.size <= UINT64_MAX - f.offset)
                        size = std::max(size, f.offset + f.type.size);
                }
                if (size <= UINT64_MAX - (align - 1)) size = (size + align - 1) / align * align;
            }
            t = Type::struct_explicit(std::move(fields), size, align);
        } else {
            t = Type::struct_of(std::move(members));
        }
        if (!t) return fail(t.error().message, at);
        return t;
    }

    Result<uint64_t> keyword_number(std::string_view keyword) {
        if (!eat_word(keyword)) return fail("expected '" + std::string(keyword) + "'");
        return number(std::string(keyword).c_str());
    }

    Result<uint64_t> number(const char* what) {
        skip_space();
        uint64_t v = 0;
        auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
        if (ec != std::errc() || end == text_.data() + pos_)
            return fail(std::string("expected a number (") + what + ")");
        pos_ = size_t(end - text_.data());
        return v;
    }

    void skip_space() {
        while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_])))
            ++pos_;
    }
    bool eat(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
        return false;
    }
    std::string_view peek_word() {
        skip_space();
        if (text_.substr(pos_, 3) == "...") return text_.substr(pos_, 3);
        size_t end = pos_;
        while (end < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))
            ++end;
        return text_.substr(pos_, end - pos_);
    }
    bool eat_word(std::string_view w) {
        if (peek_word() != w) return false;
        pos_ += w.size();
        return true;
    }

    Error fail(const std::string& message) { return fail(message, pos_); }
    Error fail(const std::string& message, size_t at) {
        Error e = make_error(message + " at column " + std::to_string(at + 1) + " of '" +
                             std::string(text_) + "'");
        e.position = int64_t(at);
        return e;
    }

    std::string_view text_;
    size_t pos_ = 0;
    uint32_t depth_ = 0; // aggregates open around the current position
    DataModel model_;
};

} // namespace

Result<Signature> parse_signature(std::string_view text) {
    return Parser(text, DataModel::x86_64()).signature();
}

Result<Type> parse_type(std::string_view text, const DataModel& model) {
    return Parser(text, model).whole_type();
}

} // namespace ctabi::abi
