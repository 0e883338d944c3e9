// permessage-deflate (RFC 7692): negotiation, RFC 7692 7.2.3's examples, round trips under
// every context/window setting, and the decompressed-size limit (zip bombs).
#include <zlib.h>

#include <catch2/catch.hpp>
#include <memory>
#include <random>
#include <string>

#include "http/request_parser.hpp"
#include "http/websocket_deflate.hpp"
#include "http/websocket_message.hpp"
#include "websocket_support.hpp"

using namespace paasrun::http;
using namespace paasrun::http::ws;
using paasrun::http::ws::test::client_frame;
using paasrun::http::ws::test::feed;
using paasrun::http::ws::test::hex;
using Kind = MessageReader::Kind;

namespace {

struct Parsed {
    std::shared_ptr<const std::string> bytes;
    Request req;
};

Parsed with_extensions(std::initializer_list<std::string_view> values) {
    std::string r = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (auto v : values) r += "Sec-WebSocket-Extensions: " + std::string(v) + "\r\n";
    r += "\r\n";
    Parsed p;
    p.bytes = std::make_shared<const std::string>(std::move(r));
    REQUIRE(parse_request_head(*p.bytes, p.req).status == ParseStatus::complete);
    return p;
}

std::optional<DeflateAgreement> negotiate(std::initializer_list<std::string_view> values,
                                          const DeflateConfig& config = {}) {
    auto p = with_extensions(values);
    return negotiate_deflate(p.req, config);
}

DeflateConfig full_window() {
    DeflateConfig c;
    c.server_max_window_bits = 15;
    c.client_max_window_bits = 15;
    return c;
}

// Compressed client frames: the server reads these.
std::string compressed_frame(std::string_view deflated, bool fin = true, bool first = true) {
    return client_frame(first ? Opcode::text : Opcode::continuation, deflated, fin, first);
}

std::string random_text(std::mt19937& rng, std::size_t n) {
    static constexpr std::string_view words[] = {
        "alpha ",     "beta ",      "gamma ",   "delta ",
        "{\"k\":1} ", "websocket ", "paasrun ", "\xce\xba\xe1\xbd\xb9 "};
    std::string s;
    while (s.size() < n) s += words[rng() % std::size(words)];
    s.resize(n);
    // Cut back to a code point boundary so the text stays valid UTF-8.
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xc0) == 0x80) s.pop_back();
    if (!s.empty() && static_cast<unsigned char>(s.back()) >= 0xc0) s.pop_back();
    return s;
}

}  // namespace

