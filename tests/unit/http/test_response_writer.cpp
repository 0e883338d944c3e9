// Response heads: status line, framing choice, header validation, Date cache, chunk framing.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "http/response_writer.hpp"

using namespace paasrun::http;

namespace {

struct Written {
    ResponseError error;
    std::string head;
    ResponsePlan plan;
};

Written write(ResponseSpec spec) {
    Written w{};
    w.error = write_response_head(spec, w.head, w.plan);
    return w;
}

bool has_line(const std::string& head, std::string_view line) {
    return head.find("\r\n" + std::string(line) + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("response: status line, Server, Date, app headers in order", "[http][response]") {
    std::vector<Header> h = {{"Content-Type", "text/plain"}, {"X-A", "1"}, {"Content-Length", "5"}};
    ResponseSpec spec;
    spec.headers = h;
    auto w = write(spec);
    REQUIRE(w.error == ResponseError::none);
    CHECK(w.head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(w.head.find("Content-Type: text/plain\r\nX-A: 1\r\n") != std::string::npos);
    CHECK(has_line(w.head, "Server: paasrun"));
    CHECK(has_line(w.head, "Date: " + std::string(http_date())));
    CHECK(has_line(w.head, "Content-Length: 5"));
    CHECK(w.head.find("Connection") == std::string::npos);  // 1.1 keep-alive is the default
    CHECK(w.head.substr(w.head.size() - 4) == "\r\n\r\n");
    CHECK(w.plan.framing == ResponseFraming::content_length);
    CHECK(w.plan.content_length == 5);
    CHECK(w.plan.keep_alive);
}

TEST_CASE("response: the app's reason phrase is kept, else the table's", "[http][response]") {
    ResponseSpec spec;
    spec.status = 404;
    spec.body_length = 0;
    CHECK(write(spec).head.rfind("HTTP/1.1 404 Not Found\r\n", 0) == 0);
    spec.reason = "Nope";
    CHECK(write(spec).head.rfind("HTTP/1.1 404 Nope\r\n", 0) == 0);
    spec.status = 599;
    spec.reason = {};
    CHECK(write(spec).head.rfind("HTTP/1.1 599 \r\n", 0) == 0);
    CHECK(reason_phrase(413) == "Content Too Large");
    CHECK(reason_phrase(431) == "Request Header Fields Too Large");
    CHECK(reason_phrase(299).empty());
}

TEST_CASE("response: framing when the length is unknown", "[http][response]") {
    ResponseSpec spec;
    auto w = write(spec);
    CHECK(w.plan.framing == ResponseFraming::chunked);
    CHECK(has_line(w.head, "Transfer-Encoding: chunked"));
    CHECK(w.plan.keep_alive);

    spec.version = Version::http10;
    w = write(spec);
    CHECK(w.plan.framing == ResponseFraming::until_close);
    CHECK_FALSE(w.plan.keep_alive);
    CHECK(has_line(w.head, "Connection: close"));
    CHECK(w.head.find("Transfer-Encoding") == std::string::npos);

    spec.body_length = 12;  // known to the worker: HTTP/1.0 can keep the connection
    w = write(spec);
    CHECK(w.plan.framing == ResponseFraming::content_length);
    CHECK(w.plan.keep_alive);
    CHECK(has_line(w.head, "Connection: keep-alive"));
    CHECK(has_line(w.head, "Content-Length: 12"));

    spec.keep_alive = false;
    w = write(spec);
    CHECK(has_line(w.head, "Connection: close"));
}

TEST_CASE("response: no body for HEAD, 1xx, 204 and 304", "[http][response]") {
    std::vector<Header> cl = {{"Content-Length", "42"}};
    ResponseSpec spec;
    spec.headers = cl;
    spec.head_request = true;
    auto w = write(spec);
    CHECK(w.plan.framing == ResponseFraming::no_body);
    CHECK(has_line(w.head, "Content-Length: 42"));  // what a GET would get
    CHECK(w.plan.keep_alive);

    spec.headers = {};
    spec.body_length = 7;
    CHECK(has_line(write(spec).head, "Content-Length: 7"));
    spec.body_length.reset();
    w = write(spec);
    CHECK(w.head.find("Transfer-Encoding") == std::string::npos);
    CHECK(w.head.find("Content-Length") == std::string::npos);

    for (int status : {204, 304, 101}) {
        ResponseSpec s;
        s.status = status;
        s.headers = cl;
        auto r = write(s);
        INFO(status);
        CHECK(r.plan.framing == ResponseFraming::no_body);
        CHECK(r.head.find("Transfer-Encoding") == std::string::npos);
        // 304 keeps the app's length; 1xx and 204 never carry one (RFC 9110 8.6).
        CHECK((r.head.find("Content-Length") != std::string::npos) == (status == 304));
    }
    CHECK_FALSE(status_allows_body(100));
    CHECK_FALSE(status_allows_body(204));
    CHECK_FALSE(status_allows_body(304));
    CHECK(status_allows_body(200));
}

TEST_CASE("response: app headers are validated (no response splitting)", "[http][response]") {
    auto with = [](std::string_view name, std::string_view value) {
        std::vector<Header> h = {{name, value}};
        ResponseSpec spec;
        spec.headers = h;
        std::string out = "kept";
        ResponsePlan plan;
        auto e = write_response_head(spec, out, plan);
        if (e != ResponseError::none) CHECK(out == "kept");  // nothing appended on error
        return e;
    };
    CHECK(with("X-A", "a\r\nSet-Cookie: evil") == ResponseError::bad_header_value);
    CHECK(with("X-A", "a\nb") == ResponseError::bad_header_value);
    CHECK(with("X-A", "a\rb") == ResponseError::bad_header_value);
    CHECK(with("X-A", std::string_view("a\0b", 3)) == ResponseError::bad_header_value);
    CHECK(with("X-A", "a\x7f") == ResponseError::bad_header_value);
    CHECK(with("X A", "v") == ResponseError::bad_header_name);
    CHECK(with("X:A", "v") == ResponseError::bad_header_name);
    CHECK(with("", "v") == ResponseError::bad_header_name);
    CHECK(with("X-\r\nA", "v") == ResponseError::bad_header_name);
    CHECK(with("Content-Length", "abc") == ResponseError::bad_content_length);
    CHECK(with("X-A", "tab\tand \xe9 ok") == ResponseError::none);

    std::vector<Header> two = {{"Content-Length", "1"}, {"content-length", "2"}};
    ResponseSpec spec;
    spec.headers = two;
    std::string out;
    ResponsePlan plan;
    CHECK(write_response_head(spec, out, plan) == ResponseError::bad_content_length);
    spec.status = 42;
    spec.headers = {};
    CHECK(write_response_head(spec, out, plan) == ResponseError::bad_status);
    spec.status = 200;
    spec.reason = "O\r\nK";
    CHECK(write_response_head(spec, out, plan) == ResponseError::bad_status);
    CHECK(describe(ResponseError::bad_header_value) == "bad_header_value");
}

TEST_CASE("response: hop-by-hop app headers are not forwarded; Connection: close is honoured",
          "[http][response]") {
    std::vector<Header> h = {
        {"Connection", "close"}, {"Keep-Alive", "timeout=5"}, {"Transfer-Encoding", "chunked"},
        {"Upgrade", "h2c"},      {"Server", "app"},           {"Date", "yesterday"}};
    ResponseSpec spec;
    spec.headers = h;
    auto w = write(spec);
    REQUIRE(w.error == ResponseError::none);
    CHECK_FALSE(w.plan.keep_alive);
    CHECK(has_line(w.head, "Connection: close"));
    CHECK(w.head.find("Keep-Alive") == std::string::npos);
    CHECK(w.head.find("Upgrade") == std::string::npos);
    CHECK(w.head.find("Transfer-Encoding: chunked") != std::string::npos);  // ours, once
    CHECK(w.head.find("Transfer-Encoding") == w.head.rfind("Transfer-Encoding"));
    CHECK(has_line(w.head, "Server: app"));
    CHECK(w.head.find("Server: paasrun") == std::string::npos);
    CHECK(has_line(w.head, "Date: yesterday"));
    CHECK(w.head.find("Date:") == w.head.rfind("Date:"));
}

TEST_CASE("response: Trailer is kept only when trailers follow a chunked body",
          "[http][response][trailers]") {
    std::vector<Header> h = {{"Trailer", "x-checksum"}};
    ResponseSpec spec;
    spec.headers = h;
    CHECK(write(spec).head.find("Trailer") == std::string::npos);  // hop-by-hop by default
    spec.trailers = true;
    auto w = write(spec);
    CHECK(w.plan.framing == ResponseFraming::chunked);
    CHECK(has_line(w.head, "Trailer: x-checksum"));
    spec.body_length = 5;  // not chunked: no trailer section, so no announcement
    CHECK(write(spec).head.find("Trailer") == std::string::npos);
    spec.body_length.reset();
    spec.version = Version::http10;
    CHECK(write(spec).head.find("Trailer") == std::string::npos);
}

TEST_CASE("response: WSGI status strings", "[http][response]") {
    auto s = parse_status("200 OK");
    REQUIRE(s);
    CHECK(s->code == 200);
    CHECK(s->reason == "OK");
    CHECK(parse_status("404")->reason.empty());
    CHECK(parse_status("418 I'm a teapot")->code == 418);
    CHECK_FALSE(parse_status("20 OK"));
    CHECK_FALSE(parse_status("2000 OK"));
    CHECK_FALSE(parse_status("OK 200"));
    CHECK_FALSE(parse_status("099 Low"));
    CHECK_FALSE(parse_status("200 OK\r\nX: y"));
    CHECK_FALSE(parse_status(""));
}

TEST_CASE("response: error responses close the connection", "[http][response]") {
    std::string out;
    write_error_response(431, out);
    CHECK(out.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0) == 0);
    CHECK(has_line(out, "Connection: close"));
    std::string body = "Request Header Fields Too Large\n";
    CHECK(has_line(out, "Content-Length: " + std::to_string(body.size())));
    CHECK(out.substr(out.size() - body.size()) == body);
    CHECK_FALSE(has_line(out, "Allow: " + std::string(kAllowedMethods)));
}

TEST_CASE("response: an error response to HEAD has no body (RFC 9110 9.3.2)", "[http][response]") {
    std::string out;
    write_error_response(400, out, true);
    CHECK(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(has_line(out, "Content-Length: 12"));  // what a GET would get
    CHECK(out.size() >= 4);
    CHECK(out.substr(out.size() - 4) == "\r\n\r\n");  // the head ends the message
}

TEST_CASE("response: a 405 from the front end lists Allow (RFC 9110 15.5.6)", "[http][response]") {
    std::string out;
    write_error_response(405, out);
    CHECK(out.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0) == 0);
    CHECK(has_line(out, "Allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"));
}

TEST_CASE("response: chunk framing", "[http][response]") {
    std::array<char, kChunkHeaderMax> buf;
    CHECK(chunk_header(1, buf) == "1\r\n");
    CHECK(chunk_header(255, buf) == "ff\r\n");
    CHECK(chunk_header(0x10000, buf) == "10000\r\n");
    CHECK(chunk_header(~std::uint64_t{0}, buf) == "ffffffffffffffff\r\n");
    std::string out;
    append_chunk_header(out, 4096);
    CHECK(out == "1000\r\n");
    CHECK(kLastChunk == "0\r\n\r\n");
    CHECK(kContinueResponse == "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST_CASE("response: IMF-fixdate formatting and the per-thread cache", "[http][response]") {
    CHECK(format_http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110 5.6.7
    CHECK(format_http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK(format_http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");
    auto now = http_date();
    REQUIRE(now.size() == 29);
    CHECK(now.substr(25) == " GMT");
    std::string other;
    std::thread t([&] { other = std::string(http_date()); });
    t.join();
    CHECK(other.size() == 29);
    CHECK(other.substr(25) == " GMT");
}
