#include "admin/dashboard/endpoint_windows.hpp"

#include <algorithm>

#include "admin/dashboard/counter_delta.hpp"
#include "admin/dashboard/series.hpp"

namespace paasrun::admin::dashboard {

namespace {

constexpr std::string_view kOther = "other";  // src/serve/endpoint_stats.hpp kOtherRoute
// A tier takes a snapshot when its newest one is at least (step - slack) old, and a window
// starts at the newest snapshot at least (seconds - slack) old: the sampler's ticks are 1 s
// apart give or take a few ms, and a window of 60 s should not have to reach back 61.
constexpr double kSlack = 0.5;

bool same_counters(const EndpointStats& a, const EndpointStats& b) {
    return a.requests == b.requests && a.by_class == b.by_class &&
           a.cpu_requests == b.cpu_requests && a.cpu_seconds == b.cpu_seconds &&
           a.latency_sum_seconds == b.latency_sum_seconds && a.latency_buckets == b.latency_buckets;
}

void add_into(EndpointStats& into, const EndpointStats& e) {
    into.requests += e.requests;
    for (std::size_t i = 0; i < into.by_class.size(); ++i) into.by_class[i] += e.by_class[i];
    into.latency_sum_seconds += e.latency_sum_seconds;
    into.cpu_seconds += e.cpu_seconds;
    into.cpu_requests += e.cpu_requests;
    if (into.latency_buckets.size() < e.latency_buckets.size())
        into.latency_buckets.resize(e.latency_buckets.size());
    for (std::size_t i = 0; i < e.latency_buckets.size(); ++i)
        into.latency_buckets[i] += e.latency_buckets[i];
}

}  // namespace

EndpointStats subtract(const EndpointStats& now, const EndpointStats* then,
                       const std::vector<double>& bounds) {
    EndpointStats d;
    d.route = now.route;
    if (!then) {
        d = now;
    } else {
        d.requests = counter_delta(now.requests, then->requests);
        for (std::size_t i = 0; i < d.by_class.size(); ++i)
            d.by_class[i] = counter_delta(now.by_class[i], then->by_class[i]);
        d.latency_sum_seconds = std::max(0.0, now.latency_sum_seconds - then->latency_sum_seconds);
        d.cpu_seconds = std::max(0.0, now.cpu_seconds - then->cpu_seconds);
        d.cpu_requests = counter_delta(now.cpu_requests, then->cpu_requests);
        d.latency_buckets = now.latency_buckets;
        for (std::size_t i = 0; i < d.latency_buckets.size() && i < then->latency_buckets.size();
             ++i)
            d.latency_buckets[i] = counter_delta(d.latency_buckets[i], then->latency_buckets[i]);
    }
    d.p50 = histogram_quantile(0.50, bounds, d.latency_buckets);
    d.p99 = histogram_quantile(0.99, bounds, d.latency_buckets);
    return d;
}

void EndpointWindows::add(double t, const std::vector<EndpointStats>& cumulative,
                          const std::vector<double>& bounds) {
    std::lock_guard lk(mu_);
    if (!tiers_[0].ring.empty() && t <= tiers_[0].ring.back().t) return;  // clock went back
    bounds_ = bounds;
    // Routes past kMaxRoutes (first seen, first kept) count under `other`, the same way in
    // every snapshot, so a difference of two snapshots is still a difference of counters.
    EndpointStats other;
    other.route = std::string(kOther);
    bool have_other = false;
    std::vector<EndpointStats> kept;
    for (const auto& e : cumulative) {
        if (e.route == kOther) {
            add_into(other, e);
            have_other = true;
            continue;
        }
        if (!admitted_.count(e.route)) {
            if (admitted_.size() >= kMaxRoutes) {
                add_into(other, e);
                have_other = true;
                continue;
            }
            admitted_.insert(e.route);
        }
        kept.push_back(e);
    }
    if (have_other) kept.push_back(std::move(other));

    Snapshot snap;
    snap.t = t;
    const Snapshot* prev = tiers_[0].ring.empty() ? nullptr : &tiers_[0].ring.back();
    for (auto& e : kept) {
        Route shared;
        if (prev)
            for (const auto& r : prev->routes)
                if (r->route == e.route && same_counters(*r, e)) shared = r;
        if (!shared) {
            e.p50.reset();  // recomputed per window from the histogram
            e.p99.reset();
            shared = std::make_shared<const EndpointStats>(std::move(e));
        }
        snap.routes.push_back(std::move(shared));
    }
    for (auto& tier : tiers_) {
        if (!tier.ring.empty() && t - tier.ring.back().t < tier.step - kSlack) continue;
        tier.ring.push_back(snap);
        while (tier.ring.size() > tier.capacity) {
            tier.ring.pop_front();
            if (&tier == &tiers_[2]) evicted_ = true;
        }
    }
}

std::optional<WindowTable> EndpointWindows::window(double seconds) const {
    std::lock_guard lk(mu_);
    if (tiers_[0].ring.empty()) return std::nullopt;
    const Snapshot& now = tiers_[0].ring.back();
    // The newest snapshot at least `seconds` old; none: the window reaches back past the
    // first snapshot, to when every counter was 0.
    const Snapshot* then = nullptr;
    for (const auto& tier : tiers_)
        for (auto it = tier.ring.rbegin(); it != tier.ring.rend(); ++it)
            if (it->t <= now.t - seconds + kSlack) {
                if (!then || it->t > then->t) then = &*it;
                break;
            }
    // Past the ring's reach (longer than it holds): the oldest snapshot it has.
    if (!then && evicted_) then = &tiers_[2].ring.front();
    WindowTable out;
    out.to = now.t;
    out.from = then ? then->t : started_at_;
    for (const auto& r : now.routes) {
        const EndpointStats* before = nullptr;
        if (then)
            for (const auto& b : then->routes)
                if (b->route == r->route) before = b.get();
        auto d = subtract(*r, before, bounds_);
        if (d.requests > 0) out.rows.push_back(std::move(d));
    }
    std::stable_sort(out.rows.begin(), out.rows.end(),
                     [](const auto& a, const auto& b) { return a.requests > b.requests; });
    return out;
}

std::size_t EndpointWindows::snapshots() const {
    std::lock_guard lk(mu_);
    std::size_t n = 0;
    for (const auto& tier : tiers_) n += tier.ring.size();
    return n;
}

}  // namespace paasrun::admin::dashboard
