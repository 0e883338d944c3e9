// WebSocket close codes (RFC 6455 7.4) and why the codec failed a connection.
//
// Data plane: the WebSocket parsers return a WsError, never throw. The worker answers one by
// sending a close frame with close_code_for(e) (RFC 6455 7.1.7 "Fail the WebSocket
// Connection") and closing the TCP connection once it is written; it does not wait for the
// peer's close frame, since the peer's framing is no longer trusted.
#pragma once

#include <cstdint>
#include <string_view>

namespace paasrun::http::ws {

/// Status codes of a close frame (RFC 6455 7.4.1 and the IANA registry).
namespace close_code {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;  // drain / deploy, or the page navigated away
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;        // never sent: "the close frame had no code"
inline constexpr std::uint16_t abnormal = 1006;         // never sent: "no close frame at all"
inline constexpr std::uint16_t invalid_payload = 1007;  // e.g. a text message not UTF-8
inline constexpr std::uint16_t policy_violation = 1008;
inline constexpr std::uint16_t message_too_big = 1009;
inline constexpr std::uint16_t mandatory_extension = 1010;  // sent by clients only
inline constexpr std::uint16_t internal_error = 1011;       // the app failed
inline constexpr std::uint16_t service_restart = 1012;
inline constexpr std::uint16_t try_again_later = 1013;
}  // namespace close_code

/// Whether a peer may send `code` in a close frame (RFC 6455 7.4): 1000-1003, 1007-1014
/// (1012-1014 were registered with IANA after the RFC), and 3000-4999 (libraries and
/// applications). 0-999, 1004 (reserved), 1005, 1006, 1015 (never on the wire), 1016-2999
/// (unassigned) and >= 5000 are protocol errors.
[[nodiscard]] constexpr bool is_valid_close_code(std::uint16_t code) noexcept {
    if (code >= 1000 && code <= 1003) return true;
    if (code >= 1007 && code <= 1014) return true;
    return code >= 3000 && code <= 4999;
}

enum class WsError : std::uint8_t {
    none = 0,
    // 1002 protocol error: framing (RFC 6455 5.2)
    reserved_bits,            // RSV2/RSV3, or RSV1 without permessage-deflate / on a control or
                              // continuation frame (RFC 7692 6.1)
    reserved_opcode,          // opcodes 3-7 and 0xB-0xF
    unmasked_frame,           // a client frame without the mask bit (RFC 6455 5.1)
    control_too_long,         // control frame payload over 125 bytes (5.5)
    control_fragmented,       // control frame without FIN (5.5)
    non_minimal_length,       // 16/64-bit length that fits the shorter form (5.2 "minimal")
    length_msb_set,           // 64-bit length with the most significant bit set (5.2)
    unexpected_continuation,  // continuation frame with no message in progress (5.4)
    expected_continuation,    // new text/binary frame while a message is unfinished (5.4)
    bad_close_payload,        // close frame with a 1-byte payload (5.5.1)
    invalid_close_code,       // a code is_valid_close_code() refuses (7.4)
    // 1007 invalid payload data
    invalid_utf8,         // text message or close reason that is not UTF-8 (8.1)
    bad_compressed_data,  // permessage-deflate data zlib cannot inflate (RFC 7692 8)
    // 1009 message too big
    message_too_big,   // over MessageLimits::max_message (announced or assembled size)
    inflated_too_big,  // decompresses past MessageLimits::max_message (zip bomb)
    // 1011 internal error
    out_of_memory,  // zlib could not allocate its state
};

/// The close code that answers `e` (1002, 1007, 1009 or 1011; 0 for none).
[[nodiscard]] std::uint16_t close_code_for(WsError e) noexcept;
/// A short lower_snake name for logs and close reasons ("reserved_opcode"), static storage.
[[nodiscard]] std::string_view describe(WsError e) noexcept;

}  // namespace paasrun::http::ws
