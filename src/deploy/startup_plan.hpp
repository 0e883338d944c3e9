// The start-up plan of `paasrun up` and `paasrun start`: what the supervisor, the deploy engine
// and the admin API are started with, as plain data, built by one pure function from what was
// read before (the parsed options, the app directory's paasrun.yaml and settings, the release
// to run, paasrun's own environment). Reading those and running the plan is
// deploy/startup_run.hpp; building first is deploy/startup.hpp. docs/supervisor.md ("What
// runs") is the user-facing version.
//
// What runs:
//   - a release (version > 0): its slug, environment and process types (deploy/run_spec.hpp);
//     the formation is DIR's settings (paasrun.yaml `formation:`) with `-c` over them, checked
//     against the RELEASE's process types;
//   - version 0 (nothing built yet, or a config-only release): the directory as-is
//     (supervisor::load_app with its Procfile).
// Then foreman's `start web worker` keeps only the named types. `up` stops everything when a
// process exits (unless --restart), `start` restarts per policy.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "build/pipeline.hpp"
#include "config/manifest.hpp"
#include "deploy/run_spec.hpp"
#include "supervisor/app_config.hpp"
#include "supervisor/human_log.hpp"
#include "supervisor/supervisor.hpp"
#include "util/result.hpp"

namespace paasrun::deploy {

/// The parsed command line of `up` / `start`.
struct StartupOptions {
    std::string command = "up";      // "up" or "start": names the command in messages
    supervisor::LoadRequest load;    // DIR, -f, -e, -c, -p, -t
    std::vector<std::string> types;  // foreman's `start web worker`: only these types (empty: all)
    bool in_place = false;     // `up` (the dev loop): a release built from the source runs in it
    bool stop_on_exit = true;  // `up` without --restart: any exit stops everything
    bool restart = false;      // --restart: restart policy `always`
    bool reload = false;       // up --reload: PAASRUN_RELOAD=1 for every `paasrun serve`
    std::string log_format;    // --log-format; empty: human for `up`, logfmt for `start`
};

/// The log style of the supervisor's own output (`up`: human, `start`: logfmt, or
/// --log-format). Pure.
[[nodiscard]] supervisor::LogStyle log_style_for(const StartupOptions& options);

/// Everything the plan is built from, already read from disk.
struct PlanInputs {
    /// DIR loaded without requiring a Procfile and without `-c` (supervisor::load_app): its
    /// paasrun.yaml (the process-wide settings), settings (formation, base port, grace
    /// period) and data dir.
    supervisor::AppConfig base;
    std::filesystem::path state_dir;
    EnvInputs env;  // what every release's processes get (deploy/run_spec.hpp)
    build::PipelineOptions pipeline;
    config::EnvMap process_env;  // paasrun's own environment (ADMIN_PORT)
    /// The release to run (> 0) and its RunSpec, or 0 ...
    int version = 0;
    std::shared_ptr<const supervisor::RunSpec> run;
    /// ... and then DIR as-is, loaded with its Procfile and `-c` (supervisor::load_app).
    std::optional<supervisor::AppConfig> as_is;
};

/// What `up` / `start` run. Plain data: the runner (deploy/startup_run.hpp) adds what only
/// a running process has (the log tap, colour on a terminal).
struct StartupPlan {
    std::string command;  // "up" / "start"
    supervisor::SupervisorOptions supervisor;
    config::Manifest manifest;  // DIR's paasrun.yaml as read at start
    std::filesystem::path state_dir;
    /// PAASRUN_STATS_DIR of a `paasrun serve` web type ("" = none): emptied and created by
    /// the runner, which leaves it unset when it cannot be created.
    std::filesystem::path stats_dir;
    EnvInputs env;                      // for the deploy engine's later generations
    build::PipelineOptions pipeline;    // for the deploy engine's builds and release phases
    std::string admin_bind;             // the admin API's address, when manifest.admin.enabled
    std::vector<std::string> notes;     // lines for stdout before the processes start
    std::vector<std::string> warnings;  // lines for stderr (after "paasrun CMD: warning: ")
};

/// Builds the plan. Errors name what to fix ("nothing to run: ...", "-c: ...", "no such process
/// type ..."). Pure: reads neither the filesystem nor the environment.
[[nodiscard]] Result<StartupPlan> build_startup_plan(const StartupOptions& options,
                                                     PlanInputs inputs);

/// The admin API's address: manifest admin.bind, else 127.0.0.1:$ADMIN_PORT, else port 0 on
/// loopback (a free port; it is logged: `msg="admin api listening" addr=...`). Pure.
[[nodiscard]] std::string admin_bind(const config::Manifest& manifest, const config::EnvMap& env);

/// Whether the web processes accept on one socket the supervisor binds (deploy.shared_socket:
/// always / never / auto: when the web command is `paasrun serve`). Pure.
[[nodiscard]] bool share_web_socket(const config::Manifest& manifest,
                                    const std::vector<std::pair<std::string, std::string>>& types);

}  // namespace paasrun::deploy
