// The one environment every process of an app runs with: the Procfile's processes (`up`,
// `start`, each deploy's new generation), the release phase and `paasrun run`.
// docs/configuration.md ("The process environment") is the user-facing version of this.
//
// Layers, later wins per key:
//
//   1. manifest `env:`      of the paasrun.yaml that ships with the code (a release's own copy)
//   2. `.env`               `up` reads DIR/.env; any command given `-e FILE` reads that
//   3. buildpack defaults   `config_vars` of the slug's bin/release output
//   4. config vars          of the release (`config:set`, PATCH /v1/config)
//   5. paasrun's own environment (what the shell, systemd or the container gave paasrun)
//
// then the facts paasrun sets itself (no layer overrides them):
//   PAASRUN_RELEASE_VERSION=vN   when a release runs
//   PAASRUN_DATA_DIR=DIR         the app's persistent data dir (config/data_dir.hpp)
//   VIRTUAL_ENV, PATH            when APP_DIR/.venv exists (a build made it): its bin/ first,
//                                PYTHONHOME removed, as the venv's `activate` does
//   PATH                         the running paasrun's directory in front when PATH lacks it,
//                                so `web: paasrun serve app:application` runs this paasrun
// and per process (the supervisor): PORT, DYNO=type.N, PS. Finally the process's shell
// sources `.profile.d/*.sh` (supervisor/child_env.hpp), which may change anything.
#pragma once

#include <string>

#include "config/dotenv.hpp"
#include "config/settings.hpp"

namespace paasrun::config {

struct EnvLayers {
    EnvList manifest_env;
    EnvList dotenv;
    EnvList buildpack_vars;
    EnvList config_vars;
    EnvMap process_env;
};

struct EnvFacts {
    int release = 0;       // > 0: PAASRUN_RELEASE_VERSION=vN
    std::string app_dir;   // where the code runs (a slug's app dir, or the source dir)
    std::string data_dir;  // PAASRUN_DATA_DIR; empty: not set
    std::string exe_dir;   // usually self_exe_dir(); empty: PATH is left alone
};

/// Layers 1-5 merged (later wins). Pure.
[[nodiscard]] EnvMap merge_layers(const EnvLayers& layers);

/// merge_layers + the facts above. Reads the filesystem once (does APP_DIR/.venv exist?).
[[nodiscard]] EnvMap app_environment(const EnvLayers& layers, const EnvFacts& facts);

/// Adds the venv and the paasrun directory to `env` (see above). `exe_dir` may be empty. Pure.
void add_app_paths(EnvMap& env, const std::string& app_dir, bool has_venv,
                   const std::string& exe_dir);

/// Directory of /proc/self/exe, or "" when it cannot be read.
[[nodiscard]] std::string self_exe_dir();

}  // namespace paasrun::config
