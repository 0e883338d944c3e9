// WebSocket opening handshake (RFC 6455 4.2): validation of the parsed request, the accept
// key, subprotocols, the extension list syntax, and the 101 / 400 / 426 responses.
#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "http/request_parser.hpp"
#include "http/websocket_handshake.hpp"

using namespace paasrun::http;
using namespace paasrun::http::ws;

namespace {

// RFC 6455 1.2's client handshake.
constexpr std::string_view kRfcRequest =
    "GET /chat HTTP/1.1\r\n"
    "Host: server.example.com\r\n"
    "Upgrade: websocket\r\n"
    "Connection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Origin: http://example.com\r\n"
    "Sec-WebSocket-Protocol: chat, superchat\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "\r\n";

// Owns the bytes the Request's views point into.
struct Parsed {
    std::shared_ptr<const std::string> bytes;
    Request req;
};

Parsed parse(std::string bytes) {
    Parsed p;
    p.bytes = std::make_shared<const std::string>(std::move(bytes));
    auto r = parse_request_head(*p.bytes, p.req);
    REQUIRE(r.status == ParseStatus::complete);
    return p;
}

// A valid handshake with `fields` replacing the standard ones they name.
std::string request(std::string_view extra = {}, std::string_view method = "GET",
                    std::string_view version = "HTTP/1.1") {
    std::string r = std::string(method) + " /ws " + std::string(version) + "\r\nHost: h\r\n";
    r += extra;
    return r + "\r\n";
}

constexpr std::string_view kGood =
    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

HandshakeError check(std::string bytes) {
    auto p = parse(std::move(bytes));
    Handshake hs;
    return check_handshake(p.req, hs);
}

}  // namespace

