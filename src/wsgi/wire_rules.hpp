// Pure byte-level rules of the WSGI bridge: PATH_INFO decoding, environ key names, and the
// validation of what an app passes to start_response. No Python here, so the unit tests
// feed strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/strings.hpp"

namespace paasrun::wsgi {

/// Percent-decodes a raw request path into `out` (cleared first) byte for byte: "%2F"
/// becomes '/', "%C3%A9" two bytes. A '%' not followed by two hex digits is kept as is
/// (what gunicorn and werkzeug do). '+' is NOT a space in a path (RFC 3986).
void percent_decode_path(std::string_view raw, std::string& out);

/// Removes SCRIPT_NAME from a decoded path: returns the PATH_INFO part when `path` equals
/// `script_name` or continues with '/' after it; std::nullopt when it does not start with
/// it (PATH_INFO then stays the whole path). `script_name` has no trailing '/'.
[[nodiscard]] std::optional<std::string_view> strip_script_name(std::string_view path,
                                                                std::string_view script_name);

/// The environ key of a request header: "HTTP_" + upper-case, '-' -> '_'; "CONTENT_TYPE"
/// and "CONTENT_LENGTH" without the prefix (PEP 3333 / CGI RFC 3875 4.1.18).
void environ_key(std::string_view header_name, std::string& out);

/// Separator used to join repeated request headers: "; " for Cookie (RFC 6265 5.4: one
/// cookie-string), ", " for the rest (RFC 9110 5.3).
[[nodiscard]] std::string_view join_separator(std::string_view environ_key);

/// RFC 9110 5.6.2 token (header names).
[[nodiscard]] bool is_token(std::string_view s);

/// A field value an app may send: no CR, LF, NUL or other CTL except HTAB (RFC 9110
/// 5.5; CR/LF would be response splitting, CWE-113).
[[nodiscard]] bool is_valid_field_value(std::string_view s);

/// Hop-by-hop fields (RFC 9110 7.6.1 + RFC 2616 13.5.1's list PEP 3333 refers to) that a
/// WSGI app must not send.
[[nodiscard]] bool is_hop_by_hop(std::string_view name);

/// "200 OK" -> 200. Requires three digits, then end or SP and a reason without CTLs
/// (PEP 3333: "a status code and a reason phrase, separated by a single space").
[[nodiscard]] std::optional<int> parse_status(std::string_view status);

/// A Content-Length value: 1*DIGIT that fits in uint64.
[[nodiscard]] std::optional<std::uint64_t> parse_content_length(std::string_view s);

/// ASCII case-insensitive equality: util/strings.hpp's.
using paasrun::iequals;

}  // namespace paasrun::wsgi
