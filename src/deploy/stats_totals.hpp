// The counters of /metrics and of the per-endpoint table kept monotone across worker
// recycling, deploys and process restarts (docs/dashboard.md, "Per-endpoint table").
//
// The stats files (serve/stats.hpp) are per web process: each arbiter keeps the sum of its
// exited workers in `<arbiter>.retired` next to its live workers' files, so the sum of one
// arbiter's files never goes backwards while it runs. But an arbiter takes its .retired file
// with it when it exits (a deploy or a restart replaces the web process), and the counters
// of everything it served would vanish from /metrics and the table. StatsTotals treats each
// arbiter's files as one series: it keeps the high-water mark of that series (field by
// field, route by route), and keeps it after the series is gone. A new arbiter is a new
// series (a reused pid is told apart by the .retired file's start time). Pure: the engine
// feeds it each reading of the stats dir, under its own lock.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "serve/stats.hpp"

namespace paasrun::deploy {

class StatsTotals {
public:
    /// Series remembered one by one (live or gone); older gone ones are summed together.
    static constexpr std::size_t kMaxSeries = 32;
    /// Routes kept in that sum; routes past these count under `other` (endpoint_stats.hpp).
    static constexpr std::size_t kMaxForgottenRoutes = 256;

    /// Folds in one reading of the stats dir and returns the counters to export: one entry
    /// per series (its high-water mark, as a .retired-like WorkerStats: counters and routes
    /// only, no in-flight, RSS or exits) and one more for the forgotten series, if any.
    [[nodiscard]] std::vector<worker::WorkerStats> fold(
        const std::vector<worker::WorkerStats>& files);

private:
    struct Series {
        pid_t arbiter = 0;
        std::int64_t started_unix = 0;  // its .retired file's (the arbiter's start), 0: unseen
        std::uint64_t last_seen = 0;    // fold() count when it last had files
        worker::WorkerStats high;
    };
    void forget(Series& s);

    std::vector<Series> series_;
    std::optional<worker::WorkerStats> forgotten_;
    std::uint64_t tick_ = 0;
};

/// Field-by-field maximum of `into` and `now` (counters and routes), into `into`. Pure.
void keep_high(worker::WorkerStats& into, const worker::WorkerStats& now);

}  // namespace paasrun::deploy