TEST_CASE("ws handshake: RFC 6455's example key gives its accept value", "[http][websocket]") {
    // RFC 6455 1.3 and 4.2.2 item 5.4 (Python's hashlib + base64 agree).
    auto a = accept_key("dGhlIHNhbXBsZSBub25jZQ==");
    CHECK(std::string_view(a.data(), a.size()) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    // Another known pair (the Wikipedia / MDN example).
    auto b = accept_key("x3JJHMbDL1EzLkh9GBhXDw==");
    CHECK(std::string_view(b.data(), b.size()) == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST_CASE("ws handshake: RFC 6455 1.2's request is accepted", "[http][websocket]") {
    auto p = parse(std::string(kRfcRequest));
    CHECK(is_websocket_request(p.req));
    Handshake hs;
    REQUIRE(check_handshake(p.req, hs) == HandshakeError::none);
    CHECK(hs.key == "dGhlIHNhbXBsZSBub25jZQ==");
    CHECK(hs.origin == "http://example.com");
    REQUIRE(hs.subprotocols().size() == 2);
    CHECK(hs.subprotocols()[0] == "chat");
    CHECK(hs.subprotocols()[1] == "superchat");
    CHECK(hs.offers_subprotocol("chat"));
    CHECK_FALSE(hs.offers_subprotocol("Chat"));  // case-sensitive
    CHECK_FALSE(hs.has_extensions);
}

TEST_CASE("ws handshake: which requests ask for WebSocket", "[http][websocket]") {
    CHECK(is_websocket_request(parse(request(kGood)).req));
    // Tokens are case-insensitive and may sit in lists.
    CHECK(is_websocket_request(
        parse(request("Upgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n")).req));
    CHECK(is_websocket_request(
        parse(request("Upgrade: h2c, websocket\r\nConnection: upgrade\r\n")).req));
    // Without the Connection option Upgrade means nothing; HTTP/1.0 ignores Upgrade.
    CHECK_FALSE(is_websocket_request(parse(request("Upgrade: websocket\r\n")).req));
    CHECK_FALSE(is_websocket_request(
        parse(request("Upgrade: websocket\r\nConnection: upgrade\r\n", "GET", "HTTP/1.0")).req));
    CHECK_FALSE(
        is_websocket_request(parse(request("Upgrade: h2c\r\nConnection: upgrade\r\n")).req));
    CHECK_FALSE(is_websocket_request(parse(request()).req));
}

TEST_CASE("ws handshake: each rule of RFC 6455 4.2.1", "[http][websocket]") {
    CHECK(check(request(kGood)) == HandshakeError::none);
    CHECK(check(request(kGood, "POST")) == HandshakeError::not_get);
    CHECK(check(request(kGood, "HEAD")) == HandshakeError::not_get);
    CHECK(check(request(kGood, "GET", "HTTP/1.0")) == HandshakeError::not_http11);
    CHECK(check(request(std::string(kGood) + "Content-Length: 5\r\n")) == HandshakeError::has_body);
    CHECK(check(request(std::string(kGood) + "Transfer-Encoding: chunked\r\n")) ==
          HandshakeError::has_body);
    CHECK(check(request(std::string(kGood) + "Content-Length: 0\r\n")) == HandshakeError::none);

    const std::string key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const std::string version = "Sec-WebSocket-Version: 13\r\n";
    CHECK(check(request("Connection: Upgrade\r\n" + key + version)) ==
          HandshakeError::no_upgrade_websocket);
    CHECK(check(request("Upgrade: h2c\r\nConnection: Upgrade\r\n" + key + version)) ==
          HandshakeError::no_upgrade_websocket);
    CHECK(check(request("Upgrade: websocket\r\nConnection: keep-alive\r\n" + key + version)) ==
          HandshakeError::no_connection_upgrade);
    const std::string head = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    CHECK(check(request(head + version)) == HandshakeError::missing_key);
    CHECK(check(request(head + key + key + version)) == HandshakeError::duplicate_key);
    CHECK(check(request(head + key)) == HandshakeError::unsupported_version);
    CHECK(check(request(head + key + "Sec-WebSocket-Version: 8\r\n")) ==
          HandshakeError::unsupported_version);
    CHECK(check(request(head + key + "Sec-WebSocket-Version: 13, 8\r\n")) ==
          HandshakeError::unsupported_version);
    CHECK(check(request(head + key + version + version)) == HandshakeError::unsupported_version);
    // Header names are case-insensitive.
    CHECK(check(request(
              "upgrade: websocket\r\nconnection: upgrade\r\n"
              "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nSEC-WEBSOCKET-VERSION: 13\r\n")) ==
          HandshakeError::none);
}

TEST_CASE("ws handshake: the key must be base64 of 16 bytes", "[http][websocket]") {
    CHECK(is_valid_key("dGhlIHNhbXBsZSBub25jZQ=="));
    CHECK(is_valid_key("AAAAAAAAAAAAAAAAAAAAAA=="));
    CHECK(is_valid_key("+/+/+/+/+/+/+/+/+/+/+w=="));
    CHECK_FALSE(is_valid_key(""));
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ="));    // 23 characters
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQ==="));  // 25
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZQAA"));   // 18 bytes, no padding
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZ==="));   // 15 bytes
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25jZ-_=="));  // base64url alphabet
    CHECK_FALSE(is_valid_key("dGhlIHNhbXBsZSBub25j ZQ=="));
    CHECK_FALSE(is_valid_key("c2hvcnQ="));
    auto bad =
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\n"
        "Sec-WebSocket-Version: 13\r\n";
    CHECK(check(request(bad)) == HandshakeError::bad_key);
}

TEST_CASE("ws handshake: subprotocols are a token list, across fields", "[http][websocket]") {
    auto p = parse(request(std::string(kGood) + "Sec-WebSocket-Protocol: graphql-ws,  v2.chat\r\n"
                                                "Sec-WebSocket-Protocol: mqtt\r\n"));
    Handshake hs;
    REQUIRE(check_handshake(p.req, hs) == HandshakeError::none);
    REQUIRE(hs.subprotocols().size() == 3);
    CHECK(hs.subprotocols()[0] == "graphql-ws");
    CHECK(hs.subprotocols()[1] == "v2.chat");
    CHECK(hs.subprotocols()[2] == "mqtt");
    CHECK(check(request(std::string(kGood) + "Sec-WebSocket-Protocol: a b\r\n")) ==
          HandshakeError::bad_subprotocols);
    CHECK(check(request(std::string(kGood) + "Sec-WebSocket-Protocol: a/b\r\n")) ==
          HandshakeError::bad_subprotocols);
    // An empty field is an empty list (python3-websockets sends empty fields).
    auto empty = parse(request(std::string(kGood) + "Sec-WebSocket-Protocol:\r\n"));
    REQUIRE(check_handshake(empty.req, hs) == HandshakeError::none);
    CHECK(hs.subprotocols().empty());
    std::string many;
    for (std::size_t i = 0; i <= kMaxSubprotocols; ++i) many += (i ? "," : "") + std::to_string(i);
    CHECK(check(request(std::string(kGood) + "Sec-WebSocket-Protocol: " + many + "\r\n")) ==
          HandshakeError::too_many_subprotocols);
}

TEST_CASE("ws handshake: the extension list syntax (RFC 6455 9.1)", "[http][websocket]") {
    SECTION("names, parameters, values, quoted values, several extensions") {
        ExtensionParser p(
            "permessage-deflate; client_max_window_bits, permessage-deflate ;"
            " server_max_window_bits = \"10\" ; server_no_context_takeover,, x-foo;a=b");
        Extension e;
        REQUIRE(p.next(e));
        CHECK(e.name == "permessage-deflate");
        REQUIRE(e.params().size() == 1);
        CHECK(e.params()[0].name == "client_max_window_bits");
        CHECK_FALSE(e.params()[0].has_value);
        REQUIRE(p.next(e));
        REQUIRE(e.params().size() == 2);
        CHECK(e.params()[0].name == "server_max_window_bits");
        CHECK(e.params()[0].has_value);
        CHECK(e.params()[0].value == "10");
        CHECK(e.params()[1].name == "server_no_context_takeover");
        REQUIRE(p.next(e));
        CHECK(e.name == "x-foo");
        CHECK(e.params()[0].value == "b");
        CHECK_FALSE(p.next(e));
        CHECK_FALSE(p.failed());
    }
    SECTION("syntax errors") {
        for (std::string_view bad :
             {"permessage-deflate;", "; x", "permessage-deflate; =1", "a; b=", "a; b=\"",
              "a; b=\"c d\"", "a; b=\"\"", "a b", "a; b=c d", "a; b=\"c\\", "a/b", "\"a\""}) {
            INFO(bad);
            ExtensionParser p(bad);
            Extension e;
            while (p.next(e)) {
            }
            CHECK(p.failed());
        }
    }
    SECTION("escapes in quoted values") {
        ExtensionParser p("a; b=\"1\\5\"");
        Extension e;
        REQUIRE(p.next(e));
        std::array<char, 8> buf{};
        CHECK(unescape_token(e.params()[0].value, buf) == "15");
        std::array<char, 1> small{};
        CHECK(unescape_token(e.params()[0].value, small).empty());
    }
    SECTION("too many parameters") {
        std::string v = "a";
        for (std::size_t i = 0; i <= kMaxExtensionParams; ++i) v += "; p" + std::to_string(i);
        ExtensionParser p(v);
        Extension e;
        CHECK_FALSE(p.next(e));
        CHECK(p.failed());
    }
    SECTION("a malformed field fails the handshake") {
        CHECK(check(request(std::string(kGood) +
                            "Sec-WebSocket-Extensions: permessage-deflate;\r\n")) ==
              HandshakeError::bad_extensions);
        // python3-websockets 10 sends an empty field when it offers no extension.
        auto empty = parse(request(std::string(kGood) + "Sec-WebSocket-Extensions:\r\n"));
        Handshake hs;
        REQUIRE(check_handshake(empty.req, hs) == HandshakeError::none);
        CHECK_FALSE(hs.has_extensions);
        CHECK(check(request(std::string(kGood) + "Sec-WebSocket-Extensions: ,\r\n")) ==
              HandshakeError::none);
        CHECK(check(request(std::string(kGood) + "Sec-WebSocket-Extensions: x-unknown; y=1\r\n")) ==
              HandshakeError::none);
    }
}

TEST_CASE("ws handshake: the 101 response", "[http][websocket]") {
    auto p = parse(std::string(kRfcRequest));
    Handshake hs;
    REQUIRE(check_handshake(p.req, hs) == HandshakeError::none);
    SECTION("with a subprotocol, extensions and the app's fields") {
        Header app[] = {{"Set-Cookie", "a=b"},
                        {"Sec-WebSocket-Accept", "forged"},
                        {"Connection", "close"},
                        {"Content-Length", "12"}};
        UpgradeResponse r;
        r.subprotocol = "chat";
        r.extensions = "permessage-deflate; server_max_window_bits=12";
        r.headers = app;
        std::string out = "prefix";
        REQUIRE(write_upgrade_response(hs, r, out) == UpgradeError::none);
        CHECK(out.rfind("prefixHTTP/1.1 101 Switching Protocols\r\n"
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n",
                        0) == 0);
        CHECK(out.find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") !=
              std::string::npos);
        CHECK(out.find("\r\nSec-WebSocket-Protocol: chat\r\n") != std::string::npos);
        CHECK(out.find("\r\nSec-WebSocket-Extensions: permessage-deflate; "
                       "server_max_window_bits=12\r\n") != std::string::npos);
        CHECK(out.find("\r\nSet-Cookie: a=b\r\n") != std::string::npos);
        CHECK(out.find("forged") == std::string::npos);
        CHECK(out.find("close") == std::string::npos);
        CHECK(out.find("Content-Length") == std::string::npos);
        CHECK(out.find("\r\nServer: paasrun\r\n") != std::string::npos);
        CHECK(out.find("\r\nDate: ") != std::string::npos);
        CHECK(out.size() > 4);
        CHECK(out.substr(out.size() - 4) == "\r\n\r\n");
    }
    SECTION("a minimal one") {
        std::string out;
        REQUIRE(write_upgrade_response(hs, {}, out) == UpgradeError::none);
        CHECK(out.find("Sec-WebSocket-Protocol") == std::string::npos);
        CHECK(out.find("Sec-WebSocket-Extensions") == std::string::npos);
    }
    SECTION("errors append nothing") {
        std::string out;
        UpgradeResponse r;
        r.subprotocol = "superchat2";
        CHECK(write_upgrade_response(hs, r, out) == UpgradeError::subprotocol_not_offered);
        Header split[] = {{"X-A", "1\r\nInjected: yes"}};
        UpgradeResponse s;
        s.headers = split;
        CHECK(write_upgrade_response(hs, s, out) == UpgradeError::bad_header_value);
        Header badname[] = {{"X A", "1"}};
        s.headers = badname;
        CHECK(write_upgrade_response(hs, s, out) == UpgradeError::bad_header_name);
        CHECK(out.empty());
    }
}

TEST_CASE("ws handshake: refusals are 400, or 426 naming version 13", "[http][websocket]") {
    CHECK(status_for(HandshakeError::bad_key) == 400);
    CHECK(status_for(HandshakeError::unsupported_version) == 426);
    std::string out;
    write_handshake_refusal(HandshakeError::unsupported_version, out);
    CHECK(out.rfind("HTTP/1.1 426 Upgrade Required\r\n", 0) == 0);
    CHECK(out.find("\r\nSec-WebSocket-Version: 13\r\n") != std::string::npos);
    CHECK(out.find("\r\nUpgrade: websocket\r\n") != std::string::npos);
    CHECK(out.find("\r\nConnection: close\r\n") != std::string::npos);
    out.clear();
    write_handshake_refusal(HandshakeError::missing_key, out);
    CHECK(out.rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);
    CHECK(out.find("Sec-WebSocket-Version") == std::string::npos);
    CHECK(describe(HandshakeError::duplicate_key) == "websocket_duplicate_key");
}
