// Response heads, chunk framing and the per-second Date cache (RFC 9110/9112).
//
// The worker hands over the status and headers the WSGI app gave start_response (bytes,
// latin-1) and what it knows about the body; write_response_head() validates the app's
// headers, decides the framing and appends the complete head to `out`, so the worker can
// append the first body chunk and send both with one write (bjoern does the same).
//
// Rules:
// - Status line is always "HTTP/1.1 NNN reason" (RFC 9110 6.2: a server sends its own
//   highest minor version). The app's reason phrase is kept; an empty one uses the table.
// - App header names must be tokens and values must not contain CR, LF, NUL or other CTLs
//   except HTAB (response splitting) -> ResponseError, which the worker turns into a 500.
// - Hop-by-hop fields from the app (Connection, Keep-Alive, Transfer-Encoding, TE, Trailer,
//   Upgrade, Proxy-Connection; PEP 3333 forbids them) are not forwarded (Trailer is, when
//   ResponseSpec::trailers and the body is chunked); "Connection: close"
//   from the app still closes the connection after the response.
// - Date and Server: paasrun are added unless the app set them.
// - Framing: the app's Content-Length (validated; several must agree) or, failing that,
//   ResponseSpec::body_length when the worker knows it, else chunked for HTTP/1.1 and
//   close-delimited for HTTP/1.0. No body and no Content-Length for 1xx and 204; no body for
//   304 and for HEAD (a HEAD response keeps the app's Content-Length).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace paasrun::http {

enum class ResponseError : std::uint8_t {
    none = 0,
    bad_status,          // not "NNN reason" with 100 <= NNN <= 999, or CTL in the reason
    bad_header_name,     // empty or non-token name
    bad_header_value,    // CR, LF, NUL or another CTL in a value
    bad_content_length,  // not 1*DIGIT, or two Content-Length fields that differ
};
[[nodiscard]] std::string_view describe(ResponseError e) noexcept;

struct StatusLine {
    int code = 0;
    std::string_view reason;  // may be empty
};
/// Parses a WSGI status string such as "200 OK" (PEP 3333: code, space, reason).
[[nodiscard]] std::optional<StatusLine> parse_status(std::string_view status) noexcept;
/// The RFC 9110 reason phrase for a code, "" when the code is not registered.
[[nodiscard]] std::string_view reason_phrase(int code) noexcept;
/// False for 1xx, 204 and 304: these responses never carry a body (RFC 9110 6.4.1).
[[nodiscard]] bool status_allows_body(int code) noexcept;

enum class ResponseFraming : std::uint8_t {
    no_body,         // HEAD, 1xx, 204, 304: write nothing after the head
    content_length,  // write exactly ResponsePlan::content_length bytes
    chunked,         // frame every piece with chunk_header() ... kChunkEnd, then kLastChunk
    until_close,     // write raw bytes, then close (HTTP/1.0 without a known length)
};

struct ResponseSpec {
    int status = 200;
    std::string_view reason;            // empty: reason_phrase(status)
    std::span<const Header> headers;    // from the app, in order
    Version version = Version::http11;  // the request's version
    bool head_request = false;
    bool keep_alive = true;  // the request allows it and the worker is not draining
    /// Body length known to the server when the app gave no Content-Length (e.g. the app
    /// returned a one-element list). Ignored when the app set Content-Length.
    std::optional<std::uint64_t> body_length;
    /// A trailer section will follow the body (ASGI's http.response.trailers to a client that
    /// sent TE: trailers): the app's `Trailer` field is kept when the framing is chunked.
    bool trailers = false;
};

struct ResponsePlan {
    ResponseFraming framing = ResponseFraming::no_body;
    std::uint64_t content_length = 0;  // when framing == content_length
    bool keep_alive = false;           // whether the connection stays open afterwards
};

/// Validates `spec` and appends the head (ending in the empty line) to `out`. On error,
/// nothing is appended and `plan` is unspecified.
[[nodiscard]] ResponseError write_response_head(const ResponseSpec& spec, std::string& out,
                                                ResponsePlan& plan);

/// Appends a complete short response for a refused request ("400 Bad Request" etc.) with a
/// text/plain body, Date, Server and "Connection: close". `head_request`: the request's
/// method was HEAD, so the body is left out (RFC 9110 9.3.2; Content-Length still says what a
/// GET would get). A 405 carries `Allow` (RFC 9110 15.5.6) with the methods paasrun passes
/// on to the app (every method but CONNECT; the app may refuse some itself).
void write_error_response(int status, std::string& out, bool head_request = false);

/// The Allow value of a 405 from the front end.
inline constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

/// "HTTP/1.1 100 Continue\r\n\r\n", sent before reading a body when expect_continue is set.
inline constexpr std::string_view kContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n";

/// Chunk framing: chunk_header(n) + n bytes + kChunkEnd per chunk; kLastChunk at the end.
inline constexpr std::size_t kChunkHeaderMax = 18;  // 16 hex digits + CRLF
inline constexpr std::string_view kChunkEnd = "\r\n";
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";
/// Writes "<hex size>\r\n" into `buf` and returns it. `size` must be > 0 (0 is kLastChunk).
[[nodiscard]] std::string_view chunk_header(std::uint64_t size,
                                            std::array<char, kChunkHeaderMax>& buf) noexcept;
void append_chunk_header(std::string& out, std::uint64_t size);

/// IMF-fixdate of the current second ("Sun, 06 Nov 1994 08:49:37 GMT", 29 bytes).
/// Thread-safe: each thread keeps its own cache, refreshed when the second changes; the view
/// stays valid until the same thread calls again in a later second.
[[nodiscard]] std::string_view http_date() noexcept;
/// The IMF-fixdate for a given time (for tests and Last-Modified).
[[nodiscard]] std::string format_http_date(std::int64_t unix_seconds);

}  // namespace paasrun::http
