#include "thunk.h"

#include "disassembly.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <structmember.h>

#include "convert.h"
#include "ctabi/ctabi.h"
#include "ctypes_access.h"

namespace ctabi::python {
namespace {

// The common case, decided when the thunk is built: every argument an exact
// int (compact) or float for an integer or floating C type, the result a
// plain number or nothing, no errno, _check_retval_ or errcheck. Handled without the
// general conversions; anything else takes the general path.
enum class FastCode : uint8_t { none, f64, f32, integer };
enum class FastResult : uint8_t { none, unavailable, f64, f32, i32, i64, u32, u64 };

struct FastArg {
    FastCode code = FastCode::none;
    uint32_t offset = 0;
};

struct ThunkState {
    PackedInvoker invoker;
    ctabi::Thunk forward; // the canonical native entry (for `address`)
    jit::PackedInvokeFn fn = nullptr;
    std::vector<ArgSpec> args;
    std::vector<ArgKind> custom_base; // per argument: the base kind of `custom`
    std::vector<uint32_t> offsets;
    uint32_t buffer_size = 0;
    abi::Type result_type;
    ResultKind result_kind = ResultKind::none;
    PyObject* restype = nullptr;
    PyObject* cfunc = nullptr;
    PyObject* errcheck = nullptr;
    PyObject* check_retval = nullptr;
    PyObject* argtypes = nullptr;
    bool release_gil = true;
    bool use_errno = false;
    bool python_api = false;
    bool ctypes_fallback = true;
    bool always_ctypes = false;
    // The fast path (see FastCode): usable when every argument has a code.
    bool fast = false;
    std::vector<FastArg> fast_args;
    FastResult fast_result = FastResult::unavailable;
    std::string signature;
    std::string name;
    PyMethodDef fast_def{}; // Thunk.fast's (its name points into `name`)

