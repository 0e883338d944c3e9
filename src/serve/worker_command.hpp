// Which program the arbiter execs for a worker.
//
// Preferred: the lean `paasrun-worker` installed next to the running `paasrun`. It links only
// the worker module's libraries (ldd: libpython, fmt, zlib), not the admin API's cpp-httplib
// and OpenSSL, so a worker does not map libssl/libcrypto (5.5 MB less RSS per worker after
// 2,000 hello requests: 17.1 -> 11.6 MB).
//
// Fallback: `/proc/self/exe __worker`, the same code inside the full binary. It is used when
// no executable `paasrun-worker` sits next to `paasrun`, so a `paasrun` copied on its own (to a
// host, by a test) keeps working; only the memory saving is lost. (In a build tree the two
// cannot drift: CMake builds paasrun-worker whenever it builds paasrun.)
//
// Both forms are immune to the files on disk being replaced while the server runs (an upgrade
// in place): /proc/self/exe is the arbiter's own inode, and the lean worker is opened once
// here and exec'd through that fd (fexecve), never by path again. A replacement worker started
// hours later is therefore always the build that matches this arbiter's hand-off format.
#pragma once

#include <filesystem>

#include "serve/arbiter_spawn.hpp"

namespace paasrun::worker {

inline constexpr const char* kLeanWorkerName = "paasrun-worker";

/// The worker command for an arbiter whose executable is `self_exe` (an absolute path, the
/// target of /proc/self/exe): `<dir of self_exe>/paasrun-worker`, opened and pinned, when that
/// is an executable regular file; else `/proc/self/exe __worker` shown as `self_exe` in ps.
[[nodiscard]] WorkerCommand worker_command_for(const std::filesystem::path& self_exe);

}  // namespace paasrun::worker
