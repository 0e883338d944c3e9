// Helpers for the WebSocket codec tests: bytes from hex, client (masked) frames, and a driver
// that feeds a MessageReader in pieces of a given size and records its events.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/websocket_frame.hpp"
#include "http/websocket_message.hpp"

namespace paasrun::http::ws::test {

/// "81 05 48 65" -> the bytes (spaces ignored).
inline std::string hex(std::string_view text) {
    std::string out;
    int hi = -1;
    for (char c : text) {
        int v;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else if (c == ' ')
            continue;
        else
            throw std::invalid_argument("hex: bad character");
        if (hi < 0) {
            hi = v;
        } else {
            out += static_cast<char>(hi * 16 + v);
            hi = -1;
        }
    }
    if (hi >= 0) throw std::invalid_argument("hex: odd length");
    return out;
}

inline constexpr MaskKey kKey{0x37, 0xfa, 0x21, 0x3d};  // RFC 6455 5.7's key

/// A client frame: masked with kKey (or `key`).
inline std::string client_frame(Opcode op, std::string_view payload, bool fin = true,
                                bool rsv1 = false, const MaskKey& key = kKey) {
    std::string out;
    FrameOptions o;
    o.fin = fin;
    o.rsv1 = rsv1;
    o.mask = &key;
    if (!append_frame(out, op, payload, o)) {
        // Oversized control frames are what some tests need: build them by hand.
        auto h = encode_frame_header(op, payload.size(), o);
        out += h.view();
        std::string p(payload);
        apply_mask(p.data(), p.size(), key);
        out += p;
    }
    return out;
}

/// A raw frame from its header bits (for invalid frames the serializer would not make).
inline std::string raw_frame(std::uint8_t b0, std::string_view payload, bool masked = true) {
    std::string out;
    out += static_cast<char>(b0);
    auto h = encode_frame_header(Opcode::text, payload.size());
    out += static_cast<char>((masked ? 0x80 : 0) | (static_cast<unsigned char>(h.bytes[1]) & 0x7f));
    out.append(h.bytes.data() + 2, h.size - 2);
    std::string p(payload);
    if (masked) {
        out.append(reinterpret_cast<const char*>(kKey.data()), 4);
        apply_mask(p.data(), p.size(), kKey);
    }
    return out + p;
}

struct Recorded {
    MessageReader::Kind kind;
    Opcode opcode;
    std::string payload;
    std::uint16_t close_code;
    WsError error;
};

struct Run {
    std::vector<Recorded> events;  // every event but need_more
    std::size_t consumed = 0;
    [[nodiscard]] WsError error() const {
        return !events.empty() && events.back().kind == MessageReader::Kind::error
                   ? events.back().error
                   : WsError::none;
    }
    [[nodiscard]] std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (const auto& e : events)
            if (e.kind == MessageReader::Kind::message) out.push_back(e.payload);
        return out;
    }
};

/// Feeds `input` to `reader` in pieces of at most `chop` bytes (0: all at once), as reads
/// would arrive, until it is used up or an error occurs.
inline Run feed(MessageReader& reader, std::string input, std::size_t chop = 0) {
    Run run;
    if (chop == 0) chop = input.size() ? input.size() : 1;
    std::size_t available = 0;  // bytes "received" so far
    std::size_t pos = 0;
    for (;;) {
        available = std::min(input.size(), available + chop);
        for (;;) {
            auto ev = reader.next(input.data() + pos, available - pos);
            pos += ev.consumed;
            if (ev.kind == MessageReader::Kind::need_more) break;
            run.events.push_back(
                {ev.kind, ev.opcode, std::string(ev.payload), ev.close_code, ev.error});
            if (ev.kind == MessageReader::Kind::error) {
                run.consumed = pos;
                return run;
            }
        }
        if (available == input.size()) break;
    }
    run.consumed = pos;
    return run;
}

}  // namespace paasrun::http::ws::test
