// Backoff: how long to wait before starting again a process that exited. One policy, two
// callers with different first steps:
//
//   supervisor (`paasrun start`, `up --restart`): the manifest's `restart.initial_delay /
//     max_delay / reset_after` (defaults 0.1 s, 60 s, 30 s); the first restart already waits
//     initial_delay: the process is the only one of its kind, so a crash loop would otherwise
//     spin at full speed from the first exit.
//   serve arbiter (one worker slot): 250 ms doubling to 16 s, reset after 10 s up, but the
//     first crash is replaced at once (`immediate_first`): the other workers keep serving, a
//     lone crash is usually one bad request, and the slot should be refilled without delay.
//
// Exponential: after the (optional) immediate first restart, the next waits `initial`, each
// further consecutive crash doubles the wait up to `max`. A process that stayed up at least
// `reset_after` before it exited is considered healthy again: its next restart is the first
// of a new sequence. Pure: time is passed in, so tests need no clock.
#pragma once

#include <chrono>

namespace paasrun::process {

class Backoff {
public:
    using Seconds = std::chrono::duration<double>;

    struct Policy {
        Seconds initial;
        Seconds max;
        Seconds reset_after;
        bool immediate_first = false;  // the first restart of a sequence waits 0
    };

    explicit Backoff(Policy policy) : policy_(policy) {}
    Backoff(Seconds initial, Seconds max, Seconds reset_after)
        : Backoff(Policy{initial, max, reset_after, false}) {}

    /// Records an exit after `uptime` and returns the delay before the next start.
    Seconds on_exit(Seconds uptime);

    /// Consecutive exits that came sooner than reset_after (1 after the first crash).
    [[nodiscard]] int consecutive() const { return consecutive_; }

private:
    Policy policy_;
    Seconds next_{0};
    int consecutive_ = 0;
};

/// The serve arbiter's policy for one worker slot (see above).
inline constexpr Backoff::Policy kWorkerSlotBackoff{
    std::chrono::milliseconds(250), std::chrono::seconds(16), std::chrono::seconds(10), true};

}  // namespace paasrun::process
