#include "wsgi/environ.hpp"

#include <charconv>

#include "wsgi/wire_rules.hpp"

namespace paasrun::wsgi {
namespace {

PyRef latin1(std::string_view bytes) {
    return PyRef(
        PyUnicode_DecodeLatin1(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), nullptr));
}

PyRef interned(const char* text) {
    return PyRef(PyUnicode_InternFromString(text));
}

PyRef decimal_str(std::uint64_t port) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, port);
    return latin1(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
}

// PyDict_SetItem that consumes `value` (null means a failed constructor: propagate).
bool put(PyObject* dict, PyObject* key, PyRef value) {
    return value && PyDict_SetItem(dict, key, value.get()) == 0;
}

// The latin-1 bytes of a str this module created (always 1-byte kind).
std::string_view bytes_of(PyObject* s) {
    return {reinterpret_cast<const char*>(PyUnicode_1BYTE_DATA(s)),
            static_cast<std::size_t>(PyUnicode_GET_LENGTH(s))};
}

}  // namespace

PyRef EnvironBuilder::ValueCache::get(std::string_view bytes) {
    for (auto& [text, obj] : entries_)
        if (text == bytes) return obj;
    PyRef value = latin1(bytes);
    if (value && entries_.size() < kCap) {
        PyUnicode_InternInPlace(reinterpret_cast<PyObject**>(&value));
        // InternInPlace may swap the object; PyRef holds whatever it left there.
        entries_.emplace_back(std::string(bytes), value);
    }
    return value;
}

