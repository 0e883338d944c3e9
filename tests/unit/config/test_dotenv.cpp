#include <catch2/catch.hpp>

#include "config/dotenv.hpp"

using namespace paasrun;
using namespace paasrun::config;
using namespace std::string_view_literals;

namespace {

// The single value of a one-line .env, or the error text.
std::string value_of(std::string_view text) {
    auto r = parse_dotenv(text);
    if (!r) return "ERROR " + r.error().describe();
    REQUIRE(r->size() == 1);
    return r->front().second;
}

}  // namespace

TEST_CASE("dotenv: KEY=VALUE pairs in file order", "[config][dotenv]") {
    auto r = parse_dotenv("A=1\nB=two\n_c.d-e=3\n");
    REQUIRE(r);
    REQUIRE(r->size() == 3);
    CHECK((*r)[0] == std::pair<std::string, std::string>{"A", "1"});
    CHECK((*r)[1] == std::pair<std::string, std::string>{"B", "two"});
    CHECK((*r)[2] == std::pair<std::string, std::string>{"_c.d-e", "3"});
}

TEST_CASE("dotenv: comments, blank lines, CRLF and a BOM", "[config][dotenv]") {
    auto r = parse_dotenv("\xEF\xBB\xBF# top\r\n\r\n   # indented\r\nA=1\r\n\t\r\nB=2");
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].second == "1");
    CHECK((*r)[1].second == "2");
}

TEST_CASE("dotenv: the export prefix is accepted", "[config][dotenv]") {
    auto r = parse_dotenv("export A=1\nexport\t B=2\nexport=3\nexporter=4\n");
    REQUIRE(r);
    REQUIRE(r->size() == 4);
    CHECK((*r)[0].first == "A");
    CHECK((*r)[1].first == "B");
    CHECK((*r)[2].first == "export");
    CHECK((*r)[3].first == "exporter");
}

TEST_CASE("dotenv: whitespace around '=' and unquoted values is trimmed", "[config][dotenv]") {
    CHECK(value_of("  KEY  =   some value  \t") == "some value");
    CHECK(value_of("KEY=") == "");
    CHECK(value_of("KEY=   ") == "");
}

TEST_CASE("dotenv: trailing comments on unquoted values", "[config][dotenv]") {
    CHECK(value_of("KEY=value # comment") == "value");
    CHECK(value_of("KEY=value\t#comment") == "value");
    CHECK(value_of("KEY= # only a comment") == "");
    CHECK(value_of("URL=http://h/#top") == "http://h/#top");
    CHECK(value_of("KEY=#notacomment") == "#notacomment");
}

TEST_CASE("dotenv: single quotes are literal", "[config][dotenv]") {
    CHECK(value_of(R"(RAW='no $escapes\n here')") == R"(no $escapes\n here)");
    CHECK(value_of("RAW='  spaced  '  # c") == "  spaced  ");
    CHECK(value_of("RAW='a \"b\" # c'") == "a \"b\" # c");
    CHECK(value_of("RAW=''") == "");
}

