#include "deploy/health_probe.hpp"

#include <fmt/format.h>

#include "http/probe.hpp"

namespace paasrun::deploy {

ProbeResult probe_http(int port, const std::string& path, std::chrono::duration<double> timeout) {
    auto deadline = std::chrono::ceil<std::chrono::milliseconds>(timeout);
    auto status = http::probe(http::ProbeUrl{"127.0.0.1", port, path}, deadline);
    ProbeResult r;
    if (!status) {
        r.detail =
            fmt::format("no response from 127.0.0.1:{}{} ({})", port, path, status.error().message);
        return r;
    }
    r.status = *status;
    r.healthy = *status >= 200 && *status < 300;
    r.detail = fmt::format("GET {} answered {}", path, *status);
    return r;
}

}  // namespace paasrun::deploy
