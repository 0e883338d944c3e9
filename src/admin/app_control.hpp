// AppControl: everything the admin API (src/admin) may ask of a running app, and the only way
// it touches the supervisor, the release store and the build.
//
// The admin HTTP server (src/admin/server.*) owns sockets, auth, JSON and status codes; the
// deploy engine (src/deploy/, which implements this interface) owns what actually happens:
// building, the release phase, starting a new web generation on the shared listening socket,
// health gating, switching, draining, automatic rollback. Keeping the two apart lets the
// server be tested with a fake AppControl and the engine without HTTP.
//
// Threading: every method is thread-safe and may be called concurrently from the admin
// server's threads. Implementations never block the supervisor loop on a caller: state is read
// by submitting a command to the loop (Supervisor::submit) and waiting for the reply with a
// deadline. Long operations (deploy, rollback, config, formation, restart) return at once
// with a Job id; progress is polled with job().
#pragma once

#include <sys/types.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "release/store.hpp"
#include "supervisor/supervisor.hpp"
#include "util/result.hpp"

namespace paasrun::admin {

/// Why a control call was refused; the admin server maps it to an HTTP status.
enum class ErrorKind {
    invalid,    // 422: well-formed request that makes no sense (unknown type, v99, bad name)
    not_found,  // 404
    conflict,   // 409: another deploy/rollback/config/formation job is running
    internal,   // 500
};

struct ControlError {
    ErrorKind kind = ErrorKind::internal;
    std::string message;
};

template <typename T>
using ControlResult = std::variant<T, ControlError>;

enum class JobState { running, succeeded, failed, rolled_back };
[[nodiscard]] inline std::string_view to_string(JobState s) {
    switch (s) {
        case JobState::running:
            return "running";
        case JobState::succeeded:
            return "succeeded";
        case JobState::failed:
            return "failed";
        case JobState::rolled_back:
            return "rolled_back";
    }
    return "unknown";
}

/// A long-running operation. Jobs are kept in memory (the last 50); the release history on
/// disk is the durable record.
struct Job {
    std::string id;    // "j1", "j2", ... unique for this supervisor's lifetime
    std::string kind;  // deploy | rollback | redeploy | config | formation | restart
    JobState state = JobState::running;
    std::string step;                 // receiving | building | release_phase | starting |
                                      // health_check | switching | draining | done
    int release = 0;                  // the version this job created, 0 until it exists
    int previous_release = 0;         // the version that was current when the job began
    std::string message;              // on failure/rollback: why, in one sentence
    std::vector<std::string> output;  // build and release-phase output lines so far
    std::string started_at;           // RFC 3339 UTC
    std::string finished_at;          // empty while running
};

/// The previous worker of a web worker's slot: when and why its arbiter replaced it.
struct WorkerExitInfo {
    pid_t pid = 0;
    std::string reason;      // max-requests | max-rss | request-timeout | timeout | reload |
                             // crash exit=N | crash signal=SIGX | stopped | deploy
    double exited_unix = 0;  // 0: unknown (deploy: the previous worker ran under another arbiter)
    double age_seconds = 0;  // how long it had run
    std::uint64_t requests = 0;  // requests it completed
};

/// One `paasrun serve` worker process as its stats segment reports it (src/serve/stats.hpp).
/// WebSocket counters of ASGI web workers (src/serve/websocket_stats.hpp has what each means).
struct WebSocketCounters {
    std::uint64_t open = 0;  // connections open now (live workers only)
    std::uint64_t accepted = 0;
    std::uint64_t messages_received = 0;
    std::uint64_t messages_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    /// Ended connections by close code label ("1000", "1001", "1006", "1009", "1011",
    /// "other"), every label present.
    std::vector<std::pair<std::string, std::uint64_t>> closes;
};

struct WebWorker {
    std::string process;  // supervisor process name: "web.1"
    pid_t pid = 0;
    int generation = 0;          // release version the worker serves
    std::uint64_t requests = 0;  // completed requests
    std::uint32_t in_flight = 0;
    std::uint64_t rss_bytes = 0;
    bool ready = false;                      // imported the app and accepting
    int index = 0;                           // 1-based slot in its arbiter (--workers), 0: unknown
    double started_unix = 0;                 // age = now - started_unix
    std::optional<WorkerExitInfo> previous;  // the worker this one replaced in its slot
    WebSocketCounters websocket;             // this worker's, since it started
};

/// One route of the per-endpoint table (src/serve/endpoint_stats.hpp), summed over every
/// web worker (exited ones and earlier web processes included: src/deploy/stats_totals.hpp),
/// cumulative since paasrun started.
struct EndpointStats {
    std::string route;  // "/users/:id", "static", "other"
    std::uint64_t requests = 0;
    std::array<std::uint64_t, 5> by_class{};  // 1xx..5xx
    double latency_sum_seconds = 0;
    std::optional<double> p50, p99;  // seconds, from the merged histogram
    double cpu_seconds = 0;          // thread CPU time of the measured requests
    std::uint64_t cpu_requests = 0;  // requests whose CPU time was measured
    // The latency histogram (per bucket, not cumulative) for Metrics::endpoint_latency_bounds:
    // what the dashboard's time windows subtract (src/admin/dashboard/endpoint_windows.hpp).
    std::vector<std::uint64_t> latency_buckets;
};

struct AppStatus {
    std::string app;                       // manifest `app:` or the dir name
    int current_release = 0;               // 0: nothing released yet (running the dir)
    std::map<std::string, int> formation;  // desired counts per type
    std::vector<supervisor::ProcessStatus> processes;
    std::vector<WebWorker> web_workers;
    bool ready = false;     // /readyz: current release has >= 1 ready web worker, not draining
    bool started = false;   // /startupz: the first generation became ready once
    bool draining = false;  // shutting down (readiness goes off first)
    std::optional<std::string> running_job;  // id of the running deploy-like job
    std::optional<Job> last_job;             // the newest job, running or not (no output)
};

/// Counters for /metrics, cumulative since the supervisor started (Prometheus counters).
struct Metrics {
    // Requests by status class "1xx".."5xx", summed over every web worker ever started
    // (counts of exited workers and of replaced web processes are kept so counters never go
    // backwards: src/deploy/stats_totals.hpp).
    std::map<std::string, std::uint64_t> requests_by_class;
    // Latency histogram: upper bounds in seconds (ascending, +Inf implied) and cumulative
    // counts per bound as Prometheus expects, plus sum and count.
    std::vector<double> latency_bounds;
    std::vector<std::uint64_t> latency_buckets;  // same size as latency_bounds
    double latency_sum_seconds = 0;
    std::uint64_t latency_count = 0;
    std::uint64_t in_flight = 0;
    std::uint64_t worker_restarts = 0;  // web workers replaced by their arbiters
    std::map<std::string, std::uint64_t> process_restarts;  // per process type
    std::vector<EndpointStats> endpoints;                   // by requests, most first
    // Upper bounds (s) of the endpoints' latency buckets; the last bucket (one more than
    // bounds) is the overflow, read as its lower bound.
    std::vector<double> endpoint_latency_bounds;
    WebSocketCounters websocket;  // summed over every web worker, exited ones included
};

/// The release store as the API shows it: every release (oldest first) with its status, the
/// current version (0: nothing released yet) and the history events.
struct ReleaseListing {
    std::vector<release::ReleaseInfo> releases;
    int current = 0;
    std::vector<release::HistoryEvent> history;

