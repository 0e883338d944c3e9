// LogHub: the last N lines of the multiplexed log (as `paasrun up` prints them, without
// colour) and the live subscribers of GET /v1/logs?follow.
//
// publish() is called on the supervisor loop thread for every line; it must never block,
// so a subscriber's sink is called under the hub's lock and is required to return at once
// (the admin server queues and drops rather than waits). A sink that returns false is
// removed.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::deploy {

class LogHub {
public:
    explicit LogHub(std::size_t capacity = 5000) : capacity_(capacity) {}

    void publish(std::string_view line);
    [[nodiscard]] std::vector<std::string> tail(std::size_t lines) const;
    [[nodiscard]] int subscribe(std::function<bool(std::string_view)> sink);
    void unsubscribe(int id);

private:
    std::size_t capacity_;
    mutable std::mutex mu_;
    std::deque<std::string> ring_;
    std::map<int, std::function<bool(std::string_view)>> sinks_;
    int next_id_ = 1;
};

}  // namespace paasrun::deploy
