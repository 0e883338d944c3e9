#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "process/line_splitter.hpp"

using paasrun::process::LineSplitter;

namespace {

struct Collect {
    std::vector<std::string> lines;
    LineSplitter::Emit emit() {
        return [this](std::string_view l) { lines.emplace_back(l); };
    }
};

}  // namespace

TEST_CASE("line splitter: whole lines in one chunk", "[supervisor][lines]") {
    LineSplitter s;
    Collect c;
    s.feed("one\ntwo\nthree\n", c.emit());
    CHECK(c.lines == std::vector<std::string>{"one", "two", "three"});
    CHECK(s.pending() == 0);
}

TEST_CASE("line splitter: a partial line is held until its newline", "[supervisor][lines]") {
    LineSplitter s;
    Collect c;
    s.feed("hel", c.emit());
    CHECK(c.lines.empty());
    s.feed("lo wo", c.emit());
    CHECK(c.lines.empty());
    s.feed("rld\nnext", c.emit());
    CHECK(c.lines == std::vector<std::string>{"hello world"});
    CHECK(s.pending() == 4);
}

TEST_CASE("line splitter: byte-by-byte input gives the same lines", "[supervisor][lines]") {
    std::string text = "alpha\r\nbeta\n\ngamma\n";
    LineSplitter s;
    Collect c;
    for (char ch : text) s.feed(std::string_view(&ch, 1), c.emit());
    CHECK(c.lines == std::vector<std::string>{"alpha", "beta", "", "gamma"});
}

TEST_CASE("line splitter: CRLF loses the CR", "[supervisor][lines]") {
    LineSplitter s;
    Collect c;
    s.feed("a\r\nb\r", c.emit());
    s.feed("\n", c.emit());
    CHECK(c.lines == std::vector<std::string>{"a", "b"});
}

TEST_CASE("line splitter: finish() emits the unterminated tail once", "[supervisor][lines]") {
    LineSplitter s;
    Collect c;
    s.feed("done\nno newline", c.emit());
    s.finish(c.emit());
    s.finish(c.emit());
    CHECK(c.lines == std::vector<std::string>{"done", "no newline"});
}

TEST_CASE("line splitter: overlong lines are cut at the cap", "[supervisor][lines]") {
    LineSplitter s(8);
    Collect c;
    s.feed("0123456789abcdefXY\nok\n", c.emit());
    CHECK(c.lines == std::vector<std::string>{"01234567", "89abcdef", "XY", "ok"});
}

TEST_CASE("line splitter: a line exactly at the cap is one line", "[supervisor][lines]") {
    LineSplitter s(8);
    Collect c;
    s.feed("01234567", c.emit());
    s.feed("\nz\n", c.emit());
    CHECK(c.lines == std::vector<std::string>{"01234567", "z"});
}

TEST_CASE("line splitter: held bytes never exceed the cap", "[supervisor][lines]") {
    LineSplitter s(16);
    Collect c;
    for (int i = 0; i < 100; ++i) {
        s.feed("abc", c.emit());
        CHECK(s.pending() <= 16);
    }
    std::size_t total = 0;
    for (const auto& l : c.lines) {
        CHECK(l.size() == 16);
        total += l.size();
    }
    CHECK(total + s.pending() == 300);
}
