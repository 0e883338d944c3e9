// `paasrun serve` hands its arbiter role to the lean `paasrun-arbiter` executable.
//
// Why: the arbiter only owns sockets, signals and children, yet as the full `paasrun` binary it
// maps libpython (1.3 MB of private relocations, for nothing: it never starts Python), OpenSSL
// and cpp-httplib (the admin API's), and yaml-cpp: 8.6 MiB PSS for the arbiter alone, more than
// either worker. `paasrun-arbiter` links only the arbiter's code (ldd: libstdc++, fmt, libc),
// so the whole server (arbiter + 2 workers) fits in less PSS than uWSGI's master + 2 workers.
//
// How: after the full binary has parsed the command line, paasrun.yaml and the environment
// (cmd_serve.cpp), it execs `paasrun-arbiter` from the same directory with its own argv, so
// ps and /proc/PID/cmdline still show `paasrun serve ...`, the pid stays (LISTEN_PID and the
// parent's bookkeeping still hold) and every inherited fd stays open. The resolved options
// travel in a memfd (to_args() format, NUL-separated) named by PAASRUN_ARBITER_OPTIONS_FD;
// the lean arbiter reads it, closes it and unsets the variable before anything else.
//
// Only when both `paasrun-arbiter` and `paasrun-worker` are executable next to `paasrun` (the
// lean arbiter cannot run `__worker` itself); otherwise, or when the exec fails, the full
// binary stays the arbiter, as before. Either way the behaviour is the same.
#pragma once

#include <filesystem>
#include <optional>

#include "serve/serve_options.hpp"
#include "util/result.hpp"

namespace paasrun::worker {

inline constexpr const char* kLeanArbiterName = "paasrun-arbiter";
inline constexpr const char* kArbiterOptionsEnv = "PAASRUN_ARBITER_OPTIONS_FD";

/// `<dir of self_exe>/paasrun-arbiter` when it and `paasrun-worker` there are executable
/// regular files; std::nullopt otherwise (then the caller stays the arbiter).
[[nodiscard]] std::optional<std::filesystem::path> lean_arbiter_for(
    const std::filesystem::path& self_exe);

/// Execs `arbiter` with this process's argv (from /proc/self/cmdline) and `options` handed
/// over as described above. Returns only when that failed; nothing is changed then.
[[nodiscard]] Error exec_lean_arbiter(const std::filesystem::path& arbiter,
                                      const ServeOptions& options);

/// In the lean arbiter: the options exec_lean_arbiter handed over. Reads and closes the fd
/// and unsets the variable (workers must not inherit either). An error when the variable is
/// missing (someone ran paasrun-arbiter by hand) or the payload does not parse.
[[nodiscard]] Result<ServeOptions> take_handed_options();

}  // namespace paasrun::worker
