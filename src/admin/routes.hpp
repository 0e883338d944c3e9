// The admin API's route table: one row per (method, path), in OpenAPI path syntax
// ("/v1/releases/{version}"). The server dispatches on it and a unit test compares it with
// docs/admin-api.yaml in both directions, so the document cannot drift from the server.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace paasrun::admin {

enum class RouteId {
    livez,
    readyz,
    startupz,
    metrics,
    status,
    releases_list,
    releases_create,
    releases_get,
    job_get,
    rollback,
    config_get,
    config_patch,
    formation_put,
    process_restart,
    logs,
    // The browser dashboard (src/admin/dashboard/, docs/dashboard.md)
    dashboard_root,
    dashboard_page,
    dashboard_login,
    dashboard_asset,
    dashboard_session,
    dashboard_logout,
    dashboard_ticket,
    metrics_series,
    config_diff,
    endpoints,
};

/// What a route accepts as a request body; decides the size limit and Content-Type check.
enum class BodyKind {
    none,     // no body expected (a small one is read and ignored; chunked is refused)
    json,     // application/json, at most ServerOptions::max_json_bytes
    archive,  // a .tar.gz/.tar upload, at most ServerOptions::max_body_bytes, streamed to disk
};

struct Route {
    RouteId id;
    std::string_view method;  // GET routes also answer HEAD
    std::string_view path;    // OpenAPI template
    bool needs_auth;          // false only for the health endpoints
    BodyKind body;
};

/// Every route the server has.
[[nodiscard]] std::span<const Route> routes();

struct RouteMatch {
    const Route* route = nullptr;               // null: no route for this method
    std::map<std::string, std::string> params;  // {name} -> path segment
    std::vector<std::string_view> allowed;      // methods the path has (for 405's Allow)
};

/// Finds the route for `method` and `path`. nullopt: no route has this path (404); a match
/// with a null route: the path exists but not with this method (405). HEAD matches GET.
/// Pure.
[[nodiscard]] std::optional<RouteMatch> match_route(std::string_view method, std::string_view path);

}  // namespace paasrun::admin
