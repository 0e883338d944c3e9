#include "worker/connection_config.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace paasrun::worker {

Result<ConnectionConfig> make_connection_config(const ServeOptions& o, int access_log_fd) {
    ConnectionConfig c;
    c.limits.max_request_line = static_cast<std::size_t>(o.limit_request_line);
    c.limits.max_header_fields = std::min<std::size_t>(
        static_cast<std::size_t>(o.limit_request_fields), http::kHeaderCapacity);
    c.limits.max_field_size = static_cast<std::size_t>(o.limit_request_field_size);
    // --max-body 0 means unlimited; the parser wants a number, so use the largest one.
    c.limits.max_body = o.max_body == 0 ? UINT64_MAX : o.max_body;
    c.keep_alive_ms = static_cast<std::int64_t>(o.keep_alive) * 1000;
    c.request_timeout_ms = static_cast<std::int64_t>(o.request_timeout) * 1000;
    c.inline_app = o.threads <= 1;
    c.ws_max_message = static_cast<std::size_t>(o.ws_max_size);
    c.ws_ping_interval_ms = static_cast<std::int64_t>(o.ws_ping_interval) * 1000;
    c.ws_ping_timeout_ms = static_cast<std::int64_t>(o.ws_ping_timeout) * 1000;
    c.ws_idle_timeout_ms = static_cast<std::int64_t>(o.ws_idle_timeout) * 1000;
    c.ws_deflate = o.ws_per_message_deflate;

    std::string joined;
    for (const auto& ip : o.forwarded_allow_ips) {
        if (!joined.empty()) joined += ',';
        joined += ip;
    }
    auto cidrs = http::CidrList::parse(joined);
    if (!cidrs) return Error(fmt::format("--forwarded-allow-ips: {}", cidrs.error().describe()));
    c.forwarded_allow = std::move(*cidrs);

    c.proxy_protocol = o.proxy_protocol;
    std::string proxies;
    for (const auto& ip : o.proxy_allow_ips) proxies += (proxies.empty() ? "" : ",") + ip;
    auto proxy_cidrs = http::CidrList::parse(proxies);
    if (!proxy_cidrs)
        return Error(fmt::format("--proxy-allow-from: {}", proxy_cidrs.error().describe()));
    c.proxy_allow = std::move(*proxy_cidrs);

    c.root_path = o.root_path;
    while (!c.root_path.empty() && c.root_path.back() == '/') c.root_path.pop_back();

    c.access_log = !o.access_log_enabled()                        ? http::AccessLogFormat::off
                   : o.access_log_format == AccessLogFormat::json ? http::AccessLogFormat::json
                                                                  : http::AccessLogFormat::logfmt;
    c.access_log_fd = access_log_fd;
    if (!o.access_log_template.empty() || o.access_log_format == AccessLogFormat::combined) {
        auto t = http::AccessLogTemplate::compile(o.access_log_template.empty()
                                                      ? http::kCombinedLogFormat
                                                      : std::string_view(o.access_log_template));
        if (!t) return Error(fmt::format("--access-logformat: {}", t.error().message));
        c.access_log_template = std::move(*t);
    }
    if (o.worker_connections > 0)
        c.max_connections = static_cast<std::size_t>(o.worker_connections);
    return c;
}

}  // namespace paasrun::worker
