#include "wsgi/input_stream.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

namespace paasrun::wsgi {
namespace {

// Read-ahead for fd-backed bodies, so readline() on a file body costs one pread per 8 KiB
// rather than one per line. Allocated only for fd bodies (memory bodies need none).
constexpr std::size_t kCacheSize = 8192;

struct InputObject {
    PyObject ob_base;  // PyObject_HEAD
    const char* mem;
    int fd;
    std::uint64_t base;  // offset of the body in fd
    std::uint64_t size;
    std::uint64_t pos;
    char* cache;
    std::uint64_t cache_pos;  // body offset of cache[0]
    std::size_t cache_len;
};

InputObject* as_input(PyObject* o) {
    return reinterpret_cast<InputObject*>(o);
}

void clear_cache(InputObject* in) {
    PyMem_Free(in->cache);
    in->cache = nullptr;
    in->cache_len = 0;
    in->cache_pos = 0;
}

// pread exactly n bytes of the body at body offset `at` into dst, without the GIL.
// Returns false with OSError set on failure or a truncated file.
bool pread_exact(InputObject* in, std::uint64_t at, char* dst, std::size_t n) {
    int fd = in->fd;
    std::uint64_t off = in->base + at;
    ssize_t got = 0;
    int err = 0;
    std::size_t done = 0;
    Py_BEGIN_ALLOW_THREADS while (done < n) {
        got = ::pread(fd, dst + done, n - done, static_cast<off_t>(off + done));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            err = got < 0 ? errno : 0;
            break;
        }
        done += static_cast<std::size_t>(got);
    }
    Py_END_ALLOW_THREADS if (done == n) return true;
    if (err != 0) {
        errno = err;
        PyErr_SetFromErrno(PyExc_OSError);
    } else {
        PyErr_SetString(PyExc_OSError, "wsgi.input: request body file is shorter than its size");
    }
    return false;
}

// Bytes available at body offset `at` without copying: the memory body directly, or the
// read-ahead cache (refilled from `at` when it does not cover it). Empty at EOF; null data
// with an error set on failure.
std::string_view view_at(InputObject* in, std::uint64_t at, bool& failed) {
    failed = false;
    if (at >= in->size) return {};
    if (in->fd < 0) return {in->mem + at, static_cast<std::size_t>(in->size - at)};
    if (in->cache != nullptr && at >= in->cache_pos && at < in->cache_pos + in->cache_len) {
        std::size_t skip = static_cast<std::size_t>(at - in->cache_pos);
        return {in->cache + skip, in->cache_len - skip};
    }
    if (in->cache == nullptr) {
        in->cache = static_cast<char*>(PyMem_Malloc(kCacheSize));
        if (in->cache == nullptr) {
            PyErr_NoMemory();
            failed = true;
            return {};
        }
    }
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kCacheSize, in->size - at));
    in->cache_len = 0;
    if (!pread_exact(in, at, in->cache, n)) {
        failed = true;
        return {};
    }
    in->cache_pos = at;
    in->cache_len = n;
    return {in->cache, n};
}

// Parses the optional size argument: omitted, None or negative mean "no limit" (-1).
bool parse_size(PyObject* const* args, Py_ssize_t nargs, const char* name, Py_ssize_t& out) {
    out = -1;
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most 1 argument (%zd given)", name, nargs);
        return false;
    }
    if (nargs == 0 || args[0] == Py_None) return true;
    PyObject* index = PyNumber_Index(args[0]);
    if (index == nullptr) return false;
    out = PyLong_AsSsize_t(index);
    Py_DECREF(index);
    if (out == -1 && PyErr_Occurred()) return false;
    if (out < 0) out = -1;
    return true;
}

PyObject* do_read(InputObject* in, Py_ssize_t limit) {
    std::uint64_t avail = in->size > in->pos ? in->size - in->pos : 0;
    std::uint64_t want =
        limit < 0 ? avail : std::min<std::uint64_t>(avail, static_cast<std::uint64_t>(limit));
    if (want > static_cast<std::uint64_t>(PY_SSIZE_T_MAX)) return PyErr_NoMemory();
    PyObject* out = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(want));
    if (out == nullptr) return nullptr;
    char* dst = PyBytes_AS_STRING(out);
    std::size_t n = static_cast<std::size_t>(want);
    if (in->fd < 0) {
        if (n > 0) std::memcpy(dst, in->mem + in->pos, n);
    } else if (n > 0) {
        // Serve what the cache holds, pread the rest straight into the bytes object.
        std::size_t from_cache = 0;
        if (in->cache != nullptr && in->pos >= in->cache_pos &&
            in->pos < in->cache_pos + in->cache_len) {
            std::size_t skip = static_cast<std::size_t>(in->pos - in->cache_pos);
            from_cache = std::min(n, in->cache_len - skip);
            std::memcpy(dst, in->cache + skip, from_cache);
        }
        if (from_cache < n &&
            !pread_exact(in, in->pos + from_cache, dst + from_cache, n - from_cache)) {
            Py_DECREF(out);
            return nullptr;
        }
    }
    in->pos += n;
    return out;
}

