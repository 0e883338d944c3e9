// Which buildpacks a build runs, and where they are.
//
// Order of precedence (first that applies):
//   1. `build.buildpacks:` in paasrun.yaml
//   2. a `.buildpacks` file in the app (one per line; blank lines and `#` comments ignored)
//   3. the bundled buildpacks, each asked bin/detect in order; the first that detects runs
//      (Heroku's auto-detection picks one)
// An entry is a bundled name (`python`, `heroku/python`, `paasrun/python`), or a path to a
// buildpack directory (absolute, or relative to the app dir). URLs are refused: builds run
// offline, so a third-party buildpack is vendored and named by path.
//
// Bundled buildpacks are found in $PAASRUN_BUILDPACKS, else next to the executable:
// <exe dir>/../share/paasrun/buildpacks (installed), <exe dir>/../buildpacks and
// <exe dir>/../../buildpacks (a build tree inside the source tree).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.hpp"

namespace paasrun::build {

namespace fs = std::filesystem;

struct Buildpack {
    std::string source;   // "bundled:python" or the absolute path as given
    fs::path dir;         // absolute
    std::string version;  // see buildpack_version
};

/// `.buildpacks` text -> entries. Pure.
[[nodiscard]] std::vector<std::string> parse_buildpacks_file(std::string_view text);

/// Directory holding the bundled buildpacks.
[[nodiscard]] Result<fs::path> bundled_buildpacks_dir();

/// Resolves one entry (see above).
[[nodiscard]] Result<Buildpack> resolve_buildpack(std::string_view entry, const fs::path& app_dir,
                                                  const fs::path& bundled_dir);

/// The explicit list (manifest, else .buildpacks), or an empty list meaning "auto-detect
/// the bundled ones".
[[nodiscard]] Result<std::vector<Buildpack>> explicit_buildpacks(
    const std::vector<std::string>& manifest_list, const fs::path& app_dir);

/// Every bundled buildpack, in name order.
[[nodiscard]] Result<std::vector<Buildpack>> bundled_buildpacks();

/// A buildpack's version: its VERSION file, else `version = "..."` in buildpack.toml, else
/// "sha256:<12 hex>" of its bin/ scripts (so a changed buildpack is visible in slug.json).
[[nodiscard]] std::string buildpack_version(const fs::path& dir);

/// bin/detect and bin/compile must exist and be executable; bin/release, when present, too.
/// The error names the file and says how to fix it.
[[nodiscard]] Status check_buildpack(const Buildpack& bp);

}  // namespace paasrun::build
