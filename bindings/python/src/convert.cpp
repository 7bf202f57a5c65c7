#include "convert.h"

#include <cstring>
#include <cwchar>

#include "ctypes_access.h"

namespace ctabi::python {

bool parse_arg_kind(const std::string& name, ArgKind* out) {
    static const std::pair<const char*, ArgKind> table[] = {
        {"int", ArgKind::integer},       {"bool", ArgKind::boolean},
        {"float", ArgKind::floating},    {"char", ArgKind::character},
        {"wchar", ArgKind::wchar},       {"charp", ArgKind::charp},
        {"wcharp", ArgKind::wcharp},     {"voidp", ArgKind::voidp},
        {"pointer", ArgKind::pointer},   {"funcptr", ArgKind::funcptr},
        {"array", ArgKind::array},       {"aggregate", ArgKind::aggregate},
        {"pyobject", ArgKind::pyobject}, {"custom", ArgKind::custom},
    };
    for (const auto& [n, k] : table)
        if (name == n) return *out = k, true;
    return false;
}

bool parse_result_kind(const std::string& name, ResultKind* out) {
    static const std::pair<const char*, ResultKind> table[] = {
        {"void", ResultKind::none},         {"int", ResultKind::integer},
        {"bool", ResultKind::boolean},      {"float", ResultKind::floating},
        {"char", ResultKind::character},    {"wchar", ResultKind::wchar},
        {"charp", ResultKind::charp},       {"wcharp", ResultKind::wcharp},
        {"voidp", ResultKind::voidp},       {"pyobject", ResultKind::pyobject},
        {"instance", ResultKind::instance}, {"callable", ResultKind::callable},
        {"swapped", ResultKind::swapped},
    };
    for (const auto& [n, k] : table)
        if (name == n) return *out = k, true;
    return false;
}

CallScratch::~CallScratch() {
    for (wchar_t* w : wide)
        PyMem_Free(w);
    for (PyObject* r : refs)
        Py_DECREF(r);
}

namespace {

void store_pointer(void* out, const void* p) {
    std::memcpy(out, &p, sizeof p);
}

// A pointer held by a ctypes instance whose value is one (c_void_p,
// c_char_p, c_wchar_p, POINTER(T), CFUNCTYPE): its first bytes.
bool pointer_held_by(PyObject* value, void* out) {
    if (!ctypes_holds_pointer(value)) return false;
    void* held = nullptr;
    std::memcpy(&held, cdata_ptr(value), sizeof held);
    store_pointer(out, held);
    return true;
}

// An instance of the argument's own ctypes type (or a subclass): its bytes,
// as ctypes' from_param takes it.
bool same_ctype_instance(const ArgSpec& spec, PyObject* value, void* out) {
    if (!spec.ctype || !PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype)) ||
        cdata_size(value) < Py_ssize_t(spec.type.size))
        return false;
    std::memcpy(out, cdata_ptr(value), spec.type.size);
    return true;
}

// ctypes' setfunc of the integer types: floats are refused; ints and
// objects with __index__ are masked to the width (no overflow error).
Converted masked_integer(const ArgSpec& spec, PyObject* value, void* out) {
    if (!PyLong_Check(value) && (PyFloat_Check(value) || !PyIndex_Check(value)))
        return Converted::not_here;
    unsigned long long v = PyLong_AsUnsignedLongLongMask(value);
    if (v == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
        PyErr_Clear();
        return Converted::not_here;
    }
    std::memcpy(out, &v, spec.type.size); // little-endian: the low bytes
    return Converted::ok;
}

// from_param of the integer types: an instance of the type, or the setfunc.
Converted integer(const ArgSpec& spec, PyObject* value, void* out) {
    if (!PyLong_Check(value) && same_ctype_instance(spec, value, out)) return Converted::ok;
    return masked_integer(spec, value, out);
}

