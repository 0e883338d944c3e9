// A deployed source tree is built with the build settings of ITS OWN paasrun.yaml, by the
// rule `paasrun build` applies to a directory (build::pipeline_options): a deploy whose
// paasrun.yaml changes `build.buildpacks`, `python.system_site_packages` or the `static:`
// dirs the build precompresses is built with the new ones, not with those read when
// `up`/`start` started. The same tree builds the same way locally and through a deploy.
//
//   from the tree's paasrun.yaml    build.buildpacks, build.system_site_packages, static dirs
//   from the process (`process`)    compile timeout, paasrun version (not the app's choice)
//   elsewhere                       build.keep_releases: store retention, process-wide
//                                   (docs/deploys.md "Whose paasrun.yaml")
//
// A tree without paasrun.yaml builds with the defaults, exactly as `paasrun build` in that
// directory would: its `.buildpacks` file or buildpack detection decides, nothing is
// precompressed (and `paasrun serve` serves no static dirs from it either). Build settings
// are the tree's choice, like its `env:`, so none are inherited from the startup manifest.
#pragma once

#include <filesystem>
#include <string>

#include "build/builder.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

struct TreeBuildOptions {
    build::BuildOptions options;  // on_output left empty
    bool own_manifest = false;    // false: the tree has no paasrun.yaml (defaults)
};

/// The options to build the source tree `tree` with. `shown_file` names its paasrun.yaml in
/// messages, as the deployer knows it (e.g. "paasrun.yaml" or "myapp/paasrun.yaml" inside
/// the archive), since the unpacked copy is a temporary dir. A paasrun.yaml that cannot be
/// read or is invalid is an Error naming shown_file:line:column; nothing is built then.
[[nodiscard]] Result<TreeBuildOptions> tree_build_options(const std::filesystem::path& tree,
                                                          const std::string& shown_file,
                                                          const build::BuildOptions& process);

}  // namespace paasrun::deploy
