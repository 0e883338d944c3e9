// JSON shapes of the admin API's resources (docs/admin-api.yaml has their schemas). Pure.
//
// Versions are strings "vN" everywhere (null when there is none), like the CLI prints them.
// Config var values are secrets: unless `reveal` is set every value is replaced with
// kRedacted, so names stay visible and values never leave the host by accident.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/app_control.hpp"
#include "release/history.hpp"
#include "release/store.hpp"

namespace paasrun::admin {

inline constexpr std::string_view kRedacted = "[redacted]";

/// "v3", or null for 0.
[[nodiscard]] nlohmann::json version_json(int version);

/// GET /v1/status. While a deploy switches, processes of two generations share a name (web.1
/// twice): each carries its `release`, `generation` and `phase` (starting | active |
/// retiring) so clients can tell them apart.
[[nodiscard]] nlohmann::json status_json(const AppStatus& s);

/// A job; `since` skips the first output lines (clients poll with ?since=<lines seen>).
/// GET /v1/endpoints: the per-endpoint table, most requested route first, cumulative since
/// paasrun started (`"window": "all"`).
[[nodiscard]] nlohmann::json endpoints_json(const Metrics& m);

/// GET /v1/endpoints?window=N: the rows over a window of N seconds that spans unix times
/// `from`..`to` (src/admin/dashboard/endpoint_windows.hpp).
[[nodiscard]] nlohmann::json endpoints_window_json(const std::vector<EndpointStats>& rows,
                                                   double seconds, double from, double to);

/// The `window` query parameter of GET /v1/endpoints: absent or "all" is 0 (cumulative),
/// else whole seconds 1..3600 (`60`, `300`, `3600`, or `1m`, `5m`, `1h`). nullopt: invalid.
[[nodiscard]] std::optional<int> parse_endpoint_window(const std::string* value);

[[nodiscard]] nlohmann::json job_json(const Job& j, std::size_t since = 0);

[[nodiscard]] nlohmann::json config_vars_json(const release::ConfigVars& vars, bool reveal);

/// One release for the list and detail views; `events` (the detail view) are its history.
[[nodiscard]] nlohmann::json release_json(
    const release::ReleaseInfo& info, bool reveal, int current_version,
    const std::vector<release::HistoryEvent>* events = nullptr);

}  // namespace paasrun::admin
