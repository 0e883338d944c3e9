// WebSocket messages (RFC 6455 5.4-5.6, 8.1; RFC 7692 6): MessageReader turns the client's
// frames into whole messages and control events; append_message() frames the server's.
//
//   ws::MessageReader reader(limits, inflater_or_null);
//   for (;;) {
//       auto ev = reader.next(buf + pos, len - pos);   // unmasks in place
//       pos += ev.consumed;
//       switch (ev.kind) {
//           case need_more: read more, then call again
//           case message:   ev.opcode (text/binary), ev.payload -> ASGI websocket.receive
//           case ping:      answer with a pong carrying ev.payload (RFC 6455 5.5.2)
//           case pong:      (an answer to our keep-alive ping) note the time
//           case close:     ev.close_code (1005 when none), ev.payload (the reason) ->
//                           echo a close frame (5.5.1), ASGI websocket.disconnect
//           case error:     send a close frame with close_code_for(ev.error), then close
//       }
//   }
//
// Rules across frames, on top of FrameParser's (websocket_frame.hpp):
// - a continuation frame needs a message in progress, and a text/binary frame needs none
//   (5.4) -> 1002; control frames may come between the fragments of a message (5.4);
// - a message larger than MessageLimits::max_message is refused when a frame header
//   announces it, before its payload is read, or for a compressed message when inflating
//   passes the limit -> 1009;
// - text is validated as it arrives, across frames and reads, and refused at the first
//   invalid byte -> 1007 (fail fast, Autobahn 6.x); a compressed text message is validated
//   as it inflates;
// - a close frame's payload is empty, or a code that is_valid_close_code() accepts followed
//   by a UTF-8 reason (5.5.1, 7.4) -> 1002 / 1007;
// - after the close frame, the rest of the input is ignored (5.5.1: no data after close).
//
// Views in events are valid until the next call: a message's payload is a view into the
// caller's buffer when it came in one unfragmented, uncompressed frame that arrived whole
// (zero copy: the common case of small messages), otherwise into the reader's own buffer,
// which holds at most max_message bytes and is freed after a message over kKeepBuffer bytes
// (release() frees it on demand, for idle connections).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/utf8.hpp"
#include "http/websocket_buffer.hpp"
#include "http/websocket_deflate.hpp"
#include "http/websocket_frame.hpp"

namespace paasrun::http::ws {

struct MessageLimits {
    /// Largest message, in bytes, after decompression (uvicorn's --ws-max-size default).
    std::size_t max_message = 16 * 1024 * 1024;
};

/// A message buffer grown past this is freed after its message, not kept for the next.
inline constexpr std::size_t kKeepBuffer = 64 * 1024;

class MessageReader {
public:
    /// `inflater`: permessage-deflate was negotiated (RSV1 then marks compressed messages);
    /// nullptr when not. The reader does not own it.
    explicit MessageReader(const MessageLimits& limits = {}, Inflater* inflater = nullptr) noexcept;

    enum class Kind : std::uint8_t { need_more, message, ping, pong, close, error };

    struct Event {
        Kind kind = Kind::need_more;
        Opcode opcode = Opcode::text;  // message: text or binary
        std::string_view payload;      // message / ping / pong payload; close: the reason
        std::uint16_t close_code = 0;  // close: the code, or close_code::no_status (1005)
        WsError error = WsError::none;
        std::size_t consumed = 0;  // input bytes used by this call
    };

    /// Consumes input until one event is complete, an error occurs, or the input runs out.
    /// Unmasks payload bytes in place. After an error every call returns it again.
    [[nodiscard]] Event next(char* data, std::size_t size);

    /// A message has started and not ended (the idle timeout may treat it as busy).
    [[nodiscard]] bool in_message() const noexcept { return in_message_; }
    /// The peer's close frame has been read.
    [[nodiscard]] bool closed() const noexcept { return closed_; }
    /// Frees the message buffer and, when no context is kept, the decompressor (between
    /// messages only). An idle connection then holds no codec memory beyond this object.
    void release() noexcept;

private:
    Event fail(WsError e, std::size_t consumed);
    WsError on_header(const FrameHeader& h);
    WsError on_data(std::string_view chunk);
    Event finish_message(std::size_t consumed);
    Event finish_control(std::size_t consumed);

    MessageLimits limits_;
    Inflater* inflater_;
    FrameParser frames_;
    MessageBuffer message_;
    Utf8Validator utf8_;
    bool in_message_ = false;
    bool compressed_ = false;
    bool closed_ = false;
    bool failed_ = false;
    WsError error_ = WsError::none;
    Opcode message_opcode_ = Opcode::text;
    std::uint64_t received_ = 0;  // payload bytes of the current message (compressed ones too)
    // The frame being read.
    Opcode frame_opcode_ = Opcode::text;
    bool frame_fin_ = false;
    std::uint64_t frame_length_ = 0;
    bool whole_frame_message_ = false;  // may be delivered straight from the input
    // A control frame's payload (at most 125 bytes), kept across reads.
    std::array<char, kMaxControlPayload> control_{};
    std::size_t control_size_ = 0;
};

/// Appends one whole data message (`opcode` text or binary) as a single frame (FIN set). With a
/// deflater (permessage-deflate negotiated) the payload is compressed and RSV1 set. Errors:
/// out_of_memory (nothing appended).
[[nodiscard]] WsError append_message(std::string& out, Opcode opcode, std::string_view payload,
                                     Deflater* deflater = nullptr);

}  // namespace paasrun::http::ws
