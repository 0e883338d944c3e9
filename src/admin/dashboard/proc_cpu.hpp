// CPU time of a process from /proc/<pid>/stat (utime + stime), for the dashboard's "CPU per
// process" chart: the sampler reads it once a second for every supervised process and web
// worker, and Series turns two readings into a percentage of one core.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace paasrun::admin::dashboard {

/// utime + stime (fields 14 and 15, in clock ticks) of the text of a /proc/<pid>/stat file.
/// The command name (field 2) is in parentheses and may hold spaces and ')', so fields are
/// counted after its last ')'. nullopt: not that format. Pure.
[[nodiscard]] std::optional<std::uint64_t> parse_stat_cpu_ticks(std::string_view stat);

/// User + system CPU seconds `pid` has used so far; nullopt when it is gone or unreadable.
[[nodiscard]] std::optional<double> process_cpu_seconds(pid_t pid);

}  // namespace paasrun::admin::dashboard
