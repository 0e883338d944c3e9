#include "admin/routes.hpp"

#include <array>

namespace paasrun::admin {

namespace {

constexpr std::array kRoutes{
    Route{RouteId::livez, "GET", "/livez", false, BodyKind::none},
    Route{RouteId::readyz, "GET", "/readyz", false, BodyKind::none},
    Route{RouteId::startupz, "GET", "/startupz", false, BodyKind::none},
    Route{RouteId::metrics, "GET", "/metrics", true, BodyKind::none},
    Route{RouteId::status, "GET", "/v1/status", true, BodyKind::none},
    Route{RouteId::releases_list, "GET", "/v1/releases", true, BodyKind::none},
    Route{RouteId::releases_create, "POST", "/v1/releases", true, BodyKind::archive},
    Route{RouteId::releases_get, "GET", "/v1/releases/{version}", true, BodyKind::none},
    Route{RouteId::job_get, "GET", "/v1/jobs/{id}", true, BodyKind::none},
    Route{RouteId::rollback, "POST", "/v1/rollback", true, BodyKind::json},
    Route{RouteId::config_get, "GET", "/v1/config", true, BodyKind::none},
    Route{RouteId::config_patch, "PATCH", "/v1/config", true, BodyKind::json},
    Route{RouteId::formation_put, "PUT", "/v1/formation", true, BodyKind::json},
    Route{RouteId::process_restart, "POST", "/v1/processes/{type}/restart", true, BodyKind::none},
    Route{RouteId::logs, "GET", "/v1/logs", true, BodyKind::none},
    // Pages and assets answer without the token: a page without a session redirects to the
    // login page (src/admin/dashboard/dashboard.hpp).
    Route{RouteId::dashboard_root, "GET", "/", false, BodyKind::none},
    Route{RouteId::dashboard_page, "GET", "/dashboard/", false, BodyKind::none},
    Route{RouteId::dashboard_login, "GET", "/dashboard/login", false, BodyKind::none},
    Route{RouteId::dashboard_asset, "GET", "/dashboard/assets/{name}", false, BodyKind::none},
    Route{RouteId::dashboard_session, "POST", "/v1/dashboard/session", true, BodyKind::none},
    Route{RouteId::dashboard_logout, "POST", "/v1/dashboard/logout", true, BodyKind::none},
    Route{RouteId::dashboard_ticket, "POST", "/v1/dashboard/tickets", true, BodyKind::none},
    Route{RouteId::metrics_series, "GET", "/v1/metrics/series", true, BodyKind::none},
    Route{RouteId::config_diff, "GET", "/v1/config/diff", true, BodyKind::none},
    Route{RouteId::endpoints, "GET", "/v1/endpoints", true, BodyKind::none},
};

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    if (!path.empty() && path[0] == '/') i = 1;
    while (i <= path.size()) {
        auto slash = path.find('/', i);
        if (slash == std::string_view::npos) slash = path.size();
        out.push_back(path.substr(i, slash - i));
        i = slash + 1;
    }
    return out;
}

// Segments must match exactly, except "{name}" which takes any non-empty segment. A
// trailing slash is a different path (as in the OpenAPI document): "/v1/status/" is 404.
bool match_template(std::string_view tmpl, std::string_view path,
                    std::map<std::string, std::string>& params) {
    auto t = split_path(tmpl);
    auto p = split_path(path);
    if (t.size() != p.size()) return false;
    std::map<std::string, std::string> found;
    for (std::size_t i = 0; i < t.size(); ++i) {
        if (t[i].size() > 2 && t[i].front() == '{' && t[i].back() == '}') {
            if (p[i].empty()) return false;
            found.emplace(std::string(t[i].substr(1, t[i].size() - 2)), std::string(p[i]));
            continue;
        }
        if (t[i] != p[i]) return false;
    }
    params = std::move(found);
    return true;
}

}  // namespace

std::span<const Route> routes() {
    return kRoutes;
}

std::optional<RouteMatch> match_route(std::string_view method, std::string_view path) {
    std::string_view want = method == "HEAD" ? std::string_view("GET") : method;
    std::optional<RouteMatch> out;
    for (const auto& r : kRoutes) {
        std::map<std::string, std::string> params;
        if (!match_template(r.path, path, params)) continue;
        if (!out) out.emplace();
        out->allowed.push_back(r.method);
        if (r.method == "GET") out->allowed.push_back("HEAD");
        if (r.method == want && !out->route) {
            out->route = &r;
            out->params = std::move(params);
        }
    }
    return out;
}

}  // namespace paasrun::admin
