// Signal intake for a process that supervises children (the supervisor of `up`/`start` and
// the serve arbiter): the signals are blocked and read from a signalfd on the loop thread, so
// no code runs in signal-handler context (gunicorn's arbiter rule: handlers only enqueue; here
// the kernel does the enqueueing).
//
// A blocked signal is also what makes PID 1 work: the kernel drops signals sent to a
// namespace's init when their disposition is SIG_DFL, but a blocked signal stays pending
// and is read from the signalfd.
//
// SIGPIPE is ignored as well, so a closed stdout or notify pipe turns into EPIPE instead of
// killing the process. Children must not inherit either: process spawners reset the mask and
// every disposition between fork and exec.
#pragma once

#include <csignal>
#include <span>
#include <string>
#include <vector>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::process {

class SignalQueue {
public:
    /// Blocks `signals` in the calling thread (call it before starting threads, which inherit
    /// the mask), ignores SIGPIPE and opens a non-blocking signalfd for them.
    [[nodiscard]] static Result<SignalQueue> open(std::span<const int> signals);

    SignalQueue(SignalQueue&& other) noexcept;
    SignalQueue& operator=(SignalQueue&&) = delete;
    SignalQueue(const SignalQueue&) = delete;
    SignalQueue& operator=(const SignalQueue&) = delete;
    /// Restores the signal mask found at open().
    ~SignalQueue();

    [[nodiscard]] int fd() const { return fd_.get(); }
    /// Signals received since the last call, in order (non-blocking).
    [[nodiscard]] std::vector<int> drain();

private:
    SignalQueue(unique_fd fd, sigset_t old) : fd_(std::move(fd)), old_mask_(old) {}
    unique_fd fd_;
    sigset_t old_mask_{};
};

}  // namespace paasrun::process
