// The supervisor's command API as the admin API will use it: submit() from another thread,
// wait for the reply, then a graceful stop. Uses a real child (/bin/sh running sleep).
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "supervisor/supervisor.hpp"

using namespace paasrun::supervisor;
using namespace std::chrono_literals;

TEST_CASE("supervisor: submit() answers from the loop thread and request_stop() stops cleanly",
          "[supervisor][commands]") {
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    REQUIRE(devnull >= 0);
    SupervisorOptions opts;
    opts.app_dir = "/";
    opts.formation = {ProcessSpec{"sleeper", 1, "sleeper.1", "exec sleep 30", 5000}};
    opts.env = {{"PATH", "/usr/bin:/bin"}};
    opts.grace_period = 5s;
    opts.output_fd = devnull;
    auto sup = Supervisor::create(opts);
    REQUIRE(sup.ok());
    Supervisor& s = **sup;

    std::vector<ProcessStatus> seen;
    std::thread admin([&] {
        // Poll until the process is up, as a status endpoint would.
        auto deadline = std::chrono::steady_clock::now() + 10s;
        while (std::chrono::steady_clock::now() < deadline) {
            seen = s.submit([](Supervisor& x) { return x.snapshot(); }).get();
            if (!seen.empty() && seen[0].state == ProcessState::up) break;
            std::this_thread::sleep_for(10ms);
        }
        s.request_stop();
    });
    int code = s.run();
    admin.join();
    ::close(devnull);

    REQUIRE(seen.size() == 1);
    CHECK(seen[0].name == "sleeper.1");
    CHECK(seen[0].state == ProcessState::up);
    CHECK(seen[0].pid > 0);
    CHECK(seen[0].port == 5000);
    CHECK(code == 0);  // sleep dies of SIGTERM at once: a clean stop
}
