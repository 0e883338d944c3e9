// Generations (the deploy engine's view of the supervisor): start beside the current
// processes, commit (the old ones retire and go away), abort, scale, and a process of a
// generation being started that exits is neither restarted nor stops `up`.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "supervisor/supervisor.hpp"

using namespace paasrun::supervisor;
using namespace std::chrono_literals;

namespace {

template <typename Pred>
bool eventually(Supervisor& s, Pred pred) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (s.submit([&](Supervisor& x) { return pred(x.snapshot()); }).get()) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

int count(const std::vector<ProcessStatus>& v, std::string_view phase,
          std::string_view state = "up") {
    int n = 0;
    for (const auto& p : v) n += to_string(p.phase) == phase && to_string(p.state) == state;
    return n;
}

}  // namespace

TEST_CASE("supervisor: a generation is started, committed, and the old one retires",
          "[supervisor][generations]") {
    int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    SupervisorOptions opts;
    opts.app_dir = "/";
    opts.formation = {ProcessSpec{"sleeper", 1, "sleeper.1", "exec sleep 30", 5000}};
    opts.env = {{"PATH", "/usr/bin:/bin"}};
    opts.grace_period = 5s;
    opts.output_fd = devnull;
    opts.stop_on_exit = true;  // `up`: only an active process's exit stops everything
    auto sup = Supervisor::create(opts);
    REQUIRE(sup.ok());
    Supervisor& s = **sup;

    bool committed = false, retired = false, scaled_up = false, scaled_down = false,
         failed_kept = false, aborted = false;
    std::string failed_exit;
    bool unknown_refused = false;  // Catch2 assertions stay on the test thread
    std::thread engine([&] {
        if (!(eventually(s, [](const auto& v) { return count(v, "active") == 1; })))
            return s.request_stop();
        auto run = std::make_shared<RunSpec>(
            *s.submit([](Supervisor& x) { return x.current_run(); }).get());
        run->release = 2;
        auto info = s.submit([run](Supervisor& x) {
                         return x.start_generation(run, {{"sleeper", 1}});
                     }).get();
        if (!(info.ok())) return s.request_stop();
        int gen = info->id;
        committed = eventually(
            s, [](const auto& v) { return count(v, "starting") == 1 && count(v, "active") == 1; });
        s.submit([gen](Supervisor& x) { x.commit_generation(gen, true); }).get();
        retired = eventually(s, [gen](const auto& v) {
            return v.size() == 1 && v[0].generation == gen && v[0].phase == ProcessPhase::active &&
                   v[0].release == 2;
        });

        auto st = s.submit([](Supervisor& x) { return x.scale({{"sleeper", 3}}); }).get();
        if (!(st.ok())) return s.request_stop();
        scaled_up = eventually(s, [](const auto& v) { return count(v, "active") == 3; });
        if (!(s.submit([](Supervisor& x) { return x.scale({{"sleeper", 1}}); }).get().ok()))
            return s.request_stop();
        scaled_down =
            eventually(s, [](const auto& v) { return v.size() == 1 && v[0].name == "sleeper.1"; });

        // A starting process that exits: reported, not restarted, `up` keeps running.
        auto bad = std::make_shared<RunSpec>(*run);
        bad->process_types = {{"sleeper", "exit 3"}};
        auto b = s.submit([bad](Supervisor& x) {
                      return x.start_generation(bad, {{"sleeper", 1}});
                  }).get();
        if (!(b.ok())) return s.request_stop();
        int bid = b->id;
        failed_kept =
            eventually(s, [](const auto& v) { return count(v, "starting", "down") == 1; });
        auto procs = s.submit([bid](Supervisor& x) { return x.generation(bid); }).get();
        if (!procs.empty()) failed_exit = procs[0].last_exit;
        s.submit([bid](Supervisor& x) { x.abort_generation(bid); }).get();
        aborted = eventually(
            s, [](const auto& v) { return v.size() == 1 && v[0].phase == ProcessPhase::active; });

        auto unknown = s.submit([](Supervisor& x) { return x.scale({{"nope", 1}}); }).get();
        unknown_refused = !unknown.ok();
        s.request_stop();
    });
    int code = s.run();
    engine.join();
    ::close(devnull);
    CHECK(committed);
    CHECK(retired);
    CHECK(scaled_up);
    CHECK(scaled_down);
    CHECK(failed_kept);
    CHECK(failed_exit == "exit=3");
    CHECK(aborted);
    CHECK(unknown_refused);
    CHECK(code == 0);
}
