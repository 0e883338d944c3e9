#include "serve/endpoint_stats.hpp"

#include <algorithm>
#include <cstring>

namespace paasrun::worker::endpoint_stats {

std::optional<double> quantile_seconds(const Histogram& h, double q) {
    std::uint64_t total = 0;
    for (auto n : h) total += n;
    if (total == 0) return std::nullopt;
    double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(total);
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < h.size(); ++i) {
        if (h[i] == 0) continue;
        if (static_cast<double>(seen + h[i]) < rank) {
            seen += h[i];
            continue;
        }
        double lo = static_cast<double>(bucket_lower_ns(i));
        double hi = static_cast<double>(bucket_upper_ns(i));
        double frac =
            std::clamp((rank - static_cast<double>(seen)) / static_cast<double>(h[i]), 0.0, 1.0);
        return (lo + (hi - lo) * frac) / 1e9;
    }
    return static_cast<double>(bucket_lower_ns(kBuckets - 1)) / 1e9;
}

void RouteTotals::add(const RouteTotals& o) {
    requests += o.requests;
    for (std::size_t i = 0; i < by_class.size(); ++i) by_class[i] += o.by_class[i];
    latency_sum_ns += o.latency_sum_ns;
    cpu_ns += o.cpu_ns;
    cpu_requests += o.cpu_requests;
    for (std::size_t i = 0; i < latency.size(); ++i) latency[i] += o.latency[i];
}

std::vector<RouteTotals> copy_table(const RouteCounters* slots, std::uint32_t count) {
    constexpr auto r = std::memory_order_relaxed;
    std::vector<RouteTotals> out;
    count = std::min<std::uint32_t>(count, kRouteSlots);
    for (std::uint32_t s = 0; s < count; ++s) {
        const auto& c = slots[s];
        const void* nul = std::memchr(c.key, '\0', sizeof c.key);
        if (!nul || c.key[0] == '\0') continue;  // not a key this binary wrote
        RouteTotals t;
        t.route.assign(c.key, static_cast<const char*>(nul) - c.key);
        t.requests = c.requests.load(r);
        for (std::size_t i = 0; i < t.by_class.size(); ++i) t.by_class[i] = c.by_class[i].load(r);
        t.latency_sum_ns = c.latency_sum_ns.load(r);
        t.cpu_ns = c.cpu_ns.load(r);
        t.cpu_requests = c.cpu_requests.load(r);
        for (std::size_t i = 0; i < t.latency.size(); ++i) t.latency[i] = c.latency[i].load(r);
        out.push_back(std::move(t));
    }
    return out;
}

void merge_into(std::vector<RouteTotals>& into, const std::vector<RouteTotals>& from) {
    for (const auto& t : from) {
        auto it = std::find_if(into.begin(), into.end(),
                               [&](const RouteTotals& x) { return x.route == t.route; });
        if (it == into.end())
            into.push_back(t);
        else
            it->add(t);
    }
}

}  // namespace paasrun::worker::endpoint_stats
