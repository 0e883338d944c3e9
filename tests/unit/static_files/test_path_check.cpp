#include <catch2/catch.hpp>

#include "static_files/path_check.hpp"

using namespace paasrun::static_files;

namespace {
PathVerdict verdict(std::string_view raw, bool dotfiles = false) {
    return check_relative_path(raw, dotfiles).verdict;
}
}  // namespace

TEST_CASE("path: plain names are decoded once", "[static][path]") {
    auto p = check_relative_path("css/app.css", false);
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.rel == "css/app.css");
    CHECK_FALSE(p.wants_index);

    p = check_relative_path("nonascii%E2%9C%93.txt", false);
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.rel == "nonascii\xE2\x9C\x93.txt");

    p = check_relative_path("%252e%252e/x", false);  // once: "%2e%2e" is a plain name
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.rel == "%2e%2e/x");

    p = check_relative_path("a+b%20c", false);  // '+' is not a space in a path
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.rel == "a+b c");
}

TEST_CASE("path: directories ask for an index", "[static][path]") {
    auto p = check_relative_path("", false);
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.wants_index);
    CHECK(p.rel.empty());

    p = check_relative_path("with-index/", false);
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.wants_index);
    CHECK(p.rel == "with-index");
}

TEST_CASE("path: refusals", "[static][path]") {
    CHECK(verdict("..") == PathVerdict::dot_segment);
    CHECK(verdict("../etc/passwd") == PathVerdict::dot_segment);
    CHECK(verdict("a/../../b") == PathVerdict::dot_segment);
    CHECK(verdict("%2e%2e/x") == PathVerdict::dot_segment);
    CHECK(verdict("%2E%2E/x") == PathVerdict::dot_segment);
    CHECK(verdict("./x") == PathVerdict::dot_segment);
    CHECK(verdict("a/.") == PathVerdict::dot_segment);
    CHECK(verdict("a/./") == PathVerdict::dot_segment);
    CHECK(verdict("..%2fx") == PathVerdict::encoded_slash);
    CHECK(verdict("a%2Fb") == PathVerdict::encoded_slash);
    CHECK(verdict("a%00.js") == PathVerdict::control_byte);
    CHECK(verdict("a%0a.js") == PathVerdict::control_byte);
    CHECK(verdict("a%7f") == PathVerdict::control_byte);
    CHECK(verdict("..\\x") == PathVerdict::backslash);
    CHECK(verdict("a%5cb") == PathVerdict::backslash);
    CHECK(verdict("C:/windows/win.ini") == PathVerdict::drive_letter);
    CHECK(verdict("a/c:foo") == PathVerdict::drive_letter);
    CHECK(verdict("C%3a/x") == PathVerdict::drive_letter);
    CHECK(verdict("a//b") == PathVerdict::empty_segment);
    CHECK(verdict("/etc/passwd") == PathVerdict::empty_segment);
    CHECK(verdict("a//") == PathVerdict::empty_segment);
    CHECK(verdict("/") == PathVerdict::empty_segment);
    CHECK(verdict("%") == PathVerdict::malformed_escape);
    CHECK(verdict("a%zz") == PathVerdict::malformed_escape);
    CHECK(verdict("a%2") == PathVerdict::malformed_escape);
    CHECK(verdict(std::string(300, 'a')) == PathVerdict::too_long);
    CHECK(verdict(std::string(5000, 'a') + "/") == PathVerdict::too_long);
    std::string long_path;
    for (int i = 0; i < 1000; ++i) long_path += "abcd/";
    CHECK(verdict(long_path + "x") == PathVerdict::too_long);
    CHECK(verdict(std::string(20000, '%')) == PathVerdict::too_long);
}

TEST_CASE("path: dotfiles hidden unless allowed; . and .. never", "[static][path]") {
    CHECK(verdict(".env") == PathVerdict::dotfile);
    CHECK(verdict("a/.git/config") == PathVerdict::dotfile);
    CHECK(verdict("%2eenv") == PathVerdict::dotfile);
    CHECK(verdict(".well-known/x", true) == PathVerdict::ok);
    CHECK(verdict("..", true) == PathVerdict::dot_segment);
    CHECK(verdict(".", true) == PathVerdict::dot_segment);
}

TEST_CASE("path: overlong UTF-8 and raw high bytes are names, not separators", "[static][path]") {
    auto p = check_relative_path("%c0%ae%c0%ae/x", false);  // overlong "..": just bytes
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.rel == "\xc0\xae\xc0\xae/x");
    p = check_relative_path("%c0%af", false);  // overlong "/"
    REQUIRE(p.verdict == PathVerdict::ok);
    CHECK(p.rel.find('/') == std::string::npos);
    CHECK(verdict("\xff\xfe") == PathVerdict::ok);
}
