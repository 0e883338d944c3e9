// WebSocket messages: fragmentation, interleaved control frames, UTF-8 across fragments,
// close frames, limits; grouped as the Autobahn testsuite groups its cases (1.x framing,
// 2.x pings, 5.x fragmentation, 6.x UTF-8, 7.x close, 9.x limits).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "http/websocket_message.hpp"
#include "websocket_support.hpp"

using namespace paasrun::http::ws;
using paasrun::http::ws::test::client_frame;
using paasrun::http::ws::test::feed;
using paasrun::http::ws::test::hex;
using paasrun::http::ws::test::raw_frame;
using Kind = MessageReader::Kind;

namespace {

const std::vector<std::size_t> kChops = {0, 1, 2, 3, 7, 64, 1000};

// Runs `input` through a fresh reader with every chop size; all must agree with chop 0.
test::Run run_all(const std::string& input, const MessageLimits& limits = {}) {
    MessageReader first(limits);
    auto reference = feed(first, input);
    for (auto chop : kChops) {
        MessageReader r(limits);
        auto run = feed(r, input, chop);
        INFO("chop " << chop);
        REQUIRE(run.events.size() == reference.events.size());
        for (std::size_t i = 0; i < run.events.size(); ++i) {
            CHECK(run.events[i].kind == reference.events[i].kind);
            CHECK(run.events[i].payload == reference.events[i].payload);
            CHECK(run.events[i].error == reference.events[i].error);
        }
    }
    return reference;
}

WsError error_of(const std::string& input, const MessageLimits& limits = {}) {
    return run_all(input, limits).error();
}

}  // namespace

TEST_CASE("ws message: text and binary of every length class (Autobahn 1.1, 1.2)",
          "[http][websocket]") {
    for (std::size_t n : {0, 1, 125, 126, 127, 128, 65535, 65536, 100000}) {
        INFO(n);
        std::string text(n, '*');
        std::string binary(n, '\xfe');
        auto run = run_all(client_frame(Opcode::text, text) + client_frame(Opcode::binary, binary));
        REQUIRE(run.events.size() == 2);
        CHECK(run.events[0].kind == Kind::message);
        CHECK(run.events[0].opcode == Opcode::text);
        CHECK(run.events[0].payload == text);
        CHECK(run.events[1].opcode == Opcode::binary);
        CHECK(run.events[1].payload == binary);
    }
}

TEST_CASE("ws message: a whole frame in the buffer is delivered without a copy",
          "[http][websocket]") {
    std::string input = client_frame(Opcode::binary, "zero-copy");
    MessageReader r;
    auto ev = r.next(input.data(), input.size());
    REQUIRE(ev.kind == Kind::message);
    CHECK(ev.payload == "zero-copy");
    CHECK(ev.payload.data() == input.data() + 6);  // unmasked in place, in the input
    CHECK(ev.consumed == input.size());
}

TEST_CASE("ws message: pings and pongs (Autobahn 2.x)", "[http][websocket]") {
    SECTION("empty, text, binary and 125-byte pings; an unsolicited pong") {
        auto run = run_all(client_frame(Opcode::ping, "") + client_frame(Opcode::ping, "Hello") +
                           client_frame(Opcode::ping, hex("00 ff fe fd")) +
                           client_frame(Opcode::ping, std::string(125, 'x')) +
                           client_frame(Opcode::pong, "unsolicited"));
        REQUIRE(run.events.size() == 5);
        CHECK(run.events[0].kind == Kind::ping);
        CHECK(run.events[0].payload.empty());
        CHECK(run.events[1].payload == "Hello");
        CHECK(run.events[2].payload == hex("00 ff fe fd"));
        CHECK(run.events[3].payload == std::string(125, 'x'));
        CHECK(run.events[4].kind == Kind::pong);
        CHECK(run.events[4].payload == "unsolicited");
    }
    SECTION("a 126-byte ping fails the connection with 1002") {
        auto e = error_of(client_frame(Opcode::ping, std::string(126, 'x')));
        CHECK(e == WsError::control_too_long);
        CHECK(close_code_for(e) == 1002);
    }
    SECTION("ten pings in a row, each answered in order") {
        std::string input;
        for (int i = 0; i < 10; ++i) input += client_frame(Opcode::ping, std::to_string(i));
        auto run = run_all(input);
        REQUIRE(run.events.size() == 10);
        for (int i = 0; i < 10; ++i) CHECK(run.events[i].payload == std::to_string(i));
    }
}

