// The admin HTTP API server (cpp-httplib): routes, bearer-token auth, JSON errors, body
// limits, Prometheus /metrics, health endpoints. docs/admin-api.yaml is its contract.
//
// It holds no app state of its own: every request is answered through AppControl
// (app_control.hpp). Started by `paasrun start` and `paasrun up` after the supervisor is
// created, stopped before the supervisor is destroyed.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "admin/app_control.hpp"
#include "util/log.hpp"
#include "util/result.hpp"

namespace paasrun::admin {

struct ServerOptions {
    /// "HOST:PORT" (port 0 = any free port), or "unix:/path/to.sock".
    std::string bind = "127.0.0.1:0";
    /// The bearer token. Empty: PAASRUN_ADMIN_TOKEN, else read or create (mode 0600)
    /// <state_dir>/admin-token.
    std::string token;
    std::size_t max_body_bytes = 512u << 20;  // deploy archives
    std::size_t max_json_bytes = 64u << 10;   // every other body
    /// Where the server's own log lines go (requests, uploads, errors; logfmt text without
    /// time/level/component, component is "admin"). `paasrun start`/`up` point it at the
    /// supervisor's multiplexed output so the lines are also in GET /v1/logs. Called from the
    /// server's threads, only for lines at or above log::level(). Empty: util/log (stderr).
    std::function<void(log::Level, std::string_view text)> log_sink;
};

class Server {
public:
    /// Binds and starts serving on background threads; returns once the socket listens.
    [[nodiscard]] static Result<std::unique_ptr<Server>> start(AppControl& control,
                                                               ServerOptions options);
    ~Server();  // stops accepting and joins the threads
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// The address actually bound ("127.0.0.1:43121" or "unix:/path"), for logs and tests.
    [[nodiscard]] const std::string& address() const;
    /// Where the token came from ("env", "file:<path>", "options") — never the token itself.
    [[nodiscard]] const std::string& token_source() const;
    void stop();

    struct Impl;

private:
    explicit Server(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace paasrun::admin
