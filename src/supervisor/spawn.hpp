// spawn(): start a child with posix_spawn (fork+exec in one step; glibc uses
// clone(CLONE_VM|CLONE_VFORK), so it is safe in a process that runs threads, unlike fork).
//
// The child starts with an empty signal mask and every signal at its default disposition:
// the supervisor blocks signals (signalfd) and ignores SIGPIPE, and both would otherwise be
// inherited across exec. All the supervisor's descriptors are O_CLOEXEC, so the child gets
// only stdin/stdout/stderr as set here.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace paasrun::supervisor {

struct SpawnRequest {
    std::vector<std::string> argv;  // argv[0] is the program path (no PATH search)
    std::vector<std::string> envp;  // KEY=VALUE
    std::string cwd;                // empty: inherit
    int stdin_fd = -1;              // -1: inherit (same for the other two)
    int stdout_fd = -1;
    int stderr_fd = -1;
    bool own_process_group = true;  // setpgid(0, 0): the child leads a new process group
    /// More descriptors for the child: {source fd in the parent, fd number in the child}
    /// (LISTEN_FDS sockets at 3.., the readiness pipe). Targets must be >= 3 and distinct.
    std::vector<std::pair<int, int>> extra_fds;
};

/// Starts the child; the error keeps the errno of a failed exec (see exec_failure_code()).
[[nodiscard]] Result<pid_t> spawn(const SpawnRequest& request);

}  // namespace paasrun::supervisor
