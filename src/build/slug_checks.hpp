// Refusals the build makes about a slug's tree, so a hostile or careless source tree cannot
// make the build write outside the slug or publish files from outside the app.
//
//   check_write_paths     before the buildpacks run: `.profile.d` (where every buildpack of
//                         Heroku's API writes its start-up scripts) must not be a symlink, or
//                         the build would write through it into any directory.
//   check_static_inside   after they ran: every static dir of the manifest that exists must
//                         resolve inside the app (a `static -> ../../..` symlink would serve
//                         the state dir, release.json and its config vars included, on the
//                         public port). `paasrun serve` refuses such a mount too
//                         (static_files/confine.hpp).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "util/result.hpp"

namespace paasrun::build {

/// An Error naming the symlink when `<build_dir>/.profile.d` is one.
[[nodiscard]] Status check_write_paths(const std::filesystem::path& build_dir);

/// An Error naming the first static dir (relative to build_dir) that exists and resolves
/// outside build_dir. Missing dirs are not an error (the build reports them).
[[nodiscard]] Status check_static_inside(const std::filesystem::path& build_dir,
                                         const std::vector<std::string>& dirs);

}  // namespace paasrun::build
