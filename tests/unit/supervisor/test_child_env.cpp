#include <algorithm>
#include <catch2/catch.hpp>

#include "supervisor/child_env.hpp"

using namespace paasrun::supervisor;
using paasrun::config::EnvMap;

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

TEST_CASE("child env: profile scripts of another directory come as $2, never in the script",
          "[supervisor][env]") {
    auto argv = shell_command_argv("python3 app.py", false, "/srv/slug dir/app");
    REQUIRE(argv.size() == 6);
    CHECK(argv[2].find("\"$2\"/.profile.d/*.sh") != std::string::npos);
    CHECK(argv[2].find("slug dir") == std::string::npos);
    CHECK(argv[4] == "python3 app.py");
    CHECK(argv[5] == "/srv/slug dir/app");
}