TEST_CASE("ws message: fragmentation (Autobahn 5.x)", "[http][websocket]") {
    SECTION("5.3-5.5: a text message in two fragments") {
        auto run = run_all(client_frame(Opcode::text, "fragment1", false) +
                           client_frame(Opcode::continuation, "fragment2"));
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].payload == "fragment1fragment2");
    }
    SECTION("5.6-5.8: a ping between the fragments is delivered first") {
        auto run = run_all(client_frame(Opcode::text, "fragment1", false) +
                           client_frame(Opcode::ping, "ping payload") +
                           client_frame(Opcode::continuation, "fragment2"));
        REQUIRE(run.events.size() == 2);
        CHECK(run.events[0].kind == Kind::ping);
        CHECK(run.events[0].payload == "ping payload");
        CHECK(run.events[1].kind == Kind::message);
        CHECK(run.events[1].payload == "fragment1fragment2");
    }
    SECTION("5.19/5.20: many fragments with pings and pongs between them") {
        std::string input = client_frame(Opcode::text, "f1", false);
        std::string expected = "f1";
        for (int i = 2; i <= 10; ++i) {
            input += client_frame(i % 2 ? Opcode::ping : Opcode::pong, "p" + std::to_string(i));
            input += client_frame(Opcode::continuation, "f" + std::to_string(i), i == 10);
            expected += "f" + std::to_string(i);
        }
        auto run = run_all(input);
        REQUIRE(run.events.size() == 10);
        CHECK(run.events.back().kind == Kind::message);
        CHECK(run.events.back().payload == expected);
    }
    SECTION("empty fragments, including an empty final one") {
        auto run = run_all(client_frame(Opcode::binary, "", false) +
                           client_frame(Opcode::continuation, "x", false) +
                           client_frame(Opcode::continuation, ""));
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].opcode == Opcode::binary);
        CHECK(run.events[0].payload == "x");
    }
    SECTION("5.1/5.2: fragmented ping and pong") {
        CHECK(error_of(client_frame(Opcode::ping, "a", false) +
                       client_frame(Opcode::continuation, "b")) == WsError::control_fragmented);
        CHECK(error_of(client_frame(Opcode::pong, "a", false)) == WsError::control_fragmented);
    }
    SECTION("5.9-5.14: a continuation with no message started") {
        CHECK(error_of(client_frame(Opcode::continuation, "fragment2")) ==
              WsError::unexpected_continuation);
        CHECK(error_of(client_frame(Opcode::continuation, "fragment1", false) +
                       client_frame(Opcode::text, "fragment2")) ==
              WsError::unexpected_continuation);
        // After a complete message, a continuation has nothing to continue.
        CHECK(error_of(client_frame(Opcode::text, "done") +
                       client_frame(Opcode::continuation, "more")) ==
              WsError::unexpected_continuation);
    }
    SECTION("a new data frame while a message is unfinished") {
        CHECK(error_of(client_frame(Opcode::text, "a", false) + client_frame(Opcode::text, "b")) ==
              WsError::expected_continuation);
        CHECK(error_of(client_frame(Opcode::binary, "a", false) +
                       client_frame(Opcode::binary, "b", false)) == WsError::expected_continuation);
    }
    SECTION("the message delivered before an error is kept") {
        auto run = run_all(client_frame(Opcode::text, "first") +
                           client_frame(Opcode::continuation, "bad"));
        REQUIRE(run.events.size() == 2);
        CHECK(run.events[0].payload == "first");
        CHECK(run.events[1].error == WsError::unexpected_continuation);
    }
}