// ctypes' setfunc of the floating types: PyFloat_AsDouble, so floats, ints
// and objects with __float__ or __index__.
Converted float_value(const ArgSpec& spec, PyObject* value, void* out) {
    const abi::Type& t = spec.type;
    double d;
    if (PyFloat_CheckExact(value)) {
        d = PyFloat_AS_DOUBLE(value);
    } else if (PyFloat_Check(value) || PyLong_Check(value) ||
               (Py_TYPE(value)->tp_as_number && (Py_TYPE(value)->tp_as_number->nb_float ||
                                                 Py_TYPE(value)->tp_as_number->nb_index))) {
        d = PyFloat_AsDouble(value);
        if (d == -1.0 && PyErr_Occurred()) {
            PyErr_Clear();
            return Converted::not_here;
        }
    } else {
        return Converted::not_here;
    }
    if (t.kind == abi::Kind::F32) {
        float f = float(d);
        std::memcpy(out, &f, 4);
    } else if (t.kind == abi::Kind::F80) {
        long double x = d;
        std::memcpy(out, &x, sizeof x < t.size ? sizeof x : t.size);
    } else {
        std::memcpy(out, &d, 8);
    }
    return Converted::ok;
}

// from_param of the floating types: an instance of the type, or the setfunc.
Converted floating(const ArgSpec& spec, PyObject* value, void* out) {
    if (!PyFloat_CheckExact(value) && same_ctype_instance(spec, value, out)) return Converted::ok;
    return float_value(spec, value, out);
}

// An int as ctypes' pointer setfuncs take it: masked to a pointer.
void masked_address(PyObject* value, void* out) {
    const auto v = static_cast<uintptr_t>(PyLong_AsUnsignedLongLongMask(value));
    store_pointer(out, reinterpret_cast<const void*>(v));
}

Converted wide_string(PyObject* value, void* out, CallScratch& scratch) {
    wchar_t* w = PyUnicode_AsWideCharString(value, nullptr);
    if (!w) return Converted::error;
    scratch.wide.push_back(w);
    store_pointer(out, w);
    return Converted::ok;
}

// c_char_p / c_wchar_p from ctypes objects, as their from_param takes
// them: an instance of the type, an array of or pointer to the character
// type, a byref().
Converted string_object(const ArgSpec& spec, PyObject* value, void* out, char item) {
    if (spec.ctype && PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype))) {
        std::memcpy(out, cdata_ptr(value), sizeof(void*));
        return Converted::ok;
    }
    if (char code = ctypes_item_code(value); code == item) {
        if (ctypes_is_array(value)) return store_pointer(out, cdata_ptr(value)), Converted::ok;
        std::memcpy(out, cdata_ptr(value), sizeof(void*));
        return Converted::ok;
    }
    // A c_char_p (c_wchar_p) instance where the argtype is POINTER(c_char)
    // (POINTER(c_wchar)), whose from_param is c_char_p's (c_wchar_p's).
    if (ctypes_simple_code(value) == (item == 'c' ? 'z' : 'Z')) {
        std::memcpy(out, cdata_ptr(value), sizeof(void*));
        return Converted::ok;
    }
    return Converted::not_here;
}

// A byref() of an instance of `item` (ctypes checks the referenced type).
bool byref_of(PyObject* value, PyObject* item, void* out) {
    void* p;
    if (!item || !PyType_Check(item) || !carg_pointer(value, &p)) return false;
    PyObject* target = PyObject_GetAttrString(value, "_obj");
    if (!target) return PyErr_Clear(), false;
    const bool same = PyObject_TypeCheck(target, reinterpret_cast<PyTypeObject*>(item));
    Py_DECREF(target);
    if (same) store_pointer(out, p);
    return same;
}

} // namespace

Converted convert_callback_result(const ArgSpec& spec, PyObject* value, void* out,
                                  CallScratch& scratch) {
    switch (spec.kind) {
    case ArgKind::integer: return masked_integer(spec, value, out);
    case ArgKind::floating: return float_value(spec, value, out);
    case ArgKind::charp:
        // z_set: None, bytes (the C caller gets its buffer) or an address.
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyBytes_Check(value))
            return store_pointer(out, PyBytes_AS_STRING(value)), Converted::ok;
        if (PyLong_Check(value)) return masked_address(value, out), Converted::ok;
        return Converted::not_here;
    case ArgKind::wcharp:
        // Z_set: None, str (a wide copy) or an address.
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyUnicode_Check(value)) return wide_string(value, out, scratch);
        if (PyLong_Check(value)) return masked_address(value, out), Converted::ok;
        return Converted::not_here;
    case ArgKind::voidp:
        // P_set: None or an int.
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyLong_Check(value)) return masked_address(value, out), Converted::ok;
        return Converted::not_here;
    case ArgKind::pyobject:
        // O_set: the C caller gets a new reference (ctypes keeps it for
        // good); the callback's own reference goes when it returns.
        Py_INCREF(value);
        return store_pointer(out, value), Converted::ok;
    // bool (PyObject_IsTrue), char and wchar convert as their from_param
    // does; the rest are ctabi's (ctypes takes no structure,
    // union, pointer or function pointer as a callback's restype).
    default: return convert_argument(spec, value, out, scratch);
    }
}

