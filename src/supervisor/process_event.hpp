// What the supervisor tells an observer about its processes as it happens (the deploy engine's
// switch, deploy/switch_machine.hpp), instead of the observer polling snapshots.
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace paasrun::supervisor {

struct ProcessEvent {
    enum class Kind {
        started,  // the program runs (exec succeeded)
        ready,    // it reported READY=1 on PAASRUN_NOTIFY_FD
        exited,   // it exited (`last_exit`: "exit=3", "signal=SIGKILL"), or could not be started
        gone,     // its slot is removed: a retired process exited, or one that was never up retired
    };
    Kind kind = Kind::started;
    int generation = 0;
    std::string name;       // "web.1"
    std::string type;       // "web"
    std::string last_exit;  // exited
    /// exited: the last STATUS=<text> it sent on PAASRUN_NOTIFY_FD (sd_notify's free-form
    /// status; `paasrun serve` sends why its workers failed to boot), or "".
    std::string status;
    std::chrono::steady_clock::time_point at;
};

/// Called on the supervisor's loop thread: it must not block (queue the event and return).
using ProcessObserver = std::function<void(const ProcessEvent&)>;

}  // namespace paasrun::supervisor
