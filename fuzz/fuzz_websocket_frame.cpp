// libFuzzer target: WebSocket frames and messages (src/http/websocket_*), with and without
// permessage-deflate. Seeds: tests/fixtures/fuzz/websocket_frame/ + websocket_frame.dict.
//
// The first input byte picks the setting (deflate negotiated, context takeover, read size,
// decompressor window);
// the rest is what a client sends. Beyond "no crash, no UB, no leak" it checks the codec's
// contracts:
// - the reader is incremental: fed in reads of any size it reports the same events, in the
//   same order, as fed all at once, and never consumes more than it was given;
// - no message is larger than the limit; every text message and close reason is UTF-8;
//   every close code reported is one a peer may send; an error is sticky;
// - what the reader accepts, the server's serializer can send back, and a reader of server
//   frames reads the same message (an echo server's round trip, compressed when negotiated).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/utf8.hpp"
#include "http/websocket_deflate.hpp"
#include "http/websocket_frame.hpp"
#include "http/websocket_message.hpp"

namespace {

using namespace paasrun::http;
using namespace paasrun::http::ws;

void check(bool ok) {
    if (!ok) std::abort();
}

struct Event {
    MessageReader::Kind kind;
    Opcode opcode;
    std::string payload;
    std::uint16_t code;
    WsError error;
};

constexpr std::size_t kMaxMessage = 4096;  // small: the 1009 paths are reached quickly

// Runs a fresh reader over a copy of `input` (the reader unmasks in place) in reads of
// `chop` bytes.
std::vector<Event> read_all(const std::string& input, std::size_t chop, bool deflate,
                            bool no_context, int window_bits) {
    std::string buf = input;
    MessageLimits limits;
    limits.max_message = kMaxMessage;
    Inflater inflater(window_bits, no_context);
    MessageReader reader(limits, deflate ? &inflater : nullptr);
    std::vector<Event> events;
    std::size_t pos = 0, available = 0;
    for (;;) {
        available = std::min(buf.size(), available + chop);
        for (;;) {
            const std::size_t offered = available - pos;
            auto ev = reader.next(buf.data() + pos, offered);
            check(ev.consumed <= offered);
            pos += ev.consumed;
            if (ev.kind == MessageReader::Kind::need_more) {
                check(pos == available);  // need_more means everything offered was used
                break;
            }
            events.push_back(
                {ev.kind, ev.opcode, std::string(ev.payload), ev.close_code, ev.error});
            if (ev.kind == MessageReader::Kind::error) {
                auto again = reader.next(buf.data() + pos, available - pos);
                check(again.kind == MessageReader::Kind::error && again.error == ev.error);
                return events;
            }
            if (ev.kind == MessageReader::Kind::close) reader.release();
        }
        if (available == buf.size()) break;
        if (!reader.in_message()) reader.release();  // as an idle connection would
    }
    return events;
}

// What every event must satisfy, whatever the input.
void check_event(const Event& ev) {
    switch (ev.kind) {
        case MessageReader::Kind::message:
            check(ev.payload.size() <= kMaxMessage);
            check(ev.opcode == Opcode::text || ev.opcode == Opcode::binary);
            if (ev.opcode == Opcode::text) check(is_valid_utf8(ev.payload));
            break;
        case MessageReader::Kind::ping:
        case MessageReader::Kind::pong: {
            check(ev.payload.size() <= kMaxControlPayload);
            std::string pong;
            check(append_frame(pong, Opcode::pong, ev.payload));
            break;
        }
        case MessageReader::Kind::close: {
            check(ev.code == close_code::no_status || is_valid_close_code(ev.code));
            check(is_valid_utf8(ev.payload) && ev.payload.size() <= kMaxCloseReason);
            std::string echo;
            append_close_frame(echo, ev.code == close_code::no_status ? 0 : ev.code, ev.payload);
            check(echo.size() <= 2 + kMaxControlPayload);
            break;
        }
        case MessageReader::Kind::error:
            check(close_code_for(ev.error) >= 1002);
            break;
        case MessageReader::Kind::need_more:
            check(false);
    }
}

// Echo: serialize the message as a server would, read it back as a client would.
void round_trip(const Event& ev, Deflater* deflater, Inflater* client_inflater) {
    std::string wire;
    check(append_message(wire, ev.opcode, ev.payload, deflater) == WsError::none);
    FrameParser client(false, deflater != nullptr);
    auto head = client.next(wire.data(), wire.size());
    check(head.kind == FrameParser::Kind::header);
    check(head.header.fin && !head.header.masked && head.header.opcode == ev.opcode);
    check(head.header.rsv1 == (deflater != nullptr));
    std::string payload(wire.substr(head.consumed));
    check(payload.size() == head.header.length);
    if (deflater) {
        MessageBuffer out;
        check(client_inflater->feed(payload, out, kMaxMessage) == WsError::none);
        check(client_inflater->finish(out, kMaxMessage) == WsError::none);
        payload.assign(out.view());
    }
    check(payload == ev.payload);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t setting = data[0];
    const bool deflate = setting & 1;
    const bool no_context = setting & 2;
    static constexpr std::size_t kChops[] = {1, 2, 3, 7, 16, 64, 256, 4096};
    const std::size_t chop = kChops[(setting >> 2) & 7];
    const int window_bits = 9 + std::min(setting >> 5, 6);  // the decompressor's: 9..15
    const std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

    auto whole = read_all(input, input.size() ? input.size() : 1, deflate, no_context, window_bits);
    auto pieces = read_all(input, chop, deflate, no_context, window_bits);
    // With a window under 15 bits zlib accepts a distance past the window when the bytes it
    // points at were written by the same inflate() call, so a client that breaks its window
    // promise may be refused or not depending on its reads (websocket_deflate.hpp). With 15
    // bits (the format's maximum) the outcome is exact: the reads must not matter.
    const bool exact = !deflate || window_bits == 15;
    for (const auto& ev : pieces) check_event(ev);
    if (!exact) return 0;
    check(whole.size() == pieces.size());
    for (std::size_t i = 0; i < whole.size(); ++i) {
        check(whole[i].kind == pieces[i].kind);
        check(whole[i].payload == pieces[i].payload);
        check(whole[i].error == pieces[i].error);
    }

    Deflater deflater(12, no_context, 5, 6);
    Inflater client_inflater(15, no_context);
    for (const auto& ev : whole) {
        if (ev.kind != MessageReader::Kind::message) continue;
        round_trip(ev, deflate ? &deflater : nullptr, &client_inflater);
        if (no_context) deflater.release();
    }
    return 0;
}
