// ctabi's libffi-compatible API: the ffi_type globals, libffi's aggregate
// layout, and ffi_type -> abi::Type.
#include <cstddef>

#include "ffi_internal.h"

namespace {
// libffi types.c: a type's alignment is its alignment inside a struct (4 for
// double and 64-bit integers on i386).
template <typename T>
struct AlignOf {
    char c;
    T x;
};
#define CTABI_FFI_ALIGN_OF(T) static_cast<unsigned short>(offsetof(AlignOf<T>, x))

#if defined(__x86_64__)
constexpr size_t kComplexLongDoubleSize = 32;
#else
constexpr size_t kComplexLongDoubleSize = 24;
#endif
} // namespace

extern "C" {
#define CTABI_FFI_SCALAR(name, T, code)                                                            \
    ffi_type ffi_type_##name = {sizeof(T), CTABI_FFI_ALIGN_OF(T), code, nullptr};

ffi_type ffi_type_void = {1, 1, FFI_TYPE_VOID, nullptr};
CTABI_FFI_SCALAR(uint8, uint8_t, FFI_TYPE_UINT8)
CTABI_FFI_SCALAR(sint8, int8_t, FFI_TYPE_SINT8)
CTABI_FFI_SCALAR(uint16, uint16_t, FFI_TYPE_UINT16)
CTABI_FFI_SCALAR(sint16, int16_t, FFI_TYPE_SINT16)
CTABI_FFI_SCALAR(uint32, uint32_t, FFI_TYPE_UINT32)
CTABI_FFI_SCALAR(sint32, int32_t, FFI_TYPE_SINT32)
CTABI_FFI_SCALAR(uint64, uint64_t, FFI_TYPE_UINT64)
CTABI_FFI_SCALAR(sint64, int64_t, FFI_TYPE_SINT64)
CTABI_FFI_SCALAR(float, float, FFI_TYPE_FLOAT)
CTABI_FFI_SCALAR(double, double, FFI_TYPE_DOUBLE)
CTABI_FFI_SCALAR(pointer, void*, FFI_TYPE_POINTER)
CTABI_FFI_SCALAR(longdouble, long double, FFI_TYPE_LONGDOUBLE)

// libffi types.c FFI_COMPLEX_TYPEDEF: elements = {component, NULL}.
static ffi_type* complex_float_elements[] = {&ffi_type_float, nullptr};
static ffi_type* complex_double_elements[] = {&ffi_type_double, nullptr};
static ffi_type* complex_longdouble_elements[] = {&ffi_type_longdouble, nullptr};
ffi_type ffi_type_complex_float = {2 * sizeof(float), CTABI_FFI_ALIGN_OF(float), FFI_TYPE_COMPLEX,
                                   complex_float_elements};
ffi_type ffi_type_complex_double = {2 * sizeof(double), CTABI_FFI_ALIGN_OF(double),
                                    FFI_TYPE_COMPLEX, complex_double_elements};
ffi_type ffi_type_complex_longdouble = {kComplexLongDoubleSize, CTABI_FFI_ALIGN_OF(long double),
                                        FFI_TYPE_COMPLEX, complex_longdouble_elements};

// libffi prep_cif.c: ffi_get_struct_offsets checks the abi, that the type is
// a struct, and lays it out.
ffi_status ffi_get_struct_offsets(ffi_abi abi, ffi_type* struct_type, size_t* offsets) {
    if (!(abi > FFI_FIRST_ABI && abi < FFI_LAST_ABI)) return FFI_BAD_ABI;
    if (!struct_type || struct_type->type != FFI_TYPE_STRUCT) return FFI_BAD_TYPEDEF;
    return ctabi::ffi::initialize_aggregate(struct_type, offsets);
}
} // extern "C"

