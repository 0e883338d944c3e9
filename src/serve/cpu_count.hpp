// cpu_count: the default number of workers when neither --workers nor WEB_CONCURRENCY is set.
//
//   cpus    = min(online CPUs, CPUs in sched_getaffinity, ceil(cgroup v2 cpu.max quota/period))
//   by_cpu  = 2 * cpus + 1                      (gunicorn's documented recommendation)
//   by_mem  = memory.max / kWorkerMemoryEstimate (when the cgroup has a memory limit)
//   workers = clamp(min(by_cpu, by_mem), 1, kMaxAutoWorkers)
//
// kWorkerMemoryEstimate (128 MiB) is a deliberately pessimistic RSS for one worker running a
// Flask or Django app with its imports (measured 30-70 MiB) plus room for request buffers and
// the app's own growth; a 512 MiB container therefore gets 4 workers, not the 5 its 2 CPUs
// would suggest, and never gets OOM-killed just by starting. Limits of every ancestor cgroup
// apply, so the tightest one along the path wins.
//
// The parsers are pure (file contents in, value out) so tests feed fixture strings.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::worker {

inline constexpr std::uint64_t kWorkerMemoryEstimate = 128ull * 1024 * 1024;
inline constexpr int kMaxAutoWorkers = 64;

/// cgroup v2 cpu.max ("$MAX $PERIOD", MAX may be "max"): the CPU limit as a fraction of
/// CPUs, or nullopt for "no limit" or unparsable text.
[[nodiscard]] std::optional<double> parse_cpu_max(std::string_view text);

/// cgroup v2 memory.max ("max" or bytes): the limit in bytes, nullopt for "max"/unparsable.
[[nodiscard]] std::optional<std::uint64_t> parse_memory_max(std::string_view text);

/// /proc/self/cgroup: the cgroup v2 path (the "0::PATH" line), nullopt on a v1-only host.
[[nodiscard]] std::optional<std::string> parse_proc_cgroup(std::string_view text);

struct CpuFacts {
    int online_cpus = 1;                        // sysconf(_SC_NPROCESSORS_ONLN)
    int affinity_cpus = 0;                      // CPU_COUNT of sched_getaffinity; 0 = unknown
    std::optional<double> cpu_limit;            // tightest cpu.max along the cgroup path
    std::optional<std::uint64_t> memory_limit;  // tightest memory.max along the cgroup path
};

struct WorkerCount {
    int workers = 1;
    std::string reason;  // for the log: which input decided, e.g. "cpus=2 by_cpu=5 by_mem=4"
};

/// Pure: the formula in the file comment.
[[nodiscard]] WorkerCount auto_worker_count(const CpuFacts& facts);

/// Reads the limits of cgroup `cgroup_path` (from parse_proc_cgroup) and all its ancestors
/// under `cgroup_root` (normally /sys/fs/cgroup); missing files mean "no limit".
void read_cgroup_limits(const std::filesystem::path& cgroup_root, std::string_view cgroup_path,
                        CpuFacts& facts);

/// The facts of this process: sysconf, sched_getaffinity, /proc/self/cgroup, /sys/fs/cgroup.
[[nodiscard]] CpuFacts probe_cpu_facts();

}  // namespace paasrun::worker
