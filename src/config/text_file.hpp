// Reading whole config files (Procfile, .env, paasrun.yaml) into memory.
//
// Config files are small; reading them whole keeps the parsers pure (they take text).
// A size cap protects `paasrun check` and the supervisor from a mistaken path such as
// /dev/zero or a multi-gigabyte log named Procfile.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "util/result.hpp"

namespace paasrun::config {

/// Largest config file accepted, in bytes.
inline constexpr std::size_t max_config_file_size = 4 * 1024 * 1024;

/// The file's bytes. Errors (missing file, a directory, too large, I/O) name the path.
[[nodiscard]] Result<std::string> read_text_file(const std::string& path);

/// Like read_text_file, but a missing file (ENOENT) is std::nullopt instead of an error.
[[nodiscard]] Result<std::optional<std::string>> read_optional_text_file(const std::string& path);

}  // namespace paasrun::config