namespace ctabi::ffi {

// libffi prep_cif.c initialize_aggregate, rule for rule.
ffi_status initialize_aggregate(ffi_type* arg, size_t* offsets) {
    if (arg == nullptr || arg->elements == nullptr) return FFI_BAD_TYPEDEF;
    arg->size = 0;
    arg->alignment = 0;
    for (ffi_type** ptr = arg->elements; *ptr != nullptr; ++ptr) {
        if ((*ptr)->size == 0 && initialize_aggregate(*ptr, nullptr) != FFI_OK)
            return FFI_BAD_TYPEDEF;
        arg->size = ffi_align(arg->size, (*ptr)->alignment);
        if (offsets) *offsets++ = arg->size;
        arg->size += (*ptr)->size;
        arg->alignment = arg->alignment > (*ptr)->alignment ? arg->alignment : (*ptr)->alignment;
    }
    arg->size = ffi_align(arg->size, arg->alignment);
    return arg->size == 0 ? FFI_BAD_TYPEDEF : FFI_OK;
}

namespace {

// Aggregates nest at most this deep (a cycle in `elements` is a malformed
// type, not an endless loop).
constexpr int kMaxDepth = 256;

void append_number(Key& key, uint64_t v) {
    while (v > 0x7F) {
        key.push(char((v & 0x7F) | 0x80));
        v >>= 7;
    }
    key.push(char(v));
}

} // namespace

void Key::push_slow(char c) {
    if (!big_) {
        heap_.assign(small_, n_);
        big_ = true;
    }
    heap_.push_back(c);
}

ffi_status append_aggregate_key(Key& key, ffi_type* t, int depth) {
    if (depth > kMaxDepth) return FFI_BAD_TYPEDEF;
    // prep_cif.c: an aggregate of size 0 is laid out now.
    if (t->size == 0 && initialize_aggregate(t, nullptr) != FFI_OK) return FFI_BAD_TYPEDEF;
    key.push(char(t->type));
    append_number(key, t->size);
    append_number(key, t->alignment);
    if (t->elements == nullptr) return FFI_BAD_TYPEDEF;
    for (ffi_type** e = t->elements; *e != nullptr; ++e)
        if (ffi_status s = append_type_key(key, *e, depth + 1); s != FFI_OK) return s;
    key.push(char(0x7F)); // end of elements
    return FFI_OK;
}

namespace {

Result<abi::Type> scalar(abi::Kind kind, const ffi_type* t, const abi::DataModel& model) {
    abi::Type s = abi::Type::scalar(kind, model);
    if (s.size != t->size)
        return make_error("an ffi_type of type code " + std::to_string(t->type) + " has size " +
                          std::to_string(t->size) + ", not " + std::to_string(s.size));
    return s;
}

} // namespace

Result<abi::Type> to_abi_type(const ffi_type* t, const abi::DataModel& model) {
    using abi::Kind;
    switch (t->type) {
    case FFI_TYPE_VOID: return abi::Type::void_type();
    case FFI_TYPE_INT: return scalar(Kind::I32, t, model);
    case FFI_TYPE_FLOAT: return scalar(Kind::F32, t, model);
    case FFI_TYPE_DOUBLE: return scalar(Kind::F64, t, model);
    case FFI_TYPE_LONGDOUBLE:
        // A long double the size of a double is one (MSVC's).
        return t->size == 8 ? scalar(Kind::F64, t, model) : scalar(Kind::F80, t, model);
    case FFI_TYPE_UINT8: return scalar(Kind::U8, t, model);
    case FFI_TYPE_SINT8: return scalar(Kind::I8, t, model);
    case FFI_TYPE_UINT16: return scalar(Kind::U16, t, model);
    case FFI_TYPE_SINT16: return scalar(Kind::I16, t, model);
    case FFI_TYPE_UINT32: return scalar(Kind::U32, t, model);
    case FFI_TYPE_SINT32: return scalar(Kind::I32, t, model);
    case FFI_TYPE_UINT64: return scalar(Kind::U64, t, model);
    case FFI_TYPE_SINT64: return scalar(Kind::I64, t, model);
    case FFI_TYPE_POINTER: return scalar(Kind::Pointer, t, model);
    case FFI_TYPE_COMPLEX: {
        // x86-64 (SysV psABI 3.2.3, as libffi's unix64 classifier does it):
        // complex float and double are classified as a struct of two parts.
        // Complex long double (COMPLEX_X87) and i386 complex values are not
        // modelled.
        const ffi_type* part = t->elements ? t->elements[0] : nullptr;
        if (model.pointer_size != 8 || !part ||
            (part->type != FFI_TYPE_FLOAT && part->type != FFI_TYPE_DOUBLE))
            return make_error("complex types other than complex float and complex double on "
                              "x86-64 are not supported");
        CTABI_TRY_ASSIGN(p, to_abi_type(part, model));
        std::vector<abi::Field> fields{{p, 0}, {p, p.size}};
        return abi::Type::struct_explicit(std::move(fields), t->size, t->alignment);
    }
    case FFI_TYPE_STRUCT: {
        // libffi lays elements out in order, each at its alignment
        // (initialize_aggregate), whatever size the type states.
        std::vector<abi::Field> fields;
        size_t offset = 0;
        for (ffi_type** e = t->elements; *e != nullptr; ++e) {
            if ((*e)->type == FFI_TYPE_VOID) return make_error("a struct element is void");
            CTABI_TRY_ASSIGN(member, to_abi_type(*e, model));
            offset = ffi_align(offset, (*e)->alignment);
            fields.push_back({std::move(member), offset});
            offset += (*e)->size;
        }
        return abi::Type::struct_explicit(std::move(fields), t->size, t->alignment);
    }
    default: return make_error("unknown ffi_type type code " + std::to_string(t->type));
    }
}

} // namespace ctabi::ffi
