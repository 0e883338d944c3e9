// Per-endpoint counters (src/serve/endpoint_stats.hpp): the latency histogram's buckets and
// quantiles, merging across workers, the writer's fixed route table (overflow to `other`)
// and the arbiter's .retired fold (routes and the slot's last exit).
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "serve/endpoint_stats.hpp"
#include "serve/stats.hpp"
#include "serve/stats_layout.hpp"
#include "serve/stats_writer.hpp"
#include "support/temp_dir.hpp"

using namespace paasrun::worker;
using namespace paasrun::worker::endpoint_stats;
using paasrun::testing::TempDir;

namespace {

const RouteTotals* find(const std::vector<RouteTotals>& v, std::string_view route) {
    auto it =
        std::find_if(v.begin(), v.end(), [&](const RouteTotals& t) { return t.route == route; });
    return it == v.end() ? nullptr : &*it;
}

Histogram histogram_of(std::initializer_list<std::pair<std::uint64_t, std::uint64_t>> ns_times) {
    Histogram h{};
    for (auto [ns, n] : ns_times) h[bucket_of(ns)] += n;
    return h;
}

}  // namespace

TEST_CASE("every duration falls in the bucket whose bounds hold it") {
    for (std::uint64_t ns : {0ull, 1ull, 1023ull, 1024ull, 1500ull, 2047ull, 2048ull, 999'999ull,
                             1'000'000ull, 123'456'789ull, (1ull << 36) - 1}) {
        auto b = bucket_of(ns);
        INFO("ns=" << ns << " bucket=" << b);
        CHECK(bucket_lower_ns(b) <= ns);
        CHECK(ns < bucket_upper_ns(b));
    }
    CHECK(bucket_of(1ull << 40) == kBuckets - 1);
    // Buckets are contiguous and increasing: each one starts where the previous ends.
    for (std::size_t i = 1; i + 1 < kBuckets; ++i)
        CHECK(bucket_lower_ns(i) == bucket_upper_ns(i - 1));
    // 4 buckets per power of two: a bucket is at most 25% wide relative to its lower bound.
    for (std::size_t i = 1; i + 1 < kBuckets; ++i)
        CHECK(static_cast<double>(bucket_upper_ns(i) - bucket_lower_ns(i)) <=
              0.25 * static_cast<double>(bucket_lower_ns(i)) + 1);
}

TEST_CASE("quantiles from the histogram are within a bucket of the true value") {
    CHECK_FALSE(quantile_seconds(Histogram{}, 0.5));
    // 90 requests at 1 ms, 10 at 100 ms: p50 ~ 1 ms, p99 ~ 100 ms.
    auto h = histogram_of({{1'000'000, 90}, {100'000'000, 10}});
    auto p50 = quantile_seconds(h, 0.50);
    auto p99 = quantile_seconds(h, 0.99);
    REQUIRE(p50);
    REQUIRE(p99);
    CHECK(*p50 == Approx(0.001).epsilon(0.25));
    CHECK(*p99 == Approx(0.1).epsilon(0.25));
    CHECK(*p50 < *p99);
}

TEST_CASE("histograms of several workers merge by adding buckets") {
    RouteTotals a, b;
    a.route = b.route = "/users/:id";
    a.requests = 99;
    a.latency = histogram_of({{2'000'000, 99}});
    b.requests = 1;
    b.latency = histogram_of({{500'000'000, 1}});
    b.cpu_ns = 7;
    b.cpu_requests = 1;
    RouteTotals other;
    other.route = "/about";
    other.requests = 3;
    std::vector<RouteTotals> sum;
    merge_into(sum, {a, other});
    merge_into(sum, {b});
    REQUIRE(sum.size() == 2);
    const auto* users = find(sum, "/users/:id");
    REQUIRE(users);
    CHECK(users->requests == 100);
    CHECK(users->cpu_ns == 7);
    CHECK(users->cpu_requests == 1);
    // Neither worker alone has this p99/p50 pair: p50 from a, the top 1% from b.
    CHECK(*quantile_seconds(users->latency, 0.5) == Approx(0.002).epsilon(0.25));
    CHECK(*quantile_seconds(users->latency, 0.999) == Approx(0.5).epsilon(0.25));
    CHECK(find(sum, "/about")->requests == 3);
}

