#include <catch2/catch.hpp>

#include "admin/log_record.hpp"

using namespace paasrun::admin;

namespace {
constexpr auto kTime = "2026-12-06T10:00:00.123456+00:00";
std::optional<LogRecord> rec(const std::string& name, const std::string& text) {
    return parse_log_record(std::string(kTime) + " " + name + " | " + text);
}
}  // namespace

TEST_CASE("log_record: parses the hub's line format", "[admin][log_record]") {
    auto r = rec("web.1", "GET / 200 | piped");
    REQUIRE(r);
    CHECK(r->time == kTime);
    CHECK(r->name == "web.1");
    CHECK(r->text == "GET / 200 | piped");  // only the first bar separates
    auto empty = rec("worker.2", "");
    REQUIRE(empty);
    CHECK(empty->text.empty());
    CHECK_FALSE(parse_log_record(""));
    CHECK_FALSE(parse_log_record("10:00:00 web.1    | old format"));
    CHECK_FALSE(parse_log_record("2026-12-06T10:00:00Z no bar here"));
}

TEST_CASE("log_record: heroku logs format", "[admin][log_record]") {
    CHECK(heroku_log_line(*rec("web.1", "hello")) == std::string(kTime) + " app[web.1]: hello");
    CHECK(heroku_log_line(*rec("system", "at=info msg=\"process started\" proc=web.2 pid=4")) ==
          std::string(kTime) + " paasrun[web.2]: at=info msg=\"process started\" proc=web.2 pid=4");
    CHECK(heroku_log_line(*rec("system", "at=info component=admin msg=request")) ==
          std::string(kTime) + " paasrun[system]: at=info component=admin msg=request");
}

TEST_CASE("log_record: --ps and --source filters", "[admin][log_record]") {
    auto web1 = rec("web.1", "a");
    auto web12 = rec("web.12", "a");
    auto worker = rec("worker.1", "a");
    auto sys_web1 = rec("system", "at=info msg=x proc=web.1");
    auto sys_webby = rec("system", "at=info msg=x xproc=web.1");  // not the proc field
    auto sys = rec("system", "at=info msg=y");

    CHECK(log_matches(web1, {}));
    CHECK(log_matches(std::nullopt, {}));
    CHECK_FALSE(log_matches(std::nullopt, {"web", ""}));

    LogFilter web{"web", ""};
    CHECK(log_matches(web1, web));
    CHECK(log_matches(web12, web));
    CHECK(log_matches(sys_web1, web));
    CHECK_FALSE(log_matches(worker, web));
    CHECK_FALSE(log_matches(sys, web));
    CHECK_FALSE(log_matches(sys_webby, web));
    CHECK_FALSE(log_matches(rec("webhook.1", "a"), web));

    LogFilter one{"web.1", ""};
    CHECK(log_matches(web1, one));
    CHECK_FALSE(log_matches(web12, one));
    CHECK(log_matches(sys_web1, one));

    CHECK(log_matches(web1, {"", "app"}));
    CHECK_FALSE(log_matches(sys, {"", "app"}));
    CHECK(log_matches(sys, {"", "system"}));
    CHECK_FALSE(log_matches(worker, {"", "system"}));
    CHECK(log_matches(sys_web1, {"web.1", "system"}));
    CHECK_FALSE(log_matches(web1, {"web.1", "system"}));
}
