// The counters /metrics and the endpoint table export, kept monotone across worker
// recycling, deploys and restarts (src/deploy/stats_totals.hpp): one series per arbiter, its
// high-water mark kept after the arbiter (and its .retired file) is gone.
#include <catch2/catch.hpp>

#include "deploy/stats_totals.hpp"

using namespace paasrun;
using paasrun::worker::WorkerStats;
using paasrun::worker::endpoint_stats::RouteTotals;

namespace {

WorkerStats file(pid_t pid, pid_t arbiter, std::uint64_t n, std::string route = "/users/:id",
                 bool retired = false, std::int64_t started = 1000) {
    WorkerStats w;
    w.pid = pid;
    w.arbiter_pid = arbiter;
    w.retired = retired;
    w.started_unix = started;
    w.requests = n;
    w.by_class[1] = n;
    w.latency[0] = n;
    w.latency_sum_seconds = 0.001 * static_cast<double>(n);
    if (n) {
        RouteTotals t;
        t.route = std::move(route);
        t.requests = n;
        t.by_class[1] = n;
        t.latency[20] = n;
        w.routes.push_back(t);
    }
    return w;
}

struct Sums {
    std::uint64_t requests = 0, route = 0;
};

Sums sums(const std::vector<WorkerStats>& v, const std::string& route = "/users/:id") {
    Sums s;
    for (const auto& w : v) {
        s.requests += w.by_class[1];
        for (const auto& r : w.routes)
            if (r.route == route) s.route += r.requests;
    }
    return s;
}

}  // namespace

TEST_CASE("stats totals: a web process's counts stay after it is gone (a deploy)") {
    deploy::StatsTotals t;
    // Generation 1: arbiter 10 with a live worker and a .retired sum (a recycled worker).
    auto s = sums(t.fold({file(11, 10, 5), file(10, 10, 3, "/users/:id", true, 900)}));
    CHECK(s.requests == 8);
    CHECK(s.route == 8);
    // The deploy: arbiter 20 takes over, arbiter 10's files are gone.
    s = sums(t.fold({file(21, 20, 2), file(20, 20, 0, "", true, 990)}));
    CHECK(s.requests == 10);
    CHECK(s.route == 10);
    s = sums(t.fold({file(21, 20, 4), file(20, 20, 0, "", true, 990)}));
    CHECK(s.requests == 12);
}

TEST_CASE("stats totals: a counter never steps back, and a recycle is not counted twice") {
    deploy::StatsTotals t;
    CHECK(sums(t.fold({file(11, 10, 5), file(10, 10, 0, "", true)})).requests == 5);
    // A moment when the worker's file is gone and the .retired sum not yet rewritten.
    CHECK(sums(t.fold({file(10, 10, 0, "", true)})).requests == 5);
    // Folded: the worker's 6 requests are in the .retired file now, its replacement has 1.
    CHECK(sums(t.fold({file(12, 10, 1), file(10, 10, 6, "/users/:id", true)})).requests == 7);
}

TEST_CASE("stats totals: a reused arbiter pid with another start time is a new series") {
    deploy::StatsTotals t;
    CHECK(sums(t.fold({file(10, 10, 7, "/a", true, 100)})).requests == 7);
    CHECK(sums(t.fold({})).requests == 7);
    auto v = t.fold({file(10, 10, 2, "/a", true, 500)});
    CHECK(sums(v).requests == 9);
    CHECK(sums(v, "/a").route == 9);
}

TEST_CASE("stats totals: memory is bounded, forgotten series are summed") {
    deploy::StatsTotals t;
    std::vector<WorkerStats> out;
    for (pid_t a = 100; a < 100 + 3 * static_cast<pid_t>(deploy::StatsTotals::kMaxSeries); ++a)
        out = t.fold({file(a, a, 1, "/r" + std::to_string(a), true, a)});
    CHECK(out.size() == deploy::StatsTotals::kMaxSeries + 1);
    CHECK(sums(out).requests == 3 * deploy::StatsTotals::kMaxSeries);
    std::size_t routes = 0;
    for (const auto& w : out) routes += w.routes.size();
    CHECK(routes <= deploy::StatsTotals::kMaxSeries + deploy::StatsTotals::kMaxForgottenRoutes + 1);
}

TEST_CASE("stats totals: WebSocket counters stay after a deploy; the open gauge does not") {
    deploy::StatsTotals t;
    auto ws = [](WorkerStats w, std::uint64_t open, std::uint64_t accepted) {
        w.websocket.open = open;
        w.websocket.accepted = accepted;
        w.websocket.messages_received = 10 * accepted;
        w.websocket.closes[1] = accepted - open;
        return w;
    };
    auto totals = [](const std::vector<WorkerStats>& v) {
        paasrun::worker::websocket_stats::Totals s;
        for (const auto& w : v) s.add(w.websocket);
        return s;
    };
    // Arbiter 10: a live worker with 2 of its 5 sockets open, and a recycled one's 3 in .retired.
    auto s = totals(t.fold({ws(file(11, 10, 5), 2, 5), ws(file(10, 10, 3, "", true, 900), 0, 3)}));
    CHECK(s.accepted == 8);
    CHECK(s.messages_received == 80);
    CHECK(s.closes[1] == 6);
    CHECK(s.open == 0);  // not a counter: the engine takes it from the live files
    // The deploy: arbiter 20 takes over with one socket; arbiter 10's counts stay.
    s = totals(t.fold({ws(file(21, 20, 1), 1, 1), ws(file(20, 20, 0, "", true, 990), 0, 0)}));
    CHECK(s.accepted == 9);
    CHECK(s.messages_received == 90);
    CHECK(s.open == 0);
}
