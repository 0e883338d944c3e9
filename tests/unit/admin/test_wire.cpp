// admin/wire: the strict parser's head as an ApiRequest, and the front end's own responses.
#include <catch2/catch.hpp>
#include <string>

#include "admin/bind_address.hpp"
#include "admin/wire.hpp"
#include "http/request_parser.hpp"

using namespace paasrun;
using namespace paasrun::admin;

namespace {

http::Request parse(const std::string& head) {
    http::Request r;
    auto res = http::parse_request_head(head, r);
    REQUIRE(res.status == http::ParseStatus::complete);
    return r;
}

}  // namespace

TEST_CASE("admin wire: a parsed head becomes an ApiRequest", "[admin][wire]") {
    std::string head =
        "PATCH /v1/con%66ig?tail=10&q=a+b%21&flag HTTP/1.1\r\nHost: x\r\nauthorization: Bearer "
        "t\r\n"
        "Content-Type: application/json\r\nAccept: text/plain\r\nContent-Length: 2\r\n\r\n";
    auto h = parse(head);
    auto r = to_api_request(h);
    CHECK(r.method == "PATCH");
    CHECK(r.path == "/v1/config");
    CHECK(r.query.size() == 3);
    CHECK(r.query.find("tail")->second == "10");
    CHECK(r.query.find("q")->second == "a b!");
    CHECK(r.query.find("flag")->second.empty());
    CHECK(r.authorization == "Bearer t");
    CHECK(r.content_type == "application/json");
    CHECK(r.accept == "text/plain");
    REQUIRE(r.content_length);
    CHECK(*r.content_length == 2);
    CHECK_FALSE(r.chunked);

    auto none = to_api_request(parse("GET /livez HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK_FALSE(none.content_length);
    auto zero =
        to_api_request(parse("POST /v1/rollback HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    REQUIRE(zero.content_length);
    CHECK(*zero.content_length == 0);
    CHECK(to_api_request(
              parse("POST /v1/releases HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"))
              .chunked);
}

TEST_CASE("admin wire: fields are counted case-insensitively", "[admin][wire]") {
    // The parsed request views the head's bytes: keep them alive while it is used.
    const std::string head =
        "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: a\r\nX: 1\r\nAUTHORIZATION: b\r\n\r\n";
    auto h = parse(head);
    CHECK(count_fields(h, "authorization") == 2);
    CHECK(count_fields(h, "x") == 1);
    CHECK(count_fields(h, "host") == 1);
    CHECK(count_fields(h, "cookie") == 0);
}

TEST_CASE("admin wire: responses", "[admin][wire]") {
    auto e = error_response(401, "unauthorized", "no");
    e.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"paasrun\"");
    auto keep = render_response(e, false, false);
    CHECK(keep.starts_with(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: " +
        std::to_string(e.body.size()) + "\r\n"));
    CHECK(keep.find("WWW-Authenticate: Bearer realm=\"paasrun\"\r\n") != std::string::npos);
    CHECK(keep.find("Connection: close") == std::string::npos);
    CHECK(keep.ends_with("\r\n\r\n" + e.body));

    auto head = render_response(e, true, true);
    CHECK(head.find("Connection: close\r\n") != std::string::npos);
    CHECK(head.find("Content-Length: " + std::to_string(e.body.size())) != std::string::npos);
    CHECK(head.ends_with("\r\n\r\n"));
}

TEST_CASE("admin bind: loopback addresses", "[admin][bind]") {
    CHECK(is_loopback_address("127.0.0.1:8080"));
    CHECK(is_loopback_address("127.3.4.5:0"));
    CHECK(is_loopback_address("[::1]:8080"));
    CHECK(is_loopback_address("[::ffff:127.0.0.1]:1"));
    CHECK_FALSE(is_loopback_address("0.0.0.0:8080"));
    CHECK_FALSE(is_loopback_address("[::]:8080"));
    CHECK_FALSE(is_loopback_address("10.0.0.1:8080"));
    CHECK_FALSE(is_loopback_address("unix:/tmp/a.sock"));
    CHECK_FALSE(is_loopback_address("localhost:80"));
}
