// WebSocket frames (RFC 6455 5): the parser's per-frame rules, masking, the serializer, with
// RFC 6455 5.7's sample frames.
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "http/websocket_frame.hpp"
#include "websocket_support.hpp"

using namespace paasrun::http::ws;
using paasrun::http::ws::test::client_frame;
using paasrun::http::ws::test::hex;
using paasrun::http::ws::test::kKey;
using paasrun::http::ws::test::raw_frame;

namespace {

struct Parsed {
    FrameHeader header;
    std::string payload;
    WsError error = WsError::none;
    bool complete = false;
    std::size_t consumed = 0;
};

// Parses one frame from `bytes`, fed `chop` bytes at a time (0: all at once).
Parsed parse_one(std::string bytes, bool require_mask = true, bool allow_rsv1 = false,
                 std::size_t chop = 0) {
    FrameParser p(require_mask, allow_rsv1);
    Parsed out;
    if (chop == 0) chop = bytes.size() ? bytes.size() : 1;
    std::size_t pos = 0, available = 0;
    while (!out.complete) {
        if (pos == available) {
            if (available == bytes.size()) break;
            available = std::min(bytes.size(), available + chop);
        }
        auto s = p.next(bytes.data() + pos, available - pos);
        pos += s.consumed;
        if (s.kind == FrameParser::Kind::error) {
            out.error = s.error;
            break;
        }
        if (s.kind == FrameParser::Kind::header) out.header = s.header;
        if (s.kind == FrameParser::Kind::payload) out.payload += s.data;
        if (s.kind != FrameParser::Kind::need_more && s.frame_end) out.complete = true;
    }
    out.consumed = pos;
    return out;
}

WsError error_of(std::string bytes, bool allow_rsv1 = false) {
    auto p = parse_one(std::move(bytes), true, allow_rsv1);
    REQUIRE_FALSE(p.complete);
    return p.error;
}

}  // namespace

