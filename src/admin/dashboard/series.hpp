// The dashboard's live charts: the last hour of the app's counters at 1 s resolution, in a
// fixed ring (bounded memory: 3600 samples of at most 16 workers each, about 400 KiB),
// plus the deploy/rollback events drawn as markers.
//
// Fed once a second by Sampler (sampler.hpp) from what /metrics and /v1/status already
// read (the workers' shared-memory counters and the supervisor's process table): the data
// plane does no extra work for it. Pure apart from the mutex; the unit tests feed it.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "admin/app_control.hpp"

namespace paasrun::admin::dashboard {

inline constexpr std::size_t kSeriesCapacity = 3600;  // one hour at 1 s
inline constexpr std::size_t kMaxWorkersPerSample = 16;
inline constexpr std::size_t kMaxEvents = 100;
inline constexpr std::size_t kMaxCpuPerSample = 32;  // processes + web workers per sample
inline constexpr std::size_t kMaxCpuLabels = 256;    // pid -> label entries kept (pruned past this)

struct Sample {
    double t = 0;                         // unix time, s
    std::array<double, 5> rps{};          // requests/s by class 1xx..5xx over the last interval
    std::uint64_t requests = 0;           // requests completed in the interval (all classes)
    std::optional<double> p50, p95, p99;  // latency (s) of the requests completed in the interval
    std::uint64_t in_flight = 0;
    std::vector<std::pair<pid_t, std::uint64_t>> rss;  // per web worker: pid, RSS bytes
    std::vector<std::pair<pid_t, float>> cpu;          // per process: pid, % of one core
    // WebSockets of the ASGI web workers (src/serve/websocket_stats.hpp): connections open at
    // the reading, messages per second each way over the interval.
    std::uint64_t ws_open = 0;
    double ws_received_per_second = 0;
    double ws_sent_per_second = 0;
};

/// One process's CPU time as the sampler read it (proc_cpu.hpp).
struct CpuReading {
    pid_t pid = 0;
    std::string label;   // "web.1 arbiter", "web.1 worker 2", "clock.1", "supervisor"
    double seconds = 0;  // user + system CPU seconds so far
};

struct Event {
    double t = 0;
    std::string kind;     // deploy | rollback | redeploy | config | restart | formation | release
    std::string release;  // "v4"
};

/// The quantile q (0..1) of the requests counted in `delta` (per-bucket counts, not
/// cumulative, for the upper `bounds`; the last entry is the +Inf bucket), interpolated
/// linearly inside a bucket as Prometheus's histogram_quantile does. nullopt: no requests.
[[nodiscard]] std::optional<double> histogram_quantile(double q, const std::vector<double>& bounds,
                                                       const std::vector<std::uint64_t>& delta);

class Series {
public:
    /// One tick: `m` and `s` as read at unix time `t`. The first tick only sets the baseline
    /// (rates need two readings); counters that went backwards (a restart of paasrun cannot
    /// happen in one process, but a worker's stats file can vanish) count as 0.
    /// `job_kind` is the kind of the job running (or last finished) when the release changed.
    /// `cpu`: this tick's CPU readings; a pid's percentage needs its reading of the tick before.
    void add(double t, const Metrics& m, const AppStatus* s, const std::string& job_kind,
             const std::vector<CpuReading>& cpu = {});

    /// The samples newer than `since` (unix s) and every event, in columns for the charts.
    [[nodiscard]] nlohmann::json json_since(double since) const;
    [[nodiscard]] std::size_t size() const;

private:
    mutable std::mutex mu_;
    std::vector<Sample> ring_;  // capacity kSeriesCapacity, next_ is the oldest once full
    std::size_t next_ = 0;
    std::deque<Event> events_;
    std::optional<Metrics> last_;
    double last_t_ = 0;
    int last_release_ = -1;
    std::vector<CpuReading> last_cpu_;
    std::map<pid_t, std::string> cpu_labels_;
};

/// What the sampler reads for the CPU chart: the supervisor itself, every supervised
/// process (a web process's own pid is its arbiter) and every web worker.
[[nodiscard]] std::vector<CpuReading> read_cpu(const AppStatus& s);

}  // namespace paasrun::admin::dashboard