    ThunkState() = default;
    ThunkState(const ThunkState&) = delete;
    ThunkState& operator=(const ThunkState&) = delete;
    // Releases the references it holds (also when a build fails halfway).
    ~ThunkState() {
        for (auto& a : args) {
            Py_XDECREF(a.ctype);
            Py_XDECREF(a.item_type);
        }
        Py_XDECREF(restype);
        Py_XDECREF(cfunc);
        Py_XDECREF(errcheck);
        Py_XDECREF(check_retval);
        Py_XDECREF(argtypes);
    }
};

struct ThunkObject {
    PyObject_HEAD vectorcallfunc vectorcall;
    ThunkState* s;
};

PyObject* g_get_errno = nullptr; // ctypes.get_errno
PyObject* g_set_errno = nullptr; // ctypes.set_errno

// The C call with ctypes' errno swap (use_errno): the function sees
// ctypes' private errno and leaves its errno there; the real one is kept.
bool call_with_errno(const ThunkState& s, void* result, void* buffer) {
    PyObject* priv = PyObject_CallNoArgs(g_get_errno);
    if (!priv) return false;
    int private_errno = int(PyLong_AsLong(priv));
    Py_DECREF(priv);
    int after = 0;
    if (s.release_gil) {
        Py_BEGIN_ALLOW_THREADS;
        int saved = errno;
        errno = private_errno;
        s.fn(result, buffer);
        after = errno;
        errno = saved;
        Py_END_ALLOW_THREADS;
    } else {
        int saved = errno;
        errno = private_errno;
        s.fn(result, buffer);
        after = errno;
        errno = saved;
    }
    PyObject* r = PyObject_CallFunction(g_set_errno, "i", after);
    if (!r) return false;
    Py_DECREF(r);
    return true;
}

// ctypes.ArgumentError("argument N: TypeError: message"), the form ctypes
// gives its conversion errors.
PyObject* argument_error(Py_ssize_t index, const char* message) {
    PyErr_Format(ctypes_argument_error(), "argument %zd: TypeError: %s", index + 1, message);
    return nullptr;
}

// Wraps the error in flight as ctypes does: ArgumentError naming the argument.
PyObject* wrap_argument_error(Py_ssize_t index) {
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    const char* cls = type ? reinterpret_cast<PyTypeObject*>(type)->tp_name : "Error";
    PyObject* msg = value ? PyObject_Str(value) : nullptr;
    if (msg) PyErr_Format(ctypes_argument_error(), "argument %zd: %s: %U", index + 1, cls, msg);
    Py_XDECREF(msg);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return nullptr;
}

// Whether `value` is a ctypes argument object (a byref(), or what a
// from_param such as c_int's or c_char_p's made) or its _as_parameter_
// chain leads to one; `what` says which. ctypes 3.11 dereferences a NULL
// type when one reaches a function pointer argument (its
// CDataType_from_param checks the object the argument object keeps against
// the type's pointee type, which a function pointer type lacks), so ctabi
// refuses it itself.
bool reaches_carg(PyObject* value, std::string* what, int depth = 0) {
    if (depth > 8) return false;
    if (ctypes_is_carg(value)) {
        PyObject* obj = PyObject_GetAttrString(value, "_obj");
        if (!obj) PyErr_Clear();
        *what = obj && obj != Py_None ? std::string("pointer to ") + Py_TYPE(obj)->tp_name
                                      : std::string("CArgObject");
        Py_XDECREF(obj);
        return true;
    }
    PyObject* param = PyObject_GetAttrString(value, "_as_parameter_");
    if (!param) return PyErr_Clear(), false;
    const bool reaches = reaches_carg(param, what, depth + 1);
    Py_DECREF(param);
    return reaches;
}

// What the fast conversions did not take: _as_parameter_, and the
// from_param of ctypes types that define their own.
Converted convert_slow(const ThunkState& s, size_t i, PyObject* value, void* out,
                       CallScratch& scratch, int depth = 0) {
    const ArgSpec& spec = s.args[i];
    if (depth > 8) return Converted::not_here;
    if (spec.kind == ArgKind::custom) {
        PyObject* converted = PyObject_CallMethod(spec.ctype, "from_param", "O", value);
        if (!converted) return Converted::error;
        scratch.refs.push_back(converted);
        ArgSpec base = spec;
        base.kind = s.custom_base[i];
        Converted c = convert_argument(base, converted, out, scratch);
        if (c == Converted::ok || c == Converted::error) return c;
        // A ctypes instance of the base's own type (e.g. c_void_p for a
        // c_void_p subclass) holds the value in its bytes.
        if (ctypes_is_cdata(converted) && cdata_size(converted) == Py_ssize_t(spec.type.size)) {
            std::memcpy(out, cdata_ptr(converted), spec.type.size);
            return Converted::ok;
        }
        return Converted::not_here;
    }
    PyObject* param = PyObject_GetAttrString(value, "_as_parameter_");
    if (!param) {
        PyErr_Clear();
        return Converted::not_here;
    }
    scratch.refs.push_back(param);
    Converted c = spec.kind == ArgKind::pointer ? convert_pointer_parameter(spec, param, out)
                                                : convert_argument(spec, param, out, scratch);
    if (c == Converted::not_here) return convert_slow(s, i, param, out, scratch, depth + 1);
    return c;
}

// A compact int's value (it fits a machine word without conversion).
inline bool compact_int(PyObject* v, long long* out) {
#if PY_VERSION_HEX >= 0x030C0000
    if (!PyUnstable_Long_IsCompact(reinterpret_cast<PyLongObject*>(v))) return false;
    *out = PyUnstable_Long_CompactValue(reinterpret_cast<PyLongObject*>(v));
    return true;
#else
    const Py_ssize_t size = Py_SIZE(v);
    if (size < -1 || size > 1) return false;
    *out = size * static_cast<long long>(reinterpret_cast<PyLongObject*>(v)->ob_digit[0]);
    return true;
#endif
}

// The fast path: false (nothing done, no error set) when a value is not of
// the common kind; the general path then handles the whole call.
inline bool fast_call(const ThunkState& s, PyObject* const* args, PyObject** out) {
    // Room past the last slot: integers are stored as 8 bytes, in order,
    // each store overwriting only bytes of later arguments.
    alignas(16) unsigned char buffer[256 + 8];
    const size_t n = s.fast_args.size();
    for (size_t i = 0; i < n; ++i) {
        PyObject* v = args[i];
        unsigned char* slot = buffer + s.fast_args[i].offset;
        switch (s.fast_args[i].code) {
        case FastCode::f64: {
            if (!PyFloat_CheckExact(v)) return false;
            double d = PyFloat_AS_DOUBLE(v);
            std::memcpy(slot, &d, 8);
            break;
        }
        case FastCode::f32: {
            if (!PyFloat_CheckExact(v)) return false;
            float f = float(PyFloat_AS_DOUBLE(v));
            std::memcpy(slot, &f, 4);
            break;
        }
        case FastCode::integer: {
            long long x;
            if (!PyLong_CheckExact(v) || !compact_int(v, &x)) return false;
            std::memcpy(slot, &x, 8); // the low bytes are the C value (masked, as ctypes)
            break;
        }
        case FastCode::none: return false;
        }
    }
    alignas(16) unsigned char result[16];
    if (s.release_gil) {
        Py_BEGIN_ALLOW_THREADS;
        s.fn(result, buffer);
        Py_END_ALLOW_THREADS;
    } else {
        s.fn(result, buffer);
    }
    if (s.python_api && PyErr_Occurred()) {
        *out = nullptr; // as ctypes: the error the function set, no result
        return true;
    }
    switch (s.fast_result) {
    case FastResult::none: *out = Py_NewRef(Py_None); return true;
    case FastResult::f64: {
        double d;
        std::memcpy(&d, result, 8);
        *out = PyFloat_FromDouble(d);
        return true;
    }
    case FastResult::f32: {
        float f;
        std::memcpy(&f, result, 4);
        *out = PyFloat_FromDouble(f);
        return true;
    }
    case FastResult::i32: {
        int32_t v;
        std::memcpy(&v, result, 4);
        *out = PyLong_FromLong(v);
        return true;
    }
    case FastResult::u32: {
        uint32_t v;
        std::memcpy(&v, result, 4);
        *out = PyLong_FromUnsignedLong(v);
        return true;
    }
    case FastResult::i64: {
        long long v;
        std::memcpy(&v, result, 8);
        *out = PyLong_FromLongLong(v);
        return true;
    }
    case FastResult::u64: {
        unsigned long long v;
        std::memcpy(&v, result, 8);
        *out = PyLong_FromUnsignedLongLong(v);
        return true;
    }
    case FastResult::unavailable: break;
    }
    return false; // not reached: fast is off without a fast result
}

// Every call the fast path does not take (kept out of line, so that the
// fast path's frame stays small).
__attribute__((noinline)) PyObject* general_call(const ThunkState& s, PyObject* const* args,
                                                 size_t nargsf, PyObject* kwnames) {
    const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    auto hand_to_ctypes = [&]() -> PyObject* {
        return PyObject_Vectorcall(s.cfunc, args, nargsf, kwnames);
    };
    if (s.always_ctypes || (kwnames && PyTuple_GET_SIZE(kwnames)) ||
        nargs != Py_ssize_t(s.args.size())) {
        if (s.ctypes_fallback) return hand_to_ctypes();
        if (kwnames && PyTuple_GET_SIZE(kwnames))
            return PyErr_Format(PyExc_TypeError, "%s takes no keyword arguments", s.name.c_str());
        // ctypes' words for too few; too many, which ctypes would pass as
        // extra C arguments, cannot fit this thunk's one signature.
        return PyErr_Format(PyExc_TypeError, "this function takes %s%zd argument%s (%zd given)",
                            nargs < Py_ssize_t(s.args.size()) ? "at least " : "",
                            Py_ssize_t(s.args.size()), s.args.size() == 1 ? "" : "s", nargs);
    }

    alignas(16) unsigned char small_buffer[256];
    std::unique_ptr<unsigned char[]> big_buffer;
    unsigned char* buffer = small_buffer;
    if (s.buffer_size > sizeof small_buffer) {
        big_buffer.reset(new unsigned char[s.buffer_size]); // 16-aligned, as malloc on x86-64
        buffer = big_buffer.get();
    }
    CallScratch scratch;
    for (size_t i = 0; i < s.args.size(); ++i) {
        void* out = buffer + s.offsets[i];
        Converted c = convert_argument(s.args[i], args[i], out, scratch);
        if (c == Converted::not_here) c = convert_slow(s, i, args[i], out, scratch);
        if (c == Converted::ok) continue;
        if (s.ctypes_fallback) {
            PyErr_Clear();
            std::string what;
            if (s.args[i].kind == ArgKind::funcptr && reaches_carg(args[i], &what)) {
                // ctypes' own message, where its call would crash.
                std::string msg = std::string("expected ") +
                                  reinterpret_cast<PyTypeObject*>(s.args[i].ctype)->tp_name +
                                  " instance instead of " + what;
                return argument_error(Py_ssize_t(i), msg.c_str());
            }
            // ctypes converts it (or raises exactly what ctypes raises).
            return hand_to_ctypes();
        }
        if (c == Converted::error) return wrap_argument_error(Py_ssize_t(i));
        // ctypes' words: "wrong type" for simple types, else the types named.
        const ArgKind k = s.args[i].kind == ArgKind::custom ? s.custom_base[i] : s.args[i].kind;
        if (k != ArgKind::pointer && k != ArgKind::funcptr && k != ArgKind::array &&
            k != ArgKind::aggregate)
            return argument_error(Py_ssize_t(i), "wrong type");
        std::string msg = std::string("expected ") +
                          reinterpret_cast<PyTypeObject*>(s.args[i].ctype)->tp_name +
                          " instance instead of " + Py_TYPE(args[i])->tp_name;
        return argument_error(Py_ssize_t(i), msg.c_str());
    }

    alignas(16) unsigned char small_result[64];
    std::unique_ptr<unsigned char[]> big_result;
    unsigned char* result = small_result;
    if (s.result_type.size > sizeof small_result) {
        big_result.reset(new unsigned char[s.result_type.size]);
        result = big_result.get();
    }
    if (s.use_errno) {
        if (!call_with_errno(s, result, buffer)) return nullptr;
    } else if (s.release_gil) {
        Py_BEGIN_ALLOW_THREADS;
        s.fn(result, buffer);
        Py_END_ALLOW_THREADS;
    } else {
        s.fn(result, buffer);
    }
    // ctypes' _call_function_pointer: a function of the Python API that set
    // an error fails the call (no result, no _check_retval_, no errcheck).
    if (s.python_api && PyErr_Occurred()) return nullptr;
    PyObject* r = convert_result(s.result_kind, s.result_type, s.restype, result);
    if (r && s.check_retval) {
        // As ctypes' GetResult: the restype's checker sees the result first.
        PyObject* checked = PyObject_CallOneArg(s.check_retval, r);
        Py_DECREF(r);
        r = checked;
    }
    if (!r || !s.errcheck) return r;
    PyObject* call_args = PyTuple_New(nargs);
    if (!call_args) {
        Py_DECREF(r);
        return nullptr;
    }
    for (Py_ssize_t i = 0; i < nargs; ++i)
        PyTuple_SET_ITEM(call_args, i, Py_NewRef(args[i]));
    PyObject* checked = PyObject_CallFunctionObjArgs(s.errcheck, r, s.cfunc, call_args, nullptr);
    // As ctypes: an errcheck that returns the arguments tuple it was given
    // means "the result as it is".
    if (checked == call_args) {
        Py_DECREF(checked);
        checked = Py_NewRef(r);
    }
    Py_DECREF(call_args);
    Py_DECREF(r);
    return checked;
}

PyObject* thunk_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf,
                           PyObject* kwnames) {
    const ThunkState& s = *reinterpret_cast<ThunkObject*>(self)->s;
    PyObject* r;
    if (s.fast && PyVectorcall_NARGS(nargsf) == s.fast_args.size() && !kwnames &&
        fast_call(s, args, &r))
        return r;
    return general_call(s, args, nargsf, kwnames);
}

void thunk_dealloc(PyObject* self) {
    auto* t = reinterpret_cast<ThunkObject*>(self);
    PyObject_GC_UnTrack(self);
    delete t->s;
    t->s = nullptr;
    PyTypeObject* type = Py_TYPE(self);
    type->tp_free(self);
    Py_DECREF(type);
}

int thunk_traverse(PyObject* self, visitproc visit, void* arg) {
    auto* t = reinterpret_cast<ThunkObject*>(self);
    Py_VISIT(Py_TYPE(self));
    if (!t->s) return 0;
    for (auto& a : t->s->args) {
        Py_VISIT(a.ctype);
        Py_VISIT(a.item_type);
    }
    Py_VISIT(t->s->restype);
    Py_VISIT(t->s->cfunc);
    Py_VISIT(t->s->errcheck);
    Py_VISIT(t->s->check_retval);
    Py_VISIT(t->s->argtypes);
    return 0;
}

int thunk_clear(PyObject* self) {
    auto* t = reinterpret_cast<ThunkObject*>(self);
    if (!t->s) return 0;
    Py_CLEAR(t->s->errcheck);
    Py_CLEAR(t->s->check_retval);
    return 0;
}

PyObject* thunk_repr(PyObject* self) {
    const ThunkState& s = *reinterpret_cast<ThunkObject*>(self)->s;
    return PyUnicode_FromFormat("<ctabi.Thunk %s: %s>", s.name.c_str(), s.signature.c_str());
}

PyObject* get_address(PyObject* self, void*) {
    return PyLong_FromVoidPtr(reinterpret_cast<ThunkObject*>(self)->s->forward.address());
}
PyObject* get_signature(PyObject* self, void*) {
    return PyUnicode_FromString(reinterpret_cast<ThunkObject*>(self)->s->signature.c_str());
}
PyObject* get_cfunc(PyObject* self, void*) {
    return Py_NewRef(reinterpret_cast<ThunkObject*>(self)->s->cfunc);
}
PyObject* get_argtypes(PyObject* self, void*) {
    return Py_NewRef(reinterpret_cast<ThunkObject*>(self)->s->argtypes);
}
PyObject* get_restype(PyObject* self, void*) {
    return Py_NewRef(reinterpret_cast<ThunkObject*>(self)->s->restype);
}
PyObject* get_canonical(PyObject* self, void*) {
    auto sig = reinterpret_cast<ThunkObject*>(self)->s->forward.canonical_signature();
    return PyUnicode_FromString(sig.to_string().c_str());
}
PyObject* get_errcheck(PyObject* self, void*) {
    PyObject* e = reinterpret_cast<ThunkObject*>(self)->s->errcheck;
    return Py_NewRef(e ? e : Py_None);
}
// numba's typeof() asks an object it has no rule for for `_numba_type_`: so a
// Thunk reaches numba's nopython mode even when ctabi's numba extension was
// not registered (numba imported after ctabi, ctabi not installed).
PyObject* get_numba_type(PyObject* self, void*) {
    PyObject* name = PyUnicode_FromString("numba");
    if (!name) return nullptr;
    PyObject* numba = PyImport_GetModule(name);
    Py_DECREF(name);
    if (!numba) {
        // Not numba asking (it would be loaded): no such attribute, so that
        // hasattr() and friends stay quiet where numba is not installed.
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_AttributeError,
                            "_numba_type_: numba is not loaded (import numba first)");
        return nullptr;
    }
    Py_DECREF(numba);
    PyObject* mod = PyImport_ImportModule("ctabi._numba");
    if (!mod) return nullptr;
    PyObject* t = PyObject_CallMethod(mod, "thunk_type_of", "O", self);
    Py_DECREF(mod);
    return t;
}
// Thunk.fast: the same call as a METH_FASTCALL builtin bound to the thunk.
// CPython specialises calls to builtins (3.11's PRECALL_NO_KW_BUILTIN_FAST),
// not calls to other callable types, which saves a few ns per call.
PyObject* thunk_fastcall(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    return thunk_vectorcall(self, args, size_t(nargs), nullptr);
}

