// Asks the kernel for a shorter scheduling slice for the calling thread (EEVDF custom slice,
// Linux >= 6.12: sched_setattr(2) with sched_runtime on a SCHED_OTHER thread).
//
// Why: under CPU contention a worker's latency is set by how long it waits for its CPU.
// EEVDF gives a task with a shorter requested slice an earlier virtual deadline, so it is
// picked sooner and can preempt a task that has run past its own slice; its CPU share is
// unchanged (that is the weight, i.e. nice). Keep-alive pins each connection to its worker,
// so those waits are exactly the latency tail. Measured on the 2-core bench machine (HZ=250,
// kernel 6.18), hello-world under wrk -c64, median of 5 interleaved runs: p99 3.3 -> 2.4 ms,
// throughput unchanged or better (bench/README.md).
//
// The nice value and policy are kept (read back with sched_getattr first). Kernels before
// 6.12 accept and ignore the field; a kernel or seccomp filter that refuses the call leaves
// the thread as it was: that is reported, never fatal.
#pragma once

#include <chrono>

#include "util/result.hpp"

namespace paasrun::worker {

/// The kernel's bounds for a custom slice (kernel/sched/syscalls.c clamps to these).
inline constexpr std::chrono::microseconds kMinSchedSlice{100};
inline constexpr std::chrono::microseconds kMaxSchedSlice{100'000};

/// Requests `slice` (clamped to the bounds above) for the calling thread; 0 does nothing.
[[nodiscard]] Status request_sched_slice(std::chrono::microseconds slice);

/// The calling thread's current slice as the kernel reports it (sched_getattr's
/// sched_runtime; 0 when the kernel does not report one).
[[nodiscard]] Result<std::chrono::microseconds> current_sched_slice();

}  // namespace paasrun::worker
