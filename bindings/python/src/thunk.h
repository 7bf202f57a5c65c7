// ctabi.Thunk: a Python callable for one C function, called through a
// packed invoker from a vectorcall slot.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <string>
#include <vector>

namespace ctabi::python {

// Creates the type; a new reference, or nullptr with an error set.
PyObject* make_thunk_type();

struct ThunkSpec {
    std::string signature;          // ctabi signature text
    const void* address = nullptr;  // the C function
    PyObject* argtypes = nullptr;   // tuple of ctypes types
    std::vector<std::string> kinds; // ArgKind names ("custom:<base>" for own from_param)
    PyObject* restype = nullptr;    // ctypes type, callable or None
    std::string result_kind;        // ResultKind name
    PyObject* cfunc = nullptr;      // the ctypes function (kept alive; ctypes fallback)
    PyObject* errcheck = nullptr;   // or None
    // The restype's _check_retval_ (or None): ctypes calls it with the
    // converted result, before errcheck, and returns what it returns.
    PyObject* check_retval = nullptr;
    bool release_gil = true;
    bool use_errno = false;
    // FUNCFLAG_PYTHONAPI (PyDLL, PYFUNCTYPE): a Python error the function
    // set is raised, its result dropped.
    bool python_api = false;
    // Values the fast conversions do not take are handed to ctypes: the call
    // is then made by ctypes itself. Off where ctypes would be wrong.
    bool ctypes_fallback = true;
    // Every call made by ctypes (functions with paramflags).
    bool always_ctypes = false;
    std::string name; // for repr and errors
};

// A new Thunk, or nullptr with an error set (a ctabi build error becomes
// TypeError naming the argument).
PyObject* new_thunk(PyObject* type, const ThunkSpec& spec);

} // namespace ctabi::python
