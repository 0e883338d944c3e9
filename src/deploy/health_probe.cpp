#include "deploy/health_probe.hpp"

#include <fmt/format.h>
#include <httplib.h>

namespace paasrun::deploy {

ProbeResult probe_http(int port, const std::string& path, std::chrono::duration<double> timeout) {
    httplib::Client cli("127.0.0.1", port);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout);
    cli.set_connection_timeout(std::chrono::duration_cast<std::chrono::seconds>(us).count(),
                               static_cast<time_t>(us.count() % 1'000'000));
    cli.set_read_timeout(std::chrono::duration_cast<std::chrono::seconds>(us).count(),
                         static_cast<time_t>(us.count() % 1'000'000));
    cli.set_write_timeout(std::chrono::duration_cast<std::chrono::seconds>(us).count(),
                          static_cast<time_t>(us.count() % 1'000'000));
    cli.set_keep_alive(false);
    auto res = cli.Get(path, httplib::Headers{{"User-Agent", "paasrun-health"}});
    ProbeResult r;
    if (!res) {
        r.detail = fmt::format("no response from 127.0.0.1:{}{} ({})", port, path, httplib::to_string(res.error()));
        return r;
    }
    r.status = res->status;
    r.healthy = res->status >= 200 && res->status < 300;
    r.detail = fmt::format("GET {} answered {}", path, res->status);
    return r;
}

}  // namespace paasrun::deploy
