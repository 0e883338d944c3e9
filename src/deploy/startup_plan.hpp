// The startup plan of `paasrun up` and `paasrun start`: from the command line's options to
// the supervisor's and the deploy engine's options, with the build-first start-up
// (startup.hpp) in between. The CLI (src/app/cmd_supervisor.cpp) then only creates the
// supervisor, the engine and the admin server from the plan and runs them, like tini's main.
//
// Order (each step can refuse, before anything is started):
//   1. the app dir without requiring a Procfile (a release brings its own), `-f` inside it;
//   2. one instance per app: the instance lock, taken before anything is built or bound;
//   3. the data dir; for a first release, the Procfile and `-c` are checked before a build;
//   4. build when the source changed (startup.hpp), the release phase with the processes'
//      `.env` and data dir;
//   5. the formation: the current release's process types and config vars, or the directory
//      as it is when nothing was released; `-c`, ports, grace period, restart policy, the
//      shared web socket and the stats dir.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <variant>

#include "admin/instance_lock.hpp"
#include "config/dotenv.hpp"
#include "config/manifest.hpp"
#include "config/settings.hpp"
#include "deploy/engine.hpp"
#include "deploy/log_hub.hpp"
#include "supervisor/app_config.hpp"
#include "supervisor/supervisor.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

struct StartupRequest {
    supervisor::LoadRequest load;  // dir, -f, -e, -c (port and grace period set below)
    std::optional<int> port;       // -p
    std::optional<double> grace;   // -t
    bool stop_on_exit = true;      // `up` stops everything when a process exits
    bool restart = false;          // `up --restart`: restart policy "always"
};

struct StartupPlan {
    admin::InstanceLock lock;  // held for the whole run
    std::filesystem::path state_dir;
    config::Manifest manifest;   // paasrun.yaml as read at start
    config::EnvMap process_env;  // paasrun's own environment (ADMIN_PORT, ...)
    supervisor::SupervisorOptions supervisor;
    EngineOptions engine;
    std::unique_ptr<LogHub> hub;  // supervisor.log_tap publishes to it
};

/// Where plan_startup failed: a build failure is reported as such ("nothing was started").
struct StartupFailure {
    Error error;
    bool build_failed = false;
};

/// Assembles the plan (see above). `say` gets the build output and "Running release vN",
/// `warn` the warnings (a stale instance lock, Procfile warnings).
[[nodiscard]] std::variant<StartupPlan, StartupFailure> plan_startup(
    StartupRequest req, const std::function<void(std::string_view)>& say,
    const std::function<void(std::string_view)>& warn);

/// The `.env` layer on its own (-e FILE, or DIR/.env when `load.load_default_env`): a
/// release's config vars go above it.
[[nodiscard]] config::EnvList dotenv_layer(const supervisor::LoadRequest& load,
                                           const std::string& app_dir);

}  // namespace paasrun::deploy