TEST_CASE("ws deflate: negotiation (RFC 7692 7.1)", "[http][websocket][deflate]") {
    SECTION("a bare offer; the default config limits our window to 12 bits") {
        auto a = negotiate({"permessage-deflate"});
        REQUIRE(a);
        CHECK(a->response == "permessage-deflate; server_max_window_bits=12");
        CHECK(a->server_window_bits == 12);
        CHECK(a->client_window_bits == 15);  // the client did not offer client_max_window_bits
        CHECK_FALSE(a->server_no_context_takeover);
        CHECK_FALSE(a->client_no_context_takeover);
    }
    SECTION("browsers' offer: client_max_window_bits without a value") {
        auto a = negotiate({"permessage-deflate; client_max_window_bits"});
        REQUIRE(a);
        CHECK(a->response ==
              "permessage-deflate; server_max_window_bits=12; client_max_window_bits=12");
        CHECK(a->client_window_bits == 12);
        auto full = negotiate({"permessage-deflate; client_max_window_bits"}, full_window());
        REQUIRE(full);
        CHECK(full->response == "permessage-deflate");
        CHECK(full->client_window_bits == 15);
    }
    SECTION("window sizes asked by the client are honoured (min of both)") {
        auto a =
            negotiate({"permessage-deflate; server_max_window_bits=10; client_max_window_bits=9"});
        REQUIRE(a);
        CHECK(a->server_window_bits == 10);
        CHECK(a->client_window_bits == 9);
        CHECK(a->response ==
              "permessage-deflate; server_max_window_bits=10; client_max_window_bits=9");
        auto b = negotiate({"permessage-deflate; server_max_window_bits=15"});
        REQUIRE(b);
        CHECK(b->server_window_bits == 12);
        CHECK(b->response == "permessage-deflate; server_max_window_bits=12");
        auto c = negotiate({"permessage-deflate; server_max_window_bits=15"}, full_window());
        REQUIRE(c);
        CHECK(c->response == "permessage-deflate; server_max_window_bits=15");
        auto quoted = negotiate({"permessage-deflate; server_max_window_bits=\"11\""});
        REQUIRE(quoted);
        CHECK(quoted->server_window_bits == 11);
    }
    SECTION("a client window of 8 is decompressed with a 9-bit window (zlib's minimum)") {
        auto a = negotiate({"permessage-deflate; client_max_window_bits=8"});
        REQUIRE(a);
        CHECK(a->client_window_bits == 9);
        CHECK(a->response ==
              "permessage-deflate; server_max_window_bits=12; client_max_window_bits=8");
    }
    SECTION("no-context-takeover parameters are echoed, or sent by config") {
        auto a = negotiate(
            {"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
            full_window());
        REQUIRE(a);
        CHECK(a->server_no_context_takeover);
        CHECK(a->client_no_context_takeover);
        CHECK(a->response ==
              "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
        DeflateConfig c = full_window();
        c.server_no_context_takeover = c.client_no_context_takeover = true;
        auto b = negotiate({"permessage-deflate"}, c);
        REQUIRE(b);
        CHECK(b->response ==
              "permessage-deflate; server_no_context_takeover; client_no_context_takeover");
    }
    SECTION("invalid offers are declined and the next one tried") {
        for (std::string_view bad :
             {"permessage-deflate; foo", "permessage-deflate; server_no_context_takeover=1",
              "permessage-deflate; server_max_window_bits",
              "permessage-deflate; server_max_window_bits=16",
              "permessage-deflate; server_max_window_bits=7",
              "permessage-deflate; server_max_window_bits=010",
              "permessage-deflate; client_max_window_bits=abc",
              "permessage-deflate; client_max_window_bits; client_max_window_bits",
              "permessage-deflate; server_max_window_bits=8"}) {
            INFO(bad);
            CHECK_FALSE(negotiate({bad}));
            auto fallback =
                negotiate({bad, "permessage-deflate; client_max_window_bits"}, full_window());
            REQUIRE(fallback);
            CHECK(fallback->response == "permessage-deflate");
        }
        // In one field, too.
        auto a = negotiate({"permessage-deflate; foo, permessage-deflate"}, full_window());
        REQUIRE(a);
        CHECK(a->response == "permessage-deflate");
    }
    SECTION("other extensions are ignored; disabled config accepts nothing") {
        CHECK_FALSE(negotiate({"x-webkit-deflate-frame"}));
        CHECK(negotiate({"x-webkit-deflate-frame, permessage-deflate"}));
        DeflateConfig off;
        off.enabled = false;
        CHECK_FALSE(negotiate({"permessage-deflate"}, off));
        CHECK_FALSE(negotiate({}));
    }
}

TEST_CASE("ws deflate: the compressor makes RFC 7692 7.2.3.1/7.2.3.2's bytes",
          "[http][websocket][deflate]") {
    Deflater d(15, false, 8, Z_DEFAULT_COMPRESSION);
    std::string out;
    REQUIRE(d.compress("Hello", out) == WsError::none);
    CHECK(out == hex("f2 48 cd c9 c9 07 00"));
    // The same message again, sharing the LZ77 window: a back-reference.
    out.clear();
    REQUIRE(d.compress("Hello", out) == WsError::none);
    CHECK(out == hex("f2 00 11 00 00"));
    // Without context takeover every message compresses alone.
    Deflater fresh(15, true, 8, Z_DEFAULT_COMPRESSION);
    for (int i = 0; i < 2; ++i) {
        out.clear();
        REQUIRE(fresh.compress("Hello", out) == WsError::none);
        CHECK(out == hex("f2 48 cd c9 c9 07 00"));
    }
    // The server's frame (RSV1 set): RFC 7692 7.2.3.1's "0xc1 0x07 ...".
    Deflater framer(15, false, 8, Z_DEFAULT_COMPRESSION);
    out.clear();
    REQUIRE(append_message(out, Opcode::text, "Hello", &framer) == WsError::none);
    CHECK(out == hex("c1 07 f2 48 cd c9 c9 07 00"));
    // An empty message is one 0x00 (7.2.3.6).
    out.clear();
    REQUIRE(append_message(out, Opcode::binary, "", &framer) == WsError::none);
    CHECK(out == hex("c2 01 00"));
}

TEST_CASE("ws deflate: the reader decompresses RFC 7692 7.2.3's examples",
          "[http][websocket][deflate]") {
    auto read_all = [](const std::string& input, std::size_t chop = 0) {
        Inflater inflater(15, false);
        MessageReader reader({}, &inflater);
        return feed(reader, input, chop).messages();
    };
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"7.2.3.1 a message in one frame", compressed_frame(hex("f2 48 cd c9 c9 07 00"))},
        {"7.2.3.1 the same message in two fragments",
         compressed_frame(hex("f2 48 cd"), false) +
             compressed_frame(hex("c9 c9 07 00"), true, false)},
        {"7.2.3.3 a DEFLATE block with no compression",
         compressed_frame(hex("00 05 00 fa ff 48 65 6c 6c 6f 00"))},
        {"7.2.3.4 a DEFLATE block with BFINAL set",
         compressed_frame(hex("f3 48 cd c9 c9 07 00 00"))},
        {"7.2.3.5 two DEFLATE blocks in one message",
         compressed_frame(hex("f2 48 05 00 00 00 ff ff ca c9 c9 07 00"))},
    };
    for (const auto& [name, input] : cases) {
        for (std::size_t chop : {0, 1, 3}) {
            INFO(name << ", chop " << chop);
            CHECK(read_all(input, chop) == std::vector<std::string>{"Hello"});
        }
    }
    // 7.2.3.2: the second message refers to the first's window.
    auto shared =
        compressed_frame(hex("f2 48 cd c9 c9 07 00")) + compressed_frame(hex("f2 00 11 00 00"));
    CHECK(read_all(shared) == std::vector<std::string>{"Hello", "Hello"});
    // An empty compressed message, and an uncompressed one in between (RSV1 clear).
    auto mixed = compressed_frame(hex("00")) + client_frame(Opcode::text, "plain") +
                 compressed_frame(hex("f2 48 cd c9 c9 07 00"));
    CHECK(read_all(mixed) == std::vector<std::string>{"", "plain", "Hello"});
    // BFINAL without the extra byte: the stream ended; the next message starts afresh.
    auto final_only = compressed_frame(hex("f3 48 cd c9 c9 07 00")) +
                      compressed_frame(hex("f2 48 cd c9 c9 07 00"));
    CHECK(read_all(final_only) == std::vector<std::string>{"Hello", "Hello"});
}

