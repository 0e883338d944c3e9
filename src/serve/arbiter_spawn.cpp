#include "serve/arbiter_spawn.hpp"

#include <csignal>

#include "process/spawn.hpp"
#include "serve/arbiter_handoff.hpp"

namespace paasrun::worker {
WorkerContext child_layout(const WorkerContext& parent) {
    WorkerContext c;
    c.index = parent.index;
    c.serial = parent.serial;
    c.zygote = parent.zygote;
    int next = 3;
    for (std::size_t i = 0; i < parent.listen_fds.size(); ++i) c.listen_fds.push_back(next++);
    c.control_fd = next++;
    c.heartbeat_fd = next++;
    return c;
}

Result<pid_t> spawn_worker(const WorkerCommand& cmd, const WorkerContext& parent,
                           bool* cannot_run) {
    if (cmd.command.empty()) return Error("empty worker command");
    if (parent.listen_fds.size() + 2 > 64) return Error("too many listening sockets (at most 62)");

    WorkerContext child = child_layout(parent);
    child.options = parent.options;
    std::vector<std::string> args(cmd.command.begin(), cmd.command.end());
    if (!cmd.argv0.empty()) args[0] = cmd.argv0;
    for (auto& a : handoff_args(child)) args.push_back(std::move(a));
    // Listen fds at 3.., then the control pipe, then the heartbeat memfd; nothing else.
    process::SpawnSpec spec;
    spec.argv = std::move(args);
    spec.path = cmd.command[0];
    spec.exe_fd = cmd.exe ? cmd.exe->get() : -1;
    for (std::size_t i = 0; i < parent.listen_fds.size(); ++i)
        spec.fds.emplace_back(parent.listen_fds[i], child.listen_fds[i]);
    spec.fds.emplace_back(parent.control_fd, child.control_fd);
    spec.fds.emplace_back(parent.heartbeat_fd, child.heartbeat_fd);
    spec.close_other_fds = true;
    // The worker must not outlive the arbiter (nobody would reap or supervise it).
    spec.pdeathsig = SIGKILL;
    // paasrun's own worker: SIGTERM and SIGINT stay blocked across exec (and pending, if one
    // arrives) until it has installed its handler (install_stop_signals), so a stop of the
    // whole process group while a worker is being spawned makes it exit 0 instead of killing
    // it with the default disposition; likewise SIGUSR1, which install_reopen_signal()
    // unblocks (server_process.hpp), so a logrotate during boot cannot kill it.
    if (cmd.paasrun_worker) spec.blocked_signals = {SIGTERM, SIGINT, SIGUSR1};
    process::SpawnFailure why = process::SpawnFailure::parent;
    auto pid = process::spawn(spec, &why);
    if (!pid && cannot_run) *cannot_run = why == process::SpawnFailure::child;
    return pid;
}

}  // namespace paasrun::worker
