// paasrun's one HTTP health probe, used by
//   - `paasrun healthcheck URL` (app/cmd_healthcheck.cpp): what a container HEALTHCHECK or a
//     Kubernetes exec probe runs; the images paasrun makes have no curl or wget, and the admin
//     API (/livez /readyz /startupz) listens on loopback, where only a probe run inside the
//     container can reach it;
//   - the deploy engine's canary, readiness and bake-window checks (deploy/health_probe.hpp).
//
// One GET, `Connection: close`, ONE deadline covering resolve + connect + send + the status
// line: per-operation timeouts (an HTTP client library's) let an app that trickles a byte at a
// time hold a probe far past its timeout. Only the status code matters: 2xx is healthy
// (Kubernetes' and Docker's rule for HTTP checks). No TLS, no redirects: probes target a local
// port.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.hpp"

namespace paasrun::http {

struct ProbeUrl {
    std::string host;  // name, IPv4, or IPv6 without brackets
    int port = 80;
    std::string path = "/";  // with the query, as sent
};

/// Parses `http://HOST[:PORT][/PATH]`, HOST may be `[IPv6]`. Pure. Anything else (https,
/// user info, a bad port) is an error saying what was wrong.
[[nodiscard]] Result<ProbeUrl> parse_probe_url(std::string_view url);

/// Parses the status code of an HTTP/1.x status line ("HTTP/1.1 503 Service Unavailable").
/// Pure.
[[nodiscard]] Result<int> parse_status_line(std::string_view line);

/// Sends the GET and returns the status code. Errors: resolution, connection (refused,
/// timed out), a reply that is not HTTP, the deadline.
[[nodiscard]] Result<int> probe(const ProbeUrl& url, std::chrono::milliseconds deadline);

}  // namespace paasrun::http
