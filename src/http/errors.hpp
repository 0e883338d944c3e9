// Why a request was refused, and the HTTP status that answers it.
//
// Data plane: the parsers return these codes, never throw. The worker answers a
// ParseError with status_for(e) and closes the connection (a message whose framing is in
// doubt must never be followed by another one on the same connection: RFC 9112 section 11.2).
#pragma once

#include <cstdint>
#include <string_view>

namespace paasrun::http {

enum class ParseError : std::uint8_t {
    none = 0,
    // 400: request line
    bad_method,        // empty, a byte outside tchar (RFC 9110 5.6.2), or lowercase
    bad_target,        // empty, or a CTL / SP / DEL byte in the request-target
    bad_version,       // not "HTTP/" DIGIT "." DIGIT
    bad_request_line,  // not exactly METHOD SP target SP version CRLF
    // 400: field lines
    bad_header_name,          // empty, or a byte outside tchar
    bad_header_value,         // a CTL (other than HTAB) or DEL in a field value
    whitespace_before_colon,  // "Name : v" (RFC 9112 5.1: MUST reject with 400)
    obs_fold,                 // a line starting with SP/HTAB (RFC 9112 5.2)
    bare_cr,                  // CR not followed by LF
    bare_lf,                  // LF not preceded by CR (strict, RFC 9112 2.2 allows refusing)
    nul_byte,                 // NUL anywhere in the head
    // 400: framing (request smuggling shapes, RFC 9112 6.1 / 6.3)
    invalid_content_length,    // not 1*DIGIT, or overflows uint64
    duplicate_content_length,  // two Content-Length fields or a list, even with equal values
    content_length_with_transfer_encoding,  // Content-Length together with Transfer-Encoding
    bad_transfer_encoding,   // chunked not last / applied twice / empty, or in HTTP/1.0
    duplicate_host,          // more than one Host field (RFC 9112 3.2)
    duplicate_content_type,  // two Content-Type fields: CONTENT_TYPE would be ambiguous
    bad_host,                // Host value with bytes not allowed in an authority
    missing_host,            // an HTTP/1.1 request without Host (RFC 9112 3.2: MUST be 400)
    // other statuses
    unsupported_transfer_encoding,  // 501: a coding other than chunked (RFC 9112 6.1)
    method_too_long,                // 501: longer than kMaxMethodLength: no server implements it
    connect_refused,                // 405: CONNECT (paasrun is not a proxy; see docs/http.md)
    unsupported_version,            // 505: another major version (HTTP/0.9, HTTP/2.0, ...)
    request_line_too_long,          // 414
    too_many_headers,               // 431
    header_too_large,               // 431
    body_too_large,                 // 413
    // 400: chunked body (RFC 9112 7.1)
    bad_chunk_size,       // empty or non-hex chunk-size
    chunk_size_overflow,  // more than 16 hex digits / does not fit uint64
    bad_chunk_extension,  // chunk-ext that is not ;token[=token|quoted-string]
    bad_chunk_crlf,       // chunk-data not followed by CRLF, or bare LF/CR in a chunk line
    bad_trailer,          // trailer field line that fails the field-line rules
    forbidden_trailer,    // framing/routing/control field in a trailer (RFC 9110 6.5.1)
    trailer_too_large,    // 431: trailer section over Limits::max_trailer_size
};

/// The response status for a parse error: 400, 405, 413, 414, 431, 501 or 505 (0 for none).
[[nodiscard]] int status_for(ParseError e) noexcept;
/// A short lower_snake name for logs ("obs_fold"), static storage.
[[nodiscard]] std::string_view describe(ParseError e) noexcept;

}  // namespace paasrun::http
