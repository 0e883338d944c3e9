// What `paasrun up` and `paasrun start` run (docs/supervisor.md, "What runs"):
//
//   The directory is built first when its source changed since it was last built here
//   (stat fingerprint, then content hash, against last_build.json: a fast no-op otherwise),
//   and the CURRENT release runs: its slug, config vars, process types. An app no buildpack
//   detects gets a slug of its source as it is (build/runner.hpp, "no build needed"), so
//   every app has releases. An unchanged directory never rebuilds over a release that came
//   from elsewhere (an admin API deploy, a rollback): the current release is what runs.
//
// Before any of this, releases left `pending` by a writer that died (kill -9 mid-deploy or
// mid-build) are recorded as failed, so the history says what happened.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "build/pipeline.hpp"
#include "config/manifest.hpp"
#include "release/store.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

/// True when the directory's source differs from what was last built from it here (or it
/// was never built). `exclude`: absolute paths left out of the source (the data dir).
[[nodiscard]] Result<bool> source_changed(const std::filesystem::path& app_dir,
                                          const std::filesystem::path& state_dir,
                                          const std::vector<std::filesystem::path>& exclude = {});

/// Marks every `pending` release that is not current as failed (the writer died). Needs the
/// store lock; skipped (not an error) when another writer holds it. Returns the versions.
[[nodiscard]] std::vector<int> recover_interrupted(const release::ReleaseStore& store);

struct StartupOutcome {
    int version = 0;     // the release to run
    bool built = false;  // a build ran
};

/// Builds when needed (above); build output goes to `on_output`. `pipeline` comes from
/// build::pipeline_options(app_dir) plus the instance's `.env` and data dir (so the release
/// phase runs with the processes' environment).
[[nodiscard]] Result<StartupOutcome> prepare_startup(
    const std::filesystem::path& app_dir, const std::filesystem::path& state_dir,
    build::PipelineOptions pipeline, const std::function<void(std::string_view)>& on_output);

}  // namespace paasrun::deploy
