// Percent-decoding of a request path to bytes (RFC 3986 2.1), for PEP 3333's PATH_INFO and
// the static-file server.
//
// Lenient like Python's urllib.parse.unquote (what gunicorn does): a '%' not followed by two
// hex digits is kept literally and reported, so the caller decides whether to refuse it.
// '+' is not a space in a path. The decoded bytes may contain anything, including NUL and
// '/', so the report says which of the dangerous ones appeared; the static-file server should
// refuse `nul` and `encoded_slash`, the WSGI layer passes them on (the app gets bytes).
#pragma once

#include <string>
#include <string_view>

namespace paasrun::http {

struct PercentReport {
    bool malformed = false;      // a '%' without two hex digits after it (kept as is)
    bool nul = false;            // %00 was decoded
    bool encoded_slash = false;  // %2F or %2f was decoded into '/'
    bool changed = false;        // at least one escape was decoded (else out == in)
};

/// Replaces `out` with the decoded bytes of `in`.
PercentReport percent_decode(std::string_view in, std::string& out);

}  // namespace paasrun::http
