// Request-head parser: every rejection rule, every limit, and the derived facts.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "http/request_parser.hpp"

using namespace paasrun::http;

namespace {

// Owns the bytes: the Request's views point into them, so they must outlive it (and not move:
// a short std::string would move its inline buffer).
struct Outcome {
    std::shared_ptr<const std::string> bytes;
    ParseResult result;
    Request request;
};

Outcome parse(std::string bytes, const Limits& limits = {}) {
    Outcome o;
    o.bytes = std::make_shared<const std::string>(std::move(bytes));
    o.result = parse_request_head(*o.bytes, o.request, limits);
    return o;
}

ParseError error_of(std::string bytes, const Limits& limits = {}) {
    auto o = parse(std::move(bytes), limits);
    REQUIRE(o.result.status == ParseStatus::error);
    return o.result.error;
}

std::string get(std::string_view fields, std::string_view version = "HTTP/1.1") {
    return "GET / " + std::string(version) + "\r\n" + std::string(fields) + "\r\n";
}

std::string post(std::string_view fields) {
    return "POST /p HTTP/1.1\r\n" + std::string(fields) + "\r\n";
}

}  // namespace

TEST_CASE("request parser: a simple request parses into views", "[http][parser]") {
    std::string bytes = "GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\nNEXT";
    Outcome o;
    o.result = parse_request_head(bytes, o.request);
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.result.consumed == bytes.size() - 4);
    const auto& r = o.request;
    CHECK(r.method == "GET");
    CHECK(r.target == "/a/b?x=1&y=2");
    CHECK(r.path == "/a/b");
    CHECK(r.query == "x=1&y=2");
    CHECK(r.version == Version::http11);
    CHECK(r.host == "example.com");
    CHECK(r.has_host);
    CHECK(r.framing == BodyFraming::none);
    CHECK(r.keep_alive);
    CHECK_FALSE(r.expect_continue);
    REQUIRE(r.headers().size() == 2);
    CHECK(r.headers()[1].name == "Accept");
    CHECK(r.find("ACCEPT") == "*/*");
    CHECK(r.find("missing").empty());
    // Zero-copy: the views point into the caller's buffer.
    CHECK(r.method.data() == bytes.data());
    CHECK(r.headers()[0].value.data() == bytes.data() + bytes.find("example.com"));
}