Converted convert_pointer_parameter(const ArgSpec& spec, PyObject* value, void* out) {
    if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype))) {
        std::memcpy(out, cdata_ptr(value), sizeof(void*));
        return Converted::ok;
    }
    return byref_of(value, spec.item_type, out) ? Converted::ok : Converted::not_here;
}

Converted convert_argument(const ArgSpec& spec, PyObject* value, void* out, CallScratch& scratch) {
    switch (spec.kind) {
    case ArgKind::integer: return integer(spec, value, out);
    case ArgKind::floating: return floating(spec, value, out);
    case ArgKind::boolean: {
        int truth = PyObject_IsTrue(value);
        if (truth < 0) return Converted::error;
        *static_cast<uint8_t*>(out) = uint8_t(truth);
        return Converted::ok;
    }
    case ArgKind::character:
        // c_set: one byte of bytes or bytearray, or an int in 0..255.
        if (PyBytes_Check(value) && PyBytes_GET_SIZE(value) == 1) {
            *static_cast<char*>(out) = PyBytes_AS_STRING(value)[0];
            return Converted::ok;
        }
        if (PyByteArray_Check(value) && PyByteArray_GET_SIZE(value) == 1) {
            *static_cast<char*>(out) = PyByteArray_AS_STRING(value)[0];
            return Converted::ok;
        }
        if (PyLong_Check(value)) {
            long v = PyLong_AsLong(value);
            if (v >= 0 && v < 256) return *static_cast<char*>(out) = char(v), Converted::ok;
            PyErr_Clear();
        }
        return Converted::not_here;
    case ArgKind::wchar:
        if (PyUnicode_Check(value) && PyUnicode_GET_LENGTH(value) == 1) {
            Py_UCS4 c = PyUnicode_READ_CHAR(value, 0);
            std::memcpy(out, &c, spec.type.size < 4 ? spec.type.size : 4);
            return Converted::ok;
        }
        return Converted::not_here;
    case ArgKind::charp:
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyBytes_Check(value))
            return store_pointer(out, PyBytes_AS_STRING(value)), Converted::ok;
        return string_object(spec, value, out, 'c');
    case ArgKind::wcharp:
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyUnicode_Check(value)) return wide_string(value, out, scratch);
        return string_object(spec, value, out, 'u');
    case ArgKind::voidp:
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyLong_Check(value)) {
            void* p = PyLong_AsVoidPtr(value);
            if (p == nullptr && PyErr_Occurred()) {
                PyErr_Clear();
                return Converted::not_here;
            }
            return store_pointer(out, p), Converted::ok;
        }
        if (PyBytes_Check(value))
            return store_pointer(out, PyBytes_AS_STRING(value)), Converted::ok;
        if (PyUnicode_Check(value)) return wide_string(value, out, scratch);
        if (ctypes_is_array(value)) return store_pointer(out, cdata_ptr(value)), Converted::ok;
        if (pointer_held_by(value, out)) return Converted::ok;
        if (void* p; carg_pointer(value, &p)) return store_pointer(out, p), Converted::ok;
        return Converted::not_here;
    case ArgKind::pointer:
        if (value == Py_None) return store_pointer(out, nullptr), Converted::ok;
        if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype))) {
            std::memcpy(out, cdata_ptr(value), sizeof(void*));
            return Converted::ok;
        }
        if (ctypes_is_array_of(value, spec.item_type))
            return store_pointer(out, cdata_ptr(value)), Converted::ok;
        // ctypes passes an instance of the pointed-to type by reference.
        if (spec.auto_byref && spec.item_type && PyType_Check(spec.item_type) &&
            PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.item_type)))
            return store_pointer(out, cdata_ptr(value)), Converted::ok;
        if (byref_of(value, spec.item_type, out)) return Converted::ok;
        return Converted::not_here;
    case ArgKind::funcptr:
        if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype))) {
            std::memcpy(out, cdata_ptr(value), sizeof(void*));
            return Converted::ok;
        }
        return Converted::not_here;
    case ArgKind::array:
        if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype)))
            return store_pointer(out, cdata_ptr(value)), Converted::ok;
        return Converted::not_here;
    case ArgKind::aggregate:
        if (PyObject_TypeCheck(value, reinterpret_cast<PyTypeObject*>(spec.ctype)) &&
            cdata_size(value) >= Py_ssize_t(spec.type.size)) {
            std::memcpy(out, cdata_ptr(value), spec.type.size);
            return Converted::ok;
        }
        return Converted::not_here;
    case ArgKind::pyobject: return store_pointer(out, value), Converted::ok;
    case ArgKind::custom: return Converted::not_here; // see Thunk: from_param first
    }
    return Converted::not_here;
}

