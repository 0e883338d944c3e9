// app.json (Heroku's app manifest; Dokku reads the same file): paasrun reads two of its keys,
// where paasrun.yaml is silent, so an app written for Heroku or Dokku runs unchanged:
//
//   {"formation": {"web": {"quantity": 2}, "worker": {"quantity": 1}},
//    "healthchecks": {"web": [{"type": "startup", "path": "/health", "attempts": 3,
//                              "timeout": 5, "wait": 10}]}}
//
// - formation.TYPE.quantity -> the count of TYPE, unless paasrun.yaml's `formation:` names TYPE;
// - healthchecks.web (Dokku's format): the first check with a `path` -> health.path, with
//   attempts, timeout and wait (seconds between checks -> health.interval), unless
//   paasrun.yaml sets health.path.
// Every other key (name, env, addons, scripts, buildpacks...) is ignored. A malformed
// app.json, or a wrong type in one of these two keys, is an error naming app.json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "config/manifest.hpp"
#include "util/result.hpp"

namespace paasrun::config {

struct AppJson {
    std::map<std::string, int> formation;  // type -> quantity
    std::optional<HealthCheck> web_health;
};

/// Parses app.json text. Pure.
[[nodiscard]] Result<AppJson> parse_app_json(std::string_view text,
                                             std::string_view file = "app.json");

/// Fills what `m` leaves unset from `a` (see above); `file` becomes the position of the
/// formation entries it adds (for "not in the Procfile" errors). Pure.
void apply_app_json(Manifest& m, const AppJson& a, std::string_view file = "app.json");

/// Reads APP_DIR/app.json when present and applies it to `m` (the load_manifest hook).
[[nodiscard]] Result<bool> merge_app_json(Manifest& m, const std::string& app_dir);

}  // namespace paasrun::config
