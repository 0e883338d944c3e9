// `paasrun deploy DIR`: packs an app directory into the .tar.gz the admin API takes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace paasrun::admin {

/// Names left out at any depth: VCS data, the local virtualenv, paasrun's state dir and
/// Python bytecode caches (the build makes its own venv; state is per host).
inline const std::vector<std::string> kSourceExcludes{".git", ".venv", ".paasrun", "__pycache__"};

/// Writes `dir` as a gzipped tar to `out` (members "./..."), leaving out kSourceExcludes and
/// `extra_excludes` (paths relative to `dir`, e.g. a $PAASRUN_STATE inside it). Uses
/// /bin/tar; the Error names what failed and tar's own message.
[[nodiscard]] Status pack_source_dir(const std::filesystem::path& dir, const std::filesystem::path& out,
                                     const std::vector<std::string>& extra_excludes = {});

}  // namespace paasrun::admin
