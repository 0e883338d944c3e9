// Backoff: how long to wait before restarting a process that exited (`paasrun start`,
// `paasrun up --restart`).
//
// Exponential: the first restart waits `initial`, each further consecutive crash doubles the
// wait up to `max`. A process that stayed up at least `reset_after` before it exited is
// considered healthy again: its next restart waits `initial` and the crash count starts over.
// This is the manifest's `restart.initial_delay / max_delay / reset_after` (defaults 0.1 s,
// 60 s, 30 s). Pure: time is passed in, so tests need no clock.
#pragma once

#include <chrono>

namespace paasrun::supervisor {

class Backoff {
public:
    using Seconds = std::chrono::duration<double>;

    Backoff(Seconds initial, Seconds max, Seconds reset_after)
        : initial_(initial), max_(max), reset_after_(reset_after) {}

    /// Records an exit after `uptime` and returns the delay before the next start.
    Seconds on_exit(Seconds uptime);

    /// Consecutive exits that came sooner than reset_after (1 after the first crash).
    [[nodiscard]] int consecutive() const { return consecutive_; }

private:
    Seconds initial_, max_, reset_after_;
    Seconds next_{0};
    int consecutive_ = 0;
};

}  // namespace paasrun::supervisor
