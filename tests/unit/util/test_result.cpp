#include <fcntl.h>

#include <catch2/catch.hpp>

#include "util/log.hpp"
#include "util/result.hpp"
#include "util/unique_fd.hpp"

using namespace paasrun;

TEST_CASE("result: holds a value or an error", "[util][result]") {
    Result<int> good = 42;
    REQUIRE(good);
    CHECK(*good == 42);

    Result<int> bad = Error("boom", {"Procfile", 3, 5});
    REQUIRE_FALSE(bad);
    CHECK(bad.error().describe() == "Procfile:3:5: boom");
}

TEST_CASE("result: error positions omit unknown parts", "[util][result]") {
    CHECK(Error("x").describe() == "x");
    CHECK(Error("x", {"f", 0, 0}).describe() == "f: x");
    CHECK(Error("x", {"", 2, 0}).describe() == "line 2: x");
    CHECK(Error("x", {"f", 2, 0}).describe() == "f:2: x");
}

TEST_CASE("result: sys_error keeps errno and names the call", "[util][result]") {
    errno = ENOENT;
    auto e = sys_error("open({})", "/nope");
    CHECK(e.sys_errno == ENOENT);
    CHECK(e.message.find("open(/nope): ") == 0);
}

TEST_CASE("log: logfmt line with message and fields", "[util][log]") {
    auto line =
        log::format_line(log::Level::info, "supervisor", "process exited proc=web.1 pid=42");
    CHECK(line.find(" at=info component=supervisor msg=\"process exited\" proc=web.1 pid=42\n") !=
          std::string::npos);
    CHECK(line.rfind("time=", 0) == 0);
}

TEST_CASE("log: quote escapes what logfmt needs", "[util][log]") {
    CHECK(log::quote("plain") == "plain");
    CHECK(log::quote("") == "\"\"");
    CHECK(log::quote("a b") == "\"a b\"");
    CHECK(log::quote("say \"hi\"\n") == "\"say \\\"hi\\\"\\n\"");
}

TEST_CASE("unique_fd: closes once and can release", "[util][fd]") {
    int raw = ::open("/dev/null", O_RDONLY);
    REQUIRE(raw >= 0);
    {
        unique_fd fd(raw);
        CHECK(fd.valid());
        unique_fd moved = std::move(fd);
        CHECK_FALSE(fd.valid());
        CHECK(moved.get() == raw);
    }
    CHECK(::fcntl(raw, F_GETFD) == -1);
}
