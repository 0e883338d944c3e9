#include <catch2/catch.hpp>

#include "config/app_json.hpp"

using namespace paasrun::config;

TEST_CASE("app.json: formation quantities and the web health check", "[config][app_json]") {
    auto a = parse_app_json(R"({
        "name": "guestbook", "env": {"SECRET": {"generator": "secret"}},
        "formation": {"web": {"quantity": 2, "size": "basic"}, "worker": {"quantity": 0}, "clock": {"size": "eco"}},
        "healthchecks": {"web": [
            {"type": "startup", "name": "cmd", "command": ["true"]},
            {"type": "startup", "path": "/health", "attempts": 5, "timeout": 2, "wait": 3}
        ]}})");
    REQUIRE(a);
    CHECK(a->formation == std::map<std::string, int>{{"web", 2}, {"worker", 0}});
    REQUIRE(a->web_health);
    CHECK(a->web_health->path == "/health");
    CHECK(a->web_health->attempts == 5);
    CHECK(a->web_health->timeout == 2);
    CHECK(a->web_health->interval == 3);
}

TEST_CASE("app.json: an app.json without those keys changes nothing", "[config][app_json]") {
    auto a = parse_app_json(R"({"name": "x", "scripts": {"postdeploy": "true"}})");
    REQUIRE(a);
    CHECK(a->formation.empty());
    CHECK_FALSE(a->web_health);
    Manifest m;
    apply_app_json(m, *a);
    CHECK(m.formation.empty());
    CHECK(m.health.path.empty());
}

TEST_CASE("app.json: applies only where paasrun.yaml is silent", "[config][app_json]") {
    auto a = parse_app_json(R"({"formation": {"web": {"quantity": 3}, "worker": {"quantity": 2}},
                                "healthchecks": {"web": [{"path": "/from-app-json"}]}})");
    REQUIRE(a);
    Manifest m;
    m.formation["web"] = 1;  // paasrun.yaml: formation: {web: 1}
    apply_app_json(m, *a, "/app/app.json");
    CHECK(m.formation == std::map<std::string, int>{{"web", 1}, {"worker", 2}});
    CHECK(m.formation_positions.at("worker").file == "/app/app.json");
    CHECK(m.health.path == "/from-app-json");

    Manifest with_health;
    with_health.health.path = "/from-yaml";
    apply_app_json(with_health, *a);
    CHECK(with_health.health.path == "/from-yaml");
}

TEST_CASE("app.json: bad input is an error naming the file", "[config][app_json]") {
    auto bad = [](const char* text) {
        auto r = parse_app_json(text, "app.json");
        REQUIRE_FALSE(r);
        return r.error().describe();
    };
    CHECK(bad("{").find("app.json: not valid JSON") == 0);
    CHECK(bad("[]") == "app.json: expected a JSON object");
    CHECK(bad(R"({"formation": {"web": {"quantity": -1}}})").find("formation.web.quantity") !=
          std::string::npos);
    CHECK(bad(R"({"formation": {"web": {"quantity": "2"}}})").find("formation.web.quantity") !=
          std::string::npos);
    CHECK(bad(R"({"formation": {"web": 2}})").find("formation.web:") != std::string::npos);
    CHECK(bad(R"({"healthchecks": {"web": [{"path": "health"}]}})").find("starting with /") !=
          std::string::npos);
    CHECK(bad(R"({"healthchecks": {"web": [{"path": "/h", "timeout": 0}]}})").find("timeout") !=
          std::string::npos);
}
