// Time windows on the per-endpoint table (src/admin/dashboard/endpoint_windows.hpp): the
// difference of two snapshots of the cumulative table, quantiles from the histogram
// difference, the tiers that bound the memory, and routes past the cap counted as `other`.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "admin/api.hpp"
#include "admin/dashboard/dashboard.hpp"
#include "admin/dashboard/endpoint_windows.hpp"
#include "admin/views.hpp"
#include "fake_control.hpp"

using namespace paasrun::admin;
using namespace paasrun::admin::dashboard;

namespace {

const std::vector<double> kBounds{0.001, 0.01, 0.1, 1.0};  // + overflow: 5 buckets

// A cumulative row: `fast` requests of ~0.5 ms and `slow` ones of ~50 ms.
EndpointStats row(std::string route, std::uint64_t fast, std::uint64_t slow) {
    EndpointStats e;
    e.route = std::move(route);
    e.requests = fast + slow;
    e.by_class[1] = fast + slow;
    e.latency_buckets = {fast, 0, slow, 0, 0};
    e.cpu_seconds = 0.001 * static_cast<double>(fast + slow);
    e.cpu_requests = fast + slow;
    return e;
}

const EndpointStats* find(const WindowTable& w, const std::string& route) {
    for (const auto& r : w.rows)
        if (r.route == route) return &r;
    return nullptr;
}

}  // namespace

TEST_CASE("endpoint windows: a window counts only what happened in it", "[admin][dashboard]") {
    EndpointWindows w(1000);
    CHECK_FALSE(w.window(60));
    // 100 fast requests in the first 10 s, then 10 slow ones at t = 1100.
    for (int t = 1001; t <= 1100; ++t)
        w.add(t,
              {row("/a", std::min<std::uint64_t>(100, static_cast<std::uint64_t>((t - 1000) * 10)),
                   t == 1100 ? 10 : 0)},
              kBounds);
    auto all = w.window(3600);  // reaches back before the first snapshot: since the start
    REQUIRE(all);
    CHECK(all->from == 1000);
    CHECK(all->to == 1100);
    REQUIRE(find(*all, "/a"));
    CHECK(find(*all, "/a")->requests == 110);

    auto last = w.window(60);
    REQUIRE(last);
    CHECK(last->from == 1040);
    const auto* a = find(*last, "/a");
    REQUIRE(a);
    CHECK(a->requests == 10);
    CHECK(a->by_class[1] == 10);
    CHECK(a->cpu_requests == 10);
    // Only the slow requests are in the window: p50 is in the 10..100 ms bucket.
    REQUIRE(a->p50);
    CHECK(*a->p50 > 0.01);
    CHECK(*a->p50 <= 0.1);
    // All time, the fast ones dominate the median.
    CHECK(*find(*all, "/a")->p50 <= 0.001);

    // A route with no request in the window is not listed.
    for (int t = 1101; t <= 1170; ++t) w.add(t, {row("/a", 100, 10), row("/b", 1, 0)}, kBounds);
    auto quiet = w.window(60);
    REQUIRE(quiet);
    CHECK_FALSE(find(*quiet, "/a"));
    CHECK_FALSE(find(*quiet, "/b"));  // its one request was at 1101, 69 s ago
    auto longer = w.window(100);      // from 1070, when /b did not exist yet
    REQUIRE(longer);
    REQUIRE(find(*longer, "/b"));
    CHECK(find(*longer, "/b")->requests == 1);
    CHECK(find(*longer, "/a")->requests == 10);
}

