// What resolve() decides: leave the request to the app, or a complete response plan that the
// worker turns into bytes without any further decision.
//
// A plan is a status, a fixed set of optional fields, and a body that is either nothing,
// bytes in memory, or a range of an open file (for sendfile). Views inside a plan point into
// the StaticFiles instance or into `owner`, which keeps the cached file (and its fd) alive
// for as long as the plan exists, even if the cache drops or replaces the entry meanwhile.
//
// How the worker sends a plan (src/worker's PreAppRoute):
//   std::string head;  http::ResponsePlan framing;
//   render_head(plan, request.version, keep_alive, head, framing);   // status line + fields
//   body == memory: queue head + plan.memory in ONE append (headers and small body, one write)
//   body == file:   queue head, then append_file(plan.fd, plan.offset, plan.length) (sendfile)
//   body == none:   queue head only (HEAD, 304, redirects, 416)
//   framing.keep_alive says whether the connection may carry another request.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request.hpp"
#include "http/response_writer.hpp"

namespace paasrun::static_files {

enum class BodySource : std::uint8_t { none, memory, file };

struct ResponsePlan {
    int status = 200;

    // Fields, sent in this order when non-empty (Server, Date, Content-Length and Connection
    // are added by render_head through http::write_response_head).
    std::string_view content_type;
    std::string_view content_encoding;
    std::string content_range;  // "bytes 0-99/1000" (206) or "bytes */1000" (416)
    std::string_view last_modified;
    std::string_view etag;
    std::string_view cache_control;
    bool vary_accept_encoding = false;  // "Vary: Accept-Encoding"
    bool cors = false;                  // "Access-Control-Allow-Origin: *"
    bool allow = false;                 // "Allow: GET, HEAD" (405)
    std::string location;               // redirects

    // Content-Length to announce (also on HEAD, where no body follows); none on 304.
    std::optional<std::uint64_t> content_length;
    bool head_request = false;  // HEAD: the head announces the length, no body is sent

    BodySource body = BodySource::none;
    std::string_view memory;   // body == memory
    int fd = -1;               // body == file: owned by `owner`, dup() it to keep it longer
    std::uint64_t offset = 0;  // body == file
    std::uint64_t length = 0;  // body bytes that follow the head (0 for none)

    std::shared_ptr<const void> owner;  // keeps views and fd alive

    /// Value of a field this plan will send (case-insensitive name), for tests and logs.
    [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
    /// Every field the plan sends except those render_head adds (Server, Date,
    /// Content-Length, Connection), in order.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> fields() const;
};

struct Decision {
    bool mine = false;  // false: not a static path (or a miss that falls through): call the app
    ResponsePlan plan;  // when mine
};

/// Appends the response head for `plan` to `out` (status line, the plan's fields, Server,
/// Date, Content-Length, Connection per `keep_alive` and `version`) and fills `framing`.
/// Never fails for a plan made by StaticFiles (returns what write_response_head returned).
http::ResponseError render_head(const ResponsePlan& plan, http::Version version, bool keep_alive,
                                std::string& out, http::ResponsePlan& framing);

}  // namespace paasrun::static_files
