// Reading ctypes instances from C++. A ctypes instance (CDataObject in
// CPython's _ctypes) starts, after the object header, with a pointer to its
// bytes and later holds their count; the buffer protocol exposes the same
// two. init_ctypes_access() finds out, on this interpreter, whether the
// direct read agrees with the buffer protocol, and uses it only then.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

namespace ctabi::python {

// Imports ctypes, keeps its base classes, checks the instance layout.
// False with a Python error set on failure.
bool init_ctypes_access();

bool ctypes_is_cdata(PyObject* obj);
// The instance's bytes and their count (obj must be a ctypes instance).
void* cdata_ptr(PyObject* obj);
Py_ssize_t cdata_size(PyObject* obj);

// A ctypes array instance; one whose element type is `item`.
bool ctypes_is_array(PyObject* obj);
bool ctypes_is_array_of(PyObject* obj, PyObject* item);
// An instance whose value is a pointer: POINTER(T), a CFUNCTYPE, c_void_p,
// c_char_p, c_wchar_p.
bool ctypes_holds_pointer(PyObject* obj);

// The address a byref() object (CArgObject) carries, when the layout check
// at init passed; false otherwise.
bool carg_pointer(PyObject* obj, void** out);
// Whether obj is a ctypes argument object (byref(), a from_param result).
bool ctypes_is_carg(PyObject* obj);

// The simple type code ('c', 'u', ...) of the elements of a ctypes array or
// pointer instance, or 0.
char ctypes_item_code(PyObject* obj);
// The simple type code of a ctypes simple instance ('z' for c_char_p), or 0.
char ctypes_simple_code(PyObject* obj);

// ctypes.ArgumentError.
PyObject* ctypes_argument_error();
// The ctypes function type base (_ctypes.CFuncPtr).
PyObject* ctypes_cfuncptr_type();

} // namespace ctabi::python
