#include "admin/dashboard/series.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "admin/dashboard/counter_delta.hpp"
#include "admin/dashboard/proc_cpu.hpp"

namespace paasrun::admin::dashboard {

using nlohmann::json;

namespace {
constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
}  // namespace

std::optional<double> histogram_quantile(double q, const std::vector<double>& bounds,
                                         const std::vector<std::uint64_t>& delta) {
    std::uint64_t total = 0;
    for (auto n : delta) total += n;
    if (total == 0) return std::nullopt;
    double rank = q * static_cast<double>(total);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < delta.size(); ++i) {
        if (delta[i] == 0 || static_cast<double>(seen + delta[i]) < rank) {
            seen += delta[i];
            continue;
        }
        // The +Inf bucket has no upper bound: answer its lower one, as Prometheus does.
        if (i >= bounds.size()) return bounds.empty() ? 0.0 : bounds.back();
        double lo = i == 0 ? 0.0 : bounds[i - 1];
        double hi = bounds[i];
        double frac = (rank - static_cast<double>(seen)) / static_cast<double>(delta[i]);
        return lo + (hi - lo) * std::clamp(frac, 0.0, 1.0);
    }
    return bounds.empty() ? 0.0 : bounds.back();
}

std::vector<CpuReading> read_cpu(const AppStatus& s) {
    std::vector<CpuReading> out;
    auto add = [&](pid_t pid, std::string label) {
        if (pid <= 0 || out.size() >= kMaxCpuPerSample) return;
        if (auto sec = process_cpu_seconds(pid)) out.push_back({pid, std::move(label), *sec});
    };
    add(::getpid(), "supervisor");
    for (const auto& p : s.processes) add(p.pid, p.type == "web" ? p.name + " arbiter" : p.name);
    for (const auto& w : s.web_workers)
        add(w.pid, (w.process.empty() ? std::string("web") : w.process) + " worker " +
                       std::to_string(w.index));
    return out;
}

void Series::add(double t, const Metrics& m, const AppStatus* s, const std::string& job_kind,
                 const std::vector<CpuReading>& cpu) {
    std::lock_guard lk(mu_);
    if (s) {
        if (last_release_ >= 0 && s->current_release != last_release_ && s->current_release > 0) {
            events_.push_back({t, job_kind.empty() ? "release" : job_kind,
                               fmt::format("v{}", s->current_release)});
            if (events_.size() > kMaxEvents) events_.pop_front();
        }
        last_release_ = s->current_release;
    }
    if (!last_ || t <= last_t_) {
        last_ = m;
        last_t_ = t;
        last_cpu_ = cpu;
        return;
    }
    Sample out;
    out.t = t;
    double dt = t - last_t_;
    for (std::size_t i = 0; i < 5; ++i) {
        auto now = m.requests_by_class.count(kClasses[i]) ? m.requests_by_class.at(kClasses[i]) : 0;
        auto before = last_->requests_by_class.count(kClasses[i])
                          ? last_->requests_by_class.at(kClasses[i])
                          : 0;
        out.requests += counter_delta(now, before);
        out.rps[i] = static_cast<double>(counter_delta(now, before)) / dt;
    }
    // Per-bucket counts of this interval from the cumulative buckets, plus +Inf.
    if (m.latency_buckets.size() == last_->latency_buckets.size() &&
        m.latency_bounds == last_->latency_bounds) {
        std::vector<std::uint64_t> delta;
        std::uint64_t prev_now = 0;
        std::uint64_t prev_before = 0;
        for (std::size_t i = 0; i < m.latency_buckets.size(); ++i) {
            auto d_now = counter_delta(m.latency_buckets[i], prev_now);
            auto d_before = counter_delta(last_->latency_buckets[i], prev_before);
            delta.push_back(counter_delta(d_now, d_before));
            prev_now = m.latency_buckets[i];
            prev_before = last_->latency_buckets[i];
        }
        delta.push_back(counter_delta(counter_delta(m.latency_count, prev_now),
                                      counter_delta(last_->latency_count, prev_before)));
        out.p50 = histogram_quantile(0.50, m.latency_bounds, delta);
        out.p95 = histogram_quantile(0.95, m.latency_bounds, delta);
        out.p99 = histogram_quantile(0.99, m.latency_bounds, delta);
    }
    out.in_flight = m.in_flight;
    out.ws_open = m.websocket.open;
    out.ws_received_per_second =
        static_cast<double>(
            counter_delta(m.websocket.messages_received, last_->websocket.messages_received)) /
        dt;
    out.ws_sent_per_second = static_cast<double>(counter_delta(m.websocket.messages_sent,
                                                               last_->websocket.messages_sent)) /
                             dt;
    if (s)
        for (const auto& w : s->web_workers) {
            if (out.rss.size() >= kMaxWorkersPerSample) break;
            out.rss.emplace_back(w.pid, w.rss_bytes);
        }
    for (const auto& c : cpu) {
        auto before = std::find_if(last_cpu_.begin(), last_cpu_.end(),
                                   [&](const CpuReading& b) { return b.pid == c.pid; });
        if (before == last_cpu_.end() || out.cpu.size() >= kMaxCpuPerSample) continue;
        out.cpu.emplace_back(
            c.pid, static_cast<float>(std::max(0.0, c.seconds - before->seconds) / dt * 100.0));
        cpu_labels_[c.pid] = c.label;
    }
    last_cpu_ = cpu;
    last_ = m;
    last_t_ = t;
    if (ring_.size() < kSeriesCapacity) {
        ring_.push_back(std::move(out));
    } else {
        ring_[next_] = std::move(out);
        next_ = (next_ + 1) % kSeriesCapacity;
    }
    if (cpu_labels_.size() >
        kMaxCpuLabels) {  // recycled workers leave labels behind: keep the ring's
        std::map<pid_t, std::string> keep;
        for (const auto& sample : ring_)
            for (const auto& [pid, pct] : sample.cpu)
                if (auto it = cpu_labels_.find(pid); it != cpu_labels_.end()) keep.insert(*it);
        cpu_labels_ = std::move(keep);
    }
}