TEST_CASE("endpoint windows: tiers keep an hour in bounded memory", "[admin][dashboard]") {
    EndpointWindows w(0);
    for (int t = 1; t <= 3 * 3600; ++t)
        w.add(t, {row("/a", static_cast<std::uint64_t>(t), 0)}, kBounds);
    CHECK(w.snapshots() == 62 + 32 + 62);
    for (double secs : {1.0, 60.0, 300.0, 3600.0}) {
        auto win = w.window(secs);
        REQUIRE(win);
        INFO(secs);
        // The window starts at a snapshot at least that old, within its tier's step.
        double step = secs <= 60 ? 1 : secs <= 300 ? 10 : 60;
        CHECK(win->to - win->from >= secs - 0.5);
        CHECK(win->to - win->from <= secs + step);
        CHECK(find(*win, "/a")->requests == static_cast<std::uint64_t>(win->to - win->from));
    }
    // Longer than the ring holds: the oldest snapshot it has, not "since the start".
    auto longest = w.window(3600 * 2);
    REQUIRE(longest);
    CHECK(longest->from > 3600);
}

TEST_CASE("endpoint windows: routes past the cap count under other", "[admin][dashboard]") {
    EndpointWindows w(0);
    std::vector<EndpointStats> rows;
    for (std::size_t i = 0; i < EndpointWindows::kMaxRoutes + 10; ++i)
        rows.push_back(row("/r" + std::to_string(i), 1, 0));
    w.add(1, rows, kBounds);
    for (auto& r : rows) r = row(r.route, 3, 0);
    rows.push_back(row("other", 5, 0));
    w.add(2, rows, kBounds);
    auto win = w.window(1);
    REQUIRE(win);
    CHECK(win->rows.size() == EndpointWindows::kMaxRoutes + 1);
    REQUIRE(find(*win, "other"));
    CHECK(find(*win, "other")->requests == 10 * 2 + 5);
    CHECK(find(*win, "/r0")->requests == 2);
}

TEST_CASE("endpoint windows: the window parameter", "[admin][dashboard]") {
    auto w = [](const char* v) {
        std::string s = v;
        return parse_endpoint_window(&s);
    };
    CHECK(parse_endpoint_window(nullptr) == 0);
    CHECK(w("all") == 0);
    CHECK(w("60") == 60);
    CHECK(w("1") == 1);
    CHECK(w("3600") == 3600);
    CHECK(w("5m") == 300);
    CHECK(w("1h") == 3600);
    for (const char* bad : {"", "0", "3601", "2h", "-1", "1.5", "60s", "m", "abc", "99999999"}) {
        INFO(bad);
        CHECK_FALSE(w(bad));
    }
}

TEST_CASE("endpoint windows: GET /v1/endpoints?window=N through the API", "[admin][dashboard]") {
    testing::FakeControl control;
    Api api{control, "t0ken-0123456789abcdef", ApiLimits{}};
    auto get = [&](std::multimap<std::string, std::string> query) {
        ApiRequest r;
        r.method = "GET";
        r.path = "/v1/endpoints";
        r.query = std::move(query);
        r.authorization = "Bearer t0ken-0123456789abcdef";
        return api.handle(r);
    };
    Metrics m;
    m.endpoints.push_back(row("/a", 7, 0));
    control.metrics_answer = m;
    // Without the dashboard (its sampler keeps the snapshots): `all` only.
    auto all = nlohmann::json::parse(get({}).body);
    CHECK(all.at("window") == "all");
    CHECK(all.at("routes").at(0).at("requests") == 7);
    CHECK(get({{"window", "60"}}).status == 404);
    CHECK(get({{"window", "7d"}}).status == 400);

    Dashboard dash(control, {}, false);
    api.extend(dash.extension());
    dash.endpoint_windows().add(100, {row("/a", 2, 0)}, kBounds);
    dash.endpoint_windows().add(101, {row("/a", 7, 0)}, kBounds);
    auto r = get({{"window", "1"}});
    REQUIRE(r.status == 200);
    auto j = nlohmann::json::parse(r.body);
    CHECK(j.at("window") == 1);
    CHECK(j.at("from") == 100);
    CHECK(j.at("to") == 101);
    CHECK(j.at("routes").at(0).at("requests") == 5);
}
