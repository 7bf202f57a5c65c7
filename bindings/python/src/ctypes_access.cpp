#include "ctypes_access.h"

#include <cstddef>
#include <cstring>

namespace ctabi::python {
namespace {

PyObject* g_cdata = nullptr;     // _ctypes._CData
PyObject* g_array = nullptr;     // ctypes.Array
PyObject* g_pointer = nullptr;   // ctypes._Pointer
PyObject* g_cfuncptr = nullptr;  // ctypes._CFuncPtr
PyObject* g_simple = nullptr;    // ctypes._SimpleCData
PyObject* g_arg_error = nullptr; // ctypes.ArgumentError

// CPython's CDataObject begins: PyObject_HEAD; char* b_ptr; int b_needsfree;
// CDataObject* b_base; Py_ssize_t b_size. Verified against the buffer
// protocol before use (see init_ctypes_access).
struct CDataHead {
    PyObject_HEAD char* b_ptr;
    int b_needsfree;
    PyObject* b_base;
    Py_ssize_t b_size;
};
bool g_direct = false;

// CPython's PyCArgObject (what byref() makes): PyObject_HEAD; ffi_type*
// pffi_type; char tag; union value (16-byte aligned: it holds a long
// double), whose `p` member is the address. Verified before use.
struct CArgHead {
    PyObject_HEAD void* pffi_type;
    char tag;
    alignas(16) union {
        void* p;
        long double d;
    } value;
};
PyTypeObject* g_carg_type = nullptr;

// A ctypes type's one-character `_type_` code, or 0.
char type_code_of(PyObject* type) {
    PyObject* code = PyObject_GetAttrString(type, "_type_");
    if (!code) return PyErr_Clear(), char(0);
    char c = 0;
    if (PyUnicode_Check(code) && PyUnicode_GET_LENGTH(code) == 1)
        c = char(PyUnicode_READ_CHAR(code, 0));
    Py_DECREF(code);
    return c;
}

bool type_code_is_pointer(PyObject* type) {
    const char c = type_code_of(type);
    return c == 'z' || c == 'Z' || c == 'P';
}

} // namespace

bool init_ctypes_access() {
    PyObject* ctypes = PyImport_ImportModule("ctypes");
    if (!ctypes) return false;
    g_array = PyObject_GetAttrString(ctypes, "Array");
    g_pointer = PyObject_GetAttrString(ctypes, "_Pointer");
    g_cfuncptr = PyObject_GetAttrString(ctypes, "_CFuncPtr");
    g_simple = PyObject_GetAttrString(ctypes, "_SimpleCData");
    g_arg_error = PyObject_GetAttrString(ctypes, "ArgumentError");
    Py_DECREF(ctypes);
    if (!g_array || !g_pointer || !g_cfuncptr || !g_simple || !g_arg_error) return false;
    // _CData: the common base, second in _SimpleCData's MRO.
    PyObject* mro = reinterpret_cast<PyTypeObject*>(g_simple)->tp_mro;
    if (!mro || PyTuple_GET_SIZE(mro) < 2) {
        PyErr_SetString(PyExc_ImportError, "ctabi: unexpected ctypes class hierarchy");
        return false;
    }
    g_cdata = Py_NewRef(PyTuple_GET_ITEM(mro, 1));

    // Does the direct read agree with the buffer protocol? Try an array.
    PyObject* c_char = nullptr;
    if (PyObject* m = PyImport_ImportModule("ctypes")) {
        c_char = PyObject_GetAttrString(m, "c_char");
        Py_DECREF(m);
    }
    if (!c_char) return false;
    PyObject* n = PyLong_FromLong(37);
    PyObject* array_type = PyNumber_Multiply(c_char, n);
    Py_DECREF(n);
    Py_DECREF(c_char);
    if (!array_type) return false;
    PyObject* probe = PyObject_CallNoArgs(array_type);
    Py_DECREF(array_type);
    if (!probe) return false;
    Py_buffer view;
    if (PyObject_GetBuffer(probe, &view, PyBUF_SIMPLE) == 0) {
        auto* head = reinterpret_cast<CDataHead*>(probe);
        g_direct = head->b_ptr == view.buf && head->b_size == view.len && view.len == 37;
        PyBuffer_Release(&view);
    } else {
        PyErr_Clear();
    }
    Py_DECREF(probe);

    // byref(x, 4) must read back as x's address + 4 with tag 'P'.
    PyObject* m = PyImport_ImportModule("ctypes");
    if (!m) return false;
    PyObject* x = PyObject_CallMethod(m, "c_int64", nullptr);
    PyObject* ref = x ? PyObject_CallMethod(m, "byref", "Oi", x, 4) : nullptr;
    Py_DECREF(m);
    if (!ref) {
        Py_XDECREF(x);
        return false;
    }
    auto* head = reinterpret_cast<CArgHead*>(ref);
    if (std::strcmp(Py_TYPE(ref)->tp_name, "CArgObject") == 0 && head->tag == 'P' &&
        head->value.p == static_cast<char*>(cdata_ptr(x)) + 4)
        g_carg_type = Py_TYPE(ref);
    Py_DECREF(ref);
    Py_DECREF(x);
    return true;
}

bool carg_pointer(PyObject* obj, void** out) {
    if (!g_carg_type || Py_TYPE(obj) != g_carg_type) return false;
    auto* head = reinterpret_cast<CArgHead*>(obj);
    if (head->tag != 'P') return false;
    *out = head->value.p;
    return true;
}

bool ctypes_is_carg(PyObject* obj) {
    return g_carg_type && Py_TYPE(obj) == g_carg_type;
}

bool ctypes_is_cdata(PyObject* obj) {
    return PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_cdata));
}

