// The entry point of one worker process, shared by both executables that can run it:
// `paasrun __worker ARGS...` (src/app/cmd_serve.cpp) and the lean `paasrun-worker ARGS...`
// (src/worker_exe/main.cpp). ARGS is the hand-off written by the arbiter (arbiter_handoff.hpp).
#pragma once

#include <string>
#include <vector>

namespace paasrun::worker {

/// Parses the hand-off arguments and runs the worker to completion; returns the process exit
/// code. A malformed hand-off is logged and returns kExitBootError (the arbiter then stops:
/// respawning would fail the same way).
[[nodiscard]] int run_worker_from_handoff(const std::vector<std::string>& args);

}  // namespace paasrun::worker
