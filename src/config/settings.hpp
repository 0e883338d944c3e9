// One precedence order for every setting (docs/configuration.md):
//
//     manifest  <  .env  <  config vars (release)  <  process environment  <  command-line flags
//
// The child environment is built from the first four layers (later wins per key). Structured
// settings (web workers, grace period, ...) start from the manifest and are overridden by
// their environment variable when any env layer sets it (WEB_CONCURRENCY, PAASRUN_GRACE_PERIOD,
// ...), then by a flag. One exception, serve's order for the worker count: an explicit
// `web.workers` (> 0) beats WEB_CONCURRENCY (flag > web.workers > WEB_CONCURRENCY > auto).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/dotenv.hpp"
#include "config/manifest.hpp"
#include "util/result.hpp"

namespace paasrun::config {

using EnvMap = std::map<std::string, std::string>;

struct Layers {
    const Manifest* manifest = nullptr;  // required
    EnvList dotenv;                      // empty unless `up` (or -e) loaded one
    EnvList config_vars;                 // from the current release, if any
    EnvMap process_env;                  // the supervisor's own environment
};

/// Flags given on the command line; unset ones do not override.
struct FlagOverrides {
    std::optional<int> port;
    std::optional<int> workers;
    std::optional<double> grace_period;
    std::map<std::string, int> formation;  // -c web=2,worker=1
};

/// The merged environment (manifest env < .env < config vars < process env).
[[nodiscard]] EnvMap merge_env(const Layers& layers);

struct EffectiveSettings {
    EnvMap env;                            // merged environment for children
    std::map<std::string, int> formation;  // per type; types absent here default to 1
    int base_port = 5000;                  // PORT, else 5000
    int web_workers = 0;                   // 0 = auto
    double grace_period = 30;
};

/// Applies the precedence rules; an env value that does not parse is an error naming it and
/// the layer it came from. PORT must be 1-65535, WEB_CONCURRENCY 0..max_web_workers,
/// PAASRUN_GRACE_PERIOD a duration >= 0 (seconds, or with a unit: "10s", "500ms").
/// Flags are range-checked the same way. `env` holds the four env layers only: flags change
/// the structured fields, never `env` (the supervisor sets PORT/DYNO per process).
[[nodiscard]] Result<EffectiveSettings> resolve_settings(const Layers& layers,
                                                         const FlagOverrides& flags);

/// Parses a `-c` formation flag: "web=2,worker=1" (spaces around items allowed). Names follow
/// the Procfile rules, counts are 0..max_formation_count, `release` and repeats are rejected.
[[nodiscard]] Result<std::map<std::string, int>> parse_formation(std::string_view spec);

/// Reads the current process environment (environ) into a map.
[[nodiscard]] EnvMap current_environment();

}  // namespace paasrun::config