void* cdata_ptr(PyObject* obj) {
    if (g_direct) return reinterpret_cast<CDataHead*>(obj)->b_ptr;
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) != 0) {
        PyErr_Clear();
        return nullptr;
    }
    void* p = view.buf; // owned by obj, which the caller holds
    PyBuffer_Release(&view);
    return p;
}

Py_ssize_t cdata_size(PyObject* obj) {
    if (g_direct) return reinterpret_cast<CDataHead*>(obj)->b_size;
    Py_buffer view;
    if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) != 0) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t n = view.len;
    PyBuffer_Release(&view);
    return n;
}

bool ctypes_is_array(PyObject* obj) {
    return PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_array));
}

bool ctypes_is_array_of(PyObject* obj, PyObject* item) {
    if (!item || !ctypes_is_array(obj)) return false;
    PyObject* t = PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(obj)), "_type_");
    if (!t) {
        PyErr_Clear();
        return false;
    }
    bool same = t == item;
    Py_DECREF(t);
    return same;
}

bool ctypes_holds_pointer(PyObject* obj) {
    if (PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_pointer)) ||
        PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_cfuncptr)))
        return true;
    return PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_simple)) &&
           type_code_is_pointer(reinterpret_cast<PyObject*>(Py_TYPE(obj)));
}

char ctypes_item_code(PyObject* obj) {
    if (!ctypes_is_array(obj) &&
        !PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_pointer)))
        return 0;
    PyObject* item = PyObject_GetAttrString(reinterpret_cast<PyObject*>(Py_TYPE(obj)), "_type_");
    if (!item) return PyErr_Clear(), char(0);
    const char c = type_code_of(item);
    Py_DECREF(item);
    return c;
}

char ctypes_simple_code(PyObject* obj) {
    if (!PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(g_simple))) return 0;
    return type_code_of(reinterpret_cast<PyObject*>(Py_TYPE(obj)));
}

PyObject* ctypes_argument_error() {
    return g_arg_error;
}

PyObject* ctypes_cfuncptr_type() {
    return g_cfuncptr;
}

} // namespace ctabi::python
