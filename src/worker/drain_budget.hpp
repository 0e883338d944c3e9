// How an ASGI worker spends --graceful-timeout after a stop signal, so that everything it
// does on the way out happens before the arbiter's SIGKILL (which comes graceful_timeout
// after its SIGTERM: serve/arbiter.cpp):
//
//   0 ........................ cancel_at ....... cancel_at + cancel_wait ........ exit_by | T
//   connections drain; tasks    tasks still running are     lifespan.shutdown       the worker
//   (background, a handler      cancelled, their stacks     runs in what is left    has exited
//   that ignores the drain)     logged; they get            (at least cancel_wait)  by itself
//   may finish                  cancel_wait to unwind
//
// The margin (T - cancel_at) is a quarter of T, at most 5 s: T=30 s cancels at 25 s, waits up
// to 2 s for the cancelled tasks, and leaves the lifespan shutdown until 29 s; T=3 s cancels
// at 2.25 s and exits by 2.85 s. The last fifth of the margin is slack for the time between
// the arbiter's SIGTERM and the worker's reading it, and for the process's exit. Pure.
#pragma once

#include <chrono>

namespace paasrun::worker {

struct DrainBudget {
    std::chrono::milliseconds cancel_at{0};    // since the stop signal
    std::chrono::milliseconds cancel_wait{0};  // for the cancelled tasks to unwind
    std::chrono::milliseconds exit_by{0};      // since the stop signal: lifespan shutdown done
};

[[nodiscard]] DrainBudget drain_budget(std::chrono::milliseconds graceful_timeout);

}  // namespace paasrun::worker
