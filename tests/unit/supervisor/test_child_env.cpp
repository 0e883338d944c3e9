#include <algorithm>
#include <catch2/catch.hpp>

#include "supervisor/child_env.hpp"

using namespace paasrun::supervisor;
using paasrun::config::EnvMap;

TEST_CASE("child env: the venv's bin goes first and VIRTUAL_ENV is set", "[supervisor][env]") {
    EnvMap env{{"PATH", "/usr/bin:/bin"}, {"PYTHONHOME", "/x"}};
    add_app_paths(env, "/app", true, "/usr/bin");
    CHECK(env["PATH"] == "/app/.venv/bin:/usr/bin:/bin");
    CHECK(env["VIRTUAL_ENV"] == "/app/.venv");
    CHECK(env.count("PYTHONHOME") == 0);
}

TEST_CASE("child env: paasrun's own directory is added when PATH lacks it", "[supervisor][env]") {
    EnvMap env{{"PATH", "/usr/bin:/bin"}};
    add_app_paths(env, "/app", false, "/opt/paasrun/bin");
    CHECK(env["PATH"] == "/opt/paasrun/bin:/usr/bin:/bin");
    CHECK(env.count("VIRTUAL_ENV") == 0);
}

TEST_CASE("child env: with both, the venv still wins", "[supervisor][env]") {
    EnvMap env{{"PATH", "/bin"}};
    add_app_paths(env, "/app", true, "/opt/p");
    CHECK(env["PATH"] == "/app/.venv/bin:/opt/p:/bin");
}

TEST_CASE("child env: no PATH at all gets a sane default", "[supervisor][env]") {
    EnvMap env;
    add_app_paths(env, "/app", false, "/opt/p");
    CHECK(env["PATH"].rfind("/opt/p:", 0) == 0);
    CHECK(env["PATH"].find("/usr/bin") != std::string::npos);
}

TEST_CASE("child env: commands run through /bin/sh with the command as an argument",
          "[supervisor][env]") {
    auto argv = shell_command_argv("echo \"$PORT\" | cat");
    REQUIRE(argv.size() == 5);
    CHECK(argv[0] == "/bin/sh");
    CHECK(argv[1] == "-c");
    CHECK(argv[2].find(".profile.d/*.sh") != std::string::npos);
    CHECK(argv[4] == "echo \"$PORT\" | cat");  // never spliced into the script text
}

TEST_CASE("child env: exec_argv keeps arguments as given", "[supervisor][env]") {
    auto argv = exec_argv({"python3", "-c", "print('a b')"});
    REQUIRE(argv.size() == 7);
    CHECK(argv[2].find("exec \"$@\"") != std::string::npos);
    CHECK(std::vector<std::string>(argv.begin() + 4, argv.end()) ==
          std::vector<std::string>{"python3", "-c", "print('a b')"});
}

TEST_CASE("child env: envp strings", "[supervisor][env]") {
    auto envp = to_envp({{"A", "1"}, {"B", "x=y"}});
    CHECK(envp == std::vector<std::string>{"A=1", "B=x=y"});
}
