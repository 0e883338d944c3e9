// ConnectionConfig: the per-worker settings every connection reads (immutable once the
// loop runs), derived from ServeOptions plus the front end's fixed deadlines.
//
// Deadlines (documented in docs/serve.md, "HTTP front end"):
//   header_timeout_ms   a request head must arrive completely within this time from its
//                       first byte (or from accept). Slowloris (one header line every few
//                       seconds) is cut off here.
//   keep_alive_ms       --keep-alive: idle time allowed between requests.
//   body_grace_ms +     a body must keep an average rate of at least body_min_rate bytes/s
//   body_min_rate       after a grace period; slow-body attacks (slowhttptest -B) end here.
//   body_idle_ms        and no read may stall longer than this.
//   linger_ms           after an error response, unread input is drained this long before
//                       close, so the client sees the response instead of a RST.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "http/access_log.hpp"
#include "http/access_log_template.hpp"
#include "http/cidr.hpp"
#include "http/limits.hpp"
#include "serve/serve_options.hpp"

namespace paasrun::worker {

struct ConnectionConfig {
    http::Limits limits;
    std::int64_t header_timeout_ms = 10'000;
    std::int64_t keep_alive_ms = 5'000;
    std::int64_t body_grace_ms = 10'000;
    std::uint64_t body_min_rate = 1024;  // bytes per second
    std::int64_t body_idle_ms = 15'000;
    std::int64_t linger_ms = 2'000;
    std::int64_t request_timeout_ms = 0;  // --request-timeout; 0 = off

    bool inline_app = true;  // --threads 1: the app runs on the loop thread (false for ASGI)
    http::CidrList forwarded_allow;
    std::string root_path;        // SCRIPT_NAME, no trailing '/'
    bool proxy_protocol = false;  // --proxy-protocol
    http::CidrList proxy_allow;   // --proxy-allow-from

    http::AccessLogFormat access_log = http::AccessLogFormat::logfmt;
    // --access-logformat, or --access-log-format combined: replaces `access_log`'s format
    // (the log is on when access_log != off).
    std::optional<http::AccessLogTemplate> access_log_template;
    int access_log_fd = 2;
    std::size_t max_connections = 10'000;

    // WebSockets (ASGI apps; worker/websocket_session.hpp)
    std::size_t ws_max_message = 16 * 1024 * 1024;  // --ws-max-size
    std::int64_t ws_ping_interval_ms = 20'000;      // --ws-ping-interval; 0 = off
    std::int64_t ws_ping_timeout_ms = 20'000;       // --ws-ping-timeout; 0 = off
    std::int64_t ws_idle_timeout_ms = 0;            // --ws-idle-timeout; 0 = off
    bool ws_deflate = true;                         // --ws-per-message-deflate
    std::int64_t ws_close_timeout_ms = 5'000;       // wait for the peer's close frame
};

/// Builds the config from resolved options. Errors name the option (bad CIDR list).
[[nodiscard]] Result<ConnectionConfig> make_connection_config(const ServeOptions& options,
                                                              int access_log_fd);

}  // namespace paasrun::worker
