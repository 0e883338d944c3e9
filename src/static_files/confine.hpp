// A static mount given as a relative directory (every `static:` dir of paasrun.yaml, which
// must be relative: config/manifest.hpp) belongs to the app in the current directory, so
// it must resolve inside it. A mount that is itself a symlink out of the app
// (`static -> ../../..`) would publish whatever is there on the public port: in a release,
// the state dir with every release.json and its config vars. The build refuses such a dir
// (build/slug_checks.hpp); this is the serve-side check, for trees that were not built.
// An absolute directory is the operator's explicit choice (`--static /s=/srv/assets`) and is
// not confined.
#pragma once

#include <string>

#include "util/result.hpp"

namespace paasrun::static_files {

/// `dir_fd` is the open mount directory named `dir`. When `dir` is relative, an Error naming
/// the prefix and where it leads unless it resolves inside the current directory.
[[nodiscard]] Status confine_relative_mount(int dir_fd, const std::string& prefix,
                                            const std::string& dir);

/// Whether `path` is `base` or below it (both absolute and canonical). Pure.
[[nodiscard]] bool path_within(const std::string& base, const std::string& path);

}  // namespace paasrun::static_files
