#include <unistd.h>

#include <catch2/catch.hpp>

#include "supervisor/prefix.hpp"

using namespace paasrun::supervisor;

namespace {
std::tm at(int h, int m, int s) {
    std::tm t{};
    t.tm_hour = h;
    t.tm_min = m;
    t.tm_sec = s;
    return t;
}
}  // namespace

TEST_CASE("prefix: HH:MM:SS, padded name and a bar", "[supervisor][prefix]") {
    CHECK(format_prefix(at(9, 5, 7), "web.1", 8, "") == "09:05:07 web.1    | ");
    CHECK(format_prefix(at(23, 59, 0), "worker.10", 6, "") == "23:59:00 worker.10 | ");
}

TEST_CASE("prefix: colour wraps the prefix and resets", "[supervisor][prefix]") {
    auto p = format_prefix(at(1, 2, 3), "web.1", 5, color_for(0));
    CHECK(p == std::string(color_for(0)) + "01:02:03 web.1 | \x1b[0m");
}

TEST_CASE("prefix: neighbouring processes get different colours", "[supervisor][prefix]") {
    for (std::size_t i = 0; i < 11; ++i) CHECK(color_for(i) != color_for(i + 1));
    CHECK(color_for(0) == color_for(12));
}

TEST_CASE("prefix: NO_COLOR or a non-terminal turns colour off", "[supervisor][prefix]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    CHECK_FALSE(want_color(fds[1], nullptr));  // a pipe is not a TTY
    CHECK_FALSE(want_color(fds[1], "1"));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST_CASE("prefix: log records carry an RFC 3339 UTC time with microseconds",
          "[supervisor][prefix]") {
    std::timespec t{};
    t.tv_sec = 1796551200;  // 2026-12-06T10:00:00Z
    t.tv_nsec = 123456789;
    CHECK(format_log_record(t, "web.1", "GET / 200") ==
          "2026-12-06T10:00:00.123456+00:00 web.1 | GET / 200");
    t.tv_nsec = 0;
    CHECK(format_log_record(t, "system", "") == "2026-12-06T10:00:00.000000+00:00 system | ");
}
