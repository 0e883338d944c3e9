// RequestBody / BodyReader: memory up to the limit, spooled beyond it, exact EOF.
#include <catch2/catch.hpp>
#include <string>

#include "worker/body.hpp"

using paasrun::worker::BodyReader;
using paasrun::worker::RequestBody;

TEST_CASE("conn body: small bodies stay in memory", "[worker][body]") {
    RequestBody b(16);
    REQUIRE_FALSE(b.append("hello "));
    REQUIRE_FALSE(b.append("world"));
    CHECK_FALSE(b.spooled());
    CHECK(b.memory() == "hello world");
    CHECK(b.size() == 11);
}

TEST_CASE("conn body: bodies over the limit are spooled and read back exactly", "[worker][body]") {
    RequestBody b(8);
    std::string all;
    for (int i = 0; i < 100; ++i) {
        std::string piece = "line " + std::to_string(i) + "\n";
        REQUIRE_FALSE(b.append(piece));
        all += piece;
    }
    REQUIRE(b.spooled());
    CHECK(b.memory().empty());
    CHECK(b.spool_fd() >= 0);
    CHECK(b.size() == all.size());

    BodyReader r(b);
    std::string line;
    std::error_code ec;
    r.readline(line, 1000, ec);
    CHECK(line == "line 0\n");
    std::string rest(all.size(), '\0');
    auto n = r.read(rest.data(), rest.size(), ec);
    CHECK_FALSE(ec);
    rest.resize(n);
    CHECK(line + rest == all);
    char c;
    CHECK(r.read(&c, 1, ec) == 0);  // EOF is exact
}

TEST_CASE("conn body: readline honours its limit and the body end", "[worker][body]") {
    RequestBody b;
    REQUIRE_FALSE(b.append("abcdef\nxyz"));
    BodyReader r(b);
    std::error_code ec;
    std::string out;
    r.readline(out, 3, ec);
    CHECK(out == "abc");
    out.clear();
    r.readline(out, 100, ec);
    CHECK(out == "def\n");
    out.clear();
    r.readline(out, 100, ec);
    CHECK(out == "xyz");
    CHECK(r.remaining() == 0);
}

TEST_CASE("conn body: reset empties the body and drops the spool file", "[worker][body]") {
    RequestBody b(4);
    REQUIRE_FALSE(b.append("0123456789"));
    REQUIRE(b.spooled());
    b.reset();
    CHECK_FALSE(b.spooled());
    CHECK(b.size() == 0);
    REQUIRE_FALSE(b.append("ab"));
    CHECK(b.memory() == "ab");
}

TEST_CASE("conn body: bodies share the worker's memory budget; past it they are spooled",
          "[worker][body]") {
    paasrun::worker::BodyMemoryBudget budget(100);
    std::string sixty(60, 'x');
    {
        RequestBody a(1000, RequestBody::default_spool_dir(), budget);
        RequestBody b(1000, RequestBody::default_spool_dir(), budget);
        REQUIRE_FALSE(a.append(sixty));
        CHECK_FALSE(a.spooled());
        CHECK(budget.in_use() == 60);
        REQUIRE_FALSE(b.append(sixty));  // 120 > 100: b goes to disk although it is small
        CHECK(b.spooled());
        CHECK(budget.in_use() == 60);
        std::error_code ec;
        char buf[64];
        CHECK(b.read_at(0, buf, sizeof buf, ec) == 60);
        CHECK(std::string(buf, 60) == sixty);

        a.reset();  // a finished: its bytes are free again
        CHECK(budget.in_use() == 0);
        b.reset();
        REQUIRE_FALSE(b.append(sixty));
        CHECK_FALSE(b.spooled());
        CHECK(budget.in_use() == 60);

        // Growing past the budget mid-body spools what was in memory and gives it back.
        REQUIRE_FALSE(b.append(sixty));
        CHECK(b.spooled());
        CHECK(budget.in_use() == 0);
        CHECK(b.size() == 120);
        REQUIRE_FALSE(a.append(sixty));
        CHECK(budget.in_use() == 60);
    }
    CHECK(budget.in_use() == 0);  // destruction releases too
}
