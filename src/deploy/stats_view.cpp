#include "deploy/stats_view.hpp"

#include <algorithm>

namespace paasrun::deploy {

admin::WebSocketCounters websocket_view(const worker::websocket_stats::Totals& t) {
    admin::WebSocketCounters out;
    out.open = t.open;
    out.accepted = t.accepted;
    out.messages_received = t.messages_received;
    out.messages_sent = t.messages_sent;
    out.bytes_received = t.bytes_received;
    out.bytes_sent = t.bytes_sent;
    for (std::size_t i = 0; i < t.closes.size(); ++i)
        out.closes.emplace_back(worker::websocket_stats::kCloseLabels[i], t.closes[i]);
    return out;
}

admin::WebWorker worker_view(const worker::WorkerStats& w,
                             const std::vector<worker::WorkerStats>& all,
                             const supervisor::ProcessStatus* arbiter) {
    admin::WebWorker out;
    out.pid = w.pid;
    out.requests = w.requests;
    out.in_flight = w.in_flight;
    out.rss_bytes = w.rss_bytes;
    out.ready = w.ready;
    out.index = w.index;
    out.started_unix = static_cast<double>(w.started_unix);
    out.websocket = websocket_view(w.websocket);
    if (arbiter) {
        out.process = arbiter->name;
        out.generation = arbiter->release;
    }
    for (const auto& r : all) {
        if (!r.retired || r.pid != w.arbiter_pid) continue;
        for (const auto& e : r.exits) {
            if (e.index != w.index || e.pid == w.pid) continue;
            admin::WorkerExitInfo x;
            x.pid = e.pid;
            x.reason = e.reason;
            x.exited_unix = static_cast<double>(e.exited_unix);
            x.age_seconds =
                e.started_unix > 0
                    ? static_cast<double>(std::max<std::int64_t>(0, e.exited_unix - e.started_unix))
                    : 0;
            x.requests = e.requests;
            out.previous = std::move(x);
        }
    }
    // No exit in this arbiter: the slot's previous worker (if any) ran under an earlier
    // arbiter of this process, which a deploy (a new generation) or the supervisor's restart
    // of the process replaced as a whole.
    if (!out.previous && arbiter && w.index > 0) {
        if (arbiter->restarts > 0)
            out.previous = admin::WorkerExitInfo{
                .reason =
                    "process restart" +
                    (arbiter->last_exit.empty() ? std::string() : " (" + arbiter->last_exit + ")")};
        else if (arbiter->generation > 1)
            out.previous = admin::WorkerExitInfo{.reason = "deploy"};
    }
    return out;
}

std::vector<admin::EndpointStats> endpoint_table(const std::vector<worker::WorkerStats>& all) {
    std::vector<worker::endpoint_stats::RouteTotals> sum;
    for (const auto& w : all) worker::endpoint_stats::merge_into(sum, w.routes);
    std::vector<admin::EndpointStats> out;
    for (const auto& t : sum) {
        if (t.requests == 0) continue;  // `other` and `static` exist from the start
        admin::EndpointStats e;
        e.route = t.route;
        e.requests = t.requests;
        e.by_class = t.by_class;
        e.latency_sum_seconds = static_cast<double>(t.latency_sum_ns) / 1e9;
        e.p50 = worker::endpoint_stats::quantile_seconds(t.latency, 0.50);
        e.p99 = worker::endpoint_stats::quantile_seconds(t.latency, 0.99);
        e.cpu_seconds = static_cast<double>(t.cpu_ns) / 1e9;
        e.cpu_requests = t.cpu_requests;
        e.latency_buckets.assign(t.latency.begin(), t.latency.end());
        out.push_back(std::move(e));
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.requests > b.requests; });
    return out;
}

}  // namespace paasrun::deploy
