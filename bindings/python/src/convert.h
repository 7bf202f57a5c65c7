// Conversions between Python objects and C values, with ctypes' semantics
// for the values ctypes' own conversions accept on their fast paths (ints,
// floats, bytes, str, None, ctypes instances of the expected type). A value
// outside that set is "not converted here": the caller then lets ctypes
// convert it (or, where ctypes would be wrong, reports the error itself).
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstdint>
#include <string>
#include <vector>

#include "ctabi/abi/type.h"

namespace ctabi::python {

enum class ArgKind : uint8_t {
    integer,   // c_byte ... c_ulonglong: int (masked to the width, as ctypes)
    boolean,   // c_bool: any object's truth
    floating,  // c_float, c_double, c_longdouble: float or int
    character, // c_char: bytes/bytearray of length 1, or int
    wchar,     // c_wchar: str of length 1
    charp,     // c_char_p: None, bytes, int
    wcharp,    // c_wchar_p: None, str, int
    voidp,     // c_void_p: None, int, bytes, str, ctypes pointers and arrays
    pointer,   // POINTER(T): None, POINTER(T) instance, array of T
    funcptr,   // CFUNCTYPE: None, an instance of the type
    array,     // an array type in argtypes: an instance, passed as a pointer
    aggregate, // Structure/Union by value: an instance of the type
    pyobject,  // py_object: the object itself
    custom,    // a ctypes type with its own from_param: converted by it first
};

enum class ResultKind : uint8_t {
    none,      // restype None
    integer,   // int
    boolean,   // bool
    floating,  // float
    character, // bytes of length 1
    wchar,     // str of length 1
    charp,     // bytes or None
    wcharp,    // str or None
    voidp,     // int or None
    pyobject,  // the object (a NULL result raises ValueError, as ctypes)
    instance,  // an instance of restype holding the bytes (structures,
               // pointers, subclasses of simple types)
    callable,  // restype(int result) (ctypes' deprecated callable restype)
    swapped,   // an instance of restype holding the bytes, then its value (a
               // simple type of the other byte order: c_int.__ctype_be__)
};

bool parse_arg_kind(const std::string& name, ArgKind* out);
bool parse_result_kind(const std::string& name, ResultKind* out);

// One argument's conversion: its kind, C type and the ctypes type named in
// argtypes (a new reference).
struct ArgSpec {
    ArgKind kind;
    abi::Type type;
    PyObject* ctype = nullptr;
    // Pointer: the pointee type (for arrays of it); array: the element type.
    PyObject* item_type = nullptr;
    // Pointer: an instance of the pointee is passed by reference (ctypes
    // does so except for POINTER(c_char) and POINTER(c_wchar), whose
    // from_param is c_char_p's and c_wchar_p's).
    bool auto_byref = true;
};

// What one call has to release afterwards: wide strings made for c_wchar_p.
struct CallScratch {
    std::vector<wchar_t*> wide;
    std::vector<PyObject*> refs; // objects a conversion made (from_param results)
    ~CallScratch();
};

enum class Converted { ok, not_here, error };

// Writes `value` as the C value of `spec` at `out` (the type's size).
// not_here: nothing was written and no Python error is set. error: a Python
// error is set (from_param raised, for instance).
Converted convert_argument(const ArgSpec& spec, PyObject* value, void* out, CallScratch& scratch);

// A callback's result, as ctypes converts it for a simple restype: with the
// type's setfunc alone (cfield.c), not its from_param, so no instances of
// ctypes types and no _as_parameter_; an int for a pointer type is masked
// to an address. Other restypes (ctabi's beyond ctypes) convert as
// arguments do.
Converted convert_callback_result(const ArgSpec& spec, PyObject* value, void* out,
                                  CallScratch& scratch);

// What ctypes takes from the `_as_parameter_` of a value for a POINTER(T)
// argument (CDataType_from_param, not the pointer type's own from_param):
// an instance of the pointer type or a byref() of a T; not None, an array
// or a T to pass by reference. not_here for anything else.
Converted convert_pointer_parameter(const ArgSpec& spec, PyObject* value, void* out);

// The Python object for a C result of `type` at `bytes`.
PyObject* convert_result(ResultKind kind, const abi::Type& type, PyObject* restype,
                         const void* bytes);

// The bytes of a ctypes instance (its buffer), or nullptr if `obj` is not
// an instance of exactly the size expected.
void* ctypes_buffer(PyObject* obj, size_t size);

} // namespace ctabi::python