TEST_CASE("request parser: incomplete input waits, leading empty lines are skipped",
          "[http][parser]") {
    CHECK(parse("").result.status == ParseStatus::incomplete);
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n").result.status == ParseStatus::incomplete);
    CHECK(parse("GET / HTTP/1.1\r\nHost: a\r\n\r").result.status == ParseStatus::incomplete);
    auto o = parse("\r\n\r\nGET / HTTP/1.1\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.result.consumed == 22);
    CHECK(o.request.method == "GET");
}

TEST_CASE("request parser: request-line syntax errors are 400", "[http][parser]") {
    CHECK(error_of(" / HTTP/1.1\r\n\r\n") == ParseError::bad_method);
    CHECK(error_of("G\tT / HTTP/1.1\r\n\r\n") == ParseError::bad_method);
    CHECK(error_of("get / HTTP/1.1\r\n\r\n") == ParseError::bad_method);
    CHECK(error_of("G(T / HTTP/1.1\r\n\r\n") == ParseError::bad_method);
    CHECK(error_of("GET  / HTTP/1.1\r\n\r\n") == ParseError::bad_target);  // two SP
    CHECK(error_of("GET / HTTP/1.1 \r\n\r\n") == ParseError::bad_request_line);
    CHECK(error_of("GET /\r\n\r\n") == ParseError::bad_request_line);  // HTTP/0.9
    CHECK(error_of("GET /\x7f HTTP/1.1\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("GET foo HTTP/1.1\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("GET * HTTP/1.1\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("GET http://user@h/ HTTP/1.1\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("GET http:/// HTTP/1.1\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("GET / HTTX/1.1\r\n\r\n") == ParseError::bad_version);
    CHECK(error_of("GET / HTTP/1.x\r\n\r\n") == ParseError::bad_version);
    CHECK(error_of("GET / HTX") == ParseError::bad_version);  // refused before the line ends
    CHECK(parse("GET / HT").result.status == ParseStatus::incomplete);
}

TEST_CASE("request parser: only HTTP/1.0 and HTTP/1.1 are served (505)", "[http][parser]") {
    for (auto v : {"HTTP/0.9", "HTTP/1.2", "HTTP/2.0", "HTTP/9.9"}) {
        auto e = error_of(get("", v));
        CHECK(e == ParseError::unsupported_version);
        CHECK(status_for(e) == 505);
    }
    CHECK(parse(get("", "HTTP/1.0")).request.version == Version::http10);
}

TEST_CASE("request parser: line endings must be CRLF", "[http][parser]") {
    CHECK(error_of("GET / HTTP/1.1\n\n") == ParseError::bare_lf);
    CHECK(error_of("GET / HTTP/1.1\r\r\n") == ParseError::bare_cr);
    CHECK(error_of(get("A: b\nC: d\r\n")) == ParseError::bare_lf);
    CHECK(error_of(get("A: b\rC: d\r\n")) == ParseError::bare_cr);
    CHECK(error_of("GET / HTTP/1.1\r\nA: b\r\n\n") == ParseError::bare_lf);
    CHECK(error_of("GET / HTTP/1.1\r\nA: b\r\n\rX") == ParseError::bare_cr);
    CHECK(error_of("\nGET / HTTP/1.1\r\n\r\n") == ParseError::bare_lf);
    CHECK(status_for(ParseError::bare_lf) == 400);
}

TEST_CASE("request parser: field syntax errors are 400", "[http][parser]") {
    CHECK(error_of(get("Foo : bar\r\n")) == ParseError::whitespace_before_colon);
    CHECK(error_of(get("Foo\t: bar\r\n")) == ParseError::whitespace_before_colon);
    CHECK(error_of(get("Foo: a\r\n b\r\n")) == ParseError::obs_fold);
    CHECK(error_of(get("Foo: a\r\n\tb\r\n")) == ParseError::obs_fold);
    CHECK(error_of(get(" Foo: a\r\n")) == ParseError::obs_fold);
    CHECK(error_of(get(": a\r\n")) == ParseError::bad_header_name);
    CHECK(error_of(get("Fo{o: a\r\n")) == ParseError::bad_header_name);
    CHECK(error_of(get("Foo\r\n")) == ParseError::bad_header_name);
    CHECK(error_of(get("Fo\xe9: a\r\n")) == ParseError::bad_header_name);
    CHECK(error_of(get("Foo: a\x01b\r\n")) == ParseError::bad_header_value);
    CHECK(error_of(get("Foo: a\x7f\r\n")) == ParseError::bad_header_value);
    CHECK(error_of(get(std::string("Foo: a\0b\r\n", 10))) == ParseError::nul_byte);
    CHECK(error_of(get(std::string("F\0o: ab\r\n", 10))) == ParseError::nul_byte);
    CHECK(error_of(std::string("G\0T / HTTP/1.1\r\n\r\n", 18)) == ParseError::nul_byte);
    // obs-text and HTAB inside a value are fine; surrounding whitespace is trimmed.
    auto o = parse(get("Foo: \t a\tb\xe9 \t\r\n"));
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.headers()[0].value == "a\tb\xe9");
}

TEST_CASE("request parser: names with '_' are dropped, not forwarded (CVE-2015-0219)",
          "[http][parser]") {
    auto o = parse(post("Content_Length: 5\r\nX_Forwarded_For: 1.2.3.4\r\nX-Real: yes\r\n"));
    REQUIRE(o.result.status == ParseStatus::complete);
    const auto& r = o.request;
    REQUIRE(r.headers().size() == 1);
    CHECK(r.headers()[0].name == "X-Real");
    CHECK(r.dropped_count == 2);
    CHECK(r.dropped_names[0] == "Content_Length");
    CHECK(r.dropped_names[1] == "X_Forwarded_For");
    CHECK(r.framing == BodyFraming::none);  // a dropped field is never interpreted
    CHECK_FALSE(kUnderscoreDropReason.empty());
}

TEST_CASE("request parser: Content-Length framing", "[http][parser]") {
    auto o = parse(post("Content-Length: 42\r\n"));
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.framing == BodyFraming::content_length);
    CHECK(o.request.content_length == 42);
    CHECK(o.request.has_body());

    o = parse(post("Content-Length: 0\r\n"));
    CHECK(o.request.framing == BodyFraming::none);

    CHECK(error_of(post("Content-Length: 1\r\nContent-Length: 1\r\n")) ==
          ParseError::duplicate_content_length);
    CHECK(error_of(post("Content-Length: 1\r\nContent-Length: 2\r\n")) ==
          ParseError::duplicate_content_length);
    CHECK(error_of(post("Content-Length: 1, 1\r\n")) == ParseError::duplicate_content_length);
    CHECK(error_of(post("Content-Length: +1\r\n")) == ParseError::invalid_content_length);
    CHECK(error_of(post("Content-Length: -1\r\n")) == ParseError::invalid_content_length);
    CHECK(error_of(post("Content-Length: 0x10\r\n")) == ParseError::invalid_content_length);
    CHECK(error_of(post("Content-Length: 1 2\r\n")) == ParseError::invalid_content_length);
    CHECK(error_of(post("Content-Length:\r\n")) == ParseError::invalid_content_length);
    CHECK(error_of(post("Content-Length: 99999999999999999999\r\n")) ==
          ParseError::invalid_content_length);
    CHECK(status_for(ParseError::duplicate_content_length) == 400);
}

TEST_CASE("request parser: Content-Length over max_body is 413 before any body byte",
          "[http][parser]") {
    Limits l;
    l.max_body = 100;
    CHECK(parse(post("Content-Length: 100\r\n"), l).result.status == ParseStatus::complete);
    auto e = error_of(post("Content-Length: 101\r\n"), l);
    CHECK(e == ParseError::body_too_large);
    CHECK(status_for(e) == 413);
    CHECK(Limits{}.max_body == 100ull * 1024 * 1024);
}

TEST_CASE("request parser: Transfer-Encoding rules (RFC 9112 6.1, 6.3)", "[http][parser]") {
    auto o = parse(post("Transfer-Encoding: chunked\r\n"));
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.framing == BodyFraming::chunked);
    CHECK(parse(post("Transfer-Encoding: Chunked\r\n")).request.framing == BodyFraming::chunked);

    CHECK(error_of(post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n")) ==
          ParseError::content_length_with_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding: chunked\r\nContent-Length: 3\r\n")) ==
          ParseError::content_length_with_transfer_encoding);
    // chunked must be the final coding (400), exactly once.
    CHECK(error_of(post("Transfer-Encoding: chunked, gzip\r\n")) ==
          ParseError::bad_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding: gzip\r\n")) == ParseError::bad_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding: chunked, chunked\r\n")) ==
          ParseError::bad_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")) ==
          ParseError::bad_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding:\r\n")) == ParseError::bad_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding: chunked;q=1\r\n")) ==
          ParseError::bad_transfer_encoding);
    CHECK(error_of(post("Transfer-Encoding: \"chunked\"\r\n")) ==
          ParseError::bad_transfer_encoding);
    // a coding we do not decode before chunked: 501.
    auto e = error_of(post("Transfer-Encoding: gzip, chunked\r\n"));
    CHECK(e == ParseError::unsupported_transfer_encoding);
    CHECK(status_for(e) == 501);
    CHECK(error_of(post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n")) ==
          ParseError::unsupported_transfer_encoding);
    // HTTP/1.0 has no transfer codings.
    CHECK(error_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") ==
          ParseError::bad_transfer_encoding);
}