TEST_CASE("dotenv: double quotes understand escapes", "[config][dotenv]") {
    CHECK(value_of(R"(G="hello\nworld")") == "hello\nworld");
    CHECK(value_of(R"(G="a\tb\rc")") == "a\tb\rc");
    CHECK(value_of(R"(G="say \"hi\"")") == "say \"hi\"");
    CHECK(value_of(R"(G="back\\slash")") == "back\\slash");
    CHECK(value_of(R"(G="\$HOME")") == "$HOME");
    CHECK(value_of(R"(G="C:\dir\x")") == R"(C:\dir\x)");
    CHECK(value_of(R"(G="# not a comment" # a comment)") == "# not a comment");
    CHECK(value_of(R"(G="")") == "");
}

TEST_CASE("dotenv: no interpolation of $VARS", "[config][dotenv]") {
    CHECK(value_of("A=$HOME/x") == "$HOME/x");
    CHECK(value_of("A=\"${HOME}\"") == "${HOME}");
}

TEST_CASE("dotenv: double-quoted values may span lines", "[config][dotenv]") {
    auto r = parse_dotenv("KEY=\"-----BEGIN-----\nabc\r\n-----END-----\"\nNEXT=1\n");
    REQUIRE(r);
    REQUIRE(r->size() == 2);
    CHECK((*r)[0].second == "-----BEGIN-----\nabc\n-----END-----");
    CHECK((*r)[1] == std::pair<std::string, std::string>{"NEXT", "1"});
}

TEST_CASE("dotenv: positions after a multi-line value stay exact", "[config][dotenv]") {
    auto r = parse_dotenv("A=\"x\ny\nz\"\n  B C=1\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 4);
    CHECK(r.error().where.column == 5);
}

TEST_CASE("dotenv: a later duplicate key wins in to_map", "[config][dotenv]") {
    auto r = parse_dotenv("A=1\nB=2\nA=3\n");
    REQUIRE(r);
    CHECK(r->size() == 3);
    auto m = to_map(*r);
    CHECK(m.size() == 2);
    CHECK(m["A"] == "3");
}

TEST_CASE("dotenv: an unterminated double quote names where it opened", "[config][dotenv]") {
    auto r = parse_dotenv("A=1\nB = \"never closed\nC=2\n", "app/.env");
    REQUIRE_FALSE(r);
    CHECK(r.error().describe() ==
          "app/.env:2:5: unterminated double-quoted value (no closing '\"')");
}

TEST_CASE("dotenv: an unterminated single quote is an error", "[config][dotenv]") {
    auto r = parse_dotenv("A='open\nB=1'\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 1);
    CHECK(r.error().where.column == 3);
}

TEST_CASE("dotenv: text after a closing quote is an error", "[config][dotenv]") {
    auto r = parse_dotenv("A=\"x\" y\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.column == 7);
    CHECK(r.error().message == "unexpected text after the closing quote");
}

TEST_CASE("dotenv: a line without '=' is an error", "[config][dotenv]") {
    auto r = parse_dotenv("A=1\nJUSTAKEY\n");
    REQUIRE_FALSE(r);
    CHECK(r.error().describe() == ".env:2:9: expected '=' after variable name \"JUSTAKEY\"");

    auto spaced = parse_dotenv("export KEY value\n");
    REQUIRE_FALSE(spaced);
    CHECK(spaced.error().where.column == 12);
}

TEST_CASE("dotenv: invalid variable names point at the character", "[config][dotenv]") {
    auto digit = parse_dotenv("1A=x\n");
    REQUIRE_FALSE(digit);
    CHECK(digit.error().where.column == 1);
    CHECK(digit.error().message == "invalid character '1' in variable name");

    auto slash = parse_dotenv("  A/B=x\n");
    REQUIRE_FALSE(slash);
    CHECK(slash.error().where.column == 4);

    auto empty = parse_dotenv("=x\n");
    REQUIRE_FALSE(empty);
    CHECK(empty.error().message == "expected KEY=VALUE (missing variable name)");
}

TEST_CASE("dotenv: NUL bytes in values are errors", "[config][dotenv]") {
    auto r = parse_dotenv("A=a\0b\n"sv);
    REQUIRE_FALSE(r);
    CHECK(r.error().where.column == 4);
    CHECK_FALSE(parse_dotenv("A=\"a\0b\"\n"sv));
    CHECK_FALSE(parse_dotenv("A='a\0b'\n"sv));
}

TEST_CASE("dotenv: check collects every error, parse stops at the first", "[config][dotenv]") {
    std::string_view text = "A=1\nno equals\nB='x\nC=\"ok\" junk\nD=2\nE=\"open\n";
    auto errs = check_dotenv(text);
    REQUIRE(errs.size() == 4);
    CHECK(errs[0].where.line == 2);
    CHECK(errs[1].where.line == 3);
    CHECK(errs[2].where.line == 4);
    CHECK(errs[3].where.line == 6);
    auto r = parse_dotenv(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().where.line == 2);
}

TEST_CASE("dotenv: load_dotenv treats a missing file as empty", "[config][dotenv]") {
    auto missing = load_dotenv(PAASRUN_FIXTURES "/config/no-such-dir/.env");
    REQUIRE(missing);
    CHECK(missing->empty());

    auto good = load_dotenv(PAASRUN_FIXTURES "/config/good/.env");
    REQUIRE(good);
    auto m = to_map(*good);
    CHECK(m["GREETING"] == "hello\nworld");

    auto bad = load_dotenv(PAASRUN_FIXTURES "/config/bad/.env");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where.file == PAASRUN_FIXTURES "/config/bad/.env");
}
