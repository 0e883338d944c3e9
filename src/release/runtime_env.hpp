// The environment a release's processes (and its release phase) run with, and how a command
// is started inside a slug the way a Heroku dyno does it.
//
// The environment is config::app_environment's (config/app_env.hpp: the one merge for
// processes, release phase and `run`). Then `.profile.d/*.sh` of the slug are sourced by
// bash in the slug dir before the command runs.
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "release/release.hpp"

namespace paasrun::release {

/// What does not come from the release: the `.env` layer (when the instance reads one), the
/// data dir and the slug's app dir (whose .venv is activated).
struct HostEnv {
    std::vector<std::pair<std::string, std::string>> dotenv;
    std::string data_dir;
    std::string app_dir;
};

/// "K=V" entries for a release's processes. `process_env` is usually environ_entries().
[[nodiscard]] std::vector<std::string> release_environment(
    const Release& r, const SlugMeta& slug,
    const std::vector<std::pair<std::string, std::string>>& manifest_env,
    const std::vector<std::string>& process_env, const HostEnv& host = {});

/// argv that runs `command` with bash in `slug_app_dir` after sourcing .profile.d/*.sh
/// (Heroku's dyno start-up). The command is a shell command line, as in a Procfile.
/// `profile_dir`: source the .profile.d scripts of this directory instead of the cwd's (a
/// release phase run in place by `up`: cwd is the source dir, the scripts are the slug's).
[[nodiscard]] std::vector<std::string> profile_wrapped_argv(const std::string& command,
                                                            const std::string& profile_dir = {});

}  // namespace paasrun::release