TEST_CASE("ws message: UTF-8 across fragments (Autobahn 6.x)", "[http][websocket]") {
    const std::string kosme = hex("ce ba e1 bd b9 cf 83 ce bc ce b5");  // κόσμε
    SECTION("6.2.2-6.2.4: valid text split at every byte, in frames and in reads") {
        for (std::size_t cut = 0; cut <= kosme.size(); ++cut) {
            auto run = run_all(client_frame(Opcode::text, kosme.substr(0, cut), false) +
                               client_frame(Opcode::continuation, kosme.substr(cut)));
            REQUIRE(run.events.size() == 1);
            CHECK(run.events[0].payload == kosme);
        }
        // One code point per frame, 1 byte per frame.
        std::string input;
        for (std::size_t i = 0; i < kosme.size(); ++i)
            input += client_frame(i == 0 ? Opcode::text : Opcode::continuation, kosme.substr(i, 1),
                                  i + 1 == kosme.size());
        auto run = run_all(input);
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].payload == kosme);
    }
    SECTION("6.3/6.4: invalid text fails with 1007, at the first bad fragment (fail fast)") {
        const std::string bad = kosme + hex("ed a0 80") + "edited";
        CHECK(error_of(client_frame(Opcode::text, bad)) == WsError::invalid_utf8);
        // The first fragment already holds the invalid sequence: refused before the message
        // ends, even though the rest never comes.
        auto run = run_all(client_frame(Opcode::text, kosme + hex("f4 90"), false));
        CHECK(run.error() == WsError::invalid_utf8);
        CHECK(close_code_for(run.error()) == 1007);
        // 6.4.1: the bad byte arrives in the second read of one frame.
        std::string frame = client_frame(Opcode::text, kosme + hex("f4 90 80 80") + "edited");
        MessageReader r;
        auto first = r.next(frame.data(), 6 + kosme.size());
        CHECK(first.kind == Kind::need_more);
        auto second = r.next(frame.data() + first.consumed, frame.size() - first.consumed);
        CHECK(second.kind == Kind::error);
        CHECK(second.error == WsError::invalid_utf8);
    }
    SECTION("a text message that ends inside a code point") {
        CHECK(error_of(client_frame(Opcode::text, "ok", false) +
                       client_frame(Opcode::continuation, hex("ce"))) == WsError::invalid_utf8);
        CHECK(error_of(client_frame(Opcode::text, hex("e2 82"))) == WsError::invalid_utf8);
    }
    SECTION("binary messages are not UTF-8 checked") {
        auto run = run_all(client_frame(Opcode::binary, hex("ff fe ed a0 80")));
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].payload == hex("ff fe ed a0 80"));
    }
    SECTION("each message starts with a fresh validator") {
        auto run = run_all(client_frame(Opcode::text, "a") + client_frame(Opcode::text, kosme));
        CHECK(run.messages() == std::vector<std::string>{"a", kosme});
    }
}

TEST_CASE("ws message: close frames (Autobahn 7.x)", "[http][websocket]") {
    auto close_with = [](std::uint16_t code, std::string_view reason = {}) {
        std::string payload;
        payload += static_cast<char>(code >> 8);
        payload += static_cast<char>(code & 0xff);
        payload += reason;
        return client_frame(Opcode::close, payload);
    };
    SECTION("7.3.1: an empty close frame means 1005 (no status)") {
        auto run = run_all(client_frame(Opcode::close, ""));
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].kind == Kind::close);
        CHECK(run.events[0].close_code == 1005);
        CHECK(run.events[0].payload.empty());
    }
    SECTION("7.3.2: a 1-byte payload is a protocol error") {
        CHECK(error_of(client_frame(Opcode::close, "a")) == WsError::bad_close_payload);
    }
    SECTION("7.3.3-7.3.5: code and reason, up to 123 bytes of reason") {
        auto run = run_all(close_with(1000, "Hello"));
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].close_code == 1000);
        CHECK(run.events[0].payload == "Hello");
        auto longest = run_all(close_with(1000, std::string(123, 'r')));
        CHECK(longest.events[0].payload.size() == 123);
        CHECK(error_of(close_with(1000, std::string(124, 'r'))) == WsError::control_too_long);
    }
    SECTION("7.5.1: a reason that is not UTF-8 is 1007") {
        auto e = error_of(close_with(1000, hex("ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80")));
        CHECK(e == WsError::invalid_utf8);
        CHECK(close_code_for(e) == 1007);
    }
    SECTION("7.7.x: valid codes") {
        for (std::uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013,
                                   1014, 3000, 3999, 4000, 4999}) {
            INFO(code);
            auto run = run_all(close_with(code));
            REQUIRE(run.events.size() == 1);
            CHECK(run.events[0].kind == Kind::close);
            CHECK(run.events[0].close_code == code);
        }
    }
    SECTION("7.9.x: invalid codes are 1002") {
        for (std::uint16_t code :
             {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
            INFO(code);
            auto e = error_of(close_with(code));
            CHECK(e == WsError::invalid_close_code);
            CHECK(close_code_for(e) == 1002);
        }
    }
    SECTION("7.1.x: after the close frame, the rest is ignored") {
        auto input = close_with(1000) + client_frame(Opcode::text, "after close") +
                     client_frame(Opcode::ping, "") + raw_frame(0x83, "reserved");
        auto run = run_all(input);
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].kind == Kind::close);
        CHECK(run.consumed == input.size());
        MessageReader r;
        auto ev = r.next(input.data(), input.size());
        CHECK(ev.kind == Kind::close);
        CHECK(r.closed());
    }
    SECTION("a close frame between fragments ends the exchange") {
        auto run = run_all(client_frame(Opcode::text, "part", false) + close_with(1001));
        REQUIRE(run.events.size() == 1);
        CHECK(run.events[0].kind == Kind::close);
        CHECK(run.events[0].close_code == 1001);
    }
}

