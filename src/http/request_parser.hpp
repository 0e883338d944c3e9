// HTTP/1.1 request-head parser (RFC 9112), strict, stateless, zero-copy.
//
// picohttpparser's contract: the caller owns the buffer and calls again with the same bytes
// plus more after `incomplete`. Nothing is allocated; results are views into `buffer`.
//
//   Request req;
//   auto r = parse_request_head(buf, req, limits);
//   if (r.status == ParseStatus::incomplete) read more (the limits are already checked on
//                                            the partial head, so a 414/431 comes early);
//   if (r.status == ParseStatus::error)  answer status_for(r.error), then close;
//   if (r.status == ParseStatus::complete) the body (per req.framing) starts at buf[r.consumed].
//
// Leading empty lines before the request line are skipped (RFC 9112 2.2 "SHOULD ignore at
// least one empty line"), and counted in `consumed`.
//
// Rejected (see errors.hpp for the status of each): bare CR, bare LF, obs-fold, whitespace
// between a field name and its colon, NUL/CTL in the head, bytes >= 0x80 in the target (a URI
// is ASCII), methods that are not uppercase tokens or are longer than kMaxMethodLength (501),
// invalid field-name tokens, more than one SP between request-line parts, a major version
// other than 1 (505; HTTP/1.2 .. 1.9 are processed as 1.1, RFC 9110 6.2), an HTTP/1.1 request
// without Host (RFC 9112 3.2), Content-Length with Transfer-Encoding, duplicate/list/invalid
// Content-Length, chunked not the final coding (400) or preceded by another coding (501),
// Transfer-Encoding in HTTP/1.0, two Host or two Content-Type fields, userinfo in an
// absolute-form target, "*" with a method other than OPTIONS, a target that is not origin-,
// absolute-, asterisk- or (for CONNECT) authority-form, a Content-Length over
// Limits::max_body, and CONNECT itself (405 once the head is valid: not a proxy). Fields with
// '_' in the name are dropped, not rejected (Request::dropped_*).
#pragma once

#include <cstddef>
#include <string_view>

#include "http/errors.hpp"
#include "http/limits.hpp"
#include "http/request.hpp"

namespace paasrun::http {

enum class ParseStatus : std::uint8_t { complete, incomplete, error };

struct ParseResult {
    ParseStatus status = ParseStatus::incomplete;
    ParseError error = ParseError::none;  // set when status == error
    std::size_t consumed = 0;             // head bytes incl. the final CRLF, when complete
};

/// Parses the request head at the start of `buffer`. `out` is overwritten (also on error).
[[nodiscard]] ParseResult parse_request_head(std::string_view buffer, Request& out,
                                             const Limits& limits = {}) noexcept;

}  // namespace paasrun::http
