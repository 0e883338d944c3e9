// Running a short-lived child (a buildpack's bin/*, the release phase, tar) by fork+exec,
// with its output streamed line by line, a deadline, and its whole process group killed on
// timeout.
//
// Started by process::spawn (process/spawn.hpp) in its own process group (so a timeout
// reaches pip's own children), with PR_SET_PDEATHSIG (so a `kill -9` of paasrun does not leave
// a buildpack running) and stdin on /dev/null; a program that cannot be run is an Error with
// its errno ("cannot run 'bin/compile': Permission denied"), not exit 126 guessed from a shell.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::release {

struct ChildSpec {
    std::vector<std::string> argv;         // argv[0] is the program (a path; no PATH search)
    std::vector<std::string> env;          // "K=V" entries: the child's whole environment
    std::string cwd;                       // empty: inherit
    std::chrono::milliseconds timeout{0};  // 0: none
    bool capture_stdout = false;           // true: stdout collected in ChildResult::out,
                                           // stderr streamed; false: both streamed (merged)
    std::function<void(std::string_view line)> on_line;  // streamed lines (no '\n'); may be empty
};

struct ChildResult {
    int exit_code = -1;      // exit status, or -1 when killed by a signal
    int term_signal = 0;     // the signal that ended it, or 0
    bool timed_out = false;  // killed by us at the deadline
    std::string out;         // stdout, when capture_stdout
    double seconds = 0;      // wall time

    [[nodiscard]] bool success() const { return exit_code == 0 && !timed_out; }
    /// After "<what> ": "failed (exit=3)", "was killed (signal=SIGKILL)" (the wait-status
    /// format of process/exit_status.hpp), "timed out after 5s and was killed".
    [[nodiscard]] std::string describe() const;
};

/// Runs the child to completion. An Error means it could not be started (exec failed: the
/// message names the program and errno, e.g. "Permission denied"); a child that ran and
/// failed is a ChildResult whose success() is false.
[[nodiscard]] Result<ChildResult> run_child(const ChildSpec& spec);

/// The current process environment as "K=V" entries.
[[nodiscard]] std::vector<std::string> environ_entries();

/// Replaces or adds K in a "K=V" list.
void set_env(std::vector<std::string>& env, std::string_view key, std::string_view value);

}  // namespace paasrun::release
