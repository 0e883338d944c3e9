// Crash backoff for one worker slot: the first crash is replaced at once; a worker that keeps
// dying quickly waits 250 ms, 500 ms, 1 s ... up to 16 s before the next start. A worker that
// stayed up for kStableMs resets the sequence. Pure: the caller passes times.
#pragma once

#include <cstdint>

namespace paasrun::worker {

class CrashBackoff {
public:
    static constexpr std::int64_t kStableMs = 10'000;
    static constexpr std::int64_t kFirstDelayMs = 250;
    static constexpr std::int64_t kMaxDelayMs = 16'000;

    /// Records a crash of a worker that lived `uptime_ms`; returns the delay before the next
    /// start of this slot.
    std::int64_t on_crash(std::int64_t uptime_ms);

    /// Quick crashes in a row so far.
    [[nodiscard]] int failures() const { return failures_; }

private:
    int failures_ = 0;
};

}  // namespace paasrun::worker
