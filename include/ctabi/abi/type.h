// The C type model: scalars, pointers, structs, unions and fixed-size arrays,
// with size, alignment and field offsets. Types are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ctabi/result.h"

namespace ctabi::abi {

enum class Kind : uint8_t {
    Void,
    Bool,
    I8,
    U8,
    I16,
    U16,
    I32,
    U32,
    I64,
    U64,
    F32,
    F64,
    F80, // x87 extended precision `long double`
    Pointer,
    Struct,
    Union,
    Array,
};

// Sizes and alignments of scalars for one target (they differ between x86-64
// and the i386 ABIs, and between i386 Linux and Windows inside aggregates).
struct DataModel {
    uint32_t pointer_size = 8;
    uint32_t i64_align = 8; // alignment of 64-bit integers
    uint32_t f64_align = 8;
    uint32_t f80_size = 16;
    uint32_t f80_align = 16;

    static DataModel x86_64() { return {}; }
    friend bool operator==(const DataModel&, const DataModel&) = default;
};

struct Field;

// A C type. Aggregates own their members; an array has one member (its
// element, at offset 0) and a count.
struct Type {
    Kind kind = Kind::Void;
    bool explicit_layout = false; // offsets/size/align differ from the natural C layout
    // 32 bits: the factories reject aggregates and alignments over 1 GiB.
    uint32_t size = 0;
    uint32_t align = 1;
    uint32_t count = 0;        // Array: number of elements
    std::vector<Field> fields; // Struct/Union members; Array: the element

    // (Factories returning Type are defined out of line: Field is not
    // complete inside this class, and Clang insists on it for vector<Field>.)
    static Type void_type();
    static Type scalar(Kind kind, const DataModel& model = DataModel::x86_64());
    static Type pointer(const DataModel& model = DataModel::x86_64());

    // Natural C layout of the members, in order (what a C compiler does).
    static Result<Type> struct_of(std::vector<Type> members);
    static Result<Type> union_of(std::vector<Type> members);
    static Result<Type> array_of(Type element, uint64_t count);
    // Explicit layout, as ctypes reports it for _pack_ or other layouts:
    // every member's offset, and the aggregate's size and alignment.
    static Result<Type> struct_explicit(std::vector<Field> fields, uint64_t size, uint64_t align);
    static Result<Type> union_explicit(std::vector<Type> members, uint64_t size, uint64_t align);

    bool is_void() const { return kind == Kind::Void; }
    bool is_integer() const { return kind >= Kind::Bool && kind <= Kind::U64; }
    bool is_float() const { return kind == Kind::F32 || kind == Kind::F64; }
    bool is_aggregate() const {
        return kind == Kind::Struct || kind == Kind::Union || kind == Kind::Array;
    }
    bool is_scalar() const { return !is_void() && !is_aggregate(); }
    bool is_signed() const {
        return kind == Kind::I8 || kind == Kind::I16 || kind == Kind::I32 || kind == Kind::I64;
    }
    const Type& element() const; // Array only

    // The signature text syntax of this type (see parse.h).
    std::string to_string() const;
};

struct Field {
    Type type;
    uint64_t offset = 0;
};

inline Type Type::void_type() {
    return Type{};
}
inline Type Type::pointer(const DataModel& model) {
    return scalar(Kind::Pointer, model);
}

bool operator==(const Type& a, const Type& b);
bool operator==(const Field& a, const Field& b);

const char* kind_name(Kind kind);

} // namespace ctabi::abi