PyObject* convert_result(ResultKind kind, const abi::Type& t, PyObject* restype,
                         const void* bytes) {
    auto read_pointer = [&] {
        void* p;
        std::memcpy(&p, bytes, sizeof p);
        return p;
    };
    switch (kind) {
    case ResultKind::none: Py_RETURN_NONE;
    case ResultKind::integer: {
        uint64_t u = 0;
        std::memcpy(&u, bytes, t.size);
        if (t.is_signed()) {
            const unsigned shift = unsigned(64 - 8 * t.size);
            return PyLong_FromLongLong(static_cast<long long>(u << shift) >> shift);
        }
        return PyLong_FromUnsignedLongLong(u);
    }
    case ResultKind::boolean: return PyBool_FromLong(*static_cast<const uint8_t*>(bytes) != 0);
    case ResultKind::floating:
        if (t.kind == abi::Kind::F32) {
            float f;
            std::memcpy(&f, bytes, 4);
            return PyFloat_FromDouble(f);
        }
        if (t.kind == abi::Kind::F80) {
            long double x;
            std::memcpy(&x, bytes, sizeof x);
            return PyFloat_FromDouble(double(x));
        }
        {
            double d;
            std::memcpy(&d, bytes, 8);
            return PyFloat_FromDouble(d);
        }
    case ResultKind::character:
        return PyBytes_FromStringAndSize(static_cast<const char*>(bytes), 1);
    case ResultKind::wchar: {
        wchar_t w = 0;
        std::memcpy(&w, bytes, t.size < sizeof w ? t.size : sizeof w);
        return PyUnicode_FromWideChar(&w, 1);
    }
    case ResultKind::charp: {
        auto* p = static_cast<const char*>(read_pointer());
        if (!p) Py_RETURN_NONE;
        return PyBytes_FromString(p);
    }
    case ResultKind::wcharp: {
        auto* p = static_cast<const wchar_t*>(read_pointer());
        if (!p) Py_RETURN_NONE;
        return PyUnicode_FromWideChar(p, Py_ssize_t(std::wcslen(p)));
    }
    case ResultKind::voidp: {
        void* p = read_pointer();
        if (!p) Py_RETURN_NONE;
        return PyLong_FromVoidPtr(p);
    }
    case ResultKind::pyobject: {
        auto* o = static_cast<PyObject*>(read_pointer());
        if (!o) {
            PyErr_SetString(PyExc_ValueError, "PyObject is NULL");
            return nullptr;
        }
        return Py_NewRef(o);
    }
    case ResultKind::instance:
    case ResultKind::swapped: {
        PyObject* obj = PyObject_CallNoArgs(restype);
        if (!obj) return nullptr;
        if (cdata_size(obj) < Py_ssize_t(t.size)) {
            Py_DECREF(obj);
            PyErr_SetString(PyExc_SystemError, "ctabi: restype instance smaller than its C type");
            return nullptr;
        }
        std::memcpy(cdata_ptr(obj), bytes, t.size);
        if (kind == ResultKind::instance) return obj;
        // ctypes reads a swapped type's result with the type's own getfunc,
        // which reverses the bytes: its `value` does the same.
        PyObject* value = PyObject_GetAttrString(obj, "value");
        Py_DECREF(obj);
        return value;
    }
    case ResultKind::callable: {
        int32_t v;
        std::memcpy(&v, bytes, 4);
        PyObject* i = PyLong_FromLong(v);
        if (!i) return nullptr;
        PyObject* r = PyObject_CallOneArg(restype, i);
        Py_DECREF(i);
        return r;
    }
    }
    Py_RETURN_NONE;
}

void* ctypes_buffer(PyObject* obj, size_t size) {
    if (!ctypes_is_cdata(obj) || cdata_size(obj) < Py_ssize_t(size)) return nullptr;
    return cdata_ptr(obj);
}

} // namespace ctabi::python
