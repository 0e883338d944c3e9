// Writer side of the stats files (src/serve/stats.hpp, layout in stats_layout.hpp).
//
// StatsWriter: a worker's own `<dir>/<pid>.stats`, updated by the event-loop thread only.
// Every update is a few relaxed loads and stores into a shared mapping: no syscall, no lock,
// no allocation, so it can sit on the request path.
//
// RetiredStats: the arbiter's `<dir>/<arbiter-pid>.retired`, the sum of every worker it has
// reaped, rewritten (temp file + rename) after each reap; removed when the arbiter exits.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "serve/stats_layout.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

/// The environment variable naming the stats directory; unset or empty = no stats files.
inline constexpr const char* kStatsDirEnv = "PAASRUN_STATS_DIR";

/// `$PAASRUN_STATS_DIR`, if set and not empty.
[[nodiscard]] std::optional<std::filesystem::path> stats_dir_from_environment();

/// Resident set size of this process from /proc/self/statm (an fd kept open, one pread).
class RssReader {
public:
    RssReader();
    /// Bytes, or 0 when /proc is not readable.
    [[nodiscard]] std::uint64_t read() const noexcept;

private:
    unique_fd fd_;
    std::uint64_t page_size_ = 4096;
};

class StatsWriter {
public:
    /// Creates `<dir>/<pid>.stats` for this process (replacing a stale file of a dead
    /// process that had the same pid) and maps it.
    /// `index`: the worker's 1-based slot (0: unknown).
    [[nodiscard]] static Result<StatsWriter> create(const std::filesystem::path& dir,
                                                    pid_t arbiter_pid, int index = 0);

    StatsWriter(StatsWriter&& o) noexcept;
    StatsWriter& operator=(StatsWriter&& o) noexcept;
    StatsWriter(const StatsWriter&) = delete;
    StatsWriter& operator=(const StatsWriter&) = delete;
    ~StatsWriter();  // unmaps; the file stays for the arbiter to fold and remove

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

    void set_ready(bool ready) noexcept;
    void set_rss(std::uint64_t bytes) noexcept;
    /// A request was handed to the app or the static route.
    void request_started() noexcept;
    /// The endpoint slot of a route key (src/worker/route_key.hpp), taking a free slot the
    /// first time a key is seen; endpoint_stats::kOtherSlot once the table is full or for a
    /// key that does not fit. No allocation: a fixed open-addressing index over the table.
    [[nodiscard]] std::uint16_t route_slot(std::string_view key) noexcept;
    /// A request's response was completed (any status, also refused ones). `was_in_flight`:
    /// it had been counted by request_started(). `route`: its endpoint slot; `cpu_ns`: the
    /// thread CPU time the app spent on it, negative when not measured.
    void request_finished(int status, std::uint64_t duration_ns, bool was_in_flight,
                          std::uint16_t route = endpoint_stats::kOtherSlot,
                          std::int64_t cpu_ns = -1) noexcept;
    /// A started request ended without a complete response (the client went away).
    void request_abandoned() noexcept;

    // WebSocket connections (websocket_stats.hpp): accepted (101 written), ended with the
    // code of their close handshake (1006: none), data messages in and out.
    void websocket_opened() noexcept;
    void websocket_closed(std::uint16_t code) noexcept;
    void websocket_received(std::size_t bytes) noexcept;
    void websocket_sent(std::size_t bytes) noexcept;

private:
    StatsWriter(std::filesystem::path path, stats_layout::StatsLayout* map);
    static constexpr std::size_t kIndexSize = 2 * endpoint_stats::kRouteSlots;  // load <= 1/2
    static constexpr std::uint16_t kEmpty = 0xFFFF;
    std::filesystem::path path_;
    stats_layout::StatsLayout* map_ = nullptr;
    std::array<std::uint16_t, kIndexSize> index_{};  // hash -> slot, kEmpty = free
    std::array<std::uint8_t, endpoint_stats::kRouteSlots> key_len_{};
};

class RetiredStats {
public:
    /// Writes an empty `<dir>/<self>.retired` (creating `dir` when missing).
    [[nodiscard]] static Result<RetiredStats> create(const std::filesystem::path& dir);

    RetiredStats(RetiredStats&& o) noexcept;
    RetiredStats& operator=(RetiredStats&& o) noexcept;
    RetiredStats(const RetiredStats&) = delete;
    RetiredStats& operator=(const RetiredStats&) = delete;
    ~RetiredStats();  // removes the .retired file

    /// After reaping worker `pid`: adds its counters (when its file is readable), counts a
    /// restart when `replaced`, remembers it as the last exit of slot `index` with `reason`
    /// (when index > 0), rewrites the .retired file, then unlinks the worker's file.
    /// Failures are logged, never fatal.
    void worker_exited(pid_t pid, bool replaced, int index = 0, std::string_view reason = {});

    [[nodiscard]] const std::filesystem::path& path() const { return path_; }

private:
    RetiredStats(std::filesystem::path dir, std::filesystem::path path);
    [[nodiscard]] Status write_file() const;

    std::filesystem::path dir_;
    std::filesystem::path path_;
    std::unique_ptr<stats_layout::StatsLayout> sum_;
};

}  // namespace paasrun::worker
