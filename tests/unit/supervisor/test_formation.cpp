#include <catch2/catch.hpp>

#include "supervisor/formation.hpp"

using namespace paasrun;
using namespace paasrun::supervisor;

namespace {

config::Procfile procfile(std::initializer_list<std::pair<const char*, const char*>> types) {
    config::Procfile p;
    int line = 1;
    for (auto [name, cmd] : types) p.processes.push_back({name, cmd, line++});
    return p;
}

}  // namespace

TEST_CASE("ports: foreman's rule, +100 per type and +1 per instance", "[supervisor][ports]") {
    CHECK(port_for(5000, 0, 1) == 5000);
    CHECK(port_for(5000, 0, 2) == 5001);
    CHECK(port_for(5000, 1, 1) == 5100);
    CHECK(port_for(5000, 2, 3) == 5202);
    CHECK(port_for(8080, 1, 2) == 8181);
}

TEST_CASE("formation: one of each type by default, in Procfile order", "[supervisor][formation]") {
    auto specs = expand_formation(procfile({{"web", "serve"}, {"worker", "work"}}), {}, 5000);
    REQUIRE(specs.size() == 2);
    CHECK(specs[0].name == "web.1");
    CHECK(specs[0].type == "web");
    CHECK(specs[0].index == 1);
    CHECK(specs[0].command == "serve");
    CHECK(specs[0].port == 5000);
    CHECK(specs[1].name == "worker.1");
    CHECK(specs[1].port == 5100);
}

TEST_CASE("formation: counts expand to numbered instances with consecutive ports",
          "[supervisor][formation]") {
    auto specs = expand_formation(procfile({{"web", "a"}, {"worker", "b"}, {"clock", "c"}}),
                                  {{"web", 2}, {"worker", 3}}, 6000);
    std::vector<std::string> names;
    std::vector<int> ports;
    for (const auto& s : specs) {
        names.push_back(s.name);
        ports.push_back(s.port);
    }
    CHECK(names == std::vector<std::string>{"web.1", "web.2", "worker.1", "worker.2", "worker.3",
                                            "clock.1"});
    CHECK(ports == std::vector<int>{6000, 6001, 6100, 6101, 6102, 6200});
}

TEST_CASE("formation: a type scaled to 0 keeps the ports of the types after it",
          "[supervisor][formation]") {
    auto specs = expand_formation(procfile({{"web", "a"}, {"worker", "b"}}), {{"web", 0}}, 5000);
    REQUIRE(specs.size() == 1);
    CHECK(specs[0].name == "worker.1");
    CHECK(specs[0].port == 5100);
}

TEST_CASE("formation: all=N is the default for unnamed types", "[supervisor][formation]") {
    auto specs =
        expand_formation(procfile({{"web", "a"}, {"worker", "b"}}), {{"all", 0}, {"web", 2}}, 5000);
    REQUIRE(specs.size() == 2);
    CHECK(specs[0].name == "web.1");
    CHECK(specs[1].name == "web.2");
}

TEST_CASE("formation: release is never part of it", "[supervisor][formation]") {
    auto p = procfile({{"web", "a"}});
    p.release = config::ProcessType{"release", "migrate", 2};
    auto specs = expand_formation(p, {{"all", 2}}, 5000);
    REQUIRE(specs.size() == 2);
    for (const auto& s : specs) CHECK(s.type == "web");
}

TEST_CASE("formation: counts must name Procfile types", "[supervisor][formation]") {
    auto p = procfile({{"web", "a"}});
    CHECK(check_counts(p, {{"web", 2}, {"all", 1}}).ok());
    auto unknown = check_counts(p, {{"wrker", 1}});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("wrker") != std::string::npos);
    CHECK_FALSE(check_counts(p, {{"release", 1}}).ok());
}
