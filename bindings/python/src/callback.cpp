#include "callback.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "ctabi/abi/parse.h"

namespace ctabi::python {

std::unique_ptr<PyCallback> PyCallback::make(const PyCallbackSpec& spec, std::string* error) {
    auto sig = abi::parse_signature(spec.signature);
    if (!sig) return *error = sig.error().message, nullptr;
    auto cb = std::unique_ptr<PyCallback>(new PyCallback);
    const Py_ssize_t n = PyTuple_GET_SIZE(spec.argtypes);
    if (size_t(n) != sig->args.size() || spec.arg_kinds.size() != sig->args.size())
        return *error = "argtypes and signature disagree (internal error)", nullptr;
    for (Py_ssize_t i = 0; i < n; ++i) {
        ResultKind k;
        if (!parse_result_kind(spec.arg_kinds[size_t(i)], &k))
            return *error = "unknown conversion " + spec.arg_kinds[size_t(i)], nullptr;
        cb->arg_kinds_.push_back(k);
        cb->arg_types_.push_back(sig->args[size_t(i)]);
        cb->arg_ctypes_.push_back(Py_NewRef(PyTuple_GET_ITEM(spec.argtypes, i)));
    }
    cb->void_result_ = spec.result_kind == "void";
    cb->swap_result_ = spec.swap_result;
    if (!cb->void_result_) {
        if (!parse_arg_kind(spec.result_kind, &cb->result_.kind))
            return *error = "unknown result conversion " + spec.result_kind, nullptr;
        cb->result_.type = sig->result;
        cb->result_.ctype = Py_NewRef(spec.restype);
        if (cb->result_.kind == ArgKind::pointer) {
            cb->result_.item_type = PyObject_GetAttrString(spec.restype, "_type_");
            if (!cb->result_.item_type) {
                PyErr_Clear();
                return *error = "restype has no _type_", nullptr;
            }
        }
    }
    // Borrowed: the Python object returned by ctabi.callback holds pyfunc
    // (where the garbage collector sees it) and this callback's owner.
    cb->pyfunc_ = spec.pyfunc;
    if (spec.use_errno) {
        PyObject* ctypes = PyImport_ImportModule("ctypes");
        cb->set_errno_ = ctypes ? PyObject_GetAttrString(ctypes, "set_errno") : nullptr;
        Py_XDECREF(ctypes);
        if (!cb->set_errno_) {
            PyErr_Clear();
            return *error = "ctypes.set_errno is missing", nullptr;
        }
    }
    cb->signature_ = sig->to_string();
    auto made = make_callback(*sig, &PyCallback::handle, cb.get());
    if (!made) return *error = made.error().message, nullptr;
    cb->callback_ = std::move(*made);
    return cb;
}

PyCallback::~PyCallback() {
    callback_.reset(); // no call can start after this
    for (PyObject* t : arg_ctypes_)
        Py_DECREF(t);
    Py_XDECREF(result_.ctype);
    Py_XDECREF(result_.item_type);
    Py_XDECREF(set_errno_);
}

// ctypes' _CallPythonObject for a use_errno callback: errno and ctypes'
// private copy of it trade places before and after the Python function
// runs, so that it reads its C caller's errno with ctypes.get_errno() and
// sets the errno its caller sees afterwards with ctypes.set_errno().
// (set_errno returns the private copy it replaced.)
void PyCallback::swap_errno() const {
    const int c_errno = errno;
    PyObject* old = PyObject_CallFunction(set_errno_, "i", c_errno);
    long private_errno = old ? PyLong_AsLong(old) : -1;
    Py_XDECREF(old);
    if (PyErr_Occurred()) {
        PyErr_WriteUnraisable(pyfunc_);
        private_errno = c_errno;
    }
    errno = int(private_errno);
}

void PyCallback::handle(void* self, void* result, void* const* args) {
    auto& cb = *static_cast<PyCallback*>(self);
    PyGILState_STATE gil = PyGILState_Ensure();
    const size_t n = cb.arg_kinds_.size();
    // The arguments as Python objects, on the stack when few (vectorcall).
    PyObject* small[8];
    std::vector<PyObject*> many;
    PyObject** call_args = small;
    if (n > 8) {
        many.resize(n);
        call_args = many.data();
    }
    size_t made = 0;
    for (; made < n; ++made) {
        call_args[made] = convert_result(cb.arg_kinds_[made], cb.arg_types_[made],
                                         cb.arg_ctypes_[made], args[made]);
        if (!call_args[made]) break;
    }
    // As ctypes: no call, and no errno trade, when an argument failed.
    const bool call = made == n;
    if (call && cb.set_errno_) cb.swap_errno();
    PyObject* r = call ? PyObject_Vectorcall(cb.pyfunc_, call_args, n, nullptr) : nullptr;
    if (call && cb.set_errno_) {
        // Before the result is converted, as ctypes; an exception of the
        // call waits meanwhile.
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        cb.swap_errno();
        PyErr_Restore(type, value, traceback);
    }
    for (size_t i = 0; i < made; ++i)
        Py_DECREF(call_args[i]);
    bool written = cb.void_result_;
    if (r && !cb.void_result_) {
        CallScratch scratch;
        PyObject* converted_from = r; // the object whose value the C caller gets
        Converted c = convert_callback_result(cb.result_, r, result, scratch);
        PyObject* param = nullptr;
        // ctypes' setfunc of a simple restype takes no _as_parameter_; the
        // restypes ctabi adds (structures, unions, pointers) take it as
        // arguments do.
        const ArgKind k = cb.result_.kind;
        const bool takes_parameter = k == ArgKind::aggregate || k == ArgKind::pointer ||
                                     k == ArgKind::funcptr || k == ArgKind::array;
        if (c == Converted::not_here && takes_parameter) {
            param = PyObject_GetAttrString(r, "_as_parameter_");
            if (param) {
                c = convert_argument(cb.result_, param, result, scratch);
                converted_from = param;
            } else {
                PyErr_Clear();
            }
        }
        if (c == Converted::ok) {
            written = true;
            if (cb.swap_result_) {
                auto* b = static_cast<unsigned char*>(result);
                std::reverse(b, b + cb.result_.type.size);
            }
            // A pointer result that points into an object the callback made
            // (bytes, a str made wide, a ctypes instance or array and what
            // it references) would dangle once that object goes: as ctypes
            // does for bytes, keep it forever and say so. None and int
            // addresses are the callback's own business.
            const ArgKind k = cb.result_.kind;
            const bool pointer_like = k == ArgKind::charp || k == ArgKind::wcharp ||
                                      k == ArgKind::voidp || k == ArgKind::pointer ||
                                      k == ArgKind::funcptr;
            if (pointer_like && converted_from != Py_None && !PyLong_Check(converted_from)) {
                Py_INCREF(converted_from);
                scratch.wide.clear(); // owned by the C caller now
                if (PyErr_WarnEx(PyExc_RuntimeWarning, "memory leak in callback function.", 1) < 0)
                    PyErr_WriteUnraisable(cb.pyfunc_);
            }
        } else if (c != Converted::error) {
            PyErr_Format(PyExc_TypeError,
                         "the callback returned %s, which cannot be converted to its restype %s",
                         Py_TYPE(r)->tp_name,
                         reinterpret_cast<PyTypeObject*>(cb.result_.ctype)->tp_name);
        }
        Py_XDECREF(param);
    }
    if (!r || !written) {
        // As ctypes: the exception goes to sys.unraisablehook, the caller
        // gets a zero result.
        PyErr_WriteUnraisable(cb.pyfunc_);
        if (!cb.void_result_) std::memset(result, 0, cb.result_.type.size);
    }
    Py_XDECREF(r);
    PyGILState_Release(gil);
}

} // namespace ctabi::python