    /// The release numbered `version`, or null.
    [[nodiscard]] const release::ReleaseInfo* find(int version) const {
        for (const auto& r : releases)
            if (r.release.version == version) return &r;
        return nullptr;
    }
};

class AppControl {
public:
    virtual ~AppControl() = default;

    // --- reads ---
    /// Answered by the supervisor loop within ~1 s, else a ControlError{internal}.
    [[nodiscard]] virtual ControlResult<AppStatus> status() = 0;
    /// /livez: the supervisor loop answered a no-op within the deadline.
    [[nodiscard]] virtual bool live(std::chrono::milliseconds deadline) = 0;
    /// The state dir (the admin token and uploads live there). Releases are read through
    /// releases(), never from the store directly: the control owns the store.
    [[nodiscard]] virtual const std::filesystem::path& state_dir() const = 0;
    /// The release store's contents (reads need no lock: see src/release/store.hpp).
    [[nodiscard]] virtual Result<ReleaseListing> releases() = 0;
    [[nodiscard]] virtual ControlResult<Metrics> metrics() = 0;
    [[nodiscard]] virtual std::optional<Job> job(const std::string& id) = 0;

    // --- jobs (return a job id at once; 409-style conflict while another job runs) ---
    /// `archive` is a file the server received (a .tar.gz source tree, or a slug archive made
    /// by `paasrun build --output`); the control takes ownership and deletes it when done.
    [[nodiscard]] virtual ControlResult<std::string> deploy(std::filesystem::path archive) = 0;
    /// to == 0: the release before the current one (Heroku's `rollback` with no argument).
    [[nodiscard]] virtual ControlResult<std::string> rollback(int to) = 0;
    /// name -> new value, or nullopt to unset. Makes a release and restarts with zero downtime.
    [[nodiscard]] virtual ControlResult<std::string> set_config(
        std::map<std::string, std::optional<std::string>> changes) = 0;
    /// type -> count; types not named keep their count. Unknown types are ErrorKind::invalid.
    [[nodiscard]] virtual ControlResult<std::string> scale(std::map<std::string, int> counts) = 0;
    /// Rolling restart of every process of a type (web: a new generation, then drain).
    [[nodiscard]] virtual ControlResult<std::string> restart(const std::string& type) = 0;

    // --- logs (the multiplexed output as `paasrun up` prints it, without colour) ---
    [[nodiscard]] virtual std::vector<std::string> log_tail(std::size_t lines) = 0;
    /// Calls sink(line) for each new line from another thread until sink returns false or
    /// unsubscribe(id). The sink must not block for long (drop lines rather than wait).
    [[nodiscard]] virtual int subscribe_logs(std::function<bool(std::string_view)> sink) = 0;
    virtual void unsubscribe_logs(int id) = 0;
};

}  // namespace paasrun::admin
