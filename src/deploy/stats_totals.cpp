#include "deploy/stats_totals.hpp"

#include <algorithm>

namespace paasrun::deploy {

namespace es = worker::endpoint_stats;

namespace {

void max_route(es::RouteTotals& into, const es::RouteTotals& now) {
    into.requests = std::max(into.requests, now.requests);
    for (std::size_t i = 0; i < into.by_class.size(); ++i)
        into.by_class[i] = std::max(into.by_class[i], now.by_class[i]);
    into.latency_sum_ns = std::max(into.latency_sum_ns, now.latency_sum_ns);
    into.cpu_ns = std::max(into.cpu_ns, now.cpu_ns);
    into.cpu_requests = std::max(into.cpu_requests, now.cpu_requests);
    for (std::size_t i = 0; i < into.latency.size(); ++i)
        into.latency[i] = std::max(into.latency[i], now.latency[i]);
}

// The sum of one arbiter's files (read_stats_dir already counts each worker once: in its
// own file or in the arbiter's .retired sum).
worker::WorkerStats sum_counters(pid_t arbiter, const std::vector<const worker::WorkerStats*>& fs) {
    worker::WorkerStats s;
    s.pid = arbiter;
    s.arbiter_pid = arbiter;
    s.retired = true;
    for (const auto* f : fs) {
        s.requests += f->requests;
        for (std::size_t i = 0; i < s.by_class.size(); ++i) s.by_class[i] += f->by_class[i];
        for (std::size_t i = 0; i < s.latency.size(); ++i) s.latency[i] += f->latency[i];
        s.latency_sum_seconds += f->latency_sum_seconds;
        s.worker_restarts += f->worker_restarts;
        s.websocket.add(f->websocket);
        es::merge_into(s.routes, f->routes);
    }
    s.websocket.open = 0;  // a gauge, not a counter: the engine reads it from the live files
    return s;
}

// The WebSocket counters' high-water mark; the open gauge is not a counter, so a series
// keeps none (the engine reads it from the live files).
void keep_high(worker::websocket_stats::Totals& into, const worker::websocket_stats::Totals& now) {
    into.open = 0;
    into.accepted = std::max(into.accepted, now.accepted);
    into.messages_received = std::max(into.messages_received, now.messages_received);
    into.messages_sent = std::max(into.messages_sent, now.messages_sent);
    into.bytes_received = std::max(into.bytes_received, now.bytes_received);
    into.bytes_sent = std::max(into.bytes_sent, now.bytes_sent);
    for (std::size_t i = 0; i < into.closes.size(); ++i)
        into.closes[i] = std::max(into.closes[i], now.closes[i]);
}

}  // namespace

void keep_high(worker::WorkerStats& into, const worker::WorkerStats& now) {
    into.requests = std::max(into.requests, now.requests);
    for (std::size_t i = 0; i < into.by_class.size(); ++i)
        into.by_class[i] = std::max(into.by_class[i], now.by_class[i]);
    for (std::size_t i = 0; i < into.latency.size(); ++i)
        into.latency[i] = std::max(into.latency[i], now.latency[i]);
    into.latency_sum_seconds = std::max(into.latency_sum_seconds, now.latency_sum_seconds);
    into.worker_restarts = std::max(into.worker_restarts, now.worker_restarts);
    keep_high(into.websocket, now.websocket);
    for (const auto& r : now.routes) {
        auto it = std::find_if(into.routes.begin(), into.routes.end(),
                               [&](const es::RouteTotals& x) { return x.route == r.route; });
        if (it == into.routes.end())
            into.routes.push_back(r);
        else
            max_route(*it, r);
    }
}

void StatsTotals::forget(Series& s) {
    if (!forgotten_) {
        forgotten_.emplace();
        forgotten_->retired = true;
    }
    auto& f = *forgotten_;
    const auto& h = s.high;
    f.requests += h.requests;
    for (std::size_t i = 0; i < f.by_class.size(); ++i) f.by_class[i] += h.by_class[i];
    for (std::size_t i = 0; i < f.latency.size(); ++i) f.latency[i] += h.latency[i];
    f.latency_sum_seconds += h.latency_sum_seconds;
    f.worker_restarts += h.worker_restarts;
    f.websocket.add(h.websocket);
    // Bounded: a route new to the sum once it holds kMaxForgottenRoutes goes to `other`.
    for (auto r : h.routes) {
        bool known = std::any_of(f.routes.begin(), f.routes.end(),
                                 [&](const es::RouteTotals& x) { return x.route == r.route; });
        if (!known && f.routes.size() >= kMaxForgottenRoutes)
            r.route = std::string(es::kOtherRoute);
        es::merge_into(f.routes, {r});
    }
}

std::vector<worker::WorkerStats> StatsTotals::fold(const std::vector<worker::WorkerStats>& files) {
    ++tick_;
    // Group this reading's files by arbiter.
    std::vector<std::pair<pid_t, std::vector<const worker::WorkerStats*>>> groups;
    for (const auto& f : files) {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto& g) { return g.first == f.arbiter_pid; });
        if (it == groups.end()) {
            groups.push_back({f.arbiter_pid, {}});
            it = groups.end() - 1;
        }
        it->second.push_back(&f);
    }
    for (const auto& group : groups) {
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
        const pid_t arbiter = group.first;
        const auto& fs = group.second;
        std::int64_t started = 0;
        for (const auto* f : fs)
            if (f->retired) started = f->started_unix;
        auto now = sum_counters(arbiter, fs);
        auto it = std::find_if(series_.begin(), series_.end(),
                               [&](const Series& s) { return s.arbiter == arbiter; });
        // The same pid with another start time is another arbiter: a new series.
        if (it != series_.end() && started != 0 && it->started_unix != 0 &&
            started != it->started_unix) {
            forget(*it);
            series_.erase(it);
            it = series_.end();
        }
        if (it == series_.end()) {
            series_.push_back(Series{arbiter, started, tick_, std::move(now)});
            continue;
        }
        if (started != 0) it->started_unix = started;
        it->last_seen = tick_;
        keep_high(it->high, now);
    }
    // Bounded: past kMaxSeries, the series unseen the longest are summed into `forgotten_`.
    while (series_.size() > kMaxSeries) {
        auto oldest = std::min_element(
            series_.begin(), series_.end(),
            [](const Series& a, const Series& b) { return a.last_seen < b.last_seen; });
        forget(*oldest);
        series_.erase(oldest);
    }
    std::vector<worker::WorkerStats> out;
    out.reserve(series_.size() + 1);
    for (const auto& s : series_) out.push_back(s.high);
    if (forgotten_) out.push_back(*forgotten_);
    return out;
}

}  // namespace paasrun::deploy