TEST_CASE("request parser: keep-alive defaults and Connection tokens (RFC 9112 9.3)",
          "[http][parser]") {
    CHECK(parse(get("")).request.keep_alive);
    CHECK_FALSE(parse(get("Connection: close\r\n")).request.keep_alive);
    CHECK_FALSE(parse(get("Connection: Keep-Alive, CLOSE\r\n")).request.keep_alive);
    CHECK_FALSE(parse(get("", "HTTP/1.0")).request.keep_alive);
    CHECK(parse(get("Connection: keep-alive\r\n", "HTTP/1.0")).request.keep_alive);
    CHECK(parse(get("Connection: foo, Keep-Alive\r\n", "HTTP/1.0")).request.keep_alive);
    auto o = parse(get("Connection: Upgrade\r\nUpgrade: websocket\r\n"));
    CHECK(o.request.upgrade);
    CHECK_FALSE(parse(get("Upgrade: websocket\r\n")).request.upgrade);
}

TEST_CASE("request parser: Expect: 100-continue only matters with a body", "[http][parser]") {
    CHECK(parse(post("Expect: 100-Continue\r\nContent-Length: 5\r\n")).request.expect_continue);
    CHECK(parse(post("Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n"))
              .request.expect_continue);
    CHECK_FALSE(parse(get("Expect: 100-continue\r\n")).request.expect_continue);
    CHECK_FALSE(parse(post("Expect: something\r\nContent-Length: 5\r\n")).request.expect_continue);
}

