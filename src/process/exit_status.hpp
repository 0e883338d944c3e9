// Exit codes and wait statuses, with the conventions of sh and tini:
//   exited with N           -> N
//   killed by signal S      -> 128 + S
//   exec: command not found -> 127,  found but not executable -> 126
#pragma once

#include <string>

namespace paasrun::process {

inline constexpr int kExitNotExecutable = 126;
inline constexpr int kExitNotFound = 127;
inline constexpr int kExitSignalBase = 128;

/// The shell-style code for a waitpid() status.
[[nodiscard]] int exit_code_of(int wait_status);
/// "exit=3" or "signal=SIGKILL" (for log lines).
[[nodiscard]] std::string describe_status(int wait_status);
/// 127 for "not found" errnos (ENOENT, ENOTDIR), 126 for everything else.
[[nodiscard]] int exec_failure_code(int err);
/// "SIGTERM", or "signal 42" for unnamed ones.
[[nodiscard]] std::string signal_name(int sig);

}  // namespace paasrun::process
