// read_file: the one "read this whole (small) file into a string" helper: metadata files,
// token files, /sys and /proc entries, config caches. Big or streamed files (archives, slugs,
// static assets) are read by their own code with their own limits.
#pragma once

#include <filesystem>
#include <string>

#include "util/result.hpp"

namespace paasrun {

/// The file's bytes. Errors (missing, a directory, unreadable) name the path and keep errno.
[[nodiscard]] Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace paasrun
