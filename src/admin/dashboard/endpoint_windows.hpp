// Time windows on the per-endpoint table (docs/dashboard.md, "Time windows"): the last
// minute, 5 minutes, hour, or any number of seconds up to an hour, computed on the admin
// side as the difference of two snapshots of the cumulative table (which never goes
// backwards: src/deploy/stats_totals.hpp), p50/p99 from the difference of the latency
// histograms. The data plane does nothing for it.
//
// The sampler adds a snapshot every second. They are kept in three tiers, so the memory is
// bounded and an hour is still covered: every snapshot of the last minute (1 s apart), one
// every 10 s for the last 5 minutes, one every 60 s for the last hour (62 + 32 + 62 = 156
// snapshots: one more than the span needs, so the oldest is always old enough). A window's start is
// the newest snapshot at least that old, so a window is as precise as the tier it reaches into: 1 s
// up to a minute, 10 s up to 5 minutes, 60 s up to an hour; the answer says which span it covers
// (`from`, `to`). A snapshot holds at most kMaxRoutes routes (the first seen; later ones count
// under `other`), and a route whose counters did not change since the previous second is shared
// with it, not copied: at most 156 x 64 route records of ~1 KiB (~10 MiB) if every route changed
// every second, a few hundred KiB for an app with a handful of busy routes. Pure apart from the
// mutex.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "admin/app_control.hpp"

namespace paasrun::admin::dashboard {

inline constexpr double kMaxWindowSeconds = 3600;

/// The table over one window.
struct WindowTable {
    std::vector<EndpointStats> rows;  // routes with requests in the window, most first
    double from = 0;                  // unix s: the snapshot the window starts at
    double to = 0;                    // unix s: the newest snapshot
};

class EndpointWindows {
public:
    static constexpr std::size_t kMaxRoutes = 64;

    /// `started_at`: when counting began (every counter was 0 then): the start of a window
    /// that reaches further back than the first snapshot.
    explicit EndpointWindows(double started_at) : started_at_(started_at) {}

    /// One snapshot of the cumulative table at unix time `t` (the sampler: once a second).
    /// `bounds`: Metrics::endpoint_latency_bounds (kept from the latest snapshot).
    void add(double t, const std::vector<EndpointStats>& cumulative,
             const std::vector<double>& bounds);

    /// The table over the last `seconds` (0 < seconds <= kMaxWindowSeconds) ending at the
    /// newest snapshot; nullopt before the first snapshot.
    [[nodiscard]] std::optional<WindowTable> window(double seconds) const;

    [[nodiscard]] std::size_t snapshots() const;

private:
    using Route = std::shared_ptr<const EndpointStats>;
    struct Snapshot {
        double t = 0;
        std::vector<Route> routes;
    };
    struct Tier {
        double step;
        std::size_t capacity;
        std::deque<Snapshot> ring;
    };

    mutable std::mutex mu_;
    double started_at_;
    std::vector<double> bounds_;
    std::set<std::string> admitted_;  // at most kMaxRoutes (plus `other`)
    Tier tiers_[3] = {{1, 62, {}}, {10, 32, {}}, {60, 62, {}}};
    bool evicted_ = false;  // a snapshot left the oldest tier: counting did not start there
};

/// The window's row of one route: `now` minus `then` (nullptr: the route did not exist
/// then), quantiles from the histogram difference. Pure.
[[nodiscard]] EndpointStats subtract(const EndpointStats& now, const EndpointStats* then,
                                     const std::vector<double>& bounds);

}  // namespace paasrun::admin::dashboard
