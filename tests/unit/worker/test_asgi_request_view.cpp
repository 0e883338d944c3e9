// fill_request_view: what the ASGI websocket scope is built from (worker/asgi_request_view.hpp).
#include <catch2/catch.hpp>

#include "http/request_parser.hpp"
#include "worker/asgi_request_view.hpp"

using namespace paasrun;
using namespace paasrun::worker;

TEST_CASE("asgi request view: fields, the effective Host, client and server", "[worker][asgi]") {
    static const std::string raw =
        "GET /chat/room%201?x=1 HTTP/1.1\r\nHost: inner:8000\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nX-Thing: a\r\n\r\n";
    http::Request req;
    REQUIRE(http::parse_request_head(raw, req).status == http::ParseStatus::complete);
    RequestInfo info;
    info.head = &req;
    info.host = "shop.example";  // e.g. a trusted X-Forwarded-Host
    info.url_scheme = "https";
    info.remote_addr = "203.0.113.9";
    info.remote_port = 5555;
    info.local_addr = "127.0.0.1";
    info.local_port = 8000;
    info.script_name = "/app";
    info.request_id = "rid";
    std::vector<wsgi::Header> headers;
    asgi::RequestView view;
    fill_request_view(info, headers, view);
    CHECK(view.method == "GET");
    CHECK(view.raw_path == "/chat/room%201");
    CHECK(view.query == "x=1");
    CHECK_FALSE(view.http10);
    CHECK(view.scheme == "https");
    CHECK(view.client_host == "203.0.113.9");
    CHECK(view.client_port == 5555);
    CHECK(view.server_host == "127.0.0.1");
    CHECK(view.server_port == 8000);
    CHECK(view.root_path == "/app");
    CHECK(view.request_id == "rid");
    REQUIRE(view.headers.size() == 5);
    CHECK(view.headers[0].name == "Host");
    CHECK(view.headers[0].value == "shop.example");  // the effective host, in its place
    CHECK(view.headers[3].name == "X-Thing");
    CHECK(view.headers[4].name == "x-request-id");  // none sent: the front end's, added
    CHECK(view.headers[4].value == "rid");
}

TEST_CASE("asgi request view: X-Request-Id is the front end's, once", "[worker][asgi]") {
    // The client's (a kept valid one, or an invalid one the front end replaced) is in its
    // place with the front end's value; a second one is dropped, as WSGI's environ has one.
    static const std::string raw =
        "GET /x HTTP/1.1\r\nHost: h\r\nX-Request-Id: bad id\r\nA: 1\r\n"
        "x-request-id: another\r\n\r\n";
    http::Request req;
    REQUIRE(http::parse_request_head(raw, req).status == http::ParseStatus::complete);
    RequestInfo info;
    info.head = &req;
    info.host = "h";
    info.request_id = "0123456789abcdef0123456789abcdef";
    std::vector<wsgi::Header> headers;
    asgi::RequestView view;
    fill_request_view(info, headers, view);
    REQUIRE(view.headers.size() == 3);
    CHECK(view.headers[1].name == "X-Request-Id");
    CHECK(view.headers[1].value == "0123456789abcdef0123456789abcdef");
    CHECK(view.headers[2].name == "A");
}

TEST_CASE("asgi request view: a request without Host gets the effective one", "[worker][asgi]") {
    static const std::string raw = "GET /x HTTP/1.0\r\nAccept: */*\r\n\r\n";
    http::Request req;
    REQUIRE(http::parse_request_head(raw, req).status == http::ParseStatus::complete);
    RequestInfo info;
    info.head = &req;
    info.host = "trusted.example";  // a trusted X-Forwarded-Host, say
    std::vector<wsgi::Header> headers;
    asgi::RequestView view;
    fill_request_view(info, headers, view);
    CHECK(view.http10);
    REQUIRE(view.headers.size() == 2);  // no request id in `info`: none added
    CHECK(view.headers[1].name == "host");
    CHECK(view.headers[1].value == "trusted.example");
}
