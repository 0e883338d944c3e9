// Signal intake for the supervisor: signals are blocked and read from a signalfd on the
// loop thread, so no code runs in signal-handler context (gunicorn's arbiter rule:
// handlers only enqueue; here the kernel does the enqueueing).
//
// A blocked signal is also what makes PID 1 work: the kernel drops signals sent to a
// namespace's init when their disposition is SIG_DFL, but a blocked signal stays pending
// and is read from the signalfd.
#pragma once

#include <sys/signalfd.h>

#include <array>
#include <csignal>
#include <span>
#include <vector>

#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::supervisor {

/// The signals `up`/`start` handle: SIGCHLD and the ones they act on or forward.
inline constexpr std::array<int, 6> kSupervisorSignals = {SIGCHLD, SIGTERM, SIGINT,
                                                          SIGHUP,  SIGUSR1, SIGUSR2};

/// Blocks `signals` in the calling thread (call it before starting threads, which inherit
/// the mask) and returns a non-blocking signalfd for them. Also ignores SIGPIPE so a closed
/// stdout turns into EPIPE instead of killing the supervisor; spawn() resets both for children.
[[nodiscard]] Result<unique_fd> open_signalfd(std::span<const int> signals);

/// Drains a non-blocking signalfd.
[[nodiscard]] std::vector<signalfd_siginfo> read_signals(int fd);

}  // namespace paasrun::supervisor
