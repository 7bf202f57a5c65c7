// ctabi's libffi-compatible API: the raw API (arguments packed in ffi_raw
// words), as libffi's raw_api.c and java_raw_api.c define it on a
// little-endian host, over ffi_call.
#include <alloca.h>

#include <cstring>

#include "ffi_internal.h"

using ctabi::ffi::ffi_align;

extern "C" {

// raw_api.c: a struct travels as a pointer; everything else in whole words.
size_t ffi_raw_size(ffi_cif* cif) {
    size_t result = 0;
    for (unsigned i = 0; i < cif->nargs; ++i) {
        const ffi_type* t = cif->arg_types[i];
        if (t->type == FFI_TYPE_STRUCT)
            result += ffi_align(sizeof(void*), FFI_SIZEOF_ARG);
        else
            result += ffi_align(t->size, FFI_SIZEOF_ARG);
    }
    return result;
}

void ffi_raw_to_ptrarray(ffi_cif* cif, ffi_raw* raw, void** args) {
    for (unsigned i = 0; i < cif->nargs; ++i) {
        const ffi_type* t = cif->arg_types[i];
        switch (t->type) {
        case FFI_TYPE_UINT8:
        case FFI_TYPE_SINT8:
        case FFI_TYPE_UINT16:
        case FFI_TYPE_SINT16:
        case FFI_TYPE_UINT32:
        case FFI_TYPE_SINT32: args[i] = raw++; break;
        case FFI_TYPE_STRUCT:
        case FFI_TYPE_COMPLEX: args[i] = (raw++)->ptr; break;
        case FFI_TYPE_POINTER: args[i] = &(raw++)->ptr; break;
        default: args[i] = raw; raw += ffi_align(t->size, FFI_SIZEOF_ARG) / FFI_SIZEOF_ARG;
        }
    }
}

void ffi_ptrarray_to_raw(ffi_cif* cif, void** args, ffi_raw* raw) {
    for (unsigned i = 0; i < cif->nargs; ++i) {
        const ffi_type* t = cif->arg_types[i];
        switch (t->type) {
        case FFI_TYPE_UINT8: (raw++)->uint = *static_cast<uint8_t*>(args[i]); break;
        case FFI_TYPE_SINT8: (raw++)->sint = *static_cast<int8_t*>(args[i]); break;
        case FFI_TYPE_UINT16: (raw++)->uint = *static_cast<uint16_t*>(args[i]); break;
        case FFI_TYPE_SINT16: (raw++)->sint = *static_cast<int16_t*>(args[i]); break;
        case FFI_TYPE_UINT32: (raw++)->uint = *static_cast<uint32_t*>(args[i]); break;
        case FFI_TYPE_SINT32: (raw++)->sint = *static_cast<int32_t*>(args[i]); break;
#if FFI_SIZEOF_ARG == 8
        case FFI_TYPE_UINT64: (raw++)->uint = *static_cast<uint64_t*>(args[i]); break;
        case FFI_TYPE_SINT64: (raw++)->sint = *static_cast<int64_t*>(args[i]); break;
#endif
        case FFI_TYPE_STRUCT:
        case FFI_TYPE_COMPLEX: (raw++)->ptr = args[i]; break;
        case FFI_TYPE_POINTER: (raw++)->ptr = *static_cast<void**>(args[i]); break;
        default:
            std::memcpy(raw->data, args[i], t->size);
            raw += ffi_align(t->size, FFI_SIZEOF_ARG) / FFI_SIZEOF_ARG;
        }
    }
}

void ffi_raw_call(ffi_cif* cif, void (*fn)(void), void* rvalue, ffi_raw* raw) {
    auto** avalue = static_cast<void**>(alloca((cif->nargs + 1) * sizeof(void*)));
    ffi_raw_to_ptrarray(cif, raw, avalue);
    ffi_call(cif, fn, rvalue, avalue);
}

// java_raw_api.c: Java's 64-bit values (long, double) take two words even
// where one would hold them; no structs.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
size_t ffi_java_raw_size(ffi_cif* cif) {
    size_t result = 0;
    for (unsigned i = 0; i < cif->nargs; ++i) {
        const ffi_type* t = cif->arg_types[i];
        switch (t->type) {
        case FFI_TYPE_UINT64:
        case FFI_TYPE_SINT64:
        case FFI_TYPE_DOUBLE: result += 2 * FFI_SIZEOF_JAVA_RAW; break;
        default: result += ffi_align(t->size, FFI_SIZEOF_JAVA_RAW);
        }
    }
    return result;
}

void ffi_java_raw_to_ptrarray(ffi_cif* cif, ffi_java_raw* raw, void** args) {
    for (unsigned i = 0; i < cif->nargs; ++i) {
        const ffi_type* t = cif->arg_types[i];
        switch (t->type) {
        case FFI_TYPE_UINT64:
        case FFI_TYPE_SINT64:
        case FFI_TYPE_DOUBLE:
            args[i] = raw;
            raw += 2;
            break;
        case FFI_TYPE_POINTER: args[i] = &(raw++)->ptr; break;
        default:
            args[i] = raw;
            raw += ffi_align(t->size, sizeof(ffi_java_raw)) / sizeof(ffi_java_raw);
        }
    }
}

void ffi_java_ptrarray_to_raw(ffi_cif* cif, void** args, ffi_java_raw* raw) {
    for (unsigned i = 0; i < cif->nargs; ++i) {
        const ffi_type* t = cif->arg_types[i];
        switch (t->type) {
        case FFI_TYPE_UINT8: (raw++)->uint = *static_cast<uint8_t*>(args[i]); break;
        case FFI_TYPE_SINT8: (raw++)->sint = *static_cast<int8_t*>(args[i]); break;
        case FFI_TYPE_UINT16: (raw++)->uint = *static_cast<uint16_t*>(args[i]); break;
        case FFI_TYPE_SINT16: (raw++)->sint = *static_cast<int16_t*>(args[i]); break;
        case FFI_TYPE_UINT32: (raw++)->uint = *static_cast<uint32_t*>(args[i]); break;
        case FFI_TYPE_SINT32: (raw++)->sint = *static_cast<int32_t*>(args[i]); break;
        case FFI_TYPE_FLOAT: (raw++)->flt = *static_cast<float*>(args[i]); break;
        case FFI_TYPE_UINT64:
        case FFI_TYPE_SINT64:
        case FFI_TYPE_DOUBLE:
            std::memcpy(raw->data, args[i], 8);
            raw += 2;
            break;
        case FFI_TYPE_POINTER: (raw++)->ptr = *static_cast<void**>(args[i]); break;
        default:
            std::memcpy(raw->data, args[i], t->size);
            raw += ffi_align(t->size, sizeof(ffi_java_raw)) / sizeof(ffi_java_raw);
        }
    }
}

#if !FFI_NATIVE_RAW_API
void ffi_java_raw_call(ffi_cif* cif, void (*fn)(void), void* rvalue, ffi_java_raw* raw) {
    auto** avalue = static_cast<void**>(alloca((cif->nargs + 1) * sizeof(void*)));
    ffi_java_raw_to_ptrarray(cif, raw, avalue);
    ffi_call(cif, fn, rvalue, avalue);
}
#endif
#pragma GCC diagnostic pop

} // extern "C"
