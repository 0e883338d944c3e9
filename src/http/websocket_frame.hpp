// WebSocket framing (RFC 6455 section 5): the incremental frame parser, masking, and the
// serializer for the frames a server sends.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-------+-+-------------+-------------------------------+
//  |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
//  |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
//  |N|V|V|V|       |S|             |   (if payload len==126/127)   |
//  | |1|2|3|       |K|             |                               |
//  +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
//  |     Extended payload length continued, if payload len == 127  |
//  + - - - - - - - - - - - - - - - +-------------------------------+
//  |                               |Masking-key, if MASK set to 1  |
//  +-------------------------------+-------------------------------+
//  | Masking-key (continued)       |          Payload Data         |
//  +-------------------------------- - - - - - - - - - - - - - - - +
//
// FrameParser checks every rule that one frame can break on its own, as early as the bytes
// allow (a reserved opcode is refused from the first byte, before its length arrives):
// RSV2/RSV3 set; RSV1 set unless permessage-deflate was negotiated, and never on a control
// or continuation frame (RFC 7692 6.1); reserved opcodes; a client frame without the mask
// bit (5.1); a control frame longer than 125 bytes or without FIN (5.5); a 16- or 64-bit
// length that the shorter form could carry (5.2: "the minimal number of bytes MUST be used");
// a 64-bit length with the top bit set. Rules across frames (continuations, message size,
// UTF-8, close payloads) belong to MessageReader (websocket_message.hpp).
//
// Like ChunkedDecoder it keeps its own state between calls, so the caller never has to keep
// a partial frame header: every call consumes what it can. The payload is unmasked in place
// in the caller's buffer (which is why it takes a mutable one) and returned as a view into
// it: no copy, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/websocket_errors.hpp"

namespace paasrun::http::ws {

enum class Opcode : std::uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xa,
};

/// Control frames (close, ping, pong) have the top opcode bit set (RFC 6455 5.5).
[[nodiscard]] constexpr bool is_control(Opcode op) noexcept {
    return (static_cast<std::uint8_t>(op) & 0x8) != 0;
}

/// Longest control frame payload (RFC 6455 5.5); a close reason gets 125 - 2 bytes.
inline constexpr std::size_t kMaxControlPayload = 125;
inline constexpr std::size_t kMaxCloseReason = kMaxControlPayload - 2;
/// Longest frame header: 2 + 8 (64-bit length) + 4 (masking key).
inline constexpr std::size_t kMaxFrameHeader = 14;

using MaskKey = std::array<std::uint8_t, 4>;

struct FrameHeader {
    bool fin = false;
    bool rsv1 = false;  // "compressed" under permessage-deflate (first frame of a message)
    Opcode opcode = Opcode::continuation;
    bool masked = false;
    MaskKey mask{};
    std::uint64_t length = 0;  // payload bytes
};

/// XORs `size` bytes at `data` with `key`, starting at key byte `phase` (0-3), in place, a
/// machine word at a time. Returns the phase for the bytes that follow, so a payload can be
/// unmasked in pieces as it arrives. Masking and unmasking are the same operation.
std::size_t apply_mask(char* data, std::size_t size, const MaskKey& key,
                       std::size_t phase = 0) noexcept;

class FrameParser {
public:
    /// `require_mask`: frames must be masked (a server reading a client: RFC 6455 5.1).
    /// `allow_rsv1`: permessage-deflate was negotiated, so RSV1 may mark a compressed message.
    explicit FrameParser(bool require_mask = true, bool allow_rsv1 = false) noexcept
        : require_mask_(require_mask), allow_rsv1_(allow_rsv1) {}

    enum class Kind : std::uint8_t {
        need_more,  // all input consumed; call again with more bytes
        header,     // a complete, valid frame header (Step::header)
        payload,    // unmasked payload bytes of the current frame (Step::data)
        error,      // Step::error; the parser stays failed (every later call returns it)
    };

    struct Step {
        Kind kind = Kind::need_more;
        WsError error = WsError::none;
        std::size_t consumed = 0;  // input bytes used by this call
        FrameHeader header;        // kind == header
        std::string_view data;     // kind == payload: a view into the input, unmasked
        /// The frame ends here: a header with a 0-byte payload, or its last payload bytes.
        bool frame_end = false;
    };

    /// Consumes input until it has one thing to report. Call again with the rest of the
    /// input (data + consumed) while it is not empty. Unmasks the payload inside `data`.
    [[nodiscard]] Step next(char* data, std::size_t size) noexcept;

    /// The header of the frame being read (after a `header` step).
    [[nodiscard]] const FrameHeader& current() const noexcept { return header_; }
    /// Payload bytes of the current frame that have not arrived yet.
    [[nodiscard]] std::uint64_t remaining() const noexcept { return remaining_; }

private:
    Step fail(WsError e, std::size_t consumed) noexcept;
    WsError check_first_bytes() const noexcept;
    WsError finish_header() noexcept;

    bool require_mask_;
    bool allow_rsv1_;
    bool in_payload_ = false;
    bool failed_ = false;
    WsError error_ = WsError::none;
    std::uint8_t have_ = 0;   // header bytes collected in raw_
    std::uint8_t need_ = 2;   // header bytes this frame's header has (known after 2 bytes)
    std::uint8_t phase_ = 0;  // mask phase of the next payload byte
    std::array<std::uint8_t, kMaxFrameHeader> raw_{};
    FrameHeader header_;
    std::uint64_t remaining_ = 0;
};

// ---- Serializer (server frames are never masked: RFC 6455 5.1) ----

/// A frame header ready to be written before its payload (writev: no payload copy).
struct EncodedHeader {
    std::array<char, kMaxFrameHeader> bytes{};
    std::uint8_t size = 0;
    [[nodiscard]] std::string_view view() const noexcept { return {bytes.data(), size}; }
};

struct FrameOptions {
    bool fin = true;
    bool rsv1 = false;              // the first frame of a compressed message
    const MaskKey* mask = nullptr;  // clients only (tests, a future client); servers never mask
};

/// The header of a frame of `length` payload bytes, with the minimal length encoding.
[[nodiscard]] EncodedHeader encode_frame_header(Opcode op, std::uint64_t length,
                                                const FrameOptions& options = {}) noexcept;

/// Appends a whole frame. A control frame must carry at most 125 bytes: false, and nothing
/// appended, when it would carry more. With options.mask the payload is masked as copied.
bool append_frame(std::string& out, Opcode op, std::string_view payload,
                  const FrameOptions& options = {});

/// Appends a close frame: `code` (2 bytes, big-endian) and the reason, cut to 123 bytes on a
/// code point boundary. code 0 sends an empty close frame (no status, RFC 6455 5.5.1) and
/// drops the reason. Any other code is sent as given (an ASGI app's websocket.close code
/// included): is_valid_close_code() says whether the peer will accept it.
void append_close_frame(std::string& out, std::uint16_t code, std::string_view reason = {},
                        const MaskKey* mask = nullptr);

}  // namespace paasrun::http::ws
