// `paasrun healthcheck URL`: one HTTP GET, exit 0 on a 2xx answer. For a container
// HEALTHCHECK or a Kubernetes exec probe, in images that have no curl (src/http/probe.hpp).
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "http/probe.hpp"

namespace paasrun::app {

/// Exit codes: 0 healthy (2xx), 1 unhealthy (another status, no answer, refused), 2 usage.
void register_healthcheck(CLI::App& app, Commands& cmds) {
    struct Args {
        std::string url;
        double timeout = 5;
        bool quiet = false;
    };
    auto a = std::make_shared<Args>();
    auto* sub = app.add_subcommand(
        "healthcheck", "GET a URL; exit 0 on a 2xx answer, else 1 (for HEALTHCHECK and probes)");
    sub->add_option("url", a->url, "http://HOST:PORT/PATH, e.g. http://127.0.0.1:5900/readyz")
        ->required();
    sub->add_option("--timeout", a->timeout, "Seconds for the whole check (default 5)")
        ->check(CLI::Range(0.001, 3600.0));
    sub->add_flag("-q,--quiet", a->quiet, "Print nothing on success");
    cmds.add(sub, [a]() -> int {
        auto url = http::parse_probe_url(a->url);
        if (!url) {
            fmt::print(stderr, "paasrun healthcheck: error: {}\n", url.error().describe());
            return 2;
        }
        auto deadline =
            std::chrono::milliseconds(static_cast<long long>(std::ceil(a->timeout * 1000)));
        auto status = http::probe(*url, deadline);
        if (!status) {
            fmt::print(stderr, "paasrun healthcheck: {}: unhealthy: {}\n", a->url,
                       status.error().describe());
            return 1;
        }
        bool healthy = *status >= 200 && *status < 300;
        if (!healthy) {
            fmt::print(stderr, "paasrun healthcheck: {}: unhealthy: status {}\n", a->url, *status);
            return 1;
        }
        if (!a->quiet) fmt::print("{}: status {}\n", a->url, *status);
        return 0;
    });
}

}  // namespace paasrun::app
