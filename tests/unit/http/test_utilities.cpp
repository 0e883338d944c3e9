// Small helpers: percent-decoding, CIDR lists, request ids, access-log lines.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>

#include "http/access_log.hpp"
#include "http/cidr.hpp"
#include "http/percent.hpp"
#include "http/request_id.hpp"

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
