// The admin API's request handling as pure functions of (AppControl, request): routing,
// auth, body limits, JSON parsing and validation, status codes. server.cpp owns only what
// needs a socket: streaming a deploy archive to disk and streaming logs.
//
// Order of checks for every request (precheck):
//   400 a token in the query string (even a correct one), before any auth
//   401 missing/malformed/wrong bearer token (WWW-Authenticate: Bearer ...), on every path
//       but the health probes', known or not (a client without the token learns nothing)
//   404 no such path / 405 path without this method (Allow lists the methods)
//   413 Content-Length above the route's limit (checked before any byte of body is read)
//   415 a body with the wrong Content-Type; 400 a chunked body on a route that takes none
// then the handler: 400 malformed JSON or query parameter, 422 well-formed but wrong
// (types, names, ranges, or AppControl's ErrorKind::invalid), 404/409/500 from AppControl.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "admin/api_types.hpp"
#include "admin/app_control.hpp"
#include "admin/routes.hpp"

namespace paasrun::admin {

struct ApiLimits {
    std::size_t max_body_bytes = 512u << 20;  // deploy archives
    std::size_t max_json_bytes = 64u << 10;   // every other body
};

/// What GET /v1/logs asked for.
struct LogsQuery {
    std::size_t tail = 100;  // lines of backlog (0..10000)
    bool follow = false;     // keep streaming new lines
    bool sse = false;        // as text/event-stream (Accept: text/event-stream)
};

inline constexpr std::size_t kMaxLogTail = 10000;

/// The browser dashboard's hooks (src/admin/dashboard/dashboard.hpp installs them).
/// `session` is the second way in besides the bearer token, consulted only when the request
/// has no Authorization header: `ok` a valid session cookie (and, for a state-changing
/// method, a matching CSRF token and a same-origin request); `refused` a valid session whose
/// state-changing request failed the CSRF/same-origin check (403); `none` no session (401 as
/// without a token). `handle` answers the dashboard's routes (RouteId::dashboard_*,
/// metrics_series, config_diff) after precheck.
enum class SessionCheck { none, ok, refused };
struct ApiExtension {
    std::function<SessionCheck(const ApiRequest&)> session;
    std::function<ApiResponse(const Route&, const RouteMatch&, const ApiRequest&)> handle;
};

class Api {
public:
    Api(AppControl& control, std::string token, ApiLimits limits);

    /// The checks made before the body is read (see the list above). nullopt: go on.
    [[nodiscard]] std::optional<ApiResponse> precheck(const ApiRequest& r) const;

    /// Answers a request whose (JSON) body has been read: precheck, then the route's handler.
    /// The deploy route is answered by deploy() and a following GET /v1/logs by the server:
    /// handle() answers them with 500 (a server bug if it ever shows).
    [[nodiscard]] ApiResponse handle(const ApiRequest& r);

    /// POST /v1/releases, before the upload: 409 when a job is already running, so a client
    /// does not send hundreds of MB for nothing. nullopt: go on.
    [[nodiscard]] std::optional<ApiResponse> deploy_precondition();
    /// POST /v1/releases, after the archive was stored: hands it to AppControl::deploy.
    [[nodiscard]] ApiResponse deploy(std::filesystem::path archive);

    /// GET /v1/logs: the query, or a 400. Pure.
    [[nodiscard]] static std::variant<LogsQuery, ApiResponse> parse_logs_query(const ApiRequest& r);

    /// Installs the dashboard's hooks; call before the server serves.
    void extend(ApiExtension e) { extension_ = std::move(e); }

    [[nodiscard]] std::size_t body_limit(BodyKind kind) const;
    [[nodiscard]] AppControl& control() { return control_; }

private:
    ApiResponse dispatch(const Route& route, const RouteMatch& m, const ApiRequest& r);
    ApiResponse health(RouteId id);
    ApiResponse metrics();
    ApiResponse endpoints();
    ApiResponse status();
    ApiResponse releases_list(const ApiRequest& r);
    ApiResponse releases_get(const std::string& version, const ApiRequest& r);
    ApiResponse job_get(const std::string& id, const ApiRequest& r);
    ApiResponse rollback(const ApiRequest& r);
    ApiResponse config_get(const ApiRequest& r);
    ApiResponse config_patch(const ApiRequest& r);
    ApiResponse formation_put(const ApiRequest& r);
    ApiResponse process_restart(const std::string& type);
    ApiResponse logs(const ApiRequest& r);
    ApiResponse job_accepted(const ControlResult<std::string>& started, std::string_view kind);

    AppControl& control_;
    std::string token_;
    ApiLimits limits_;
    ApiExtension extension_;
};

/// A ControlError as an HTTP error: invalid 422, not_found 404, conflict 409, internal 500.
[[nodiscard]] ApiResponse control_error_response(const ControlError& e);

/// Whether the first bytes of an upload look like a gzip stream or a POSIX tar archive.
/// `head` holds up to the first 512 bytes. Pure.
[[nodiscard]] bool looks_like_archive(std::string_view head);

}  // namespace paasrun::admin
