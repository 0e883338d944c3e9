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

/// The environment layers that do not come from a release (the same for every release).
struct EnvInputs {
    config::EnvList dotenv;
    config::EnvMap process_env;  // the supervisor's own environment
    std::string data_dir;        // PAASRUN_DATA_DIR (config/data_dir.hpp); empty: not set
};

/// RunSpec of release `version` of `store` (it must have a slug). An unreadable or invalid
/// paasrun.yaml in the slug is an Error naming the file.
[[nodiscard]] Result<std::shared_ptr<supervisor::RunSpec>> release_run_spec(const release::ReleaseStore& store,
                                                                           int version, const EnvInputs& env);

}  // namespace paasrun::deploy
