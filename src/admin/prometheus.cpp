#include "admin/prometheus.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <set>

namespace paasrun::admin {

namespace {

// Process states (supervisor/process_state.hpp): each process gets one series per state, 1 for
// the current one: an alert can then say `paasrun_process_state{state="crashed"} == 1` and a
// vanished series means a vanished process.
using supervisor::kProcessStates;

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};

// The per-endpoint table (docs/dashboard.md): counters by route and status class, the
// merged p50/p99 as a summary (cumulative since the web processes started), CPU seconds.
void format_endpoints(std::string& out, const std::vector<EndpointStats>& endpoints) {
    auto it = std::back_inserter(out);
    family(
        out, "paasrun_endpoint_requests_total", "counter",
        "Requests answered by the web workers, by route (ids collapsed to :id) and status class.");
    for (const auto& e : endpoints)
        for (std::size_t i = 0; i < e.by_class.size(); ++i)
            fmt::format_to(
                it, "paasrun_endpoint_requests_total{{route=\"{}\",status_class=\"{}\"}} {}\n",
                escape_label_value(e.route), kClasses[i], e.by_class[i]);
    family(
        out, "paasrun_endpoint_request_duration_seconds", "summary",
        "Request latency by route: p50 and p99 of every request since the web processes started.");
    for (const auto& e : endpoints) {
        auto route = escape_label_value(e.route);
        for (auto [q, v] : {std::pair{"0.5", e.p50}, std::pair{"0.99", e.p99}})
            if (v)
                fmt::format_to(it,
                               "paasrun_endpoint_request_duration_seconds{{route=\"{}\",quantile="
                               "\"{}\"}} {}\n",
                               route, q, format_sample_value(*v));
        fmt::format_to(it, "paasrun_endpoint_request_duration_seconds_sum{{route=\"{}\"}} {}\n",
                       route, format_sample_value(e.latency_sum_seconds));
        fmt::format_to(it, "paasrun_endpoint_request_duration_seconds_count{{route=\"{}\"}} {}\n",
                       route, e.requests);
    }
    family(out, "paasrun_endpoint_cpu_seconds_total", "counter",
           "Thread CPU time the app spent in the measured requests of a route (WSGI: the call and "
           "the body's iteration).");
    for (const auto& e : endpoints)
        fmt::format_to(it, "paasrun_endpoint_cpu_seconds_total{{route=\"{}\"}} {}\n",
                       escape_label_value(e.route), format_sample_value(e.cpu_seconds));
    family(out, "paasrun_endpoint_cpu_measured_requests_total", "counter",
           "Requests of a route whose CPU time was measured (divide the CPU seconds by this).");
    for (const auto& e : endpoints)
        fmt::format_to(it, "paasrun_endpoint_cpu_measured_requests_total{{route=\"{}\"}} {}\n",
                       escape_label_value(e.route), e.cpu_requests);
}

// Each live web worker's start time and, per slot, why the previous worker left.
// WebSocket counters of the ASGI web workers (src/serve/websocket_stats.hpp); every family
// is printed, also for a WSGI app (all zero), so dashboards need no special case.
void format_websocket(std::string& out, const WebSocketCounters& w) {
    auto it = std::back_inserter(out);
    family(out, "paasrun_websocket_connections_open", "gauge",
           "WebSocket connections the web workers hold open right now.");
    fmt::format_to(it, "paasrun_websocket_connections_open {}\n", w.open);
    family(out, "paasrun_websocket_connections_total", "counter",
           "WebSocket connections accepted (101 written) by the web workers.");
    fmt::format_to(it, "paasrun_websocket_connections_total {}\n", w.accepted);
    family(out, "paasrun_websocket_messages_total", "counter",
           "WebSocket data messages received from and sent to clients.");
    fmt::format_to(it, "paasrun_websocket_messages_total{{direction=\"received\"}} {}\n",
                   w.messages_received);
    fmt::format_to(it, "paasrun_websocket_messages_total{{direction=\"sent\"}} {}\n",
                   w.messages_sent);
    family(out, "paasrun_websocket_message_bytes_total", "counter",
           "Payload bytes of those messages, as the app sees them (inflated).");
    fmt::format_to(it, "paasrun_websocket_message_bytes_total{{direction=\"received\"}} {}\n",
                   w.bytes_received);
    fmt::format_to(it, "paasrun_websocket_message_bytes_total{{direction=\"sent\"}} {}\n",
                   w.bytes_sent);
    family(out, "paasrun_websocket_closes_total", "counter",
           "WebSocket connections that ended, by the close code of their close handshake "
           "(1006: none; codes outside the list are \"other\").");
    for (const auto& [code, n] : w.closes)
        fmt::format_to(it, "paasrun_websocket_closes_total{{code=\"{}\"}} {}\n",
                       escape_label_value(code), n);
}

void format_web_workers(std::string& out, const AppStatus& s) {
    auto it = std::back_inserter(out);
    family(out, "paasrun_web_worker_start_time_seconds", "gauge",
           "When each live web worker started (unix seconds).");
    for (const auto& w : s.web_workers)
        fmt::format_to(
            it,
            "paasrun_web_worker_start_time_seconds{{process=\"{}\",slot=\"{}\",pid=\"{}\"}} {}\n",
            escape_label_value(w.process), w.index, w.pid, format_sample_value(w.started_unix));
    family(out, "paasrun_web_worker_websocket_connections_open", "gauge",
           "WebSocket connections each live web worker holds open right now.");
    for (const auto& w : s.web_workers)
        fmt::format_to(it,
                       "paasrun_web_worker_websocket_connections_open{{process=\"{}\",slot=\"{}\","
                       "pid=\"{}\"}} {}\n",
                       escape_label_value(w.process), w.index, w.pid, w.websocket.open);
    family(out, "paasrun_web_worker_previous_exit", "gauge",
           "1 per web worker slot whose previous worker was replaced; the reason is the label.");
    for (const auto& w : s.web_workers)
        if (w.previous)
            fmt::format_to(
                it,
                "paasrun_web_worker_previous_exit{{process=\"{}\",slot=\"{}\",reason=\"{}\"}} 1\n",
                escape_label_value(w.process), w.index, escape_label_value(w.previous->reason));
}

}  // namespace