bool EnvironBuilder::init(const AppOptions& options, PyObject* errors, PyObject* file_wrapper) {
    static constexpr std::array<const char*, kKeyCount> kNames{
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO",       "QUERY_STRING", "CONTENT_LENGTH",
        "SERVER_NAME",    "SERVER_PORT", "SERVER_PROTOCOL", "REMOTE_ADDR",  "REMOTE_PORT",
        "RAW_URI",        "REQUEST_URI", "wsgi.url_scheme", "wsgi.input",   "paasrun.request_id"};
    for (std::size_t i = 0; i < kKeyCount; ++i) {
        keys_[i] = interned(kNames[i]);
        if (!keys_[i]) return false;
    }
    empty_ = PyRef(PyUnicode_FromStringAndSize("", 0));
    template_ = PyRef(PyDict_New());
    if (!empty_ || !template_) return false;
    PyObject* t = template_.get();
    auto flag = [](bool b) { return PyRef::borrow(b ? Py_True : Py_False); };
    if (!put(t, interned("wsgi.version").get(), PyRef(Py_BuildValue("(ii)", 1, 0))) ||
        !put(t, interned("wsgi.errors").get(), PyRef::borrow(errors)) ||
        !put(t, interned("wsgi.multithread").get(), flag(options.multithread)) ||
        !put(t, interned("wsgi.multiprocess").get(), flag(options.multiprocess)) ||
        !put(t, interned("wsgi.run_once").get(), flag(false)) ||
        !put(t, interned("wsgi.file_wrapper").get(), PyRef::borrow(file_wrapper)) ||
        // The worker read the body whole, so reading wsgi.input to EOF is always safe.
        !put(t, interned("wsgi.input_terminated").get(), flag(true)) ||
        !put(t, interned("SERVER_SOFTWARE").get(), latin1(options.server_software)))
        return false;
    for (const char* m : {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"})
        if (!methods_.get(m)) return false;
    return protocols_.get("HTTP/1.1") && protocols_.get("HTTP/1.0") && schemes_.get("http") &&
           schemes_.get("https");
}

PyRef EnvironBuilder::header_key(std::string_view name) {
    if (auto it = header_keys_.find(name); it != header_keys_.end()) return it->second;
    environ_key(name, scratch_);
    PyRef key = latin1(scratch_);
    if (!key) return key;
    PyUnicode_InternInPlace(reinterpret_cast<PyObject**>(&key));
    if (header_keys_.size() < kHeaderKeyCap) header_keys_.emplace(std::string(name), key);
    return key;
}

bool EnvironBuilder::set_header(PyObject* env, std::string_view name, std::string_view value) {
    PyRef key = header_key(name);
    if (!key) return false;
    PyObject* old = PyDict_GetItemWithError(env, key.get());  // borrowed
    if (old == nullptr && PyErr_Occurred()) return false;
    if (old == nullptr) return put(env, key.get(), latin1(value));
    // RFC 9110 5.3: repeated fields combine into one comma-separated list (Cookie: "; ").
    join_.assign(bytes_of(old));
    join_.append(join_separator(bytes_of(key.get())));
    join_.append(value);
    return put(env, key.get(), latin1(join_));
}

PyRef EnvironBuilder::build(const Request& r, PyObject* input) {
    PyRef env(PyDict_Copy(template_.get()));
    if (!env) return env;
    PyObject* e = env.get();
    auto key = [this](Key k) { return keys_[k].get(); };

    // PEP 3333: PATH_INFO is decoded from %XX to bytes, then bytes -> str as latin-1.
    percent_decode_path(r.path, scratch_);
    std::string_view path_info = scratch_;
    if (!r.script_name.empty()) {
        if (auto rest = strip_script_name(scratch_, r.script_name)) path_info = *rest;
    }
    if (!put(e, key(kPathInfo), latin1(path_info))) return {};

    char port[8];
    auto port_end = std::to_chars(port, port + sizeof port, r.server_port).ptr;
    bool ok = put(e, key(kScriptName),
                  r.script_name.empty() ? empty_ : script_names_.get(r.script_name)) &&
              put(e, key(kRequestMethod), methods_.get(r.method)) &&
              put(e, key(kQueryString), r.query.empty() ? empty_ : latin1(r.query)) &&
              put(e, key(kServerProtocol), protocols_.get(r.protocol)) &&
              put(e, key(kServerName), server_names_.get(r.server_name)) &&
              put(e, key(kServerPort),
                  ports_.get(std::string_view(port, static_cast<std::size_t>(port_end - port)))) &&
              put(e, key(kRemoteAddr), addrs_.get(r.remote_addr)) &&
              put(e, key(kRemotePort), r.remote_port == 0 ? empty_ : decimal_str(r.remote_port)) &&
              put(e, key(kUrlScheme), schemes_.get(r.url_scheme)) &&
              PyDict_SetItem(e, key(kInput), input) == 0;
    if (!ok) return {};

    // RAW_URI / REQUEST_URI: one str shared by both keys.
    PyRef raw_uri;
    if (r.query.empty()) {
        raw_uri = latin1(r.path);
    } else {
        join_.assign(r.path);
        join_.push_back('?');
        join_.append(r.query);
        raw_uri = latin1(join_);
    }
    if (!raw_uri || PyDict_SetItem(e, key(kRawUri), raw_uri.get()) != 0 ||
        PyDict_SetItem(e, key(kRequestUri), raw_uri.get()) != 0)
        return {};
    if (!r.request_id.empty() && !put(e, key(kRequestId), latin1(r.request_id))) return {};

    for (const Header& h : r.headers)
        if (!set_header(e, h.name, h.value)) return {};
    // The id the front end kept or made replaces whatever the client sent (an invalid one
    // was not kept), so the app logs the same id as the access log and the response.
    if (!r.request_id.empty()) {
        PyRef id_key = header_key("X-Request-Id");
        if (!id_key || !put(e, id_key.get(), latin1(r.request_id))) return {};
    }

    const std::uint64_t body_size = r.body.fd < 0 ? r.body.memory.size() : r.body.size;
    if (body_size > 0) {
        int has = PyDict_Contains(e, key(kContentLength));
        if (has < 0) return {};
        if (has == 0 && !put(e, key(kContentLength), decimal_str(body_size))) return {};
    }
    return env;
}

}  // namespace paasrun::wsgi
