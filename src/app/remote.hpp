// The CLI's `--to URL` mode: commands that talk to a running `paasrun start` through its
// admin API (docs/admin-api.md) instead of the local state dir. cmd_build.cpp (releases,
// releases:info, rollback, config, config:get, config:set, config:unset) and cmd_remote.cpp
// (ps, ps:scale, ps:restart, restart, logs, deploy) use it.
//
// Exit codes of the commands that start a job (deploy, rollback, config:set/unset):
//   0 the job succeeded (deploy --wait-healthy: its bake window passed without a rollback and
//     /readyz answered 200)
//   1 the job failed (build, release phase or health check); the current release is unchanged
//   2 usage error
//   3 the deploy was rolled back (automatically, after the switch)
//   4 timed out (--timeout) before the job ended or the release became healthy
//   5 the API refused the request or could not be reached (auth, 409, 413, network)
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "admin/client.hpp"
#include "util/result.hpp"

namespace paasrun::app::remote {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRolledBack = 3;
inline constexpr int kExitTimeout = 4;
inline constexpr int kExitApi = 5;

struct Target {
    std::string url;         // --to, else $PAASRUN_URL, else a running local instance's
    std::string token;       // --token, else $PAASRUN_ADMIN_TOKEN, else token_file
    std::string token_file;  // the admin-token of the app named by -a/DIR (set by route());
                             // "" = ./.paasrun/admin-token
};

/// Adds --to and --token to a subcommand.
void add_options(CLI::App* sub, Target& t);

/// How a command reaches its app.
enum class Route {
    local,       // no --to, no $PAASRUN_URL, no running instance: the app dir's own store
    named,       // --to or $PAASRUN_URL
    discovered,  // a running `paasrun up/start` of the app in the given directory
};

/// --to / $PAASRUN_URL first; else the instance recorded in `app_dir`'s state dir
/// (admin/instance_file.hpp), when it still runs: then t.url and t.token_file are filled in
/// and a line on stderr says which instance the command talks to. Else local.
[[nodiscard]] Route route(Target& t, const std::filesystem::path& app_dir);

/// A client for t's instance (--to, $PAASRUN_URL, or what route() found) with its token.
[[nodiscard]] Result<std::unique_ptr<admin::Client>> open_client(const Target& t);

[[nodiscard]] int releases(const Target& t);
[[nodiscard]] int rollback(const Target& t, int to, double timeout_seconds);
[[nodiscard]] int config(const Target& t, bool reveal);
/// Prints KEY's value; exit 1 when it is not set.
[[nodiscard]] int config_get(const Target& t, const std::string& key);
/// One release's details (version 0: the current one).
[[nodiscard]] int release_info(const Target& t, int version);
/// Prints a release as `releases:info` shows it, from its admin API JSON (admin/views.hpp:
/// release_json): the local store's releases are shown through the same function.
void print_release_info(const nlohmann::json& r);
[[nodiscard]] int config_set(const Target& t,
                             const std::vector<std::pair<std::string, std::string>>& vars,
                             double timeout_seconds);
[[nodiscard]] int config_unset(const Target& t, const std::vector<std::string>& keys,
                               double timeout_seconds);

}  // namespace paasrun::app::remote
