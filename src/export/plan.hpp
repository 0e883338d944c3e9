// The export plan: what `paasrun export` knows about an app once its Procfile and manifest
// are loaded, reduced to the facts the generators print (kubernetes.hpp, systemd.hpp).
//
// Everything that paasrun itself decides at run time is taken from paasrun's own code here,
// never re-typed: the PORT of each process type (foreman's rule, supervisor/formation.hpp),
// the health endpoints (the admin route table, admin/routes.hpp), the worker count for a
// CPU/memory limit (the formula `paasrun serve` applies inside a cgroup, serve/cpu_count.hpp),
// and every timing from the manifest's defaults (config/manifest.hpp).
//
// The namespace is `exporting` because `export` is a C++ keyword.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "util/result.hpp"

namespace paasrun::exporting {

/// Base port of `paasrun start` when PORT is unset (docs/supervisor.md); the exported
/// processes get their PORT from it with foreman's rule, as under `paasrun start`.
inline constexpr int kBasePort = 5000;
/// The admin port the image (Dockerfile `ENV ADMIN_PORT`) and the exported Kubernetes pods
/// set; the admin API binds 127.0.0.1:$ADMIN_PORT (manifest `admin.bind`, docs/manifest.md).
inline constexpr int kAdminPort = 5900;

/// Resource limits of one Kubernetes container ("500m" / "1" / "1.5" CPUs; "512Mi" / "1Gi"
/// / bytes).
struct Resources {
    std::string cpu = "1";
    std::string memory = "512Mi";
    double cpus = 1;                            // parsed cpu
    std::uint64_t memory_bytes = 512ull << 20;  // parsed memory
};

/// "250m" -> 0.25, "2" -> 2, "1.5" -> 1.5. Must be > 0.
[[nodiscard]] Result<double> parse_cpu_quantity(std::string_view text);
/// Kubernetes memory quantities: bytes, or a number with Ki Mi Gi Ti (1024-based) or
/// k M G T (1000-based). Must be > 0.
[[nodiscard]] Result<std::uint64_t> parse_memory_quantity(std::string_view text);
/// Both of the above, keeping the text as given for the generated manifest.
[[nodiscard]] Result<Resources> parse_resources(std::string_view cpu, std::string_view memory);

struct ProcessPlan {
    std::string type;     // Procfile name
    std::string command;  // Procfile command
    int count = 1;        // formation (replicas / instances)
    int port = 0;         // PORT of the type's first instance (foreman's rule)
    bool web = false;     // receives HTTP traffic (the type named `web`)
    bool serve = false;   // the command runs `paasrun serve` (honours LISTEN_FDS)
};

/// The health endpoints a probe uses, from the admin API's own route table.
struct HealthPaths {
    std::string livez;
    std::string readyz;
    std::string startupz;
};
[[nodiscard]] HealthPaths health_paths();

struct Plan {
    std::string app;                     // manifest `app`, else the directory name
    std::vector<ProcessPlan> processes;  // long-running types, Procfile order
    std::optional<std::string> release;  // the release-phase command
    config::Manifest manifest;
    HealthPaths health;
    int admin_port = 0;  // where /livez /readyz /startupz are served
};

/// True when `command` starts `paasrun serve` (optionally behind `exec`), the web servers
/// that take systemd's LISTEN_FDS sockets.
[[nodiscard]] bool runs_paasrun_serve(std::string_view command);

/// Builds the plan. `formation` overrides the manifest's counts per type (`-c`); types not
/// named anywhere run once; a name the Procfile lacks is an error. Pure.
[[nodiscard]] Result<Plan> make_plan(const config::Procfile& procfile,
                                     const config::Manifest& manifest,
                                     const std::map<std::string, int>& formation, int admin_port);

/// WEB_CONCURRENCY for a container with these limits: the manifest's web.workers when set,
/// else what `paasrun serve` derives from the same cgroup limits (serve/cpu_count.hpp).
[[nodiscard]] int web_concurrency(const config::Manifest& manifest, const Resources& limits);

/// Whole seconds, rounded up (Kubernetes and systemd timeouts are integers; never shorter
/// than what paasrun was told).
[[nodiscard]] std::int64_t ceil_seconds(double seconds);

}  // namespace paasrun::exporting