std::size_t Series::size() const {
    std::lock_guard lk(mu_);
    return ring_.size();
}

json Series::json_since(double since) const {
    std::lock_guard lk(mu_);
    json t = json::array(), requests = json::array(), in_flight = json::array(),
         p50 = json::array(), p95 = json::array(), p99 = json::array();
    json ws_open = json::array(), ws_received = json::array(), ws_sent = json::array();
    json rps = json::object();
    for (const auto* c : kClasses) rps[c] = json::array();
    // RSS per worker pid: one column per pid seen in the returned samples (null where absent).
    std::vector<pid_t> pids;
    std::vector<const Sample*> picked;
    for (std::size_t k = 0; k < ring_.size(); ++k) {
        const auto& s = ring_[(next_ + k) % ring_.size()];
        if (s.t <= since) continue;
        picked.push_back(&s);
        for (const auto& [pid, rss] : s.rss)
            if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
    }
    json rss = json::object();
    for (auto pid : pids) rss[std::to_string(pid)] = json::array();
    std::vector<pid_t> cpu_pids;
    for (const auto* s : picked)
        for (const auto& [pid, pct] : s->cpu)
            if (std::find(cpu_pids.begin(), cpu_pids.end(), pid) == cpu_pids.end())
                cpu_pids.push_back(pid);
    json cpu = json::object(), cpu_labels = json::object();
    for (auto pid : cpu_pids) {
        cpu[std::to_string(pid)] = json::array();
        auto it = cpu_labels_.find(pid);
        cpu_labels[std::to_string(pid)] = it == cpu_labels_.end()
                                              ? "pid " + std::to_string(pid)
                                              : it->second + " (pid " + std::to_string(pid) + ")";
    }
    auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
    for (const auto* s : picked) {
        t.push_back(s->t);
        requests.push_back(s->requests);
        for (std::size_t i = 0; i < 5; ++i) rps[kClasses[i]].push_back(s->rps[i]);
        p50.push_back(opt(s->p50));
        p95.push_back(opt(s->p95));
        p99.push_back(opt(s->p99));
        in_flight.push_back(s->in_flight);
        ws_open.push_back(s->ws_open);
        ws_received.push_back(s->ws_received_per_second);
        ws_sent.push_back(s->ws_sent_per_second);
        for (auto pid : pids) {
            auto it = std::find_if(s->rss.begin(), s->rss.end(),
                                   [&](const auto& p) { return p.first == pid; });
            rss[std::to_string(pid)].push_back(it == s->rss.end() ? json(nullptr)
                                                                  : json(it->second));
        }
        for (auto pid : cpu_pids) {
            auto it = std::find_if(s->cpu.begin(), s->cpu.end(),
                                   [&](const auto& p) { return p.first == pid; });
            cpu[std::to_string(pid)].push_back(
                it == s->cpu.end() ? json(nullptr) : json(std::round(it->second * 10) / 10));
        }
    }
    json events = json::array();
    for (const auto& e : events_)
        events.push_back({{"t", e.t}, {"kind", e.kind}, {"release", e.release}});
    return {{"interval_seconds", 1},
            {"capacity", kSeriesCapacity},
            {"t", std::move(t)},
            {"requests", std::move(requests)},
            {"requests_per_second", std::move(rps)},
            {"latency_seconds", {{"p50", p50}, {"p95", p95}, {"p99", p99}}},
            {"in_flight", std::move(in_flight)},
            {"rss_bytes", std::move(rss)},
            {"cpu_percent", std::move(cpu)},
            {"cpu_labels", std::move(cpu_labels)},
            {"websocket",
             {{"open", std::move(ws_open)},
              {"messages_received_per_second", std::move(ws_received)},
              {"messages_sent_per_second", std::move(ws_sent)}}},
            {"events", std::move(events)}};
}

}  // namespace paasrun::admin::dashboard
