// Turning an app directory into a finished slug (the build half of `paasrun build`).
//
// The slug is built IN PLACE at its final path, <state>/slugs/<id>/app, never in a temp dir
// that is renamed afterwards: a virtualenv is not relocatable (bin/* scripts carry absolute
// `#!<path>/.venv/bin/python` shebangs, activate scripts and editable installs hold absolute
// paths), so it must be created where it will run. Atomicity comes from slug.json instead:
// it is written last (after an fsync of the whole tree), and a slug dir without it is an
// unfinished build that no release refers to and the next writer deletes.
//
// Steps: copy the source (minus the excluded names, source_tree.hpp) -> write ENV_DIR from
// the current release's config vars -> run the buildpacks (runner.hpp) -> record metadata
// (slug.json, packages.txt from the venv) -> commit. The caller holds the store lock.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "release/store.hpp"
#include "util/result.hpp"

namespace paasrun::build {

namespace fs = std::filesystem;

struct BuildOptions {
    std::vector<std::string> buildpacks;  // manifest build.buildpacks (empty: .buildpacks / detect)
    bool system_site_packages = false;    // manifest python.system_site_packages
    std::chrono::milliseconds compile_timeout{15 * 60'000};
    std::string paasrun_version;
    std::function<void(std::string_view)> on_output;  // progress lines
    // Manifest static dirs (static.mappings dirs and static.root, relative to the app): after
    // the buildpacks ran, their compressible files get .gz/.br siblings (`paasrun compress`).
    std::vector<std::string> static_dirs;
    // Absolute paths left out of the source besides the state dir: the data dir when it lies
    // inside the app dir (config/data_dir.hpp).
    std::vector<fs::path> exclude;
};

struct SlugBuild {
    release::SlugMeta meta;
    std::string stat_fingerprint;  // of the source as it was built (for the fast no-op check)
};

/// Builds and commits a slug from `app_dir`. On failure the partial slug is removed, the
/// message says which step failed and why (a full disk is named as such).
[[nodiscard]] Result<SlugBuild> build_slug(const release::ReleaseStore& store,
                                           const fs::path& app_dir, const BuildOptions& opts);

/// Writes a slug as a gzipped tar (app/, slug.json, packages.txt) to `out`, atomically.
[[nodiscard]] Status write_slug_archive(const release::ReleaseStore& store,
                                        const std::string& slug_id, const fs::path& out);

}  // namespace paasrun::build
