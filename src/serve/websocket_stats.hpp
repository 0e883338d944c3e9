// WebSocket counters of one worker (issue 13), kept in its stats file (stats_layout.hpp) next
// to the HTTP counters, so the supervisor's /metrics and /v1/status read them without Python.
//
// What is counted (src/worker/websocket_session.cpp):
//   open                connections accepted (101 written) and not closed yet: a gauge
//   accepted            connections accepted since the worker started
//   messages/bytes      data messages received from and sent to clients; bytes are the
//                       messages' payloads as the app sees them (after inflating, before
//                       deflating), not the frames on the wire; control frames are not counted
//   closes[class]       accepted connections that ended, by the close code of their close
//                       handshake (the first close frame, ours or the client's), 1006 when the
//                       TCP connection ended without one. Codes outside the table are "other"
//                       (a bounded label set for Prometheus).
//
// The arbiter's .retired file sums the counters of its exited workers (not `open`), so the
// totals in /metrics never go backwards when workers are recycled.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string_view>

namespace paasrun::worker::websocket_stats {

inline constexpr std::array<std::uint16_t, 5> kCloseCodes{1000, 1001, 1006, 1009, 1011};
inline constexpr std::size_t kCloseClasses = kCloseCodes.size() + 1;  // + other
/// The Prometheus `code` label of each class.
inline constexpr std::array<std::string_view, kCloseClasses> kCloseLabels{"1000", "1001", "1006",
                                                                          "1009", "1011", "other"};

/// The class of a close code: its index in kCloseCodes, or the last ("other").
[[nodiscard]] constexpr std::size_t close_class(std::uint16_t code) noexcept {
    for (std::size_t i = 0; i < kCloseCodes.size(); ++i)
        if (kCloseCodes[i] == code) return i;
    return kCloseCodes.size();
}

/// The shared layout (one writer: the worker's loop thread; relaxed loads by readers).
struct Counters {
    std::atomic<std::uint64_t> open;
    std::atomic<std::uint64_t> accepted;
    std::atomic<std::uint64_t> messages_received;
    std::atomic<std::uint64_t> messages_sent;
    std::atomic<std::uint64_t> bytes_received;
    std::atomic<std::uint64_t> bytes_sent;
    std::atomic<std::uint64_t> closes[kCloseClasses];
};

/// A plain copy.
struct Totals {
    std::uint64_t open = 0;
    std::uint64_t accepted = 0;
    std::uint64_t messages_received = 0;
    std::uint64_t messages_sent = 0;
    std::uint64_t bytes_received = 0;
    std::uint64_t bytes_sent = 0;
    std::array<std::uint64_t, kCloseClasses> closes{};

    /// Adds `o`'s counters (and its open gauge) into these.
    void add(const Totals& o) noexcept {
        open += o.open;
        accepted += o.accepted;
        messages_received += o.messages_received;
        messages_sent += o.messages_sent;
        bytes_received += o.bytes_received;
        bytes_sent += o.bytes_sent;
        for (std::size_t i = 0; i < closes.size(); ++i) closes[i] += o.closes[i];
    }
};

[[nodiscard]] inline Totals copy(const Counters& c) noexcept {
    constexpr auto r = std::memory_order_relaxed;
    Totals t;
    t.open = c.open.load(r);
    t.accepted = c.accepted.load(r);
    t.messages_received = c.messages_received.load(r);
    t.messages_sent = c.messages_sent.load(r);
    t.bytes_received = c.bytes_received.load(r);
    t.bytes_sent = c.bytes_sent.load(r);
    for (std::size_t i = 0; i < kCloseClasses; ++i) t.closes[i] = c.closes[i].load(r);
    return t;
}

}  // namespace paasrun::worker::websocket_stats