TEST_CASE("ws message: message size limit (Autobahn 9.x, 1009)", "[http][websocket]") {
    MessageLimits limits;
    limits.max_message = 1000;
    SECTION("exactly the limit passes, one byte over does not") {
        auto ok = run_all(client_frame(Opcode::binary, std::string(1000, 'b')), limits);
        REQUIRE(ok.events.size() == 1);
        CHECK(ok.events[0].payload.size() == 1000);
        auto e = error_of(client_frame(Opcode::binary, std::string(1001, 'b')), limits);
        CHECK(e == WsError::message_too_big);
        CHECK(close_code_for(e) == 1009);
    }
    SECTION("refused when the header announces it, before the payload is read") {
        std::string header = hex("82 ff 00 00 00 01 00 00 00 00 37 fa 21 3d");  // 4 GiB
        MessageReader r(limits);
        auto ev = r.next(header.data(), header.size());
        CHECK(ev.kind == Kind::error);
        CHECK(ev.error == WsError::message_too_big);
        CHECK(ev.consumed == header.size());
    }
    SECTION("fragments count together") {
        std::string input;
        for (int i = 0; i < 9; ++i)
            input +=
                client_frame(i ? Opcode::continuation : Opcode::text, std::string(100, 'a'), false);
        auto fits = input + client_frame(Opcode::continuation, std::string(100, 'a'));
        CHECK(run_all(fits, limits).messages().at(0).size() == 1000);
        auto over = input + client_frame(Opcode::continuation, std::string(101, 'a'));
        CHECK(error_of(over, limits) == WsError::message_too_big);
    }
    SECTION("the limit is per message") {
        std::string input;
        for (int i = 0; i < 5; ++i) input += client_frame(Opcode::binary, std::string(800, 'x'));
        CHECK(run_all(input, limits).messages().size() == 5);
    }
    SECTION("control frames between fragments do not count") {
        auto run = run_all(client_frame(Opcode::text, std::string(600, 'a'), false) +
                               client_frame(Opcode::ping, std::string(125, 'p')) +
                               client_frame(Opcode::continuation, std::string(400, 'a')),
                           limits);
        CHECK(run.messages().at(0).size() == 1000);
    }
}

TEST_CASE("ws message: reserved bits and opcodes fail the connection (Autobahn 3.x, 4.x)",
          "[http][websocket]") {
    // 3.2: a valid message first, then RSV2 on the next: the first one is still delivered.
    auto run = run_all(client_frame(Opcode::text, "Hello") + raw_frame(0xa1, "Hello") +
                       client_frame(Opcode::ping, ""));
    REQUIRE(run.events.size() == 2);
    CHECK(run.events[0].payload == "Hello");
    CHECK(run.events[1].error == WsError::reserved_bits);
    CHECK(error_of(raw_frame(0xc1, "compressed?")) == WsError::reserved_bits);  // no deflate
    CHECK(error_of(raw_frame(0x85, "")) == WsError::reserved_opcode);
    CHECK(error_of(raw_frame(0x8b, "")) == WsError::reserved_opcode);
}

TEST_CASE("ws message: release() frees the buffer between messages only", "[http][websocket]") {
    MessageReader r;
    std::string input = client_frame(Opcode::text, "part", false);
    auto ev = r.next(input.data(), input.size());
    CHECK(ev.kind == Kind::need_more);
    CHECK(r.in_message());
    r.release();  // ignored mid-message: the fragment must survive
    std::string rest = client_frame(Opcode::continuation, "-rest");
    ev = r.next(rest.data(), rest.size());
    REQUIRE(ev.kind == Kind::message);
    CHECK(ev.payload == "part-rest");
    CHECK_FALSE(r.in_message());
    r.release();
    // A close frame in the middle of a message ends it: nothing is kept for it.
    std::string unfinished =
        client_frame(Opcode::text, "never finished", false) + client_frame(Opcode::close, "");
    MessageReader c;
    const std::size_t first_frame = 6 + 14;  // header, mask, "never finished"
    ev = c.next(unfinished.data(), first_frame);
    CHECK(ev.kind == Kind::need_more);
    CHECK(c.in_message());
    ev = c.next(unfinished.data() + ev.consumed, unfinished.size() - ev.consumed);
    CHECK(ev.kind == Kind::close);
    CHECK_FALSE(c.in_message());
}

TEST_CASE("ws message: append_message frames a whole server message", "[http][websocket]") {
    std::string out;
    CHECK(append_message(out, Opcode::text, "Hello") == WsError::none);
    CHECK(out == hex("81 05 48 65 6c 6c 6f"));
}