TEST_CASE("ws deflate: round trips for every context and window setting",
          "[http][websocket][deflate]") {
    std::mt19937 rng(7);
    for (int window : {9, 12, 15}) {
        for (bool no_context : {false, true}) {
            INFO("window " << window << ", no_context_takeover " << no_context);
            // The server's compressor plays the client here: only the masking differs.
            Deflater client(window, no_context, 8, 6);
            Inflater inflater(window, no_context);
            MessageReader reader({}, &inflater);
            std::string wire;
            std::vector<std::string> sent;
            for (std::size_t n : {0, 1, 5, 100, 1000, 5000, 70000, 300000}) {
                sent.push_back(random_text(rng, n));
                std::string deflated;
                REQUIRE(client.compress(sent.back(), deflated) == WsError::none);
                // Split across three fragments to cross frame boundaries mid-stream.
                std::size_t a = deflated.size() / 3, b = 2 * deflated.size() / 3;
                wire += client_frame(Opcode::text, deflated.substr(0, a), false, true);
                wire += client_frame(Opcode::continuation, deflated.substr(a, b - a), false);
                wire += client_frame(Opcode::continuation, deflated.substr(b), true);
                if (no_context) client.release();
            }
            auto run = feed(reader, wire, 4096);
            CHECK(run.error() == WsError::none);
            CHECK(run.messages() == sent);
            if (no_context) {
                reader.release();
                CHECK_FALSE(inflater.allocated());
            } else {
                reader.release();
                CHECK(inflater.allocated());  // the window is the context: kept
            }
        }
    }
}

TEST_CASE("ws deflate: a zip bomb stops at the limit with 1009", "[http][websocket][deflate]") {
    // 64 MiB of zeros deflate to ~64 KiB.
    Deflater d(15, true, 8, 9);
    std::string bomb;
    REQUIRE(d.compress(std::string(64 * 1024 * 1024, '\0'), bomb) == WsError::none);
    CHECK(bomb.size() < 128 * 1024);
    MessageLimits limits;
    limits.max_message = 1024 * 1024;
    Inflater inflater(15, true);
    MessageReader reader(limits, &inflater);
    auto run = feed(reader, client_frame(Opcode::binary, bomb, true, true), 8192);
    CHECK(run.error() == WsError::inflated_too_big);
    CHECK(close_code_for(run.error()) == 1009);

    // The inflater itself never holds more than the limit plus one byte.
    Inflater alone(15, false);
    MessageBuffer out;
    CHECK(alone.feed(bomb, out, 1000) == WsError::inflated_too_big);
    CHECK(out.size() == 1001);
    CHECK(out.capacity() <= 1001);
}

