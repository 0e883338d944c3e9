// Runs buildpacks over a build dir with Heroku's buildpack API
// (https://devcenter.heroku.com/articles/buildpack-api):
//
//   bin/detect  BUILD_DIR                     exit 0 + a name on stdout: applies
//   bin/compile BUILD_DIR CACHE_DIR ENV_DIR   output streamed; ENV_DIR has one file per config var
//   bin/release BUILD_DIR                     YAML on stdout (release_yaml.hpp)
//
// Each buildpack runs from a private copy of its directory (so an `export` file it writes
// there, and anything else it writes next to itself, never touches the original); the
// `export` files of the buildpacks that ran before are sourced, in order, by bash before each
// bin/* of the next one (Heroku's multi-buildpack rule).
//
// Environment of every bin/*: the environment paasrun was started with (so PIP_INDEX_URL,
// PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS set by the developer or CI reach pip), plus
//   STACK=paasrun, SOURCE_VERSION=<source hash>, BUILDPACK_INDEX=<0-based position>,
//   PAASRUN_PYTHON_SYSTEM_SITE_PACKAGES=0|1  (manifest python.system_site_packages).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "build/buildpacks.hpp"
#include "build/release_yaml.hpp"
#include "release/release.hpp"
#include "util/result.hpp"

namespace paasrun::build {

struct RunnerOptions {
    fs::path build_dir;
    fs::path cache_dir;
    fs::path env_dir;
    fs::path work_dir;             // scratch: buildpack copies live here
    std::vector<std::string> env;  // base environment ("K=V")
    std::chrono::milliseconds detect_timeout{60'000};
    std::chrono::milliseconds compile_timeout{15 * 60'000};  // Heroku's build limit
    std::chrono::milliseconds release_timeout{60'000};
    std::function<void(std::string_view)> on_output;  // progress and prefixed buildpack output
};

struct RanBuildpack {
    release::BuildpackInfo info;
    double compile_seconds = 0;
};

struct RunnerResult {
    std::vector<RanBuildpack> buildpacks;
    ReleaseOutput release;   // merged: later buildpacks win per name
    bool disk_full = false;  // a buildpack's output said ENOSPC
};

/// Runs `explicit_list` in order (each must detect, as on Heroku), or, when it is empty,
/// the first of `candidates` whose bin/detect succeeds; when none does, nothing runs and the
/// result lists no buildpack (the slug is the source as it is: "no build needed"). Fails on the
/// first error; the message names the buildpack, the step and the reason (status, signal, timeout,
/// not executable).
[[nodiscard]] Result<RunnerResult> run_buildpacks(const std::vector<Buildpack>& explicit_list,
                                                  const std::vector<Buildpack>& candidates,
                                                  const RunnerOptions& opts);

}  // namespace paasrun::build
