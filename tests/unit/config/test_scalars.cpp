#include <catch2/catch.hpp>

#include "config/scalars.hpp"

using namespace paasrun::config;

TEST_CASE("scalars: integers are plain decimals", "[config][scalars]") {
    CHECK(parse_integer("42") == 42);
    CHECK(parse_integer("-1") == -1);
    CHECK(parse_integer("+7") == 7);
    CHECK_FALSE(parse_integer(""));
    CHECK_FALSE(parse_integer("+"));
    CHECK_FALSE(parse_integer("+-1"));
    CHECK_FALSE(parse_integer("1.5"));
    CHECK_FALSE(parse_integer(" 1"));
    CHECK_FALSE(parse_integer("0x10"));
    CHECK_FALSE(parse_integer("99999999999999999999"));
}

TEST_CASE("scalars: numbers are finite decimals", "[config][scalars]") {
    CHECK(parse_number("2.5") == 2.5);
    CHECK(parse_number("1e3") == 1000);
    CHECK_FALSE(parse_number("inf"));
    CHECK_FALSE(parse_number("nan"));
    CHECK_FALSE(parse_number("0x1p3"));
    CHECK_FALSE(parse_number("1e999"));
}

TEST_CASE("scalars: durations take seconds or a unit", "[config][scalars]") {
    CHECK(parse_duration("30") == 30);
    CHECK(parse_duration("0.5") == 0.5);
    CHECK(parse_duration("500ms") == Approx(0.5));
    CHECK(parse_duration("30s") == 30);
    CHECK(parse_duration("2m") == 120);
    CHECK(parse_duration("1.5 h") == 5400);
    CHECK(parse_duration("10S") == 10);
    CHECK_FALSE(parse_duration("10d"));
    CHECK_FALSE(parse_duration("s"));
    CHECK_FALSE(parse_duration("ten"));
}

TEST_CASE("scalars: sizes take bytes or a 1024-based unit", "[config][scalars]") {
    CHECK(parse_size("100") == 100);
    CHECK(parse_size("512K") == 512 * 1024);
    CHECK(parse_size("10MB") == 10LL * 1024 * 1024);
    CHECK(parse_size("10 mib") == 10LL * 1024 * 1024);
    CHECK(parse_size("1GiB") == 1LL << 30);
    CHECK(parse_size("1.5K") == 1536);
    CHECK(parse_size("7b") == 7);
    CHECK_FALSE(parse_size("1.3"));
    CHECK_FALSE(parse_size("10TB"));
    CHECK_FALSE(parse_size("9999999999999G"));
    CHECK_FALSE(parse_size("MB"));
}
