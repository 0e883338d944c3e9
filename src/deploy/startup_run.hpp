// `paasrun up` / `paasrun start` from parsed options to exit code, in two steps:
//
//   load_startup   reads the app directory, takes the instance lock (one instance per app,
//                  refused before anything is built or bound), builds when the source changed
//                  (deploy/startup.hpp), reads the release to run and builds the plan
//                  (deploy/startup_plan.hpp);
//   run_startup    starts the supervisor (the formation), the deploy engine and the admin API
//                  from the plan and runs until the supervisor stops.
//
// Exit codes: supervisor::Supervisor::run()'s, or kExitConfigError when anything before the
// processes start fails (docs/supervisor.md).
#pragma once

#include <functional>
#include <string_view>

#include "admin/instance_lock.hpp"
#include "deploy/startup_plan.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

/// What `up` / `start` hold while they run.
struct Startup {
    admin::InstanceLock lock;
    StartupPlan plan;
};

/// A warning or an error of `paasrun CMD` on stderr: `paasrun CMD: error: TEXT` (warning:
/// for the other levels), or, once --log-format json is in force (log::format()), one JSON
/// object {"time","level","component":CMD,"msg":TEXT}.
void report(std::string_view command, log::Level level, std::string_view text);

/// Step one (above). First takes NOTIFY_SOCKET out of paasrun's environment (no child inherits
/// it) and sets what every component started from here reads from it: PAASRUN_RELOAD=1 (up
/// --reload) and PAASRUN_LOG_FORMAT (--log-format json). Build output and start-up notes go to
/// `on_line` (as JSON lines with --log-format json: deploy/build_log_json.hpp), warnings to
/// stderr (report()). An Error is printed by the caller with report().
[[nodiscard]] Result<Startup> load_startup(const StartupOptions& options,
                                           const std::function<void(std::string_view)>& on_line);

/// Step two (above). Prints the plan's notes to `on_line` and its warnings to stderr first.
[[nodiscard]] int run_startup(Startup startup,
                              const std::function<void(std::string_view)>& on_line);

}  // namespace paasrun::deploy