TEST_CASE("request parser: Host and absolute-form targets (RFC 9112 3.2)", "[http][parser]") {
    auto o = parse("GET http://Example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: other\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.absolute_form);
    CHECK(o.request.scheme == "http");
    CHECK(o.request.host == "Example.com:8080");  // the target wins over Host
    CHECK(o.request.has_host);
    CHECK(o.request.path == "/a/b");
    CHECK(o.request.query == "q=1");

    o = parse("GET https://h HTTP/1.1\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.scheme == "https");
    CHECK(o.request.host == "h");
    CHECK(o.request.path == "/");

    o = parse("GET HTTP://[::1]:80?x HTTP/1.1\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.host == "[::1]:80");
    CHECK(o.request.path == "/");
    CHECK(o.request.query == "x");

    o = parse("OPTIONS * HTTP/1.1\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.path == "*");

    o = parse("CONNECT example.com:443 HTTP/1.1\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.host == "example.com:443");
    CHECK(o.request.path.empty());
    CHECK(error_of("CONNECT /x HTTP/1.1\r\n\r\n") == ParseError::bad_target);

    o = parse("GET /p#frag HTTP/1.1\r\n\r\n");
    CHECK(o.request.path == "/p");
    CHECK(o.request.fragment == "frag");

    CHECK_FALSE(parse(get("")).request.has_host);  // Host is optional here (see header)
    CHECK(error_of(get("Host: a\r\nHost: b\r\n")) == ParseError::duplicate_host);
    CHECK(error_of(get("Host: a b\r\n")) == ParseError::bad_host);
    CHECK(error_of(get("Host: a/b\r\n")) == ParseError::bad_host);
    CHECK(error_of(get("Content-Type: a\r\ncontent-type: b\r\n")) ==
          ParseError::duplicate_content_type);
}

TEST_CASE("request parser: request line limit is 414, also while incomplete", "[http][parser]") {
    Limits l;
    l.max_request_line = 32;
    std::string line = "GET /" + std::string(32 - 14, 'a') + " HTTP/1.1";  // exactly 32 bytes
    REQUIRE(line.size() == 32);
    CHECK(parse(line + "\r\n\r\n", l).result.status == ParseStatus::complete);
    std::string longer = "GET /" + std::string(32 - 13, 'a') + " HTTP/1.1";
    CHECK(error_of(longer + "\r\n\r\n", l) == ParseError::request_line_too_long);
    // A client that never ends its line gets the 414 as soon as the limit is passed.
    CHECK(error_of("GET /" + std::string(40, 'a'), l) == ParseError::request_line_too_long);
    CHECK(parse("GET /" + std::string(20, 'a'), l).result.status == ParseStatus::incomplete);
    CHECK(status_for(ParseError::request_line_too_long) == 414);
    CHECK(Limits{}.max_request_line == 8192);
}

TEST_CASE("request parser: header count and field size limits are 431", "[http][parser]") {
    Limits l;
    l.max_header_fields = 3;
    CHECK(parse(get("A: 1\r\nB: 2\r\nC: 3\r\n"), l).result.status == ParseStatus::complete);
    auto e = error_of(get("A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n"), l);
    CHECK(e == ParseError::too_many_headers);
    CHECK(status_for(e) == 431);
    // dropped '_' fields count too: they still cost the server parsing work.
    CHECK(error_of(get("A_1: 1\r\nB_2: 2\r\nC_3: 3\r\nD: 4\r\n"), l) ==
          ParseError::too_many_headers);

    l = Limits{};
    l.max_field_size = 16;
    CHECK(parse(get("Name: 0123456789\r\n"), l).result.status == ParseStatus::complete);  // 16
    CHECK(error_of(get("Name: 01234567890\r\n"), l) == ParseError::header_too_large);
    CHECK(error_of("GET / HTTP/1.1\r\nName: 0123456789012345678", l) ==
          ParseError::header_too_large);
    CHECK(error_of("GET / HTTP/1.1\r\nNamexxxxxxxxxxxxxxxxxxx", l) == ParseError::header_too_large);
    CHECK(status_for(ParseError::header_too_large) == 431);

    Limits d;
    CHECK(d.max_header_fields == 100);
    CHECK(d.max_field_size == 8192);
    std::string many;
    for (int i = 0; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    CHECK(parse(get(many)).request.headers().size() == 100);
    CHECK(error_of(get(many + "X-Last: v\r\n")) == ParseError::too_many_headers);
}

TEST_CASE("request parser: a configured header count above the capacity is clamped",
          "[http][parser]") {
    Limits l;
    l.max_header_fields = 100000;
    std::string many;
    for (std::size_t i = 0; i <= kHeaderCapacity; ++i)
        many += "X-H" + std::to_string(i) + ": v\r\n";
    CHECK(error_of(get(many), l) == ParseError::too_many_headers);
}

TEST_CASE("request parser: every error maps to a 4xx/5xx status and a name", "[http][parser]") {
    for (int i = 1; i <= static_cast<int>(ParseError::trailer_too_large); ++i) {
        auto e = static_cast<ParseError>(i);
        int s = status_for(e);
        CHECK(s >= 400);
        CHECK(s <= 505);
        CHECK(describe(e) != "unknown");
    }
    CHECK(status_for(ParseError::none) == 0);
}
