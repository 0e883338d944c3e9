// The CLI's `--to URL` mode: commands that talk to a running `paasrun start` through its
// admin API (docs/admin-api.md) instead of the local state dir. cmd_build.cpp (releases,
// rollback, config, config:set, config:unset) and cmd_remote.cpp (ps, logs, deploy) use it.
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

#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

namespace paasrun::app::remote {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRolledBack = 3;
inline constexpr int kExitTimeout = 4;
inline constexpr int kExitApi = 5;

struct Target {
    std::string url;    // --to, else $PAASRUN_URL
    std::string token;  // --token, else $PAASRUN_ADMIN_TOKEN, else ./.paasrun/admin-token
};

/// Adds --to and --token to a subcommand.
void add_options(CLI::App* sub, Target& t);
/// True when the command should go remote (--to or $PAASRUN_URL given).
[[nodiscard]] bool requested(const Target& t);

[[nodiscard]] int releases(const Target& t);
[[nodiscard]] int rollback(const Target& t, int to, double timeout_seconds);
[[nodiscard]] int config(const Target& t, bool reveal);
[[nodiscard]] int config_set(const Target& t, const std::vector<std::pair<std::string, std::string>>& vars,
                             double timeout_seconds);
[[nodiscard]] int config_unset(const Target& t, const std::vector<std::string>& keys, double timeout_seconds);

}  // namespace paasrun::app::remote
