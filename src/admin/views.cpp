#include "admin/views.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace paasrun::admin {

using nlohmann::json;

namespace {

json string_or_null(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

}  // namespace

json version_json(int version) {
    return version > 0 ? json(fmt::format("v{}", version)) : json(nullptr);
}

json websocket_json(const WebSocketCounters& w) {
    json closes = json::object();
    for (const auto& [code, n] : w.closes) closes[code] = n;
    return {{"open", w.open},
            {"accepted", w.accepted},
            {"messages_received", w.messages_received},
            {"messages_sent", w.messages_sent},
            {"bytes_received", w.bytes_received},
            {"bytes_sent", w.bytes_sent},
            {"closes", std::move(closes)}};
}

json status_json(const AppStatus& s) {
    json processes = json::array();
    for (const auto& p : s.processes) {
        processes.push_back({
            {"name", p.name},
            {"type", p.type},
            {"index", p.index},
            {"port", p.port},
            {"pid", p.pid > 0 ? json(p.pid) : json(nullptr)},
            {"state", supervisor::to_string(p.state)},
            {"uptime_seconds", p.uptime},
            {"restarts", p.restarts},
            {"last_exit", string_or_null(p.last_exit)},
            {"release", version_json(p.release)},
            {"generation", p.generation},
            {"phase", supervisor::to_string(p.phase)},
            {"ready", p.ready},
            {"exits", p.exits},
        });
    }
    json workers = json::array();
    double now =
        std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const auto& w : s.web_workers) {
        workers.push_back({
            {"process", w.process},
            {"pid", w.pid},
            {"release", version_json(w.generation)},
            {"requests", w.requests},
            {"in_flight", w.in_flight},
            {"rss_bytes", w.rss_bytes},
            {"ready", w.ready},
            {"slot", w.index},
            {"started_unix", w.started_unix},
            {"age_seconds", std::max(0.0, now - w.started_unix)},
            {"websocket", websocket_json(w.websocket)},
            {"previous",
             w.previous
                 ? json{{"pid", w.previous->pid > 0 ? json(w.previous->pid) : json(nullptr)},
                        {"reason", w.previous->reason},
                        {"exited_unix", w.previous->exited_unix > 0 ? json(w.previous->exited_unix)
                                                                    : json(nullptr)},
                        {"age_seconds", w.previous->age_seconds},
                        {"requests", w.previous->requests}}
                 : json(nullptr)},
        });
    }
    return {
        {"app", s.app},
        {"release", version_json(s.current_release)},
        {"formation", s.formation},
        {"processes", std::move(processes)},
        {"web_workers", std::move(workers)},
        {"ready", s.ready},
        {"started", s.started},
        {"draining", s.draining},
        {"running_job", s.running_job ? json(*s.running_job) : json(nullptr)},
        {"last_job", s.last_job ? job_json(*s.last_job) : json(nullptr)},
    };
}

namespace {

json endpoint_rows_json(const std::vector<EndpointStats>& rows) {
    static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
    auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    json routes = json::array();
    for (const auto& e : rows) {
        json by_class = json::object();
        for (std::size_t i = 0; i < e.by_class.size(); ++i) by_class[kClasses[i]] = e.by_class[i];
        routes.push_back({
            {"route", e.route},
            {"requests", e.requests},
            {"by_class", std::move(by_class)},
            {"errors_4xx", e.by_class[3]},
            {"errors_5xx", e.by_class[4]},
            {"latency_seconds",
             {{"p50", opt(e.p50)},
              {"p99", opt(e.p99)},
              {"mean", e.requests ? json(e.latency_sum_seconds / static_cast<double>(e.requests))
                                  : json(nullptr)}}},
            {"cpu_seconds", e.cpu_seconds},
            {"cpu_measured_requests", e.cpu_requests},
            {"cpu_seconds_per_request",
             e.cpu_requests ? json(e.cpu_seconds / static_cast<double>(e.cpu_requests))
                            : json(nullptr)},
        });
    }
    return routes;
}

}  // namespace

json endpoints_json(const Metrics& m) {
    return {{"window", "all"},
            {"from", nullptr},
            {"to", nullptr},
            {"routes", endpoint_rows_json(m.endpoints)}};
}

json endpoints_window_json(const std::vector<EndpointStats>& rows, double seconds, double from,
                           double to) {
    return {{"window", static_cast<int>(seconds)},
            {"from", from},
            {"to", to},
            {"routes", endpoint_rows_json(rows)}};
}

std::optional<int> parse_endpoint_window(const std::string* value) {
    if (!value || *value == "all") return 0;
    std::string_view v = *value;
    int unit = 1;
    if (v.ends_with('m')) unit = 60;
    if (v.ends_with('h')) unit = 3600;
    if (unit != 1) v.remove_suffix(1);
    if (v.empty() || v.size() > 5) return std::nullopt;
    int n = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + (c - '0');
    }
    n *= unit;
    if (n < 1 || n > 3600) return std::nullopt;
    return n;
}

json job_json(const Job& j, std::size_t since) {
    json output = json::array();
    for (std::size_t i = std::min(since, j.output.size()); i < j.output.size(); ++i)
        output.push_back(j.output[i]);
    return {
        {"id", j.id},
        {"kind", j.kind},
        {"state", to_string(j.state)},
        {"step", j.step},
        {"release", version_json(j.release)},
        {"previous_release", version_json(j.previous_release)},
        {"message", string_or_null(j.message)},
        {"output", std::move(output)},
        {"output_from", std::min(since, j.output.size())},
        {"output_total", j.output.size()},
        {"started_at", j.started_at},
        {"finished_at", string_or_null(j.finished_at)},
    };
}

json config_vars_json(const release::ConfigVars& vars, bool reveal) {
    json out = json::object();
    for (const auto& [k, v] : vars) out[k] = reveal ? v : std::string(kRedacted);
    return out;
}

json release_json(const release::ReleaseInfo& info, bool reveal, int current_version,
                  const std::vector<release::HistoryEvent>* events) {
    const auto& r = info.release;
    json types = json::object();
    for (const auto& [name, cmd] : r.process_types) types[name] = cmd;
    json out = {
        {"version", version_json(r.version)},
        {"status", std::string(release::to_string(info.status))},
        {"current", r.version == current_version},
        {"kind", std::string(release::to_string(r.kind))},
        {"description", r.description},
        {"created_at", r.created_at},
        {"slug_id", string_or_null(r.slug_id)},
        {"source_hash", string_or_null(r.source_hash)},
        {"process_types", std::move(types)},
        {"release_command", string_or_null(r.release_command)},
        {"rollback_of", version_json(r.rollback_of)},
        {"redeploy", r.redeploy},
        {"failure_reason", string_or_null(info.failure_reason)},
        {"config", config_vars_json(r.config_vars, reveal)},
        {"config_redacted", !reveal},
    };
    if (events) {
        json h = json::array();
        for (const auto& e : *events) {
            if (e.version != r.version) continue;
            json ev = {{"time", e.time}, {"event", e.event}};
            if (!e.description.empty()) ev["description"] = e.description;
            if (!e.reason.empty()) ev["reason"] = e.reason;
            h.push_back(std::move(ev));
        }
        out["history"] = std::move(h);
    }
    return out;
}

}  // namespace paasrun::admin
