// Proxy headers and SERVER_NAME/PORT: pure functions, tested with strings.
#include <catch2/catch.hpp>

#include "http/request_parser.hpp"
#include "worker/connection_forwarded.hpp"

using namespace paasrun;
using namespace paasrun::worker;

namespace {
http::Request parse(std::string_view raw) {
    http::Request r;
    auto res = http::parse_request_head(raw, r);
    REQUIRE(res.status == http::ParseStatus::complete);
    return r;
}
}  // namespace

TEST_CASE("conn forwarded: X-Forwarded-For takes the rightmost untrusted address",
          "[worker][forwarded]") {
    static const std::string raw =
        "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.9, 10.0.0.2\r\n"
        "X-Forwarded-Proto: http, https\r\nX-Forwarded-Host: shop.example:8443\r\n\r\n";
    auto req = parse(raw);
    auto trusted = http::CidrList::parse("10.0.0.0/8").value();
    RequestInfo info;
    info.remote_addr = "10.0.0.1";
    std::string storage;
    apply_forwarded(req, trusted, storage, info);
    CHECK(info.remote_addr == "203.0.113.9");
    CHECK(info.url_scheme == "https");
    CHECK(info.host == "shop.example:8443");
}

TEST_CASE("conn forwarded: garbage values are ignored", "[worker][forwarded]") {
    static const std::string raw =
        "GET / HTTP/1.1\r\nHost: orig\r\nX-Forwarded-For: not-an-ip\r\nX-Forwarded-Proto: "
        "gopher\r\n"
        "X-Forwarded-Host: bad host\r\n\r\n";
    auto req = parse(raw);
    auto trusted = http::CidrList::parse("*").value();
    RequestInfo info;
    info.remote_addr = "127.0.0.1";
    info.host = "orig";
    std::string storage;
    apply_forwarded(req, trusted, storage, info);
    CHECK(info.remote_addr == "127.0.0.1");
    CHECK(info.url_scheme == "http");
    CHECK(info.host == "orig");
}

TEST_CASE("conn forwarded: SERVER_NAME and SERVER_PORT from the host", "[worker][forwarded]") {
    std::string_view name;
    std::uint16_t port = 0;
    split_host("example.com:8080", "http", "0.0.0.0", 9, name, port);
    CHECK((name == "example.com" && port == 8080));
    split_host("example.com", "https", "0.0.0.0", 9, name, port);
    CHECK((name == "example.com" && port == 443));
    split_host("[::1]:81", "http", "0.0.0.0", 9, name, port);
    CHECK((name == "[::1]" && port == 81));
    split_host("", "http", "127.0.0.1", 9000, name, port);
    CHECK((name == "127.0.0.1" && port == 9000));
}