PyObject* do_readline(InputObject* in, Py_ssize_t limit) {
    std::uint64_t budget = limit < 0 ? UINT64_MAX : static_cast<std::uint64_t>(limit);
    std::string spill;  // only used when a line spans several cache refills
    std::uint64_t at = in->pos;
    bool failed = false;
    while (budget > 0) {
        std::string_view v = view_at(in, at, failed);
        if (failed) return nullptr;
        if (v.empty()) break;
        if (v.size() > budget) v = v.substr(0, static_cast<std::size_t>(budget));
        const void* nl = std::memchr(v.data(), '\n', v.size());
        std::size_t take =
            nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - v.data()) + 1 : v.size();
        if (spill.empty() && (nl != nullptr || take == budget || at + take == in->size)) {
            in->pos = at + take;  // whole line in one view: no intermediate copy
            return PyBytes_FromStringAndSize(v.data(), static_cast<Py_ssize_t>(take));
        }
        spill.append(v.data(), take);
        at += take;
        budget -= take;
        if (nl != nullptr) break;
    }
    in->pos = at;
    return PyBytes_FromStringAndSize(spill.data(), static_cast<Py_ssize_t>(spill.size()));
}

PyObject* input_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t limit = -1;
    if (!parse_size(args, nargs, "read", limit)) return nullptr;
    return do_read(as_input(self), limit);
}

PyObject* input_readline(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t limit = -1;
    if (!parse_size(args, nargs, "readline", limit)) return nullptr;
    return do_readline(as_input(self), limit);
}

PyObject* input_readlines(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t hint = -1;
    if (!parse_size(args, nargs, "readlines", hint)) return nullptr;
    PyRef lines(PyList_New(0));
    if (!lines) return nullptr;
    Py_ssize_t total = 0;
    for (;;) {
        PyRef line(do_readline(as_input(self), -1));
        if (!line) return nullptr;
        Py_ssize_t n = PyBytes_GET_SIZE(line.get());
        if (n == 0) break;
        if (PyList_Append(lines.get(), line.get()) != 0) return nullptr;
        total += n;
        if (hint > 0 && total >= hint) break;  // io.IOBase.readlines semantics
    }
    return lines.release();
}

PyObject* input_iter(PyObject* self) {
    return Py_NewRef(self);
}

PyObject* input_next(PyObject* self) {
    PyObject* line = do_readline(as_input(self), -1);
    if (line == nullptr) return nullptr;
    if (PyBytes_GET_SIZE(line) == 0) {
        Py_DECREF(line);
        return nullptr;  // StopIteration
    }
    return line;
}

void input_dealloc(PyObject* self) {
    PyTypeObject* type = Py_TYPE(self);
    clear_cache(as_input(self));
    type->tp_free(self);
    Py_DECREF(type);  // heap type instances own a reference to their type
}

PyMethodDef input_methods[] = {
    {"read", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_read)), METH_FASTCALL,
     "read(size=-1) -> bytes, at most size bytes of the request body"},
    {"readline", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readline)),
     METH_FASTCALL, "readline(size=-1) -> bytes up to and including b'\\n'"},
    {"readlines", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(input_readlines)),
     METH_FASTCALL, "readlines(hint=-1) -> list of lines"},
    {nullptr, nullptr, 0, nullptr},
};

PyType_Slot input_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(input_dealloc)},
    {Py_tp_iter, reinterpret_cast<void*>(input_iter)},
    {Py_tp_iternext, reinterpret_cast<void*>(input_next)},
    {Py_tp_methods, input_methods},
    {Py_tp_doc, const_cast<char*>("wsgi.input: the request body (PEP 3333)")},
    {0, nullptr},
};

PyType_Spec input_spec = {
    "paasrun.Input", sizeof(InputObject), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    input_slots,
};

}  // namespace

PyTypeObject* input_stream_type() {
    static PyTypeObject* type = nullptr;  // lives as long as the interpreter (never freed)
    if (type == nullptr) type = reinterpret_cast<PyTypeObject*>(PyType_FromSpec(&input_spec));
    return type;
}

PyRef input_stream_new() {
    PyTypeObject* type = input_stream_type();
    if (type == nullptr) return {};
    PyRef obj(type->tp_alloc(type, 0));  // zero-filled: detached
    if (obj) as_input(obj.get())->fd = -1;
    return obj;
}

void input_stream_attach(PyObject* stream, const Body& body) {
    InputObject* in = as_input(stream);
    clear_cache(in);
    in->mem = body.fd < 0 ? body.memory.data() : nullptr;
    in->fd = body.fd;
    in->base = body.offset;
    in->size = body.fd < 0 ? body.memory.size() : body.size;
    in->pos = 0;
}

void input_stream_detach(PyObject* stream) {
    InputObject* in = as_input(stream);
    clear_cache(in);
    in->mem = nullptr;
    in->fd = -1;
    in->base = 0;
    in->size = 0;
    in->pos = 0;
}

}  // namespace paasrun::wsgi
