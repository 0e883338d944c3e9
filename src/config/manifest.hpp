// paasrun.yaml: the app manifest. Every key, its type and default is documented in
// docs/manifest.md; this header is the in-memory shape. An absent file is an all-defaults
// Manifest. Validation reports unknown keys and wrong types with file:line:column.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/dotenv.hpp"
#include "util/result.hpp"

namespace paasrun::config {

/// Upper bounds enforced by validation (the manifest, WEB_CONCURRENCY, -c): a typo such as
/// `web: 10000` should be an error, not a fork bomb.
inline constexpr int max_formation_count = 1000;  // processes per type
inline constexpr int max_web_workers = 1024;
inline constexpr int max_web_threads = 1024;

struct WebSettings {
    std::string app;               // "module:callable"; empty: taken from the Procfile web line
    int workers = 0;               // 0: WEB_CONCURRENCY, else derived from CPUs/cgroup limits
    int threads = 1;               // app threads per worker
    double timeout = 30;           // s; a worker silent this long is dumped and replaced
    double graceful_timeout = 30;  // s; in-flight requests get this long on stop/reload
    double keepalive = 5;          // s; idle keep-alive connections are closed after this
    double request_timeout = 0;    // s; 0 = off
    int max_requests = 0;          // 0 = never recycle by count
    int max_requests_jitter = 0;
    int max_rss_mb = 0;                        // 0 = off
    long long max_body = 100LL * 1024 * 1024;  // bytes; larger bodies get 413
    // serve's defaults (serve/serve_options.hpp): one value for both.
    int limit_request_line = 8190;        // bytes without the CRLF; longer request lines get 414
    int limit_request_fields = 100;       // header count; more get 431
    int limit_request_field_size = 8190;  // bytes per header line without the CRLF; longer get 431
    std::vector<std::string> forwarded_allow_ips{"127.0.0.1", "::1"};  // CIDRs
    std::string root_path;                                             // SCRIPT_NAME
    std::string access_log = "logfmt";                                 // logfmt | json | off
};

struct StaticMapping {
    std::string prefix;  // URL prefix, e.g. "/static/"
    std::string dir;     // directory relative to the app dir
};

struct StaticSettings {
    std::vector<StaticMapping> mappings;
    std::string root;                             // directory served at "/" (robots.txt, favicon)
    bool fallthrough = true;                      // a miss goes to the app (false: 404)
    int max_age = 60;                             // s, Cache-Control for non-hashed files
    std::vector<std::string> immutable_prefixes;  // served as immutable for a year
    bool cors = false;                            // Access-Control-Allow-Origin: *
};

struct HealthCheck {
    std::string path;      // empty: no HTTP health check (process liveness only)
    double interval = 10;  // s
    double timeout = 5;    // s
    int attempts = 3;      // consecutive failures before the process is unhealthy
};

struct RestartPolicy {
    std::string policy = "always";  // always | on-failure | never  (paasrun start)
    double initial_delay = 0.1;     // s, first backoff
    double max_delay = 60;          // s, backoff cap
    double reset_after = 30;        // s up before the backoff starts over
};

struct BuildSettings {
    std::vector<std::string> buildpacks;  // empty: detect the bundled ones
    bool system_site_packages = false;    // python.system_site_packages
    int keep_releases = 10;
};

struct AdminSettings {
    bool enabled = true;
    std::string bind;  // "host:port" or "unix:/path"; empty: 127.0.0.1:$ADMIN_PORT
    long long max_body = 512LL * 1024 * 1024;  // bytes (deploy tarballs)
};

struct DeploySettings {
    double bake_window = 60;             // s after a switch during which failures roll back
    int max_health_failures = 3;         // health-check failures in the window that roll back
    int max_crashes = 3;                 // web crashes in the window that roll back
    double shutdown_delay = 0;           // s between readiness off and stop accepting (SIGTERM)
    double start_timeout = 120;          // s a new web generation gets to become ready and healthy
    std::string shared_socket = "auto";  // auto | always | never (supervisor/web_socket.hpp)
};

struct Manifest {
    std::string app_name;                              // default: the app directory's name
    std::map<std::string, int> formation;              // process type -> count (default 1 each)
    std::map<std::string, Where> formation_positions;  // where each formation key is written
    EnvList env;                                       // lowest-precedence env defaults
    WebSettings web;
    StaticSettings static_files;
    HealthCheck health;
    RestartPolicy restart;
    double grace_period = 30;      // s from SIGTERM to SIGKILL
    double release_timeout = 600;  // s for the release phase
    std::string data_dir;          // relative to the app dir; empty: STATE/data (data_dir.hpp)
    BuildSettings build;
    AdminSettings admin;
    DeploySettings deploy;
};

/// The manifest as far as it is valid (a value with an error keeps its default) and every
/// error found, in file order. Pure.
struct ManifestReport {
    Manifest manifest;
    std::vector<Error> errors;
};
[[nodiscard]] ManifestReport validate_manifest(std::string_view text,
                                               std::string_view file = "paasrun.yaml");

/// Parses manifest YAML text. Pure. Collects every validation error (unknown keys, wrong
/// types, out-of-range values), each with file:line:column; fails if there is any, with the
/// first error (its message says how many more there are).
[[nodiscard]] Result<Manifest> parse_manifest(std::string_view text,
                                              std::string_view file = "paasrun.yaml");

/// Every error (for `paasrun check`); empty when the text is valid.
[[nodiscard]] std::vector<Error> check_manifest(std::string_view text,
                                                std::string_view file = "paasrun.yaml");

/// Reads a manifest. `path` is an app dir (its paasrun.yaml is read) or the manifest file
/// itself. A missing file yields the defaults. An empty app_name defaults to the app
/// directory's name (the parse_* functions leave it empty: they know no directory).
/// The app dir's app.json fills formation and health where the manifest is silent
/// (config/app_json.hpp).
[[nodiscard]] Result<Manifest> load_manifest(const std::string& path);

}  // namespace paasrun::config
