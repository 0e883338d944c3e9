// Small helpers: percent-decoding, CIDR lists, request ids, access-log lines.
#include <catch2/catch.hpp>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "http/access_log.hpp"
#include "http/cidr.hpp"
#include "http/percent.hpp"
#include "http/request_id.hpp"
#include "util/log_fields.hpp"

using namespace paasrun::http;

TEST_CASE("percent: decodes to bytes and reports what it saw", "[http][percent]") {
    std::string out;
    auto r = percent_decode("/plain/path", out);
    CHECK(out == "/plain/path");
    CHECK_FALSE(r.changed);

    r = percent_decode("/a%20b/%E2%82%ac", out);
    CHECK(out == "/a b/\xe2\x82\xac");
    CHECK(r.changed);
    CHECK_FALSE(r.malformed);

    r = percent_decode("/a+b", out);
    CHECK(out == "/a+b");  // '+' is not a space in a path

    r = percent_decode("/x%00y", out);
    CHECK(out == std::string("/x\0y", 4));
    CHECK(r.nul);

    r = percent_decode("/a%2fb%2F", out);
    CHECK(out == "/a/b/");
    CHECK(r.encoded_slash);

    r = percent_decode("/bad%zz%4", out);
    CHECK(out == "/bad%zz%4");  // kept literally, like urllib.parse.unquote
    CHECK(r.malformed);
    CHECK_FALSE(r.changed);
    r = percent_decode("%", out);
    CHECK(out == "%");
    CHECK(r.malformed);
}

TEST_CASE("cidr: parse and match IPv4, IPv6, mapped addresses and *", "[http][cidr]") {
    auto list = CidrList::parse("127.0.0.1, 10.0.0.0/8,::1 , fd00::/8,192.168.1.128/25");
    REQUIRE(list);
    CHECK(list->contains("127.0.0.1"));
    CHECK_FALSE(list->contains("127.0.0.2"));
    CHECK(list->contains("10.255.1.2"));
    CHECK_FALSE(list->contains("11.0.0.1"));
    CHECK(list->contains("192.168.1.200"));
    CHECK_FALSE(list->contains("192.168.1.127"));
    CHECK(list->contains("::1"));
    CHECK(list->contains("fd12:3456::1"));
    CHECK_FALSE(list->contains("fe80::1"));
    CHECK(list->contains("::ffff:10.1.2.3"));  // a dual-stack socket's view of 10.1.2.3
    CHECK_FALSE(list->contains("::ffff:11.1.2.3"));
    CHECK_FALSE(list->contains("not an ip"));
    CHECK_FALSE(list->contains(""));
    CHECK_FALSE(list->allows_all());

    IpAddress a;
    REQUIRE(parse_ip("10.0.0.1", a));
    CHECK_FALSE(a.v6);
    CHECK(list->contains(a));

    auto all = CidrList::parse("*");
    REQUIRE(all);
    CHECK(all->allows_all());
    CHECK(all->contains("8.8.8.8"));
    CHECK(all->contains("2001:db8::1"));

    auto none = CidrList::parse("");
    REQUIRE(none);
    CHECK(none->empty());
    CHECK_FALSE(none->contains("127.0.0.1"));

    auto zero = CidrList::parse("0.0.0.0/0");
    REQUIRE(zero);
    CHECK(zero->contains("1.2.3.4"));
    CHECK_FALSE(zero->contains("::2"));
}

TEST_CASE("cidr: bad entries are errors that name the entry and column", "[http][cidr]") {
    auto bad = CidrList::parse("127.0.0.1, 10.0.0.1/8");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("10.0.0.1/8") != std::string::npos);
    CHECK(bad.error().where.column == 12);
    CHECK_FALSE(CidrList::parse("1.2.3.4/33"));
    CHECK_FALSE(CidrList::parse("::/129"));
    CHECK_FALSE(CidrList::parse("1.2.3.4/"));
    CHECK_FALSE(CidrList::parse("1.2.3.4/x"));
    CHECK_FALSE(CidrList::parse("1.2.3"));
    CHECK_FALSE(CidrList::parse("localhost"));
    CHECK_FALSE(CidrList::parse("1.2.3.4,,5.6.7.8"));
}

TEST_CASE("request id: Heroku's validation rule and generated ids", "[http][request_id]") {
    CHECK(is_valid_request_id("0123456789abcdefABCD"));
    CHECK(is_valid_request_id("f81d4fae-7dec-11d0-a765-00a0c91e6bf6"));
    CHECK(is_valid_request_id("abc+/=-abc+/=-abc+/=-"));
    CHECK_FALSE(is_valid_request_id("short"));
    CHECK_FALSE(is_valid_request_id(std::string(201, 'a')));
    CHECK(is_valid_request_id(std::string(200, 'a')));
    CHECK_FALSE(is_valid_request_id("0123456789abcdef ABCD"));
    CHECK_FALSE(is_valid_request_id("0123456789abcdef\"ABCD"));
    CHECK_FALSE(is_valid_request_id("0123456789abcdef\nABCD"));

    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        auto id = generate_request_id();
        CHECK(id.size() == kGeneratedIdSize);
        CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
        CHECK(is_valid_request_id(id));
        seen.insert(id);
    }
    CHECK(seen.size() == 100);
    CHECK(request_id_for("f81d4fae-7dec-11d0-a765-00a0c91e6bf6") ==
          "f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    auto replaced = request_id_for("evil id\r\n");
    CHECK(replaced.size() == kGeneratedIdSize);
}

