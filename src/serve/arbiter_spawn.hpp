// Starting one worker with process::spawn (process/spawn.hpp): the listen fds at 3.., then the
// control pipe, then the heartbeat memfd, every other fd closed; every signal at its default
// disposition and unblocked (paasrun's own worker: SIGTERM/SIGINT/SIGUSR1 stay blocked until
// it installs its handlers); PR_SET_PDEATHSIG=SIGKILL. A worker program that cannot be run
// (missing, not executable) is an Error from the arbiter's side (`cannot run '/x': No such file
// or directory`), which the arbiter treats as a boot error, so a missing binary halts the
// server instead of respawning in a loop.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve/worker_context.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

/// What to exec. Default: worker_command_for() (worker_command.hpp): the lean paasrun-worker
/// or {"/proc/self/exe", "__worker"}; tests substitute a fixture worker
/// (`paasrun serve --worker-cmd "python3 fixture.py"`). command[0] is the file executed,
/// unless `exe` is set: then the file open there is exec'd (fexecve) and command[0] is only
/// its name. `exe` must be an ELF binary (fexecve of a script through a CLOEXEC fd fails).
struct WorkerCommand {
    WorkerCommand() = default;
    WorkerCommand(std::vector<std::string> cmd, std::string shown,
                  std::shared_ptr<unique_fd> program = nullptr)
        : command(std::move(cmd)), argv0(std::move(shown)), exe(std::move(program)) {}

    std::vector<std::string> command;
    std::string argv0;               // argv[0] shown in ps; "" = command[0]
    std::shared_ptr<unique_fd> exe;  // O_PATH fd pinning the program's inode; null = by path
    /// paasrun's own worker: exec'd with SIGTERM/SIGINT blocked, which it unblocks once its
    /// handler is in place (stop_signal.hpp), so a stop during exec cannot kill it. Any other
    /// program (--worker-cmd) gets an empty mask, as it could not know to unblock them.
    bool paasrun_worker = false;
};

/// The fd numbers the worker will see for a context whose fds are `parent` (pure).
[[nodiscard]] WorkerContext child_layout(const WorkerContext& parent);

/// Forks and execs a worker. `parent` holds the arbiter's fd numbers (listen fds, the
/// control pipe's write end, the heartbeat memfd). Returns the child's pid once it runs the
/// worker program. On an Error, `*cannot_run` (when given) says whether the program itself
/// could not be run (true) or the fork failed (false: worth trying again).
[[nodiscard]] Result<pid_t> spawn_worker(const WorkerCommand& cmd, const WorkerContext& parent,
                                         bool* cannot_run = nullptr);

}  // namespace paasrun::worker
