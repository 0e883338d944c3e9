#include "wsgi/fork.hpp"

#include "wsgi/interpreter.hpp"
#include "wsgi/py_ref.hpp"

namespace paasrun::wsgi {
namespace {

Status call_gc(const char* name) {
    PyRef gc(PyImport_ImportModule("gc"));
    if (!gc) return Error(fmt::format("import gc: {}", take_python_error()));
    PyRef r(PyObject_CallMethod(gc.get(), name, nullptr));
    if (!r) return Error(fmt::format("gc.{}(): {}", name, take_python_error()));
    return {};
}

}  // namespace

Status gc_disable() {
    return call_gc("disable");
}
Status gc_freeze() {
    return call_gc("freeze");
}
Status gc_enable() {
    return call_gc("enable");
}

Status preimport(const char* module) {
    PyRef m(PyImport_ImportModule(module));
    if (!m) return Error(fmt::format("import {}: {}", module, take_python_error()));
    return {};
}

void before_fork() noexcept {
    PyOS_BeforeFork();
}
void after_fork_parent() noexcept {
    PyOS_AfterFork_Parent();
}
void after_fork_child() noexcept {
    PyOS_AfterFork_Child();
}

}  // namespace paasrun::wsgi