TEST_CASE("ws frame: RFC 6455 5.7 sample frames", "[http][websocket]") {
    SECTION("a single-frame masked text message") {
        auto p = parse_one(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
        REQUIRE(p.complete);
        CHECK(p.header.fin);
        CHECK(p.header.opcode == Opcode::text);
        CHECK(p.header.masked);
        CHECK(p.header.length == 5);
        CHECK(p.payload == "Hello");
    }
    SECTION("a single-frame unmasked text message (a server's; refused from a client)") {
        auto bytes = hex("81 05 48 65 6c 6c 6f");
        auto p = parse_one(bytes, false);
        REQUIRE(p.complete);
        CHECK(p.payload == "Hello");
        CHECK(parse_one(bytes).error == WsError::unmasked_frame);
    }
    SECTION("a fragmented unmasked text message") {
        auto first = parse_one(hex("01 03 48 65 6c"), false);
        REQUIRE(first.complete);
        CHECK_FALSE(first.header.fin);
        CHECK(first.header.opcode == Opcode::text);
        CHECK(first.payload == "Hel");
        auto second = parse_one(hex("80 02 6c 6f"), false);
        REQUIRE(second.complete);
        CHECK(second.header.fin);
        CHECK(second.header.opcode == Opcode::continuation);
        CHECK(second.payload == "lo");
    }
    SECTION("unmasked ping, masked pong") {
        auto ping = parse_one(hex("89 05 48 65 6c 6c 6f"), false);
        CHECK(ping.header.opcode == Opcode::ping);
        CHECK(ping.payload == "Hello");
        auto pong = parse_one(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
        CHECK(pong.header.opcode == Opcode::pong);
        CHECK(pong.payload == "Hello");
    }
    SECTION("256 bytes in a 16-bit length, 64 KiB in a 64-bit length") {
        std::string p256(256, 'x');
        auto a = parse_one(hex("82 7e 01 00") + p256, false);
        REQUIRE(a.complete);
        CHECK(a.header.length == 256);
        CHECK(a.payload == p256);
        std::string p64k(65536, 'y');
        auto b = parse_one(hex("82 7f 00 00 00 00 00 01 00 00") + p64k, false);
        REQUIRE(b.complete);
        CHECK(b.header.length == 65536);
        CHECK(b.payload == p64k);
    }
}

TEST_CASE("ws frame: the serializer writes RFC 6455 5.7's frames", "[http][websocket]") {
    std::string out;
    CHECK(append_frame(out, Opcode::text, "Hello"));
    CHECK(out == hex("81 05 48 65 6c 6c 6f"));
    out.clear();
    FrameOptions first;
    first.fin = false;
    CHECK(append_frame(out, Opcode::text, "Hel", first));
    CHECK(append_frame(out, Opcode::continuation, "lo"));
    CHECK(out == hex("01 03 48 65 6c 80 02 6c 6f"));
    out.clear();
    CHECK(append_frame(out, Opcode::ping, "Hello"));
    CHECK(out == hex("89 05 48 65 6c 6c 6f"));
    out.clear();
    FrameOptions masked;
    masked.mask = &kKey;
    CHECK(append_frame(out, Opcode::pong, "Hello", masked));
    CHECK(out == hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
    CHECK(encode_frame_header(Opcode::binary, 256).view() == hex("82 7e 01 00"));
    CHECK(encode_frame_header(Opcode::binary, 65536).view() ==
          hex("82 7f 00 00 00 00 00 01 00 00"));
}

TEST_CASE("ws frame: the serializer always uses the shortest length form", "[http][websocket]") {
    for (std::uint64_t n : {0ull, 1ull, 125ull, 126ull, 127ull, 65535ull, 65536ull, 1ull << 40}) {
        INFO(n);
        auto h = encode_frame_header(Opcode::binary, n);
        std::size_t expected = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
        CHECK(h.size == expected);
        // ...and the parser reads it back (the parser refuses any non-minimal form).
        std::string bytes(h.view());
        FrameParser p(false);
        auto s = p.next(bytes.data(), bytes.size());
        REQUIRE(s.kind == FrameParser::Kind::header);
        CHECK(s.header.length == n);
        CHECK(s.consumed == bytes.size());
    }
}

TEST_CASE("ws frame: control frames over 125 bytes are not serialized", "[http][websocket]") {
    std::string out;
    CHECK(append_frame(out, Opcode::ping, std::string(125, 'p')));
    auto size = out.size();
    CHECK_FALSE(append_frame(out, Opcode::ping, std::string(126, 'p')));
    CHECK(out.size() == size);
    CHECK(append_frame(out, Opcode::binary, std::string(126, 'b')));
}

TEST_CASE("ws frame: close frames carry a big-endian code and a reason cut at 123 bytes",
          "[http][websocket]") {
    std::string out;
    append_close_frame(out, 1001, "going away");
    CHECK(out == hex("88 0c 03 e9") + "going away");
    out.clear();
    append_close_frame(out, 0, "ignored");
    CHECK(out == hex("88 00"));
    out.clear();
    // 122 ASCII bytes and a 3-byte character: the character does not fit in 123 bytes.
    std::string reason = std::string(122, 'r') + hex("e2 82 ac");
    append_close_frame(out, 1000, reason);
    CHECK(out.size() == 2 + 2 + 122);
    CHECK(static_cast<unsigned char>(out[1]) == 124);
    // A code without a reason (the default argument: a null string_view). Under UBSan this
    // stopped the worker (memcpy from a null pointer) when a client closed with 1000.
    out.clear();
    append_close_frame(out, 1000);
    CHECK(out == hex("88 02 03 e8"));
}

TEST_CASE("ws frame: masking is its own inverse at every phase and length", "[http][websocket]") {
    std::mt19937 rng(42);
    for (std::size_t len : {0, 1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 100, 1000}) {
        for (std::size_t phase = 0; phase < 4; ++phase) {
            std::string data(len, '\0');
            for (auto& c : data) c = static_cast<char>(rng());
            std::string masked = data;
            auto next = apply_mask(masked.data(), masked.size(), kKey, phase);
            CHECK(next == (phase + len) % 4);
            for (std::size_t i = 0; i < len; ++i)
                REQUIRE(static_cast<unsigned char>(masked[i]) ==
                        (static_cast<unsigned char>(data[i]) ^ kKey[(phase + i) % 4]));
            apply_mask(masked.data(), masked.size(), kKey, phase);
            CHECK(masked == data);
        }
    }
}

TEST_CASE("ws frame: masking in pieces equals masking at once", "[http][websocket]") {
    std::string data(257, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
    std::string whole = data;
    apply_mask(whole.data(), whole.size(), kKey);
    for (std::size_t cut : {1, 2, 3, 5, 9, 100, 256}) {
        std::string pieces = data;
        auto phase = apply_mask(pieces.data(), cut, kKey);
        apply_mask(pieces.data() + cut, pieces.size() - cut, kKey, phase);
        CHECK(pieces == whole);
    }
}

TEST_CASE("ws frame: parsed in pieces of any size, the same frame comes out", "[http][websocket]") {
    auto frame = client_frame(Opcode::binary, std::string(300, 'z')) +
                 client_frame(Opcode::text, "after");  // the next frame is left alone
    auto whole = parse_one(frame);
    REQUIRE(whole.complete);
    for (std::size_t chop : {1, 2, 3, 5, 13, 64}) {
        auto p = parse_one(frame, true, false, chop);
        REQUIRE(p.complete);
        CHECK(p.payload == whole.payload);
        CHECK(p.header.length == 300);
        CHECK(p.consumed == 2 + 2 + 4 + 300);
    }
}

TEST_CASE("ws frame: a zero-length frame ends at its header", "[http][websocket]") {
    std::string bytes = client_frame(Opcode::text, "");
    FrameParser p;
    auto s = p.next(bytes.data(), bytes.size());
    CHECK(s.kind == FrameParser::Kind::header);
    CHECK(s.frame_end);
    CHECK(s.consumed == 6);
}

TEST_CASE("ws frame: reserved bits are refused (Autobahn 3.x)", "[http][websocket]") {
    CHECK(error_of(raw_frame(0x81 | 0x20, "x")) == WsError::reserved_bits);  // RSV2
    CHECK(error_of(raw_frame(0x81 | 0x10, "x")) == WsError::reserved_bits);  // RSV3
    CHECK(error_of(raw_frame(0x81 | 0x70, "x")) == WsError::reserved_bits);
    CHECK(error_of(raw_frame(0x81 | 0x40, "x")) == WsError::reserved_bits);  // RSV1, no deflate
    CHECK(error_of(raw_frame(0x89 | 0x40, "x")) == WsError::reserved_bits);  // on a ping
    // With permessage-deflate RSV1 may start a data message, never on control/continuation.
    CHECK(parse_one(raw_frame(0xc1, "x"), true, true).complete);
    CHECK(error_of(raw_frame(0xc9, "x"), true) == WsError::reserved_bits);
    CHECK(error_of(raw_frame(0xc0, "x"), true) == WsError::reserved_bits);
    CHECK(error_of(raw_frame(0xa1, "x"), true) == WsError::reserved_bits);  // RSV2 stays
}

TEST_CASE("ws frame: reserved opcodes are refused from the first byte (Autobahn 4.x)",
          "[http][websocket]") {
    for (std::uint8_t op : {3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf}) {
        INFO(int(op));
        CHECK(error_of(raw_frame(0x80 | op, "payload")) == WsError::reserved_opcode);
        // Decided on the first two bytes: nothing after them is read.
        std::string two = raw_frame(0x80 | op, "payload").substr(0, 2);
        FrameParser p;
        auto s = p.next(two.data(), two.size());
        CHECK(s.kind == FrameParser::Kind::error);
        CHECK(s.consumed == 2);
    }
}

TEST_CASE("ws frame: client frames must be masked", "[http][websocket]") {
    CHECK(error_of(raw_frame(0x81, "Hello", false)) == WsError::unmasked_frame);
    CHECK(error_of(raw_frame(0x88, "", false)) == WsError::unmasked_frame);
}

TEST_CASE("ws frame: control frames are short and never fragmented (Autobahn 2.5, 5.1)",
          "[http][websocket]") {
    CHECK(parse_one(client_frame(Opcode::ping, std::string(125, 'p'))).complete);
    CHECK(error_of(client_frame(Opcode::ping, std::string(126, 'p'))) == WsError::control_too_long);
    CHECK(error_of(client_frame(Opcode::close, std::string(200, 'c'))) ==
          WsError::control_too_long);
    CHECK(error_of(client_frame(Opcode::ping, "a", false)) == WsError::control_fragmented);
    CHECK(error_of(client_frame(Opcode::pong, "a", false)) == WsError::control_fragmented);
    CHECK(error_of(client_frame(Opcode::close, "", false)) == WsError::control_fragmented);
}

TEST_CASE("ws frame: lengths must use the minimal encoding", "[http][websocket]") {
    // 5 bytes announced with the 16-bit form, 200 with the 64-bit form.
    CHECK(error_of(hex("82 fe 00 05 37 fa 21 3d") + "hello") == WsError::non_minimal_length);
    CHECK(error_of(hex("82 fe 00 7d 37 fa 21 3d")) == WsError::non_minimal_length);  // 125
    CHECK(error_of(hex("82 ff 00 00 00 00 00 00 00 c8 37 fa 21 3d")) ==
          WsError::non_minimal_length);
    CHECK(error_of(hex("82 ff 00 00 00 00 00 00 ff ff 37 fa 21 3d")) ==
          WsError::non_minimal_length);
    // The boundaries themselves are fine.
    FrameParser p;
    std::string ok = hex("82 fe 00 7e 37 fa 21 3d");
    CHECK(p.next(ok.data(), ok.size()).header.length == 126);
    FrameParser q;
    std::string ok64 = hex("82 ff 00 00 00 00 00 01 00 00 37 fa 21 3d");
    CHECK(q.next(ok64.data(), ok64.size()).header.length == 65536);
}

TEST_CASE("ws frame: a 64-bit length with the top bit set is refused", "[http][websocket]") {
    CHECK(error_of(hex("82 ff 80 00 00 00 00 00 00 00 37 fa 21 3d")) == WsError::length_msb_set);
}

TEST_CASE("ws frame: after an error the parser stays failed", "[http][websocket]") {
    FrameParser p;
    std::string bad = raw_frame(0x83, "x");
    auto s = p.next(bad.data(), bad.size());
    REQUIRE(s.kind == FrameParser::Kind::error);
    std::string good = client_frame(Opcode::text, "x");
    auto again = p.next(good.data(), good.size());
    CHECK(again.kind == FrameParser::Kind::error);
    CHECK(again.error == WsError::reserved_opcode);
    CHECK(again.consumed == 0);
}

TEST_CASE("ws frame: error codes map to close codes", "[http][websocket]") {
    CHECK(close_code_for(WsError::reserved_opcode) == 1002);
    CHECK(close_code_for(WsError::non_minimal_length) == 1002);
    CHECK(close_code_for(WsError::invalid_utf8) == 1007);
    CHECK(close_code_for(WsError::bad_compressed_data) == 1007);
    CHECK(close_code_for(WsError::message_too_big) == 1009);
    CHECK(close_code_for(WsError::inflated_too_big) == 1009);
    CHECK(close_code_for(WsError::out_of_memory) == 1011);
    CHECK(close_code_for(WsError::none) == 0);
    CHECK(describe(WsError::control_too_long) == "control_too_long");
}
