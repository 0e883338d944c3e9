// Heartbeat: one shared 8-byte slot per worker holding the time of its last beat.
//
// The arbiter creates a memfd per worker (HeartbeatSlot::create), passes its fd number to the
// worker, and reads the slot in its loop; the worker maps the same memfd (HeartbeatWriter) and
// stores CLOCK_MONOTONIC milliseconds with a relaxed atomic store. CLOCK_MONOTONIC is
// system-wide on Linux, so the two processes compare the same clock. No syscall on the hot
// path: beat() costs one vDSO clock read and one store, so the worker may call it per event.
#pragma once

#include <atomic>
#include <cstdint>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

/// Milliseconds of CLOCK_MONOTONIC (CLOCK_MONOTONIC_COARSE: ~1-4 ms resolution, no syscall).
[[nodiscard]] std::int64_t monotonic_ms() noexcept;

/// Arbiter side: owns the memfd and a mapping of it.
class HeartbeatSlot {
public:
    /// A new slot initialised to `now_ms` (so a worker's boot counts against --timeout).
    [[nodiscard]] static Result<HeartbeatSlot> create(std::int64_t now_ms);

    HeartbeatSlot(HeartbeatSlot&& o) noexcept;
    HeartbeatSlot& operator=(HeartbeatSlot&& o) noexcept;
    HeartbeatSlot(const HeartbeatSlot&) = delete;
    HeartbeatSlot& operator=(const HeartbeatSlot&) = delete;
    ~HeartbeatSlot();

    [[nodiscard]] int fd() const { return fd_.get(); }
    /// Time of the last beat (or of create()).
    [[nodiscard]] std::int64_t last_beat_ms() const noexcept;

private:
    HeartbeatSlot(unique_fd fd, std::atomic<std::int64_t>* slot)
        : fd_(std::move(fd)), slot_(slot) {}
    unique_fd fd_;
    std::atomic<std::int64_t>* slot_ = nullptr;
};

/// Worker side: maps the slot from the fd the arbiter passed (WorkerContext::heartbeat_fd).
class HeartbeatWriter {
public:
    /// Maps the slot; the fd may be closed afterwards (the mapping stays valid).
    [[nodiscard]] static Result<HeartbeatWriter> attach(int fd);

    HeartbeatWriter(HeartbeatWriter&& o) noexcept;
    HeartbeatWriter& operator=(HeartbeatWriter&& o) noexcept;
    HeartbeatWriter(const HeartbeatWriter&) = delete;
    HeartbeatWriter& operator=(const HeartbeatWriter&) = delete;
    ~HeartbeatWriter();

    /// Records "alive now". Thread-safe, async-signal-safe, no syscall.
    void beat() noexcept;

private:
    explicit HeartbeatWriter(std::atomic<std::int64_t>* slot) : slot_(slot) {}
    std::atomic<std::int64_t>* slot_ = nullptr;
};

}  // namespace paasrun::worker
