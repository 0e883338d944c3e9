// Live per-worker counters, shared with the supervisor through small memory-mapped files.
//
// When PAASRUN_STATS_DIR is set in its environment (the supervisor sets it for `web`
// processes), every `paasrun serve` worker creates `<dir>/<pid>.stats`, maps it, and updates
// it in place with relaxed atomics: no syscalls and no locks on the request path. Readers
// (the supervisor's /metrics and /v1/status, through read_stats_dir) copy each file with
// pread, which no file on a full or shrinking filesystem can turn into a SIGBUS. The
// arbiter removes a worker's file after reaping it, first adding the dead worker's counters
// to `<dir>/<arbiter-pid>.retired` so cumulative counters never go backwards when workers
// are recycled. A worker whose file cannot be allocated (full disk) serves without one.
//
// Layout: a fixed struct with a magic and version field; a reader skips files whose magic or
// version it does not know, or whose size is short (a worker that is still creating it).
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "serve/endpoint_stats.hpp"
#include "serve/websocket_stats.hpp"

namespace paasrun::worker {

/// Upper bounds (seconds) of the request latency histogram; +Inf is implied after the last.
inline constexpr std::array<double, 12> kLatencyBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                       0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

/// The last worker of a slot that exited, as its arbiter recorded it.
struct WorkerExit {
    int index = 0;  // 1-based slot
    pid_t pid = 0;
    std::int64_t started_unix = 0;
    std::int64_t exited_unix = 0;
    std::uint64_t requests = 0;  // requests it completed
    std::string reason;          // max-requests | max-rss | request-timeout | timeout | reload |
                                 // crash exit=N | crash signal=SIGX | stopped
};

/// A copy of one stats file.
struct WorkerStats {
    pid_t pid = 0;  // the worker (or, for a .retired file, the arbiter)
    pid_t arbiter_pid = 0;
    bool retired = false;        // true for an arbiter's sum of its exited workers
    bool ready = false;          // imported the app and accepting
    std::uint64_t requests = 0;  // completed requests (any status)
    std::uint32_t in_flight = 0;
    std::array<std::uint64_t, 5> by_class{};  // 1xx..5xx
    std::array<std::uint64_t, kLatencyBounds.size() + 1>
        latency{};  // per bucket, NOT cumulative; last = +Inf
    double latency_sum_seconds = 0;
    std::uint64_t rss_bytes = 0;        // refreshed by the worker about once a second
    std::uint64_t worker_restarts = 0;  // .retired only: workers the arbiter replaced
    std::int64_t started_unix = 0;
    int index = 0;                                    // the worker's 1-based slot (0 for .retired)
    std::vector<endpoint_stats::RouteTotals> routes;  // per-endpoint counters (endpoint_stats.hpp)
    std::vector<WorkerExit> exits;                    // .retired only: last exit per slot
    websocket_stats::Totals websocket;                // WebSocket counters (websocket_stats.hpp)
};

/// Every readable stats file in `dir` (missing dir: empty). Never throws; skips bad files.
[[nodiscard]] std::vector<WorkerStats> read_stats_dir(const std::filesystem::path& dir);

}  // namespace paasrun::worker
