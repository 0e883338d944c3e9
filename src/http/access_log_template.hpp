// gunicorn's --access-logformat: a Python %-format string over named atoms, compiled once.
//
//   %(h)s remote address      %(l)s '-'                %(u)s user (Basic auth) or '-'
//   %(t)s [06/Dec/2026:09:20:00 +0000]                 %(r)s request line (GET /p?q HTTP/1.1)
//   %(m)s method   %(U)s path   %(q)s query   %(H)s protocol (HTTP/1.1)   %(s)s status
//   %(B)s body bytes   %(b)s body bytes, '-' when 0   %(f)s referer   %(a)s user agent
//   %(T)s seconds (int)   %(M)s milliseconds   %(D)s microseconds   %(L)s seconds (decimal)
//   %(p)s <pid>   %({name}i)s request header   %({name}o)s response header   %({name}e)s
//   environ variable   %% a percent sign
// Missing values (no referer, an absent header) are '-', as in gunicorn. Response headers
// and environ variables are not kept after the response, so `{...}o` and `{...}e` atoms are
// always '-' except {x-request-id}o (the id the front end echoes). An unknown atom or
// conversion is an error at startup, never a silently blank field. Values are escaped so a
// line stays one line: '"' and '\' get a backslash, bytes outside printable ASCII are \xNN.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/access_log.hpp"
#include "util/result.hpp"

namespace paasrun::http {

/// gunicorn's default access_log_format, Apache's "combined" format.
inline constexpr std::string_view kCombinedLogFormat =
    R"(%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s")";

class AccessLogTemplate {
public:
    /// Compiles `format`; an error names the first bad atom and its offset.
    [[nodiscard]] static Result<AccessLogTemplate> compile(std::string_view format);

    /// One line, '\n'-terminated.
    [[nodiscard]] std::string render(const AccessLogEntry& e) const;

private:
    struct Part {
        char atom = 0;     // 0 = literal text; 'i'/'o'/'e' = {name} atoms
        std::string text;  // literal, or the header/variable name
    };
    std::vector<Part> parts_;
};

}  // namespace paasrun::http
