// What `paasrun up` and `paasrun start` run (docs/supervisor.md, "What runs"):
//
//   1. The app has something to build when a buildpack applies: `build.buildpacks` in
//      paasrun.yaml, a `.buildpacks` file, or a bundled buildpack whose bin/detect accepts the
//      directory. Then the directory is built first when its source changed since it was
//      last built here (stat fingerprint, then content hash, against last_build.json: a fast
//      no-op otherwise), and the CURRENT release runs: its slug, config vars, process types.
//      An unchanged directory never rebuilds over a release that came from elsewhere (an
//      admin API deploy, a rollback): the current release is what runs.
//   2. Nothing to build, but a current release exists (deployed through the admin API):
//      it runs.
//   3. Nothing to build and no release: the directory runs as-is (foreman's behaviour).
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

/// True when a buildpack applies to `app_dir` (rule 1 above).
[[nodiscard]] bool has_buildpack(const std::filesystem::path& app_dir, const config::Manifest& manifest);

/// True when the directory's source differs from what was last built from it here (or it
/// was never built).
[[nodiscard]] Result<bool> source_changed(const std::filesystem::path& app_dir, const std::filesystem::path& state_dir);

/// Marks every `pending` release that is not current as failed (the writer died). Needs the
/// store lock; skipped (not an error) when another writer holds it. Returns the versions.
[[nodiscard]] std::vector<int> recover_interrupted(const release::ReleaseStore& store);

struct StartupOutcome {
    int version = 0;     // the release to run; 0: run the directory as-is
    bool built = false;  // a build ran
};

/// Applies rules 1-3; build output goes to `on_output`.
[[nodiscard]] Result<StartupOutcome> prepare_startup(const std::filesystem::path& app_dir,
                                                     const std::filesystem::path& state_dir,
                                                     const config::Manifest& manifest,
                                                     const std::function<void(std::string_view)>& on_output);

}  // namespace paasrun::deploy
