#include "process/exit_status.hpp"

#include <fmt/format.h>
#include <sys/wait.h>

#include <cerrno>
#include <csignal>
#include <cstring>

namespace paasrun::process {

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return kExitSignalBase + WTERMSIG(status);
    return 1;
}

std::string describe_status(int status) {
    if (WIFEXITED(status)) return fmt::format("exit={}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("signal={}", signal_name(WTERMSIG(status)));
    return fmt::format("status={}", status);
}

int exec_failure_code(int err) {
    // Same split as sh and tini: a missing file is 127, anything else that stops exec is 126.
    return (err == ENOENT || err == ENOTDIR) ? kExitNotFound : kExitNotExecutable;
}

std::string signal_name(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    if (abbrev == nullptr) return fmt::format("signal {}", sig);
    return fmt::format("SIG{}", abbrev);
}

}  // namespace paasrun::process
