// A parsed request head: zero-copy views into the caller's buffer plus derived facts.
//
// Every string_view points into the buffer given to parse_request_head() and stays valid
// only while that buffer is unchanged (the worker must not compact or reallocate its read
// buffer while a Request refers to it). Header names and values are raw bytes (latin-1 for
// PEP 3333); values have surrounding SP/HTAB removed.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "http/limits.hpp"
#include "util/strings.hpp"

namespace paasrun::http {

enum class Version : std::uint8_t { http10, http11 };

/// How the request body is delimited (RFC 9112 section 6.3).
enum class BodyFraming : std::uint8_t {
    none,            // no body (no Content-Length, no Transfer-Encoding)
    content_length,  // exactly Request::content_length bytes follow the head
    chunked,         // Transfer-Encoding: chunked; decode with ChunkedDecoder
};

struct Header {
    std::string_view name;   // as received (case kept); a token
    std::string_view value;  // OWS-trimmed; may be empty; may hold obs-text (>= 0x80)
};

/// Kept only for logging: how many `_` names were dropped and the first few of them.
inline constexpr std::size_t kDroppedNamesKept = 4;
/// Why such a field is dropped rather than forwarded (bjoern/nginx/gunicorn do the same):
inline constexpr std::string_view kUnderscoreDropReason =
    "field name contains '_' (CVE-2015-0219: Foo_Bar and Foo-Bar both become HTTP_FOO_BAR)";

struct Request {
    std::string_view method;  // token, case-sensitive ("GET")
    std::string_view target;  // request-target exactly as sent
    /// Raw (not percent-decoded) path: "/..." , "*" (OPTIONS), empty (CONNECT). For an
    /// absolute-form target without a path ("http://h?q") it is a static "/", not a view
    /// into the buffer.
    std::string_view path;
    std::string_view query;     // after '?', without it; empty when absent
    std::string_view fragment;  // after '#' (clients should not send one; kept for echo)
    Version version = Version::http11;

    /// Authority of an absolute-form target ("http://host:port/p" -> "host:port"), else the
    /// Host field value; empty when neither exists. has_host says whether a Host field came.
    std::string_view host;
    std::string_view scheme;  // "http"/"https" for an absolute-form target, else empty
    bool absolute_form = false;
    bool has_host = false;

    BodyFraming framing = BodyFraming::none;
    std::uint64_t content_length = 0;  // meaningful when framing == content_length

    /// Persistent connection after this request (RFC 9112 9.3): HTTP/1.1 unless
    /// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive".
    bool keep_alive = true;
    /// "Expect: 100-continue" (case-insensitive) was sent and the request has a body.
    bool expect_continue = false;
    /// "Connection: upgrade" together with an Upgrade field (the worker may refuse it).
    bool upgrade = false;

    std::size_t header_count = 0;
    std::array<Header, kHeaderCapacity> header_storage{};

    std::size_t dropped_count = 0;  // fields dropped for '_' in the name
    std::array<std::string_view, kDroppedNamesKept> dropped_names{};

    /// Fields in arrival order, without the dropped ones.
    [[nodiscard]] std::span<const Header> headers() const noexcept {
        return {header_storage.data(), header_count};
    }
    /// First value of a field by case-insensitive name; empty view when absent.
    [[nodiscard]] std::string_view find(std::string_view name) const noexcept;
    [[nodiscard]] bool has_body() const noexcept { return framing != BodyFraming::none; }
};

/// ASCII case-insensitive equality (field names, tokens): util/strings.hpp's.
using paasrun::iequals;

}  // namespace paasrun::http