TEST_CASE("access log: logfmt line", "[http][access_log]") {
    AccessLogEntry e;
    e.method = "GET";
    e.path = "/a b";
    e.query = "x=1";
    e.status = 200;
    e.bytes = 12;
    e.duration_ms = 0.4125;
    e.request_id = "0123456789abcdef0123";
    e.remote_addr = "127.0.0.1";
    auto line = format_access_log(AccessLogFormat::logfmt, e);
    CHECK(line.rfind("time=", 0) == 0);
    CHECK(line.find(" at=info component=access msg=request method=GET path=\"/a b\" query=\"x=1\""
                    " status=200 bytes=12 duration_ms=0.412 request_id=0123456789abcdef0123"
                    " remote_addr=127.0.0.1\n") != std::string::npos);
    CHECK(line.back() == '\n');
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);

    e.query = {};
    e.path = "/\xff\r\n\"";  // arbitrary client bytes stay on one line
    line = format_access_log(AccessLogFormat::logfmt, e);
    CHECK(line.find("query=") == std::string::npos);
    CHECK(line.find("path=\"/\\xff\\r\\n\\\"\"") != std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
    CHECK(format_access_log(AccessLogFormat::off, e).empty());
}

// The logfmt line is written straight after util/log's line head (one string, no re-parsing):
// it must stay byte for byte what format_line renders for the same fields, and its
// duration_ms what std::to_chars(fixed, 3) writes (the fast path defers to it near halves).
TEST_CASE("access log: logfmt line equals format_line's rendering, durations to_chars'",
          "[http][access_log]") {
    AccessLogEntry e;
    e.method = "GET";
    e.path = "/caf\xe9 x";
    e.query = "a=\"1\"";
    e.status = 201;
    e.bytes = 123456789;
    e.request_id = "rid";
    e.remote_addr = "10.0.0.1";
    e.protocol = "HTTP/1.0";
    e.host = "example.com";
    e.user_agent = "curl/8 (x)";
    std::vector<double> durations = {0.0,      0.0005,  0.0015, 0.4125, 0.4995, 1.0,      2.5,
                                     999.9995, 12.3456, 1e6,    3e6,    1.5e7,  0.000499, 7.0e-4};
    for (std::uint64_t ns = 0; ns < 3'000'000; ns += 499) durations.push_back(ns / 1e6);
    for (std::uint64_t ns = 999'000'000; ns < 1'001'000'000; ns += 4999)
        durations.push_back(ns / 1e6);
    for (double d : durations) {
        e.duration_ms = d;
        auto line = format_access_log(AccessLogFormat::logfmt, e);
        char buf[400];
        auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed, 3);
        std::string want = " duration_ms=" + std::string(buf, r.ptr) + " request_id=";
        INFO(d);
        REQUIRE(line.find(want) != std::string::npos);
        // Everything after the time stamp, as format_line writes it.
        auto fields = line.substr(line.find(" method=") + 1);
        fields.pop_back();  // '\n'
        auto reference =
            paasrun::log::format_line(paasrun::log::Level::info, "access", "request " + fields);
        auto tail = [](const std::string& s) { return s.substr(s.find(" at=")); };
        REQUIRE(tail(line) == tail(reference));
    }
    // With JSON log lines (--log-format json) the access line is format_line's JSON.
    paasrun::log::set_format(paasrun::log::Format::json);
    e.duration_ms = 1.5;
    e.path = "/cafe x";
    auto json_line = format_access_log(AccessLogFormat::logfmt, e);
    paasrun::log::set_format(paasrun::log::Format::logfmt);
    auto j = nlohmann::json::parse(json_line);
    CHECK(j["component"] == "access");
    CHECK(j["msg"] == "request");
    CHECK(j["duration_ms"] == "1.500");
    CHECK(j["user_agent"] == "curl/8 (x)");
}

TEST_CASE("access log: JSON line parses and keeps bytes as latin-1", "[http][access_log]") {
    AccessLogEntry e;
    e.method = "POST";
    e.path = "/caf\xe9\"\\";
    e.status = 413;
    e.bytes = 0;
    e.duration_ms = 1.5;
    e.request_id = "id";
    e.remote_addr = "::1";
    auto line = format_access_log(AccessLogFormat::json, e);
    REQUIRE(line.back() == '\n');
    auto j = nlohmann::json::parse(line);
    CHECK(j["method"] == "POST");
    CHECK(j["path"] == "/caf\xc3\xa9\"\\");  // U+00E9 as UTF-8 after parsing
    CHECK(j["status"] == 413);
    CHECK(j["bytes"] == 0);
    CHECK(j["duration_ms"] == 1.5);
    CHECK(j["request_id"] == "id");
    CHECK(j["remote_addr"] == "::1");
    CHECK(j["component"] == "access");
    CHECK(j["time"].get<std::string>().size() == 24);
    CHECK_FALSE(j.contains("query"));
}

TEST_CASE("access log: format names", "[http][access_log]") {
    CHECK(*parse_access_log_format("logfmt") == AccessLogFormat::logfmt);
    CHECK(*parse_access_log_format("json") == AccessLogFormat::json);
    CHECK(*parse_access_log_format("-") == AccessLogFormat::off);
    auto bad = parse_access_log_format("xml");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("logfmt, json") != std::string::npos);
}
