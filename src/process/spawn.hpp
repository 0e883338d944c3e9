// spawn(): the one way paasrun starts a program: the supervisor's processes and `paasrun run`
// (supervisor/spawn.hpp's requests), build steps and the release phase
// (release/child_process.hpp), serve's workers (serve/arbiter_spawn.hpp).
//
// fork, then in the child only async-signal-safe calls (so it is safe from a process that runs
// threads: the supervisor with its admin API and deploy engine), then exec. A close-on-exec
// pipe carries a failure in the child (chdir, dup2, exec: its errno) back to the parent, which
// waits for it before returning: when spawn() returns a pid, the program is running (exec
// succeeded); when it returns an Error, there is no child left (it was reaped) and the message
// says what could not be run and why (`cannot run '/app/x': No such file or directory`),
// instead of a child that exits 127 and a guess from its status.
//
// In the child, in order: a new session or process group, PR_SET_PDEATHSIG (and a check that
// the parent did not die before it), every signal back to its default disposition and the
// mask set to `blocked_signals` (the parent's ignored or blocked signals would otherwise
// survive exec), the descriptors laid out (`fds`: every source is first copied above every
// target, so a target can never clobber a later source), everything else closed when asked,
// chdir, exec.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/result.hpp"

namespace paasrun::process {

struct SpawnSpec {
    /// argv[0] is what the program sees as its name.
    std::vector<std::string> argv;
    /// The file executed (no PATH search); empty: argv[0]. Names the program in errors when
    /// `exe_fd` is used.
    std::string path;
    /// >= 0: exec the file open there (fexecve; an O_PATH fd pinning an ELF binary's inode:
    /// a script cannot be run through a close-on-exec fd).
    int exe_fd = -1;
    /// The child's whole environment ("K=V"); nullopt: paasrun's own.
    std::optional<std::vector<std::string>> env;
    std::string cwd;  // empty: inherit
    /// Descriptors for the child: {fd in the parent, fd number in the child}, e.g. {devnull, 0},
    /// {pipe, 1}, {socket, 3}. Targets must be distinct; any source may also be a target.
    std::vector<std::pair<int, int>> fds;
    /// Close every descriptor that is not a target (the parent's own descriptors need not all
    /// be close-on-exec then).
    bool close_other_fds = false;
    bool new_process_group = false;    // setpgid(0, 0): the child leads a new process group
    bool new_session = false;          // setsid(): a new session (and process group)
    int pdeathsig = 0;                 // > 0: this signal when the parent (thread) dies
    std::vector<int> blocked_signals;  // the signal mask at exec (default: none blocked)
};

/// Why spawn() failed.
enum class SpawnFailure {
    parent,  // no child was made (pipe2, fork): may work when tried again
    child,   // the spec cannot run as given (chdir, dup2, exec): the errno is the child's
};

/// Starts the program (above). Errors keep the errno in Error::sys_errno; `failure` (when not
/// null) is set on error.
[[nodiscard]] Result<pid_t> spawn(const SpawnSpec& spec, SpawnFailure* failure = nullptr);

}  // namespace paasrun::process
