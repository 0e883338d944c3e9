#include <catch2/catch.hpp>
#include <cstdlib>

#include "config/settings.hpp"

using namespace paasrun;
using namespace paasrun::config;

namespace {

// One variable set differently in each env layer, to see which one wins.
struct Stack {
    Manifest manifest;
    Layers layers;
    Stack() { layers.manifest = &manifest; }
};

}  // namespace

TEST_CASE("settings: env layers merge as manifest < .env < config vars < environment",
          "[config][settings]") {
    Stack s;
    s.manifest.env = {{"A", "manifest"}, {"B", "manifest"}, {"C", "manifest"}, {"D", "manifest"}};
    s.layers.dotenv = {{"B", "dotenv"}, {"C", "dotenv"}, {"D", "dotenv"}};
    s.layers.config_vars = {{"C", "config"}, {"D", "config"}};
    s.layers.process_env = {{"D", "environment"}};
    auto env = merge_env(s.layers);
    CHECK(env["A"] == "manifest");
    CHECK(env["B"] == "dotenv");
    CHECK(env["C"] == "config");
    CHECK(env["D"] == "environment");
}

TEST_CASE("settings: within a layer the later duplicate wins", "[config][settings]") {
    Stack s;
    s.manifest.env = {{"A", "1"}, {"A", "2"}};
    s.layers.dotenv = {{"B", "1"}, {"B", "2"}};
    auto env = merge_env(s.layers);
    CHECK(env["A"] == "2");
    CHECK(env["B"] == "2");
}

TEST_CASE("settings: defaults without any layer", "[config][settings]") {
    Stack s;
    auto r = resolve_settings(s.layers, {});
    REQUIRE(r);
    CHECK(r->base_port == 5000);
    CHECK(r->web_workers == 0);
    CHECK(r->grace_period == 30);
    CHECK(r->formation.empty());
    CHECK(r->env.empty());
}

TEST_CASE("settings: web workers follow every precedence step", "[config][settings]") {
    // serve's order (docs/configuration.md "Web worker count"): without web.workers the env
    // layers rank as usual...
    Stack s;
    s.manifest.env = {{"WEB_CONCURRENCY", "3"}};
    CHECK(resolve_settings(s.layers, {})->web_workers == 3);

    s.layers.dotenv = {{"WEB_CONCURRENCY", "4"}};
    CHECK(resolve_settings(s.layers, {})->web_workers == 4);

    s.layers.config_vars = {{"WEB_CONCURRENCY", "5"}};
    CHECK(resolve_settings(s.layers, {})->web_workers == 5);

    s.layers.process_env = {{"WEB_CONCURRENCY", "6"}};
    CHECK(resolve_settings(s.layers, {})->web_workers == 6);

    FlagOverrides flags;
    flags.workers = 7;
    CHECK(resolve_settings(s.layers, flags)->web_workers == 7);
}

TEST_CASE("settings: an explicit web.workers beats WEB_CONCURRENCY, the flag beats both",
          "[config][settings]") {
    Stack s;
    s.manifest.web.workers = 2;
    CHECK(resolve_settings(s.layers, {})->web_workers == 2);

    s.manifest.env = {{"WEB_CONCURRENCY", "3"}};
    s.layers.dotenv = {{"WEB_CONCURRENCY", "4"}};
    s.layers.config_vars = {{"WEB_CONCURRENCY", "5"}};
    s.layers.process_env = {{"WEB_CONCURRENCY", "6"}};
    CHECK(resolve_settings(s.layers, {})->web_workers == 2);

    FlagOverrides flags;
    flags.workers = 7;
    CHECK(resolve_settings(s.layers, flags)->web_workers == 7);

    // A WEB_CONCURRENCY that does not parse is still an error, as serve's is.
    s.layers.process_env = {{"WEB_CONCURRENCY", "lots"}};
    CHECK_FALSE(resolve_settings(s.layers, {}));
}

TEST_CASE("settings: grace period follows every precedence step", "[config][settings]") {
    Stack s;
    s.manifest.grace_period = 10;
    CHECK(resolve_settings(s.layers, {})->grace_period == 10);
    s.layers.dotenv = {{"PAASRUN_GRACE_PERIOD", "11"}};
    CHECK(resolve_settings(s.layers, {})->grace_period == 11);
    s.layers.config_vars = {{"PAASRUN_GRACE_PERIOD", "1500ms"}};
    CHECK(resolve_settings(s.layers, {})->grace_period == Approx(1.5));
    s.layers.process_env = {{"PAASRUN_GRACE_PERIOD", "0"}};
    CHECK(resolve_settings(s.layers, {})->grace_period == 0);
    FlagOverrides flags;
    flags.grace_period = 2.5;
    CHECK(resolve_settings(s.layers, flags)->grace_period == 2.5);
}

