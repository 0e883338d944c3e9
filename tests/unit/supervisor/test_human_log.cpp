#include <catch2/catch.hpp>

#include "supervisor/human_log.hpp"
#include "util/log_fields.hpp"

using namespace paasrun;
using supervisor::human_line;

TEST_CASE("human log: the common supervisor lines read as sentences", "[supervisor][log]") {
    CHECK(human_line(log::Level::info,
                     "process started proc=web.1 pid=42 port=5000 command=\"paasrun serve app\"") ==
          "web.1 started (pid 42, port 5000)");
    CHECK(human_line(log::Level::info,
                     "process started proc=web.1 pid=42 port=5000 command=x release=v3") ==
          "web.1 started (pid 42, port 5000, v3)");
    CHECK(human_line(log::Level::info, "process exited proc=worker.1 pid=7 exit=1 uptime=2.013s") ==
          "worker.1 exited with code 1 after 2.013s");
    CHECK(human_line(log::Level::info,
                     "process exited proc=web.1 pid=7 signal=SIGKILL uptime=0.1s") ==
          "web.1 was killed by SIGKILL after 0.1s");
    CHECK(human_line(log::Level::info,
                     "stopping all processes reason=\"fail.1 exited\" grace_period=30s") ==
          "stopping all processes (fail.1 exited)");
    CHECK(human_line(log::Level::info, "stopped exit_code=137 forced=true") ==
          "stopped, exit code 137 (some processes had to be killed)");
}

TEST_CASE("human log: other lines keep their fields, warnings and errors say so",
          "[supervisor][log]") {
    CHECK(
        human_line(log::Level::info, "admin api listening addr=127.0.0.1:43121 token_source=env") ==
        "admin api listening addr=127.0.0.1:43121 token_source=env");
    CHECK(human_line(log::Level::warn, "crash loop proc=web.1 crashes=3") ==
          "warning: crash loop proc=web.1 crashes=3");
    CHECK(human_line(log::Level::error, "cannot start process proc=web.1 error=\"no such file\"") ==
          "error: cannot start process proc=web.1 error=\"no such file\"");
}

TEST_CASE("log fields: logfmt parsed back and written as JSON", "[util][log]") {
    auto f = log::parse_fields("process started proc=web.1 command=\"a \\\"b\\\"\\n\" bare");
    CHECK(f.msg == "process started");
    REQUIRE(f.fields.size() == 3);
    CHECK(f.fields[1].second == "a \"b\"\n");
    CHECK(f.fields[2] == std::pair<std::string, std::string>{"", "bare"});
    CHECK(log::json_line("T", "info", "supervisor", f) ==
          "{\"time\":\"T\",\"level\":\"info\",\"component\":\"supervisor\",\"msg\":\"process "
          "started\","
          "\"proc\":\"web.1\",\"command\":\"a \\\"b\\\"\\n\",\"extra\":\"bare\"}");
    CHECK(log::json_string(std::string_view("\x01", 1)) == "\"\\u0001\"");
}
