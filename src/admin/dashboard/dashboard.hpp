// The browser dashboard served by the admin server (docs/dashboard.md): its pages and
// embedded assets, the login (one-time tickets from `paasrun dashboard`, or the token typed
// once) that turns into a session cookie, the CSRF rules, and the 1 s series of the live
// charts.
//
// It plugs into Api (api.hpp: ApiExtension): a session cookie is accepted where the bearer
// token is, and the dashboard's routes (routes.hpp: dashboard_*, metrics_series,
// config_diff) are answered here. The pages call the same JSON API as the CLI. The public
// routes (pages, assets, login) are pure memory lookups, answered on the front end's loop
// thread; nothing here blocks except the sampler's own thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "admin/api.hpp"
#include "admin/app_control.hpp"
#include "admin/dashboard/endpoint_windows.hpp"
#include "admin/dashboard/series.hpp"
#include "admin/dashboard/sessions.hpp"

namespace paasrun::admin::dashboard {

class Dashboard {
public:
    /// `sample` false: no sampler thread (unit tests feed series() themselves).
    Dashboard(AppControl& control, SessionLimits limits = {}, bool sample = true);
    ~Dashboard();  // stops the sampler
    Dashboard(const Dashboard&) = delete;
    Dashboard& operator=(const Dashboard&) = delete;

    /// The hooks to install with Api::extend.
    [[nodiscard]] ApiExtension extension();

    /// Whether `r` is for one of the dashboard's public routes (pages, assets, login), which
    /// the front end answers on its loop thread.
    [[nodiscard]] static bool is_public_route(const Route& route);

    [[nodiscard]] Sessions& sessions() { return sessions_; }
    [[nodiscard]] Series& series() { return series_; }
    [[nodiscard]] EndpointWindows& endpoint_windows() { return windows_; }
    void stop();

private:
    SessionCheck check_session(const ApiRequest& r);
    ApiResponse handle(const Route& route, const RouteMatch& m, const ApiRequest& r);
    ApiResponse page(const ApiRequest& r);
    ApiResponse login_page(const ApiRequest& r);
    ApiResponse asset(const std::string& name);
    ApiResponse create_session(const ApiRequest& r);
    ApiResponse logout(const ApiRequest& r);
    ApiResponse ticket();
    ApiResponse series(const ApiRequest& r);
    ApiResponse config_diff(const ApiRequest& r);
    ApiResponse endpoints_window(const ApiRequest& r);
    void sample_loop();

    AppControl& control_;
    Sessions sessions_;
    Series series_;
    double started_at_;        // unix s: paasrun's uptime on the overview
    EndpointWindows windows_;  // GET /v1/endpoints?window=N: snapshots of the table
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread sampler_;
};

}  // namespace paasrun::admin::dashboard