TEST_CASE("the writer keeps one slot per route key and sends overflow to other") {
    TempDir dir;
    auto w = StatsWriter::create(dir.path, ::getpid(), 3);
    REQUIRE(w);
    auto users = w->route_slot("/users/:id");
    CHECK(users == w->route_slot("/users/:id"));  // found again, not a new slot
    CHECK(users != kOtherSlot);
    CHECK(users != kStaticSlot);
    w->request_finished(200, 1'000'000, false, users, 5000);
    w->request_finished(500, 3'000'000, false, users, 7000);
    w->request_finished(200, 10'000, false, kStaticSlot);  // no CPU measured
    // Fill the table: 64 slots, 2 fixed, 1 used above.
    for (int i = 0; i < 70; ++i) {
        auto slot = w->route_slot("/r" + std::to_string(i));
        w->request_finished(404, 1000, false, slot);
        if (i < static_cast<int>(kRouteSlots) - 3)
            CHECK(slot != kOtherSlot);
        else
            CHECK(slot == kOtherSlot);
    }
    CHECK(w->route_slot(std::string(kRouteKeyMax, 'x')) == kOtherSlot);  // too long for a key
    CHECK(w->route_slot("") == kOtherSlot);

    auto snap = stats_layout::read_file(w->path());
    REQUIRE(snap);
    CHECK(snap->index == 3);
    CHECK(snap->routes.size() == kRouteSlots);
    const auto* u = find(snap->routes, "/users/:id");
    REQUIRE(u);
    CHECK(u->requests == 2);
    CHECK(u->by_class[1] == 1);
    CHECK(u->by_class[4] == 1);
    CHECK(u->cpu_ns == 12000);
    CHECK(u->cpu_requests == 2);
    CHECK(u->latency_sum_ns == 4'000'000);
    CHECK(find(snap->routes, "static")->requests == 1);
    CHECK(find(snap->routes, "static")->cpu_requests == 0);
    CHECK(find(snap->routes, "other")->requests == 70 - (kRouteSlots - 3));
    CHECK(find(snap->routes, "/r69") == nullptr);
    // The worker-wide counters see every request too.
    CHECK(snap->requests == 3 + 70);
}

TEST_CASE("the arbiter folds an exited worker's routes and remembers why its slot was recycled") {
    TempDir dir;
    auto retired = RetiredStats::create(dir.path);
    REQUIRE(retired);
    {
        auto w = StatsWriter::create(dir.path, ::getpid(), 2);
        REQUIRE(w);
        w->request_finished(200, 1'000'000, false, w->route_slot("/users/:id"), 1000);
        w->request_finished(200, 1'000'000, false, w->route_slot("/about"), 1000);
    }
    // The worker file's pid is ours: fold it as the arbiter would after reaping.
    retired->worker_exited(::getpid(), true, 2, "max-requests");
    CHECK_FALSE(std::filesystem::exists(dir.path / (std::to_string(::getpid()) + ".stats")));
    auto snap = stats_layout::read_file(retired->path());
    REQUIRE(snap);
    REQUIRE(find(snap->routes, "/users/:id"));
    CHECK(find(snap->routes, "/users/:id")->requests == 1);
    CHECK(find(snap->routes, "/about")->cpu_ns == 1000);
    REQUIRE(snap->exits.size() == 1);
    CHECK(snap->exits[0].index == 2);
    CHECK(snap->exits[0].pid == ::getpid());
    CHECK(snap->exits[0].reason == "max-requests");
    CHECK(snap->exits[0].requests == 2);

    // The next worker of slot 2 crashes: its exit replaces the first one of that slot.
    {
        auto w = StatsWriter::create(dir.path, ::getpid(), 2);
        REQUIRE(w);
        w->request_finished(200, 1'000'000, false, w->route_slot("/users/:id"), 1000);
    }
    retired->worker_exited(::getpid(), true, 2, "crash exit=3");
    snap = stats_layout::read_file(retired->path());
    REQUIRE(snap);
    REQUIRE(snap->exits.size() == 1);
    CHECK(snap->exits[0].reason == "crash exit=3");
    CHECK(find(snap->routes, "/users/:id")->requests == 2);
}
