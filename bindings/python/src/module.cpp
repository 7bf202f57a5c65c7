// The _ctabi extension: the Thunk type (a raw CPython type with a
// vectorcall slot: the call path) and the builders the ctabi package calls
// (pybind11: not on the call path).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "callback.h"
#include "ctabi/ctabi.h"
#include "ctypes_access.h"
#include "disassembly.h"
#include "thunk.h"

namespace py = pybind11;
using namespace ctabi::python;

namespace {

PyObject* g_thunk_type = nullptr;

py::object make_thunk(const std::string& signature, uintptr_t address, py::tuple argtypes,
                      std::vector<std::string> kinds, py::object restype,
                      const std::string& result_kind, py::object cfunc, py::object errcheck,
                      py::object check_retval, bool release_gil, bool use_errno, bool python_api,
                      bool ctypes_fallback, bool always_ctypes, const std::string& name) {
    ThunkSpec spec;
    spec.signature = signature;
    spec.address = reinterpret_cast<const void*>(address);
    spec.argtypes = argtypes.ptr();
    spec.kinds = std::move(kinds);
    spec.restype = restype.ptr();
    spec.result_kind = result_kind;
    spec.cfunc = cfunc.ptr();
    spec.errcheck = errcheck.ptr();
    spec.check_retval = check_retval.ptr();
    spec.release_gil = release_gil;
    spec.use_errno = use_errno;
    spec.python_api = python_api;
    spec.ctypes_fallback = ctypes_fallback;
    spec.always_ctypes = always_ctypes;
    spec.name = name;
    PyObject* t = new_thunk(g_thunk_type, spec);
    if (!t) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(t);
}

class CallbackOwner {
public:
    explicit CallbackOwner(std::unique_ptr<PyCallback> cb) : cb_(std::move(cb)) {}
    uintptr_t address() const { return cb_ ? reinterpret_cast<uintptr_t>(cb_->address()) : 0; }
    std::string signature() const { return cb_ ? cb_->signature() : std::string(); }
    // The callback's stub and the trampoline body it jumps to, disassembled.
    std::string disassemble() const {
#ifdef CTABI_HAVE_DISASM
        if (!cb_) throw py::value_error("the callback is gone");
        const ctabi::Callback& c = cb_->callback();
        std::string out = "ctabi callback: " + cb_->signature() + "\n\n";
        // A stub is 16 bytes: it points r10 (eax) at its slot and jumps to the body.
        auto stub = listing("stub (the callback's address)", c.address(), 16);
        if (!stub) throw std::runtime_error(stub.error().message);
        auto body = listing(c.is_passthrough() ? "\npass-through body" : "\ntrampoline body",
                            c.body_code(), c.body_size());
        if (!body) throw std::runtime_error(body.error().message);
        return out + *stub + *body;
#else
        throw std::runtime_error("this ctabi was built without LLVM's headers (llvm-14-dev), so "
                                 "it cannot disassemble");
#endif
    }

private:
    std::unique_ptr<PyCallback> cb_;
};

CallbackOwner make_py_callback(const std::string& signature, py::tuple argtypes,
                               std::vector<std::string> arg_kinds, py::object restype,
                               const std::string& result_kind, py::object pyfunc, bool use_errno,
                               bool swap_result) {
    PyCallbackSpec spec;
    spec.signature = signature;
    spec.argtypes = argtypes.ptr();
    spec.arg_kinds = std::move(arg_kinds);
    spec.restype = restype.ptr();
    spec.result_kind = result_kind;
    spec.pyfunc = pyfunc.ptr();
    spec.use_errno = use_errno;
    spec.swap_result = swap_result;
    std::string error;
    auto cb = PyCallback::make(spec, &error);
    if (!cb) throw py::type_error(error);
    return CallbackOwner(std::move(cb));
}

// The canonical form passes x87 long double by pointer (see
// abi::canonical_signature); numba's LLVM code has no x87 type, so the numba
// extension converts through these two.
void f64_to_f80(double value, void* out) {
    long double v = value;
    std::memcpy(out, &v, sizeof v);
}
double f80_to_f64(const void* in) {
    long double v;
    std::memcpy(&v, in, sizeof v);
    return double(v);
}

} // namespace

PYBIND11_MODULE(_ctabi, m) {
    m.doc() = "ctabi's native core (use the ctabi package)";
    if (!init_ctypes_access()) throw py::error_already_set();
    g_thunk_type = make_thunk_type();
    if (!g_thunk_type) throw py::error_already_set();
    m.add_object("Thunk", py::reinterpret_borrow<py::object>(g_thunk_type));

    m.def("make_thunk", &make_thunk);
    py::class_<CallbackOwner>(m, "CallbackOwner")
        .def_property_readonly("address", &CallbackOwner::address)
        .def_property_readonly("signature", &CallbackOwner::signature)
        .def("disassemble", &CallbackOwner::disassemble);
    m.def("make_callback", &make_py_callback);
    m.def("cached_code_count", [] { return ctabi::cached_code_count(); });
    m.def("callback_stats", [] {
        auto s = ctabi::callback_stats();
        return py::make_tuple(s.live, s.capacity);
    });
    m.def("numba_helpers", [] {
        py::dict d;
        d["f64_to_f80"] = reinterpret_cast<uintptr_t>(&f64_to_f80);
        d["f80_to_f64"] = reinterpret_cast<uintptr_t>(&f80_to_f64);
        d["long_double_size"] = sizeof(long double);
        return d;
    });
    m.def("classify", [](const std::string& text) {
        auto sig = ctabi::abi::parse_signature(text);
        if (!sig) throw py::value_error(sig.error().message);
        auto layout = ctabi::abi::classify(*sig);
        if (!layout) throw py::value_error(layout.error().message);
        return layout->to_string();
    });
}
