// PyRef: owns one strong reference to a Python object (RAII for PyObject*). Private to
// src/wsgi, which is the only place that includes Python.h. Every operation needs the GIL.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <utility>

namespace paasrun::wsgi {

class PyRef {
public:
    PyRef() = default;
    /// Takes ownership of a NEW reference (may be null: a failed API call).
    explicit PyRef(PyObject* owned) noexcept : p_(owned) {}
    /// Adds a reference to a BORROWED pointer.
    [[nodiscard]] static PyRef borrow(PyObject* borrowed) noexcept {
        Py_XINCREF(borrowed);
        return PyRef(borrowed);
    }
    PyRef(const PyRef& o) noexcept : p_(o.p_) { Py_XINCREF(p_); }
    PyRef(PyRef&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    PyRef& operator=(PyRef o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~PyRef() { Py_XDECREF(p_); }

    [[nodiscard]] PyObject* get() const noexcept { return p_; }
    [[nodiscard]] PyObject* release() noexcept { return std::exchange(p_, nullptr); }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    /// Drops the reference now (Py_CLEAR semantics: the field is null before DECREF runs
    /// arbitrary finalizer code).
    void reset() noexcept {
        PyObject* old = std::exchange(p_, nullptr);
        Py_XDECREF(old);
    }

private:
    PyObject* p_ = nullptr;
};

}  // namespace paasrun::wsgi
