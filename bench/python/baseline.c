/* The hand-written baseline of the Python benchmark: a METH_FASTCALL
 * extension module calling the same C functions the contenders call, with
 * the conversions a careful hand-written binding does (exact-type fast
 * paths, errors checked). bench/python/run compiles it against the venv's
 * Python headers and links it with libm and the targets library.
 *
 *   cos_gil(x), cos_nogil(x)          cos(double), GIL held / released
 *   f6_gil(...), f6_nogil(...)        f6(int, double, int, double, long, double)
 *   set_callback(pyfunc) -> address   a C function double(int, double) that
 *                                     calls pyfunc(i, x): the floor for a
 *                                     Python callback called from C
 *   cos_gil_vc, f6_gil_vc             cos_gil and f6_gil behind an object of
 *                                     a vectorcall type, as ctabi.Thunk is
 *                                     (diagnostic: CPython 3.11+ specializes
 *                                     calls of METH_FASTCALL builtins, not
 *                                     of vectorcall types)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

double f6(int a, double b, int c, double d, long e, double f);

static int as_double(PyObject* o, double* out) {
    if (PyFloat_CheckExact(o)) {
        *out = PyFloat_AS_DOUBLE(o);
        return 0;
    }
    double d = PyFloat_AsDouble(o);
    if (d == -1.0 && PyErr_Occurred()) return -1;
    *out = d;
    return 0;
}

static int as_long(PyObject* o, long* out) {
    long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    *out = v;
    return 0;
}

static int as_int(PyObject* o, int* out) {
    long v;
    if (as_long(o, &v) < 0) return -1;
    if (v < INT_MIN || v > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "int out of range");
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int check_nargs(Py_ssize_t nargs, Py_ssize_t want) {
    if (nargs == want) return 0;
    PyErr_Format(PyExc_TypeError, "expected %zd arguments, got %zd", want, nargs);
    return -1;
}

static PyObject* cos_gil(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    double x;
    (void)self;
    if (check_nargs(nargs, 1) < 0 || as_double(args[0], &x) < 0) return NULL;
    return PyFloat_FromDouble(cos(x));
}

static PyObject* cos_nogil(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    double x, r;
    (void)self;
    if (check_nargs(nargs, 1) < 0 || as_double(args[0], &x) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    r = cos(x);
    Py_END_ALLOW_THREADS
    return PyFloat_FromDouble(r);
}

struct f6_args {
    int a, c;
    double b, d, f;
    long e;
};

static int f6_convert(PyObject* const* args, Py_ssize_t nargs, struct f6_args* v) {
    if (check_nargs(nargs, 6) < 0) return -1;
    if (as_int(args[0], &v->a) < 0 || as_double(args[1], &v->b) < 0 ||
        as_int(args[2], &v->c) < 0 || as_double(args[3], &v->d) < 0 ||
        as_long(args[4], &v->e) < 0 || as_double(args[5], &v->f) < 0)
        return -1;
    return 0;
}

static PyObject* f6_gil(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    struct f6_args v;
    (void)self;
    if (f6_convert(args, nargs, &v) < 0) return NULL;
    return PyFloat_FromDouble(f6(v.a, v.b, v.c, v.d, v.e, v.f));
}

static PyObject* f6_nogil(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    struct f6_args v;
    double r;
    (void)self;
    if (f6_convert(args, nargs, &v) < 0) return NULL;
    Py_BEGIN_ALLOW_THREADS
    r = f6(v.a, v.b, v.c, v.d, v.e, v.f);
    Py_END_ALLOW_THREADS
    return PyFloat_FromDouble(r);
}

/* The hand-written callback: one C function per Python function, as a
 * C extension would write it (the Python function kept in a global). */
static PyObject* g_pyfunc = NULL;

static double c_callback(int i, double x) {
    PyGILState_STATE gil = PyGILState_Ensure();
    double result = 0.0;
    PyObject* args[2];
    args[0] = PyLong_FromLong(i);
    args[1] = PyFloat_FromDouble(x);
    if (args[0] && args[1]) {
        PyObject* r = PyObject_Vectorcall(g_pyfunc, args, 2, NULL);
        if (r) {
            if (as_double(r, &result) < 0) result = 0.0;
            Py_DECREF(r);
        }
    }
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    if (PyErr_Occurred()) PyErr_WriteUnraisable(g_pyfunc);
    PyGILState_Release(gil);
    return result;
}

static PyObject* set_callback(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    (void)self;
    if (check_nargs(nargs, 1) < 0) return NULL;
    PyObject* old = g_pyfunc;
    Py_INCREF(args[0]);
    g_pyfunc = args[0];
    Py_XDECREF(old);
    return PyLong_FromVoidPtr((void*)(uintptr_t)&c_callback);
}

/* A callable type with a vectorcall slot calling a METH_FASTCALL function:
 * the shape of ctabi.Thunk, minus its work. */
typedef PyObject* (*fastcall_fn)(PyObject*, PyObject* const*, Py_ssize_t);

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    fastcall_fn fn;
} VcObject;

static PyObject* vc_vectorcall(PyObject* self, PyObject* const* args, size_t nargsf,
                               PyObject* kwnames) {
    if (kwnames && PyTuple_GET_SIZE(kwnames)) {
        PyErr_SetString(PyExc_TypeError, "no keyword arguments");
        return NULL;
    }
    return ((VcObject*)self)->fn(NULL, args, PyVectorcall_NARGS(nargsf));
}

static PyTypeObject VcType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_pybench_baseline.VcFunc",
    .tp_basicsize = sizeof(VcObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(VcObject, vectorcall),
    .tp_call = PyVectorcall_Call,
};

static int add_vc(PyObject* m, const char* name, fastcall_fn fn) {
    VcObject* o = PyObject_New(VcObject, &VcType);
    if (!o) return -1;
    o->vectorcall = vc_vectorcall;
    o->fn = fn;
    return PyModule_AddObject(m, name, (PyObject*)o) < 0 ? (Py_DECREF(o), -1) : 0;
}

static PyMethodDef methods[] = {
    {"cos_gil", (PyCFunction)(void (*)(void))cos_gil, METH_FASTCALL, "cos, GIL held"},
    {"cos_nogil", (PyCFunction)(void (*)(void))cos_nogil, METH_FASTCALL, "cos, GIL released"},
    {"f6_gil", (PyCFunction)(void (*)(void))f6_gil, METH_FASTCALL, "f6, GIL held"},
    {"f6_nogil", (PyCFunction)(void (*)(void))f6_nogil, METH_FASTCALL, "f6, GIL released"},
    {"set_callback", (PyCFunction)(void (*)(void))set_callback, METH_FASTCALL,
     "set_callback(pyfunc) -> address of a C double(int, double) calling pyfunc"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_pybench_baseline", "hand-written baseline of bench/python", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__pybench_baseline(void) {
    if (PyType_Ready(&VcType) < 0) return NULL;
    PyObject* m = PyModule_Create(&module);
    if (!m) return NULL;
    if (add_vc(m, "cos_gil_vc", cos_gil) < 0 || add_vc(m, "f6_gil_vc", f6_gil) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
