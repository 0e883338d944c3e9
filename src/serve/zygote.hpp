// --preload, the arbiter's side: the one zygote process that holds the imported app and
// forks workers from it (docs/serve.md, "--preload"). No Python here: the zygote is a
// paasrun-worker (worker/zygote_main.hpp); this class starts it, reads its READY, asks it
// for workers (zygote_protocol.hpp) and stops it.
//
// Who is whose child: the arbiter makes itself a child subreaper (PR_SET_CHILD_SUBREAPER,
// run_arbiter) and the zygote double-forks, so each worker ends up the arbiter's own child.
// The arbiter then waits for, signals and times out preloaded workers exactly like exec'd
// ones, and a zygote that dies takes no worker with it. The zygote itself dies with the
// arbiter (PR_SET_PDEATHSIG, as every worker) and exits on its own when its socket closes.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "serve/arbiter_spawn.hpp"
#include "serve/heartbeat.hpp"
#include "serve/serve_options.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

namespace paasrun::worker {

class Zygote {
public:
    /// Starts a zygote running `cmd` (the worker command) with `--zygote=true`, sharing the
    /// arbiter's listening sockets (each forked worker accepts on them; the zygote never does).
    [[nodiscard]] static Result<std::unique_ptr<Zygote>> start(const WorkerCommand& cmd,
                                                               const ServeOptions& options,
                                                               const std::vector<int>& listen_fds,
                                                               std::uint64_t serial,
                                                               std::int64_t now_ms);

    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] std::uint64_t serial() const { return serial_; }
    [[nodiscard]] std::int64_t started_ms() const { return started_ms_; }
    /// The socket to poll for POLLIN (-1 once closed).
    [[nodiscard]] int fd() const { return sock_.get(); }
    [[nodiscard]] bool ready() const { return ready_; }
    [[nodiscard]] bool stopping() const { return kill_at_ms_ != 0; }

    /// Reads the messages waiting on the socket (non-blocking). Returns true when the zygote
    /// has just reported READY. EOF closes the socket (the exit is seen by waitpid).
    bool on_readable();

    /// Asks for one worker and waits for the answer (bounded). `control_fd` and `heartbeat_fd`
    /// are the worker's control pipe (write end) and heartbeat memfd; the zygote's copies are
    /// closed once the worker has them. Returns the worker's pid.
    [[nodiscard]] Result<pid_t> fork_worker(int index, std::uint64_t serial, int control_fd,
                                            int heartbeat_fd);

    /// Closes the socket (the zygote exits at EOF) and arms SIGKILL at `kill_at_ms`.
    void stop(std::int64_t kill_at_ms);
    /// SIGKILL once the stop deadline passed.
    void check_timers(std::int64_t now_ms);
    /// When check_timers() has something to do next (0 = nothing).
    [[nodiscard]] std::int64_t next_timer_ms() const { return killed_ ? 0 : kill_at_ms_; }

private:
    Zygote(pid_t pid, std::uint64_t serial, unique_fd sock, HeartbeatSlot hb, std::int64_t now)
        : pid_(pid),
          serial_(serial),
          sock_(std::move(sock)),
          heartbeat_(std::move(hb)),
          started_ms_(now) {}

    pid_t pid_;
    std::uint64_t serial_;
    unique_fd sock_;
    HeartbeatSlot heartbeat_;  // unused by the zygote; keeps the worker hand-off layout
    std::int64_t started_ms_;
    bool ready_ = false;
    bool killed_ = false;
    std::int64_t kill_at_ms_ = 0;
};

}  // namespace paasrun::worker
