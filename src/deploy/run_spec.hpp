// What the processes of a release (or of the app dir as-is) run with: the supervisor's
// RunSpec. Shared by `paasrun up/start` (the first generation) and the deploy engine (every
// later one), so a deployed release runs exactly as it would after a restart.
//
// Environment: config::app_environment (config/app_env.hpp, the one merge for processes,
// release phase and `run`), where the manifest layer is the `env:` of the RELEASE's own
// paasrun.yaml (the one in its slug, deploy/release_settings.hpp), not the one paasrun
// started with: a release that adds an `env:` var runs with it. A slug without paasrun.yaml
// has no manifest layer. `.profile.d` is sourced at start.
#pragma once

#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "config/dotenv.hpp"
#include "config/settings.hpp"
#include "release/store.hpp"
#include "supervisor/supervisor.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

/// What the processes of every release get that does not come from the release itself.
struct EnvInputs {
    config::EnvList dotenv;
    config::EnvMap process_env;  // the supervisor's own environment
    std::string data_dir;        // PAASRUN_DATA_DIR (config/data_dir.hpp); empty: not set
    // `up/start -f FILE` (foreman's option): FILE's path relative to the app dir. Every
    // release then runs the process types of that file in ITS slug, instead of the ones
    // recorded at build time (from the slug's Procfile); the release command stays the
    // release's own. Empty: the release's process types.
    std::string procfile;
    // `up` (the dev loop): the app's source dir. A release whose slug was built from this
    // directory's source as last built here (its source_hash is last_build.json's) runs IN
    // PLACE: cwd is the source dir, so edits show without a rebuild and files the app
    // writes next to its code (Django's SQLite db) persist; the environment (virtualenv,
    // .profile.d, buildpack and config vars) is still the slug's. Any other release (a
    // rollback to older code, a deploy from elsewhere) runs from its slug. Empty (`start`,
    // the container entrypoint): every release runs from its slug.
    std::string source_dir;
};

/// The directory release `r` runs in place (`in.source_dir`), or "" when it runs from its
/// slug (the rule above). Reads last_build.json under `state_dir`.
[[nodiscard]] std::string in_place_dir(const release::Release& r, const EnvInputs& in,
                                       const std::filesystem::path& state_dir);

/// RunSpec of release `version` of `store` (it must have a slug). An unreadable or invalid
/// paasrun.yaml in the slug, or a missing/invalid `procfile` (EnvInputs) in it, is an Error naming
/// the file.
[[nodiscard]] Result<std::shared_ptr<supervisor::RunSpec>> release_run_spec(
    const release::ReleaseStore& store, int version, const EnvInputs& env);

}  // namespace paasrun::deploy