TEST_CASE("settings: base port from PORT, then the flag", "[config][settings]") {
    Stack s;
    s.manifest.env = {{"PORT", "6000"}};
    CHECK(resolve_settings(s.layers, {})->base_port == 6000);
    s.layers.dotenv = {{"PORT", "6100"}};
    CHECK(resolve_settings(s.layers, {})->base_port == 6100);
    s.layers.config_vars = {{"PORT", "6200"}};
    CHECK(resolve_settings(s.layers, {})->base_port == 6200);
    s.layers.process_env = {{"PORT", "6300"}};
    CHECK(resolve_settings(s.layers, {})->base_port == 6300);
    FlagOverrides flags;
    flags.port = 6400;
    auto r = resolve_settings(s.layers, flags);
    CHECK(r->base_port == 6400);
    CHECK(r->env["PORT"] == "6300");  // flags change settings, never the env layers
}

TEST_CASE("settings: formation is the manifest's, overridden per type by flags",
          "[config][settings]") {
    Stack s;
    s.manifest.formation = {{"web", 2}, {"worker", 3}};
    FlagOverrides flags;
    flags.formation = {{"worker", 0}, {"clock", 1}};
    auto r = resolve_settings(s.layers, flags);
    REQUIRE(r);
    CHECK(r->formation == std::map<std::string, int>{{"web", 2}, {"worker", 0}, {"clock", 1}});
}

TEST_CASE("settings: bad env values name the variable and its layer", "[config][settings]") {
    Stack s;
    s.layers.dotenv = {{"WEB_CONCURRENCY", "lots"}};
    auto r = resolve_settings(s.layers, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "WEB_CONCURRENCY=\"lots\" (from .env) is not a worker count (0-1024)");

    s.layers.dotenv.clear();
    s.layers.config_vars = {{"PORT", "70000"}};
    r = resolve_settings(s.layers, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "PORT=\"70000\" (from config vars) is not a TCP port (1-65535)");

    s.layers.config_vars.clear();
    s.layers.process_env = {{"PAASRUN_GRACE_PERIOD", "-1"}};
    r = resolve_settings(s.layers, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("(from the environment)") != std::string::npos);

    s.layers.process_env.clear();
    s.manifest.env = {{"PORT", "x"}};
    r = resolve_settings(s.layers, {});
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("(from the manifest's env)") != std::string::npos);
}

TEST_CASE("settings: a higher layer can fix a bad lower one", "[config][settings]") {
    Stack s;
    s.layers.dotenv = {{"PORT", "nonsense"}};
    s.layers.process_env = {{"PORT", "8000"}};
    auto r = resolve_settings(s.layers, {});
    REQUIRE(r);
    CHECK(r->base_port == 8000);
}

TEST_CASE("settings: flags are range-checked", "[config][settings]") {
    Stack s;
    FlagOverrides port;
    port.port = 0;
    CHECK_FALSE(resolve_settings(s.layers, port));
    FlagOverrides workers;
    workers.workers = -1;
    CHECK_FALSE(resolve_settings(s.layers, workers));
    FlagOverrides grace;
    grace.grace_period = -0.5;
    CHECK_FALSE(resolve_settings(s.layers, grace));
    FlagOverrides release;
    release.formation = {{"release", 1}};
    CHECK_FALSE(resolve_settings(s.layers, release));
    FlagOverrides bad_name;
    bad_name.formation = {{"web.1", 1}};
    CHECK_FALSE(resolve_settings(s.layers, bad_name));
    Layers none;
    CHECK_FALSE(resolve_settings(none, {}));
}

TEST_CASE("settings: parse_formation reads -c web=2,worker=1", "[config][settings]") {
    auto r = parse_formation("web=2,worker=1");
    REQUIRE(r);
    CHECK(*r == std::map<std::string, int>{{"web", 2}, {"worker", 1}});
    CHECK(parse_formation(" web=0 , clock-2=10 ")->at("clock-2") == 10);

    CHECK_FALSE(parse_formation(""));
    CHECK_FALSE(parse_formation("web"));
    CHECK_FALSE(parse_formation("web=2,"));
    CHECK_FALSE(parse_formation("web=-1"));
    CHECK_FALSE(parse_formation("web=two"));
    CHECK_FALSE(parse_formation("web=1001"));
    CHECK_FALSE(parse_formation("we b=1"));
    CHECK(parse_formation("web=1,web=2").error().message ==
          "process type \"web\" appears twice in the formation");
    CHECK(parse_formation("release=1").error().message ==
          "\"release\" is the release phase and cannot be scaled");
}

TEST_CASE("settings: current_environment reads environ", "[config][settings]") {
    REQUIRE(::setenv("PAASRUN_TEST_SETTINGS_VAR", "a=b c", 1) == 0);
    auto env = current_environment();
    CHECK(env["PAASRUN_TEST_SETTINGS_VAR"] == "a=b c");
    ::unsetenv("PAASRUN_TEST_SETTINGS_VAR");
    CHECK(current_environment().count("PAASRUN_TEST_SETTINGS_VAR") == 0);
}
