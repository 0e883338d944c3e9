// Request: the neutral view of one parsed HTTP request that the worker hands to the WSGI
// bridge. No Python here and nothing HTTP-parser specific: the worker fills it from
// src/http's parsed request (after X-Forwarded-* policy, limits and de-chunking).
//
// Lifetime: every string_view and the headers span need only stay valid during
// Exchange::start() (they are copied into the environ); the BODY (memory or fd) must stay
// valid until Exchange::finish() returns, because wsgi.input reads it lazily.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace paasrun::wsgi {

/// One header field as received. Names in any case; the bridge trusts that the worker
/// already rejected invalid names/values and dropped names containing '_'
/// (CVE-2015-0219: "X_Forwarded_For" must not masquerade as HTTP_X_FORWARDED_FOR).
struct Header {
    std::string_view name;
    std::string_view value;
};

/// The request body, already read whole by the worker (de-chunked when it was chunked).
/// Either in memory (fd < 0) or in a file read with pread(2) from `offset`.
struct Body {
    std::string_view memory;   // when fd < 0
    int fd = -1;               // temp file holding the body; the bridge never closes it
    std::uint64_t offset = 0;  // where the body starts in fd
    std::uint64_t size = 0;    // body length; for memory bodies must equal memory.size()

    [[nodiscard]] static Body in_memory(std::string_view data) {
        return Body{data, -1, 0, data.size()};
    }
    [[nodiscard]] static Body in_file(int file, std::uint64_t length, std::uint64_t at = 0) {
        return Body{{}, file, at, length};
    }
};

struct Request {
    std::string_view method = "GET";             // REQUEST_METHOD, as received (case kept)
    std::string_view path = "/";                 // raw path, NOT percent-decoded, no query
    std::string_view query;                      // QUERY_STRING, without '?', raw
    std::string_view protocol = "HTTP/1.1";      // SERVER_PROTOCOL
    std::span<const Header> headers;             // arrival order
    std::string_view remote_addr;                // REMOTE_ADDR (after the forwarded policy)
    std::uint16_t remote_port = 0;               // REMOTE_PORT (0 = unknown, e.g. unix socket)
    std::string_view server_name = "localhost";  // SERVER_NAME
    std::uint16_t server_port = 80;              // SERVER_PORT
    std::string_view url_scheme = "http";        // wsgi.url_scheme
    std::string_view script_name;  // SCRIPT_NAME (--root-path, no trailing '/'), "" = none
    std::string_view request_id;   // environ["paasrun.request_id"] when non-empty
    Body body;
};

}  // namespace paasrun::wsgi
