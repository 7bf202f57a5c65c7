// Python callbacks: a ctabi trampoline of the C signature whose generic
// handler calls a Python function with ctypes' conversions.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <memory>
#include <string>
#include <vector>

#include "convert.h"
#include "ctabi/callback.h"

namespace ctabi::python {

struct PyCallbackSpec {
    std::string signature;
    PyObject* argtypes = nullptr;       // tuple of ctypes types
    std::vector<std::string> arg_kinds; // ResultKind names: C argument -> Python
    PyObject* restype = nullptr;        // ctypes type or None
    std::string result_kind;            // ArgKind name ("void" for None): Python -> C
    PyObject* pyfunc = nullptr;
    bool use_errno = false; // the CFUNCTYPE's use_errno=True (FUNCFLAG_USE_ERRNO)
    // The restype is a simple type of the other byte order: ctypes stores the
    // result with its setfunc, which reverses the bytes.
    bool swap_result = false;
};

// Owns the trampoline and what its handler uses; freeing it frees both.
class PyCallback {
public:
    static std::unique_ptr<PyCallback> make(const PyCallbackSpec& spec, std::string* error);
    ~PyCallback();
    void* address() const { return callback_.address(); }
    const std::string& signature() const { return signature_; }
    const ctabi::Callback& callback() const { return callback_; }

private:
    static void handle(void* self, void* result, void* const* args);
    void swap_errno() const;
    std::vector<ResultKind> arg_kinds_;
    std::vector<abi::Type> arg_types_;
    std::vector<PyObject*> arg_ctypes_;
    bool void_result_ = true;
    bool swap_result_ = false;
    ArgSpec result_;
    PyObject* pyfunc_ = nullptr;
    PyObject* set_errno_ = nullptr; // ctypes.set_errno, for use_errno callbacks
    std::string signature_;
    ctabi::Callback callback_;
};

} // namespace ctabi::python
