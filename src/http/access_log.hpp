// One access-log line per request, logfmt (default) or JSON (--access-log-format json).
//
//   logfmt: time=2026-01-02T03:04:05.678Z at=info component=access msg=request method=GET
//           path=/hello status=200 bytes=12 duration_ms=0.412 request_id=... remote_addr=...
//           proto=HTTP/1.1 host=... referer=... user_agent=...   (the last three when sent)
//   json:   {"time":"2026-01-02T03:04:05.678Z","component":"access","method":"GET",...}
//
// The logfmt line uses util/log's format_line, so it looks like every other log line. Values
// are escaped (quotes, backslashes, control bytes; non-ASCII bytes as \u00XX in JSON, since
// request paths are arbitrary bytes, not UTF-8). The line ends in '\n'; the worker writes it
// with one write(2) so lines from several workers never interleave.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::http {

struct Request;

enum class AccessLogFormat : std::uint8_t { off, logfmt, json };

/// "logfmt" | "json" | "-" (off); anything else is an error naming the choices.
[[nodiscard]] Result<AccessLogFormat> parse_access_log_format(std::string_view text);

struct AccessLogEntry {
    std::string_view method;
    std::string_view path;   // raw path as received (not decoded), without the query
    std::string_view query;  // logged only when non-empty
    int status = 0;
    std::uint64_t bytes = 0;   // response body bytes sent
    double duration_ms = 0.0;  // from the first byte of the request to the last of the response
    std::string_view request_id;
    std::string_view remote_addr;
    std::string_view target;           // request-target as sent (%(r)s)
    std::string_view protocol;         // "HTTP/1.1" / "HTTP/1.0"
    std::string_view host;             // Host (after a trusted X-Forwarded-Host); logged when set
    std::string_view referer;          // logged when set
    std::string_view user_agent;       // logged when set
    const Request* request = nullptr;  // for gunicorn's %({name}i)s atoms
};

/// The complete line (with '\n'); empty for AccessLogFormat::off.
[[nodiscard]] std::string format_access_log(AccessLogFormat format, const AccessLogEntry& e);

}  // namespace paasrun::http
