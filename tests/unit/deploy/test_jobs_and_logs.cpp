// The job table's state machine (one job at a time) and the log hub.
#include <catch2/catch.hpp>

#include "deploy/job_table.hpp"
#include "deploy/log_hub.hpp"

using namespace paasrun;
using namespace paasrun::deploy;

TEST_CASE("JobTable runs one job at a time", "[deploy][jobs]") {
    JobTable t;
    auto a = t.begin("deploy");
    REQUIRE(std::holds_alternative<std::string>(a));
    auto id = std::get<std::string>(a);
    CHECK(id == "j1");
    CHECK(t.running() == id);

    auto b = t.begin("rollback");
    REQUIRE(std::holds_alternative<admin::ControlError>(b));
    CHECK(std::get<admin::ControlError>(b).kind == admin::ErrorKind::conflict);
    CHECK_THAT(std::get<admin::ControlError>(b).message, Catch::Contains("j1 (deploy)"));

    t.update(id, [](admin::Job& j) { j.step = "building"; });
    t.add_output(id, "-----> hello");
    t.finish(id, admin::JobState::failed, "build failed: no");
    CHECK(!t.running());
    auto j = t.get(id);
    REQUIRE(j);
    CHECK(j->state == admin::JobState::failed);
    CHECK(j->message == "build failed: no");
    CHECK(j->step == "done");
    CHECK(!j->finished_at.empty());
    CHECK(j->output == std::vector<std::string>{"-----> hello"});

    auto c = t.begin("config");
    REQUIRE(std::holds_alternative<std::string>(c));
    CHECK(std::get<std::string>(c) == "j2");
}

TEST_CASE("JobTable keeps the last 50 jobs and bounds output", "[deploy][jobs]") {
    JobTable t;
    std::string first;
    for (int i = 0; i < 60; ++i) {
        auto id = std::get<std::string>(t.begin("restart"));
        if (i == 0) first = id;
        t.finish(id, admin::JobState::succeeded, "");
    }
    CHECK(!t.get(first));
    CHECK(t.get("j60"));
    auto id = std::get<std::string>(t.begin("deploy"));
    for (std::size_t i = 0; i < JobTable::kMaxOutput + 10; ++i) t.add_output(id, std::to_string(i));
    auto j = t.get(id);
    CHECK(j->output.size() == JobTable::kMaxOutput);
    CHECK(j->output.front() == "10");
}

TEST_CASE("a job finished while baking keeps its step", "[deploy][jobs]") {
    JobTable t;
    auto id = std::get<std::string>(t.begin("deploy"));
    t.update(id, [](admin::Job& j) { j.step = "baking"; });
    t.finish(id, admin::JobState::succeeded, "");
    CHECK(t.get(id)->step == "baking");
    CHECK(!t.running());
}

TEST_CASE("LogHub keeps a ring and feeds subscribers until they decline", "[deploy][logs]") {
    LogHub hub(3);
    std::vector<std::string> seen;
    int calls = 0;
    int id = hub.subscribe([&](std::string_view l) {
        seen.emplace_back(l);
        return ++calls < 2;  // declines after the second line
    });
    for (int i = 1; i <= 5; ++i) hub.publish("line " + std::to_string(i));
    CHECK(hub.tail(10) == std::vector<std::string>{"line 3", "line 4", "line 5"});
    CHECK(hub.tail(1) == std::vector<std::string>{"line 5"});
    CHECK(seen == std::vector<std::string>{"line 1", "line 2"});
    hub.unsubscribe(id);  // already gone: harmless
}
