// Opening a file beneath a static root without ever leaving it.
//
// Two strategies, chosen once per root:
//   beneath  openat2(2) with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS (Linux 5.6+): the kernel
//            resolves the whole path and fails with EXDEV when any step ("..", an absolute
//            symlink, a relative symlink that climbs out) would leave the root. Symlinks that
//            stay inside the root are followed.
//   walk     the fallback when openat2 is missing (ENOSYS) or filtered (EPERM from a seccomp
//            profile): one openat(2) per segment with O_NOFOLLOW, directories with O_PATH.
//            Stricter: it refuses EVERY symlink, inside the root or not.
// Both open the final file O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, so a FIFO or a tty
// placed in the tree cannot block or capture the worker; callers fstat and accept only
// regular files and directories.
// The relative path must come from check_relative_path() (no "..", no empty segments); the
// opener does not rely on that for safety, only for meaning.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/unique_fd.hpp"

namespace paasrun::static_files {

enum class Resolver : std::uint8_t {
    automatic,  // beneath when the kernel allows it, else walk
    beneath,    // openat2 only (fails with ENOSYS where unavailable)
    walk,       // per-segment O_NOFOLLOW walk
};

/// "automatic" / "beneath" / "walk".
[[nodiscard]] std::string_view describe(Resolver r) noexcept;

/// Whether openat2(RESOLVE_BENEATH) works here, probed on `dir_fd` (an open directory).
[[nodiscard]] bool openat2_works(int dir_fd) noexcept;

/// Opens `rel` beneath `root_fd` (an O_PATH or regular directory fd) with `mode` (never
/// automatic: resolve it first). Returns 0 and sets `out`, or an errno value: ENOENT,
/// ENOTDIR, ELOOP (a symlink in walk mode), EXDEV (an escape in beneath mode), ENAMETOOLONG...
[[nodiscard]] int open_beneath(int root_fd, std::string_view rel, Resolver mode,
                               unique_fd& out) noexcept;

}  // namespace paasrun::static_files
