// The environment a release's processes (and its release phase) run with, and how a command
// is started inside a slug the way a Heroku dyno does it.
//
// Precedence (docs/configuration.md), later wins per key:
//   manifest `env:`  <  buildpack config_vars (bin/release)  <  release config vars
//   <  the environment paasrun itself was started with
// plus PAASRUN_RELEASE_VERSION=vN. Then `.profile.d/*.sh` of the slug are sourced by bash
// in the slug dir before the command runs (PATH and VIRTUAL_ENV of the venv come from there).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "release/release.hpp"

namespace paasrun::release {

/// "K=V" entries for a release's processes. `process_env` is usually environ_entries().
[[nodiscard]] std::vector<std::string> release_environment(const Release& r, const SlugMeta& slug,
                                                           const std::vector<std::pair<std::string, std::string>>& manifest_env,
                                                           const std::vector<std::string>& process_env);

/// argv that runs `command` with bash in `slug_app_dir` after sourcing .profile.d/*.sh
/// (Heroku's dyno start-up). The command is a shell command line, as in a Procfile.
[[nodiscard]] std::vector<std::string> profile_wrapped_argv(const std::string& command);

}  // namespace paasrun::release
