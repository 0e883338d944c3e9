// write_all: the one "write every byte to this fd" loop (short writes, EINTR) that spool
// files, atomic state files, upload spools and hand-over memfds all need.
#pragma once

#include <string_view>
#include <system_error>

namespace paasrun {

/// Writes all of `data` to `fd` (a blocking fd: file, memfd, pipe). Returns an empty
/// error_code on success, else the failing write's errno (also left in errno, so callers can
/// build a sys_error from it directly).
[[nodiscard]] std::error_code write_all(int fd, std::string_view data) noexcept;

}  // namespace paasrun
