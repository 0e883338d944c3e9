// `paasrun deploy DIR`: packs an app directory into the .tar.gz the admin API takes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace paasrun::admin {

/// Writes the entries `members` of `dir` (paths relative to it, directories listed too:
/// nothing is added recursively) as a gzipped tar to `out` (members "./..."). What belongs to
/// an upload is decided by the caller (build::list_source with SourceUse::upload: no `.env`,
/// no VCS data, venv, state or data dir, nothing `.gitignore` names). Uses /bin/tar; the
/// Error names what failed and tar's own message.
[[nodiscard]] Status pack_source_dir(const std::filesystem::path& dir,
                                     const std::filesystem::path& out,
                                     const std::vector<std::string>& members);

}  // namespace paasrun::admin
