// The events the deploy switch waits on (deploy/switch_machine.hpp): pushed by the supervisor's
// loop thread (its process observer), taken by the engine thread, which sleeps until the next
// event or the machine's next timer instead of polling snapshots.
//
// Events are kept only while a switch is armed (arm() empties the queue), so the queue does not
// grow between deploys; at most kMaxEvents are kept (a bound, never reached by a formation of
// sane size during one switch).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "deploy/switch_machine.hpp"

namespace paasrun::deploy {

class SwitchEvents {
public:
    static constexpr std::size_t kMaxEvents = 100000;

    /// Starts collecting (empty). Returns whether it was armed already.
    bool arm();
    void disarm();
    /// Thread-safe; dropped unless armed.
    void push(SwitchEvent e);
    /// The next event, or nullopt when `until` passed first or close() was called.
    [[nodiscard]] std::optional<SwitchEvent> wait_until(SwitchClock::time_point until);
    /// Wakes every waiter for good (the engine is stopping).
    void close();

private:
    std::mutex mu_;
    std::condition_variable cv_;
    std::deque<SwitchEvent> queue_;
    bool armed_ = false;
    bool closed_ = false;
};

}  // namespace paasrun::deploy
