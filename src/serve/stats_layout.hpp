// The bytes of a stats file (src/serve/stats.hpp): one fixed struct, shared between the
// process that writes it and any number of readers through MAP_SHARED mappings.
//
// Rules that keep readers safe without locks:
// - a writer creates the file, allocates its blocks (posix_fallocate: a store into an
//   unallocated page of a mapping is a SIGBUS when the filesystem is full), writes every
//   field, maps it, and only then stores `magic` (release); when the blocks cannot be
//   allocated it removes the file and the process runs without stats;
// - readers copy a file with pread, never map it, so no file (sparse, shrunk, truncated by
//   someone else) can fault them; a reader that sees a wrong magic/version or a short size
//   skips the file (it is still being created, or belongs to another format);
// - every counter is a lock-free atomic written by one thread of one process (the worker's
//   event loop, or the arbiter), so the writer uses plain load+store (no locked
//   read-modify-write) and readers use relaxed loads: each value is exact, the snapshot of
//   several values together is only approximately simultaneous.
//
// Host byte order; readers and writers are the same binary on the same machine. Bump
// kStatsVersion on any change below.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "serve/endpoint_stats.hpp"
#include "serve/stats.hpp"
#include "serve/websocket_stats.hpp"

namespace paasrun::worker::stats_layout {

inline constexpr std::uint32_t kMagic = 0x54535250;  // "PRST" little-endian
inline constexpr std::uint32_t kVersion = 3;  // 2: slot index, routes, slot exits; 3: websocket
inline constexpr std::uint32_t kFlagRetired = 1;
inline constexpr std::size_t kFoldedPids = 32;  // a .retired file remembers this many folds
inline constexpr std::size_t kSlotExits = 32;   // a .retired file remembers one exit per slot
inline constexpr std::size_t kReasonMax = 48;   // bytes of an exit reason, NUL included

using Counter = std::atomic<std::uint64_t>;
static_assert(Counter::is_always_lock_free, "stats counters must be lock-free to be shared");

struct StatsLayout {
    std::atomic<std::uint32_t> magic;
    std::uint32_t version;
    std::uint32_t size;   // sizeof(StatsLayout) as written
    std::uint32_t flags;  // kFlagRetired for an arbiter's .retired file
    std::int32_t pid;
    std::int32_t arbiter_pid;
    std::int64_t started_unix;
    std::atomic<std::uint32_t> ready;
    std::atomic<std::uint32_t> in_flight;
    Counter requests;
    Counter by_class[5];                         // 1xx..5xx
    Counter latency[kLatencyBounds.size() + 1];  // per bucket, last = +Inf
    Counter latency_sum_ns;
    Counter rss_bytes;
    Counter worker_restarts;  // .retired only
    // .retired only: pids of the last workers whose counters were folded in, so a reader
    // that still finds such a worker's file (the arbiter unlinks it right after) skips it
    // instead of counting it twice. A ring; 0 = empty.
    std::int32_t folded_pids[kFoldedPids];
    std::uint32_t folded_next;
    std::int32_t index;  // a worker's 1-based slot (--workers), stable across replacements
    std::atomic<std::uint32_t> route_count;  // slots of `routes` in use (published after the key)
    std::uint32_t reserved;
    // .retired only: the last worker of each slot that exited, and why (docs/dashboard.md).
    struct SlotExit {
        std::int32_t index;  // 0 = empty
        std::int32_t pid;
        std::int64_t started_unix;
        std::int64_t exited_unix;
        std::uint64_t requests;
        char reason[kReasonMax];  // max-requests | max-rss | timeout | crash exit=3 | ...
    } exits[kSlotExits];
    // Per-endpoint counters (endpoint_stats.hpp); in a .retired file the sum by route.
    endpoint_stats::RouteCounters routes[endpoint_stats::kRouteSlots];
    // WebSocket counters (websocket_stats.hpp); in a .retired file the sum, `open` unused.
    websocket_stats::Counters websocket;
};

static_assert(sizeof(StatsLayout) % 8 == 0);

/// One relaxed increment by the single writer (no lock prefix needed).
inline void bump(Counter& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

/// The histogram bucket of a latency in nanoseconds (index kLatencyBounds.size() = +Inf).
[[nodiscard]] inline std::size_t latency_bucket(std::uint64_t ns) noexcept {
    // Bounds in integer ns, computed once at compile time, so the hot path compares integers.
    constexpr auto bounds_ns = [] {
        std::array<std::uint64_t, kLatencyBounds.size()> b{};
        for (std::size_t i = 0; i < b.size(); ++i)
            b[i] = static_cast<std::uint64_t>(kLatencyBounds[i] * 1e9 + 0.5);
        return b;
    }();
    std::size_t i = 0;
    while (i < bounds_ns.size() && ns > bounds_ns[i]) ++i;  // Prometheus `le`: value <= bound
    return i;
}

/// A plain copy of a stats file, as read_file returns it.
struct Snapshot {
    std::uint32_t flags = 0;
    std::int32_t pid = 0;
    std::int32_t arbiter_pid = 0;
    std::int64_t started_unix = 0;
    bool ready = false;
    std::uint32_t in_flight = 0;
    std::uint64_t requests = 0;
    std::array<std::uint64_t, 5> by_class{};
    std::array<std::uint64_t, kLatencyBounds.size() + 1> latency{};
    std::uint64_t latency_sum_ns = 0;
    std::uint64_t rss_bytes = 0;
    std::uint64_t worker_restarts = 0;
    std::vector<std::int32_t> folded_pids;  // .retired only
    std::int32_t index = 0;
    std::vector<endpoint_stats::RouteTotals> routes;
    std::vector<WorkerExit> exits;  // .retired only
    websocket_stats::Totals websocket;
};

/// Copies `path` (pread). Empty when the file is missing, short, not a regular
/// file, or has an unknown magic/version (being created, or another format).
[[nodiscard]] std::optional<Snapshot> read_file(const std::filesystem::path& path);

/// The public view of a snapshot.
[[nodiscard]] WorkerStats to_worker_stats(const Snapshot& s);

}  // namespace paasrun::worker::stats_layout
