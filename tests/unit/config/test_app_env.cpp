#include <catch2/catch.hpp>

#include "config/app_env.hpp"

using namespace paasrun::config;

TEST_CASE("app env: the layers in order, then the facts paasrun sets", "[config][env]") {
    EnvLayers l;
    l.manifest_env = {{"A", "manifest"},
                      {"B", "manifest"},
                      {"C", "manifest"},
                      {"D", "manifest"},
                      {"E", "manifest"}};
    l.dotenv = {{"B", "dotenv"}, {"C", "dotenv"}, {"D", "dotenv"}, {"E", "dotenv"}};
    l.buildpack_vars = {{"C", "buildpack"}, {"D", "buildpack"}, {"E", "buildpack"}};
    l.config_vars = {{"D", "config"}, {"E", "config"}, {"PAASRUN_DATA_DIR", "/from/config"}};
    l.process_env = {{"E", "process"}, {"PATH", "/bin"}};
    EnvFacts f;
    f.release = 7;
    f.app_dir = "/nonexistent-app";
    f.data_dir = "/data";
    auto env = app_environment(l, f);
    CHECK(env["A"] == "manifest");
    CHECK(env["B"] == "dotenv");
    CHECK(env["C"] == "buildpack");
    CHECK(env["D"] == "config");
    CHECK(env["E"] == "process");
    CHECK(env["PAASRUN_RELEASE_VERSION"] == "v7");
    CHECK(env["PAASRUN_DATA_DIR"] == "/data");  // a fact: no layer overrides it
    CHECK(env["PATH"] == "/bin");               // no venv, no exe dir
}

TEST_CASE("child env: the venv's bin goes first and VIRTUAL_ENV is set", "[config][env]") {
    EnvMap env{{"PATH", "/usr/bin:/bin"}, {"PYTHONHOME", "/x"}};
    add_app_paths(env, "/app", true, "/usr/bin");
    CHECK(env["PATH"] == "/app/.venv/bin:/usr/bin:/bin");
    CHECK(env["VIRTUAL_ENV"] == "/app/.venv");
    CHECK(env.count("PYTHONHOME") == 0);
}

TEST_CASE("child env: paasrun's own directory is added when PATH lacks it", "[config][env]") {
    EnvMap env{{"PATH", "/usr/bin:/bin"}};
    add_app_paths(env, "/app", false, "/opt/paasrun/bin");
    CHECK(env["PATH"] == "/opt/paasrun/bin:/usr/bin:/bin");
    CHECK(env.count("VIRTUAL_ENV") == 0);
}

TEST_CASE("child env: with both, the venv still wins", "[config][env]") {
    EnvMap env{{"PATH", "/bin"}};
    add_app_paths(env, "/app", true, "/opt/p");
    CHECK(env["PATH"] == "/app/.venv/bin:/opt/p:/bin");
}

TEST_CASE("child env: no PATH at all gets a sane default", "[config][env]") {
    EnvMap env;
    add_app_paths(env, "/app", false, "/opt/p");
    CHECK(env["PATH"].rfind("/opt/p:", 0) == 0);
    CHECK(env["PATH"].find("/usr/bin") != std::string::npos);
}
