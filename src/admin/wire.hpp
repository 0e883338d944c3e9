// The admin front end's conversions between the strict parser's request head
// (http::Request, src/http/request_parser.hpp) and the API's plain values, and the bytes of
// the short responses the front end writes itself (probes, refusals, parse errors). Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "admin/api_types.hpp"
#include "http/request.hpp"

namespace paasrun::admin {

/// The ApiRequest for a parsed head: the path percent-decoded ('+' kept), the query split on
/// '&' and decoded ('+' is a space), Authorization/Content-Type/Accept, Content-Length when
/// the field was sent, chunked framing. The body is left empty.
[[nodiscard]] ApiRequest to_api_request(const http::Request& head);

/// How many fields named `name` (case-insensitive) the head has.
[[nodiscard]] std::size_t count_fields(const http::Request& head, std::string_view name);

/// A complete HTTP/1.1 response for `a`: status line with the RFC 9110 reason phrase,
/// Content-Type, Content-Length, a's extra headers, "Connection: close" when `close`, and the
/// body unless `head_only` (a HEAD request: the length is still the body's).
[[nodiscard]] std::string render_response(const ApiResponse& a, bool head_only, bool close);

}  // namespace paasrun::admin
