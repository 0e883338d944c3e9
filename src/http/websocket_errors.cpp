#include "http/websocket_errors.hpp"

namespace paasrun::http::ws {

std::uint16_t close_code_for(WsError e) noexcept {
    switch (e) {
        case WsError::none:
            return 0;
        case WsError::invalid_utf8:
        case WsError::bad_compressed_data:
            return close_code::invalid_payload;
        case WsError::message_too_big:
        case WsError::inflated_too_big:
            return close_code::message_too_big;
        case WsError::out_of_memory:
            return close_code::internal_error;
        default:
            return close_code::protocol_error;
    }
}

std::string_view describe(WsError e) noexcept {
    switch (e) {
        case WsError::none:
            return "none";
        case WsError::reserved_bits:
            return "reserved_bits";
        case WsError::reserved_opcode:
            return "reserved_opcode";
        case WsError::unmasked_frame:
            return "unmasked_frame";
        case WsError::control_too_long:
            return "control_too_long";
        case WsError::control_fragmented:
            return "control_fragmented";
        case WsError::non_minimal_length:
            return "non_minimal_length";
        case WsError::length_msb_set:
            return "length_msb_set";
        case WsError::unexpected_continuation:
            return "unexpected_continuation";
        case WsError::expected_continuation:
            return "expected_continuation";
        case WsError::bad_close_payload:
            return "bad_close_payload";
        case WsError::invalid_close_code:
            return "invalid_close_code";
        case WsError::invalid_utf8:
            return "invalid_utf8";
        case WsError::bad_compressed_data:
            return "bad_compressed_data";
        case WsError::message_too_big:
            return "message_too_big";
        case WsError::inflated_too_big:
            return "inflated_too_big";
        case WsError::out_of_memory:
            return "out_of_memory";
    }
    return "unknown";
}

}  // namespace paasrun::http::ws
