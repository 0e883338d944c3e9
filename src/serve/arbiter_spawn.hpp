// Starting one worker: fork, lay the fds out, exec. The arbiter has no threads, so the child
// may do ordinary work between fork and exec; it still does only what exec needs.
//
// In the child, before exec: all signal dispositions back to SIG_DFL and an empty signal
// mask (ignored/blocked signals would otherwise survive exec), PR_SET_PDEATHSIG=SIGKILL,
// listen fds dup2()ed to 3.., then the control pipe, then the heartbeat memfd, every other fd
// above them closed (close_range; a pinned program fd is kept only until exec, CLOEXEC). An
// exec failure prints the reason and exits kExitBootError, so a missing binary halts the
// server instead of respawning in a loop.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"
#include "util/unique_fd.hpp"
#include "serve/worker_context.hpp"

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
/// control pipe's write end, the heartbeat memfd). Returns the child's pid.
[[nodiscard]] Result<pid_t> spawn_worker(const WorkerCommand& cmd, const WorkerContext& parent);

}  // namespace paasrun::worker
