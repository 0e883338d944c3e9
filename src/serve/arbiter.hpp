// The arbiter of `paasrun serve`: a process with no Python in it that owns the listening
// sockets and keeps N workers alive (gunicorn's model). See docs/serve.md, "Process model".
//
// Loop: wait (poll on the signalfd and every worker's control pipe, at most 1 s) -> dispatch
// signals and worker messages -> reap children -> kill workers whose heartbeat stopped or
// whose drain time ran out -> converge the set of workers to the target. It never forks
// while running threads (it has none) and never blocks anywhere but in poll.
//
// Arbiter exit codes: 0 after SIGTERM/SIGINT/SIGQUIT; kExitBootError or kExitAppLoadError
// when a worker failed to boot (the worker's own code, passed through); 1 when the arbiter
// itself could not start (bind failed, bad LISTEN_FDS, no signalfd).
#pragma once

#include "serve/arbiter_spawn.hpp"
#include "serve/serve_options.hpp"

namespace paasrun::worker {

struct ArbiterConfig {
    ServeOptions options;  // resolved (resolve_defaults); options.workers is the initial target
    WorkerCommand worker_command;
};

/// The default worker command: the lean `paasrun-worker` next to this executable, else this
/// executable's `__worker` subcommand (worker_command_for in worker_command.hpp).
[[nodiscard]] WorkerCommand self_worker_command();

/// Runs the arbiter until it stops; returns the process exit code.
[[nodiscard]] int run_arbiter(const ArbiterConfig& config);

}  // namespace paasrun::worker
