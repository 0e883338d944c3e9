// The web workers' stats files as the admin API shows them (src/deploy/stats_view.hpp): a
// worker row's previous worker (from its arbiter's .retired exits, else deploy / process
// restart), and the endpoint table summed across files with merged quantiles.
#include <catch2/catch.hpp>

#include "deploy/stats_view.hpp"

using namespace paasrun;
using paasrun::worker::WorkerStats;
using paasrun::worker::endpoint_stats::bucket_of;
using paasrun::worker::endpoint_stats::RouteTotals;

namespace {

WorkerStats live(pid_t pid, pid_t arbiter, int index) {
    WorkerStats w;
    w.pid = pid;
    w.arbiter_pid = arbiter;
    w.index = index;
    w.started_unix = 1000;
    return w;
}

RouteTotals route(std::string name, std::uint64_t n, std::uint64_t ns, std::uint64_t cpu_ns) {
    RouteTotals t;
    t.route = std::move(name);
    t.requests = n;
    t.by_class[1] = n;
    t.latency[bucket_of(ns)] = n;
    t.latency_sum_ns = n * ns;
    t.cpu_ns = cpu_ns * n;
    t.cpu_requests = n;
    return t;
}

}  // namespace

TEST_CASE("a worker row names the previous worker of its slot and why it went") {
    supervisor::ProcessStatus web;
    web.name = "web.1";
    web.pid = 10;
    web.release = 3;
    web.generation = 1;
    WorkerStats retired;
    retired.retired = true;
    retired.pid = 10;
    retired.exits.push_back({2, 20, 900, 990, 1000, "max-requests"});
    retired.exits.push_back({1, 19, 900, 950, 7, "crash exit=3"});
    auto w2 = live(21, 10, 2);
    auto row = deploy::worker_view(w2, {w2, retired}, &web);
    CHECK(row.process == "web.1");
    CHECK(row.generation == 3);
    CHECK(row.index == 2);
    CHECK(row.started_unix == 1000);
    REQUIRE(row.previous);
    CHECK(row.previous->pid == 20);
    CHECK(row.previous->reason == "max-requests");
    CHECK(row.previous->age_seconds == 90);
    CHECK(row.previous->requests == 1000);

    // Another arbiter's exits are not this worker's history; a first generation has none.
    auto other = live(31, 11, 2);
    CHECK_FALSE(deploy::worker_view(other, {other, retired}, nullptr).previous);
    auto w3 = live(22, 10, 3);
    CHECK_FALSE(deploy::worker_view(w3, {w3, retired}, &web).previous);

    // A later generation (deploy, config, rollback) or a restarted web process: the slot's
    // previous worker ran under the arbiter that was replaced.
    web.generation = 2;
    CHECK(deploy::worker_view(w3, {w3}, &web).previous->reason == "deploy");
    web.restarts = 1;
    web.last_exit = "signal=SIGKILL";
    CHECK(deploy::worker_view(w3, {w3}, &web).previous->reason ==
          "process restart (signal=SIGKILL)");
}

TEST_CASE("the endpoint table sums every file by route, most requested first") {
    auto a = live(21, 10, 1);
    a.routes = {route("/users/:id", 99, 2'000'000, 1000), route("static", 0, 0, 0),
                route("/about", 5, 1'000'000, 10)};
    auto b = live(22, 10, 2);
    b.routes = {route("/users/:id", 1, 500'000'000, 3000)};
    auto table = deploy::endpoint_table({a, b});
    REQUIRE(table.size() == 2);  // `static` never served: left out
    CHECK(table[0].route == "/users/:id");
    CHECK(table[0].requests == 100);
    CHECK(table[0].by_class[1] == 100);
    CHECK(table[0].cpu_requests == 100);
    CHECK(table[0].cpu_seconds == Approx((99 * 1000 + 3000) / 1e9));
    REQUIRE(table[0].p50);
    CHECK(*table[0].p50 == Approx(0.002).epsilon(0.25));
    CHECK(*table[0].p99 == Approx(0.002).epsilon(0.25));  // the one slow request is the top 1%
    CHECK(table[1].route == "/about");
}
