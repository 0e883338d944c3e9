// The start-up plan of `up` / `start` (src/deploy/startup_plan.hpp): a pure function from
// the parsed options and what was read from disk to what the supervisor, the engine and the
// admin API start with.
#include <algorithm>
#include <catch2/catch.hpp>

#include "deploy/startup_plan.hpp"

using namespace paasrun;
using namespace paasrun::deploy;
namespace sv = paasrun::supervisor;

namespace {

// DIR as load_app(probe) reads it: no Procfile needed, no -c.
sv::AppConfig base_dir() {
    sv::AppConfig base;
    base.app_dir = "/src/app";
    base.data_dir = "/src/app/.paasrun/data";
    base.settings.base_port = 5000;
    base.settings.grace_period = 12;
    return base;
}

std::shared_ptr<sv::RunSpec> release_run() {
    auto run = std::make_shared<sv::RunSpec>();
    run->release = 3;
    run->app_dir = "/state/slugs/abc/app";
    run->env = {{"FROM_RELEASE", "1"}};
    run->process_types = {
        {"web", "paasrun serve app:app"}, {"worker", "python worker.py"}, {"clock", "python c.py"}};
    return run;
}

PlanInputs release_inputs() {
    PlanInputs in;
    in.base = base_dir();
    in.state_dir = "/src/app/.paasrun";
    in.version = 3;
    in.run = release_run();
    return in;
}

StartupOptions start_options() {
    StartupOptions o;
    o.command = "start";
    o.stop_on_exit = false;
    o.in_place = false;
    return o;
}

std::vector<std::string> names(const std::vector<sv::ProcessSpec>& formation) {
    std::vector<std::string> out;
    for (const auto& p : formation) out.push_back(p.name);
    return out;
}

}  // namespace

TEST_CASE("startup plan: a release runs its own process types, env and dir", "[deploy][startup]") {
    auto plan = build_startup_plan(start_options(), release_inputs());
    REQUIRE(plan);
    const auto& s = plan->supervisor;
    CHECK(names(s.formation) == std::vector<std::string>{"web.1", "worker.1", "clock.1"});
    CHECK(s.formation[0].port == 5000);
    CHECK(s.formation[1].port == 5100);  // foreman's rule: 100 per type
    CHECK(s.app_dir == "/state/slugs/abc/app");
    CHECK(s.slug_dir.empty());
    CHECK(s.release == 3);
    CHECK(s.env.at("FROM_RELEASE") == "1");
    CHECK(s.process_types.size() == 3);
    CHECK(s.grace_period.count() == 12);
    CHECK(!s.stop_on_exit);
    CHECK(s.log_style == sv::LogStyle::logfmt);
    CHECK(plan->notes == std::vector<std::string>{"-----> Running release v3"});
    CHECK(plan->warnings.empty());
}

TEST_CASE("startup plan: -c goes over the directory's formation and is checked against the release",
          "[deploy][startup]") {
    auto in = release_inputs();
    in.base.settings.formation = {{"worker", 0}, {"web", 3}};
    auto o = start_options();
    o.load.formation = "web=2,clock=0";
    auto plan = build_startup_plan(o, in);
    REQUIRE(plan);
    CHECK(names(plan->supervisor.formation) == std::vector<std::string>{"web.1", "web.2"});

    o.load.formation = "web=1,queue=2";
    auto bad = build_startup_plan(o, release_inputs());
    REQUIRE(!bad);
    CHECK(bad.error().message.find("-c: ") == 0);
    CHECK(bad.error().message.find("queue") != std::string::npos);
    CHECK(bad.error().message.find("(release v3)") != std::string::npos);

    o.load.formation = "web=x";
    auto unparsable = build_startup_plan(o, release_inputs());
    REQUIRE(!unparsable);
    CHECK(unparsable.error().message.find("-c web=x: ") == 0);

    o.load.formation = "web=0,worker=0,clock=0";
    auto none = build_startup_plan(o, release_inputs());
    REQUIRE(!none);
    CHECK(none.error().message == "nothing to run: every process type is scaled to 0");
}

TEST_CASE("startup plan: a release without process types has nothing to run", "[deploy][startup]") {
    auto in = release_inputs();
    auto run = release_run();
    run->process_types.clear();
    in.run = run;
    auto plan = build_startup_plan(start_options(), in);
    REQUIRE(!plan);
    CHECK(plan.error().message.find("nothing to run: release v3 has no process types") == 0);
}

TEST_CASE("startup plan: `start web clock` keeps only those types, ports unchanged",
          "[deploy][startup]") {
    auto o = start_options();
    o.types = {"clock", "web"};
    auto plan = build_startup_plan(o, release_inputs());
    REQUIRE(plan);
    CHECK(names(plan->supervisor.formation) == std::vector<std::string>{"web.1", "clock.1"});
    CHECK(plan->supervisor.formation[1].port == 5200);
    // every declared type stays known (deploys and scaling use them)
    CHECK(plan->supervisor.process_types.size() == 3);

    o.types = {"wokrer"};
    auto bad = build_startup_plan(o, release_inputs());
    REQUIRE(!bad);
    CHECK(bad.error().message.find("worker") != std::string::npos);  // did you mean
    CHECK(bad.error().message.find("(release v3)") != std::string::npos);
}

