// EnvironBuilder: turns a Request into a PEP 3333 environ dict, fast.
//
// Per process it prebuilds a template dict holding the constant keys (wsgi.version,
// wsgi.errors, wsgi.multithread, ...) and interns every key string; per request it copies
// the template (PyDict_Copy of a clean dict is a memcpy of its table) and sets the
// per-request keys. Values that repeat (methods, protocol, scheme, server name/port, the
// environ keys of common header names) come from small bounded caches, so a typical GET
// allocates only the dict, PATH_INFO, the header values and what is unique to it.
//
// Rules (PEP 3333 "environ Variables", CGI RFC 3875):
//   - every str is a "native string": bytes decoded as latin-1, so any byte round-trips;
//   - PATH_INFO is the raw path percent-decoded AS BYTES, then latin-1 decoded, with
//     SCRIPT_NAME removed when the path starts with it (at a '/' boundary);
//   - HTTP_* keys: upper-case, '-' -> '_'; repeated headers joined with ", " (Cookie
//     with "; "); Content-Type/Length as CONTENT_TYPE/CONTENT_LENGTH;
//   - CONTENT_LENGTH is the request's header when present, else the body size when the
//     body is not empty (a de-chunked body: frameworks such as Django read nothing
//     without it), else absent;
//   - RAW_URI and REQUEST_URI (gunicorn/uWSGI extensions) hold the raw path + "?query".
// Not thread-safe by itself: every call needs the GIL, which serialises the caches.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wsgi/app.hpp"
#include "wsgi/py_ref.hpp"
#include "wsgi/request.hpp"

namespace paasrun::wsgi {

class EnvironBuilder {
public:
    /// Builds the template. `errors` is the wsgi.errors object, `file_wrapper` the class.
    /// False with a Python error set on failure. GIL held.
    [[nodiscard]] bool init(const AppOptions& options, PyObject* errors, PyObject* file_wrapper);

    /// A new environ for `request`, with `input` as wsgi.input. Null with a Python error
    /// set on failure. GIL held.
    [[nodiscard]] PyRef build(const Request& request, PyObject* input);

private:
    // Bounded cache of str values by their bytes: the first kCap distinct values stay
    // cached for the process's life; later ones are created per request (so a client
    // cannot grow memory by sending many distinct values).
    class ValueCache {
    public:
        static constexpr std::size_t kCap = 8;
        /// A new reference to the str of `bytes` (latin-1), cached when there is room.
        PyRef get(std::string_view bytes);

    private:
        std::vector<std::pair<std::string, PyRef>> entries_;
    };

    PyRef header_key(std::string_view name);
    bool set_header(PyObject* env, std::string_view name, std::string_view value);

    enum Key : std::size_t {
        kRequestMethod,
        kScriptName,
        kPathInfo,
        kQueryString,
        kContentLength,
        kServerName,
        kServerPort,
        kServerProtocol,
        kRemoteAddr,
        kRemotePort,
        kRawUri,
        kRequestUri,
        kUrlScheme,
        kInput,
        kRequestId,
        kKeyCount
    };
    std::array<PyRef, kKeyCount> keys_;
    PyRef template_;
    PyRef empty_;
    ValueCache methods_, protocols_, schemes_, server_names_, ports_, addrs_, script_names_;
    // Environ keys by header name as received ("User-Agent" -> "HTTP_USER_AGENT"),
    // bounded like ValueCache but larger (browsers send ~15 distinct names).
    static constexpr std::size_t kHeaderKeyCap = 256;
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept {
            return std::hash<std::string_view>{}(s);
        }
    };
    std::unordered_map<std::string, PyRef, NameHash, std::equal_to<>> header_keys_;
    std::string scratch_;  // percent-decoding and key building; the GIL serialises use
    std::string join_;
};

}  // namespace paasrun::wsgi