PyObject* get_fast(PyObject* self, void*) {
    ThunkState& s = *reinterpret_cast<ThunkObject*>(self)->s;
    return PyCFunction_New(&s.fast_def, self);
}

PyObject* get_release_gil(PyObject* self, void*) {
    return PyBool_FromLong(reinterpret_cast<ThunkObject*>(self)->s->release_gil);
}

// Thunk.disassemble(): the forward thunk (what numba and C call) and the
// packed invoker (the Python call path), disassembled by LLVM MC.
PyObject* thunk_disassemble(PyObject* self, PyObject*) {
#ifdef CTABI_HAVE_DISASM
    const ThunkState& s = *reinterpret_cast<ThunkObject*>(self)->s;
    std::string out = "ctabi.Thunk " + s.name + ": " + s.signature + "\n\n";
    const std::string canonical = s.forward.canonical_signature().to_string();
    if (s.forward.is_target_itself()) {
        out += "forward thunk (" + canonical +
               "): none, the target is already canonical and "
               "native: Thunk.address is the C function itself\n";
    } else {
        auto thunk = listing("forward thunk (" + canonical + ")", s.forward.address(),
                             s.forward.code_size());
        if (!thunk) {
            PyErr_SetString(PyExc_RuntimeError, thunk.error().message.c_str());
            return nullptr;
        }
        out += *thunk;
    }
    auto invoker = listing("\npacked invoker (the Python call path)",
                           reinterpret_cast<const void*>(s.invoker.entry()), s.invoker.code_size());
    if (!invoker) {
        PyErr_SetString(PyExc_RuntimeError, invoker.error().message.c_str());
        return nullptr;
    }
    out += *invoker;
    return PyUnicode_FromStringAndSize(out.data(), Py_ssize_t(out.size()));
#else
    (void)self;
    PyErr_SetString(PyExc_RuntimeError, "this ctabi was built without LLVM's headers "
                                        "(llvm-14-dev), so it cannot disassemble");
    return nullptr;
#endif
}

