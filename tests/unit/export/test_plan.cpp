#include <catch2/catch.hpp>

#include "admin/routes.hpp"
#include "config/manifest.hpp"
#include "config/procfile.hpp"
#include "export/plan.hpp"
#include "supervisor/formation.hpp"

namespace ex = paasrun::exporting;
using paasrun::config::Manifest;
using paasrun::config::parse_procfile;

namespace {
paasrun::config::Procfile procfile(const char* text) {
    auto p = parse_procfile(text);
    REQUIRE(p);
    return *p;
}
}  // namespace

TEST_CASE("export plan: ports follow paasrun's own formation rule", "[export][plan]") {
    auto pf =
        procfile("worker: python w.py\nweb: paasrun serve app:application\nrelease: python m.py\n");
    auto plan = ex::make_plan(pf, Manifest{}, {}, ex::kAdminPort);
    REQUIRE(plan);
    REQUIRE(plan->processes.size() == 2);
    CHECK(plan->processes[0].port == paasrun::supervisor::port_for(ex::kBasePort, 0, 1));
    CHECK(plan->processes[1].port == paasrun::supervisor::port_for(ex::kBasePort, 1, 1));
    CHECK(plan->processes[1].web);
    CHECK(plan->processes[1].serve);
    CHECK_FALSE(plan->processes[0].serve);
    REQUIRE(plan->release);
    CHECK(*plan->release == "python m.py");
}

TEST_CASE("export plan: counts come from the manifest, then -c, `all` for the rest",
          "[export][plan]") {
    auto pf = procfile("web: a\nworker: b\nclock: c\n");
    Manifest m;
    m.formation = {{"web", 3}, {"worker", 2}, {"gone", 1}};  // a stale manifest entry is ignored
    auto plan = ex::make_plan(pf, m, {{"worker", 5}, {"all", 0}}, ex::kAdminPort);
    REQUIRE(plan);
    CHECK(plan->processes[0].count == 3);
    CHECK(plan->processes[1].count == 5);
    CHECK(plan->processes[2].count == 0);
    auto bad = ex::make_plan(pf, m, {{"wroker", 1}}, ex::kAdminPort);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("wroker") != std::string::npos);
}

TEST_CASE("export plan: health paths are the admin API's own routes", "[export][plan]") {
    auto h = ex::health_paths();
    std::map<paasrun::admin::RouteId, std::string> by_id;
    for (const auto& r : paasrun::admin::routes()) by_id[r.id] = std::string(r.path);
    CHECK(h.livez == by_id.at(paasrun::admin::RouteId::livez));
    CHECK(h.readyz == by_id.at(paasrun::admin::RouteId::readyz));
    CHECK(h.startupz == by_id.at(paasrun::admin::RouteId::startupz));
    for (const auto* p : {&h.livez, &h.readyz, &h.startupz}) {
        REQUIRE_FALSE(p->empty());
        auto m = paasrun::admin::match_route("GET", *p);
        REQUIRE(m);
        REQUIRE(m->route);
        CHECK_FALSE(m->route->needs_auth);  // probes carry no token
    }
}

TEST_CASE("export plan: which commands are paasrun serve", "[export][plan]") {
    CHECK(ex::runs_paasrun_serve("paasrun serve app:application"));
    CHECK(ex::runs_paasrun_serve("exec /usr/local/bin/paasrun serve app -w 2"));
    CHECK_FALSE(ex::runs_paasrun_serve("gunicorn app:application"));
    CHECK_FALSE(ex::runs_paasrun_serve("paasrun start"));
    CHECK_FALSE(ex::runs_paasrun_serve("exec"));
    CHECK_FALSE(ex::runs_paasrun_serve(""));
}

TEST_CASE("export plan: Kubernetes quantities", "[export][plan]") {
    CHECK(*ex::parse_cpu_quantity("500m") == Approx(0.5));
    CHECK(*ex::parse_cpu_quantity("2") == Approx(2));
    CHECK(*ex::parse_cpu_quantity("1.5") == Approx(1.5));
    CHECK_FALSE(ex::parse_cpu_quantity("0"));
    CHECK_FALSE(ex::parse_cpu_quantity("-1"));
    CHECK_FALSE(ex::parse_cpu_quantity("two"));
    CHECK(*ex::parse_memory_quantity("512Mi") == 512ull << 20);
    CHECK(*ex::parse_memory_quantity("1Gi") == 1ull << 30);
    CHECK(*ex::parse_memory_quantity("1G") == 1000000000ull);
    CHECK(*ex::parse_memory_quantity("1048576") == 1048576ull);
    CHECK_FALSE(ex::parse_memory_quantity("lots"));
    CHECK_FALSE(ex::parse_memory_quantity("0Mi"));
    CHECK_FALSE(ex::parse_memory_quantity("Mi"));
}

TEST_CASE("export plan: WEB_CONCURRENCY is what paasrun serve derives for the limits",
          "[export][plan]") {
    Manifest m;
    // docs/serve.md: "a 512 MiB container gets 4 workers", 2 CPUs alone would give 5.
    CHECK(ex::web_concurrency(m, *ex::parse_resources("2", "512Mi")) == 4);
    CHECK(ex::web_concurrency(m, *ex::parse_resources("2", "4Gi")) == 5);
    CHECK(ex::web_concurrency(m, *ex::parse_resources("500m", "4Gi")) == 3);  // ceil(0.5) = 1 CPU
    CHECK(ex::web_concurrency(m, *ex::parse_resources("1", "64Mi")) == 1);    // never 0
    m.web.workers = 7;
    CHECK(ex::web_concurrency(m, *ex::parse_resources("1", "64Mi")) == 7);  // the manifest wins
}

TEST_CASE("export plan: whole seconds round up", "[export][plan]") {
    CHECK(ex::ceil_seconds(0) == 0);
    CHECK(ex::ceil_seconds(1.5) == 2);
    CHECK(ex::ceil_seconds(30) == 30);
    CHECK(ex::ceil_seconds(0.001) == 1);
}
