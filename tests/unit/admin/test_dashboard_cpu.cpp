// The dashboard's CPU per process: /proc/<pid>/stat parsing (admin/dashboard/proc_cpu.hpp)
// and the series turning two readings into % of one core (admin/dashboard/series.hpp).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "admin/dashboard/proc_cpu.hpp"
#include "admin/dashboard/series.hpp"

using namespace paasrun::admin;
using namespace paasrun::admin::dashboard;

TEST_CASE("utime + stime from a /proc/<pid>/stat line", "[admin][dashboard]") {
    // Fields 14 and 15 are 250 and 50 here; the command name holds a space and a ')'.
    std::string line =
        "4242 (paasrun: web) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 3 0 123456 "
        "1000000 500 "
        "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
    CHECK(parse_stat_cpu_ticks(line) == 300u);
    CHECK_FALSE(parse_stat_cpu_ticks("4242 (short) S 1 2 3"));
    CHECK_FALSE(parse_stat_cpu_ticks("no parenthesis at all"));
    CHECK_FALSE(parse_stat_cpu_ticks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 50 0"));
    // Our own process is readable and its CPU time only grows.
    auto a = process_cpu_seconds(::getpid());
    REQUIRE(a);
    volatile std::uint64_t spin = 0;
    for (int i = 0; i < 20'000'000; ++i) spin = spin + static_cast<std::uint64_t>(i);
    auto b = process_cpu_seconds(::getpid());
    REQUIRE(b);
    CHECK(*b >= *a);
    CHECK_FALSE(process_cpu_seconds(0x7ffffff0));  // no such pid
}

TEST_CASE("the series turns CPU readings into % of one core per pid", "[admin][dashboard]") {
    Series s;
    Metrics m;
    AppStatus st;
    s.add(100, m, &st, "", {{10, "web.1 arbiter", 1.0}, {11, "web.1 worker 1", 5.0}});
    s.add(102, m, &st, "",
          {{10, "web.1 arbiter", 1.02}, {11, "web.1 worker 1", 6.0}, {12, "web.1 worker 2", 0.5}});
    auto j = s.json_since(0);
    REQUIRE(j.at("t").size() == 1);
    CHECK(j.at("cpu_percent").at("10")[0].get<double>() == Approx(1.0));   // 0.02 s over 2 s
    CHECK(j.at("cpu_percent").at("11")[0].get<double>() == Approx(50.0));  // 1 s over 2 s
    CHECK_FALSE(j.at("cpu_percent").contains("12"));  // first reading: no rate yet
    CHECK(j.at("cpu_labels").at("11") == "web.1 worker 1 (pid 11)");
    // A pid gone in the next tick leaves null in its column, not a made-up value.
    s.add(103, m, &st, "", {{10, "web.1 arbiter", 1.03}, {12, "web.1 worker 2", 0.6}});
    j = s.json_since(0);
    REQUIRE(j.at("t").size() == 2);
    CHECK(j.at("cpu_percent").at("11")[1].is_null());
    CHECK(j.at("cpu_percent").at("12")[1].get<double>() == Approx(10.0));
    CHECK(j.at("cpu_percent").at("12")[0].is_null());
}
