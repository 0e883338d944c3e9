// The arbiter's signals, read from a signalfd: nothing runs in signal context, the main loop
// reads them like any other event (gunicorn's rule: handlers only enqueue).
//
// Handled: SIGTERM, SIGINT (graceful stop), SIGQUIT (immediate stop), SIGHUP (rolling
// restart), SIGTTIN / SIGTTOU (one worker more / less), SIGCHLD (reap). SIGUSR1, SIGUSR2 and
// SIGWINCH are taken too so a stray one cannot kill the arbiter (logged, otherwise ignored).
// SIGPIPE is ignored: a parent that closed its notify pipe must not kill us.
#pragma once

#include <csignal>
#include <vector>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

class SignalQueue {
public:
    /// Blocks the handled signals and opens the signalfd.
    [[nodiscard]] static Result<SignalQueue> install();

    SignalQueue(SignalQueue&&) noexcept = default;
    SignalQueue& operator=(SignalQueue&&) noexcept = default;
    /// Restores the signal mask found at install().
    ~SignalQueue();

    [[nodiscard]] int fd() const { return fd_.get(); }
    /// Signals received since the last call, in order (non-blocking).
    [[nodiscard]] std::vector<int> drain();

private:
    SignalQueue(unique_fd fd, sigset_t old) : fd_(std::move(fd)), old_mask_(old) {}
    unique_fd fd_;
    sigset_t old_mask_{};
};

/// "TERM", "KILL", ... (sigabbrev_np), or the number.
[[nodiscard]] std::string signal_name(int sig);

}  // namespace paasrun::worker