TEST_CASE("startup plan: `up` says where a release runs", "[deploy][startup]") {
    StartupOptions up;  // the defaults are `up`'s
    up.in_place = true;
    auto in = release_inputs();
    in.env.source_dir = "/src/app";
    auto from_slug = build_startup_plan(up, in);
    REQUIRE(from_slug);
    REQUIRE(from_slug->notes.size() == 1);
    CHECK(from_slug->notes[0].find(
              "-----> Running release v3 from its slug: it was not built from /src/app") == 0);
    CHECK(from_slug->supervisor.stop_on_exit);
    CHECK(from_slug->supervisor.log_style == sv::LogStyle::human);

    auto run = release_run();
    run->slug_dir = run->app_dir;
    run->app_dir = "/src/app";
    in.run = run;
    auto here = build_startup_plan(up, in);
    REQUIRE(here);
    CHECK(here->supervisor.app_dir == "/src/app");
    CHECK(here->supervisor.slug_dir == "/state/slugs/abc/app");
    CHECK(here->notes[0].find("-----> Running release v3 in place: the code in /src/app") == 0);
}

TEST_CASE("startup plan: version 0 runs the directory as-is, with its warnings",
          "[deploy][startup]") {
    PlanInputs in;
    in.base = base_dir();
    sv::AppConfig cfg = base_dir();
    cfg.procfile.processes = {{"web", "python -m http.server $PORT", 1},
                              {"worker", "python w.py", 2}};
    cfg.formation = sv::expand_formation(cfg.procfile, {{"worker", 2}}, 7000);
    cfg.settings.base_port = 7000;
    cfg.child_env = {{"AS_IS", "1"}};
    cfg.warnings = {"paasrun.yaml formation: no such type (ignored)"};
    in.as_is = cfg;
    auto plan = build_startup_plan(start_options(), in);
    REQUIRE(plan);
    const auto& s = plan->supervisor;
    CHECK(names(s.formation) == std::vector<std::string>{"web.1", "worker.1", "worker.2"});
    CHECK(s.release == 0);
    CHECK(s.app_dir == "/src/app");
    CHECK(s.env.at("AS_IS") == "1");
    CHECK(s.base_port == 7000);
    CHECK(plan->notes.empty());
    CHECK(plan->warnings == cfg.warnings);
    // a web command that binds $PORT itself: per-process ports, no stats dir
    CHECK(!s.shared_web_socket);
    CHECK(plan->stats_dir.empty());
    CHECK(s.stats_dir.empty());

    PlanInputs nothing;
    CHECK(!build_startup_plan(start_options(), nothing));
}

TEST_CASE("startup plan: the supervisor's process-wide settings come from DIR's paasrun.yaml",
          "[deploy][startup]") {
    auto in = release_inputs();
    in.base.manifest.restart.policy = "on-failure";
    in.base.manifest.deploy.shutdown_delay = 1.5;
    auto plan = build_startup_plan(start_options(), in);
    REQUIRE(plan);
    CHECK(plan->supervisor.restart.policy == "on-failure");
    CHECK(plan->supervisor.shutdown_delay.count() == 1.5);
    // web is `paasrun serve`: one shared socket, and a stats dir under the state dir
    CHECK(plan->supervisor.shared_web_socket);
    CHECK(plan->stats_dir == "/src/app/.paasrun/run/stats");
    CHECK(plan->supervisor.stats_dir == "/src/app/.paasrun/run/stats");
    CHECK(plan->state_dir == "/src/app/.paasrun");

    auto o = start_options();
    o.restart = true;  // up --restart
    auto restarting = build_startup_plan(o, release_inputs());
    REQUIRE(restarting);
    CHECK(restarting->supervisor.restart.policy == "always");

    in = release_inputs();
    in.base.manifest.deploy.shared_socket = "never";
    CHECK(!build_startup_plan(start_options(), in)->supervisor.shared_web_socket);
}

TEST_CASE("startup plan: log style and admin address", "[deploy][startup]") {
    StartupOptions o;
    o.in_place = true;
    CHECK(log_style_for(o) == sv::LogStyle::human);
    o.in_place = false;
    CHECK(log_style_for(o) == sv::LogStyle::logfmt);
    o.log_format = "json";
    CHECK(log_style_for(o) == sv::LogStyle::json);
    o.in_place = true;
    o.log_format = "logfmt";
    CHECK(log_style_for(o) == sv::LogStyle::logfmt);

    config::Manifest m;
    CHECK(admin_bind(m, {}) == "127.0.0.1:0");
    CHECK(admin_bind(m, {{"ADMIN_PORT", ""}}) == "127.0.0.1:0");
    CHECK(admin_bind(m, {{"ADMIN_PORT", "9001"}}) == "127.0.0.1:9001");
    m.admin.bind = "unix:/run/admin.sock";
    CHECK(admin_bind(m, {{"ADMIN_PORT", "9001"}}) == "unix:/run/admin.sock");

    auto in = release_inputs();
    in.process_env = {{"ADMIN_PORT", "9002"}};
    auto plan = build_startup_plan(start_options(), in);
    REQUIRE(plan);
    CHECK(plan->admin_bind == "127.0.0.1:9002");
    in = release_inputs();
    in.base.manifest.admin.enabled = false;
    CHECK(build_startup_plan(start_options(), in)->admin_bind.empty());
}
