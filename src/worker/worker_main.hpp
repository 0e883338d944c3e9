// One worker of `paasrun serve`: the loop that imports the app and serves requests.
//
// The contract it implements (process state at entry, READY, heartbeat, signals, recycling)
// belongs to the arbiter and is written down with WorkerContext in serve/worker_context.hpp.
#pragma once

#include "serve/worker_context.hpp"

namespace paasrun::worker {

/// Runs one worker to completion; the return value is the process exit code.
[[nodiscard]] int run_worker(const WorkerContext& ctx);

}  // namespace paasrun::worker
