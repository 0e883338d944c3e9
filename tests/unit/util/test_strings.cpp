#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>

#include "support/temp_dir.hpp"
#include "util/log.hpp"
#include "util/read_file.hpp"
#include "util/strings.hpp"

using namespace paasrun;

TEST_CASE("strings: trim removes the chosen characters at both ends only", "[util][strings]") {
    CHECK(trim("  a b \t\n") == "a b");
    CHECK(trim("\r\v\fx\f") == "x");
    CHECK(trim("") == "");
    CHECK(trim(" \t\n ") == "");
    CHECK(trim("abc") == "abc");
    // OWS: CR and LF are content, not padding.
    CHECK(trim(" \tv\r\n", kOws) == "v\r\n");
    CHECK(trim("\t \t", kOws) == "");
    CHECK(trim("xxaxx", "x") == "a");
    // The result is a view into the argument, not a copy.
    std::string_view text = "  mid  ";
    CHECK(trim(text).data() == text.data() + 2);
}

TEST_CASE("strings: iequals is ASCII case-insensitive, nothing more", "[util][strings]") {
    CHECK(iequals("Content-Length", "content-length"));
    CHECK(iequals("", ""));
    CHECK(iequals("KEEP-alive", "keep-ALIVE"));
    CHECK_FALSE(iequals("close", "closed"));
    CHECK_FALSE(iequals("a", "b"));
    CHECK_FALSE(iequals("@", "`"));  // 0x40 and 0x60 differ by the case bit but are not letters
    CHECK_FALSE(iequals("[", "{"));
    CHECK_FALSE(iequals("\xc3\x89", "\xc3\xa9"));  // no Unicode folding: É is not é here
    CHECK(ascii_lower('Q') == 'q');
    CHECK(ascii_lower('q') == 'q');
    CHECK(ascii_lower('\xc9') == '\xc9');
}

TEST_CASE("strings: parse_int takes the whole string or nothing", "[util][strings]") {
    CHECK(parse_int<int>("42") == 42);
    CHECK(parse_int<int>("-7") == -7);
    CHECK(parse_int<int>("0") == 0);
    CHECK_FALSE(parse_int<int>(""));
    CHECK_FALSE(parse_int<int>("+5"));
    CHECK_FALSE(parse_int<int>(" 5"));
    CHECK_FALSE(parse_int<int>("5 "));
    CHECK_FALSE(parse_int<int>("5x"));
    CHECK_FALSE(parse_int<int>("0x10"));
    CHECK_FALSE(parse_int<unsigned>("-1"));          // no sign for unsigned types
    CHECK_FALSE(parse_int<std::uint16_t>("65536"));  // out of range is nullopt, not a wrap
    CHECK(parse_int<std::uint16_t>("65535") == 65535);
    CHECK(parse_int<std::uint64_t>("18446744073709551615") == UINT64_MAX);
    CHECK_FALSE(parse_int<std::uint64_t>("18446744073709551616"));
    CHECK(parse_int<long long>("-9223372036854775808") == INT64_MIN);

    int field = 9;
    CHECK(parse_int("12", field));
    CHECK(field == 12);
    CHECK_FALSE(parse_int("13x", field));  // from_chars would have stored 13 here
    CHECK(field == 12);
}

TEST_CASE("read_file: whole contents, or an error naming the path", "[util][read_file]") {
    testing::TempDir dir("read-file");
    auto file = dir.path / "f.bin";
    std::string big(200000, 'x');  // more than one read(2) buffer
    big[3] = '\0';
    big.back() = '\n';
    std::ofstream(file, std::ios::binary) << big;
    auto got = read_file(file);
    REQUIRE(got);
    CHECK(*got == big);

    std::ofstream(dir.path / "empty");
    auto empty = read_file(dir.path / "empty");
    REQUIRE(empty);
    CHECK(empty->empty());

    auto missing = read_file(dir.path / "nope");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().sys_errno == ENOENT);
    CHECK(missing.error().message.find("nope") != std::string::npos);

    auto is_dir = read_file(dir.path);
    REQUIRE_FALSE(is_dir);
    CHECK(is_dir.error().sys_errno == EISDIR);
}

TEST_CASE("log: quote keeps non-ASCII bytes, or escapes them for client data", "[util][log]") {
    CHECK(log::quote("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(log::quote("a=b") == "\"a=b\"");
    CHECK(log::quote("back\\slash") == "\"back\\\\slash\"");
    CHECK(log::quote(std::string_view("nul\0", 4)) == "\"nul\\x00\"");
    CHECK(log::quote("tab\there\r") == "\"tab\\there\\r\"");
    CHECK(log::quote("del\x7f") == "del\x7f");

    using log::NonAscii;
    CHECK(log::quote("/plain/path", NonAscii::escape) == "/plain/path");
    CHECK(log::quote("", NonAscii::escape) == "\"\"");
    CHECK(log::quote("caf\xc3\xa9", NonAscii::escape) == "\"caf\\xc3\\xa9\"");
    CHECK(log::quote("del\x7f", NonAscii::escape) == "\"del\\x7f\"");
    CHECK(log::quote("a \"b\"\n", NonAscii::escape) == "\"a \\\"b\\\"\\n\"");
}