TEST_CASE("ws deflate: exactly the limit inflated is accepted", "[http][websocket][deflate]") {
    Deflater d(15, true, 8, 6);
    std::string deflated;
    REQUIRE(d.compress(std::string(1000, 'a'), deflated) == WsError::none);
    MessageLimits limits;
    limits.max_message = 1000;
    Inflater ok(15, true);
    MessageReader reader(limits, &ok);
    auto run = feed(reader, client_frame(Opcode::text, deflated, true, true));
    CHECK(run.messages() == std::vector<std::string>{std::string(1000, 'a')});
    limits.max_message = 999;
    Inflater over(15, true);
    MessageReader small(limits, &over);
    CHECK(feed(small, client_frame(Opcode::text, deflated, true, true)).error() ==
          WsError::inflated_too_big);
}

TEST_CASE("ws deflate: protocol errors in compressed messages", "[http][websocket][deflate]") {
    auto error_of = [](const std::string& input) {
        Inflater inflater(15, false);
        MessageReader reader({}, &inflater);
        return feed(reader, input).error();
    };
    SECTION("data zlib cannot inflate is 1007") {
        auto e = error_of(compressed_frame(hex("ff ff ff ff ff")));
        CHECK(e == WsError::bad_compressed_data);
        CHECK(close_code_for(e) == 1007);
    }
    SECTION("compressed text that inflates to invalid UTF-8 is 1007") {
        Deflater d(15, true);
        std::string deflated;
        REQUIRE(d.compress(hex("ce ba e1 bd b9 ed a0 80"), deflated) == WsError::none);
        CHECK(error_of(compressed_frame(deflated)) == WsError::invalid_utf8);
        // The same bytes as a binary message are fine.
        Inflater inflater(15, false);
        MessageReader reader({}, &inflater);
        CHECK(feed(reader, client_frame(Opcode::binary, deflated, true, true)).messages().size() ==
              1);
    }
    SECTION("the error does not depend on how the reads split the message") {
        // Found by fuzz_websocket_frame: this inflates to 0x85 (not UTF-8), then zlib fails.
        // Whole, zlib's error came first; byte by byte, the UTF-8 check did.
        auto input = compressed_frame(hex("6a 05 00 3d 5d f5 d6 fa 95 48 65"));
        for (std::size_t chop : {0, 1, 7}) {
            INFO("chop " << chop);
            Inflater inflater(15, false);
            MessageReader reader({}, &inflater);
            CHECK(feed(reader, input, chop).error() == WsError::invalid_utf8);
        }
    }
    SECTION("RSV1 on a continuation or a control frame is 1002 (RFC 7692 6.1)") {
        auto e = error_of(compressed_frame(hex("f2 48 cd"), false) +
                          client_frame(Opcode::continuation, hex("c9 c9 07 00"), true, true));
        CHECK(e == WsError::reserved_bits);
        CHECK(error_of(client_frame(Opcode::ping, "x", true, true)) == WsError::reserved_bits);
    }
    SECTION("RSV1 without the extension negotiated is 1002") {
        MessageReader plain;
        CHECK(feed(plain, compressed_frame(hex("f2 48 cd c9 c9 07 00"))).error() ==
              WsError::reserved_bits);
    }
}

TEST_CASE("ws deflate: memory is allocated lazily and released without context",
          "[http][websocket][deflate]") {
    Deflater d(12, true, 5, 6);
    CHECK_FALSE(d.allocated());
    std::string out;
    REQUIRE(d.compress("abc", out) == WsError::none);
    CHECK(d.allocated());
    d.release();
    CHECK_FALSE(d.allocated());
    // With context takeover release() keeps the state (it is the shared window).
    Deflater keep(12, false, 5, 6);
    REQUIRE(keep.compress("abc", out) == WsError::none);
    keep.release();
    CHECK(keep.allocated());
    // Compressing after a release starts a fresh stream the peer can still read.
    d.release();
    std::string again;
    REQUIRE(d.compress("Hello", again) == WsError::none);
    Inflater inflater(12, true);
    MessageReader reader({}, &inflater);
    CHECK(feed(reader, compressed_frame(again)).messages() == std::vector<std::string>{"Hello"});
}