PyMethodDef thunk_methods[] = {
    {"disassemble", thunk_disassemble, METH_NOARGS,
     "The generated code as text: the forward thunk and the packed invoker, disassembled "
     "with LLVM's MC disassembler (LLVM is loaded on the first call)."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef thunk_getset[] = {
    {"address", get_address, nullptr,
     "The forward thunk: a native C function with the canonical signature (see "
     "canonical_signature) that calls the C function; for numba and C callers.",
     nullptr},
    {"signature", get_signature, nullptr, "The C signature, in ctabi's text form.", nullptr},
    {"canonical_signature", get_canonical, nullptr, "The signature of `address`.", nullptr},
    {"cfunc", get_cfunc, nullptr, "The ctypes function this thunk calls.", nullptr},
    {"argtypes", get_argtypes, nullptr, "The argtypes the thunk was built from.", nullptr},
    {"restype", get_restype, nullptr, "The restype the thunk was built from.", nullptr},
    {"release_gil", get_release_gil, nullptr, "Whether calls release the GIL.", nullptr},
    {"errcheck", get_errcheck, nullptr, "The errcheck the thunk was built with, or None.", nullptr},
    {"_numba_type_", get_numba_type, nullptr, "The thunk's numba type (ctabi._numba).", nullptr},
    {"fast", get_fast, nullptr,
     "The same call as a builtin function bound to this thunk (CPython calls builtins a "
     "little faster than other callables).",
     nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyMemberDef thunk_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(ThunkObject, vectorcall), READONLY, nullptr},
    {nullptr, 0, 0, 0, nullptr},
};

PyObject* thunk_new_refused(PyTypeObject*, PyObject*, PyObject*) {
    PyErr_SetString(PyExc_TypeError, "use ctabi.thunk(cfunc) to make a Thunk");
    return nullptr;
}

PyType_Slot thunk_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(thunk_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(thunk_traverse)},
    {Py_tp_clear, reinterpret_cast<void*>(thunk_clear)},
    {Py_tp_repr, reinterpret_cast<void*>(thunk_repr)},
    {Py_tp_call, reinterpret_cast<void*>(PyVectorcall_Call)},
    {Py_tp_getset, thunk_getset},
    {Py_tp_methods, thunk_methods},
    {Py_tp_members, thunk_members},
    {Py_tp_new, reinterpret_cast<void*>(thunk_new_refused)},
    {Py_tp_doc,
     const_cast<char*>("A C function called through ctabi: same arguments, results and errors "
                       "as the ctypes function it was made from (ctabi.thunk).")},
    {0, nullptr},
};

PyType_Spec thunk_spec = {
    "ctabi.Thunk",
    sizeof(ThunkObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    thunk_slots,
};

} // namespace

PyObject* make_thunk_type() {
    PyObject* ctypes = PyImport_ImportModule("ctypes");
    if (!ctypes) return nullptr;
    g_get_errno = PyObject_GetAttrString(ctypes, "get_errno");
    g_set_errno = PyObject_GetAttrString(ctypes, "set_errno");
    Py_DECREF(ctypes);
    if (!g_get_errno || !g_set_errno) return nullptr;
    return PyType_FromSpec(&thunk_spec);
}

PyObject* new_thunk(PyObject* type, const ThunkSpec& spec) {
    auto fail = [](const std::string& message) -> PyObject* {
        PyErr_SetString(PyExc_TypeError, message.c_str());
        return nullptr;
    };
    auto sig = abi::parse_signature(spec.signature);
    if (!sig) return fail(spec.name + ": " + sig.error().message);
    const Py_ssize_t n = PyTuple_GET_SIZE(spec.argtypes);
    if (size_t(n) != sig->args.size() || spec.kinds.size() != sig->args.size())
        return fail("ctabi: argtypes and signature disagree (internal error)");

    auto state = std::make_unique<ThunkState>();
    auto inv = make_packed_invoker(*sig, spec.address);
    if (!inv) return fail(spec.name + ": " + inv.error().message);
    auto fwd = make_thunk(*sig, spec.address);
    if (!fwd) return fail(spec.name + ": " + fwd.error().message);
    state->invoker = std::move(*inv);
    state->forward = std::move(*fwd);
    state->fn = state->invoker.entry();
    abi::ArgumentBuffer buffer = state->invoker.buffer();
    state->offsets = buffer.offsets;
    state->buffer_size = buffer.size;
    state->custom_base.resize(size_t(n), ArgKind::integer);
    for (Py_ssize_t i = 0; i < n; ++i) {
        ArgSpec a;
        std::string kind = spec.kinds[size_t(i)];
        if (kind.rfind("custom:", 0) == 0) {
            if (!parse_arg_kind(kind.substr(7), &state->custom_base[size_t(i)]))
                return fail("ctabi: unknown conversion " + kind);
            kind = "custom";
        }
        if (!parse_arg_kind(kind, &a.kind)) return fail("ctabi: unknown conversion " + kind);
        a.type = sig->args[size_t(i)];
        a.ctype = Py_NewRef(PyTuple_GET_ITEM(spec.argtypes, i));
        if (a.kind == ArgKind::pointer || a.kind == ArgKind::array) {
            a.item_type = PyObject_GetAttrString(a.ctype, "_type_");
            if (!a.item_type) {
                Py_DECREF(a.ctype);
                return nullptr; // state's destructor releases the earlier ones
            }
            if (PyObject* code = PyObject_GetAttrString(a.item_type, "_type_")) {
                a.auto_byref =
                    !(PyUnicode_Check(code) && (PyUnicode_CompareWithASCIIString(code, "c") == 0 ||
                                                PyUnicode_CompareWithASCIIString(code, "u") == 0));
                Py_DECREF(code);
            } else {
                PyErr_Clear();
            }
        }
        state->args.push_back(a);
    }
    if (!parse_result_kind(spec.result_kind, &state->result_kind))
        return fail("ctabi: unknown result conversion " + spec.result_kind);
    state->result_type = sig->result;
    state->restype = Py_NewRef(spec.restype);
    state->cfunc = Py_NewRef(spec.cfunc);
    state->errcheck =
        spec.errcheck && spec.errcheck != Py_None ? Py_NewRef(spec.errcheck) : nullptr;
    state->check_retval =
        spec.check_retval && spec.check_retval != Py_None ? Py_NewRef(spec.check_retval) : nullptr;
    state->argtypes = Py_NewRef(spec.argtypes);
    state->release_gil = spec.release_gil;
    state->use_errno = spec.use_errno;
    state->python_api = spec.python_api;
    state->ctypes_fallback = spec.ctypes_fallback;
    state->always_ctypes = spec.always_ctypes;
    state->signature = sig->to_string();
    state->name = spec.name;
    state->fast_def.ml_name = state->name.c_str();
    state->fast_def.ml_meth =
        reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(thunk_fastcall));
    state->fast_def.ml_flags = METH_FASTCALL;
    state->fast_def.ml_doc = "A C function called through ctabi (see Thunk.fast).";

    // The fast path's tables.
    state->fast = !state->use_errno && !state->errcheck && !state->check_retval &&
                  !state->always_ctypes && state->buffer_size <= 256;
    for (size_t i = 0; i < state->args.size(); ++i) {
        const ArgSpec& a = state->args[i];
        FastArg f;
        f.offset = state->offsets[i];
        if (a.kind == ArgKind::floating && a.type.kind == abi::Kind::F64) f.code = FastCode::f64;
        if (a.kind == ArgKind::floating && a.type.kind == abi::Kind::F32) f.code = FastCode::f32;
        if (a.kind == ArgKind::integer) f.code = FastCode::integer;
        if (f.code == FastCode::none) state->fast = false;
        state->fast_args.push_back(f);
    }
    const abi::Type& r = state->result_type;
    if (state->result_kind == ResultKind::none) {
        state->fast_result = FastResult::none;
    } else if (state->result_kind == ResultKind::floating && r.kind == abi::Kind::F64) {
        state->fast_result = FastResult::f64;
    } else if (state->result_kind == ResultKind::floating && r.kind == abi::Kind::F32) {
        state->fast_result = FastResult::f32;
    } else if (state->result_kind == ResultKind::integer && (r.size == 4 || r.size == 8)) {
        state->fast_result = r.size == 4 ? (r.is_signed() ? FastResult::i32 : FastResult::u32)
                                         : (r.is_signed() ? FastResult::i64 : FastResult::u64);
    }
    if (state->fast_result == FastResult::unavailable) state->fast = false;

    auto* obj = PyObject_GC_New(ThunkObject, reinterpret_cast<PyTypeObject*>(type));
    if (!obj) return nullptr;
    obj->vectorcall = thunk_vectorcall;
    obj->s = state.release();
    PyObject_GC_Track(reinterpret_cast<PyObject*>(obj));
    return reinterpret_cast<PyObject*>(obj);
}

} // namespace ctabi::python
