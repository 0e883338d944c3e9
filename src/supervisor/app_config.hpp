// Loading an app directory for `up`, `start` and `run`: the Procfile, paasrun.yaml, the
// optional .env, the settings precedence (config/settings.hpp) and the formation. Every
// error comes back as an Error naming the file (and line) so the command can print it and
// exit non-zero before anything starts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "config/settings.hpp"
#include "supervisor/formation.hpp"
#include "util/result.hpp"

namespace paasrun::supervisor {

struct LoadRequest {
    std::string dir = ".";               // the app directory
    std::string procfile;                // -f; empty: DIR/Procfile
    std::vector<std::string> env_files;  // -e, in order (a later file wins per key); none: DIR/.env
                                         // when load_default_env
    bool load_default_env = false;       // `up` reads DIR/.env (a missing one is fine)
    bool need_procfile = true;           // `run` works without one
    std::string formation;               // -c web=2,worker=1
    std::optional<int> port;             // -p
    std::optional<double> grace_period;  // -t
};

struct AppConfig {
    std::string app_dir;  // absolute
    config::Manifest manifest;
    config::Procfile procfile;           // empty when !need_procfile and there is none
    config::EffectiveSettings settings;  // merged env, formation counts, base port, grace
    config::EnvMap child_env;            // config::app_environment (no PORT/DYNO)
    std::string data_dir;                // PAASRUN_DATA_DIR (config/data_dir.hpp), not created here
    std::vector<ProcessSpec> formation;  // empty when !need_procfile
    std::vector<std::string> warnings;   // e.g. manifest formation naming unknown types
};

[[nodiscard]] Result<AppConfig> load_app(const LoadRequest& request);

/// The `.env` layer of `request`: its -e files merged in order (a missing one is an error),
/// else DIR/.env when `load_default_env` (a missing one is fine), else nothing.
[[nodiscard]] Result<config::EnvList> load_env_files(const LoadRequest& request,
                                                     const std::string& app_dir);

}  // namespace paasrun::supervisor