std::string escape_label_value(std::string_view v) {
    std::string out;
    out.reserve(v.size());
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string format_sample_value(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    return fmt::format("{}", v);
}

std::string format_prometheus(const Metrics& m, const std::optional<AppStatus>& status) {
    std::string out;
    auto it = std::back_inserter(out);

    family(out, "paasrun_http_requests_total", "counter",
           "HTTP requests answered by the app's web workers, by status class.");
    std::set<std::string> classes{"1xx", "2xx", "3xx", "4xx", "5xx"};
    for (const auto& [cls, n] : m.requests_by_class) classes.insert(cls);
    for (const auto& cls : classes) {
        auto found = m.requests_by_class.find(cls);
        fmt::format_to(it, "paasrun_http_requests_total{{class=\"{}\"}} {}\n",
                       escape_label_value(cls),
                       found == m.requests_by_class.end() ? 0 : found->second);
    }

    family(out, "paasrun_http_request_duration_seconds", "histogram",
           "Time from a request's first byte to its response's last byte, in the web workers.");
    std::size_t buckets = std::min(m.latency_bounds.size(), m.latency_buckets.size());
    for (std::size_t i = 0; i < buckets; ++i)
        fmt::format_to(it, "paasrun_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                       format_sample_value(m.latency_bounds[i]), m.latency_buckets[i]);
    fmt::format_to(it, "paasrun_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                   m.latency_count);
    fmt::format_to(it, "paasrun_http_request_duration_seconds_sum {}\n",
                   format_sample_value(m.latency_sum_seconds));
    fmt::format_to(it, "paasrun_http_request_duration_seconds_count {}\n", m.latency_count);

    family(out, "paasrun_http_requests_in_flight", "gauge",
           "Requests the web workers are handling right now.");
    fmt::format_to(it, "paasrun_http_requests_in_flight {}\n", m.in_flight);

    format_websocket(out, m.websocket);

    family(out, "paasrun_worker_restarts_total", "counter",
           "Web worker processes replaced by their arbiter (crash, timeout, max_requests, "
           "max_rss_mb).");
    fmt::format_to(it, "paasrun_worker_restarts_total {}\n", m.worker_restarts);

    family(out, "paasrun_process_restarts_total", "counter",
           "Procfile processes restarted by the supervisor, by type.");
    for (const auto& [type, n] : m.process_restarts)
        fmt::format_to(it, "paasrun_process_restarts_total{{type=\"{}\"}} {}\n",
                       escape_label_value(type), n);

    family(out, "paasrun_release_info", "gauge",
           "The current release (always 1; the version is the label).");
    if (status && status->current_release > 0)
        fmt::format_to(it, "paasrun_release_info{{version=\"v{}\"}} 1\n", status->current_release);

    family(out, "paasrun_process_state", "gauge",
           "1 for the state each Procfile process is in, 0 for the others.");
    if (status) {
        for (const auto& p : status->processes) {
            for (auto s : kProcessStates)
                fmt::format_to(it,
                               "paasrun_process_state{{name=\"{}\",type=\"{}\",state=\"{}\"}} {}\n",
                               escape_label_value(p.name), escape_label_value(p.type),
                               supervisor::to_string(s), p.state == s ? 1 : 0);
        }
    }

    format_endpoints(out, m.endpoints);
    if (status) format_web_workers(out, *status);

    family(out, "paasrun_ready", "gauge",
           "1 when the current release has a ready web worker and is not draining (/readyz).");
    if (status)
        fmt::format_to(it, "paasrun_ready {}\n", status->ready && !status->draining ? 1 : 0);
    return out;
}

}  // namespace paasrun::admin
