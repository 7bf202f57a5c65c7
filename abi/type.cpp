#include "ctabi/abi/type.h"

#include <algorithm>

namespace ctabi::abi {
namespace {

bool is_power_of_two(uint64_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}
uint64_t align_up(uint64_t v, uint64_t a) {
    return (v + a - 1) / a * a;
}

// Aggregates beyond this are rejected: no convention passes them usefully and
// offsets must fit the 32-bit fields of a CallLayout.
constexpr uint64_t kMaxAggregateSize = uint64_t(1) << 30;

// Aggregates nested deeper than this are rejected (the parser, abi/parse.cpp,
// stops at the same depth). Types are trees that the classifiers, printers,
// comparisons and destructors walk recursively: without a bound, a hostile
// description (a million nested one-member structs, cheap to build since
// each factory moves its members) overflows the stack. C requires 63 levels
// of nested struct definitions (C11 5.2.4.1); 256 leaves room for arrays.
constexpr uint32_t kMaxNesting = 256;

// Whether `t` nests aggregates more than `levels` deep (a scalar is 0 deep,
// an aggregate one more than its deepest member). Recurses at most `levels`
// + 1 deep, whatever `t` is.
bool nested_deeper_than(const Type& t, uint32_t levels) {
    if (!t.is_aggregate()) return false;
    if (levels == 0) return true;
    for (const auto& f : t.fields)
        if (nested_deeper_than(f.type, levels - 1)) return true;
    return false;
}

Result<Ok> check_member(const Type& t, size_t i, const char* what) {
    if (t.is_void())
        return make_error(std::string(what) + " member " + std::to_string(i) +
                          ": void is not a member type");
    if (t.size == 0)
        return make_error(std::string(what) + " member " + std::to_string(i) +
                          ": zero-sized members are not supported");
    if (nested_deeper_than(t, kMaxNesting - 1))
        return make_error(std::string(what) + " member " + std::to_string(i) +
                          ": types nested more than " + std::to_string(kMaxNesting) +
                          " levels deep are not supported");
    return Ok{};
}

} // namespace

const char* kind_name(Kind kind) {
    switch (kind) {
    case Kind::Void: return "void";
    case Kind::Bool: return "bool";
    case Kind::I8: return "i8";
    case Kind::U8: return "u8";
    case Kind::I16: return "i16";
    case Kind::U16: return "u16";
    case Kind::I32: return "i32";
    case Kind::U32: return "u32";
    case Kind::I64: return "i64";
    case Kind::U64: return "u64";
    case Kind::F32: return "f32";
    case Kind::F64: return "f64";
    case Kind::F80: return "f80";
    case Kind::Pointer: return "ptr";
    case Kind::Struct: return "struct";
    case Kind::Union: return "union";
    case Kind::Array: return "array";
    }
    return "?";
}

Type Type::scalar(Kind kind, const DataModel& m) {
    Type t;
    t.kind = kind;
    switch (kind) {
    case Kind::Void: t.size = 0, t.align = 1; break;
    case Kind::Bool:
    case Kind::I8:
    case Kind::U8: t.size = t.align = 1; break;
    case Kind::I16:
    case Kind::U16: t.size = t.align = 2; break;
    case Kind::I32:
    case Kind::U32:
    case Kind::F32: t.size = t.align = 4; break;
    case Kind::I64:
    case Kind::U64: t.size = 8, t.align = m.i64_align; break;
    case Kind::F64: t.size = 8, t.align = m.f64_align; break;
    case Kind::F80: t.size = m.f80_size, t.align = m.f80_align; break;
    case Kind::Pointer: t.size = t.align = m.pointer_size; break;
    case Kind::Struct:
    case Kind::Union:
    case Kind::Array: break; // not scalars: built by the aggregate factories
    }
    // A DataModel is the caller's: a zero alignment in it would divide by zero
    // in the aggregate factories (align_up), so it counts as 1.
    if (t.align == 0) t.align = 1;
    return t;
}

const Type& Type::element() const {
    return fields.at(0).type;
}

Result<Type> Type::struct_of(std::vector<Type> members) {
    if (members.empty()) return make_error("empty structs are not supported (C has none)");
    Type t;
    t.kind = Kind::Struct;
    uint64_t offset = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        if (auto ok = check_member(members[i], i, "struct"); !ok) return ok.error();
        offset = align_up(offset, members[i].align);
        t.align = std::max(t.align, members[i].align);
        uint64_t next = offset + members[i].size;
        t.fields.push_back(Field{std::move(members[i]), offset});
        offset = next;
        if (offset > kMaxAggregateSize) return make_error("struct is larger than 1 GiB");
    }
    // The tail padding too: a member alignment from a caller's DataModel (not
    // one of data_model()'s) can round past 1 GiB, or past 32 bits.
    const uint64_t size = align_up(offset, t.align);
    if (size > kMaxAggregateSize) return make_error("struct is larger than 1 GiB");
    t.size = uint32_t(size);
    return t;
}

Result<Type> Type::union_of(std::vector<Type> members) {
    if (members.empty()) return make_error("empty unions are not supported (C has none)");
    Type t;
    t.kind = Kind::Union;
    uint64_t size = 0;
    for (size_t i = 0; i < members.size(); ++i) {
        if (auto ok = check_member(members[i], i, "union"); !ok) return ok.error();
        t.align = std::max(t.align, members[i].align);
        size = std::max<uint64_t>(size, members[i].size);
        t.fields.push_back(Field{std::move(members[i]), 0});
    }
    t.size = align_up(size, t.align);
    if (t.size > kMaxAggregateSize) return make_error("union is larger than 1 GiB");
    return t;
}

