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

// An HTTP/1.1 request must carry Host (RFC 9112 3.2): the helpers add one after `fields`
// unless the fields name Host themselves, so each test is about its own fields.
std::string with_host(std::string_view fields, std::string_view version) {
    std::string f(fields);
    if (version == "HTTP/1.1" && f.find("Host:") == std::string::npos &&
        f.find("host:") == std::string::npos)
        f += "Host: h\r\n";
    return f;
}

std::string get(std::string_view fields, std::string_view version = "HTTP/1.1") {
    return "GET / " + std::string(version) + "\r\n" + with_host(fields, version) + "\r\n";
}

std::string post(std::string_view fields) {
    return "POST /p HTTP/1.1\r\n" + with_host(fields, "HTTP/1.1") + "\r\n";
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
    auto o = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.result.consumed == 31);
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

TEST_CASE("request parser: HTTP/1.x is served, another major version is 505 (RFC 9110 6.2)",
          "[http][parser]") {
    for (auto v : {"HTTP/0.9", "HTTP/2.0", "HTTP/9.9", "HTTP/0.0"}) {
        auto e = error_of(get("", v));
        CHECK(e == ParseError::unsupported_version);
        CHECK(status_for(e) == 505);
    }
    CHECK(parse(get("", "HTTP/1.0")).request.version == Version::http10);
    // A higher minor version is processed as HTTP/1.1, the highest we implement (SHOULD).
    for (auto v : {"HTTP/1.2", "HTTP/1.9"}) {
        auto o = parse(std::string("GET / ") + v + "\r\nHost: h\r\n\r\n");
        REQUIRE(o.result.status == ParseStatus::complete);
        CHECK(o.request.version == Version::http11);
        CHECK(o.request.keep_alive);
        CHECK(error_of(std::string("GET / ") + v + "\r\n\r\n") ==
              ParseError::missing_host);  // as 1.1
    }
}

TEST_CASE("request parser: an HTTP/1.1 request without Host is 400 (RFC 9112 3.2)",
          "[http][parser]") {
    auto e = error_of("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
    CHECK(e == ParseError::missing_host);
    CHECK(status_for(e) == 400);
    CHECK(error_of("GET http://h/ HTTP/1.1\r\n\r\n") ==
          ParseError::missing_host);  // absolute-form too
    CHECK(error_of("OPTIONS * HTTP/1.1\r\n\r\n") == ParseError::missing_host);
    auto o = parse("GET / HTTP/1.1\r\nHost:\r\n\r\n");  // empty Host: allowed (no authority)
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.has_host);
    o = parse("GET / HTTP/1.0\r\n\r\n");  // HTTP/1.0 has no Host requirement
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK_FALSE(o.request.has_host);
}

TEST_CASE("request parser: raw bytes >= 0x80 in the target are 400", "[http][parser]") {
    // The scalar path (short target) and the SSE2 path (16 bytes and more) both refuse them.
    CHECK(error_of("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of(
              "GET /0123456789abcdef/caf\xc3\xa9/0123456789abcdef HTTP/1.1\r\nHost: h\r\n\r\n") ==
          ParseError::bad_target);
    CHECK(error_of("GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("GET /\x80 HTTP/1.1") == ParseError::bad_target);  // before the line ends
    CHECK(status_for(ParseError::bad_target) == 400);
    // Percent-encoded, the same path is fine; obs-text in a field value still is.
    CHECK(parse("GET /caf%C3%A9/0123456789abcdef HTTP/1.1\r\nHost: h\r\n\r\n").result.status ==
          ParseStatus::complete);
    CHECK(parse(get("X-Name: caf\xc3\xa9\r\n")).result.status == ParseStatus::complete);
}

TEST_CASE("request parser: an over-long method is 501, not 414", "[http][parser]") {
    std::string method(kMaxMethodLength, 'A');
    CHECK(parse(method + " / HTTP/1.1\r\nHost: h\r\n\r\n").result.status == ParseStatus::complete);
    auto e = error_of(method + "A / HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(e == ParseError::method_too_long);
    CHECK(status_for(e) == 501);
    // Also before the line ends, and long before the request-line limit would be reached.
    CHECK(error_of(std::string(kMaxMethodLength + 1, 'X')) == ParseError::method_too_long);
    CHECK(error_of(std::string(100'000, 'X')) == ParseError::method_too_long);
    CHECK(parse(std::string(kMaxMethodLength, 'X')).result.status == ParseStatus::incomplete);
}

TEST_CASE("request parser: CONNECT is refused with 405 once its head is valid", "[http][parser]") {
    auto e = error_of("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    CHECK(e == ParseError::connect_refused);
    CHECK(status_for(e) == 405);
    CHECK(error_of("CONNECT /x HTTP/1.1\r\nHost: h\r\n\r\n") == ParseError::bad_target);
    CHECK(error_of("CONNECT example.com:443 HTTP/1.1\r\n\r\n") == ParseError::missing_host);
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
    REQUIRE(r.headers().size() == 2);  // X-Real and the helper's Host
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

    o = parse("GET https://h HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.scheme == "https");
    CHECK(o.request.host == "h");
    CHECK(o.request.path == "/");

    o = parse("GET HTTP://[::1]:80?x HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.host == "[::1]:80");
    CHECK(o.request.path == "/");
    CHECK(o.request.query == "x");

    o = parse("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n");
    REQUIRE(o.result.status == ParseStatus::complete);
    CHECK(o.request.path == "*");

    // CONNECT's authority-form is parsed (and refused: see the CONNECT test).
    CHECK(error_of("CONNECT example.com:443 HTTP/1.1\r\nHost: h\r\n\r\n") ==
          ParseError::connect_refused);

    o = parse("GET /p#frag HTTP/1.1\r\nHost: h\r\n\r\n");
    CHECK(o.request.path == "/p");
    CHECK(o.request.fragment == "frag");

    CHECK_FALSE(parse(get("", "HTTP/1.0")).request.has_host);  // required in HTTP/1.1 only
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
    CHECK(parse(line + "\r\nHost: h\r\n\r\n", l).result.status == ParseStatus::complete);
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
    CHECK(parse(get("A: 1\r\nB: 2\r\nHost: h\r\n"), l).result.status == ParseStatus::complete);
    auto e = error_of(get("A: 1\r\nB: 2\r\nHost: h\r\nD: 4\r\n"), l);
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
    std::string many = "Host: h\r\n";
    for (int i = 1; i < 100; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
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
