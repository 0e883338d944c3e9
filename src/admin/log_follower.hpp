// A log subscriber's mailbox for GET /v1/logs?follow=true: AppControl's log thread pushes
// lines, the HTTP thread streaming the response pops them. Bounded: when the client reads
// too slowly lines are dropped (and counted) instead of blocking the app's log pipeline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::admin {

class LogFollower {
public:
    explicit LogFollower(std::size_t capacity = 10000) : capacity_(capacity) {}

    /// Called by the log thread. Returns false once closed (the subscription can end).
    bool push(std::string_view line);
    /// Ends the stream: pop() returns what is left, then reports closed.
    void close();

    struct Batch {
        std::vector<std::string> lines;
        std::size_t dropped = 0;  // lines lost since the previous batch
        bool closed = false;      // nothing more will come
    };
    /// Waits up to `timeout` for lines; returns them all (possibly none on timeout).
    [[nodiscard]] Batch pop(std::chrono::milliseconds timeout);

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<std::string> lines_;
    std::size_t dropped_ = 0;
    std::size_t capacity_;
    bool closed_ = false;
};

/// One line of a text/event-stream: "data: <line>\n\n". A line holding '\r' or '\n' (it
/// should not) is split into several data: fields, as the SSE format requires.
[[nodiscard]] std::string sse_event(std::string_view line);

}  // namespace paasrun::admin
