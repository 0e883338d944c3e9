#include <catch2/catch.hpp>

#include "util/ignore_rules.hpp"

using paasrun::glob_match;
using paasrun::IgnoreRules;

TEST_CASE("ignore rules: a name without a slash matches at any depth", "[build][ignore]") {
    IgnoreRules r("# comment\n\n*.log\ndocs\n");
    CHECK(r.excluded("a.log", false));
    CHECK(r.excluded("x/y/a.log", false));
    CHECK(r.excluded("docs", true));
    CHECK(r.excluded("src/docs", true));
    CHECK_FALSE(r.excluded("a.logx", false));
    CHECK_FALSE(r.excluded("# comment", false));
}

TEST_CASE("ignore rules: a leading or inner slash anchors to the top", "[build][ignore]") {
    IgnoreRules r("/tests\nsrc/*.tmp\n");
    CHECK(r.excluded("tests", true));
    CHECK_FALSE(r.excluded("app/tests", true));
    CHECK(r.excluded("src/a.tmp", false));
    CHECK_FALSE(r.excluded("x/src/a.tmp", false));
    CHECK_FALSE(r.excluded("src/sub/a.tmp", false));  // `*` does not cross '/'
}

TEST_CASE("ignore rules: a trailing slash matches directories only", "[build][ignore]") {
    IgnoreRules r("build/\n");
    CHECK(r.excluded("build", true));
    CHECK_FALSE(r.excluded("build", false));
}

TEST_CASE("ignore rules: negation, last match wins", "[build][ignore]") {
    IgnoreRules r("*.md\n!README.md\n");
    CHECK(r.excluded("CHANGES.md", false));
    CHECK_FALSE(r.excluded("README.md", false));
    IgnoreRules again("!README.md\n*.md\n");
    CHECK(again.excluded("README.md", false));
}

TEST_CASE("ignore rules: ** spans directories", "[build][ignore]") {
    CHECK(glob_match("**/x", "x"));
    CHECK(glob_match("**/x", "a/b/x"));
    CHECK(glob_match("a/**/b", "a/b"));
    CHECK(glob_match("a/**/b", "a/1/2/b"));
    CHECK(glob_match("a/**", "a/1/2"));
    CHECK_FALSE(glob_match("a/**/b", "x/a/b"));
    IgnoreRules r("fixtures/**/*.bin\n");
    CHECK(r.excluded("fixtures/big/data.bin", false));
    CHECK_FALSE(r.excluded("other/data.bin", false));
}

TEST_CASE("ignore rules: escapes, classes and CRLF", "[build][ignore]") {
    IgnoreRules r("\\#notes\r\n\\!bang\r\nfile[0-9].txt   \r\n");
    CHECK(r.excluded("#notes", false));
    CHECK(r.excluded("!bang", false));
    CHECK(r.excluded("file7.txt", false));
    CHECK_FALSE(r.excluded("filex.txt", false));
}
