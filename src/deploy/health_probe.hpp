// One HTTP health probe: GET http://127.0.0.1:PORT/PATH within a timeout (one deadline for the
// whole exchange: http/probe.hpp); healthy on 2xx.
#pragma once

#include <chrono>
#include <string>

namespace paasrun::deploy {

struct ProbeResult {
    bool healthy = false;
    int status = 0;      // HTTP status, 0 when no response
    std::string detail;  // "status 503", "connection refused", "timed out after 5s"
};

[[nodiscard]] ProbeResult probe_http(int port, const std::string& path,
                                     std::chrono::duration<double> timeout);

}  // namespace paasrun::deploy
