// Limits applied while parsing a request, with the defaults the CLI documents.
//
// Every limit is enforced by the pure parsers in this module, so a connection never has to
// buffer more than the limits allow before it knows the answer:
//   request line longer than max_request_line      -> 414 URI Too Long
//   more than max_header_fields field lines        -> 431 Request Header Fields Too Large
//   one field line longer than max_field_size      -> 431
//   body larger than max_body (Content-Length or
//   the running total of a chunked body)           -> 413 Content Too Large
#pragma once

#include <cstddef>
#include <cstdint>

namespace paasrun::http {

/// Hard capacity of the per-request header array (no allocation per header). A configured
/// max_header_fields above this is clamped to it.
inline constexpr std::size_t kHeaderCapacity = 128;

/// Longest method accepted, in bytes. The longest registered method is 17 bytes
/// ("UPDATEREDIRECTREF"); a longer one is answered 501 as soon as it is seen, not buffered up
/// to max_request_line and answered 414 (which would blame the URI).
inline constexpr std::size_t kMaxMethodLength = 32;

struct Limits {
    /// Bytes of "METHOD SP target SP HTTP/x.y", without the CRLF. (nginx/gunicorn: 8 KiB)
    std::size_t max_request_line = 8 * 1024;
    /// Field lines in the head, counting the ones dropped for `_` in the name.
    std::size_t max_header_fields = 100;
    /// Bytes of one field line "name: value", without the CRLF.
    std::size_t max_field_size = 8 * 1024;
    /// Request body bytes (after de-chunking). `--max-body`; default 100 MiB.
    std::uint64_t max_body = 100ull * 1024 * 1024;
    /// Bytes of the trailer section of a chunked body (fields are parsed and discarded).
    std::size_t max_trailer_size = 8 * 1024;  // incl. the final CRLF
};

}  // namespace paasrun::http