Result<Type> Type::array_of(Type element, uint64_t count) {
    if (element.is_void()) return make_error("array of void");
    if (count == 0 || element.size == 0)
        return make_error("zero-sized (or flexible) arrays are not supported");
    if (element.size > kMaxAggregateSize / count) return make_error("array is larger than 1 GiB");
    if (nested_deeper_than(element, kMaxNesting - 1))
        return make_error("array element: types nested more than " + std::to_string(kMaxNesting) +
                          " levels deep are not supported");
    Type t;
    t.kind = Kind::Array;
    t.size = element.size * count;
    t.align = element.align;
    t.count = count;
    t.explicit_layout = element.explicit_layout;
    t.fields.push_back(Field{std::move(element), 0});
    return t;
}

Result<Type> Type::struct_explicit(std::vector<Field> fields, uint64_t size, uint64_t align) {
    if (fields.empty()) return make_error("empty structs are not supported (C has none)");
    if (!is_power_of_two(align))
        return make_error("struct alignment " + std::to_string(align) + " is not a power of two");
    if (align > kMaxAggregateSize) return make_error("struct alignment is over 1 GiB");
    if (size == 0 || size % align != 0)
        return make_error("struct size " + std::to_string(size) +
                          " is not a positive multiple of its alignment " + std::to_string(align));
    if (size > kMaxAggregateSize) return make_error("struct is larger than 1 GiB");
    std::vector<Type> members;
    uint64_t end = 0;
    for (size_t i = 0; i < fields.size(); ++i) {
        const Field& f = fields[i];
        if (auto ok = check_member(f.type, i, "struct"); !ok) return ok.error();
        if (f.offset < end)
            return make_error("struct member " + std::to_string(i) + " at offset " +
                              std::to_string(f.offset) +
                              " overlaps the member before it (bitfields are not supported)");
        // Written so that no sum wraps: an offset near 2^64 must not pass
        // as a member that ends early (the classifiers index by offset).
        if (f.offset > size || f.type.size > size - f.offset)
            return make_error("struct member " + std::to_string(i) + " at offset " +
                              std::to_string(f.offset) + " of " + std::to_string(f.type.size) +
                              " bytes ends past the struct's size " + std::to_string(size));
        end = f.offset + f.type.size;
        members.push_back(f.type);
    }
    auto natural = struct_of(std::move(members));
    Type t;
    t.kind = Kind::Struct;
    t.size = size;
    t.align = align;
    t.fields = std::move(fields);
    t.explicit_layout = !natural || natural->size != size || natural->align != align ||
                        !std::equal(t.fields.begin(), t.fields.end(), natural->fields.begin(),
                                    [](const Field& a, const Field& b) {
                                        return a.offset == b.offset && !a.type.explicit_layout;
                                    });
    return t;
}

Result<Type> Type::union_explicit(std::vector<Type> members, uint64_t size, uint64_t align) {
    if (!is_power_of_two(align))
        return make_error("union alignment " + std::to_string(align) + " is not a power of two");
    if (align > kMaxAggregateSize) return make_error("union alignment is over 1 GiB");
    // Checked before the size is stored in 32 bits: 2^32 + 1 must not become
    // a 1-byte union holding larger members.
    if (size > kMaxAggregateSize) return make_error("union is larger than 1 GiB");
    CTABI_TRY_ASSIGN(t, union_of(std::move(members)));
    for (size_t i = 0; i < t.fields.size(); ++i)
        if (t.fields[i].type.size > size)
            return make_error("union member " + std::to_string(i) +
                              " is larger than the union's size " + std::to_string(size));
    if (size == 0 || size % align != 0)
        return make_error("union size " + std::to_string(size) +
                          " is not a positive multiple of its alignment " + std::to_string(align));
    t.explicit_layout = t.size != size || t.align != align;
    t.size = size;
    t.align = align;
    return t;
}

bool operator==(const Field& a, const Field& b) {
    return a.offset == b.offset && a.type == b.type;
}

bool operator==(const Type& a, const Type& b) {
    return a.kind == b.kind && a.size == b.size && a.align == b.align && a.count == b.count &&
           a.fields == b.fields;
}

std::string Type::to_string() const {
    switch (kind) {
    case Kind::Struct:
    case Kind::Union: {
        std::string s = kind == Kind::Union ? "union{" : "{";
        for (size_t i = 0; i < fields.size(); ++i) {
            if (i) s += ", ";
            s += fields[i].type.to_string();
            if (explicit_layout && kind == Kind::Struct)
                s += " @" + std::to_string(fields[i].offset);
        }
        if (explicit_layout)
            s += " | size " + std::to_string(size) + " align " + std::to_string(align);
        return s + "}";
    }
    case Kind::Array:
        // (An "array" from Type::scalar(Kind::Array) has no element: printed,
        // not thrown; validate() refuses it as an argument or result.)
        return "[" + std::to_string(count) + " x " +
               (fields.empty() ? std::string("void") : element().to_string()) + "]";
    default: return kind_name(kind);
    }
}

} // namespace ctabi::abi
